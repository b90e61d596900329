#!/usr/bin/env bash
# t0800-recovery: recovery shares.  The owner splits a recovery key into 5
# shares (any 3 restore); 2 are refused, every 3 of the 5 set a new owner
# passphrase, a mistyped share is named, shares of another vault or of an
# older split are refused, nothing changes on a refusal, and it is audited.
set -u
. "$E2E_LIB"

# fort_in FILE ARGS...: fortress with FILE on stdin and no terminal.
fort_in() {
	local in=$1; shift
	if command -v setsid >/dev/null 2>&1; then
		setsid -w "$FORTRESS" "$@" <"$in"
	else
		"$FORTRESS" "$@" <"$in"
	fi
}

SHARE_RE='^FORT-SHARE-1:[0-9a-f]{12}:3-of-5:[1-5]:[0-9a-f]{64}:[0-9a-f]{8}$'
SH=$TRASH/shares

init_vault
VID=$(status_get vault_id)
CID=$(add_client --set full_name="Jana Schmidt" --set email="jana.schmidt@example.com")

# new_pass NAME: a fresh strong passphrase in $TRASH/NAME (mode 0600).
new_pass() {
	fort_nopass passphrase generate >"$TRASH/gen.out" 2>/dev/null || { _fail "passphrase generate failed"; return 1; }
	write_secret "$TRASH/$1" "$(head -n 1 "$TRASH/gen.out")"
}

# unlocks PASSFILE: an unlocking command succeeds with PASSFILE.
unlocks() {
	FORTRESS_PASSPHRASE_FILE=$1 fort client get "$CID" >"$TRASH/unlock.out" 2>"$TRASH/unlock.err"
}

test_expect 'recovery status before any split says none' '
	expect_exit 0 fort recovery status &&
	expect_contains "$OUT" "none" &&
	expect_exit 0 fort recovery status --json &&
	expect_json "$OUT" &&
	expect_eq "$(jq_ "$OUT" "d[\"configured\"]")" false configured
'

test_expect 'split: usage errors exit 2 before asking for anything' '
	expect_exit 2 fort_nopass recovery split --shares 5 &&
	expect_error_line &&
	expect_exit 2 fort_nopass recovery split --shares 3 --threshold 4 &&
	expect_exit 2 fort_nopass recovery split --shares 256 --threshold 3 &&
	expect_exit 2 fort_nopass recovery split --shares 5 --threshold 1 &&
	expect_exit 2 fort_nopass recovery split --shares five --threshold 3 &&
	expect_exit 0 fort recovery status &&
	expect_contains "$OUT" "none"
'

test_expect 'split needs the owner passphrase' '
	expect_exit 2 fort_nopass recovery split --shares 5 --threshold 3 &&
	expect_empty "$OUT"
'

test_expect 'split --shares 5 --threshold 3 prints 5 distinct shares with checksums and writes them 0600' '
	expect_exit 0 fort recovery split --shares 5 --threshold 3 --out "$SH" &&
	cp "$OUT" "$TRASH/all" &&
	expect_eq "$(wc -l <"$TRASH/all" | tr -d " ")" 5 "shares printed" &&
	expect_eq "$(grep -cE "$SHARE_RE" "$TRASH/all")" 5 "well-formed shares" &&
	expect_eq "$(sort -u "$TRASH/all" | wc -l | tr -d " ")" 5 "distinct shares" &&
	expect_eq "$(cut -d: -f2 "$TRASH/all" | sort -u)" "${VID:0:12}" "vault id in the shares" &&
	expect_contains "$ERR" "different trusted person" &&
	for i in 1 2 3 4 5; do
		f=$SH/share-$i-of-5.txt
		expect_file_mode "$f" 600 &&
		expect_eq "$(cat "$f")" "$(sed -n "${i}p" "$TRASH/all")" "share file $i" || break
	done &&
	expect_exit 0 fort recovery status --json &&
	expect_eq "$(jq_ "$OUT" "d[\"k\"]")" 3 k &&
	expect_eq "$(jq_ "$OUT" "d[\"n\"]")" 5 n
'
for i in 1 2 3 4 5; do sed -n "${i}p" "$TRASH/all" >"$TRASH/s$i"; done

test_expect 'no new passphrase and no terminal: exit 2 at once' '
	cat "$TRASH/s1" "$TRASH/s2" "$TRASH/s3" >"$TRASH/three" &&
	run timeout 20 setsid -w "$FORTRESS" recovery restore "$TRASH/three" </dev/null &&
	expect_eq "$RC" 2 "exit code" &&
	expect_contains "$ERR" "--new-passphrase-file" &&
	unlocks "$PASSFILE" || _fail "the passphrase no longer works"
'

test_expect 'every 2 of the 5 shares are refused (exit 4), nothing changes' '
	new_pass np &&
	for a in 1 2 3 4 5; do
		for b in 1 2 3 4 5; do
			[ "$a" -lt "$b" ] || continue
			cat "$TRASH/s$a" "$TRASH/s$b" >"$TRASH/two"
			expect_exit 4 fort_in "$TRASH/two" recovery restore --new-passphrase-file "$TRASH/np" &&
			expect_contains "$ERR" "3 shares needed, 2 given" || break 2
		done
	done &&
	unlocks "$PASSFILE" || _fail "the old passphrase stopped working" &&
	{ ! unlocks "$TRASH/np" || _fail "the refused new passphrase opens the vault"; }
'

test_expect 'every 3 of the 5 shares set a new owner passphrase (stdin and files)' '
	cur=$PASSFILE && n=0 &&
	for a in 1 2 3 4 5; do
		for b in 1 2 3 4 5; do
			for c in 1 2 3 4 5; do
				[ "$a" -lt "$b" ] && [ "$b" -lt "$c" ] || continue
				new_pass "p$a$b$c" &&
				if [ $((n % 2)) = 0 ]; then
					cat "$TRASH/s$c" "$TRASH/s$a" "$TRASH/s$b" >"$TRASH/three" &&
					expect_exit 0 fort_in "$TRASH/three" recovery restore --new-passphrase-file "$TRASH/p$a$b$c"
				else
					expect_exit 0 fort recovery restore --new-passphrase-file "$TRASH/p$a$b$c" \
						"$SH/share-$a-of-5.txt" "$SH/share-$b-of-5.txt" "$SH/share-$c-of-5.txt"
				fi &&
				expect_contains "$OUT" "new passphrase set for $VAULT_OWNER" &&
				unlocks "$TRASH/p$a$b$c" || { _fail "shares $a $b $c: the new passphrase does not open"; break 3; }
				{ ! unlocks "$cur" || { _fail "shares $a $b $c: the previous passphrase still opens"; break 3; }; }
				cur=$TRASH/p$a$b$c && n=$((n + 1))
			done
		done
	done &&
	expect_eq "$n" 10 "3-subsets restored" &&
	NOW=$cur
'
: "${NOW:=$PASSFILE}"
export FORTRESS_PASSPHRASE_FILE=$NOW

test_expect 'after the restores: the old passphrase is refused (exit 4), the client still decrypts' '
	expect_exit 4 env FORTRESS_PASSPHRASE_FILE="$PASSFILE" "$FORTRESS" client get "$CID" </dev/null &&
	expect_exit 0 fort client get "$CID" &&
	expect_match "$OUT" "email: +j\*\*\*@example\.com" &&
	P=$(map_purpose full_name) &&
	expect_exit 0 fort client get "$CID" --reveal full_name --purpose "$P" &&
	expect_contains "$OUT" "Jana Schmidt"
'

test_expect 'a share with one digit changed is named (exit 6), nothing changes' '
	awk -F: "BEGIN{OFS=\":\"} {d=substr(\$5,10,1); r=(d==\"0\")?\"1\":\"0\"; \$5=substr(\$5,1,9) r substr(\$5,11); print}" \
		"$TRASH/s3" >"$TRASH/bad" &&
	expect_ne "$(cat "$TRASH/bad")" "$(cat "$TRASH/s3")" "the damaged share" &&
	new_pass np2 &&
	expect_exit 6 fort recovery restore --new-passphrase-file "$TRASH/np2" "$TRASH/s1" "$TRASH/bad" "$TRASH/s5" &&
	expect_error_line &&
	expect_contains "$ERR" "share 2 (number 3): the checksum does not match" &&
	expect_contains "$ERR" "share 2 is $TRASH/bad" &&
	cat "$TRASH/s1" "$TRASH/s5" "$TRASH/bad" >"$TRASH/three" &&
	expect_exit 6 fort_in "$TRASH/three" recovery restore --new-passphrase-file "$TRASH/np2" &&
	expect_contains "$ERR" "share 3 is line 3 of standard input" &&
	unlocks "$NOW" || _fail "the passphrase stopped working"
'

test_expect 'a repeated share and text that is not a share are refused (exit 6)' '
	cat "$TRASH/s1" "$TRASH/s2" "$TRASH/s1" >"$TRASH/three" &&
	expect_exit 6 fort_in "$TRASH/three" recovery restore --new-passphrase-file "$TRASH/np2" &&
	expect_contains "$ERR" "share 3 repeats share 1" &&
	printf "%s\n" "hello" >"$TRASH/junk" &&
	expect_exit 6 fort recovery restore --new-passphrase-file "$TRASH/np2" "$TRASH/s1" "$TRASH/junk" "$TRASH/s2" &&
	expect_contains "$ERR" "share 2 is not a Fortress recovery share" &&
	expect_exit 2 fort recovery restore --new-passphrase-file "$TRASH/np2"
'

test_expect 'a share of another vault is refused (exit 4), nothing changes' '
	OTHER=$(vault_new other) &&
	expect_exit 0 fort --vault "$OTHER" init --country DE --name "Other GmbH" --owner bob --kdf interactive &&
	expect_exit 0 fort --vault "$OTHER" recovery split --shares 5 --threshold 3 &&
	sed -n 2p "$OUT" >"$TRASH/o2" &&
	expect_match "$TRASH/o2" "^FORT-SHARE-1:" &&
	expect_exit 4 fort recovery restore --new-passphrase-file "$TRASH/np2" "$TRASH/s1" "$TRASH/o2" "$TRASH/s4" &&
	expect_contains "$ERR" "share 2 is for another vault" &&
	unlocks "$NOW" || _fail "the passphrase stopped working"
'

test_expect 'a new split: the shares of the older one are refused (exit 4)' '
	expect_exit 0 fort recovery split --shares 5 --threshold 3 &&
	cp "$OUT" "$TRASH/new" &&
	cat "$TRASH/s1" "$TRASH/s2" "$TRASH/s3" >"$TRASH/three" &&
	expect_exit 4 fort_in "$TRASH/three" recovery restore --new-passphrase-file "$TRASH/np2" &&
	expect_contains "$ERR" "do not open the recovery key of this vault (from an older split?)" &&
	unlocks "$NOW" || _fail "the passphrase stopped working" &&
	sed -n "1p;4p;5p" "$TRASH/new" >"$TRASH/three" &&
	expect_exit 0 fort_in "$TRASH/three" recovery restore --new-passphrase-file "$TRASH/np2" &&
	unlocks "$TRASH/np2" || _fail "the new split does not restore"
'
export FORTRESS_PASSPHRASE_FILE=$TRASH/np2

test_expect 'a weak new passphrase is refused (exit 6), nothing changes' '
	write_secret "$TRASH/weak" "password123" &&
	sed -n "1p;2p;3p" "$TRASH/new" >"$TRASH/three" &&
	expect_exit 6 fort_in "$TRASH/three" recovery restore --new-passphrase-file "$TRASH/weak" &&
	expect_error_line &&
	unlocks "$TRASH/np2" || _fail "the passphrase stopped working" &&
	{ ! unlocks "$TRASH/weak" || _fail "the weak passphrase opens the vault"; }
'

test_expect 'the audit chain verifies and records splits, restores and refusals, never share data' '
	expect_exit 0 fort audit verify &&
	expect_contains "$OUT" "audit chain OK" &&
	expect_exit 0 fort audit log &&
	expect_eq "$(grep -c " recovery-split " "$OUT")" 2 "recovery-split entries" &&
	expect_eq "$(grep -c " recovery-restore " "$OUT")" 11 "recovery-restore entries" &&
	expect_match "$OUT" "unlock-failed .*recovery restore refused: too few shares.*\[unsigned\]" &&
	expect_match "$OUT" "recovery restore refused: malformed share" &&
	expect_match "$OUT" "recovery restore refused: share of another vault" &&
	expect_match "$OUT" "recovery restore refused: shares do not open the recovery key" &&
	expect_not_contains "$OUT" "FORT-SHARE" &&
	expect_not_contains "$OUT" "$(cut -d: -f5 "$TRASH/s1")"
'

test_done
