#!/usr/bin/env bash
# The unlock agent: one passphrase for a working session, a private socket,
# expiry, `fortress lock` wipes the keys, another Unix user gets nothing.
. "$E2E_LIB"
export XDG_RUNTIME_DIR=$TRASH/run
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
init_vault
ID=$(add_client --set full_name="Greta Agent" --set email=greta@example.org)
# from here on no passphrase file: only the agent can unlock
PASS_SAVED=$FORTRESS_PASSPHRASE_FILE
unset FORTRESS_PASSPHRASE_FILE

agent_pid() { fort --json unlock --passphrase-file "$PASS_SAVED" "$@" >"$TRASH/unlock.json" 2>"$TRASH/unlock.err" &&
	"$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$TRASH/unlock.json"; }
# the process has exited (a zombie waiting for its reaper counts as gone)
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
# the agent's exit is waited for (at most 60 s), never a fixed time: a
# loaded machine can take longer than half a second to end a process
sock() { "$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["socket"])' "$TRASH/unlock.json"; }

test_expect 'without an agent and without a passphrase a command fails at once (exit 2)' '
	expect_exit 2 fort client get "$ID"
'

test_expect 'unlock: later commands need no passphrase, and the unlock is audited as via the agent' '
	PID=$(agent_pid --for 5m) &&
	[[ $PID =~ ^[0-9]+$ ]] &&
	kill -0 "$PID" &&
	expect_exit 0 fort client get "$ID" &&
	expect_contains "$OUT" "G*** A***" &&
	expect_exit 0 fort audit log --json &&
	expect_contains "$OUT" "with the unlock agent"
'

test_expect 'the socket is 0600 in a 0700 directory' '
	S=$(sock) &&
	expect_file_mode "$S" 600 &&
	expect_file_mode "$(dirname "$S")" 700
'

test_expect 'another Unix user cannot get the keys, even with the socket opened up' '
	if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
		echo "    (skipped: needs root and setpriv)" >&2; return 0
	fi
	S=$(sock) &&
	chmod 755 "$XDG_RUNTIME_DIR" "$(dirname "$S")" "$TRASH" && chmod 666 "$S" &&
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PYTHON" -c "
import socket, sys
try:
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b\"GET\\n\")
    data = s.recv(100)
except OSError:
    data = b\"\"
sys.exit(1 if data.startswith(b\"KEY\") else 0)
" "$S"
	rc=$?
	chmod 700 "$XDG_RUNTIME_DIR" "$(dirname "$S")" "$TRASH"; chmod 600 "$S"
	expect_eq "$rc" 0
'

test_expect 'lock: the agent wipes the keys and exits; commands need a passphrase again' '
	PID=$(agent_pid --for 5m) &&
	S=$(sock) &&
	expect_exit 0 fort lock &&
	expect_contains "$OUT" "wiped" &&
	for i in $(seq 1 240); do gone "$PID" && break; sleep 0.25; done &&
	gone "$PID" &&
	[ ! -e "$S" ] &&
	expect_exit 2 fort client get "$ID"
'

test_expect 'expiry: after --for 2s the agent is gone by itself' '
	PID=$(agent_pid --for 2s) &&
	for i in $(seq 1 240); do gone "$PID" && break; sleep 0.25; done &&
	gone "$PID" &&
	expect_exit 2 fort client get "$ID"
'

test_expect 'a bad duration is a usage error' '
	expect_exit 2 fort unlock --for 13h --passphrase-file "$PASS_SAVED" &&
	expect_exit 2 fort unlock --for soon --passphrase-file "$PASS_SAVED"
'
fort lock >/dev/null 2>&1
test_done
