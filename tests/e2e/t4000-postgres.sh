#!/usr/bin/env bash
# t4000-postgres: a vault in PostgreSQL (issue 19) - init --store URL, the
# everyday commands, the connection rules, and an attacker with psql who
# edits rows and drops triggers.  Needs the ctest fixture "pg" (a throwaway
# server started by tests/pg/pg-server.sh): skipped (77) without it.
set -u
if [ -z "${FORTRESS_TEST_PG_DIR:-}" ] || [ ! -f "$FORTRESS_TEST_PG_DIR/data/postmaster.pid" ] || ! command -v psql >/dev/null; then
	echo "skipped: no PostgreSQL test server (run through ctest)"
	exit 77
fi
. "$E2E_LIB"

DB=t4000_$$
URL=$(sh "$FORTRESS_PG_SERVER" newdb "$FORTRESS_TEST_PG_DIR" "$DB") || { echo "cannot create database $DB" >&2; exit 1; }
export FORTRESS_VAULT=$URL
sql() { psql "$URL" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
tables() { sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"; }

test_expect 'a password in the URL, or TLS without verification, is refused before anything is written' '
	expect_exit 6 fort init --name "Orbit Bakery" --owner alice --kdf interactive --country DE \
		--store "postgresql://fortress:hunter2secret@localhost/$DB" &&
	expect_contains "$ERR" "holds a password" &&
	expect_not_contains "$ERR" "hunter2secret" &&
	expect_exit 6 fort init --name "Orbit Bakery" --owner alice --kdf interactive --country DE \
		--store "postgresql://fortress@localhost/$DB?sslmode=require" &&
	expect_contains "$ERR" "sslmode=verify-full" &&
	expect_exit 2 fort init --name "Orbit Bakery" --owner alice --kdf interactive --country DE --store /tmp/x.db &&
	expect_eq "$(tables)" 0 "tables after refused inits"
'

test_expect 'init --store creates the vault in the database' '
	init_vault --store "$URL" &&
	expect_contains "$OUT" "created vault $URL" &&
	expect_exit 0 fort status &&
	expect_match "$OUT" "^schema: +$(sql "SELECT v FROM fortress_version")$" &&
	{ [ "$(sql "SELECT v FROM fortress_version")" -ge 11 ] || _fail "schema version $(sql "SELECT v FROM fortress_version")"; } &&
	{ [ "$(tables)" -gt 20 ] || _fail "only $(tables) tables"; } &&
	expect_exit 6 fort init --name "Orbit Bakery" --owner alice --kdf interactive --country DE --store "$URL" &&
	expect_contains "$ERR" "already holds a Fortress vault"
'

test_expect 'add, find, reveal, a duplicate e-mail refused' '
	expect_exit 0 fort client add --set full_name="Jana Schmidt" --set email=jana@example.com --set phone=+4915112345678 &&
	ID=$(cat "$OUT") &&
	expect_match "$OUT" "^c-[0-9a-f]{16}$" &&
	expect_exit 0 fort client add --set full_name="Piotr Nowak" --set email=piotr@example.com &&
	expect_exit 0 fort client find email=jana@example.com &&
	expect_eq "$(cat "$OUT")" "$ID" "find by e-mail" &&
	expect_exit 0 fort client get "$ID" &&
	expect_not_contains "$OUT" "jana@example.com" &&
	expect_exit 0 fort client get "$ID" --reveal email --purpose service &&
	expect_contains "$OUT" "jana@example.com" &&
	expect_exit 6 fort client add --set full_name="Jana Again" --set email=jana@example.com &&
	expect_contains "$ERR" "already has the same email" &&
	expect_exit 0 fort audit verify &&
	expect_contains "$OUT" "audit chain OK"
'

test_expect 'nothing readable in the database: no name or e-mail in any table' '
	psql "$URL" -qAt -c "\\copy (SELECT * FROM clients) TO STDOUT" >"$TRASH/dump" &&
	psql "$URL" -qAt -c "\\copy (SELECT * FROM audit) TO STDOUT" >>"$TRASH/dump" &&
	psql "$URL" -qAt -c "\\copy (SELECT * FROM meta) TO STDOUT" >>"$TRASH/dump" &&
	expect_not_contains "$TRASH/dump" "jana@example.com" &&
	expect_not_contains "$TRASH/dump" "Schmidt" &&
	expect_not_contains "$TRASH/dump" "6a616e61406578616d706c652e636f6d"
'

test_expect 'a record edited with psql is refused on read and by audit verify' '
	N=$(sql "SELECT id FROM clients ORDER BY id LIMIT 1") &&
	ID=$(printf "c-%016x" "$N") &&
	sql "UPDATE clients SET data = set_byte(data, 20, get_byte(data, 20) # 1) WHERE id = $N" &&
	expect_exit 8 fort client get "$ID" --reveal email --purpose service &&
	expect_contains "$ERR" "client $N'"'"'s record does not match" &&
	expect_not_contains "$OUT" "@example.com" &&
	expect_exit 1 fort audit verify &&
	sql "UPDATE clients SET data = set_byte(data, 20, get_byte(data, 20) # 1) WHERE id = $N" &&
	expect_exit 0 fort audit verify
'

test_expect 'triggers dropped and a unique index entry deleted: audit verify still catches it' '
	sql "DROP TRIGGER consent_no_update ON consent; DROP TRIGGER consent_no_delete ON consent" &&
	sql "ALTER TABLE uniq DISABLE TRIGGER ALL; ALTER TABLE clients DISABLE TRIGGER ALL" &&
	sql "CREATE TABLE saved AS SELECT * FROM uniq" &&
	sql "DELETE FROM uniq" &&
	expect_exit 1 fort audit verify &&
	expect_exit 8 fort client add --set full_name="Jana Copy" --set email=jana@example.com &&
	sql "INSERT INTO uniq SELECT * FROM saved; DROP TABLE saved" &&
	expect_exit 0 fort audit verify
'

test_expect 'import, key rotation and erasure (crypto-shredding) on PostgreSQL' '
	printf "full_name,email,phone\nAda Lovelace,ada@example.org,+4915112345671\nAlan Turing,alan@example.org,+4915112345672\n" >"$TRASH/in.csv" &&
	expect_exit 0 fort client import "$TRASH/in.csv" &&
	expect_exit 0 fort client find email=ada@example.org &&
	ADA=$(cat "$OUT") &&
	expect_exit 0 fort keys rotate --all &&
	expect_exit 0 fort client get "$ADA" --reveal email --purpose service &&
	expect_contains "$OUT" "ada@example.org" &&
	expect_exit 0 fort client erase "$ADA" --yes &&
	expect_exit 3 fort client find email=ada@example.org &&
	expect_exit 3 fort client get "$ADA" &&
	expect_contains "$ERR" "was erased" &&
	expect_eq "$(sql "SELECT count(*) FROM erased")" 1 "erasure ledger entries" &&
	expect_exit 0 fort audit verify
'

test_expect 'status, an export in the exports record, and an incident scoped to it' '
	expect_exit 0 fort status --json &&
	expect_contains "$OUT" "\"clients\"" &&
	expect_exit 0 fort client export --purpose billing --format csv -o "$TRASH/work/export.csv" &&
	expect_eq "$(sql "SELECT count(*) FROM exports")" 1 "exports record rows" &&
	expect_exit 0 fort incident open "laptop with the export stolen" --kind lost-device \
		--occurred 2026-03-27T07:30:00Z --aware 2026-03-27T16:00:00Z &&
	expect_exit 0 fort incident scope 1 --export "$TRASH/work/export.csv" &&
	expect_exit 0 fort incident impact 1 --json &&
	expect_contains "$OUT" "\"affected\": $(sql "SELECT count(*) FROM clients")" &&
	expect_exit 0 fort audit verify
'

test_expect 'a client request and its history; a request row edited with psql is caught' '
	expect_exit 0 fort client find email=alan@example.org &&
	ALAN=$(cat "$OUT") &&
	expect_exit 0 fort request open access "$ALAN" --received 2026-11-30 &&
	expect_exit 0 fort request list &&
	expect_contains "$OUT" "$ALAN" &&
	expect_eq "$(sql "SELECT count(*) FROM request_events")" "$(sql "SELECT count(*) FROM request_events WHERE request = 1")" "history rows" &&
	sql "UPDATE requests SET received = '"'"'2026-12-01'"'"'" &&
	expect_exit 8 fort request list &&
	expect_exit 1 fort audit verify &&
	sql "UPDATE requests SET received = '"'"'2026-11-30'"'"'" &&
	expect_exit 0 fort audit verify
'

anon() { env -u FORTRESS_PASSPHRASE_FILE "$FORTRESS" "$@"; }
inbox() { sql "SELECT count(*) FROM intake_inbox"; }

test_expect 'write-only intake: a form, a submission without a passphrase, accepted into a client' '
	expect_exit 0 fort intake create contact --fields email,full_name &&
	printf "{\"fields\": {\"email\": \"quill@example.org\", \"full_name\": \"Quill Canaryman\"}}" >"$TRASH/sub.json" &&
	expect_exit 0 anon intake submit contact --file "$TRASH/sub.json" &&
	expect_eq "$(cat "$OUT")" "received" &&
	expect_eq "$(inbox)" 1 "inbox rows" &&
	expect_eq "$(sql "SELECT count(*) FROM intake_inbox WHERE position('"'"'Canaryman'"'"'::bytea IN box) > 0")" 0 "readable boxes" &&
	SUB=$(sql "SELECT id FROM intake_inbox") &&
	expect_exit 0 fort intake review contact &&
	expect_not_contains "$OUT" "Canaryman" &&
	expect_exit 0 fort --json intake accept "$SUB" &&
	QUILL=$(jq_ "$OUT" "d[\"client\"]") &&
	expect_exit 0 fort client get "$QUILL" --reveal full_name --purpose service &&
	expect_contains "$OUT" "Quill Canaryman" &&
	expect_eq "$(inbox)" 0 "inbox rows after accept" &&
	expect_eq "$(sql "SELECT decision FROM intake_decisions WHERE id = $SUB")" accepted "decision" &&
	expect_exit 3 fort intake accept "$SUB" &&
	expect_exit 0 fort audit verify
'

test_expect 'an intake form widened or a decision removed with psql is caught' '
	sql "UPDATE intake_forms SET fields = '"'"'email,full_name,iban'"'"' WHERE name = '"'"'contact'"'"'" &&
	expect_exit 8\|1 anon intake submit contact --file "$TRASH/sub.json" &&
	expect_contains "$ERR" "intake form" &&
	expect_eq "$(inbox)" 0 "inbox rows" &&
	expect_exit 1 fort audit verify &&
	expect_contains "$OUT" "intake form" &&
	sql "UPDATE intake_forms SET fields = '"'"'email,full_name'"'"' WHERE name = '"'"'contact'"'"'" &&
	expect_exit 0 fort audit verify &&
	sql "CREATE TABLE saved AS SELECT * FROM intake_decisions; DELETE FROM intake_decisions" &&
	expect_exit 1 fort audit verify &&
	expect_contains "$OUT" "intake submission" &&
	sql "INSERT INTO intake_decisions SELECT * FROM saved; DROP TABLE saved" &&
	expect_exit 0 fort audit verify
'

test_expect 'a second factor rolled back with psql is refused (a used code would work again)' '
	expect_exit 0 fort user totp enroll &&
	sql "CREATE TABLE old_totp AS SELECT * FROM user_totp" &&
	expect_exit 0 fort user totp enroll &&
	sql "CREATE TABLE new_totp AS SELECT * FROM user_totp" &&
	expect_exit 0 fort user totp status &&
	expect_contains "$OUT" "enrolled" &&
	sql "UPDATE user_totp SET data = o.data, created = o.created FROM old_totp o WHERE user_totp.user_id = o.user_id" &&
	expect_exit 8 fort user totp status &&
	expect_contains "$ERR" "the second factor (user_totp) of user #" &&
	expect_contains "$ERR" "audit verify" &&
	expect_exit 1 fort audit verify &&
	sql "UPDATE user_totp SET data = n.data, created = n.created FROM new_totp n WHERE user_totp.user_id = n.user_id" &&
	expect_exit 0 fort user totp status &&
	sql "DELETE FROM user_totp" &&
	expect_exit 8 fort user totp status &&
	sql "INSERT INTO user_totp SELECT * FROM new_totp; DROP TABLE old_totp; DROP TABLE new_totp" &&
	expect_exit 0 fort audit verify
'

test_expect 'backup create from PostgreSQL: verify, restore into a file that opens and verifies, then into a database' '
	expect_exit 0 fort backup create "$TRASH/b.fbk" &&
	expect_contains "$OUT" "$(sql "SELECT count(*) FROM clients") clients" &&
	expect_exit 0 fort backup verify "$TRASH/b.fbk" &&
	expect_exit 6 fort backup restore "$TRASH/b.fbk" --to "$URL" &&
	expect_contains "$ERR" "store copy" &&
	expect_exit 0 fort backup restore "$TRASH/b.fbk" --to "$TRASH/restored.db" &&
	expect_not_contains "$ERR" "no current vault" &&
	expect_exit 0 fort --vault "$TRASH/restored.db" audit verify &&
	expect_exit 0 fort --vault "$TRASH/restored.db" client find email=jana@example.com &&
	JANA=$(cat "$OUT") &&
	expect_exit 0 fort --vault "$TRASH/restored.db" client get "$JANA" --reveal email --purpose service &&
	expect_contains "$OUT" "jana@example.com" &&
	expect_eq "$(sqlite3 "$TRASH/restored.db" "SELECT count(*) FROM clients")" "$(sql "SELECT count(*) FROM clients")" "clients restored" &&
	R=$(sh "$FORTRESS_PG_SERVER" newdb "$FORTRESS_TEST_PG_DIR" "${DB}_r") &&
	expect_exit 0 fort --vault "$TRASH/restored.db" store copy --to "$R" &&
	expect_exit 0 fort --vault "$R" audit verify &&
	expect_exit 0 fort audit verify
'

test_done
