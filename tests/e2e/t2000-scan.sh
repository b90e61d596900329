#!/usr/bin/env bash
# t2000-scan: `fortress scan` as a user runs it: exit codes, the four
# formats, .fortressignore, inline ignores, baselines, masked values unless
# --show-values, unreadable files named, no vault needed.
set -u
. "$E2E_LIB"

W=$TRASH/work
mkdir -p "$W/tree/sub" "$W/tree/.git" "$W/clean"
printf 'name,email,card,date_of_birth\nAnn Example,ann.example@example.com,4111 1111 1111 1111,1985-03-12\n' >"$W/tree/clients.csv"
printf 'Call me at +49 30 1234567. My SSN is 123-45-6789.\n' >"$W/tree/sub/notes.txt"
printf 'hunter 4111111111111111\n' >"$W/tree/.git/packed"
printf 'nothing here but words and 42 numbers\n' >"$W/clean/readme.txt"
VAULT=$FORTRESS_VAULT
unset FORTRESS_VAULT

test_expect 'a clean tree exits 0 and says so' '
	expect_exit 0 fort scan "$W/clean" &&
	expect_contains "$OUT" "scanned 1 file" &&
	expect_contains "$OUT" "0 findings" &&
	{ [ ! -e "$TRASH/vault/vault.db" ] || _fail "scan created a vault"; }
'

test_expect 'findings exit 1, masked, with file:line:column and a risk summary' '
	expect_exit 1 fort scan "$W/tree" &&
	expect_match "$OUT" "tree/clients.csv:2:13: email \(high\) a\*\*\*@example.com" &&
	expect_contains "$OUT" "**** **** **** 1111" &&
	expect_contains "$OUT" "***-**-6789" &&
	expect_match "$OUT" "^ *[0-9]+ +[0-9]+  .*clients.csv  \(card 1, email 1, dob 1\)" &&
	expect_not_contains "$OUT" "4111 1111 1111 1111" &&
	expect_not_contains "$OUT" "ann.example@" &&
	expect_not_contains "$OUT" "123-45-6789" &&
	expect_not_contains "$OUT" ".git/packed"
'

test_expect '--show-values prints the full values' '
	expect_exit 1 fort scan --show-values "$W/tree" &&
	expect_contains "$OUT" "4111 1111 1111 1111" &&
	expect_contains "$OUT" "ann.example@example.com" &&
	expect_contains "$OUT" "123-45-6789"
'

test_expect 'JSON: findings in order and a summary' '
	expect_exit 1 fort scan --format json "$W/tree" &&
	expect_json "$OUT" &&
	"$PYTHON" - "$OUT" <<-PY
	import json, sys
	d = json.load(open(sys.argv[1]))
	f = d["findings"]
	types = [x["type"] for x in f]
	assert types == ["email", "card", "dob", "phone", "ssn"], types
	assert all("value" not in x for x in f), "values without --show-values"
	assert d["summary"]["findings"] == 5, d["summary"]
	assert f[0]["file"].endswith("clients.csv") and f[0]["line"] == 2
	PY
'

test_expect '--json (global) is the JSON format' '
	expect_exit 1 fort --json scan "$W/tree/clients.csv" &&
	expect_json "$OUT"
'

test_expect 'CSV: a header, one row per finding, formula-like cells escaped' '
	expect_exit 1 fort scan --format csv "$W/tree/sub" &&
	expect_contains "$OUT" "file,logical,line,column,offset,length,type,confidence,rule,excerpt,fingerprint" &&
	expect_contains "$OUT" ",phone," &&
	expect_contains "$OUT" "\"'"'"'+** ** *****67\"" &&
	expect_eq "$(wc -l <"$OUT" | tr -d " ")" "3" "CSV lines"
'

test_expect 'SARIF 2.1.0: rules, results with locations, fingerprints' '
	expect_exit 1 fort scan --format sarif "$W/tree" &&
	expect_json "$OUT" &&
	"$PYTHON" - "$OUT" <<-PY
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["version"] == "2.1.0" and "\$schema" in d
	run = d["runs"][0]
	rules = run["tool"]["driver"]["rules"]
	ids = [r["id"] for r in rules]
	assert run["tool"]["driver"]["name"] == "fortress"
	assert len(run["results"]) == 5
	for r in run["results"]:
	    assert r["ruleId"] in ids and ids[r["ruleIndex"]] == r["ruleId"]
	    assert r["level"] in ("error", "warning", "note")
	    assert r["message"]["text"]
	    pl = r["locations"][0]["physicalLocation"]
	    assert pl["artifactLocation"]["uri"].startswith("file:///")
	    assert pl["region"]["startLine"] >= 1 and pl["region"]["startColumn"] >= 1
	    fp = r["partialFingerprints"]["fortressFinding/v3"]
	    assert len(fp) == 32
	    assert "4111" not in json.dumps(r)
	assert run["invocations"][0]["executionSuccessful"] is True
	PY
'

test_expect 'SARIF fingerprints are stable from run to run' '
	fort scan --format sarif "$W/tree" >"$TRASH/s1.json"
	fort scan --format sarif "$W/tree" >"$TRASH/s2.json"
	expect_eq "$(grep -o "fortressFinding/v3\": *\"[0-9a-f]*" "$TRASH/s1.json" | md5sum)" \
		  "$(grep -o "fortressFinding/v3\": *\"[0-9a-f]*" "$TRASH/s2.json" | md5sum)" "fingerprints" &&
	expect_eq "$(grep -c "fortressFinding/v3" "$TRASH/s1.json")" "5" "v3 fingerprints"
'

test_expect 'SARIF: a per-user key of version 2 is replaced by one of version 3' '
	printf "{\"fortress_scan_baseline\": 2, \"key\": \"%s\", \"fingerprints\": []}\n" \
		2222222222222222222222222222222222222222222222222222222222222222 >"$XDG_CONFIG_HOME/fortress/scan-key.json" &&
	fort scan --format sarif "$W/tree" >"$TRASH/s3.json"
	expect_eq "$(grep -c "fortressFinding/v3" "$TRASH/s3.json")" "5" "v3 fingerprints" &&
	expect_not_contains "$TRASH/s3.json" "fortressFinding/v2" &&
	expect_contains "$XDG_CONFIG_HOME/fortress/scan-key.json" "\"fortress_scan_baseline\": 3" &&
	expect_not_contains "$XDG_CONFIG_HOME/fortress/scan-key.json" "2222222222"
'

test_expect 'tsv-spans: the benchmark adapter format' '
	expect_exit 1 fort scan --format tsv-spans "$W/tree/clients.csv" &&
	expect_match "$OUT" "^clients.csv${TAB}[0-9]+${TAB}[0-9]+${TAB}CREDIT_CARD$" &&
	expect_match "$OUT" "^clients.csv${TAB}86${TAB}96${TAB}DOB$"
'

test_expect 'tsv-spans and JSON with many findings: every one, in order, whole lines (written in large pieces)' '
	awk "BEGIN { for (i = 0; i < 6000; i++) printf \"%05d mail user%d@example.com ok\\n\", i, i }" >"$W/many.txt" &&
	expect_exit 1 fort scan --format tsv-spans "$W/many.txt" &&
	expect_eq "$(wc -l <"$OUT" | tr -d " ")" "6000" "lines" &&
	expect_eq "$(head -n 1 "$OUT")" "many.txt${TAB}11${TAB}28${TAB}EMAIL" "first line" &&
	expect_eq "$(tail -n 1 "$OUT")" "many.txt${TAB}208866${TAB}208886${TAB}EMAIL" "last line" &&
	expect_eq "$(awk -F"\t" "NF != 4 || \$2 + 0 >= \$3 + 0 || \$2 + 0 <= p { bad++ } { p = \$2 + 0 } END { print bad + 0 }" "$OUT")" "0" "lines whole and in order" &&
	cp "$OUT" "$TRASH/many.tsv" &&
	expect_exit 1 fort scan --format json "$W/many.txt" &&
	python3 -c "import json,sys; d = json.load(open(sys.argv[1])); assert len(d[\"findings\"]) == 6000 and d[\"summary\"][\"findings\"] == 6000" "$OUT" ||
		_fail "JSON: not 6000 findings"
	# the ends (written from the start'"'"'s digits when in the same thousand)
	# are offset + length, across thousands, with 2 to 6 digits
	python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
want = [\"%d\\t%d\" % (f[\"offset\"], f[\"offset\"] + f[\"length\"]) for f in d[\"findings\"]]
got = [\"\\t\".join(l.split(\"\\t\")[1:3]) for l in open(sys.argv[2]).read().splitlines()]
bad = [(w, g) for w, g in zip(want, got) if w != g]
assert len(want) == len(got) and not bad, (len(want), len(got), bad[:3])
" "$OUT" "$TRASH/many.tsv" || _fail "tsv-spans: spans are not JSON'"'"'s offset and offset + length"
'

test_expect 'a full disk is an error, not a short report' '
	{ fort scan --format tsv-spans "$W/many.txt" >/dev/full 2>"$ERR"; rc=$?; [ "$rc" = 2 ] || _fail "exit $rc, expected 2"; } &&
	expect_contains "$ERR" "EIO" &&
	expect_contains "$ERR" "free disk space"
'

test_expect '.fortressignore: patterns, negation, directories' '
	mkdir -p "$W/ign/logs" "$W/ign/keep" &&
	printf "SSN 123-45-6789\n" >"$W/ign/logs/a.txt" &&
	printf "SSN 123-45-6789\n" >"$W/ign/b.log" &&
	printf "SSN 123-45-6789\n" >"$W/ign/important.log" &&
	printf "SSN 123-45-6789\n" >"$W/ign/keep/c.txt" &&
	printf "logs/\n*.log\n!important.log\n" >"$W/ign/.fortressignore" &&
	expect_exit 1 fort scan --format tsv-spans "$W/ign" &&
	expect_eq "$(cut -f1 "$OUT" | sort | tr "\n" " ")" "c.txt important.log " "files with findings" &&
	expect_exit 1 fort scan --no-ignore --format tsv-spans "$W/ign" &&
	expect_eq "$(wc -l <"$OUT" | tr -d " ")" "4" "findings without ignore files"
'

test_expect 'an inline fortress:ignore silences its line only' '
	printf "a 4111 1111 1111 1111 # fortress:ignore\nb 5555 5555 5555 4444\n" >"$W/inline.txt" &&
	expect_exit 1 fort scan "$W/inline.txt" &&
	expect_contains "$OUT" "inline.txt:2:" &&
	expect_not_contains "$OUT" "inline.txt:1:" &&
	expect_contains "$OUT" "1 suppressed" &&
	printf "a 4111 1111 1111 1111 # fortress:ignore\n" >"$W/inline.txt" &&
	expect_exit 0 fort scan "$W/inline.txt"
'

test_expect 'baseline: write, then only new findings count; no values in the file' '
	expect_exit 0 fort scan --write-baseline "$TRASH/baseline.json" "$W/tree" &&
	expect_contains "$ERR" "wrote 5 fingerprints" &&
	expect_file_mode "$TRASH/baseline.json" 600 &&
	# The fingerprints are keyed hashes in hex, so a run of digits such as
	# "6789" can turn up inside one by chance (about 1 run in 400); the
	# values are looked for in the file with every long hex string blanked.
	sed -E "s/[0-9a-f]{32,}/HEX/g" "$TRASH/baseline.json" >"$TRASH/baseline.text" &&
	expect_eq "$(grep -c HEX "$TRASH/baseline.text")" "6" "the key id and 5 fingerprints" &&
	expect_not_contains "$TRASH/baseline.text" "4111" &&
	expect_not_contains "$TRASH/baseline.text" "example.com" &&
	expect_not_contains "$TRASH/baseline.text" "6789" &&
	expect_not_contains "$TRASH/baseline.text" "1234567" &&
	expect_not_contains "$TRASH/baseline.text" "1985" &&
	expect_exit 0 fort scan --baseline "$TRASH/baseline.json" "$W/tree" &&
	expect_contains "$OUT" "5 suppressed" &&
	printf "new 5555-5555-5555-4444\n" >>"$W/tree/sub/notes.txt" &&
	expect_exit 1 fort scan --baseline "$TRASH/baseline.json" --format tsv-spans "$W/tree" &&
	expect_eq "$(wc -l <"$OUT" | tr -d " ")" "1" "new findings" &&
	expect_exit 2 fort scan --baseline "$TRASH/nope.json" "$W/tree" &&
	expect_error_line &&
	expect_contains "$ERR" "nope.json" &&
	printf "not json" >"$TRASH/bad.json" &&
	expect_exit 2 fort scan --baseline "$TRASH/bad.json" "$W/tree" &&
	expect_contains "$ERR" "bad.json"
'

test_expect 'errors exit 2: a missing path, a bad option' '
	expect_exit 2 fort scan "$W/does-not-exist" &&
	expect_error_line &&
	expect_contains "$ERR" "does-not-exist" &&
	expect_exit 2 fort scan --format yaml "$W/tree" &&
	expect_exit 2 fort scan --jobs 0 "$W/tree" &&
	expect_exit 2 fort scan
'

test_expect 'an unreadable file is named, the rest is scanned, exit 2' '
	if [ "$(id -u)" = 0 ]; then
		bad=/proc/self/mem     # opens, cannot be read: even root gets EIO
	else
		bad=$W/locked.txt; printf "x\n" >"$bad"; chmod 000 "$bad"
	fi
	expect_exit 2 fort scan "$bad" "$W/tree/clients.csv" &&
	expect_match "$ERR" "^fortress: cannot read $bad: " &&
	expect_contains "$OUT" "clients.csv:2:" &&
	expect_contains "$OUT" "unreadable 1"
'

test_expect 'binary files and the vault are skipped, never read' '
	printf "\0\1\2 4111 1111 1111 1111" >"$W/clean/blob.bin" &&
	expect_exit 0 fort scan "$W/clean" &&
	expect_contains "$OUT" "skipped 1" &&
	expect_exit 0 fort --vault "$VAULT" init --country DE --name "Scan Test" --owner "Ann Owner" --kdf interactive &&
	expect_exit 0 fort --vault "$VAULT" scan "$TRASH/vault" &&
	expect_contains "$OUT" "scanned 0 files" &&
	expect_match "$OUT" "skipped [1-9]"
'

test_expect 'scan --help, and jobs give the same output as one thread' '
	expect_exit 0 fort scan --help &&
	expect_contains "$OUT" "usage: fortress scan" &&
	expect_contains "$OUT" "--write-baseline" &&
	fort scan --jobs 1 --format json "$W/tree" >"$TRASH/j1.json"
	fort scan --jobs 4 --format json "$W/tree" >"$TRASH/j4.json"
	expect_eq "$(md5sum <"$TRASH/j1.json")" "$(md5sum <"$TRASH/j4.json")" "output with 1 and 4 jobs"
'

test_done
