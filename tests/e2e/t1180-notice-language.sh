#!/usr/bin/env bash
# t1180-notice-language: the privacy notice in a language (issue 18 item
# 4).  `notice show --language fr` writes the notice's own texts in French
# (the data map's words as the business wrote them, a footnote saying so);
# each language is published on its own, and a consent recorded in French
# points to the French notice; an unknown language is refused and nothing
# is published; English stays what it was; no raw text key is printed.
set -u
. "$E2E_LIB"

init_vault --country FR
CID=$(add_client --set full_name="Jeanne Martin" --set email="jeanne@example.fr")

test_expect 'the notice in French: its texts translated, the data map as written, a footnote' '
	expect_exit 0 fort notice show --language fr &&
	expect_contains "$OUT" "# Politique de confidentialité : Muster Steuerberatung" &&
	expect_contains "$OUT" "## Ce que nous détenons à votre sujet" &&
	expect_contains "$OUT" "## Pourquoi nous les utilisons, et sur quelle base juridique" &&
	expect_contains "$OUT" "Base juridique: notre contrat avec vous" &&
	expect_contains "$OUT" "## Vos droits" &&
	expect_contains "$OUT" "Providing the service the client asked for" &&
	expect_contains "$OUT" "tels que Muster Steuerberatung les a rédigés" &&
	expect_not_contains "$OUT" "## Your rights" &&
	expect_not_contains "$OUT" "notice." &&
	expect_not_contains "$OUT" "basis." &&
	expect_exit 0 fort notice show --language fr --format html &&
	expect_contains "$OUT" "<html lang=\"fr\">" &&
	expect_contains "$OUT" "<title>Politique de confidentialité : Muster Steuerberatung</title>"
'

test_expect 'English is what it was: no footnote, its own version' '
	expect_exit 0 fort notice show &&
	expect_contains "$OUT" "# Privacy notice: Muster Steuerberatung" &&
	expect_contains "$OUT" "## Your rights" &&
	expect_not_contains "$OUT" "as Muster Steuerberatung wrote them" &&
	expect_exit 0 fort notice show --language en &&
	expect_contains "$OUT" "## Your rights"
'

test_expect 'an unknown language is refused, naming it; nothing is published' '
	expect_exit 6 fort notice show --language xx &&
	expect_error_line && expect_contains "$ERR" "xx" &&
	expect_exit 6 fort notice publish --language pt &&
	expect_contains "$ERR" "pt" &&
	expect_exit 0 fort audit log --json &&
	expect_not_contains "$OUT" "notice-publish"
'

test_expect 'each language published on its own; a consent in French points to the French notice' '
	expect_exit 0 fort notice publish --json &&
	EN=$(jq_ "$OUT" "d[\"version\"]") &&
	expect_exit 0 fort notice publish --language fr --json &&
	FR=$(jq_ "$OUT" "d[\"version\"]") &&
	expect_ne "$EN" "$FR" versions &&
	expect_exit 0 fort consent grant "$CID" marketing --channel web --language fr &&
	expect_exit 0 fort consent grant "$CID" marketing --channel web &&
	expect_exit 0 fort consent show "$CID" --json &&
	expect_eq "$(jq_ "$OUT" "d[\"history\"][0][\"notice_sha256\"]")" "$FR" french-notice &&
	expect_eq "$(jq_ "$OUT" "d[\"history\"][1][\"notice_sha256\"]")" "$EN" english-notice &&
	expect_exit 0 fort audit verify
'

# the French version's hash swapped for the English one in the sealed meta row
swap_published() {
	pg_or_sqlite_sql "UPDATE meta SET v = replace(CAST(v AS TEXT), \"$1\", \"$2\") WHERE k = \"notice_published_lang\"" \
		"UPDATE meta SET v = convert_to(replace(convert_from(v, 'UTF8'), '$1', '$2'), 'UTF8') WHERE k = 'notice_published_lang'"
}

test_expect 'the published French version is sealed: changed with sqlite3 (psql), verify names it' '
	swap_published "$FR" "$EN" &&
	expect_exit 1 fort audit verify &&
	expect_contains "$OUT" "audit chain BROKEN" && expect_contains "$OUT" "notice published in other languages"
'

test_done
