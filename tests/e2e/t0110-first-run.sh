#!/usr/bin/env bash
# t0110-first-run: init as a new user meets it.  The business's country is
# required (asked on a terminal); on a terminal the passphrase's strength is
# checked before it is asked again, three tries, Enter generates one; the
# end says what a lost passphrase means and how to make recovery shares.
set -u
. "$E2E_LIB"

test_expect 'init without --country and without a terminal is a usage error, before any passphrase or file' '
	expect_exit 2 fort init --name "$VAULT_NAME" --owner "$VAULT_OWNER" --kdf interactive --passphrase-file /nonexistent &&
	expect_contains "$ERR" "--country" &&
	expect_not_contains "$ERR" "nonexistent" &&
	{ ! vault_exists || _fail "vault created"; }
'

test_expect 'an unknown --country is a usage error naming it' '
	expect_exit 2 fort init --name "$VAULT_NAME" --owner "$VAULT_OWNER" --kdf interactive --country XX &&
	expect_contains "$ERR" "XX" &&
	{ ! vault_exists || _fail "vault created"; }
'

test_expect 'init prints the country, the lost-passphrase warning and the recovery-share command' '
	expect_exit 0 fort init --name "$VAULT_NAME" --owner "$VAULT_OWNER" --kdf interactive --country at &&
	expect_contains "$OUT" "country: AT" &&
	expect_contains "$ERR" "if the passphrase is lost, every client record in this vault is lost" &&
	expect_contains "$ERR" "fortress recovery split" &&
	expect_eq "$(status_get default_country)" AT country
'

# On a pseudo-terminal: the country asked; a weak passphrase refused at once
# (no "Repeat" before the reason); a mismatch; then Enter: a generated one,
# shown once, typed again.
cat >"$TRASH/drive.py" <<'PY'
import os, pty, re, sys, time
fortress, vault = sys.argv[1], sys.argv[2]
env = dict(os.environ)
env.pop("FORTRESS_PASSPHRASE_FILE", None)
env["FORTRESS_VAULT"] = vault
pid, fd = pty.fork()
if pid == 0:
    os.execve(fortress, [fortress, "init", "--name", "Pty GmbH", "--owner", "pat", "--kdf", "interactive"], env)
buf = b""
def until(pat, timeout=20):
    global buf
    end = time.time() + timeout
    while time.time() < end:
        m = re.search(pat, buf)
        if m:
            seen, buf = buf[:m.end()], buf[m.end():]
            return seen
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        buf += data
    sys.stdout.write("TIMEOUT waiting for %r; got %r\n" % (pat, buf))
    sys.exit(3)
def say(s):
    os.write(fd, s.encode() + b"\n")
until(rb"Country of the business")
say("zz")
until(rb"not a country code")
until(rb"Country of the business")
say("de")
until(rb"New vault passphrase")
say("Summer2026Summer2026")
seen = until(rb"New vault passphrase")
if b"Repeat" in seen or b"repeated" not in seen:
    sys.stdout.write("weak: %r\n" % seen); sys.exit(4)
say("quartz-lantern-hobbit-marzipan-oxbow-tundra")
until(rb"Repeat passphrase")
say("quartz-lantern-hobbit-marzipan-oxbow-tundrX")
seen = until(rb"New vault passphrase")
if b"do not match" not in seen:
    sys.stdout.write("mismatch: %r\n" % seen); sys.exit(5)
say("")
seen = until(rb"Repeat passphrase")
m = re.search(rb"not shown again\):\s*\r?\n\s*\r?\n\s+(\S+)", seen)
if not m:
    sys.stdout.write("generated: %r\n" % seen); sys.exit(6)
gen = m.group(1).decode()
say(gen)
rest = b""
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    rest += data
_, status = os.waitpid(pid, 0)
open(sys.argv[3], "w").write(gen + "\n")
sys.stdout.write(rest.decode(errors="replace"))
sys.exit(os.WEXITSTATUS(status))
PY

test_expect 'on a terminal: country asked, weak refused before the repeat, mismatch, then a generated passphrase (three tries)' '
	if ! "$PYTHON" -c "import os, pty; os.close(pty.openpty()[0])" 2>/dev/null; then
		echo "    (no pseudo-terminal here: skipped)"; return 0
	fi
	run "$PYTHON" "$TRASH/drive.py" "$FORTRESS" "$TRASH/pty.fort" "$TRASH/gen.pass" &&
	{ [ "$RC" = 0 ] || { _fail "init on a pty: exit $RC: $(cat "$OUT")"; false; }; } &&
	expect_contains "$OUT" "country: DE" &&
	chmod 600 "$TRASH/gen.pass" &&
	FORTRESS_VAULT=$TRASH/pty.fort FORTRESS_PASSPHRASE_FILE=$TRASH/gen.pass expect_exit 0 fort client list
'

test_done
