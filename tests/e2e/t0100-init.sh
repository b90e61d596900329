#!/usr/bin/env bash
# t0100-init: creating a vault, passphrases, unlocking, changing the
# passphrase, and files that are not vaults.
set -u
. "$E2E_LIB"

HEAD_RE='[0-9]+:[0-9a-f]{64}'

test_expect 'fortress --version, and usage errors exit 2' '
	expect_exit 0 fort --version &&
	expect_contains "$OUT" "0.1.0" &&
	expect_exit 2 fort frobnicate &&
	expect_error_line &&
	expect_exit 2 fort client frobnicate &&
	expect_exit 2 fort status --no-such-option
'

test_expect 'passphrase generate needs no vault and gives 7 words by default' '
	expect_exit 0 fort_nopass passphrase generate &&
	gen1=$(head -n 1 "$OUT") &&
	words=$(printf "%s\n" "$gen1" | awk -F- "{print NF}") &&
	{ [ "$words" -ge 7 ] || _fail "default passphrase has $words words, expected 7"; } &&
	{ ! vault_exists || _fail "passphrase generate created a vault"; } &&
	expect_exit 0 fort_nopass passphrase generate &&
	gen2=$(head -n 1 "$OUT") &&
	expect_ne "$gen2" "$gen1" "a second generated passphrase"
'

test_expect 'passphrase generate --words 8 / 6, and fewer than 6 words is refused' '
	expect_exit 0 fort_nopass passphrase generate --words 8 &&
	words=$(head -n 1 "$OUT" | awk -F- "{print NF}") &&
	{ [ "$words" -ge 8 ] || _fail "--words 8 gave $words words"; } &&
	expect_exit 0 fort_nopass passphrase generate --words 6 &&
	words=$(head -n 1 "$OUT" | awk -F- "{print NF}") &&
	{ [ "$words" -ge 6 ] || _fail "--words 6 gave $words words"; } &&
	expect_exit "2|6" fort_nopass passphrase generate --words 5 &&
	expect_error_line &&
	expect_empty "$OUT"
'

test_expect 'passphrase check: a generated passphrase is fine, a common one is weak' '
	expect_exit 0 fort_nopass passphrase generate &&
	write_secret "$TRASH/generated" "$(head -n 1 "$OUT")" &&
	expect_exit 0 fort passphrase check --passphrase-file "$TRASH/generated" &&
	write_secret "$TRASH/weak" "password1234567890" &&
	expect_exit 6 fort passphrase check --passphrase-file "$TRASH/weak" &&
	expect_exit 0 fort passphrase check
'

test_expect 'init without --name and without a TTY is a usage error' '
	expect_exit 2 fort init --country DE --owner "$VAULT_OWNER" --kdf interactive &&
	expect_error_line &&
	{ ! vault_exists || _fail "vault created anyway"; }
'

test_expect 'init refuses a weak passphrase and suggests passphrase generate' '
	write_secret "$TRASH/weak" "password1234567890" &&
	expect_exit 6 fort init --country DE --name "$VAULT_NAME" --owner "$VAULT_OWNER" --kdf interactive \
		--passphrase-file "$TRASH/weak" &&
	expect_error_line &&
	expect_contains "$ERR" "fortress passphrase generate" &&
	expect_not_contains "$ERR" "password1234567890" &&
	{ ! vault_exists || _fail "vault created with a weak passphrase"; }
'

test_expect 'init refuses a short passphrase (< 15 characters)' '
	write_secret "$TRASH/short" "Zq8#vLm2!pX" &&
	expect_exit 6 fort init --country DE --name "$VAULT_NAME" --owner "$VAULT_OWNER" --kdf interactive \
		--passphrase-file "$TRASH/short" &&
	expect_contains "$ERR" "fortress passphrase generate" &&
	expect_match "$ERR" "15|short" &&
	expect_not_contains "$ERR" "Zq8#vLm2!pX" &&
	{ ! vault_exists || _fail "vault created with a short passphrase"; }
'

test_expect 'init --name --owner creates the vault and prints its path and audit head' '
	expect_exit 0 fort init --country DE --name "$VAULT_NAME" --owner "$VAULT_OWNER" --kdf interactive &&
	expect_contains "$OUT" "$FORTRESS_VAULT" &&
	expect_match "$OUT" "$HEAD_RE" &&
	{ vault_exists || _fail "no vault at $FORTRESS_VAULT"; } &&
	expect_exit 2 fort client get &&
	expect_exit 2 fort client add --set
'

test_expect 'status --json names the business, owner, counts and the audit head' '
	expect_exit 0 fort status --json &&
	expect_json "$OUT" &&
	cp "$OUT" "$TRASH/st.json" &&
	expect_eq "$(util status "$TRASH/st.json" business)" "$VAULT_NAME" business &&
	expect_eq "$(util status "$TRASH/st.json" owner)" "$VAULT_OWNER" owner &&
	expect_eq "$(util status "$TRASH/st.json" clients)" 0 clients &&
	expect_eq "$(util status "$TRASH/st.json" erased)" 0 erased &&
	entries=$(util status "$TRASH/st.json" audit_entries) &&
	{ [ "$entries" -ge 1 ] || _fail "audit entries: $entries"; } &&
	head=$(util status "$TRASH/st.json" audit_head) &&
	{ printf "%s\n" "$head" | grep -Eq "^$HEAD_RE\$" || _fail "audit head \"$head\" is not SEQ:HASH"; } &&
	expect_match "$TRASH/st.json" "argon2id" &&
	expect_contains "$TRASH/st.json" "$FORTRESS_VAULT"
'

test_expect 'status works without any passphrase' '
	expect_exit 0 fort_nopass status &&
	expect_contains "$OUT" "$VAULT_NAME" &&
	expect_contains "$OUT" "$VAULT_OWNER" &&
	expect_match "$OUT" "$HEAD_RE" &&
	expect_exit 0 fort_nopass status --json &&
	expect_json "$OUT"
'

test_expect 'init twice is refused (exit 6) and leaves the vault alone' '
	before=$(vault_digest) &&
	expect_exit 6 fort init --country DE --name Other --owner bob --kdf interactive &&
	expect_error_line &&
	expect_eq "$(vault_digest)" "$before" "vault sha256" &&
	expect_exit 0 fort status --json &&
	expect_eq "$(util status "$OUT" business)" "$VAULT_NAME" business
'

test_expect 'global options --vault and --passphrase-file work before and after the command' '
	expect_exit 0 fort --vault "$TRASH/vault/second.db" --passphrase-file "$PASSFILE" \
		init --name "Second Office" --owner bob --kdf interactive --country AT &&
	expect_exit 0 fort status --vault "$TRASH/vault/second.db" --json &&
	expect_eq "$(util status "$OUT" business)" "Second Office" business &&
	expect_eq "$(util status "$OUT" owner)" bob owner &&
	expect_exit 0 fort client list --vault "$TRASH/vault/second.db" --passphrase-file "$PASSFILE"
'

test_expect 'no passphrase file and no TTY: exit 2 at once with the documented message' '
	expect_exit 2 eval "(unset FORTRESS_PASSPHRASE_FILE; fort_timeout 10 client list)" &&
	expect_contains "$ERR" "fortress: no passphrase: use --passphrase-file FILE or FORTRESS_PASSPHRASE_FILE, or run on a terminal" &&
	expect_exit 2 eval "(unset FORTRESS_PASSPHRASE_FILE; fort_timeout 10 client add --set full_name=Nobody)" &&
	expect_contains "$ERR" "fortress: no passphrase:"
'

test_expect 'a wrong passphrase exits 4 and changes nothing but one unlock-failed audit entry' '
	id=$(add_client --set full_name="Karl Becker" --set email=karl@example.net) &&
	expect_exit 0 fort status --json && cp "$OUT" "$TRASH/before.json" &&
	write_secret "$TRASH/wrong" "quartz-lantern-hobbit-marzipan-oxbow-tundra-velcrO" &&
	expect_exit 4 fort --passphrase-file "$TRASH/wrong" client list &&
	expect_error_line &&
	expect_not_contains "$OUT" "$id" &&
	expect_exit 0 fort status --json && cp "$OUT" "$TRASH/after.json" &&
	e0=$(util status "$TRASH/before.json" audit_entries) &&
	e1=$(util status "$TRASH/after.json" audit_entries) &&
	expect_eq "$e1" "$((e0 + 1))" "audit entries after one failed unlock" &&
	expect_eq "$(util status "$TRASH/after.json" clients)" "$(util status "$TRASH/before.json" clients)" clients &&
	expect_eq "$(util status "$TRASH/after.json" erased)" "$(util status "$TRASH/before.json" erased)" erased &&
	seq=$(util status "$TRASH/after.json" audit_head_seq 2>/dev/null || util status "$TRASH/after.json" audit_head | cut -d: -f1) &&
	expect_exit 0 fort audit log --json &&
	expect_json "$OUT" &&
	got=$(jq_ "$OUT" "[e[\"action\"]+\"/\"+e[\"result\"] for e in audit_entries(d) if int(e[\"seq\"])==$seq]") &&
	expect_match - "^unlock-failed/(failed|denied)$" <<<"$got"
'

test_expect 'a wrong passphrase on client add adds nothing' '
	c0=$(status_get clients) &&
	expect_exit 4 fort --passphrase-file "$TRASH/wrong" client add --set full_name="Eve Intruder" &&
	expect_eq "$(status_get clients)" "$c0" clients
'

test_expect 'passwd refuses a weak new passphrase and keeps the old one' '
	write_secret "$TRASH/weaknew" "password1234567890" &&
	expect_exit 6 fort passwd --new-passphrase-file "$TRASH/weaknew" &&
	expect_contains "$ERR" "fortress passphrase generate" &&
	expect_exit 0 fort client list
'

test_expect 'passwd changes the passphrase: the old one fails with 4, clients stay readable' '
	purpose=$(map_purpose email) &&
	write_secret "$TRASH/newpass" "plinth-saffron-gazebo-wombat-nectar-ferrule-cobalt" &&
	expect_exit 0 fort passwd --new-passphrase-file "$TRASH/newpass" &&
	expect_exit 4 fort --passphrase-file "$PASSFILE" client list &&
	expect_exit 0 fort --passphrase-file "$TRASH/newpass" client list &&
	expect_contains "$OUT" "$id" &&
	expect_exit 0 fort --passphrase-file "$TRASH/newpass" client get "$id" --reveal email --purpose "$purpose" &&
	expect_contains "$OUT" "karl@example.net" &&
	expect_exit 0 fort --passphrase-file "$TRASH/newpass" audit verify
'
export FORTRESS_PASSPHRASE_FILE=$TRASH/newpass

# Files that are not vaults: exit 8, a clear message, and the file untouched.
# On PostgreSQL the same for databases that are not vaults (one empty, one
# with another program's table); the files are SQLite's own open path (a
# truncated copy of the vault needs the vault to be a file).
mkdir -p "$TRASH/bad"
if on_pg; then
	not_vaults="empty_database other_database"
	for kind in $not_vaults; do
		sh "$FORTRESS_PG_SERVER" newdb "$FORTRESS_TEST_PG_DIR" "${_e2e_pgdb}_$kind" >"$TRASH/bad/$kind.url" 2>/dev/null
		_e2e_pg_snaps="$_e2e_pg_snaps ${_e2e_pgdb}_$kind"
	done
	psql "$(cat "$TRASH/bad/other_database.url")" -qAt -c "CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES ('hello');" >/dev/null
	echo "skip - not a vault (random, text, empty, truncated, other-sqlite file) (on PostgreSQL: SQLite's open path of a file; the databases instead)"
else
	not_vaults="random text empty truncated other-sqlite"
	head -c 8192 /dev/urandom >"$TRASH/bad/random.db"
	printf 'name,email\nJana,jana@example.com\nthis is not a vault\n' >"$TRASH/bad/text.db"
	: >"$TRASH/bad/empty.db"
	size=$(stat -c %s "$FORTRESS_VAULT")
	head -c $((size / 2 + 100)) "$FORTRESS_VAULT" >"$TRASH/bad/truncated.db"
	sqlite3 "$TRASH/bad/other-sqlite.db" "CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES ('hello');"
fi
# the file, or a data dump of the database
not_vault_digest() {
	case $1 in
	*.url) pg_data_digest "$(cat "$1")" ;;
	*) sha "$1" ;;
	esac
}

for kind in $not_vaults; do
	src=$TRASH/bad/$kind.db f=$TRASH/bad/$kind.db
	[ -e "$TRASH/bad/$kind.url" ] && src=$TRASH/bad/$kind.url f=$(cat "$TRASH/bad/$kind.url")
	test_expect "not a vault ($kind): exit 8, clear message, left unchanged" '
		before=$(not_vault_digest "$src") &&
		expect_exit 8 fort --vault "$f" status &&
		expect_error_line &&
		expect_match "$ERR" "[Nn]ot a (Fortress |fortress )?vault|holds no Fortress vault|[Cc]orrupt|[Tt]runcated|[Dd]amaged" &&
		expect_exit 8 fort --vault "$f" client list &&
		expect_error_line &&
		expect_exit 8 fort_nopass --vault "$f" audit verify &&
		expect_eq "$(not_vault_digest "$src")" "$before" "sha256 of $kind"
	'
done

test_expect 'a missing vault exits 3 and is not created' '
	expect_exit 3 fort --vault "$TRASH/vault/missing.db" status &&
	expect_error_line &&
	expect_exit 3 fort --vault "$TRASH/vault/missing.db" client list &&
	expect_exit 3 fort_nopass --vault "$TRASH/vault/missing.db" audit verify &&
	{ [ ! -e "$TRASH/vault/missing.db" ] || _fail "a missing vault was created"; }
'

test_done
