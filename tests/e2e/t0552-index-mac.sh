#!/usr/bin/env bash
# t0552-index-mac: the index entries' MACs (issue 16, schema 15).  A vault
# made by the release before them (tests/data/e2e/vault-v12.db, made by
# make-vault-v12.sh with that release's binary) gets a MAC on every index
# entry at its first unlock, each entry checked against its seal first; after
# that a find checks the entry it found by its MAC, so an entry moved to
# another client is refused even when the attacker also fixes up its seal
# (the seal's hash is unkeyed, the MAC is not).  What a MAC cannot tell (an
# entry deleted, or put back with its own old MAC) is named by audit verify.
set -u
. "$E2E_LIB"

command -v sqlite3 >/dev/null || { echo "e2e: sqlite3 CLI missing (scripts/install-deps.sh installs it)" >&2; exit 1; }

FIX=$E2E_DATA/vault-v12.db
# the schema this build writes (an upgrade takes the fixture there)
SCHEMA=$(sed -n 's/^#define STORE_SCHEMA_VERSION \([0-9]*\).*/\1/p' "$(dirname "$E2E_LIB")/../../src/store/store.h")
V=$FORTRESS_VAULT
q() { sqlite3 "$1" "$2"; }
copy_vault "$FIX" "$V"
fa() { FORTRESS_VAULT=$AV fort "$@"; }
# attack NAME BASE SQL: a copy of vault BASE changed by SQL; fa runs on it.
AV=
attack() {
	local name=$1 base=$2; shift 2
	copy_vault "$base" "$TRASH/$name.db" && sqlite3 "$TRASH/$name.db" "$*" && AV=$TRASH/$name.db
}

# seal_fix VAULT TABLE: SQL that sets every entry's seal_head row of TABLE
# to the hash of the entry as it is now (the store's row hash, an unkeyed
# BLAKE2b anyone can compute), so the seals alone would not see a change.
seal_fix() {
	python3 - "$1" "$2" <<'PY'
import hashlib, sqlite3, struct, sys
db, tbl = sys.argv[1], sys.argv[2]
con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
out = []
for h, client in con.execute("SELECT h, client FROM %s" % tbl):
    h = bytes(h)
    i = hashlib.blake2b(tbl.encode() + b"\0" + h + (struct.pack(">Q", client) if tbl == "blind" else b""), digest_size=8).digest()
    sid = int.from_bytes(i, "big") >> 1
    rh = hashlib.blake2b(b"fortress-row-v1\0" + tbl.encode() + b"\0" + h + struct.pack(">Q", client), digest_size=32).hexdigest()
    out.append("UPDATE seal_head SET hash = X'%s' WHERE tbl = '%s' AND id = %d;" % (rh, tbl, sid))
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
	expect_eq "$(q "$V" "SELECT v FROM meta WHERE k = '\''index_mac'\''")" 1 &&
	expect_exit 0 fort client find email=piotr.nowak@example.com &&
	expect_contains "$OUT" "c-" &&
	expect_exit 0 fort client find full_name="Karl Berg" &&
	expect_exit 3 fort client find email=piotr@example.com &&
	expect_exit 0 fort audit verify
'

test_expect 'an entry moved before the upgrade gets no MAC: the find still refuses it, audit verify names it' '
	AV=$TRASH/pre.db &&
	expect_exit 0 fa status &&
	expect_exit 0 fa client list &&
	expect_eq "$(q "$AV" "SELECT count(*) FROM uniq WHERE mac IS NOT NULL AND client = $PIOTR")" 0 &&
	expect_eq "$(q "$AV" "SELECT count(*) FROM meta WHERE k = '\''index_mac'\''")" 0 &&
	expect_exit 8 fa client find email=karl@example.com &&
	expect_contains "$ERR" "unique-index entry" &&
	expect_exit 1 fa audit verify
'

# Karl: his name and IBAN in the search index
K=$(q "$V" "SELECT client FROM blind GROUP BY client HAVING count(*) = 2")

test_expect 'an entry moved to another client with its seal fixed up is refused by its MAC' '
	attack moved "$V" "UPDATE uniq SET client = $K WHERE client = $PIOTR" &&
	SQL=$(seal_fix "$AV" uniq) &&
	q "$AV" "$SQL" &&
	expect_exit 8 fa client find email=piotr.nowak@example.com &&
	expect_contains "$ERR" "does not carry a valid MAC" &&
	expect_contains "$ERR" "client $K" &&
	expect_contains "$ERR" "fortress audit verify" &&
	expect_not_contains "$OUT" "c-" &&
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
	attack zeroed "$V" "UPDATE uniq SET mac = zeroblob(16)" &&
	expect_exit 8 fa client find email=ines@example.com &&
	expect_contains "$ERR" "does not carry a valid MAC"
'

test_expect 'a unique entry deleted: its find still asks the seal; audit verify names it' '
	attack deleted "$V" "DELETE FROM uniq WHERE client = $K" &&
	expect_exit 8 fa client find email=karl@example.com &&
	expect_contains "$ERR" "removed outside Fortress" &&
	expect_exit 1 fa audit verify
'

test_expect 'an entry removed through Fortress and put back with its own old MAC is named by audit verify' '
	cp "$V" "$TRASH/before-edit.db" &&
	expect_exit 0 fort client find email=ines@example.com &&
	INES=$(cat "$OUT") &&
	expect_exit 0 fort client edit "$INES" --set email=ines.d@example.com &&
	attack putback "$V" "ATTACH '\''$TRASH/before-edit.db'\'' AS o; INSERT INTO uniq SELECT * FROM o.uniq WHERE h NOT IN (SELECT h FROM uniq);" &&
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
