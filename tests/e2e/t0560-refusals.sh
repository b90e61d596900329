#!/usr/bin/env bash
# t0560-refusals: every command that can refuse (exit 5), tried by a staff
# member (sam) and a bookkeeper (bob) where their role or keys do not allow
# it, and by the owner where consent or the map refuses: each refusal is in
# the audit log, as a signed "denied" entry of the refused user whose
# reason is the one the user was told (issue 11, item 9).  Probing leaves a
# trace, and the trace does not lie about why.
set -u
. "$E2E_LIB"

init_vault
write_secret "$TRASH/sam.pass" 'harbor-quilt-sparrow-ember-violin-tundra'
write_secret "$TRASH/bob.pass" 'copper-lagoon-thistle-marble-canyon-oyster'
as() {
	local u=$1; shift
	case $u in
	anna) fort "$@" ;;
	*) FORTRESS_PASSPHRASE_FILE=$TRASH/$u.pass fort --user "$u" "$@" ;;
	esac
}
FORTRESS_PASSPHRASE_FILE=$TRASH/sam.pass fort user request sam --kdf interactive >/dev/null 2>&1
fort user add sam --role staff >/dev/null 2>&1
FORTRESS_PASSPHRASE_FILE=$TRASH/bob.pass fort user request bob --kdf interactive >/dev/null 2>&1
fort user add bob --role bookkeeper >/dev/null 2>&1
CID=$(add_client --set full_name="Jana Schmidt" --set email="jana@example.com" \
	--set iban="DE89370400440532013000" --set notes="prefers mornings")
printf 'full_name,email,iban\nOtto Other,otto@example.com,DE89370400440532013000\n' >"$TRASH/in.csv"

# refused USER ARGS...: the command exits 5; the newest audit entry of USER
# is "denied" and its detail is the message the user was shown.
refused() {
	local u=$1; shift
	expect_exit 5 as "$u" "$@" || return 1
	local msg
	msg=$(head -n 1 "$ERR" | sed 's/^fortress: //')
	fort audit log --json >"$TRASH/log.json" 2>"$TRASH/log.err" || { _fail "audit log failed: $(cat "$TRASH/log.err")"; return 1; }
	"$PYTHON" - "$TRASH/log.json" "$u" "$msg" <<'EOF' || { _fail "no true audit entry for: $u $*"; return 1; }
import json, sys
log, user, msg = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
mine = [e for e in log if e.get("actor") == user and e.get("action") != "unlock"]
if not mine:
    print("    no entry by %s" % user, file=sys.stderr); sys.exit(1)
e = mine[-1]
if e.get("result") != "denied" or e.get("detail") != msg:
    print("    newest entry by %s: %s / %r\n    the user was told: %r" % (user, e.get("result"), e.get("detail"), msg), file=sys.stderr)
    sys.exit(1)
EOF
}

test_expect 'writing a category the role lacks: client add and client edit with an IBAN' '
	refused sam client add --set full_name="Otto Other" --set iban="DE89370400440532013000" &&
	refused sam client edit "$CID" --set iban="DE89370400440532013000"
'

test_expect 'reading a category the role lacks; an action the role lacks' '
	refused sam client get "$CID" --reveal iban --purpose billing &&
	refused sam client export --purpose billing --field email -o "$TRASH/sam.json" &&
	refused sam client erase "$CID" --yes &&
	refused sam client import "$TRASH/in.csv" &&
	refused bob client edit "$CID" --set email="x@example.com" &&
	refused sam retention run &&
	refused sam map field add shoe_size --type text --category identity --purpose service --label Shoe --legal-basis contract --retention "end of contract" &&
	refused sam user remove bob &&
	refused sam role grant staff export
'

test_expect 'an export refused for lacking the notes key says so (not "purpose not allowed")' '
	refused bob client export --purpose service --field notes -o "$TRASH/bob.json" &&
	expect_contains "$ERR" "notes key" &&
	expect_not_contains "$ERR" "is not allowed for field"
'

test_expect 'consent and the map refuse the owner too, each audited with its reason' '
	refused anna client get "$CID" --reveal email --purpose marketing &&
	refused anna client get "$CID" --reveal iban --purpose marketing &&
	refused anna client export --purpose marketing --field iban -o "$TRASH/a.json"
'

test_expect 'the log with all those refusals verifies' '
	expect_exit 0 fort audit verify
'

test_done
