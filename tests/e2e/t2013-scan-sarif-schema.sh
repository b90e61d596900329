#!/usr/bin/env bash
# t2013-scan-sarif-schema: the SARIF output of a real scan (findings in a
# plain file and inside a document, a skipped binary, the vault skipped, an
# unreadable file, known clients) validates against the official SARIF
# 2.1.0 JSON schema (tests/data/sarif); files not scanned are tool execution
# notifications with their artifactLocation; executionSuccessful is false
# exactly when a file could not be read.
set -u
. "$E2E_LIB"

SCHEMA=$FORT_TEST_DATA/sarif/sarif-schema-2.1.0.json
W=$TRASH/work
mkdir -p "$W/files"
printf 'mail jane@example.org, card 4111 1111 1111 1111\nJohn Smith called from +49 30 1234567\n' >"$W/files/a b.txt"
printf '\000\001\002binary\000' >"$W/files/img.bin"
"$PYTHON" - "$W/files/doc.docx" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w")
z.writestr("[Content_Types].xml", "<Types/>")
z.writestr("word/document.xml", "<w:document><w:body><w:p><w:r><w:t>IBAN DE89 3704 0044 0532 0130 00</w:t></w:r></w:p></w:body></w:document>")
z.close()
PY

validate() {
	"$PYTHON" - "$SCHEMA" "$1" <<-'PY'
	import json, sys
	import jsonschema
	schema = json.load(open(sys.argv[1]))
	jsonschema.Draft7Validator.check_schema(schema)
	v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
	doc = json.load(open(sys.argv[2]))
	errors = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
	for e in errors[:5]:
	    print("invalid at %s: %s" % ("/".join(map(str, e.path)), e.message), file=sys.stderr)
	sys.exit(1 if errors else 0)
	PY
}

test_expect 'the schema rejects a broken document (the check can fail)' '
	printf "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"x\"}},\"results\":[{\"level\":\"fatal\",\"message\":{\"text\":\"m\"}}],\"invocations\":[{}]}]}" >"$TRASH/bad.sarif" &&
	! validate "$TRASH/bad.sarif" 2>"$TRASH/why" &&
	expect_contains "$TRASH/why" "fatal" && expect_contains "$TRASH/why" "executionSuccessful"
'

test_expect 'a vault with a known client' '
	init_vault &&
	add_client --set full_name="John Smith" --set phone="+49 30 1234567" >/dev/null
'

test_expect 'sarif of a real scan with --vault validates; skipped files are notifications' '
	expect_exit 1 fort --vault "$FORTRESS_VAULT" scan --format sarif "$W/files" "$FORTRESS_VAULT" &&
	cp "$OUT" "$TRASH/ok.sarif" &&
	validate "$TRASH/ok.sarif" &&
	"$PYTHON" - "$TRASH/ok.sarif" "$W/files/img.bin" "$FORTRESS_VAULT" <<-PY
	import json, sys, urllib.parse
	d = json.load(open(sys.argv[1]))
	run = d["runs"][0]
	inv = run["invocations"][0]
	assert inv["executionSuccessful"] is True, inv
	notes = inv["toolExecutionNotifications"]
	uris = [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes]
	want = ["file://" + urllib.parse.quote(p) for p in sys.argv[2:4]]
	assert uris == want, (uris, want)
	assert all(n["level"] == "note" for n in notes), notes
	assert "binary" in notes[0]["message"]["text"] and "vault" in notes[1]["message"]["text"], notes
	rules = [r["ruleId"] for r in run["results"]]
	assert sorted(rules) == ["card", "email", "iban", "name", "phone"], rules
	known = [r["ruleId"] for r in run["results"] if r["properties"].get("knownClient")]
	assert sorted(known) == ["name", "phone"], known
	assert run["tool"]["driver"]["rules"][9]["id"] == "name"
	uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
	assert "a%20b.txt" in uri, uri
	PY
'

test_expect 'an unreadable file: an error notification, executionSuccessful false, still valid' '
	# /proc/self/mem opens but its first read fails (EIO), for root too
	expect_exit 2 fort scan --format sarif "$W/files" /proc/self/mem &&
	cp "$OUT" "$TRASH/err.sarif" &&
	expect_contains "$ERR" "cannot read /proc/self/mem" &&
	"$PYTHON" - "$TRASH/err.sarif" <<-PY
	import json, sys
	inv = json.load(open(sys.argv[1]))["runs"][0]["invocations"][0]
	assert inv["executionSuccessful"] is False, inv
	errs = [n for n in inv["toolExecutionNotifications"] if n["level"] == "error"]
	assert len(errs) == 1, inv
	assert errs[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "file:///proc/self/mem", errs
	assert "read error" in errs[0]["message"]["text"], errs
	PY
	validate "$TRASH/err.sarif"
'

test_done
