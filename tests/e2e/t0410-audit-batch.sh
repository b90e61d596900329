#!/usr/bin/env bash
# t0410-audit-batch: the server's group commit signs once per actor and
# batch (docs/SECURITY.md, "One signature per batch"); editing such a log
# behind Fortress's back is still detected and the entry named: a signature
# removed or moved, an entry re-attributed, inserted, removed or reordered
# inside a batch, a batch's signed entry cut off (an unsigned tail), an
# entry appended or moved to another batch.  Where the edit would break
# the plain hash chain, the chain is computed again (`util rechain`), as an
# attacker with the file can: only the signatures stand in the way.
set -u
. "$E2E_LIB"

MASTER=$TRASH/master.db
"$PYTHON" "$E2E_DIR/batch_vault.py" --fortress "$FORTRESS" --out "$MASTER" >"$TRASH/batch.log" 2>&1 ||
	{ cat "$TRASH/batch.log" >&2; echo "t0410: cannot make a vault with batched entries" >&2; exit 1; }

sql() { sqlite3 "$MASTER" "$1"; }
# a batch with two actors, one of whose entries is vouched for by a later signature
B=$(sql "SELECT batch FROM audit WHERE batch IS NOT NULL GROUP BY batch
	HAVING count(DISTINCT actor_id) >= 2 AND count(*) > count(sig) ORDER BY batch LIMIT 1")
BEND=$(sql "SELECT max(seq) FROM audit WHERE batch = $B")
P=$(sql "SELECT min(seq) FROM audit WHERE batch = $B AND sig IS NULL")
A=$(sql "SELECT actor_id FROM audit WHERE seq = $P")
S=$(sql "SELECT min(seq) FROM audit WHERE batch = $B AND actor_id = $A AND seq > $P AND sig IS NOT NULL")
O=$(sql "SELECT min(seq) FROM audit WHERE batch = $B AND actor_id <> $A")
LAST=$(sql "SELECT max(seq) FROM audit")
LASTB=$(sql "SELECT batch FROM audit WHERE seq = $LAST")
COLS="ts, actor_id, actor, action, client, fields, purpose, result, detail, prev, hash, sig, seals"
# seqs FROM..TO as an ERE alternative
span() { seq -s '|' "$1" "$2"; }

test_expect 'the server wrote batches signed once per actor' '
	expect_match - "^[0-9]+$" <<<"$B" && expect_match - "^[0-9]+$" <<<"$S" && expect_match - "^[0-9]+$" <<<"$O" &&
	{ [ "$P" -lt "$S" ] && [ "$S" -le "$BEND" ] || _fail "no vouched-for entry before its signature in batch $B"; } &&
	n=$(sql "SELECT count(*) FROM audit WHERE batch IS NOT NULL") &&
	nsig=$(sql "SELECT count(sig) FROM audit WHERE batch IS NOT NULL") &&
	{ [ "$nsig" -lt "$n" ] || _fail "$nsig signatures for $n batched entries"; } &&
	expect_exit 0 fort_nopass --vault "$MASTER" audit verify &&
	expect_contains "$OUT" "audit chain OK"
'

# tamper NAME SQL: a fresh copy of the master with SQL run on it by the
# sqlite3 CLI (its triggers on audit dropped first, as an attacker can)
tamper() {
	local db=$TRASH/tamper/$1.db t
	mkdir -p "$TRASH/tamper"
	copy_vault "$MASTER" "$db" || return 1
	for t in $(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit'"); do
		sqlite3 "$db" "DROP TRIGGER \"$t\"" || return 1
	done
	sqlite3 "$db" "$2" >&2 || { echo "tamper $1: sqlite3 failed" >&2; return 1; }
	echo "$db"
}

expect_broken() {
	expect_exit 1 fort_nopass --vault "$1" audit verify &&
	cat "$OUT" "$ERR" >"$TRASH/verify.txt" &&
	expect_match "$TRASH/verify.txt" "audit chain BROKEN at entry ($2)([^0-9]|\$)"
}

test_expect 'the chain computed again unchanged still verifies (the attacker'\''s tool is right)' '
	db=$(tamper same "SELECT 1") && util rechain "$db" 1 &&
	expect_eq "$(sqlite3 "$db" "SELECT hex(hash) FROM audit ORDER BY rowid" | sha256sum)" \
		"$(sql "SELECT hex(hash) FROM audit ORDER BY rowid" | sha256sum)" "hashes computed again" &&
	expect_exit 0 fort_nopass --vault "$db" audit verify
'

test_expect 'a batch'\''s signature removed: the entries it vouched for are named' '
	db=$(tamper unsigned "UPDATE audit SET sig = NULL WHERE seq = $S") &&
	expect_broken "$db" "$P"
'

test_expect 'a signature moved to an entry it does not sign is detected' '
	db=$(tamper moved "UPDATE audit SET sig = (SELECT sig FROM audit WHERE seq = $S) WHERE seq = $P;
		UPDATE audit SET sig = NULL WHERE seq = $S") &&
	expect_broken "$db" "$P"
'

test_expect 'a vouched-for entry re-attributed to another user (chain recomputed) is detected' '
	db=$(tamper reattr "UPDATE audit SET actor_id = (SELECT actor_id FROM audit WHERE seq = $O),
		actor = (SELECT actor FROM audit WHERE seq = $O) WHERE seq = $P") &&
	util rechain "$db" "$P" &&
	expect_broken "$db" "$(span "$P" "$BEND")"
'

test_expect 'an entry slipped into a batch in a user'\''s name (chain recomputed) is detected' '
	db=$(tamper insert "UPDATE audit SET rowid = rowid + 1000000, seq = seq + 1 WHERE seq > $P;
		INSERT INTO audit(rowid, seq, batch, $COLS) SELECT rowid + 1, seq + 1, batch, $COLS FROM audit WHERE seq = $P") &&
	expect_eq "$(sqlite3 "$db" "SELECT count(*) FROM audit")" "$((LAST + 1))" "entries after the insert" &&
	util rechain "$db" "$((P + 1))" &&
	expect_broken "$db" "$(span "$((P + 1))" "$((BEND + 1))")"
'

test_expect 'an entry removed from a batch (chain recomputed) is detected' '
	db=$(tamper remove "DELETE FROM audit WHERE seq = $P; UPDATE audit SET seq = seq - 1 WHERE seq > $P") &&
	util rechain "$db" "$P" &&
	expect_broken "$db" "$(span "$P" "$((BEND - 1))")"
'

test_expect 'two entries of a batch of different users swapped (chain recomputed) is detected' '
	db=$(tamper reorder "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN ($P, $O);
		UPDATE audit SET (ts, actor_id, actor, action, client, fields, purpose, result, detail, sig, seals, batch) =
			(SELECT ts, actor_id, actor, action, client, fields, purpose, result, detail, sig, seals, batch
			 FROM t WHERE t.seq = $((P + O)) - audit.seq) WHERE seq IN ($P, $O)") &&
	expect_eq "$(sqlite3 "$db" "SELECT actor_id FROM audit WHERE seq = $O")" "$A" "actor after the swap" &&
	lo=$(( P < O ? P : O )) &&
	util rechain "$db" "$lo" &&
	expect_broken "$db" "$(span "$lo" "$BEND")"
'

test_expect 'a batch cut off before its signed entry (an unsigned tail) is detected' '
	db=$(tamper cut "DELETE FROM audit WHERE seq >= $S") &&
	expect_broken "$db" "$P"
'

test_expect 'the last entry removed (truncation) is detected' '
	db=$(tamper truncate "DELETE FROM audit WHERE seq = $LAST") &&
	expect_broken "$db" "$(span "$LASTB" "$LAST")"
'

test_expect 'an unsigned entry appended in a batch of its own is detected' '
	db=$(tamper tail "INSERT INTO audit(seq, batch, $COLS) SELECT $((LAST + 1)), $((LAST + 1)), $COLS FROM audit WHERE seq = $P;
		UPDATE audit SET sig = NULL WHERE seq = $((LAST + 1))") &&
	util rechain "$db" "$((LAST + 1))" &&
	expect_broken "$db" "$((LAST + 1))"
'

test_expect 'an unsigned entry appended to the last batch is detected' '
	db=$(tamper tail2 "INSERT INTO audit(seq, batch, $COLS) SELECT $((LAST + 1)), $LASTB, $COLS FROM audit WHERE seq = $P;
		UPDATE audit SET sig = NULL WHERE seq = $((LAST + 1))") &&
	util rechain "$db" "$((LAST + 1))" &&
	expect_broken "$db" "$((LAST + 1))"
'

test_expect 'an entry moved to the batch before (chain recomputed) is detected' '
	db=$(tamper rebatch "UPDATE audit SET batch = $((B - 1)) WHERE seq = $P") &&
	util rechain "$db" "$P" &&
	expect_broken "$db" "$P"
'

test_expect 'a batch split before its signed entry (chain recomputed) is detected' '
	db=$(tamper split "UPDATE audit SET batch = $S WHERE batch = $B AND seq >= $S") &&
	util rechain "$db" "$S" &&
	expect_broken "$db" "$P"
'

test_expect 'an entry turned into the first format (chain recomputed) is detected' '
	db=$(tamper v1 "UPDATE audit SET batch = NULL WHERE seq = $P") &&
	util rechain "$db" "$P" &&
	expect_broken "$db" "$(span "$P" "$BEND")"
'

test_expect 'an entry given batch 0 or a text batch (chain recomputed) is detected' '
	db=$(tamper batch0 "UPDATE audit SET batch = 0 WHERE seq = $P") &&
	util rechain "$db" "$P" &&
	expect_broken "$db" "$P" &&
	db=$(tamper batchtext "UPDATE audit SET batch = '\''x'\'' WHERE seq = $P") &&
	util rechain "$db" "$P" &&
	expect_broken "$db" "$P"
'

test_expect 'the untouched copy still verifies' '
	expect_exit 0 fort_nopass --vault "$MASTER" audit verify &&
	expect_contains "$OUT" "audit chain OK"
'

test_done
