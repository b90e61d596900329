#!/usr/bin/env bash
# t0920-backup-kill: `fortress backup create` killed with SIGKILL at 20
# points spread over its run leaves nothing readable behind: no copy of the
# vault (an SQLite file: it would open with the owner's passphrase, and
# clients erased later would decrypt from it) anywhere in the target's
# directory or in $TMPDIR; at most an encrypted partial backup, which the
# next `backup create` removes.  The vault stays whole (issue 11, item 7).
set -u
. "$E2E_LIB"

init_vault
util gen-csv "$TRASH/clients.csv" 3000
mkdir -p "$TRASH/bk" "$TMPDIR"
T=0.5

# Every file under DIR...: none may start with the SQLite header.
no_vault_copies() {
	local f
	while IFS= read -r -d '' f; do
		if [ "$(head -c 15 "$f" 2>/dev/null | tr -d "\\000")" = "SQLite format 3" ]; then
			_fail "a copy of the vault was left behind: $f"
			return 1
		fi
	done < <(find "$@" -type f -print0 2>/dev/null)
	return 0
}

test_expect 'a vault of 3,000 clients; one backup, timed' '
	expect_exit 0 fort client import "$TRASH/clients.csv" &&
	t0=$EPOCHREALTIME &&
	expect_exit 0 fort backup create "$TRASH/bk/first.fbak" &&
	T=$(awk "BEGIN {t = $EPOCHREALTIME - $t0; if (t < 0.05) t = 0.05; print t}") &&
	rm -f "$TRASH/bk/first.fbak"
'

test_expect '20 kills over the run of backup create leave no readable copy' '
	ok=1 killed=0
	for i in $(seq 1 20); do
		# from 5% to 100% of one run, in even steps
		d=$(awk "BEGIN {printf \"%.3f\", $T * $i / 20}")
		"$FORTRESS" backup create "$TRASH/bk/b.fbak" </dev/null >/dev/null 2>&1 &
		pid=$!
		sleep "$d"
		kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
		wait "$pid" 2>/dev/null
		no_vault_copies "$TRASH/bk" "$TMPDIR" || { ok=0; break; }
		rm -f "$TRASH/bk/b.fbak"
	done
	echo "    ($killed of 20 runs were killed while running)" >&2
	expect_eq "$ok" 1 "no copy left" &&
	expect_ne "$killed" 0 "killed at least once"
'

test_expect 'the next backup removes the leftovers and verifies; the vault is whole' '
	expect_exit 0 fort backup create "$TRASH/bk/b.fbak" &&
	expect_eq "$(ls -A "$TRASH/bk")" "b.fbak" "only the backup is left" &&
	expect_exit 0 fort backup verify "$TRASH/bk/b.fbak" &&
	expect_exit 0 fort audit verify &&
	expect_eq "$(status_get clients)" 3000 clients
'

test_done
