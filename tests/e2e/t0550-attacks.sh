#!/usr/bin/env bash
# t0550-attacks: someone with write access to the vault file (a team member,
# a stolen backup, malware) changes what it says with the sqlite3 CLI, triggers
# dropped first; on a PostgreSQL vault (the e2e_t0550-attacks_pg run) the
# same edits with psql, by someone with access to the database.  Each attack is made on its own copy of one vault, and each
# must be refused where it would be acted on (exit 8, naming what failed) and
# named by `audit verify` (exit 1).  Issue 11, items 1-6 and 10; legal holds
# and attachments (their rows and client links) too.
set -u
. "$E2E_LIB"

command -v sqlite3 >/dev/null || { echo "e2e: sqlite3 CLI missing (scripts/install-deps.sh installs it)" >&2; exit 1; }

init_vault
V=$FORTRESS_VAULT
A=$(add_client --set full_name="Jana Schmidt" --set email="jana@example.com" --set phone="+49 30 1234567")
B=$(add_client --set full_name="Piotr Nowak" --set email="piotr@example.com")
C=$(add_client --set full_name="Ines Duarte" --set email="ines@example.com")
dec() { echo $((16#${1#c-})); }
AI=$(dec "$A"); BI=$(dec "$B"); CI=$(dec "$C")
printf 'Newsletter: monthly offers.\n' >"$TRASH/notice.txt"

# attack NAME SQL [PG_SQL]: a copy of the vault as it is now (vault_copy),
# changed by SQL (PG_SQL on PostgreSQL when the dialects differ) with the
# append-only triggers dropped; `fa` runs fortress on it.
AV=
attack() {
	local name=$1; shift
	AV=$(vault_copy "$V" "$name") &&
	vault_drop_triggers "$AV" consent &&
	vault_sql -v "$AV" "$@" >/dev/null
}
# attack_old NAME "TABLE..." SQL: the same, with the TABLEs of the copy
# taken before the edits (BEFORE) readable as o.TABLE
attack_old() {
	AV=$(vault_copy "$V" "$1") &&
	vault_sql_old "$AV" "$BEFORE" "$2" "$3" >/dev/null
}
fa() { FORTRESS_VAULT=$AV fort "$@"; }
# zeros N: a SQL expression of N zero bytes
zeros() { if on_pg; then echo "decode(repeat('00', $1), 'hex')"; else echo "zeroblob($1)"; fi; }
# ones N: N bytes of 0x01
ones() { if on_pg; then echo "decode(repeat('01', $1), 'hex')"; else echo "X'$(printf '01%.0s' $(seq "$1"))'"; fi; }

test_expect 'the untouched vault verifies' '
	expect_exit 0 fort audit verify &&
	expect_exit 0 fort consent verify
'

BEFORE=$(vault_copy "$V" before-edit)
fort client edit "$A" --set email="jana.schmidt@example.com" >/dev/null 2>&1
fort consent grant "$A" marketing --channel web --notice-file "$TRASH/notice.txt" >/dev/null 2>&1
fort consent withdraw "$A" marketing --channel email >/dev/null 2>&1

test_expect 'item 1: a withdrawn consent does not come back when the newest ledger entry is deleted' '
	expect_exit 5 fort client get "$A" --reveal email --purpose marketing &&
	attack consent-tail "DELETE FROM consent WHERE seq = (SELECT max(seq) FROM consent)" &&
	expect_exit 8 fa client get "$A" --reveal email --purpose marketing &&
	expect_contains "$ERR" "consent ledger entry" &&
	expect_not_contains "$OUT" "jana" &&
	expect_exit 1 fa consent verify &&
	expect_contains "$OUT" "removed outside Fortress" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "consent ledger entry"
'

test_expect 'item 1: an edited or reordered consent entry is named' '
	attack consent-edit "UPDATE consent SET action = '\''grant'\'' WHERE seq = (SELECT max(seq) FROM consent)" &&
	expect_exit 8 fa client get "$A" --reveal email --purpose marketing &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "changed outside Fortress"
'

test_expect 'item 4: an older copy of a record put back is refused on reveal and named by audit verify' '
	attack_old rollback clients "
		UPDATE clients SET vk_version = (SELECT vk_version FROM o.clients WHERE id = $AI),
		  wrapped = (SELECT wrapped FROM o.clients WHERE id = $AI), data = (SELECT data FROM o.clients WHERE id = $AI),
		  updated = (SELECT updated FROM o.clients WHERE id = $AI) WHERE id = $AI;" &&
	expect_exit 8 fa client get "$A" --reveal email --purpose billing &&
	expect_not_contains "$OUT" "jana@example.com" &&
	expect_contains "$ERR" "client $AI" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "client $AI"
'

test_expect 'item 3: a record cut short (a field dropped) is a tamper error, not a shorter record' '
	attack cut "UPDATE clients SET data = substr(data, 1, length(data) - 30) WHERE id = $BI" &&
	expect_exit 8 fa client get "$B" --reveal full_name --purpose billing &&
	expect_exit 1 fa audit verify
'

# recut VAULT ID MODE: SQL (for VAULT's backend) that rewrites client ID's record and fixes up its
# seal_head row (the row hash recomputed as the store computes it, an
# unkeyed BLAKE2b), so that the read's seal check passes and the record
# decoder is what must refuse it.  MODE cut: cut at the last field boundary
# (the last field and the trailer gone, a well-formed shorter record);
# drop: the second field removed, the trailer kept.
recut() {
	local row
	row=$(vault_sql -v "$1" "SELECT id, vk_version, hex(wrapped), hex(data), created, updated FROM clients WHERE id = $2" \
		"SELECT id, vk_version, encode(wrapped, 'hex'), encode(data, 'hex'), created, updated FROM clients WHERE id = $2") &&
	"$PYTHON" - "$row" "$2" "$3" "$(on_pg && echo pg)" <<'PY'
import hashlib, struct, sys
f, cid, mode, pg = sys.argv[1].split("|"), int(sys.argv[2]), sys.argv[3], sys.argv[4] == "pg"
row = [int(f[0]), int(f[1]), bytes.fromhex(f[2]), bytes.fromhex(f[3]), int(f[4]), int(f[5])]
assert row[0] == cid
data = row[3]
def varint(b, i):
    x = s = 0
    while True:
        c = b[i]; i += 1; x |= (c & 0x7f) << s; s += 7
        if not c & 0x80: return x, i
bounds, i = [24], 24
while i < len(data) and data[i] != 0xff:
    fid = data[i]; i += 1
    if fid == 0: i += 24; continue
    _, i = varint(data, i); n, i = varint(data, i); i += n; bounds.append(i)
assert i == len(data) - 34 and len(bounds) >= 3, "not a record of format 2"
row[3] = data[:bounds[-2]] if mode == "cut" else data[:bounds[1]] + data[bounds[2]:]
h = hashlib.blake2b(digest_size=32)
h.update(b"fortress-row-v1\0clients\0" + struct.pack(">Q", cid))
for v in row:
    if isinstance(v, int): h.update(b"\x01" + struct.pack(">Q", v & (2**64 - 1)))
    else: h.update(b"\x04" + struct.pack(">Q", len(v)) + bytes(v))
blob = (lambda b: "'\\x%s'::bytea" % b.hex()) if pg else (lambda b: "X'%s'" % b.hex())
head = "seal_head SET hash = %s WHERE tbl = 'clients' AND" if pg else "seal_head_clients SET hash = %s WHERE"
print(("UPDATE clients SET data = %s WHERE id = %d; UPDATE " + head + " id = %d;")
      % (blob(row[3]), cid, blob(h.digest()), cid))
PY
}

test_expect 'record format 2: a record cut at a field boundary, its seal fixed up, is refused by the record MAC' '
	SQL=$(recut "$V" "$BI" cut) &&
	attack recut "$SQL" &&
	expect_exit 8 fa client get "$B" --reveal full_name --purpose billing &&
	expect_contains "$ERR" "$B" &&
	expect_contains "$ERR" "no authenticator" &&
	expect_contains "$ERR" "fortress audit verify" &&
	expect_not_contains "$OUT" "Piotr" &&
	expect_exit 8 fa client list &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "client $BI"
'

test_expect 'record format 2: a field removed with the trailer kept, its seal fixed up, does not authenticate' '
	SQL=$(recut "$V" "$AI" drop) &&
	attack redrop "$SQL" &&
	expect_exit 8 fa client get "$A" --reveal full_name --purpose billing &&
	expect_contains "$ERR" "$A" &&
	expect_contains "$ERR" "does not authenticate" &&
	expect_not_contains "$OUT" "Jana" &&
	expect_exit 8 fa client edit "$A" --set phone="+49 30 7654321" &&
	expect_exit 1 fa audit verify
'

# The rotation's worker thread finds B's record does not authenticate after
# A (before B in id order) was re-encrypted: the batch stops there, names B,
# and is rolled back whole (A still reads, with the key versions it had);
# the rotation stays pending and its resume stops at B again.
test_expect 'a key rotation meets a record that does not authenticate: it stops naming it, its batch rolled back' '
	SQL=$(recut "$V" "$BI" drop) &&
	attack rotdrop "$SQL" &&
	expect_exit 8 fa keys rotate --all &&
	expect_contains "$ERR" "rotating the keys of client $B" &&
	expect_contains "$ERR" "does not authenticate" &&
	expect_exit 0 fa client get "$A" --reveal email --purpose billing &&
	expect_contains "$OUT" "jana.schmidt@example.com" &&
	expect_exit 8 fa keys rotate --resume &&
	expect_contains "$ERR" "rotating the keys of client $B"
'

test_expect 'record format 2: the marker removed is named by audit verify' '
	attack unmark "DELETE FROM meta WHERE k = '\''record_mac'\''" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "record-format marker" &&
	expect_contains "$OUT" "removed outside Fortress"
'

test_expect 'item 10: client list and export stop at a record that fails authentication (no blank name)' '
	attack list "UPDATE clients SET data = substr(data, 1, length(data) - 30) WHERE id = $BI" &&
	expect_exit 8 fa client list &&
	expect_contains "$ERR" "client $BI" &&
	expect_exit 8 fa client export --purpose billing --field full_name -o "$TRASH/x.json" &&
	test ! -e "$TRASH/x.json"
'

test_expect 'item 10: a tampered map, a changed role and a corrupt grant are tamper errors naming what failed' '
	attack map "UPDATE meta SET v = replace(v, '\''\"service\"'\'', '\''\"servicx\"'\'') WHERE k = '\''map'\''" \
		"UPDATE meta SET v = convert_to(replace(convert_from(v, '\''UTF8'\''), '\''\"service\"'\'', '\''\"servicx\"'\''), '\''UTF8'\'') WHERE k = '\''map'\''" &&
	expect_exit 8 fa map show &&
	expect_contains "$ERR" "the data map" &&
	expect_not_contains "$OUT" "servicx" &&
	attack role "UPDATE users SET role = '\''staff'\''" &&
	expect_exit 8 fa client list &&
	expect_contains "$ERR" "roles were changed outside Fortress" &&
	attack grant "UPDATE grants SET sealed = $(zeros "length(sealed)") WHERE key_name = '\''cat:contact'\''" &&
	expect_exit 8 fa client list &&
	expect_contains "$ERR" "grant of key" &&
	expect_not_contains "$ERR" "data map"
'

test_expect 'item 6: a record whose times were moved back is refused (retention would erase early)' '
	attack times "UPDATE clients SET created = created - 315360000, updated = updated - 315360000 WHERE id = $BI" &&
	expect_exit 8 fa retention run --dry-run &&
	expect_contains "$ERR" "client $BI" &&
	expect_exit 1 fa audit verify
'

test_expect 'item 6: an incident whose awareness time was moved (the 72-hour clock) is refused' '
	expect_exit 0 fort incident open "laptop stolen" --kind lost-device --occurred 2026-03-27T09:00:00Z --aware 2026-03-27T10:00:00Z &&
	expect_exit 0 fort incident show 1 &&
	attack aware "UPDATE incidents SET aware = aware + 86400 * 5" &&
	expect_exit 8 fa incident show 1 &&
	expect_contains "$ERR" "incident #1" &&
	expect_exit 8 fa incident list &&
	expect_exit 1 fa audit verify
'

test_expect 'item 5: a search entry moved to another client does not answer the search' '
	expect_exit 0 fort client find email=piotr@example.com &&
	expect_contains "$OUT" "$B" &&
	attack swap "UPDATE uniq SET client = CASE client WHEN $AI THEN $BI ELSE $AI END WHERE client IN ($AI, $BI);
		UPDATE blind SET client = CASE client WHEN $AI THEN $BI ELSE $AI END WHERE client IN ($AI, $BI);" &&
	expect_exit 8 fa client find email=piotr@example.com &&
	expect_not_contains "$OUT" "$A" &&
	expect_exit 8 fa client find full_name="Jana Schmidt" &&
	expect_exit 1 fa audit verify
'

test_expect 'item 5: a unique entry deleted does not let a duplicate in' '
	attack uniq-del "DELETE FROM uniq WHERE client = $BI" &&
	expect_exit 8 fa client add --set full_name="Someone Else" --set email="piotr@example.com" &&
	expect_contains "$ERR" "unique-index entry" &&
	expect_exit 8 fa client find email=piotr@example.com &&
	expect_exit 1 fa audit verify
'

test_expect 'a record added outside Fortress is named' '
	attack forged-row "INSERT INTO clients SELECT (SELECT max(id) FROM clients) + 1, vk_version, wrapped, data, created, updated FROM clients WHERE id = $BI" &&
	expect_exit 8 fa client list &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "added outside Fortress"
'

test_expect 'item 2: a backup taken before an erasure does not bring the client back when the ledger row is deleted' '
	expect_exit 0 fort backup create "$TRASH/before-erase.fbk" &&
	expect_exit 0 fort client erase "$C" --yes &&
	attack erased-del "DELETE FROM erased WHERE client = $CI" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "erasure ledger entry of client $CI" &&
	expect_exit 8 fa backup restore "$TRASH/before-erase.fbk" --to "$TRASH/restored.db" &&
	expect_contains "$ERR" "erasure ledger" &&
	test ! -e "$TRASH/restored.db"
'

test_expect 'issue 16: a unique-index entry put back for an erased client is named by audit verify' '
	attack uniq-orphan "INSERT INTO uniq(h, client) VALUES($(ones 16), $CI)" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "unique-index (e-mail, phone) entry names client $C, who was erased"
'

test_expect 'item 2: a partial erasure (held IBAN kept) is replayed on restore; the fields do not come back' '
	D=$(add_client --set full_name="Karl Berg" --set email="karl@example.com" --set iban="DE89370400440532013000") &&
	expect_exit 0 fort backup create "$TRASH/before-partial.fbk" &&
	expect_exit 0 fort request open erasure "$D" --received 2026-11-21 &&
	REQ=$(fort request list --json | "$PYTHON" -c "import json,sys; print(max(r[\"id\"] for r in json.load(sys.stdin)))") &&
	expect_exit 0 fort request fulfil "$REQ" --certificate "$TRASH/karl.json" &&
	expect_exit 0 fort client get "$D" --json &&
	expect_not_contains "$OUT" "\"email\"" &&
	expect_exit 0 fort backup restore "$TRASH/before-partial.fbk" --to "$TRASH/restored-partial.db" &&
	expect_exit 0 fort --vault "$TRASH/restored-partial.db" client get "$D" --json &&
	expect_not_contains "$OUT" "\"email\"" &&
	expect_contains "$OUT" "\"iban\"" &&
	expect_exit 0 fort --vault "$TRASH/restored-partial.db" client get "$D" --reveal iban --purpose billing &&
	expect_contains "$OUT" "DE89370400440532013000" &&
	expect_exit 0 fort --vault "$TRASH/restored-partial.db" audit verify &&
	expect_exit 0 fort --vault "$TRASH/restored-partial.db" audit log --json &&
	expect_contains "$OUT" "replayed from the erasure ledger"
'

test_expect 'item 2: a restore refuses when the current field-erasure ledger was edited' '
	attack fields-del "DELETE FROM erased_fields" &&
	expect_exit 8 fa backup restore "$TRASH/before-partial.fbk" --to "$TRASH/restored-partial2.db" &&
	expect_contains "$ERR" "cannot be proven intact" &&
	test ! -e "$TRASH/restored-partial2.db"
'

test_expect 'the seal log itself cannot be rewritten: its digest is in a signed entry' '
	attack seal-edit "DELETE FROM seal_log WHERE rowid = (SELECT max(rowid) FROM seal_log)" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "seal"
'

# The seal log's rows edited: on SQLite the log is packed (schema 21: a
# row per run of up to 64 seals of one entry, a BLOB of 41-byte tuples:
# table number, id, hash; lib.sh SEAL_ROWS), so the edits are of the blobs;
# PostgreSQL packs its log too (postgres.c, migration 21) and has its own
# test of its packs below, so these run on SQLite.  Each is
# named by audit verify: the entry whose seals changed, or the count of
# seals against the entries' sum.  A row holding two seals or more, and its
# entry; another entry with seals; a rowid in no entry's range.
if ! on_pg; then
	MR=$(vault_sql -v "$V" "SELECT max(rowid) FROM seal_log WHERE seq = (SELECT max(seq) FROM seal_log
		WHERE seq IN (SELECT seq FROM seal_log GROUP BY seq HAVING count(*) > 1 OR max(length(seals)) >= 82))" \
		"SELECT min(rowid) FROM seal_log WHERE seq = (SELECT max(seq) FROM seal_log WHERE seq IN (SELECT seq FROM seal_log GROUP BY seq HAVING count(*) > 1))")
	ME=$(vault_sql -v "$V" "SELECT seq FROM seal_log WHERE rowid = $MR")
	OE=$(vault_sql -v "$V" "SELECT min(seq) FROM seal_log WHERE seq > 1")
	FIRST_E=$(( ME < OE ? ME : OE ))
fi
test_expect 'the packed seal log: a hash changed inside a row is named by audit verify' '
	if on_pg; then _e2e_skip_note=" # skip on PostgreSQL: its packs are tested below"; return 0; fi &&
	attack log-hash "UPDATE seal_log SET seals = CAST(substr(seals, 1, 9) || $(zeros 32) || substr(seals, 42) AS BLOB) WHERE rowid = $MR" \
		"UPDATE seal_log SET hash = $(zeros 32) WHERE rowid = $MR" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "entry $ME does not match the seals it wrote"
'

test_expect 'the packed seal log: a seal dropped from a row is named by audit verify' '
	if on_pg; then _e2e_skip_note=" # skip on PostgreSQL: its packs are tested below"; return 0; fi &&
	attack log-drop "UPDATE seal_log SET seals = substr(seals, 42) WHERE rowid = $MR" "DELETE FROM seal_log WHERE rowid = $MR" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "entry $ME does not match the seals it wrote"
'

test_expect 'the packed seal log: a seal moved to another entry is named by audit verify' '
	if on_pg; then _e2e_skip_note=" # skip on PostgreSQL: its packs are tested below"; return 0; fi &&
	attack log-move "UPDATE seal_log SET seals = CAST(seals || (SELECT substr(seals, 1, 41) FROM seal_log WHERE rowid = $MR) AS BLOB)
		WHERE rowid = (SELECT max(rowid) FROM seal_log WHERE seq = $OE);
		UPDATE seal_log SET seals = substr(seals, 42) WHERE rowid = $MR" \
		"UPDATE seal_log SET seq = $OE, rowid = (SELECT max(rowid) + 1 FROM seal_log WHERE seq = $OE) WHERE rowid = $MR" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "entry $FIRST_E does not match the seals it wrote"
'

test_expect 'the packed seal log: a row cut short is named by audit verify' '
	if on_pg; then _e2e_skip_note=" # skip on PostgreSQL: its packs are tested below"; return 0; fi &&
	attack log-cut "UPDATE seal_log SET seals = substr(seals, 1, length(seals) - 5) WHERE rowid = $MR" \
		"UPDATE seal_log SET hash = substr(hash, 1, 27) WHERE rowid = $MR" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "entry $ME does not match the seals it wrote"
'

test_expect 'the packed seal log: a row duplicated in its entry, or outside every entry, is named by audit verify' '
	if on_pg; then _e2e_skip_note=" # skip on PostgreSQL: its packs are tested below"; return 0; fi &&
	attack log-dup "INSERT INTO seal_log(rowid, seq, seals) SELECT (seq << 32) + 4096, seq, seals FROM seal_log WHERE rowid = $MR" \
		"INSERT INTO seal_log(rowid, seq, tbl, id, hash) SELECT (seq << 32) + 4096, seq, tbl, id, hash FROM seal_log WHERE rowid = $MR" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "entry $ME does not match the seals it wrote" &&
	attack log-dup-out "INSERT INTO seal_log(rowid, seq, seals) SELECT 2147483647 << 32, 2147483647, seals FROM seal_log WHERE rowid = $MR" \
		"INSERT INTO seal_log(rowid, seq, tbl, id, hash) SELECT 2147483647::bigint << 32, 2147483647, tbl, id, hash FROM seal_log WHERE rowid = $MR" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "seals were added outside Fortress"
'

test_expect 'the packed seal log: a row of another entry deleted is named by audit verify' '
	if on_pg; then _e2e_skip_note=" # skip on PostgreSQL: its packs are tested below"; return 0; fi &&
	attack log-del "DELETE FROM seal_log WHERE rowid = (SELECT max(rowid) FROM seal_log WHERE seq = $OE)" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "entry $OE does not match the seals it wrote"

# On PostgreSQL seal_log is packed (postgres.c, migration 21): a row per run
# of up to 64 seals of an audit entry, each seal 41 bytes of its `seals`
# (table number, id, hash).  A seal changed, dropped, moved to another
# entry's pack or cut short inside a pack, or a table number no sealed
# table has, is named as a seal row's edit is.
test_expect 'PostgreSQL: a seal inside a pack of seal_log changed, dropped, moved or cut short is named by audit verify' '
	if ! on_pg; then _e2e_skip_note=" # skip on SQLite: the packs are PostgreSQL'\''s layout"; return 0; fi
	LAST="(SELECT max(rowid) FROM seal_log)" &&
	BIG="(SELECT rowid FROM seal_log ORDER BY length(seals) DESC, rowid DESC LIMIT 1)" &&
	test "$(vault_sql "SELECT length(seals) >= 82 FROM seal_log WHERE rowid = $BIG")" = t &&
	attack pack-edit "UPDATE seal_log SET seals = set_byte(seals, 20, get_byte(seals, 20) # 1) WHERE rowid = $BIG" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "does not match the seals it wrote" &&
	attack pack-drop "UPDATE seal_log SET seals = substring(seals FROM 42) WHERE rowid = $BIG" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "does not match the seals it wrote" &&
	attack pack-move "UPDATE seal_log SET seals = seals || (SELECT substring(seals FOR 41) FROM seal_log WHERE rowid = $BIG)
		WHERE rowid = (SELECT max(rowid) FROM seal_log WHERE seq <> (SELECT seq FROM seal_log WHERE rowid = $BIG));
		UPDATE seal_log SET seals = substring(seals FROM 42) WHERE rowid = $BIG" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "does not match the seals it wrote" &&
	attack pack-cut "UPDATE seal_log SET seals = substring(seals FOR length(seals) - 7) WHERE rowid = $LAST" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "does not match the seals it wrote" &&
	attack pack-table "UPDATE seal_log SET seals = set_byte(seals, 0, 250) WHERE rowid = $LAST" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "does not match the seals it wrote" &&
	attack pack-dup "INSERT INTO seal_log SELECT rowid + 1000, seq, seals FROM seal_log WHERE rowid = $LAST" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "does not match the seals it wrote"
'

test_expect 'seal_head (the newest seals reads check against) rolled back with the row is named by audit verify' '
	HT=$(head_tbl clients) && HI=$(head_is clients) &&
	attack_old head-rollback "clients $HT" "
		UPDATE clients SET vk_version = (SELECT vk_version FROM o.clients WHERE id = $AI),
		  wrapped = (SELECT wrapped FROM o.clients WHERE id = $AI), data = (SELECT data FROM o.clients WHERE id = $AI),
		  updated = (SELECT updated FROM o.clients WHERE id = $AI) WHERE id = $AI;
		UPDATE $HT SET (seq, hash) = (SELECT seq, hash FROM o.$HT WHERE $HI AND id = $AI)
		  WHERE $HI AND id = $AI;" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "client $AI" &&
	expect_contains "$OUT" "changed outside Fortress"
'

test_expect 'a seal_head row added or removed on its own is named by audit verify' '
	attack head-add "INSERT INTO seal_head(tbl, id, seq, hash) VALUES('\''consent'\'', 999999, 1, $(zeros 32))" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "seal_head" &&
	attack head-del "DELETE FROM $(head_tbl clients) WHERE $(head_is clients) AND id = $BI" &&
	expect_exit 8 fa client get "$B" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "client $BI"
'

# The heads of client records, search groups and unique entries (on SQLite
# a table each since schema 20): an edit, a removal, an addition or a move
# of one is caught as a seal_head row's is.
test_expect 'a client record'\''s head edited, or moved where reads do not look, is refused and named' '
	attack head-edit "UPDATE $(head_tbl clients) SET hash = $(zeros 32) WHERE $(head_is clients) AND id = $AI" &&
	expect_exit 8 fa client get "$A" &&
	expect_contains "$ERR" "client $AI" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "client $AI" || return 1
	sqlite_step "the heads are in one table on PostgreSQL: nowhere else to move one" || return 0
	attack head-move "INSERT INTO seal_head(tbl, id, seq, hash) SELECT '\''clients'\'', id, seq, hash FROM seal_head_clients
		WHERE id = $AI; DELETE FROM seal_head_clients WHERE id = $AI" &&
	expect_exit 8 fa client get "$A" &&
	expect_contains "$ERR" "client $AI" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "client $AI" &&
	attack head-copy "INSERT INTO seal_head(tbl, id, seq, hash) SELECT '\''clients'\'', id, seq, hash FROM seal_head_clients
		WHERE id = $AI" &&
	expect_exit 0 fa client get "$A" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "seal_head was edited outside Fortress"
'

test_expect 'a unique entry'\''s or a search group'\''s head edited, removed or added is named by audit verify' '
	attack uniq-head-edit "UPDATE $(head_tbl uniq) SET hash = $(ones 32) WHERE $(head_is uniq)
		AND id = (SELECT min(id) FROM $(head_tbl uniq) WHERE $(head_is uniq) AND hash <> $(zeros 32))" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "unique-index entry" &&
	expect_contains "$OUT" "changed outside Fortress" &&
	attack uniq-head-add "INSERT INTO $(head_tbl uniq)($(on_pg && echo "tbl, ")id, seq, hash)
		VALUES($(on_pg && echo "'\''uniq'\'', ")12345, 1, $(ones 32))" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "unique-index entry" &&
	expect_contains "$OUT" "removed outside Fortress" &&
	attack blind-head-del "DELETE FROM $(head_tbl blind) WHERE $(head_is blind) AND id = $AI" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "search-index entries naming client $AI" &&
	expect_contains "$OUT" "not recorded in the audit log"
'

test_expect 'the seal marker removed with every seal is refused at unlock' '
	attack unseal "DELETE FROM seal_log; DELETE FROM meta WHERE k = '\''sealed'\''" &&
	expect_exit 8 fa client list &&
	expect_contains "$ERR" "seals were removed"
'

test_expect 'the exports record and requests are sealed too' '
	attack exports-del "DELETE FROM exports WHERE id = (SELECT max(id) FROM exports)" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "exports record"
'

test_expect 'item 6: a legal hold moved to an earlier date is refused before retention acts on it' '
	test "$(vault_sql "SELECT count(*) FROM holds")" -gt 0 &&
	expect_exit 0 fort retention due --json &&
	attack hold-date "UPDATE holds SET until = '\''2000-01-01'\''" &&
	expect_exit 8 fa retention run --dry-run &&
	expect_contains "$ERR" "legal holds of client" &&
	expect_exit 8 fa retention due &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "legal holds of client"
'

test_expect 'item 6: a legal hold deleted is refused (its field would count as free to erase)' '
	attack hold-del "DELETE FROM holds" &&
	expect_exit 8 fa retention run --dry-run &&
	expect_contains "$ERR" "missing" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "legal holds of client"
'

printf 'name,email\nPiotr,piotr@example.com\n' >"$TRASH/piotr.csv"
test_expect 'attachments: a client link moved to another client is refused by list, get and erasure' '
	expect_exit 0 fort quarantine "$TRASH/piotr.csv" &&
	expect_exit 0 fort attachment list --json &&
	expect_contains "$OUT" "$B" &&
	ATT=$(vault_sql "SELECT max(id) FROM attachments") &&
	attack att-link "UPDATE attachment_clients SET client = $AI WHERE att = $ATT" &&
	expect_exit 8 fa attachment list &&
	expect_contains "$ERR" "client links of attachment $ATT" &&
	expect_exit 8 fa attachment get "$ATT" --out "$TRASH/att-out.csv" &&
	test ! -e "$TRASH/att-out.csv" &&
	expect_exit 8 fa client erase "$B" --yes &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "client links of attachment $ATT"
'

test_expect 'attachments: a link deleted or an attachment row edited is named' '
	attack att-unlink "DELETE FROM attachment_clients WHERE att = $ATT" &&
	expect_exit 8 fa attachment list &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "removed outside Fortress" &&
	attack att-row "UPDATE attachments SET created = created - 315360000 WHERE id = $ATT" &&
	expect_exit 8 fa attachment get "$ATT" --out "$TRASH/att-out2.csv" &&
	expect_contains "$ERR" "attachment $ATT" &&
	expect_exit 1 fa audit verify
'

test_expect 'the vault details printed on documents (business, owner) are sealed' '
	attack business "UPDATE meta SET v = CAST('\''Evil Corp'\'' AS BLOB) WHERE k = '\''business'\''" \
		"UPDATE meta SET v = convert_to('\''Evil Corp'\'', '\''UTF8'\'') WHERE k = '\''business'\''" &&
	expect_exit 8 fa client list &&
	expect_contains "$ERR" "the business name" &&
	expect_exit 8 fa notice show &&
	expect_not_contains "$OUT" "Evil Corp" &&
	expect_exit 8 fa status &&
	expect_not_contains "$OUT" "Evil Corp" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "the business name"
'

test_expect 'the mail settings (where letters go) are sealed' '
	expect_exit 0 fort mail set smtp.host mail.example.org &&
	attack smtp "UPDATE meta SET v = CAST(replace(CAST(v AS TEXT), '\''mail.example.org'\'', '\''evil.example.net'\'') AS BLOB) WHERE k = '\''mail.settings'\''" \
		"UPDATE meta SET v = convert_to(replace(convert_from(v, '\''UTF8'\''), '\''mail.example.org'\'', '\''evil.example.net'\''), '\''UTF8'\'') WHERE k = '\''mail.settings'\''" &&
	expect_exit 8 fa mail show &&
	expect_contains "$ERR" "the mail settings" &&
	expect_not_contains "$OUT" "evil.example.net" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "the mail settings"
'

test_expect 'the outbox (a letter accepted by the mail server meets a breach clock) is sealed' '
	expect_exit 0 fort mail queue --to dpa@example.org --subject "notification" --text "text" &&
	attack outbox "UPDATE mail_outbox SET status = '\''sent'\'', sent = 1700000000" &&
	expect_exit 8 fa mail list &&
	expect_contains "$ERR" "mail_outbox" &&
	expect_exit 1 fa audit verify
'

# A rotation hashes each moved client's search group from the entries it
# moved (store_bidx_move.whole) instead of reading the group back: only a
# client whose every entry it moves (Karl's IBAN, financial, keeps its
# entry when only the identity key is rotated), and the entries are still
# checked as they stand afterwards.
test_expect 'a rotation of one category keeps the search groups of clients with fields in others' '
	K=$(add_client --set full_name="Karl Berg" --set iban=DE89370400440532013000) &&
	expect_exit 0 fort keys rotate -c identity &&
	expect_exit 0 fort audit verify &&
	expect_exit 0 fort client find iban=DE89370400440532013000 &&
	expect_contains "$OUT" "$K"
'

test_expect 'after a key rotation: a search entry deleted or added is named by audit verify' '
	expect_exit 0 fort keys rotate --all &&
	expect_exit 0 fort audit verify &&
	expect_exit 0 fort client find full_name="Piotr Nowak" &&
	expect_contains "$OUT" "$B" &&
	attack rot-del "DELETE FROM blind WHERE client = $AI AND h = (SELECT h FROM blind WHERE client = $AI ORDER BY h LIMIT 1)" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "search-index entries naming client $AI" &&
	attack rot-add "INSERT INTO blind(h, client, mac) SELECT h, $CI, mac FROM blind WHERE client = $BI" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "search-index entries naming client $CI" &&
	expect_exit 8 fa client find full_name="Piotr Nowak"
'

test_expect 'after all that, the real vault still verifies and reads' '
	expect_exit 0 fort audit verify &&
	expect_exit 0 fort client list &&
	expect_exit 0 fort client get "$A" --reveal email --purpose billing &&
	expect_contains "$OUT" "jana.schmidt@example.com"
'

test_done
