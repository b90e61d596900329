#!/usr/bin/env bash
# t2100-import-layouts: the contact files people have import with no flags:
# Google Contacts (both layouts), Outlook (UTF-8 and Windows-1252, 3/7/1984
# and 0/0/00 birthdays, an "Account" column), LinkedIn (note lines before
# the header), Thunderbird, Apple vCard, header names in German, French,
# Spanish, Italian and Dutch; unknown columns are named once and ignored
# (--strict-columns refuses); phones by the record's own country; the
# export of one vault imports into another with the same clients.
set -u
. "$E2E_LIB"

D=$FORT_TEST_DATA/import

# fresh: a new, empty vault (country DE)
fresh() {
	vault_remove
	init_vault "$@"
}

# val EMAIL FIELD: FIELD of the client with EMAIL (export for a purpose that allows it)
val() {
	local p
	case $2 in
	postal_address|company|notes) p=service ;;
	*) p=identity_verification ;;
	esac
	fort client export --purpose $p --format json >"$TRASH/val.json" 2>/dev/null || { echo "<export failed>"; return 1; }
	"$PYTHON" - "$TRASH/val.json" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = [c for c in d if c.get("email") == sys.argv[2]]
print(m[0].get(sys.argv[3], "<absent>") if len(m) == 1 else "<%d clients>" % len(m))
PY
}

fresh
test_expect 'Google Contacts (current layout): no flags, names and addresses joined, the first e-mail kept, ignored columns named once' '
	expect_exit 0 fort client import "$D/google-contacts.csv" &&
	expect_contains "$OUT" "imported 3 clients" &&
	expect_eq "$(grep -c "ignored 11 columns that match no field" "$ERR")" 1 "one summary line" &&
	expect_contains "$ERR" "Website 1 - Value" &&
	expect_eq "$(val jana.schmidt@example.com full_name)" "Jana Maria Schmidt" full_name &&
	expect_eq "$(val jana.schmidt@example.com phone)" "+491712345678" phone &&
	expect_eq "$(val jana.schmidt@example.com date_of_birth)" "1984-03-07" dob &&
	expect_eq "$(val jana.schmidt@example.com postal_address)" "Hauptstraße 5, 10115 Berlin, Germany" address &&
	expect_eq "$(val jana.schmidt@example.com company)" "Schmidt Design" company &&
	expect_eq "$(val tom.baker@example.org phone)" "+12125550147" "a US number stays US (the record says United States)" &&
	expect_eq "$(val tom.baker@example.org date_of_birth)" "<absent>" "a birthday without a year" &&
	expect_eq "$(val lucia.garcia@example.es full_name)" "Lucía García López" "accents intact" &&
	expect_eq "$(val lucia.garcia@example.es phone)" "+34612345678" "a Spanish number by its address"
'

fresh
test_expect 'Google Contacts (older layout: Name, Given Name, Family Name)' '
	expect_exit 0 fort client import "$D/google-contacts-old.csv" &&
	expect_contains "$OUT" "imported 2 clients" &&
	expect_eq "$(val karl.weber@example.de full_name)" "Karl Otto Weber" "the Name column wins" &&
	expect_eq "$(val petra.klein@example.de full_name)" "Petra Klein" "joined when Name is empty" &&
	expect_eq "$(val karl.weber@example.de company)" "Weber GmbH" company
'

fresh
test_expect 'Outlook (UTF-8): 3/25/1970 and 3/7/1984 and 0/0/00 birthdays, Account is not an IBAN, an ambiguity warning' '
	expect_exit 0 fort client import "$D/outlook.csv" &&
	expect_contains "$OUT" "imported 3 clients" &&
	expect_contains "$ERR" "Account" &&
	expect_eq "$(val mary.jones@example.com date_of_birth)" "1970-03-25" "25 > 12: month first" &&
	expect_eq "$(val ann.lee@example.com date_of_birth)" "1984-07-03" "day first in a DE vault" &&
	expect_contains "$ERR" "warning: 1 date like 3/7/1984 in column Birthday could be read either way" &&
	expect_contains "$ERR" "--date-order mdy" &&
	expect_eq "$(val juergen.mueller@example.de date_of_birth)" "<absent>" "0/0/00 is no date" &&
	expect_eq "$(val mary.jones@example.com phone)" "+14155550199" "a US number by its address" &&
	expect_eq "$(val mary.jones@example.com postal_address)" "500 Market St, 94105 San Francisco, CA, United States" address
'

fresh
test_expect 'Outlook (Windows-1252) with --date-order mdy: umlauts arrive, 3/7/1984 is 7 March, no warning' '
	expect_exit 0 fort client import --date-order mdy "$D/outlook-cp1252.csv" &&
	expect_eq "$(val juergen.mueller@example.de full_name)" "Jürgen Müller" name &&
	expect_eq "$(val juergen.mueller@example.de company)" "Müller & Söhne" company &&
	expect_eq "$(val ann.lee@example.com date_of_birth)" "1984-03-07" "month first" &&
	expect_not_contains "$ERR" "could be read either way"
'

test_expect 'a bad --date-order is a usage error before anything is read' '
	expect_exit 2 fort client import --date-order ymd "$D/outlook.csv" &&
	expect_contains "$ERR" "dmy" &&
	expect_eq "$(status_get clients)" 3 "nothing more"
'

fresh
test_expect 'LinkedIn: the note lines before the header are skipped' '
	expect_exit 0 fort client import "$D/linkedin.csv" &&
	expect_contains "$OUT" "imported 2 clients" &&
	expect_contains "$ERR" "ignored 3 columns that match no field: URL, Position, Connected On" &&
	expect_eq "$(val sofia.rossi@example.it full_name)" "Sofia Rossi" name &&
	expect_eq "$(val pieter@example.nl full_name)" "Pieter de Vries" name
'

test_expect '--strict-columns refuses the same file, naming the columns, and imports nothing' '
	fresh &&
	expect_exit 6 fort client import --strict-columns "$D/linkedin.csv" &&
	expect_contains "$ERR" "URL" &&
	expect_contains "$ERR" "Connected On" &&
	expect_contains "$ERR" "--map" &&
	expect_eq "$(status_get clients)" 0 clients
'

fresh
test_expect 'Thunderbird: Display Name, Birth Year/Month/Day, Mobile Number in Austria' '
	expect_exit 0 fort client import "$D/thunderbird.csv" &&
	expect_eq "$(val greta.lorenz@example.at full_name)" "Greta Lorenz" name &&
	expect_eq "$(val greta.lorenz@example.at date_of_birth)" "1990-06-15" dob &&
	expect_eq "$(val greta.lorenz@example.at phone)" "+4315551234" phone
'

fresh
test_expect 'Apple Contacts vCard' '
	expect_exit 0 fort client import "$D/apple.vcf" &&
	expect_eq "$(val yuki@example.jp full_name)" "Yuki Nakamura" name &&
	expect_eq "$(val yuki@example.jp phone)" "+819012345678" phone
'

fresh
test_expect 'header names in German, French, Spanish, Italian and Dutch' '
	for l in de fr es it nl; do
		fort client import "$D/headers-$l.csv" >"$TRASH/$l.out" 2>"$TRASH/$l.err" ||
			{ _fail "headers-$l.csv: $(cat "$TRASH/$l.err")"; return 1; }
		if grep -q "ignored" "$TRASH/$l.err"; then _fail "headers-$l.csv: $(cat "$TRASH/$l.err")"; return 1; fi
	done &&
	expect_eq "$(val heike.braun@example.de full_name)" "Heike Braun" de &&
	expect_eq "$(val heike.braun@example.de postal_address)" "Lindenallee 4, 10115 Berlin, Deutschland" de-address &&
	expect_eq "$(val heike.braun@example.de date_of_birth)" "1984-03-07" de-dob &&
	expect_eq "$(val elodie.martin@example.fr full_name)" "Élodie Martin" fr &&
	expect_eq "$(val elodie.martin@example.fr phone)" "+33123456789" "fr phone by Pays" &&
	expect_eq "$(val elodie.martin@example.fr date_of_birth)" "1985-12-25" fr-dob &&
	expect_eq "$(val jose.fernandez@example.es full_name)" "José Fernández Ruiz" es &&
	expect_eq "$(val giulia.bianchi@example.it company)" "Bianchi Srl" it &&
	expect_eq "$(val giulia.bianchi@example.it phone)" "+390612345678" "it keeps its 0" &&
	expect_eq "$(val jan.vandijk@example.nl full_name)" "Jan van Dijk" nl &&
	expect_eq "$(val jan.vandijk@example.nl phone)" "+31201234567" nl-phone
'

test_expect 'round trip: the CSV and the JSON export import into new vaults with the same clients' '
	fort client export --purpose service --format csv >"$TRASH/exp.csv" 2>/dev/null &&
	fort client export --purpose service --format json >"$TRASH/exp.json" 2>/dev/null &&
	grep -q "'"'"'+" "$TRASH/exp.csv" || _fail "the export has no formula-guarded phone to undo" &&
	cut -d, -f2- "$TRASH/exp.csv" >"$TRASH/want.csv" &&
	for f in exp.csv exp.json; do
		FORTRESS_VAULT=$TRASH/rt-$f.fort fort init --country DE --name RT --owner anna --kdf interactive >/dev/null 2>&1 &&
		FORTRESS_VAULT=$TRASH/rt-$f.fort fort client import "$TRASH/$f" >"$TRASH/rt.out" 2>"$TRASH/rt.err" ||
			{ _fail "$f: $(cat "$TRASH/rt.err")"; return 1; }
		FORTRESS_VAULT=$TRASH/rt-$f.fort fort client export --purpose service --format csv 2>/dev/null | cut -d, -f2- >"$TRASH/got.csv" &&
		cmp -s "$TRASH/want.csv" "$TRASH/got.csv" || { _fail "$f: $(diff "$TRASH/want.csv" "$TRASH/got.csv" | head -5)"; return 1; }
	done
'

fresh
test_expect '--rejects keeps the delimiter and header of the input, is written whole (no temporary left), and imports once fixed' '
	printf "Vorname;Nachname;E-Mail-Adresse\nAnna;Berg;anna.berg@example.de\nBodo;Bad;bodo.bad(at)example.de\n" >"$TRASH/semi.csv" &&
	expect_exit 0 fort client import --skip-invalid --rejects "$TRASH/rej.csv" "$TRASH/semi.csv" &&
	expect_eq "$(head -n 1 "$TRASH/rej.csv")" "\"Vorname\";\"Nachname\";\"E-Mail-Adresse\"" header &&
	expect_eq "$(sed -n 2p "$TRASH/rej.csv")" "Bodo;Bad;bodo.bad(at)example.de" row &&
	expect_file_mode "$TRASH/rej.csv" 600 &&
	expect_eq "$(ls "$TRASH" | grep -c "rej.csv.tmp")" 0 "temporary files" &&
	sed -i "s/(at)/@/" "$TRASH/rej.csv" &&
	expect_exit 0 fort client import "$TRASH/rej.csv" &&
	expect_eq "$(val bodo.bad@example.de full_name)" "Bodo Bad" "the fixed row"
'

test_expect 'an import that fails leaves no rejects file' '
	printf "name,email\nX Y,x@example.de\n" >"$TRASH/dup.csv" &&
	rm -f "$TRASH/rej2.csv" &&
	expect_exit 0 fort client import "$TRASH/dup.csv" &&
	expect_exit 0 fort client import --skip-invalid --rejects "$TRASH/rej2.csv" "$TRASH/dup.csv" &&
	expect_contains "$TRASH/rej2.csv" "X Y,x@example.de" &&
	rm -f "$TRASH/rej2.csv" &&
	printf "name,email\nX Y,x@example.de\nZ,\"unterminated\n" >"$TRASH/broken.csv" &&
	expect_exit 6 fort client import --skip-invalid --rejects "$TRASH/rej2.csv" "$TRASH/broken.csv" &&
	expect_contains "$ERR" "unterminated" &&
	{ [ ! -e "$TRASH/rej2.csv" ] || _fail "a rejects file after a failed import"; } &&
	expect_eq "$(ls "$TRASH" | grep -c "rej2.csv.tmp")" 0 "temporary files"
'

fresh
test_expect 're-importing clients without e-mail or phone does not double them; same name alone is a possible duplicate' '
	printf "Name,Geburtsdatum,Firma\nOtto Ohne,1950-01-02,Ohne AG\nOtto Ohne,1960-05-05,\nEva Einzig,,\n" >"$TRASH/noemail.csv" &&
	expect_exit 0 fort client import "$TRASH/noemail.csv" &&
	expect_eq "$(status_get clients)" 3 clients &&
	expect_exit 6 fort client import "$TRASH/noemail.csv" &&
	expect_contains "$ERR" "line 2: duplicate: client c-" &&
	expect_contains "$ERR" "already has the same full_name, company, date_of_birth" &&
	expect_not_contains "$ERR" "line 4: duplicate" &&
	expect_contains "$ERR" "1 client without e-mail or phone shares a name with a client already in the vault but not all other values: possible duplicate" &&
	expect_exit 0 fort client import --skip-invalid "$TRASH/noemail.csv" &&
	expect_contains "$OUT" "imported 1 clients" &&
	expect_eq "$(status_get clients)" 4 "the two Ottos not doubled (Eva, a name alone, is only a possible duplicate)" &&
	printf "Name,Geburtsdatum\nOtto Ohne,1970-07-07\n" >"$TRASH/other-otto.csv" &&
	expect_exit 0 fort client import "$TRASH/other-otto.csv" &&
	expect_contains "$ERR" "possible duplicate" &&
	expect_eq "$(status_get clients)" 5 "another Otto"
'

fresh
test_expect 'vCard KIND:group cards are skipped with a note; a file of groups only is refused saying so' '
	expect_exit 0 fort client import "$D/group-and-person.vcf" &&
	expect_contains "$OUT" "imported 1 client" &&
	expect_contains "$ERR" "1 contact group (vCard KIND:group) skipped" &&
	expect_eq "$(val rita@example.com full_name)" "Rita Roth" person &&
	expect_exit 6 fort client import "$D/vobject-vcard40_group.vcf" &&
	expect_contains "$ERR" "only contact groups" &&
	expect_eq "$(status_get clients)" 1 "the group is no client"
'

test_expect 'a spreadsheet (.xlsx, .ods, even renamed) is refused with "save it as CSV UTF-8", no flag suggested' '
	"$PYTHON" -c "
import zipfile, sys
for n in sys.argv[1:]:
    with zipfile.ZipFile(n, \"w\") as z:
        z.writestr(\"mimetype\", \"application/vnd.oasis.opendocument.spreadsheet\")
        z.writestr(\"content.xml\", \"<x/>\")
" "$TRASH/clients.xlsx" "$TRASH/clients.ods" "$TRASH/clients-export" &&
	for f in clients.xlsx clients.ods clients-export; do
		expect_exit 6 fort client import "$TRASH/$f" || return 1
		expect_contains "$ERR" "save it as \"CSV UTF-8\"" || return 1
		expect_not_contains "$ERR" "--format" || return 1
	done
'

test_done
