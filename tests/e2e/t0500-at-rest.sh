#!/usr/bin/env bash
# t0500-at-rest: no client value is ever written in the clear: not to the
# vault file, its -wal/-shm, nor $TMPDIR.  After erasure (crypto-shredding)
# the client's wrapped key and ciphertexts are gone from the files too.
set -u
. "$E2E_LIB"

init_vault
N=200
V=$FORTRESS_VAULT
fort map show --json >"$TRASH/map.json" 2>/dev/null

# Every value is a unique canary: "Canaryname0042 Zq", canary0042x@example.org,
# 030 7004219, a valid IBAN, a Luhn-valid card, "canarynote0042"...  The
# canary list holds every form a value could be written in (as typed,
# normalised, E.164, upper-case email, grouped IBAN...).
util canaries $N "$TRASH/work/canaries.csv" "$TRASH/canaries.txt"

# vault_files: the vault and every file next to it (-wal, -shm, -journal...).
vault_files() {
	ls -d "$V" "$V"-* 2>/dev/null
}

# expect_no_canaries CANARY-FILE: none of them, in any case, in the vault
# files or anywhere under $TMPDIR.
expect_no_canaries() {
	local hits
	hits=$( { vault_files; find "$TMPDIR" -type f; } | while read -r f; do
		grep -a -o -i -F -f "$1" "$f" | sed "s|^|$(basename "$f"): |"
	done | sort | uniq -c | head -n 20)
	if [ -n "$hits" ]; then
		_fail "client values found at rest:"
		printf '%s\n' "$hits" | sed 's/^/    > /' >&2
		return 1
	fi
	return 0
}

test_expect "import $N clients whose every value is a canary" '
	expect_eq "$(wc -l <"$TRASH/canaries.txt" | tr -d " ")" "$((N * 21))" "canaries" &&
	expect_exit 0 fort client import "$TRASH/work/canaries.csv" &&
	expect_contains "$OUT" "imported $N clients" &&
	expect_eq "$(status_get clients)" "$N" clients
'

test_expect 'no canary in the vault, -wal, -shm or $TMPDIR after the import' '
	{ [ -s "$V" ] || _fail "no vault file"; } &&
	found=$(grep -a -o -i -F -f "$TRASH/canaries.txt" "$TRASH/work/canaries.csv" | wc -l) &&
	{ [ "$found" -ge $((N * 10)) ] || _fail "the canary search itself is broken ($found hits in the CSV)"; } &&
	expect_no_canaries "$TRASH/canaries.txt"
'

test_expect 'no temporary files are left behind in $TMPDIR' '
	left=$(find "$TMPDIR" -mindepth 1 | head -n 5) &&
	expect_eq "$left" "" "left in \$TMPDIR"
'

test_expect 'finding, reading and revealing does not write values either' '
	expect_exit 0 fort client find email=canary0042x@example.org &&
	id=$(cat "$OUT") &&
	expect_match "$OUT" "^c-[0-9a-f]{16}$" &&
	expect_exit 0 fort client find "phone=+49 30 7004219" &&
	expect_eq "$(cat "$OUT")" "$id" "find by phone" &&
	expect_exit 0 fort client find email=CANARY0117X@EXAMPLE.ORG &&
	expect_exit 0 fort client list &&
	expect_exit 0 fort client get "$id" &&
	for f in full_name email phone iban notes postal_address tax_id; do
		p=$(util purpose "$TRASH/map.json" "$f") &&
		expect_exit 0 fort client get "$id" --reveal "$f" --purpose "$p" --json &&
		jq_ "$OUT" "d[\"fields\"][\"$f\"][\"value\"]" >>"$TRASH/revealed.txt"
	done &&
	expect_no_canaries "$TRASH/canaries.txt"
'

test_expect 'the revealed values are the imported ones' '
	iban42=$(util iban DE 50010517 9000427713) &&
	expect_contains "$TRASH/work/canaries.csv" ",$iban42," &&
	expect_contains "$TRASH/revealed.txt" "Canaryname0042 Zq" &&
	expect_contains "$TRASH/revealed.txt" "canary0042x@example.org" &&
	expect_contains "$TRASH/revealed.txt" "+49307004219" &&
	expect_contains "$TRASH/revealed.txt" "$iban42" &&
	expect_contains "$TRASH/revealed.txt" "canarynote0042" &&
	expect_contains "$TRASH/revealed.txt" "CANTAX0042Q"
'

test_expect 'before erasure: the client'\''s wrapped key and ciphertexts are in the vault' '
	util blobs "$V" "$id" >"$TRASH/blobs.before" &&
	expect_match "$TRASH/blobs.before" "^[^ ]+ [^ ]*(wrap|key)[^ ]* " &&
	sed -n "s/^[^ ]* [^ ]*\(wrap\|key\)[^ ]* [^ ]* \([0-9a-f]*\)$/\2/p" "$TRASH/blobs.before" | head -n 1 >"$TRASH/wrapped.hex" &&
	expect_match "$TRASH/wrapped.hex" "^[0-9a-f]{32,}$" &&
	found=$(util remnants "$(cat "$TRASH/wrapped.hex")" $(vault_files) | awk "{s += \$2} END {print s+0}") &&
	{ [ "$found" -ge 1 ] || _fail "the wrapped key is not found in the vault files before erasure (search is broken)"; }
'

test_expect 'erase the client' '
	expect_exit 0 fort client erase "$id" --yes --reason "test: erasure at rest" &&
	expect_exit 3 fort client get "$id" &&
	expect_exit 3 fort client find email=canary0042x@example.org &&
	expect_eq "$(status_get erased)" 1 erased &&
	expect_eq "$(status_get clients)" "$((N - 1))" clients
'

test_expect 'after erasure: the wrapped key is gone from the vault, -wal and -shm' '
	hits=$(util remnants "$(cat "$TRASH/wrapped.hex")" $(vault_files) | awk "\$2 > 0") &&
	expect_eq "$hits" "" "wrapped key remnants"
'

test_expect 'after erasure: every ciphertext and index entry of the client is gone' '
	util blobs "$V" "$id" >"$TRASH/blobs.after" &&
	awk "NR == FNR { keep[\$4] = 1; next } !(\$4 in keep)" "$TRASH/blobs.after" "$TRASH/blobs.before" >"$TRASH/blobs.erased" &&
	{ [ -s "$TRASH/blobs.erased" ] || _fail "nothing of the client was deleted"; } &&
	while read -r table column rowid hex; do
		hits=$(util remnants "$hex" $(vault_files) | awk "\$2 > 0 {print}")
		if [ -n "$hits" ]; then
			if [ "$rowid" = norowid ]; then
				# A WITHOUT ROWID b-tree may keep a deleted key as an interior
				# divider; reported, not failed.
				echo "# note: $table.$column (index key) of the erased client still in: $hits" >&2
			else
				_fail "$table.$column of the erased client still in: $hits"
			fi
		fi
	done <"$TRASH/blobs.erased"
'

test_expect 'after erasure: none of the erased client'\''s values anywhere' '
	grep -F 0042 "$TRASH/canaries.txt" >"$TRASH/canaries42.txt" &&
	expect_no_canaries "$TRASH/canaries42.txt" &&
	expect_no_canaries "$TRASH/canaries.txt"
'

test_expect 'the audit chain verifies and the erasure is in it' '
	expect_exit 0 fort_nopass audit verify &&
	expect_exit 0 fort audit log --client "$id" --json &&
	util audit "$OUT" | cut -f2 >"$TRASH/actions" &&
	expect_contains "$TRASH/actions" erase
'

test_done
