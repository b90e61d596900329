# smtp_lib.sh - a REAL SMTP server on loopback for the e2e tests that send
# mail (aiosmtpd through tests/e2e/smtp_sink.py, which stores each message
# as MAILDIR/msg-N.eml with its envelope in msg-N.json).  Source it after
# lib.sh; it sets SMTPY (a python3 with aiosmtpd), PORT (a port of this
# test's own: `smtp_sink.py hold` keeps it bound, not listening, from here
# to the end, so no other test's socket takes it while the server is down),
# MAILDIR, and stops the server and the holder when the test exits.
#   start_sink [--refuse]   start (--refuse: answer 550 to every recipient)
#   stop_sink               stop (the server is down: sending must fail)
#   mails                   how many messages the server received
#   readmail N FIELD        subject|text|html|parts|from|message-id of message N

# Debian's python3-aiosmtpd: the system interpreter (pyenv shims do not see it).
SMTPY=
for p in /usr/bin/python3 "${PYTHON:-python3}" python3; do
	if "$p" -c 'import aiosmtpd' 2>/dev/null; then SMTPY=$p; break; fi
done
SINK=$E2E_DIR/smtp_sink.py
MAILDIR=$TRASH/maildir
SINK_PID=

start_sink() {   # [--refuse]
	rm -f "$MAILDIR/ready"
	"$SMTPY" "$SINK" serve "$MAILDIR" "$PORT" "$@" >"$TRASH/sink.log" 2>&1 &
	SINK_PID=$!
	# a bounded wait for the listening server (a loaded machine can take
	# seconds to start python): it is ready when it says so
	for _ in $(seq 1 600); do
		[ -e "$MAILDIR/ready" ] && return 0
		kill -0 "$SINK_PID" 2>/dev/null || break
		sleep 0.1
	done
	_fail "the SMTP server did not start: $(cat "$TRASH/sink.log")"
	return 1
}

stop_sink() {
	[ -n "$SINK_PID" ] || return 0
	kill -TERM "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	SINK_PID=
	return 0
}
HOLD_PID=
stop_hold() {
	[ -n "$HOLD_PID" ] || return 0
	kill -TERM "$HOLD_PID" 2>/dev/null
	wait "$HOLD_PID" 2>/dev/null
	HOLD_PID=
	return 0
}
trap '_rc=$?; stop_sink; stop_hold; (exit $_rc); _e2e_cleanup' EXIT

mails() { ls "$MAILDIR" 2>/dev/null | grep -c '\.eml$'; }
readmail() { "$SMTPY" "$SINK" read "$MAILDIR/msg-$1.eml" "$2"; }

test_expect 'aiosmtpd is installed (python3-aiosmtpd)' '
	expect_ne "$SMTPY" "" "a python3 with aiosmtpd"
'
[ -n "$SMTPY" ] || test_done
mkdir -p "$MAILDIR"
"$SMTPY" "$SINK" hold "$TRASH/sink.port" >"$TRASH/hold.log" 2>&1 &
HOLD_PID=$!
PORT=
for _ in $(seq 1 600); do
	[ -s "$TRASH/sink.port" ] && { PORT=$(cat "$TRASH/sink.port"); break; }
	kill -0 "$HOLD_PID" 2>/dev/null || break
	sleep 0.1
done
test_expect 'a port of its own for the SMTP server' '
	expect_ne "$PORT" "" "the port smtp_sink.py hold keeps: $(cat "$TRASH/hold.log")"
'
[ -n "$PORT" ] || test_done
