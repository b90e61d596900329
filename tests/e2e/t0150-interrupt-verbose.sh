#!/usr/bin/env bash
# t0150-interrupt-verbose: Ctrl-C (SIGINT) in the middle of a long import
# ends fortress with status 130 (128 + SIGINT) and leaves the vault exactly
# as it was: no client, no index entry, no audit entry of the import, no
# rejects file and no temporary file; -v/--verbose says on stderr which
# vault was opened and how, lists every problem, and the time taken.
set -u
. "$E2E_LIB"

init_vault
add_client --set full_name="Vera Before" --set email=vera@example.com >/dev/null

"$PYTHON" - "$TRASH/big.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("name,email,notes\n")
    for i in range(150000):
        f.write("Client %d,client%d@example.com,note %d\n" % (i, i, i))
    f.write("Bad Row,not-an-email,\n")
PY

test_expect 'SIGINT during a large import: exit 130, the vault as it was, nothing left behind' '
	mkdir -p "$TRASH/rejdir" &&
	{ "$FORTRESS" client import --skip-invalid --rejects "$TRASH/rejdir/rejects.csv" "$TRASH/big.csv" </dev/null >"$TRASH/int.out" 2>"$TRASH/int.err" & } &&
	PID=$! &&
	sleep 1.5 &&
	kill -INT "$PID" &&
	{ wait "$PID"; RC=$?; true; } &&
	expect_eq "$RC" 130 "exit status" &&
	expect_eq "$(status_get clients)" 1 "clients" &&
	expect_exit 3 fort client find email=client1@example.com &&
	expect_exit 0 fort audit verify &&
	fort audit log --json >"$TRASH/log.json" 2>/dev/null &&
	expect_eq "$("$PYTHON" -c "import json,sys; print(sum(1 for e in json.load(open(sys.argv[1])) if e[\"action\"] == \"import\"))" "$TRASH/log.json")" 0 "import entries in the audit log" &&
	expect_eq "$(ls -A "$TRASH/rejdir")" "" "files left in the rejects folder"
'

test_expect '-v says which vault, how it was opened and how long it took; -q silences it' '
	expect_exit 0 fort -v client list &&
	expect_contains "$ERR" "verbose: vault $FORTRESS_VAULT unlocked as the owner (passphrase from the passphrase file)" &&
	expect_match "$ERR" "^verbose: done in [0-9.]+ s, exit 0$" &&
	expect_exit 0 fort --verbose status &&
	expect_contains "$ERR" "opened locked" &&
	expect_exit 0 fort -v -q status &&
	expect_not_contains "$ERR" "verbose:" &&
	expect_exit 0 fort status &&
	expect_not_contains "$ERR" "verbose:"
'

test_expect '-v lists every bad row of an import, not only the first 50' '
	"$PYTHON" -c "print(\"name,email\"); [print(\"P %d,bad-%d\" % (i, i)) for i in range(60)]" >"$TRASH/bad60.csv" &&
	expect_exit 6 fort client import "$TRASH/bad60.csv" &&
	expect_contains "$ERR" "-v lists them all" &&
	expect_eq "$(grep -c "not a valid e-mail" "$ERR")" 50 "without -v" &&
	expect_exit 6 fort -v client import "$TRASH/bad60.csv" &&
	expect_eq "$(grep -c "not a valid e-mail" "$ERR")" 60 "with -v"
'

test_done
