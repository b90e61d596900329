#!/usr/bin/env bash
# t3050-plan: the incident-response plan: created with the default
# playbooks, contacts stored encrypted (never in clear in the database
# file), printable as Markdown, HTML and PDF with every role, contact, the
# supervisory authority and every playbook step; bad input refused with the
# field named and nothing changed.
set -u
. "$E2E_LIB"

init_vault --state DE-BY
DB=$FORTRESS_VAULT
STEPS=$(cd "$E2E_DIR/../.." && pwd)/data/playbook_steps.csv

test_expect 'no plan yet: show says how to make one (exit 3); status says none' '
	expect_exit 3 fort plan show &&
	expect_contains "$ERR" "fortress plan init" &&
	expect_exit 0 fort status &&
	expect_contains "$OUT" "incident plan: none"
'

test_expect 'plan init: default playbooks, six incident types' '
	expect_exit 0 fort plan init &&
	expect_exit 0 fort plan show --json &&
	expect_eq "$(jq_ "$OUT" "\" \".join(sorted(p[\"type\"] for p in d[\"playbooks\"]))")" \
		"lost-device misdirected-email processor-breach ransomware staff-access stolen-credentials" types &&
	expect_eq "$(jq_ "$OUT" "d[\"country\"]")" DE country &&
	expect_exit 6 fort plan init &&
	expect_contains "$ERR" "already"
'

test_expect 'plan edit: every role, the insurer and the lawyer get their contacts' '
	expect_exit 0 fort plan edit --role lead --name "Annegret Quastoff" --email lead-q7@muster.example --phone "+49 30 5550101" &&
	expect_exit 0 fort plan edit --role communications --name "Bertram Zwiebelfisch" --email comms-z3@muster.example --phone "+49 30 5550102" &&
	expect_exit 0 fort plan edit --role technical --name "Cordula Vexierbild" --email tech-v9@muster.example --phone "+49 30 5550103" &&
	expect_exit 0 fort plan edit --role legal --name "Dietlinde Obskura" --email dpo-o5@muster.example --phone "+49 30 5550104" &&
	expect_exit 0 fort plan edit --role insurer --name "Eisenhut Versicherung" --email claims-e2@insurer.example --phone "+49 800 5550105" --policy "CY-4471-XQ" &&
	expect_exit 0 fort plan edit --role lawyer --name "Kanzlei Fliederbusch" --email office-f8@law.example --phone "+49 30 5550106" &&
	expect_exit 0 fort plan show --json &&
	expect_eq "$(jq_ "$OUT" "d[\"contacts\"][\"technical\"][\"email\"]")" tech-v9@muster.example tech-email &&
	expect_eq "$(jq_ "$OUT" "d[\"contacts\"][\"insurer\"][\"policy\"]")" CY-4471-XQ policy
'

CONTACTS="Annegret Quastoff
lead-q7@muster.example
5550101
Bertram Zwiebelfisch
comms-z3@muster.example
Cordula Vexierbild
tech-v9@muster.example
Dietlinde Obskura
dpo-o5@muster.example
Eisenhut Versicherung
claims-e2@insurer.example
CY-4471-XQ
Kanzlei Fliederbusch
office-f8@law.example"

# (on PostgreSQL: not in a data dump of the database)
test_expect 'the contacts are not in the database file in clear' '
	ok=1 files="$DB $DB-wal"
	if on_pg; then
		pg_dump --data-only "$DB" >"$TRASH/db.dump" || _fail "pg_dump failed"
		files=$TRASH/db.dump
	fi
	while IFS= read -r s; do
		for f in $files; do
			[ -e "$f" ] || continue
			if grep -a -q -F -e "$s" "$f"; then _fail "$s found in clear in $(basename "$f")"; ok=0; fi
		done
	done <<<"$CONTACTS"
	[ "$ok" = 1 ] &&
	expect_eq "$(pg_or_sqlite_sql "SELECT count(*) FROM meta WHERE k = '\''plan'\''")" 1 "the sealed plan row"
'

# every_item FILE: each contact, the authority and every playbook step is in
# FILE's text (whitespace squeezed: the PDF wraps lines).
every_item() {
	"$PYTHON" - "$1" "$STEPS" <<'PY'
import csv, re, sys, html
raw = open(sys.argv[1], encoding="utf-8", errors="replace").read()
raw = re.sub(r"\n[^\n]* - page \d+ of \d+\n", "\n", raw)  # PDF page footers (pdftotext keeps them mid-item)
text = re.sub(r"\s+", " ", html.unescape(raw))
want = """Annegret Quastoff|lead-q7@muster.example|+49 30 5550101|Bertram Zwiebelfisch|comms-z3@muster.example|
Cordula Vexierbild|tech-v9@muster.example|Dietlinde Obskura|dpo-o5@muster.example|+49 30 5550104|Eisenhut Versicherung|
claims-e2@insurer.example|CY-4471-XQ|Kanzlei Fliederbusch|office-f8@law.example|+49 30 5550106|Incident lead|Communications|
Technical|Legal / DPO contact|Insurer|Lawyer|poststelle@lda.bayern.de|+49 981 180093-0|Postfach 1349, 91504 Ansbach|BayLDA|
lda.bayern.de/datenpanne""".replace("\n", "").split("|")
want += [r["text"] for r in csv.DictReader(open(sys.argv[2], encoding="utf-8"))]
missing = [w for w in want if w not in text]
for m in missing:
    print("missing:", m)
sys.exit(1 if missing else 0)
PY
}

test_expect 'export md: every role, contact, the authority and every playbook step' '
	expect_exit 0 fort plan export --format md --out "$TRASH/plan.md" &&
	expect_file_mode "$TRASH/plan.md" 600 &&
	every_item "$TRASH/plan.md"
'

test_expect 'export html: the same, escaped, in an HTML document' '
	expect_exit 0 fort plan export --format html --out "$TRASH/plan.html" &&
	expect_contains "$TRASH/plan.html" "<!DOCTYPE html>" &&
	every_item "$TRASH/plan.html"
'

test_expect 'export pdf: read back with pdftotext, the same items' '
	expect_exit 0 fort plan export --format pdf --out "$TRASH/plan.pdf" &&
	pdftotext -layout "$TRASH/plan.pdf" "$TRASH/plan.txt" &&
	every_item "$TRASH/plan.txt" &&
	expect_exit 2 fort plan export --format pdf &&
	expect_exit 6 fort plan export --format docx --out "$TRASH/x"
'

test_expect 'exports are audited' '
	expect_exit 0 fort audit log --json &&
	expect_eq "$(jq_ "$OUT" "sum(1 for e in d if e[\"action\"] == \"plan-export\")")" 3 exports
'

test_expect 'bad contacts are refused naming the field; nothing changes' '
	expect_exit 6 fort plan edit --role lead --email "anna at muster" &&
	expect_contains "$ERR" "contacts.lead.email" &&
	expect_exit 6 fort plan edit --role technical --phone "call me" &&
	expect_contains "$ERR" "contacts.technical.phone" &&
	expect_exit 6 fort plan edit --role wizard --name X &&
	expect_contains "$ERR" "--role" &&
	expect_exit 6 fort plan edit --country XX &&
	expect_contains "$ERR" "country" &&
	expect_exit 2 fort plan edit --name "Nobody" &&
	expect_exit 0 fort plan show --json &&
	expect_eq "$(jq_ "$OUT" "d[\"contacts\"][\"lead\"][\"email\"]")" lead-q7@muster.example unchanged
'

test_expect 'plan edit --file: validated whole, the bad field named' '
	expect_exit 0 fort plan show --json &&
	"$PYTHON" -c "
import json,sys
d=json.load(open(sys.argv[1]))
d[\"playbooks\"][1][\"steps\"][0][\"owner\"]=\"boss\"
json.dump(d, open(sys.argv[2], \"w\"))
d[\"playbooks\"][1][\"steps\"][0][\"owner\"]=\"technical\"; d[\"contacts\"][\"lawyer\"][\"name\"]=\"Kanzlei Neu\"
json.dump(d, open(sys.argv[3], \"w\"))" "$OUT" "$TRASH/bad.json" "$TRASH/good.json" &&
	expect_exit 6 fort plan edit --file "$TRASH/bad.json" &&
	expect_contains "$ERR" "playbooks[1].steps[0].owner" &&
	printf "{not json" >"$TRASH/broken.json" &&
	expect_exit 6 fort plan edit --file "$TRASH/broken.json" &&
	expect_exit 0 fort plan edit --file "$TRASH/good.json" &&
	expect_exit 0 fort plan show --json &&
	expect_eq "$(jq_ "$OUT" "d[\"contacts\"][\"lawyer\"][\"name\"]")" "Kanzlei Neu" replaced
'

test_expect 'one authority: the plan follows the business, and so do the letters (issue 12 items 1-2)' '
	expect_exit 0 fort business show --json &&
	expect_eq "$(jq_ "$OUT" "d[\"authority\"][\"code\"]")" DE-BY "the Land authority" &&
	expect_exit 0 fort plan edit --country FR &&
	expect_exit 0 fort business show --json &&
	expect_eq "$(jq_ "$OUT" "d[\"authority\"][\"code\"]")" FR "the business moved with the plan" &&
	expect_exit 0 fort plan export --format md --out "$TRASH/plan-fr.md" &&
	expect_contains "$TRASH/plan-fr.md" "(CNIL)" &&
	expect_not_contains "$TRASH/plan-fr.md" "BayLDA" &&
	expect_exit 6 fort business set --state California &&
	expect_contains "$ERR" "--state" &&
	expect_exit 0 fort business show --json &&
	expect_eq "$(jq_ "$OUT" "d[\"state\"]")" "" "unchanged"
'

test_done
