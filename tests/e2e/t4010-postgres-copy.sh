#!/usr/bin/env bash
# t4010-postgres-copy: `fortress store copy` (issue 19) - a vault moved from
# a SQLite file into PostgreSQL and back, every row as it was (ciphertext,
# index entries, seals, the audit chain), checked; the refusals.  Needs the
# ctest fixture "pg": skipped (77) without it.
set -u
if [ -z "${FORTRESS_TEST_PG_DIR:-}" ] || [ ! -f "$FORTRESS_TEST_PG_DIR/data/postmaster.pid" ] || ! command -v psql >/dev/null ||
	! command -v sqlite3 >/dev/null; then
	echo "skipped: no PostgreSQL test server (run through ctest) or no sqlite3"
	exit 77
fi
. "$E2E_LIB"

DB=t4010_$$
URL=$(sh "$FORTRESS_PG_SERVER" newdb "$FORTRESS_TEST_PG_DIR" "$DB") || { echo "cannot create database $DB" >&2; exit 1; }
DB2=t4010b_$$
URL2=$(sh "$FORTRESS_PG_SERVER" newdb "$FORTRESS_TEST_PG_DIR" "$DB2") || { echo "cannot create database $DB2" >&2; exit 1; }
sql() { psql "$URL" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
FILE=$FORTRESS_VAULT

# every table of a vault file, every row, every column as SQLite's quote()
# gives it (blobs as hex), in a fixed order: equal dumps are equal rows
dump() {
	for t in $(sqlite3 "$1" "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"); do
		cols=$(sqlite3 "$1" "SELECT group_concat('quote(\"' || name || '\")', ' || ''|'' || ') FROM pragma_table_info('$t')")
		echo "== $t"
		sqlite3 "$1" "SELECT $cols FROM \"$t\"" | LC_ALL=C sort
	done
}

init_vault
fort client add --set full_name="Jana Schmidt" --set email=jana@example.com --set phone=+4915112345678 >"$TRASH/jana" 2>/dev/null
JANA=$(cat "$TRASH/jana")
printf "full_name,email\nAda Lovelace,ada@example.org\nAlan Turing,alan@example.org\n" >"$TRASH/in.csv"
# and 25 more in the same entry: 75 seals, two rows of SQLite's packed seal
# log (64 + 11), which the round trip must pack back as they were
for i in $(seq 1 25); do echo "Client $i,client$i@example.org"; done >>"$TRASH/in.csv"
fort client import "$TRASH/in.csv" >/dev/null 2>&1
printf "We use your e-mail for newsletters.\n" >"$TRASH/notice.txt"
fort consent grant "$JANA" marketing --channel web --notice-file "$TRASH/notice.txt" >/dev/null 2>&1
fort request open access "$JANA" --received 2026-11-30 >/dev/null 2>&1
fort incident open "laptop lost" --kind lost-device --occurred 2026-03-27T07:30:00Z --aware 2026-03-27T16:00:00Z >/dev/null 2>&1
fort intake create contact --fields email,full_name >/dev/null 2>&1
fort user totp enroll >/dev/null 2>&1
ADA=$(fort client find email=ada@example.org 2>/dev/null)
fort client erase "$ADA" --yes >/dev/null 2>&1

test_expect 'the test vault has rows in many tables and verifies' '
	expect_exit 0 fort audit verify &&
	for t in clients blind uniq consent requests incidents intake_forms user_totp erased seal_log audit; do
		n=$(sqlite3 "$FILE" "SELECT count(*) FROM $t") &&
		{ [ "$n" -gt 0 ] || _fail "table $t is empty"; } || return 1
	done
'

test_expect 'store copy into an empty PostgreSQL database: every table the same, the chain and seals verify' '
	expect_exit 0 fort store copy --to "$URL" --json &&
	expect_eq "$(jq_ "$OUT" "d[\"ok\"]")" true "ok" &&
	expect_eq "$(jq_ "$OUT" "all(t[\"same\"] for t in d[\"tables\"])")" true "every table the same" &&
	expect_eq "$(jq_ "$OUT" "d[\"clients\"]")" "$(sqlite3 "$FILE" "SELECT count(*) FROM clients")" "clients" &&
	expect_eq "$(jq_ "$OUT" "d[\"audit_head\"]")" "$(sqlite3 "$FILE" "SELECT seq || '"':'"' || lower(hex(hash)) FROM audit ORDER BY seq DESC LIMIT 1")" "audit head" &&
	expect_eq "$(sql "SELECT count(*) FROM clients")" "$(sqlite3 "$FILE" "SELECT count(*) FROM clients")" "clients in PostgreSQL" &&
	expect_exit 0 fort --vault "$URL" audit verify &&
	expect_contains "$OUT" "audit chain OK"
'

test_expect 'at once back to a SQLite file: byte for byte the same rows in every table' '
	expect_exit 0 fort --vault "$URL" store copy --to "$TRASH/back.db" &&
	expect_contains "$OUT" "audit chain OK" &&
	dump "$FILE" >"$TRASH/a.dump" &&
	dump "$TRASH/back.db" >"$TRASH/b.dump" &&
	{ [ "$(wc -l <"$TRASH/a.dump")" -gt 100 ] || _fail "a short dump"; } &&
	{ cmp -s "$TRASH/a.dump" "$TRASH/b.dump" || { diff "$TRASH/a.dump" "$TRASH/b.dump" | head -20; _fail "rows differ after the round trip"; }; } &&
	expect_exit 0 fort --vault "$TRASH/back.db" audit verify &&
	expect_exit 0 fort --vault "$TRASH/back.db" client get "$JANA" --reveal email --purpose service &&
	expect_contains "$OUT" "jana@example.com"
'

test_expect 'the copy in PostgreSQL opens with the passphrase: records decrypt, finds work, new writes follow' '
	expect_exit 0 fort --vault "$URL" client get "$JANA" --reveal email --purpose service &&
	expect_contains "$OUT" "jana@example.com" &&
	expect_exit 0 fort --vault "$URL" client find email=alan@example.org &&
	expect_exit 3 fort --vault "$URL" client get "$ADA" &&
	expect_contains "$ERR" "was erased" &&
	expect_exit 6 fort --vault "$URL" client add --set full_name="Jana Again" --set email=jana@example.com &&
	expect_exit 0 fort --vault "$URL" consent show "$JANA"
'

test_expect 'refused: an existing file, a database that holds tables, the vault itself' '
	expect_exit 6 fort store copy --to "$TRASH/back.db" &&
	expect_contains "$ERR" "exists" &&
	expect_exit 6 fort store copy --to "$URL" &&
	expect_exit 6 fort store copy --to "$FILE" &&
	expect_exit 2 fort store copy
'

test_expect 'a source edited with sqlite3 is refused before anything is written' '
	N=$(sqlite3 "$FILE" "SELECT id FROM clients ORDER BY id LIMIT 1") &&
	sqlite3 "$FILE" "UPDATE clients SET updated = updated + 1 WHERE id = $N" &&
	expect_exit 8 fort store copy --to "$URL2" &&
	expect_contains "$ERR" "does not verify" &&
	expect_eq "$(psql "$URL2" -qAt -c "SELECT count(*) FROM pg_tables WHERE schemaname = '"'public'"'")" 0 "tables written" &&
	expect_exit 8 fort store copy --to "$TRASH/c.db" &&
	{ [ ! -e "$TRASH/c.db" ] || _fail "a file was left"; } &&
	sqlite3 "$FILE" "UPDATE clients SET updated = updated - 1 WHERE id = $N" &&
	expect_exit 0 fort store copy --to "$TRASH/c.db"
'

test_done
