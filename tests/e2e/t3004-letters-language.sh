#!/usr/bin/env bash
# t3004-letters-language: letters to clients in the client's language
# (issue 18 item 4).  A client whose language is German gets a German
# breach letter (every Art. 34(2) element under its German heading, dates
# written the German way) and a German access letter; one whose language
# is not known gets English; --language overrides; the business's default
# language is the fall-back; a language Fortress does not write (a
# consent given in pt-BR) falls back to English; a bad language changes
# nothing; the stored
# language is sealed (an edit with sqlite3, or psql on PostgreSQL, is caught); no raw text key is
# ever printed.
set -u
. "$E2E_LIB"

init_vault --state DE-BY --email privacy@muster.example --address "Hauptstrasse 1, 91522 Ansbach"
DE=$(add_client --set full_name="Klara Schmidt" --set email="klara@example.org" --language de)
EN=$(add_client --set full_name="John Smith" --set email="john@example.org")
PT=$(add_client --set full_name="Pedro Alves" --set email="pedro@example.org")
printf 'Newsletter: monthly offers.\n' >"$TRASH/notice.txt"
run fort consent grant "$PT" marketing --channel web --language pt-BR --notice-file "$TRASH/notice.txt"
EXPORT=$TRASH/work/clients.csv

test_expect 'a language Fortress does not write is refused, naming it; nothing changes' '
	expect_exit 6 fort client add --set full_name="X Y" --set email="x@example.org" --language xx &&
	expect_error_line && expect_contains "$ERR" "--language xx" &&
	expect_exit 0 fort client list --json &&
	expect_eq "$(jq_ "$OUT" "len(d)")" 3 clients &&
	expect_exit 6 fort client edit "$EN" --language klingon &&
	expect_contains "$ERR" "klingon" &&
	expect_exit 6 fort business set --language tlh &&
	expect_contains "$ERR" "tlh"
'

test_expect 'the incident and its letters: the German client gets a German letter, every element present' '
	expect_exit 0 fort client export --purpose billing --format csv -o "$EXPORT" &&
	rm "$EXPORT" &&
	expect_exit 0 fort incident open "Laptop gestohlen" --kind lost-device \
		--occurred 2026-12-06T07:30:00Z --aware 2026-12-06T16:00:00Z --json &&
	expect_exit 0 fort incident scope 1 --export "$EXPORT" &&
	expect_exit 0 fort incident assess 1 --likelihood 3 --severity 3 --encrypted no --key-compromised no \
		--contact "Anna Muster, privacy@muster.example, +49 30 1234567" &&
	expect_exit 0 fort incident log 1 fact "Ein Laptop mit einem Export wurde aus einem Auto gestohlen." &&
	expect_exit 0 fort incident log 1 effect "Namen und E-Mail-Adressen koennten fuer Phishing genutzt werden." &&
	expect_exit 0 fort incident log 1 remedy "Anzeige erstattet; das Konto des Laptops wurde gesperrt." &&
	expect_exit 0 fort incident letters 1 --out "$TRASH/letters" --format text,pdf --as-of 2026-12-07T10:00:00Z --json &&
	expect_eq "$(jq_ "$OUT" "d[\"letters\"]")" 4 letters &&
	L="$TRASH/letters/$DE.md" &&
	expect_contains "$L" "# Benachrichtigung über eine Verletzung des Schutzes personenbezogener Daten" &&
	expect_contains "$L" "Guten Tag Klara Schmidt," &&
	expect_contains "$L" "## Was ist geschehen" &&
	expect_contains "$L" "Am 6. Dezember 2026 (UTC) ist Folgendes geschehen: Laptop gestohlen." &&
	expect_contains "$L" "## Welche Daten betroffen sind" &&
	expect_contains "$L" "## Was wir unternehmen" &&
	expect_contains "$L" "## Was das für Sie bedeuten kann" &&
	expect_contains "$L" "## Was Sie tun können" &&
	expect_contains "$L" "Rechnen Sie mit mehr Spam" &&
	expect_contains "$L" "## Weitere Informationen" &&
	expect_contains "$L" "Mit freundlichen Grüßen" &&
	expect_not_contains "$L" "What happened" &&
	pdftotext "$TRASH/letters/$DE.pdf" "$TRASH/de.txt" &&
	expect_contains "$TRASH/de.txt" "Was Sie tun können" &&
	expect_not_contains "$L" "letter." &&
	E="$TRASH/letters/$EN.md" &&
	expect_contains "$E" "## What happened" &&
	expect_contains "$E" "Dear John Smith," &&
	expect_contains "$E" "On 2026-12-06 (UTC) the following happened" &&
	expect_not_contains "$E" "letter." &&
	expect_contains "$TRASH/letters/authority.md" "## Nature of the breach" &&
	P="$TRASH/letters/$PT.md" &&
	expect_contains "$P" "Dear Pedro Alves," &&
	expect_contains "$P" "## What you can do" &&
	expect_not_contains "$P" "letter." &&
	expect_not_contains "$P" "{"
'

test_expect 'every client letter in French with --language fr' '
	expect_exit 0 fort incident letters 1 --out "$TRASH/letters-fr" --format text --as-of 2026-12-07T10:00:00Z --clients-only --language fr &&
	expect_contains "$TRASH/letters-fr/$EN.md" "## Ce qui s'"'"'est passé" &&
	expect_contains "$TRASH/letters-fr/$EN.md" "Le 6 décembre 2026 (UTC)" &&
	expect_contains "$TRASH/letters-fr/$DE.md" "## Ce que vous pouvez faire" &&
	expect_not_contains "$TRASH/letters-fr/$DE.md" "letter."
'

test_expect 'the business default language is the fall-back of a client whose language is not known' '
	expect_exit 0 fort business set --language it &&
	expect_exit 0 fort business show --json &&
	expect_eq "$(jq_ "$OUT" "d[\"language\"]")" it language &&
	expect_exit 0 fort incident letters 1 --out "$TRASH/letters-it" --format text --as-of 2026-12-07T10:00:00Z --clients-only &&
	expect_contains "$TRASH/letters-it/$EN.md" "## Che cosa è successo" &&
	expect_contains "$TRASH/letters-it/$DE.md" "## Was ist geschehen" &&
	expect_exit 0 fort business set --language "" &&
	expect_exit 0 fort client edit "$DE" --language "" &&
	expect_exit 0 fort incident letters 1 --out "$TRASH/letters-en" --format text --as-of 2026-12-07T10:00:00Z --clients-only &&
	expect_contains "$TRASH/letters-en/$DE.md" "## What happened" &&
	expect_exit 0 fort client edit "$DE" --language de
'

test_expect 'the stored language is sealed: changed with sqlite3, the letters are refused' '
	vault_save saved &&
	pg_or_sqlite_sql "UPDATE meta SET v = replace(v, \"\"\"de\"\"\", \"\"\"fr\"\"\") WHERE k = \"client_languages\"" \
		"UPDATE meta SET v = convert_to(replace(convert_from(v, '\''UTF8'\''), '\''\"de\"'\'', '\''\"fr\"'\''), '\''UTF8'\'') WHERE k = '\''client_languages'\''" &&
	expect_exit 8 fort incident letters 1 --out "$TRASH/letters-t" --format text --as-of 2026-12-07T10:00:00Z --clients-only &&
	expect_error_line &&
	vault_restore saved
'

test_expect 'the access letter in German for the German client' '
	expect_exit 0 fort request open access "$DE" --received 2026-12-01 --json &&
	RQ=$(jq_ "$OUT" "d[\"id\"]") &&
	expect_exit 0 fort request fulfil "$RQ" --out "$TRASH/pkg" &&
	expect_contains "$TRASH/pkg/letter.md" "# Ihre personenbezogenen Daten bei Muster Steuerberatung" &&
	expect_contains "$TRASH/pkg/letter.md" "Ihr Auskunftsersuchen vom 1. Dezember 2026" &&
	expect_contains "$TRASH/pkg/letter.md" "## 5. Ihre Rechte (Art. 15 Abs. 1 lit. e DSGVO)" &&
	expect_contains "$TRASH/pkg/letter.md" "## 6. Ihr Beschwerderecht" &&
	expect_not_contains "$TRASH/pkg/letter.md" "Your rights" &&
	expect_not_contains "$TRASH/pkg/letter.md" "access.h" &&
	expect_exit 0 fort request open access "$DE" --received 2026-12-02 &&
	expect_exit 0 fort request fulfil 2 --out "$TRASH/pkg-nl" --language nl &&
	expect_contains "$TRASH/pkg-nl/letter.md" "Uw inzageverzoek van 2 december 2026" &&
	expect_exit 0 fort request open access "$DE" --received 2026-12-03 &&
	expect_exit 6 fort request fulfil 3 --out "$TRASH/pkg-xx" --language xx &&
	expect_error_line && expect_contains "$ERR" "xx" &&
	[ ! -e "$TRASH/pkg-xx" ] &&
	expect_exit 0 fort request list --json &&
	expect_contains "$OUT" "received" &&
	expect_exit 0 fort audit verify
'

test_expect 'the erasure certificate in words in German, read before the erasure drops the language' '
	expect_exit 0 fort request open erasure "$DE" --received 2026-12-04 --json &&
	RQ=$(jq_ "$OUT" "d[\"id\"]") &&
	expect_exit 0 fort request fulfil "$RQ" --certificate "$TRASH/klara-erasure.json" &&
	C="$TRASH/klara-erasure.json.letter.md" &&
	expect_contains "$C" "# Löschung Ihrer personenbezogenen Daten (Art. 17 DSGVO)" &&
	expect_contains "$C" "Ihr Löschersuchen vom 4. Dezember 2026" &&
	expect_contains "$C" "## Was wir gelöscht haben" &&
	expect_contains "$C" "## Nachweis" &&
	expect_not_contains "$C" "erasure." &&
	expect_exit 0 fort verify-certificate "$TRASH/klara-erasure.json" &&
	pg_or_sqlite_sql "SELECT CAST(v AS TEXT) FROM meta WHERE k = \"client_languages\"" \
		"SELECT convert_from(v, '\''UTF8'\'') FROM meta WHERE k = '\''client_languages'\''" >"$TRASH/languages" &&
	expect_not_contains "$TRASH/languages" "$DE" &&
	expect_exit 0 fort audit verify
'

test_done
