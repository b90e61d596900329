#!/usr/bin/env bash
# t3000-incident: "Anna's laptop with last week's export was stolen this
# morning" through the CLI: the incident recorded, the export file's clients
# found from the record its audit entry names (the file itself is gone), the
# 72-hour clock in UTC shown in local time across a weekend and a DST change,
# the authority notification and the client letters (text, HTML, PDF read
# back), reasons for a delay past 72 h required, closing refused until the
# register is complete, the review's actions tracked; bad input changes
# nothing.
set -u
. "$E2E_LIB"

init_vault --state DE-BY --email privacy@muster.example --address "Hauptstrasse 1, 91522 Ansbach"
for i in 1 2 3 4 5 6; do
	add_client --set full_name="Client Person$i" --set email="client$i@example.org" >/dev/null
done
EXPORT=$TRASH/work/clients-last-week.csv

test_expect 'an export is recorded with its clients, device and SHA-256; the audit entry names it' '
	expect_exit 0 fort client export --purpose billing --format csv -o "$EXPORT" &&
	SUM=$(sha "$EXPORT") &&
	expect_exit 0 fort audit log --json &&
	expect_contains "$OUT" "6 clients as csv to $EXPORT; recorded as export #1"
'
# two clients join after the export: they are not in the file
add_client --set full_name="Late Joiner" --set email="late@example.org" >/dev/null
add_client --set full_name="Later Joiner" --set email="later@example.org" >/dev/null

test_expect 'awareness before the occurrence is refused, nothing recorded' '
	expect_exit 6 fort incident open "x" --occurred 2026-03-27T09:00:00Z --aware 2026-03-27T08:59:59Z &&
	expect_error_line && expect_contains "$ERR" "before the incident happened" &&
	expect_exit 0 fort incident list --json &&
	expect_eq "$(jq_ "$OUT" "len(d)")" 0 incidents
'

test_expect 'the incident is opened and scoped to the stolen export (found by its path: the file is gone)' '
	cp "$EXPORT" "$TRASH/work/copy.csv" && rm "$EXPORT" &&
	expect_exit 0 fort incident open "Anna laptop stolen (with last week export)" --kind lost-device \
		--occurred 2026-03-27T07:30:00Z --aware 2026-03-27T16:00:00Z --json &&
	expect_eq "$(jq_ "$OUT" "d[\"id\"]")" 1 id &&
	expect_exit 0 fort incident scope 1 --export "$EXPORT" &&
	expect_exit 0 fort incident impact 1 --json &&
	expect_eq "$(jq_ "$OUT" "d[\"affected\"]")" 6 affected &&
	expect_eq "$(jq_ "$OUT" "d[\"categories\"]")" "{\"identity\": 6, \"contact\": 6}" categories &&
	expect_eq "$(jq_ "$OUT" "d[\"jurisdictions\"]")" "{\"EU\": 6}" jurisdictions &&
	expect_eq "$(jq_ "$OUT" "d[\"protected\"]")" false protected &&
	expect_not_contains "$OUT" "Late Joiner"
'

test_expect 'a copy of the file is found by its contents (SHA-256)' '
	expect_exit 0 fort incident open "copy found on a USB stick" --aware 2026-03-27T16:00:00Z --json &&
	expect_exit 0 fort incident scope 2 --export "$TRASH/work/copy.csv" &&
	expect_exit 0 fort incident impact 2 --json &&
	expect_eq "$(jq_ "$OUT" "d[\"affected\"]")" 6 affected &&
	expect_exit 0 fort incident scope 2 --device "$(hostname)" &&
	expect_exit 0 fort incident impact 2 --json &&
	expect_eq "$(jq_ "$OUT" "d[\"exports\"]")" 2 exports-matched
'

test_expect 'an unknown file or user in the scope: a clear error, nothing added' '
	expect_exit 3 fort incident scope 1 --export "$TRASH/work/nope.csv" &&
	expect_error_line && expect_contains "$ERR" "nope.csv" &&
	expect_exit 3 fort incident scope 1 --user mallory --from 2026-03-20 --to 2026-03-27 &&
	expect_contains "$ERR" "mallory" &&
	expect_exit 2 fort incident scope 1 &&
	expect_exit 0 fort incident impact 1 --json &&
	expect_eq "$(jq_ "$OUT" "d[\"affected\"]")" 6 affected
'

test_expect 'the 72-hour clock: UTC, shown in local time across the weekend and the DST change' '
	TZ=Europe/Berlin expect_exit 0 fort incident show 1 --as-of 2026-03-28T10:00:00Z --json &&
	expect_eq "$(jq_ "$OUT" "d[\"deadlines\"][0][\"due\"]")" 2026-03-30T16:00:00Z due &&
	expect_eq "$(jq_ "$OUT" "d[\"deadlines\"][0][\"due_local\"]")" "2026-03-30 18:00 CEST" local &&
	expect_eq "$(jq_ "$OUT" "d[\"deadlines\"][0][\"overdue\"]")" false overdue &&
	TZ=America/New_York expect_exit 0 fort incident show 1 --as-of 2026-03-30T16:00:01Z &&
	expect_match "$OUT" "OVERDUE +EU +2026-03-30 12:00 EDT"
'

test_expect 'status shows the open incidents and the next deadline' '
	expect_exit 0 fort status --json &&
	expect_eq "$(jq_ "$OUT" "d[\"incidents\"][\"open\"]")" 2 open &&
	expect_eq "$(jq_ "$OUT" "d[\"incidents\"][\"next_deadline\"][\"due\"]")" 2026-03-30T16:00:00Z next &&
	expect_exit 0 fort status &&
	expect_contains "$OUT" "next deadline:"
'

test_expect 'letters need their elements first' '
	expect_exit 6 fort incident letters 1 --out "$TRASH/letters" --as-of 2026-03-28T10:00:00Z &&
	expect_contains "$ERR" "contact point" && expect_contains "$ERR" "facts"
'

test_expect 'the authority notification and a letter per client, as text, HTML and PDF' '
	expect_exit 0 fort incident assess 1 --likelihood 3 --severity 3 --encrypted no --key-compromised no \
		--contact "Anna Muster, privacy@muster.example, +49 30 1234567" &&
	expect_exit 0 fort incident log 1 fact "A laptop holding a CSV export of client contact details was stolen from a car." &&
	expect_exit 0 fort incident log 1 effect "Names and e-mail addresses may be used for phishing." &&
	expect_exit 0 fort incident log 1 remedy "Police report filed; the laptop account was disabled." &&
	expect_exit 0 fort incident log 1 timeline "laptop stolen from the car" --at 2026-03-27T07:30:00Z &&
	expect_exit 0 fort incident letters 1 --out "$TRASH/letters" --format text,html,pdf --as-of 2026-03-28T10:00:00Z --json &&
	expect_eq "$(jq_ "$OUT" "d[\"letters\"]")" 7 letters &&
	expect_file_mode "$TRASH/letters" 700 &&
	expect_contains "$TRASH/letters/authority.md" "## Nature of the breach" &&
	expect_contains "$TRASH/letters/authority.md" "Approximate number: 6" &&
	expect_contains "$TRASH/letters/authority.md" "Bayerisches Landesamt" &&
	expect_not_contains "$TRASH/letters/authority.md" "Bundesbeauftragte" &&
	expect_contains "$TRASH/letters/authority.md" "Hauptstrasse 1, 91522 Ansbach" &&
	expect_contains "$TRASH/letters/authority.md" "Anna Muster, privacy@muster.example" &&
	expect_not_contains "$TRASH/letters/authority.md" "client1@example.org" &&
	expect_not_contains "$TRASH/letters/authority.md" "Reasons for the delay" &&
	pdftotext "$TRASH/letters/authority.pdf" "$TRASH/authority.txt" &&
	expect_contains "$TRASH/authority.txt" "Measures taken or proposed" &&
	L=$(ls "$TRASH"/letters/c-*.md | head -n 1) &&
	expect_contains "$L" "Dear Client Person" &&
	expect_contains "$L" "## What you can do" &&
	expect_contains "$L" "phishing" &&
	expect_contains "${L%.md}.html" "<h2>For more information</h2>" &&
	expect_file_mode "$L" 600 &&
	expect_eq "$(ls "$TRASH"/letters/c-*.pdf | wc -l)" 6 pdfs
'

test_expect 'decrypting for the letters is audited per client with purpose breach-notice' '
	expect_exit 0 fort audit log --json &&
	expect_eq "$(jq_ "$OUT" "len([e for e in d if e[\"action\"] == \"reveal\" and e[\"purpose\"] == \"breach-notice\"])")" 6 audited
'

test_expect 'after 72 hours the notification needs the reasons for the delay' '
	expect_exit 6 fort incident letters 1 --out "$TRASH/late" --authority-only --as-of 2026-03-30T16:00:01Z &&
	expect_contains "$ERR" "reasons for the delay" &&
	expect_exit 0 fort incident letters 1 --out "$TRASH/late" --authority-only --as-of 2026-03-30T16:00:01Z \
		--reasons-for-delay "The theft was reported to us by the police only on Monday." &&
	expect_contains "$TRASH/late/authority.md" "## Reasons for the delay" &&
	expect_exit 6 fort incident letters 1 --out "$TRASH/late" --phase follow-up &&
	expect_contains "$ERR" "case reference"
'

test_expect 'closing is refused until a decision is recorded; then closed' '
	expect_exit 6 fort incident close 1 &&
	expect_contains "$ERR" "a decision" && expect_not_contains "$ERR" "facts" &&
	expect_exit 6 fort incident decide 1 notify &&
	expect_exit 0 fort incident decide 1 notify --reasons "Contact data in clear text, phishing risk." &&
	expect_exit 0 fort incident close 1 --json &&
	expect_eq "$(jq_ "$OUT" "d[\"state\"]")" closed state &&
	expect_eq "$(jq_ "$OUT" "d[\"decided_by\"]")" anna decided-by &&
	expect_exit 6 fort incident log 1 fact "too late"
'

test_expect 'the review and its actions, overdue first, tracked to done' '
	expect_exit 0 fort incident review 1 --root-cause "Exports kept on a laptop unencrypted." \
		--action "Encrypt laptop disks" --owner anna --due 2026-04-15 &&
	expect_exit 0 fort incident review 1 --action "Delete old exports weekly" --owner anna --due 2026-06-01 &&
	expect_exit 0 fort actions list --as-of 2026-05-01 --json &&
	expect_eq "$(jq_ "$OUT" "[a[\"id\"] for a in d]")" "[1, 2]" order &&
	expect_eq "$(jq_ "$OUT" "[a[\"overdue\"] for a in d]")" "[true, false]" overdue &&
	expect_exit 0 fort actions done 1 &&
	expect_exit 6 fort actions done 1 &&
	expect_exit 0 fort actions list --json &&
	expect_eq "$(jq_ "$OUT" "len(d)")" 1 open-left &&
	expect_exit 3 fort actions show 99
'

test_expect 'the register lists every incident; its text is not in the vault file in clear' '
	expect_exit 0 fort incident list --json &&
	expect_eq "$(jq_ "$OUT" "\" \".join(i[\"state\"] for i in d)")" "open closed" states &&
	expect_exit 0 fort status --json &&
	expect_eq "$(jq_ "$OUT" "d[\"incidents\"][\"open\"]")" 1 open &&
	! grep -a -q "holding a CSV export" "$FORTRESS_VAULT" "$FORTRESS_VAULT-wal" 2>/dev/null &&
	expect_exit 0 fort audit verify
'

test_done
