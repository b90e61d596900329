#!/usr/bin/env bash
# t0905-backup-stdout: `backup create -` writes the backup to standard output,
# recorded (hash and audit entry, committed) before a byte of it leaves;
# a copy that fails afterwards (closed pipe, full disk) says so and changes
# nothing else; never to a terminal, never with --json; `backup verify -`
# and `backup restore -` read a backup from standard input.
set -u
. "$E2E_LIB"

init_vault

BAK=$TRASH/work/piped.fbak

# export_sorted VAULT OUT: every client exported for billing, records sorted.
export_sorted() {
	fort --vault "$1" client export --purpose billing --format json --force -o "$TRASH/export.json" >/dev/null 2>"$TRASH/export.err" || {
		_fail "export from $1 failed: $(cat "$TRASH/export.err")"
		return 1
	}
	"$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
if isinstance(d, dict):
    d = d.get("clients", d)
print("\n".join(sorted(json.dumps(r, sort_keys=True) for r in d)))
' "$TRASH/export.json" >"$2"
}

# entries: how many entries the audit log holds (audit verify's count).
entries() {
	fort audit verify 2>/dev/null | sed -n 's/^audit chain OK: \([0-9]*\) entries.*/\1/p'
}

# from FILE ARGS...: fortress with FILE on standard input (no TTY)
from() {
	local f=$1; shift
	setsid -w "$FORTRESS" "$@" <"$f"
}

# to_full ARGS...: fortress with standard output on a full disk.
to_full() {
	fort "$@" >/dev/full
}

# closed_pipe ARGS...: fortress ARGS into a reader that takes 10 bytes and
# goes away; its stderr to $ERR, its exit code to $RC.
closed_pipe() {
	fort "$@" 2>"$ERR" | head -c 10 >"$OUT"
	RC=${PIPESTATUS[0]}
}

test_expect 'setup: three clients' '
	add_client --set full_name="Jana Schmidt" --set email=jana@example.com --set iban="DE89 3704 0044 0532 0130 00" >/dev/null &&
	add_client --set full_name="Max Muster" --set email=max@example.com --set phone="+49 30 1234567" >/dev/null &&
	add_client --set full_name="Eva Klein" --set email=eva@example.com >/dev/null &&
	expect_eq "$(status_get clients)" 3 clients
'

test_expect 'backup create - > FILE: the backup on standard output, the summary on stderr, recorded as "-"' '
	fort backup create - >"$BAK" 2>"$ERR" &&
	expect_contains "$ERR" "backup written to standard output: 3 clients" &&
	expect_eq "$(head -c 7 "$BAK")" "FORTBAK" "magic" &&
	expect_eq "$(grep -c -a -F -e "Jana" -e "jana@example.com" -e "DE89370400440532013000" "$BAK")" 0 "plaintext lines in the backup" &&
	expect_eq "$(ls -A "$TMPDIR" | wc -l | tr -d " ")" 0 "files left in TMPDIR" &&
	expect_exit 0 fort audit log &&
	expect_match "$OUT" "backup-create \(clients=3 file=-; recorded as export #[0-9]+\)"
'

test_expect 'the piped backup verifies as a file, and is found by its SHA-256 for an incident' '
	expect_exit 0 fort backup verify "$BAK" &&
	expect_contains "$OUT" "backup OK: $BAK" &&
	expect_contains "$OUT" "3 clients" &&
	expect_exit 0 fort incident open "laptop with the piped backup stolen" --kind lost-device \
		--occurred 2026-03-27T07:30:00Z --aware 2026-03-27T16:00:00Z --json &&
	id=$(jq_ "$OUT" "d[\"id\"]") &&
	expect_exit 0 fort incident scope "$id" --backup "$BAK" &&
	expect_exit 0 fort incident impact "$id" --json &&
	expect_eq "$(jq_ "$OUT" "d[\"affected\"]")" 3 affected
'

test_expect 'round trip: restored from the piped backup, the same clients' '
	export_sorted "$FORTRESS_VAULT" "$TRASH/before.txt" &&
	expect_exit 0 fort backup restore "$BAK" --to "$TRASH/work/restored.db" &&
	export_sorted "$TRASH/work/restored.db" "$TRASH/after.txt" &&
	expect_eq "$(wc -l <"$TRASH/after.txt" | tr -d " ")" 3 "clients exported" &&
	expect_eq "$(sha "$TRASH/after.txt")" "$(sha "$TRASH/before.txt")" "export digest" &&
	RV=$(vault_in_backend "$TRASH/work/restored.db" restored) &&
	export_sorted "$RV" "$TRASH/after-backend.txt" &&
	expect_eq "$(sha "$TRASH/after-backend.txt")" "$(sha "$TRASH/before.txt")" "export digest in this run'\''s backend"
'

test_expect 'backup verify - and backup restore - read the backup from standard input' '
	expect_exit 0 from "$BAK" backup verify - &&
	expect_contains "$OUT" "backup OK: -," &&
	expect_contains "$OUT" "3 clients" &&
	expect_exit 0 from "$BAK" backup restore - --to "$TRASH/work/stdin.db" &&
	expect_contains "$OUT" "3 clients in the backup" &&
	export_sorted "$TRASH/work/stdin.db" "$TRASH/after2.txt" &&
	expect_eq "$(sha "$TRASH/after2.txt")" "$(sha "$TRASH/before.txt")" "export digest" &&
	head -c 5000 "$BAK" >"$TRASH/cut.fbak" &&
	expect_exit 8 from "$TRASH/cut.fbak" backup verify - &&
	expect_contains "$ERR" "standard input" &&
	expect_exit 8 from "$TRASH/cut.fbak" backup restore - --to "$TRASH/work/cut.db" &&
	expect_eq "$(test -e "$TRASH/work/cut.db" && echo yes || echo no)" no "cut.db exists" &&
	expect_exit 2 from "$BAK" backup verify - --share-file - &&
	expect_contains "$ERR" "standard input holds the backup"
'

test_expect 'a reader that goes away: exit 9, one message (recorded, not delivered), the log verifies' '
	n0=$(entries) &&
	closed_pipe backup create - &&
	expect_eq "$RC" 9 "exit code" &&
	expect_eq "$(entries)" "$((n0 + 2))" "entries added (unlock, backup-create)" &&
	expect_error_line &&
	expect_contains "$ERR" "the backup was recorded (export #" &&
	expect_contains "$ERR" "but not delivered" &&
	expect_contains "$ERR" "Broken pipe" &&
	expect_eq "$(grep -c "^fortress:" "$ERR")" 1 "error lines" &&
	expect_eq "$(ls -A "$TMPDIR" | wc -l | tr -d " ")" 0 "files left in TMPDIR" &&
	expect_exit 0 fort audit verify &&
	expect_exit 0 fort audit log &&
	expect_eq "$(grep -c "backup-create (clients=3 file=-" "$OUT")" 2 "backup-create entries"
'

test_expect 'a full disk on standard output: exit 9, recorded but not delivered' '
	if [ ! -w /dev/full ]; then echo "    (no /dev/full here: skipped)"; return 0; fi
	expect_exit 9 to_full backup create - &&
	expect_error_line &&
	expect_contains "$ERR" "but not delivered" &&
	expect_contains "$ERR" "No space left" &&
	expect_exit 0 fort audit verify
'

test_expect 'backup create - --json: usage error (exit 2) before the passphrase, nothing recorded' '
	n0=$(entries) &&
	expect_exit 2 fort backup create - --json &&
	expect_error_line &&
	expect_contains "$ERR" "--json" &&
	expect_empty "$OUT" &&
	expect_eq "$(entries)" "$n0" "audit entries"
'

# Standard output a terminal: the child's stdout is a pseudo-terminal.
cat >"$TRASH/on_pty.py" <<'PY'
# on_pty.py CMD...: run CMD with its standard output a pseudo-terminal (read
# as it comes, so a broken CMD writing a backup there cannot block); prints
# how many bytes reached the terminal, exits with CMD's code (99: no exit
# within 30 s).
import os, pty, select, subprocess, sys, time
master, slave = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE)
os.close(slave)
shown, end = 0, time.time() + 30
while time.time() < end:
    r, _, _ = select.select([master], [], [], 0.2)
    if r:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        shown += len(data)
        if not data and p.poll() is not None:
            break
    elif p.poll() is not None:
        break
if p.poll() is None:
    p.kill()
    p.wait()
    sys.stderr.write(p.stderr.read().decode(errors="replace"))
    sys.stdout.write("bytes on the terminal: %d (no exit within 30 s)\n" % shown)
    sys.exit(99)
sys.stderr.write(p.stderr.read().decode(errors="replace"))
sys.stdout.write("bytes on the terminal: %d\n" % shown)
sys.exit(p.returncode)
PY

test_expect 'backup create - on a terminal: usage error (exit 2) before the passphrase, nothing written or recorded' '
	if ! "$PYTHON" -c "import os, pty; os.close(pty.openpty()[0])" 2>/dev/null; then
		echo "    (no pseudo-terminal here: skipped)"; return 0
	fi
	n0=$(entries) &&
	expect_exit 2 "$PYTHON" "$TRASH/on_pty.py" "$FORTRESS" backup create - &&
	expect_error_line &&
	expect_contains "$ERR" "which is a terminal" &&
	expect_contains "$OUT" "bytes on the terminal: 0" &&
	expect_eq "$(entries)" "$n0" "audit entries"
'

test_done
