#!/usr/bin/env bash
# t4040-postgres-index-mac: the index entries' MACs on PostgreSQL (issue 19;
# t0552 is the SQLite form).  Every blind and uniq row an add or an import
# writes carries the MAC; a find checks it from the row in hand (one
# statement), so an entry moved to another client is refused even when the
# attacker also fixes up its seal head with psql (the seal's hash is
# unkeyed, the MAC is not).  What a MAC cannot tell (an entry deleted, or put
# back with its own old MAC) is caught by the seal: at the find of a missing
# unique value, and by audit verify.  A vault whose entries have no MAC (made
# before this backend wrote them, its index_mac hint "1") gets them at its
# first unlock, each checked against its seal first.  Needs the ctest
# fixture "pg".
set -u
if [ -z "${FORTRESS_TEST_PG_DIR:-}" ] || [ ! -f "$FORTRESS_TEST_PG_DIR/data/postmaster.pid" ] || ! command -v psql >/dev/null; then
	echo "skipped: no PostgreSQL test server (run through ctest)"
	exit 77
fi
. "$E2E_LIB"

DB=t4040_$$
URL=$(sh "$FORTRESS_PG_SERVER" newdb "$FORTRESS_TEST_PG_DIR" "$DB") || { echo "cannot create database $DB" >&2; exit 1; }
export FORTRESS_VAULT=$URL
sql() { psql "$URL" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
nomac() { sql "SELECT (SELECT count(*) FROM blind WHERE mac IS NULL OR length(mac) <> 16) + (SELECT count(*) FROM uniq WHERE mac IS NULL OR length(mac) <> 16)"; }
entries() { sql "SELECT (SELECT count(*) FROM blind) + (SELECT count(*) FROM uniq)"; }

# seal_fix TABLE: SQL setting each entry's seal_head row of TABLE to the
# hash of the entry as it is now (the store's row hash: an unkeyed BLAKE2b
# anyone can compute), so that the seals alone would not see a change.
seal_fix() {
	sql "SELECT encode(h, 'hex') || ' ' || client FROM $1" | python3 -c '
import hashlib, struct, sys
tbl = sys.argv[1]
for line in sys.stdin:
    hx, client = line.split()
    h, client = bytes.fromhex(hx), int(client)
    i = hashlib.blake2b(tbl.encode() + b"\0" + h + (struct.pack(">Q", client) if tbl == "blind" else b""), digest_size=8).digest()
    sid = int.from_bytes(i, "big") >> 1
    rh = hashlib.blake2b(b"fortress-row-v1\0" + tbl.encode() + b"\0" + h + struct.pack(">Q", client), digest_size=32).hexdigest()
    print("UPDATE seal_head SET hash = %s WHERE tbl = %s AND id = %d;" % ("'"'"'\\x" + rh + "'"'"'", "'"'"'" + tbl + "'"'"'", sid))
' "$1"
}

hint() { psql "${1:-$URL}" -qAt -v ON_ERROR_STOP=1 -c "SELECT convert_from(v, 'UTF8') FROM meta WHERE k = 'index_mac'"; }

test_expect 'an add and an import write every index entry with its MAC' '
	init_vault --store "$URL" &&
	expect_exit 0 fort client add --set full_name="Karl Berg" --set email=karl@example.com &&
	K=$(cat "$OUT") &&
	KC=$(sql "SELECT client FROM uniq") &&
	expect_exit 0 fort client add --set full_name="Piotr Nowak" --set email=piotr@example.com &&
	PC=$(sql "SELECT client FROM uniq WHERE client <> $KC") &&
	printf "full_name,email,phone\nInes Duarte,ines@example.com,+4915112345671\nJana Schmidt,jana@example.com,+4915112345672\n" >"$TRASH/in.csv" &&
	expect_exit 0 fort client import "$TRASH/in.csv" &&
	N=$(entries) &&
	{ [ "$N" -ge 8 ] || _fail "only $N index entries"; } &&
	expect_eq "$(nomac)" 0 "entries without a 16-byte MAC" &&
	expect_eq "$(hint)" 2 "the index_mac hint" &&
	expect_exit 0 fort client find email=karl@example.com &&
	expect_eq "$(cat "$OUT")" "$K" &&
	expect_exit 0 fort client find full_name="Jana Schmidt" &&
	expect_match "$OUT" "^c-" &&
	expect_exit 0 fort audit verify
'
PH=$(sql "SELECT encode(h, 'hex') FROM uniq WHERE client = $PC")

test_expect 'an e-mail entry moved to another client with its seal head fixed up is refused by its MAC' '
	sql "CREATE TABLE keep_sh AS SELECT * FROM seal_head WHERE tbl = '\''uniq'\''" &&
	sql "UPDATE uniq SET client = $KC WHERE h = '\''\\x$PH'\''::bytea" &&
	sql "$(seal_fix uniq)" &&
	expect_exit 8 fort client find email=piotr@example.com &&
	expect_contains "$ERR" "does not carry a valid MAC" &&
	expect_contains "$ERR" "client $KC" &&
	expect_contains "$ERR" "fortress audit verify" &&
	expect_not_contains "$OUT" "c-" &&
	expect_exit 1 fort audit verify &&
	sql "UPDATE uniq SET client = $PC WHERE h = '\''\\x$PH'\''::bytea" &&
	sql "DELETE FROM seal_head WHERE tbl = '\''uniq'\''; INSERT INTO seal_head SELECT * FROM keep_sh; DROP TABLE keep_sh" &&
	expect_exit 0 fort client find email=piotr@example.com &&
	expect_exit 0 fort audit verify
'

test_expect 'a search entry added without the key (a MAC copied from another entry) is refused' '
	F=$((KC + 1000000)) &&
	sql "INSERT INTO blind(h, client, mac) SELECT h, $F, mac FROM blind WHERE client = $KC" &&
	expect_exit 8 fort client find full_name="Karl Berg" &&
	expect_contains "$ERR" "search-index entry naming client $F" &&
	expect_exit 1 fort audit verify &&
	expect_contains "$OUT" "added outside Fortress" &&
	sql "DELETE FROM blind WHERE client = $F" &&
	expect_exit 0 fort client find full_name="Karl Berg" &&
	expect_exit 0 fort audit verify
'

test_expect 'a MAC damaged on an entry that is otherwise as written makes its find refuse' '
	sql "CREATE TABLE keep_u AS SELECT * FROM uniq" &&
	sql "UPDATE uniq SET mac = '\''\\x00000000000000000000000000000000'\''::bytea" &&
	expect_exit 8 fort client find email=ines@example.com &&
	expect_contains "$ERR" "does not carry a valid MAC" &&
	sql "UPDATE uniq u SET mac = k.mac FROM keep_u k WHERE k.h = u.h; DROP TABLE keep_u" &&
	expect_exit 0 fort client find email=ines@example.com
'

test_expect 'a unique entry deleted: its find asks the seal; audit verify names it' '
	sql "CREATE TABLE keep_u AS SELECT * FROM uniq" &&
	sql "DELETE FROM uniq WHERE client = $KC" &&
	expect_exit 8 fort client find email=karl@example.com &&
	expect_contains "$ERR" "removed outside Fortress" &&
	expect_exit 1 fort audit verify &&
	sql "INSERT INTO uniq SELECT * FROM keep_u WHERE client = $KC; DROP TABLE keep_u" &&
	expect_exit 0 fort client find email=karl@example.com &&
	expect_exit 0 fort audit verify
'

test_expect 'an entry removed through Fortress and put back with its own old MAC: the find takes it, audit verify names it' '
	sql "CREATE TABLE keep_u AS SELECT * FROM uniq" &&
	expect_exit 0 fort client find email=ines@example.com &&
	INES=$(cat "$OUT") &&
	expect_exit 0 fort client edit "$INES" --set email=ines.d@example.com &&
	expect_exit 3 fort client find email=ines@example.com &&
	sql "INSERT INTO uniq SELECT * FROM keep_u WHERE h NOT IN (SELECT h FROM uniq); DROP TABLE keep_u" &&
	expect_exit 0 fort client find email=ines@example.com &&
	expect_eq "$(cat "$OUT")" "$INES" &&
	expect_exit 1 fort audit verify &&
	expect_contains "$OUT" "unique-index entry"
'

DB2=t4040b_$$
URL2=$(sh "$FORTRESS_PG_SERVER" newdb "$FORTRESS_TEST_PG_DIR" "$DB2") || { echo "cannot create database $DB2" >&2; exit 1; }
sql2() { psql "$URL2" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
# what this backend wrote before it wrote MACs: no MAC, and the hint "1"
strip() { sql2 "UPDATE blind SET mac = NULL; UPDATE uniq SET mac = NULL; UPDATE meta SET v = '1' WHERE k = 'index_mac'"; }

test_expect 'a vault without MACs (the hint "1" of before) gets them at its first unlock' '
	FORTRESS_VAULT=$URL2 init_vault --store "$URL2" &&
	FORTRESS_VAULT=$URL2 expect_exit 0 fort client add --set full_name="Ana Lima" --set email=ana@example.com &&
	FORTRESS_VAULT=$URL2 expect_exit 0 fort client add --set full_name="Bo Chen" --set email=bo@example.com &&
	strip &&
	expect_eq "$(sql2 "SELECT count(mac) FROM uniq")" 0 &&
	FORTRESS_VAULT=$URL2 expect_exit 0 fort client list &&
	expect_eq "$(sql2 "SELECT count(*) FROM uniq WHERE length(mac) = 16")" 2 &&
	expect_eq "$(sql2 "SELECT count(*) FROM blind WHERE mac IS NULL")" 0 &&
	expect_eq "$(hint "$URL2")" 2 &&
	FORTRESS_VAULT=$URL2 expect_exit 0 fort client find email=bo@example.com &&
	expect_match "$OUT" "^c-" &&
	FORTRESS_VAULT=$URL2 expect_exit 0 fort audit verify
'

test_expect 'an entry moved before the upgrade gets no MAC: the find refuses it by its seal, audit verify names it' '
	strip &&
	sql2 "UPDATE uniq SET client = (SELECT max(client) FROM uniq) WHERE client = (SELECT min(client) FROM uniq)" &&
	FORTRESS_VAULT=$URL2 expect_exit 0 fort client list &&
	expect_eq "$(sql2 "SELECT count(mac) FROM uniq")" 0 "MACs given with a moved entry in the vault" &&
	expect_eq "$(hint "$URL2")" 1 &&
	FORTRESS_VAULT=$URL2 expect_exit 8 fort client find email=ana@example.com &&
	expect_contains "$ERR" "unique-index entry" &&
	FORTRESS_VAULT=$URL2 expect_exit 1 fort audit verify
'

test_done
