#!/bin/sh
# demo.sh BINARY - a narrated walk-through of Fortress on a throwaway vault.
#
#	sh scripts/demo.sh build/fortress      (what `make demo` runs)
#
# Everything happens in a private temporary directory that is removed at the
# end: nothing touches your real vault.  Every command is printed before it
# runs; the script stops with a non-zero exit at the first step that fails.
set -u

BIN=${1:-build/fortress}
case $BIN in
/*) ;;
*) BIN=$(pwd)/$BIN ;;
esac
if [ ! -x "$BIN" ]; then
	echo "demo: $BIN is not an executable (run 'make build' first)" >&2
	exit 1
fi
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
SAMPLE=$SRCDIR/tests/data/e2e/sample-clients.csv
if [ ! -r "$SAMPLE" ]; then
	echo "demo: missing $SAMPLE" >&2
	exit 1
fi

DEMO=$(mktemp -d "${TMPDIR:-/tmp}/fortress-demo.XXXXXX") || exit 1
chmod 700 "$DEMO"
SERVER_PID=
cleanup() {
	[ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	rm -rf "$DEMO"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export FORTRESS_VAULT="$DEMO/vault.db"
export FORTRESS_PASSPHRASE_FILE="$DEMO/passphrase"
unset FORTRESS_USER

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	B=$(printf '\033[1m'); D=$(printf '\033[2m'); R=$(printf '\033[0m')
else
	B=; D=; R=
fi

# say LINE...: the narration, one comment line per argument.
say() {
	echo
	for l in "$@"; do
		printf '%s# %s%s\n' "$D" "$l" "$R"
	done
}

# show ARGS...: print "$ fortress ARGS" (arguments with spaces quoted).
show() {
	line='$ fortress'
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_./:=@+,-]* | '') line="$line '$a'" ;;
		*) line="$line $a" ;;
		esac
	done
	printf '%s%s%s\n' "$B" "$line" "$R"
}

fail() {
	echo "demo: step failed: fortress $*" >&2
	exit 1
}

# step ARGS...: show and run fortress ARGS.
step() {
	show "$@"
	"$BIN" "$@" </dev/null || fail "$@"
}

# capture FILE ARGS...: show and run fortress ARGS, its output into FILE
# (and on the screen).
capture() {
	f=$1
	shift
	show "$@"
	"$BIN" "$@" </dev/null >"$f" || fail "$@"
	cat "$f"
}

echo "${B}Fortress demo${R}: a throwaway vault in $DEMO (removed at the end)."

say "Fortress wants a strong passphrase: let it generate one (7 random words)." \
	"We keep it in a file readable only by us, so the demo needs no typing."
printf '%s$ fortress passphrase generate > %s%s\n' "$B" "$FORTRESS_PASSPHRASE_FILE" "$R"
(umask 077 && "$BIN" passphrase generate </dev/null >"$FORTRESS_PASSPHRASE_FILE") || fail passphrase generate
chmod 600 "$FORTRESS_PASSPHRASE_FILE"
echo "(passphrase written to $FORTRESS_PASSPHRASE_FILE, mode 0600)"

say "Create the vault.  --kdf interactive is a weaker, faster key derivation:" \
	"fine for this demo, NOT for real data (the default is 'moderate')."
step init --country DE --name "Demo Steuerberatung" --owner demo --kdf interactive

say "Add two clients.  Every value is checked (IBAN check digits, e-mail" \
	"syntax, phone numbers become +49...) and encrypted with the client's own key."
capture "$DEMO/id1" client add --set "full_name=Marta Keller" --set "email=marta.keller@example.com" \
	--set "phone=030 1234567" --set "iban=DE89 3704 0044 0532 0130 00" --set "notes=Prefers phone calls"
ID1=$(sed -n 1p "$DEMO/id1")
capture "$DEMO/id2" client add --set "full_name=Jonas Richter" --set "email=jonas.richter@example.org" \
	--set "phone=+49 40 9876543" --set "company=Richter Media"
ID2=$(sed -n 1p "$DEMO/id2")

say "Import ten more clients from a CSV file (all or nothing: one bad row and" \
	"nothing is imported, with the line and column of every problem)."
step client import "$SAMPLE"

say "List the clients: names are masked."
step client list

say "Find a client by e-mail through the blind index (nothing is decrypted;" \
	"case and spacing do not matter)."
step client find "email=Marta.Keller@EXAMPLE.com"

say "Read the client: every value is masked by default."
step client get "$ID1"

say "Reveal the e-mail address, saying why: the purpose must be one the data" \
	"map allows for that field ('fortress map show'), and it is audited."
step client get "$ID1" --reveal email --purpose correspondence

say "A small team: the assistant asks to join with a passphrase only they know;" \
	"the owner adds them as staff. Staff hold the identity and contact keys only."
(umask 077 && "$BIN" passphrase generate >"$DEMO/sam.pass" </dev/null) || fail passphrase generate
printf '%s$ FORTRESS_PASSPHRASE_FILE=sam.pass fortress user request sam --kdf interactive%s\n' "$B" "$R"
FORTRESS_PASSPHRASE_FILE="$DEMO/sam.pass" "$BIN" user request sam --kdf interactive </dev/null || fail user request sam
step user add sam --role staff
step role list

say "As sam, the bank details cannot be revealed: sam's keyring has no" \
	"financial key, so not even the vault file would give them away."
show --user sam client get "$ID1" --reveal iban --purpose billing
if FORTRESS_PASSPHRASE_FILE="$DEMO/sam.pass" "$BIN" --user sam client get "$ID1" --reveal iban --purpose billing </dev/null; then
	fail "--user sam client get --reveal iban" "(staff revealed a financial field)"
fi

say "Marketing rests on consent: refused until the client gives it, with the" \
	"notice they saw kept; withdrawing is one step too."
printf 'We e-mail our news once a month; unsubscribe any time.\n' >"$DEMO/notice.txt"
show client get "$ID1" --reveal email --purpose marketing
if "$BIN" client get "$ID1" --reveal email --purpose marketing </dev/null; then
	fail "client get --purpose marketing" "(revealed without consent)"
fi
step consent grant "$ID1" marketing --channel web --notice-file "$DEMO/notice.txt"
step client get "$ID1" --reveal email --purpose marketing
step consent withdraw "$ID1" marketing --channel email

say "The client asks for everything we hold: record the request (the due date" \
	"follows the law's rules), then answer it in one step."
step request open access "$ID1" --received "$(date -u +%Y-%m-%d)"
step request fulfil 1 --out "$DEMO/access-package"
ls -l "$DEMO/access-package"

say "The client asks to be forgotten: erase by crypto-shredding (the client's" \
	"key is destroyed, so every copy of the ciphertext becomes noise)."
step client erase "$ID2" --reason "client request (GDPR Art. 17)" --yes

say "Erased means gone:"
show client get "$ID2"
if "$BIN" client get "$ID2" </dev/null; then
	fail client get "$ID2" "(an erased client is still readable)"
fi

say "Every access is in the hash-chained audit log: who, what, which client," \
	"which fields, for what purpose - never the values themselves."
step audit log

say "Verify the audit chain (no passphrase needed)."
step audit verify

say "Status: counts and the audit head SEQ:HASH - write the head down somewhere" \
	"else; 'fortress audit verify --anchor SEQ:HASH' later proves nothing was cut."
step status

say "Serve the vault to a team: 'fortress serve' (web app and HTTP API) holds no" \
	"keys of its own; each person signs in from a browser with their passphrase" \
	"and a TOTP code. Started here on a free loopback port, one page fetched, stopped."
"$BIN" serve --listen 127.0.0.1:0 --port-file "$DEMO/port" --quiet </dev/null &
SERVER_PID=$!
tries=0
while [ ! -s "$DEMO/port" ]; do
	tries=$((tries + 1))
	if [ $tries -gt 100 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
		fail serve "(the server did not start within 10 s)"
	fi
	sleep 0.1
done
PORT=$(cat "$DEMO/port")
printf '%s$ GET http://127.0.0.1:%s/signin%s\n' "$D" "$PORT" "$R"
python3 - "$PORT" <<'PY' || fail serve "(the sign-in page was not served as expected)"
import sys, urllib.request
with urllib.request.urlopen("http://127.0.0.1:%s/signin" % sys.argv[1], timeout=10) as r:
    body = r.read().decode()
    csp = r.headers.get("Content-Security-Policy", "")
    print("HTTP %d, %s, %d bytes" % (r.status, r.headers.get("Content-Type"), len(body)))
    print("Content-Security-Policy: " + csp)
    assert r.status == 200 and "<form" in body and "script-src 'self'" in csp
PY
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail serve "(the server did not stop cleanly on SIGTERM)"
SERVER_PID=

printf '\n%sDemo finished%s: the throwaway vault is removed now.\n' "$B" "$R"
