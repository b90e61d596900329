#!/usr/bin/env bash
# t0570-upgrade-seal: a vault made before the seals (schema 8, the fixture
# tests/data/e2e/vault-v8.db, made by make-vault-v8.sh with that release's
# binary) is sealed at its first unlock, once, after its audit log verifies:
# every row the seals cover, legal holds and attachments included, so that
# an attack after the upgrade is caught like on a new vault.  A vault whose
# old log does not verify is refused (tamper error) and left as it was.
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
		test "$(q "$V" "SELECT count(*) FROM seal_log WHERE tbl = '\''$t'\''")" -gt 0 || missing="$missing $t"
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

test_done
