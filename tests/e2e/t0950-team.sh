#!/usr/bin/env bash
# t0950-team: a small team through the CLI.  The owner (anna) adds an
# assistant (staff) and a bookkeeper; each joins with their own passphrase
# (request, then add); every cell of roles x categories x actions is tried
# through the CLI; users and roles change; removal rotates keys; bad input
# changes nothing; the audit log verifies throughout.
set -u
. "$E2E_LIB"

init_vault
write_secret "$TRASH/sam.pass" 'harbor-quilt-sparrow-ember-violin-tundra'
write_secret "$TRASH/bob.pass" 'copper-lagoon-thistle-marble-canyon-oyster'

# as USER ARGS...: fortress as USER with their passphrase file.
as() {
	local u=$1; shift
	case $u in
	anna) fort "$@" ;;
	*) FORTRESS_PASSPHRASE_FILE=$TRASH/$u.pass fort --user "$u" "$@" ;;
	esac
}

test_expect 'a field in the special category for the matrix' '
	expect_exit 0 fort map field add health --type text --category special --purpose service \
		--label "Health note" --legal-basis "explicit consent (Art. 9(2)(a))" --retention "end of contract"
'

CID=$(add_client --set full_name="Jana Schmidt" --set email="jana@example.com" \
	--set iban="DE89370400440532013000" --set health="allergic to penicillin" --set notes="prefers mornings")

test_expect 'joining: the new user asks with their own passphrase, a pending user holds nothing' '
	FORTRESS_PASSPHRASE_FILE=$TRASH/sam.pass expect_exit 0 fort user request sam --kdf interactive &&
	expect_match "$OUT" "^sam asked to join; fingerprint [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}$" &&
	sed -n "s/.*fingerprint //p" "$OUT" >"$TRASH/sam.fp" &&
	expect_exit 4\|5 as sam client list &&
	expect_contains "$ERR" "has not been added yet" &&
	expect_exit 0 fort user list --json &&
	expect_eq "$(jq_ "$OUT" "[u[\"status\"] for u in d if u[\"name\"]==\"sam\"][0]")" pending status
'

test_expect 'joining: a wrong fingerprint is refused, the right one adds; the request name is taken' '
	expect_exit 1\|8 fort user add sam --role staff --fingerprint "0000 0000 0000 0000" &&
	expect_contains "$ERR" "fingerprint" &&
	expect_exit 0 fort user add sam --role staff --fingerprint "$(cat "$TRASH/sam.fp")" &&
	FORTRESS_PASSPHRASE_FILE=$TRASH/sam.pass expect_exit 6\|1 fort user request sam --kdf interactive &&
	expect_contains "$ERR" "already exists" &&
	FORTRESS_PASSPHRASE_FILE=$TRASH/bob.pass expect_exit 0 fort user request bob --kdf interactive &&
	expect_exit 0 fort user add bob --role bookkeeper
'

test_expect 'role list shows the defaults with their users' '
	expect_exit 0 fort role list --json &&
	expect_eq "$(jq_ "$OUT" "\",\".join(r[\"categories\"]) for r in d if r[\"name\"]==\"staff\"][0]" 2>/dev/null || jq_ "$OUT" "[\",\".join(r[\"categories\"]) for r in d if r[\"name\"]==\"staff\"][0]")" "identity,contact" staff &&
	expect_eq "$(jq_ "$OUT" "[\",\".join(r[\"actions\"]) for r in d if r[\"name\"]==\"bookkeeper\"][0]")" "read,reveal,export" bookkeeper &&
	expect_eq "$(jq_ "$OUT" "[r[\"users\"] for r in d if r[\"name\"]==\"owner\"][0]")" 1 owners
'

# The matrix: one field per category, with a purpose its map entry allows.
FIELDS="identity:full_name:billing contact:email:billing financial:iban:billing special:health:service notes:notes:service"
# allowed USER CATEGORY ACTION -> 0/1, from the default roles
allowed() {
	local cats acts
	case $1 in
	anna) cats="identity contact financial special notes"; acts="read reveal write import export erase" ;;
	sam) cats="identity contact"; acts="read reveal write" ;;
	bob) cats="identity contact financial"; acts="read reveal export" ;;
	esac
	case " $cats " in *" $2 "*) ;; *) echo 0; return ;; esac
	case " $acts " in *" $3 "*) echo 1 ;; *) echo 0 ;; esac
}

# cell USER CAT FIELD PURPOSE ACTION: run the action; exit 0 when allowed,
# 5 when denied, anything else is a failure.
cell() {
	local u=$1 cat=$2 f=$3 p=$4 a=$5 want code
	want=$(allowed "$u" "$cat" "$a")
	case $a in
	read) as "$u" client get "$CID" --json >"$OUT" 2>"$ERR"; code=$?
		# read is allowed for all three roles; the category shows iff held
		if [ "$code" = 0 ]; then
			if [ "$want" = 1 ]; then grep -q "\"$f\"" "$OUT" || { _fail "$u read: $f missing"; return 1; }
			else ! grep -q "\"$f\"" "$OUT" || { _fail "$u read: $f shown without its key"; return 1; }; fi
			return 0
		fi ;;
	reveal) as "$u" client get "$CID" --reveal "$f" --purpose "$p" >"$OUT" 2>"$ERR"; code=$? ;;
	write) as "$u" client edit "$CID" --set "$f=$(value_of "$f")" >"$OUT" 2>"$ERR"; code=$? ;;
	export) as "$u" client export --purpose "$p" --field "$f" --output "$TRASH/exp-$u-$f.json" >"$OUT" 2>"$ERR"; code=$?
		rm -f "$TRASH/exp-$u-$f.json" ;;
	import) printf '%s\n%s\n' "$f" "$(value_of "$f" new)" >"$TRASH/imp.csv"
		as "$u" client import "$TRASH/imp.csv" >"$OUT" 2>"$ERR"; code=$? ;;
	esac
	if [ "$want" = 1 ] && [ "$code" != 0 ]; then _fail "$u $a $cat: want allowed, exit $code: $(head -c 300 "$ERR")"; return 1; fi
	if [ "$want" = 0 ] && [ "$code" != 5 ]; then _fail "$u $a $cat: want denied (exit 5), exit $code: $(head -c 300 "$ERR")"; return 1; fi
	return 0
}

value_of() {
	case $1 in
	full_name) echo "Jana Schmidt" ;;
	email) if [ "${2:-}" = new ] && [ "$((imports=imports+1))" ]; then echo "new$imports-$RANDOM@example.com"; else echo "jana@example.com"; fi ;;
	iban) echo "DE89370400440532013000" ;;
	health) echo "allergic to penicillin" ;;
	notes) echo "prefers mornings" ;;
	esac
}
imports=0

for u in anna sam bob; do
	for spec in $FIELDS; do
		IFS=: read -r cat f p <<<"$spec"
		for a in read reveal write export import; do
			test_expect "matrix: $u $a $cat" "cell $u $cat $f $p $a"
		done
	done
done

test_expect 'matrix: erase, users and map actions; denials are audited' '
	ID2=$(add_client --set full_name="Erase Me") &&
	expect_exit 5 as sam client erase "$ID2" --yes &&
	expect_exit 5 as bob client erase "$ID2" --yes &&
	expect_exit 0 fort client erase "$ID2" --yes &&
	expect_exit 5 as sam role add helpers read &&
	expect_exit 5 as bob user remove sam &&
	expect_exit 5 as sam map field edit notes --label "Notes!" &&
	expect_exit 5 as bob keys rotate --all &&
	expect_exit 5 as sam backup create "$TRASH/sam.backup" &&
	expect_exit 0 fort audit log --json &&
	expect_match "$OUT" "\"result\": *\"denied\"" &&
	expect_exit 0 fort audit verify
'

test_expect 'staff edits keep the fields staff cannot read' '
	expect_exit 0 as sam client edit "$CID" --set phone="+49 30 1234567" &&
	expect_exit 0 fort client get "$CID" --reveal iban --purpose billing &&
	expect_contains "$OUT" "DE89370400440532013000" &&
	expect_exit 0 fort client get "$CID" --reveal health --reveal notes --purpose service &&
	expect_contains "$OUT" "allergic to penicillin"
'

test_expect 'bad input: unknown user or role, the last owner, a pending user role: nothing changes' '
	before=$(sha "$FORTRESS_VAULT") &&
	expect_exit 3 fort user remove nobody &&
	expect_exit 3 fort user role sam nosuchrole &&
	expect_exit 6 fort user remove anna &&
	expect_contains "$ERR" "last owner" &&
	expect_exit 6 fort user role anna staff &&
	expect_exit 6 fort role revoke owner financial &&
	expect_exit 6 fort role add bad/name read &&
	expect_exit 6 fort role add helpers flying &&
	expect_contains "$ERR" "flying" &&
	expect_exit 2 fort user add sam &&
	expect_exit 0 fort audit verify
'

test_expect 'roles: add, grant, revoke (rotates), remove' '
	expect_exit 0 fort role add assistant identity read &&
	expect_exit 0 fort role grant assistant contact reveal &&
	expect_exit 0 fort role list --json &&
	expect_eq "$(jq_ "$OUT" "[\",\".join(r[\"categories\"]) for r in d if r[\"name\"]==\"assistant\"][0]")" "identity,contact" cats &&
	expect_exit 0 fort user role sam assistant --json &&
	expect_exit 0 fort role revoke assistant contact --json &&
	expect_eq "$(jq_ "$OUT" "d[\"rotation\"][\"keys\"]")" contact rotated &&
	expect_exit 0 as sam client get "$CID" --json &&
	! grep -q "\"email\"" "$OUT" &&
	expect_exit 6 fort role remove assistant &&
	expect_exit 0 fort user role sam staff &&
	expect_exit 0 fort role remove assistant &&
	expect_exit 0 as sam client get "$CID" --reveal email --purpose billing &&
	expect_contains "$OUT" "jana@example.com"
'

test_expect 'removing a user rotates what they held; they cannot unlock; status shows the team' '
	expect_exit 0 fort user remove bob --json &&
	expect_eq "$(jq_ "$OUT" "d[\"rotation\"][\"keys\"]")" "vault,identity,contact,financial" keys &&
	expect_exit 5 as bob client list &&
	expect_contains "$ERR" "removed" &&
	expect_exit 0 fort user list --json &&
	expect_eq "$(jq_ "$OUT" "[u[\"status\"] for u in d if u[\"name\"]==\"bob\"][0]")" removed status &&
	expect_exit 0 fort status --json &&
	expect_eq "$(jq_ "$OUT" "d[\"users\"]")" 2 users &&
	expect_exit 0 fort client get "$CID" --reveal iban --purpose billing &&
	expect_contains "$OUT" "DE89370400440532013000" &&
	expect_exit 0 fort audit verify
'

test_expect 'user passwd changes only the acting user'"'"'s passphrase' '
	write_secret "$TRASH/sam2.pass" "meadow-cobalt-fennel-lantern-quiver-saffron" &&
	FORTRESS_PASSPHRASE_FILE=$TRASH/sam.pass expect_exit 0 fort --user sam user passwd --new-passphrase-file "$TRASH/sam2.pass" &&
	expect_exit 4 as sam client list &&
	FORTRESS_PASSPHRASE_FILE=$TRASH/sam2.pass expect_exit 0 fort --user sam client list &&
	expect_exit 0 fort client list
'

test_done
