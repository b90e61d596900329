#!/usr/bin/env bash
# t2011-scan-redact-import: `scan --redact OUTDIR` writes masked copies that a
# re-scan finds clean (formats that cannot be masked byte-wise are reported
# as skipped, never silently); `scan --import` feeds found CSV rows through
# the importer (duplicates reported); `--fix` needs a terminal; with --vault
# the last scan's counts are kept in the vault's meta as "scan.last".
set -u
. "$E2E_LIB"

W=$TRASH/work
mkdir -p "$W/files"
cat >"$W/files/notes.txt" <<'TXT'
Call Jane on +44 20 7946 0958 or mail jane.doe@example.org.
Card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, SSN 536-22-1543.
password: correct-horse-battery
-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAxRkzN3Z
-----END RSA PRIVATE KEY-----
nothing to see here
TXT
printf 'Name,E-mail,Phone\nJohn Smith,john@example.com,+49 30 1234567\nMaria Rossi,maria@example.it,+39 06 1234 5678\n' >"$W/files/clients.csv"
"$PYTHON" - "$W/files/letter.docx" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w")
z.writestr("[Content_Types].xml", "<Types/>")
z.writestr("word/document.xml", "<w:document><w:body><w:p><w:r><w:t>mail jane.doe@example.org</w:t></w:r></w:p></w:body></w:document>")
z.close()
PY

test_expect 'redact: masked copies, same length, no raw values, re-scan clean' '
	expect_exit 1 fort scan --redact "$TRASH/red" "$W/files" &&
	cp "$OUT" "$TRASH/redact.out" &&
	expect_contains "$OUT" "redacted $W/files/notes.txt -> $TRASH/red$W/files/notes.txt: 7 findings masked; re-scan: clean" &&
	R=$TRASH/red$W/files/notes.txt &&
	expect_file_mode "$R" 600 &&
	expect_eq "$(wc -c <"$R")" "$(wc -c <"$W/files/notes.txt")" &&
	expect_not_contains "$R" "7946" && expect_not_contains "$R" "jane.doe" && expect_not_contains "$R" "1111" &&
	expect_not_contains "$R" "0130" && expect_not_contains "$R" "1543" && expect_not_contains "$R" "horse" &&
	expect_not_contains "$R" "MIIEow" &&
	expect_contains "$R" "nothing to see here" &&
	expect_exit 0 fort scan "$TRASH/red"
'

test_expect 'redact: an office document is reported as skipped, with the reason' '
	expect_contains "$TRASH/redact.out" "skipped $W/files/letter.docx: not redacted: an office document or zip archive cannot be redacted byte by byte" &&
	test ! -e "$TRASH/red$W/files/letter.docx"
'

test_expect 'redact never overwrites: a second run says the copy exists (exit 2)' '
	expect_exit 2 fort scan --redact "$TRASH/red" "$W/files/notes.txt" &&
	expect_contains "$ERR" "already exists"
'

test_expect '--import and --fix need the vault; --fix needs a terminal' '
	expect_exit 2 fort scan --import "$W/files" && expect_contains "$ERR" "--vault" &&
	init_vault &&
	expect_exit 2 fort --vault "$FORTRESS_VAULT" scan --fix "$W/files" &&
	expect_contains "$ERR" "needs a terminal"
'

test_expect 'import: the found CSV rows become clients; a re-run reports the duplicates' '
	expect_exit 1 fort --vault "$FORTRESS_VAULT" scan --import "$W/files" &&
	expect_contains "$OUT" "imported 2 clients from $W/files/clients.csv (csv)" &&
	expect_contains "$OUT" "skipped $W/files/notes.txt: not imported" &&
	expect_exit 0 fort client find email=maria@example.it &&
	expect_exit 1 fort --vault "$FORTRESS_VAULT" scan --import "$W/files/clients.csv" &&
	expect_contains "$OUT" "imported 0 clients" && expect_contains "$OUT" "2 duplicates" &&
	expect_contains "$ERR" "clients.csv: line 2"
'

test_expect 'after the import the CSV rows are known clients' '
	expect_exit 1 fort --vault "$FORTRESS_VAULT" scan "$W/files/clients.csv" &&
	expect_contains "$OUT" "email (high, known client) j***@example.com"
'

# the vault's meta row scan.last (JSON) into FILE, from the file or the database
scan_last() {
	pg_or_sqlite_sql "SELECT CAST(v AS TEXT) FROM meta WHERE k = 'scan.last'" \
		"SELECT convert_from(v, 'UTF8') FROM meta WHERE k = 'scan.last'" >"$1"
}

test_expect 'scan.last holds the counts of the last --vault scan, no values' '
	expect_exit 1 fort --vault "$FORTRESS_VAULT" scan "$W/files" &&
	scan_last "$TRASH/scan.last" &&
	"$PYTHON" - "$TRASH/scan.last" "$W/files" <<-PY
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert sorted(d) == ["files", "files_with_findings", "findings", "known_client_findings", "paths", "ts"], d
	assert d["paths"] == [sys.argv[2]], d
	assert d["files"] == 3 and d["files_with_findings"] == 3, d
	assert d["findings"] == 14 and d["known_client_findings"] == 6, d
	assert "john" not in json.dumps(d), d
	PY
' 

test_expect 'a scan without --vault leaves scan.last alone' '
	expect_exit 1 fort scan "$W/files/notes.txt" &&
	scan_last "$TRASH/scan.last" &&
	"$PYTHON" - "$TRASH/scan.last" <<-PY
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["files"] == 3, d
	PY
'

test_expect 'the scan is audited' '
	expect_exit 0 fort audit log &&
	expect_contains "$OUT" "(3 files, 3 with findings, 14 findings, 6 of known clients)"
'

test_done
