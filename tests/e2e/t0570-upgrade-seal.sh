#!/usr/bin/env bash
# t0570-upgrade-seal: a vault made before the seals (schema 8, the fixture
# tests/data/e2e/vault-v8.db, made by make-vault-v8.sh with that release's
# binary) is sealed at its first unlock, once, after its audit log verifies:
# every row the seals cover, legal holds and attachments included, so that
# an attack after the upgrade is caught like on a new vault.  A vault whose
# old log does not verify is refused (tamper error) and left as it was.
# A vault of schema 20 (tests/data/e2e/vault-v20.db, make-vault-v20.sh: a
# seal_log row per seal) has its log packed (schema 21, a row per run of up
# to 64 seals) exactly: the same seals at the same rowids, `audit verify`
# passes, and an edit of the packed rows is caught.
set -u
. "$E2E_LIB"

command -v sqlite3 >/dev/null || { echo "e2e: sqlite3 CLI missing (scripts/install-deps.sh installs it)" >&2; exit 1; }

FIX=$E2E_DATA/vault-v8.db
# the schema the build writes (the upgrade goes to it, whatever later
# migrations add; 9 is the one that brought the seals)
SCHEMA=$(sed -n 's/^#define STORE_SCHEMA_VERSION \([0-9][0-9]*\).*/\1/p' "$FORT_TEST_DATA/../../src/store/store.h")
[ -n "$SCHEMA" ] && [ "$SCHEMA" -ge 9 ] || { echo "t0570: cannot read STORE_SCHEMA_VERSION (>= 9) from src/store/store.h" >&2; exit 1; }
V=$FORTRESS_VAULT
q() { sqlite3 "$1" "$2"; }
copy_vault "$FIX" "$V"

test_expect 'the fixture is a schema-8 vault without seals' '
	expect_eq "$(q "$FIX" "PRAGMA user_version")" 8 &&
	expect_eq "$(q "$FIX" "SELECT count(*) FROM holds")" 1 &&
	expect_eq "$(q "$FIX" "SELECT count(*) FROM attachment_clients")" 1
'

test_expect 'a locked open migrates but does not seal' '
	expect_exit 0 fort status &&
	expect_eq "$(q "$V" "PRAGMA user_version")" "$SCHEMA" &&
	expect_eq "$(q "$V" "SELECT count(*) FROM seal_log")" 0 &&
	expect_exit 0 fort audit verify
'

test_expect 'the first unlock seals every row in one audited entry' '
	expect_exit 0 fort client list &&
	expect_eq "$(q "$V" "SELECT v FROM meta WHERE k = '\''sealed'\''")" 1 &&
	expect_eq "$(q "$V" "SELECT count(*) FROM audit WHERE action = '\''seal'\''")" 1 &&
	missing= &&
	for t in clients blind uniq consent requests request_events holds attachments attachment_clients meta; do
		test "$(q "$V" "$SEAL_ROWS SELECT count(*) FROM seal_rows WHERE tbl = '\''$t'\''")" -gt 0 || missing="$missing $t"
	done &&
	expect_eq "$missing" "" &&
	expect_exit 0 fort audit verify &&
	expect_exit 0 fort retention due --json &&
	expect_exit 0 fort attachment list --json &&
	expect_contains "$OUT" "piotr" &&
	expect_exit 0 fort client list &&
	expect_eq "$(q "$V" "SELECT count(*) FROM audit WHERE action = '\''seal'\''")" 1
'

test_expect 'after the upgrade, a moved hold and a moved attachment link are caught' '
	cp "$V" "$TRASH/a.db" && q "$TRASH/a.db" "UPDATE holds SET until = '\''2000-01-01'\''" &&
	FORTRESS_VAULT=$TRASH/a.db expect_exit 8 fort retention run --dry-run &&
	expect_contains "$ERR" "legal holds of client" &&
	cp "$V" "$TRASH/b.db" && q "$TRASH/b.db" "UPDATE attachment_clients SET client = client + 1" &&
	FORTRESS_VAULT=$TRASH/b.db expect_exit 8 fort attachment list &&
	FORTRESS_VAULT=$TRASH/b.db expect_exit 1 fort audit verify
'

test_expect 'an old vault whose audit log does not verify is refused, and left unsealed' '
	copy_vault "$FIX" "$TRASH/bad.db" &&
	q "$TRASH/bad.db" "UPDATE audit SET detail = detail || '\'' '\'' WHERE seq = 3" &&
	FORTRESS_VAULT=$TRASH/bad.db expect_exit 8 fort client list &&
	expect_contains "$ERR" "cannot be sealed" &&
	expect_eq "$(q "$TRASH/bad.db" "SELECT count(*) FROM seal_log")" 0 &&
	expect_eq "$(q "$TRASH/bad.db" "SELECT count(*) FROM meta WHERE k = '\''sealed'\''")" 0 &&
	FORTRESS_VAULT=$TRASH/bad.db expect_exit 8 fort client list &&
	FORTRESS_VAULT=$TRASH/bad.db expect_exit 1 fort audit verify
'

FIX20=$E2E_DATA/vault-v20.db
V20=$TRASH/v20.db
# the log a row per seal: the schema-20 fixture's rows, the packed rows
OLD_ROWS="SELECT rowid, seq, tbl, printf('%016X', id), hex(hash) FROM seal_log ORDER BY rowid"
NEW_ROWS="$SEAL_ROWS SELECT r, seq, tbl, idhex, hex(hash) FROM seal_rows ORDER BY r"

test_expect 'the schema-20 fixture has a row per seal, an entry of more than 64' '
	expect_eq "$(q "$FIX20" "PRAGMA user_version")" 20 &&
	expect_eq "$(q "$FIX20" "SELECT count(*) FROM seal_log")" 145 &&
	expect_eq "$(q "$FIX20" "SELECT max(n) FROM (SELECT count(*) AS n FROM seal_log GROUP BY seq)")" 120
'

test_expect 'schema 21 packs the log exactly: the same seals at the same rowids, audit verify passes' '
	copy_vault "$FIX20" "$V20" &&
	FORTRESS_VAULT=$V20 expect_exit 0 fort status &&
	expect_eq "$(q "$V20" "PRAGMA user_version")" "$SCHEMA" &&
	expect_eq "$(q "$V20" "$NEW_ROWS")" "$(q "$FIX20" "$OLD_ROWS")" &&
	expect_eq "$(q "$V20" "SELECT count(*) FROM seal_log")" 9 &&
	expect_eq "$(q "$V20" "SELECT group_concat(length(seals) / 41) FROM (SELECT seals FROM seal_log WHERE seq = 7 ORDER BY rowid)")" "64,56" &&
	expect_eq "$(q "$V20" "SELECT count(*) FROM seal_log WHERE rowid % 64 <> 0 OR rowid >> 32 <> seq")" 0 &&
	FORTRESS_VAULT=$V20 expect_exit 0 fort audit verify &&
	FORTRESS_VAULT=$V20 expect_exit 0 fort client list &&
	FORTRESS_VAULT=$V20 expect_exit 0 fort audit verify &&
	expect_eq "$(q "$V20" "$SEAL_ROWS SELECT count(*) FROM seal_rows WHERE seq <= 15")" 145
'

test_expect 'after the packing, a hash changed inside a packed row is named by audit verify' '
	cp "$V20" "$TRASH/p.db" &&
	q "$TRASH/p.db" "UPDATE seal_log SET seals = CAST(substr(seals, 1, 50) || zeroblob(32) || substr(seals, 83) AS BLOB)
		WHERE rowid = (7 << 32) + 64" &&
	FORTRESS_VAULT=$TRASH/p.db expect_exit 1 fort audit verify &&
	expect_contains "$OUT" "entry 7 does not match the seals it wrote"
'

test_done
