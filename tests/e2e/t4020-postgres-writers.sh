#!/usr/bin/env bash
# t4020-postgres-writers: several writers on one PostgreSQL vault (issue 19
# item 2) and writers killed with SIGKILL.  The library handle is for one
# thread at a time (fortress.h), so the writers are 24 processes (the
# issue's 3 x 8), each a loop of `fortress client add` (and consent grants)
# for a bounded time, logging what it was told succeeded.  Then: every
# acknowledged client is in the vault and decrypts (an export reveals every
# record), nothing unacknowledged appeared, each e-mail all writers raced
# for is held by exactly one client and every loser was told it is a
# duplicate (exit 6), every acknowledged consent is in the ledger, `audit
# verify` passes.  Then a loop kills an import with SIGKILL at a random
# moment, 5 times: each time the vault opens, verifies and keeps every
# acknowledged write.  Needs the ctest fixture "pg": skipped (77) without it.
set -u
if [ -z "${FORTRESS_TEST_PG_DIR:-}" ] || [ ! -f "$FORTRESS_TEST_PG_DIR/data/postmaster.pid" ] || ! command -v psql >/dev/null; then
	echo "skipped: no PostgreSQL test server (run through ctest)"
	exit 77
fi
. "$E2E_LIB"

DB=t4020_$$
URL=$(sh "$FORTRESS_PG_SERVER" newdb "$FORTRESS_TEST_PG_DIR" "$DB") || { echo "cannot create database $DB" >&2; exit 1; }
export FORTRESS_VAULT=$URL
sql() { psql "$URL" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
WRITERS=${FORTRESS_TEST_WRITERS:-24}
SECONDS_FOR=${FORTRESS_TEST_WRITE_SECONDS:-15}
printf "We write to you about your orders.\n" >"$TRASH/notice.txt"

# one writer: W its number; until the deadline, client adds of its own
# e-mails, each followed by the race for race-I@ (every writer tries I = 1,
# 2, ... in turn) and a consent grant for each of its own; one log line per
# answer: "ok ID EMAIL", "dup EMAIL", "busy EMAIL", "err RC EMAIL",
# "consent ID" (acknowledged grants)
writer() {
	w=$1 end=$2 i=0 log=$TRASH/w.$1
	: >"$log"
	while [ "$(date +%s)" -lt "$end" ]; do
		i=$((i + 1))
		for e in "w$w-$i@example.org" "race-$i@example.org"; do
			id=$("$FORTRESS" client add --set full_name="Writer $w Number $i" --set "email=$e" </dev/null 2>"$log.err")
			rc=$?
			case $rc in
			0) echo "ok $id $e" >>"$log"
			   if [ "${e#race}" = "$e" ] &&
			      "$FORTRESS" consent grant "$id" marketing --channel web --notice-file "$TRASH/notice.txt" </dev/null >/dev/null 2>>"$log.err"; then
				echo "consent $id" >>"$log"
			   fi ;;
			6) if grep -q "already has the same email" "$log.err"; then echo "dup $e" >>"$log"; else echo "err 6 $e" >>"$log"; fi ;;
			7) echo "busy $e" >>"$log" ;;
			*) echo "err $rc $e" >>"$log"; cat "$log.err" >>"$TRASH/errors" ;;
			esac
		done
	done
}

# the e-mail addresses of every client, read by revealing every record
exported() {
	rm -f "$TRASH/export.csv" &&
	fort client export --purpose service --format csv -o "$TRASH/export.csv" >/dev/null 2>"$TRASH/export.err" || { cat "$TRASH/export.err" >&2; return 1; }
	grep -oE '[a-z0-9.-]+@example\.org' "$TRASH/export.csv" | LC_ALL=C sort
}

init_vault --store "$URL"

test_expect "$WRITERS writer processes for ${SECONDS_FOR}s: no acknowledged write lost, no duplicate, every record decrypts" '
	end=$(( $(date +%s) + SECONDS_FOR )) &&
	pids= &&
	for w in $(seq 1 "$WRITERS"); do writer "$w" "$end" & pids="$pids $!"; done &&
	for p in $pids; do wait "$p"; done &&
	cat "$TRASH"/w.[0-9]* >"$TRASH/all" &&
	acked=$(grep -c "^ok " "$TRASH/all") &&
	echo "    $acked acknowledged adds, $(grep -c "^dup " "$TRASH/all") duplicates refused, $(grep -c "^busy " "$TRASH/all") busy, $(grep -c "^consent " "$TRASH/all") consents" &&
	{ [ "$acked" -ge "$WRITERS" ] || _fail "only $acked adds acknowledged"; } &&
	expect_eq "$(grep -c "^err " "$TRASH/all")" 0 "unexpected answers ($(head -c 600 "$TRASH/errors" 2>/dev/null))" &&
	grep "^ok " "$TRASH/all" | cut -d" " -f3 | LC_ALL=C sort >"$TRASH/acked" &&
	exported >"$TRASH/have" &&
	expect_eq "$(LC_ALL=C comm -23 "$TRASH/acked" "$TRASH/have" | wc -l)" 0 "acknowledged e-mails missing" &&
	expect_eq "$(wc -l <"$TRASH/have")" "$acked" "clients in the vault" &&
	expect_eq "$(sql "SELECT count(*) FROM clients")" "$acked" "client rows" &&
	expect_eq "$(uniq -d "$TRASH/have" | wc -l)" 0 "e-mails held twice" &&
	for r in $(grep -oE "race-[0-9]+@example.org" "$TRASH/all" | LC_ALL=C sort -u); do
		won=$(grep -c "^ok [^ ]* $r$" "$TRASH/all" || true) &&
		lost=$(grep -c "^dup $r$" "$TRASH/all" || true) &&
		tried=$(grep -cE " $r$" "$TRASH/all" || true) &&
		{ [ "$won" = 1 ] || [ "$won$lost" = 0$tried ] || _fail "$r: $won winners, $lost told duplicate, $tried tries"; } &&
		{ [ "$won" = 0 ] || [ $((won + lost)) -eq $((tried - $(grep -c "^busy $r$" "$TRASH/all"))) ] || _fail "$r: answers do not add up"; } || return 1
	done &&
	expect_eq "$(sql "SELECT count(*) FROM consent")" "$(grep -c "^consent " "$TRASH/all")" "consent ledger entries" &&
	expect_exit 0 fort audit verify &&
	expect_contains "$OUT" "audit chain OK"
'

test_expect 'an import killed with SIGKILL at a random moment, 5 times: the vault opens, verifies, keeps what was acknowledged' '
	cp "$TRASH/acked" "$TRASH/acked_all" &&
	for k in 1 2 3 4 5; do
		{ echo "full_name,email"; for n in $(seq 1 150); do echo "Killed $k Row $n,k$k-$n@example.org"; done; } >"$TRASH/k$k.csv" &&
		"$FORTRESS" client import "$TRASH/k$k.csv" </dev/null >/dev/null 2>&1 &
		victim=$! &&
		sleep "0.$(( (RANDOM % 9) + 1 ))$(( RANDOM % 10 ))" &&
		kill -9 "$victim" 2>/dev/null; wait "$victim"; rc=$?
		# the server ends the killed client'"'"'s session (rolling back, or
		# finishing a COMMIT it had already received) on its own time: wait
		# for it, as a reader after a crash would
		for t in $(seq 1 100); do
			[ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = '"'"'client backend'"'"'")" = 0 ] && break
			sleep 0.1
		done
		if [ "$rc" = 0 ]; then grep -oE "k$k-[0-9]+@example.org" "$TRASH/k$k.csv" >>"$TRASH/acked_all"; fi
		echo "    kill $k: import exit $rc" &&
		expect_exit 0 fort audit verify &&
		expect_exit 0 fort client add --set full_name="After $k" --set email=after-$k@example.org &&
		echo "after-$k@example.org" >>"$TRASH/acked_all" &&
		LC_ALL=C sort -o "$TRASH/acked_all" "$TRASH/acked_all" &&
		exported >"$TRASH/have" &&
		expect_eq "$(LC_ALL=C comm -23 "$TRASH/acked_all" "$TRASH/have" | wc -l)" 0 "acknowledged e-mails missing after kill $k" || return 1
	done &&
	expect_exit 0 fort audit verify
'

test_done
