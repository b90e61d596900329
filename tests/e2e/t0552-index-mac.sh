#!/usr/bin/env bash
# t0552-index-mac: the index entries' MACs (issue 16, schema 15).  A vault
# made by the release before them (tests/data/e2e/vault-v12.db, made by
# make-vault-v12.sh with that release's binary) gets a MAC on every index
# entry at its first unlock, each entry checked against its seal first; after
# that a find checks the entry it found by its MAC, so an entry moved to
# another client is refused even when the attacker also fixes up its seal
# (the seal's hash is unkeyed, the MAC is not).  What a MAC cannot tell (an
# entry deleted, or put back with its own old MAC) is named by audit verify.
# On a PostgreSQL run the fixture is upgraded as a file (it is a SQLite
# file of schema 12), then moved into a database with `store copy`, and the
# attacks are made there with psql.
set -u
. "$E2E_LIB"

command -v sqlite3 >/dev/null || { echo "e2e: sqlite3 CLI missing (scripts/install-deps.sh installs it)" >&2; exit 1; }

FIX=$E2E_DATA/vault-v12.db
# the schema this build writes (an upgrade takes the fixture there)
SCHEMA=$(sed -n 's/^#define STORE_SCHEMA_VERSION \([0-9]*\).*/\1/p' "$(dirname "$E2E_LIB")/../../src/store/store.h")
# the fixture is a file whatever the run's backend (see above)
V=$TRASH/vault/v12.db
export FORTRESS_VAULT=$V
q() { sqlite3 "$1" "$2"; }
copy_vault "$FIX" "$V"
fa() { FORTRESS_VAULT=$AV fort "$@"; }
# attack NAME BASE SQL [PG_SQL]: a copy of vault BASE changed by SQL; fa runs on it.
AV=
attack() {
	local name=$1 base=$2; shift 2
	AV=$(vault_copy "$base" "$name") && vault_sql -v "$AV" "$@" >/dev/null
}
# zeros N: a SQL expression of N zero bytes
zeros() { if on_pg; then echo "decode(repeat('00', $1), 'hex')"; else echo "zeroblob($1)"; fi; }

# seal_fix VAULT TABLE: SQL that sets every entry's seal head row of TABLE
# to the hash of the entry as it is now (the store's row hash, an unkeyed
# BLAKE2b anyone can compute), so the seals alone would not see a change.
seal_fix() {
	local rows
	rows=$(vault_sql -v "$1" "SELECT hex(h), client FROM $2" "SELECT encode(h, 'hex'), client FROM $2") &&
	"$PYTHON" - "$2" "$(on_pg && echo pg)" "$rows" <<'PY'
import hashlib, struct, sys
tbl, pg = sys.argv[1], sys.argv[2] == "pg"
blob = (lambda b: "'\\x%s'::bytea" % b.hex()) if pg else (lambda b: "X'%s'" % b.hex())
out = []
for line in sys.argv[3].split():
    h, client = line.split("|")
    h, client = bytes.fromhex(h), int(client)
    i = hashlib.blake2b(tbl.encode() + b"\0" + h + (struct.pack(">Q", client) if tbl == "blind" else b""), digest_size=8).digest()
    sid = int.from_bytes(i, "big") >> 1
    rh = hashlib.blake2b(b"fortress-row-v1\0" + tbl.encode() + b"\0" + h + struct.pack(">Q", client), digest_size=32).digest()
    # schema 20: on SQLite a table of their own (seal_head_uniq, ...)
    where = ("seal_head SET hash = %s WHERE tbl = '" + tbl + "' AND") if pg else ("seal_head_" + tbl + " SET hash = %s WHERE")
    out.append(("UPDATE " + where + " id = %d;") % (blob(rh), sid))
print("\n".join(out))
PY
}

test_expect 'the fixture is a sealed schema-12 vault whose index entries have no MAC column' '
	expect_eq "$(q "$FIX" "PRAGMA user_version")" 12 &&
	expect_eq "$(q "$FIX" "SELECT count(*) FROM pragma_table_info('\''uniq'\'') WHERE name = '\''mac'\''")" 0 &&
	expect_eq "$(q "$FIX" "SELECT count(*) FROM uniq")" 4 &&
	expect_eq "$(q "$FIX" "SELECT count(*) FROM blind")" 4
'

# before the upgrade: an entry moved to another client (karl's e-mail now
# names piotr), in a copy of the fixture
PIOTR=$(q "$FIX" "SELECT client FROM uniq GROUP BY client HAVING count(*) = 2")
cp "$FIX" "$TRASH/pre.db"
q "$TRASH/pre.db" "UPDATE uniq SET client = $PIOTR WHERE client = (SELECT min(client) FROM uniq WHERE client <> $PIOTR)"

test_expect 'the first unlock gives every index entry its MAC; finds and audit verify agree' '
	expect_exit 0 fort client list &&
	expect_eq "$(q "$V" "PRAGMA user_version")" "$SCHEMA" &&
	expect_eq "$(q "$V" "SELECT count(*) FROM uniq WHERE length(mac) = 16")" 4 &&
	expect_eq "$(q "$V" "SELECT count(*) FROM blind WHERE length(mac) = 16")" 4 &&
	expect_eq "$(q "$V" "SELECT v FROM meta WHERE k = '\''index_mac'\''")" 2 &&
	expect_exit 0 fort client find email=piotr.nowak@example.com &&
	expect_contains "$OUT" "c-" &&
	expect_exit 0 fort client find full_name="Karl Berg" &&
	expect_exit 3 fort client find email=piotr@example.com &&
	expect_exit 0 fort audit verify
'

test_expect 'an entry moved before the upgrade gets no MAC: the find still refuses it, audit verify names it' '
	sqlite_step "a vault file of schema 12 edited before its upgrade (the upgrade is of the file on both runs)" || return 0
	AV=$TRASH/pre.db &&
	expect_exit 0 fa status &&
	expect_exit 0 fa client list &&
	expect_eq "$(q "$AV" "SELECT count(*) FROM uniq WHERE mac IS NOT NULL AND client = $PIOTR")" 0 &&
	expect_eq "$(q "$AV" "SELECT count(*) FROM meta WHERE k = '\''index_mac'\''")" 0 &&
	expect_exit 8 fa client find email=karl@example.com &&
	expect_contains "$ERR" "unique-index entry" &&
	expect_exit 1 fa audit verify
'

# From here on the upgraded vault in this run's backend (moved into a
# database on a PostgreSQL run), attacked with sqlite3 or psql.
V=$(vault_in_backend "$V" upgraded)
export FORTRESS_VAULT=$V
# Karl: his name and IBAN in the search index
K=$(vault_sql "SELECT client FROM blind GROUP BY client HAVING count(*) = 2")

# Does this run's backend write index MACs (and so check them on a find)?
# SQLite does.  The PostgreSQL backend does not yet (postgres.c's
# pg_store_index_mac_* do nothing and its finds check each entry's seal
# alone): index MACs there are another change's.  Probed on a new vault, so
# that the steps below check finds by their MAC as soon as the backend
# writes them; until then only the refusals a MAC alone can make are
# skipped on PostgreSQL, and audit verify is asserted on both.
IMAC=yes
if on_pg; then
	P=$(vault_new imac-probe) &&
	fort --vault "$P" init --name Probe --owner "$VAULT_OWNER" --kdf interactive --country DE >/dev/null 2>&1 &&
	fort --vault "$P" client add --set full_name="Probe Person" --set email=probe@example.com >/dev/null 2>&1 &&
	[ "$(vault_sql -v "$P" "SELECT count(*) FROM uniq WHERE mac IS NOT NULL")" -gt 0 ] || IMAC=no
fi
# mac_checked CMD...: CMD where the backend writes index MACs; else nothing
# (the test marked as partly skipped)
mac_checked() {
	if [ "$IMAC" = no ]; then
		_e2e_skip_note=" # partly skipped: this PostgreSQL backend writes no index MACs yet"
		return 0
	fi
	"$@"
}

test_expect 'an entry moved to another client with its seal fixed up is refused by its MAC' '
	attack moved "$V" "UPDATE uniq SET client = $K WHERE client = $PIOTR" &&
	SQL=$(seal_fix "$AV" uniq) &&
	vault_sql -v "$AV" "$SQL" >/dev/null &&
	mac_checked expect_exit 8 fa client find email=piotr.nowak@example.com &&
	mac_checked expect_contains "$ERR" "does not carry a valid MAC" &&
	mac_checked expect_contains "$ERR" "client $K" &&
	mac_checked expect_contains "$ERR" "fortress audit verify" &&
	mac_checked expect_not_contains "$OUT" "c-" &&
	expect_exit 1 fa audit verify
'

test_expect 'a search entry added without the key (a MAC copied from another entry) is refused' '
	attack forged "$V" "INSERT INTO blind(h, client, mac) SELECT h, $PIOTR, mac FROM blind WHERE client = $K" &&
	expect_exit 8 fa client find full_name="Karl Berg" &&
	expect_contains "$ERR" "search-index entry naming client $PIOTR" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "search-index entries naming client $PIOTR" &&
	expect_contains "$OUT" "changed outside Fortress"
'

test_expect 'a MAC damaged on an entry that is otherwise as written makes its find refuse' '
	attack zeroed "$V" "UPDATE uniq SET mac = $(zeros 16)" &&
	mac_checked expect_exit 8 fa client find email=ines@example.com &&
	mac_checked expect_contains "$ERR" "does not carry a valid MAC"
'

test_expect 'a unique entry deleted: its find still asks the seal; audit verify names it' '
	attack deleted "$V" "DELETE FROM uniq WHERE client = $K" &&
	expect_exit 8 fa client find email=karl@example.com &&
	expect_contains "$ERR" "removed outside Fortress" &&
	expect_exit 1 fa audit verify
'

test_expect 'an entry removed through Fortress and put back with its own old MAC is named by audit verify' '
	BEFORE=$(vault_copy "$V" before-edit) &&
	expect_exit 0 fort client find email=ines@example.com &&
	INES=$(cat "$OUT") &&
	expect_exit 0 fort client edit "$INES" --set email=ines.d@example.com &&
	AV=$(vault_copy "$V" putback) &&
	vault_sql_old "$AV" "$BEFORE" uniq "INSERT INTO uniq SELECT * FROM o.uniq WHERE h NOT IN (SELECT h FROM uniq)" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "unique-index entry"
'

test_expect 'a rotation of the vault key re-MACs every entry before the old key goes' '
	expect_exit 0 fort keys rotate --vault-key &&
	expect_exit 0 fort client find email=piotr.nowak@example.com &&
	expect_contains "$OUT" "c-" &&
	expect_exit 0 fort client find full_name="Karl Berg" &&
	expect_contains "$OUT" "c-" &&
	expect_exit 0 fort client find email=ines.d@example.com &&
	expect_contains "$OUT" "c-" &&
	expect_exit 0 fort keys rotate --all &&
	expect_exit 0 fort client find phone="+49 30 1234567" &&
	expect_contains "$OUT" "c-" &&
	expect_exit 0 fort audit verify
'

test_done
