#!/usr/bin/env bash
# t2120-vcard-fixtures: the vCard files other projects test their parsers
# with (Android's and vobject's fixtures, tests/data/import-samples, copied
# from ../shared/import-samples with their licence and source): each one
# either imports with its characters intact (revealed through an export and
# compared with what expected.tsv says the file holds) or is refused (exit
# 6) naming the card's line and what to do, with nothing imported.
set -u
. "$E2E_LIB"

S=$FORT_TEST_DATA/import-samples

# field EMAIL... no: every client's FIELD, one a line, in import order
fields() {
	fort client export --purpose service --format json >"$TRASH/x.json" 2>/dev/null || { echo "<export failed>"; return 1; }
	"$PYTHON" - "$TRASH/x.json" "$1" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1])):
    print(c.get(sys.argv[2], "<absent>"))
PY
}

check_file() {
	local file=$1 what=$2 a=$3 b=${4-} want got
	# an empty vault: made once and copied (a refused import left it empty)
	if [ ! -e "$TRASH/empty.made" ]; then
		vault_remove
		fort init --name Fx --owner anna --kdf interactive --country DE >/dev/null 2>&1 || { _fail "$file: init"; return 1; }
		vault_save empty || { _fail "$file: saving the empty vault"; return 1; }
		: >"$TRASH/empty.made"
	elif [ -e "$TRASH/dirty" ]; then
		vault_restore empty || { _fail "$file: the empty vault back"; return 1; }
	fi
	: >"$TRASH/dirty"
	fort client import "$S/$file" >"$TRASH/out" 2>"$TRASH/err"
	local rc=$?
	if [ "$what" = ok ]; then
		[ $rc = 0 ] || { _fail "$file: exit $rc, expected 0: $(head -3 "$TRASH/err")"; return 1; }
		want=$(printf '%s' "$a" | tr '|' '\n')
		got=$(fields full_name)
		[ "$got" = "$want" ] || { _fail "$file: full_name '$got', expected '$want'"; return 1; }
		shift 3
		for kv in "$@"; do
			got=$(fields "${kv%%=*}")
			[ "$got" = "${kv#*=}" ] || { _fail "$file: ${kv%%=*} '$got', expected '${kv#*=}'"; return 1; }
		done
	else
		[ $rc = 6 ] || { _fail "$file: exit $rc, expected 6 (refused): $(head -3 "$TRASH/err")"; return 1; }
		grep -qF -- "$b" "$TRASH/err" || { _fail "$file: no '$b' in: $(head -3 "$TRASH/err")"; return 1; }
		if [ "$a" != 0 ]; then
			grep -Eq "$file: line $a[,:]" "$TRASH/err" || { _fail "$file: the card's line $a is not named: $(head -3 "$TRASH/err")"; return 1; }
		fi
		grep -Eq "fix them|fix the line|add one|missing END:VCARD|not a client" "$TRASH/err" ||
			{ _fail "$file: the message does not say what to do: $(cat "$TRASH/err")"; return 1; }
		[ "$(status_get clients)" = 0 ] || { _fail "$file: clients were imported"; return 1; }
		rm -f "$TRASH/dirty"
	fi
}

test_expect 'every fixture is listed in expected.tsv' '
	for f in "$S"/*/*.vcf; do
		grep -q "^${f#$S/}	" "$S/expected.tsv" || _fail "${f#$S/} is not in expected.tsv"
	done &&
	expect_eq "$(ls "$S"/*/*.vcf | wc -l)" 43 "fixtures"
'

n_ok=0
n_refused=0
while IFS=$'\t' read -r file what a b rest; do
	case $file in '#'*|'') continue ;; esac
	if [ "$what" = ok ]; then
		n_ok=$((n_ok + 1))
		# the extra FIELD=VALUE columns
		IFS=$'\t' read -r -a extra <<<"$b${rest:+	$rest}"
		test_expect "$file imports with its characters intact" 'check_file "$file" ok "$a" "${extra[@]}"'
	else
		n_refused=$((n_refused + 1))
		test_expect "$file is refused naming line $a and what to do" 'check_file "$file" refused "$a" "$b"'
	fi
done <"$S/expected.tsv"

test_expect 'both outcomes are covered' '
	expect_eq "$n_ok" 23 imported &&
	expect_eq "$n_refused" 20 refused
'

test_done
