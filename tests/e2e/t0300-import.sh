#!/usr/bin/env bash
# t0300-import: importing clients from CSV (delimiters, BOM, Windows-1252,
# quoted newlines, header names, --map), vCard 3.0/4.0, JSON and JSON Lines;
# all-or-nothing on bad rows, --skip-invalid --rejects, duplicates; export.
set -u
. "$E2E_LIB"

init_vault
D=$E2E_DATA
fort map show --json >"$TRASH/map.json" 2>/dev/null

# value_of EMAIL FIELD: the stored value of FIELD of the client with EMAIL,
# read from one `client export` per purpose and import (fewer unlocks than
# a `client get --reveal` per value).
_gen=0
value_of() {
	local p f
	p=$(util purpose "$TRASH/map.json" "$2") || { echo "<no purpose for $2>"; return 1; }
	f=$TRASH/export-$p-$_gen.json
	if [ ! -s "$f" ]; then
		fort client export --purpose "$p" --format json >"$f" 2>"$TRASH/export.err" ||
			{ rm -f "$f"; echo "<export failed: $(cat "$TRASH/export.err")>"; return 1; }
	fi
	util lookup "$f" email "$1" "$2"
}

# import_ok ARGS...: client import ARGS succeeds.
import_ok() {
	_gen=$((_gen + 1))
	expect_exit 0 fort client import "$@"
}

# expect_found EMAIL...: each email finds exactly one client.
expect_found() {
	local e n
	for e in "$@"; do
		run fort client find "email=$e"
		n=$(grep -c "^c-[0-9a-f]\{16\}$" "$OUT")
		[ "$RC" = 0 ] && [ "$n" = 1 ] || _fail "find email=$e: exit $RC, $n ids"
	done
	[ "$_e2e_failed_here" = 0 ]
}

test_expect 'import a comma-separated CSV' '
	import_ok "$D/import-comma.csv" &&
	expect_contains "$OUT" "imported 3 clients from" &&
	expect_contains "$OUT" "import-comma.csv" &&
	expect_contains "$OUT" "(csv)" &&
	expect_eq "$(status_get clients)" 3 clients &&
	expect_found anna.berger@example.com bernd.kraus@example.com clara.vogel@example.com &&
	expect_eq "$(value_of bernd.kraus@example.com phone)" "+49303456789" "phone (E.164)" &&
	expect_eq "$(value_of anna.berger@example.com full_name)" "Anna Berger" full_name
'

test_expect 'import a semicolon CSV with CRLF and headers "Name";"E-mail";"Phone"' '
	import_ok "$D/import-semicolon.csv" &&
	expect_contains "$OUT" "imported 2 clients" &&
	expect_found dieter.lang@example.com eva.roth@example.com &&
	expect_eq "$(value_of dieter.lang@example.com full_name)" "Dieter Lang" full_name &&
	expect_eq "$(value_of dieter.lang@example.com phone)" "+49891234567" phone
'

test_expect 'import a tab-separated file' '
	import_ok "$D/import-tab.tsv" &&
	expect_contains "$OUT" "imported 2 clients" &&
	expect_found felix.hahn@example.com greta.lorenz@example.com &&
	expect_eq "$(value_of felix.hahn@example.com company)" "Hahn & Söhne KG" company
'

test_expect 'import a CSV that starts with a UTF-8 BOM' '
	import_ok "$D/import-bom.csv" &&
	expect_contains "$OUT" "imported 1 client" &&
	expect_eq "$(value_of frieda.weiss@example.com full_name)" "Frieda Weiß" full_name
'

test_expect 'import a Windows-1252 CSV: umlauts, ß and € arrive as UTF-8' '
	import_ok "$D/import-cp1252.csv" &&
	expect_contains "$OUT" "imported 1 client" &&
	expect_eq "$(value_of juergen.mueller@example.com full_name)" "Jürgen Müller" full_name &&
	expect_eq "$(value_of juergen.mueller@example.com postal_address)" "Große Straße 7, 20095 Hamburg" postal_address &&
	expect_eq "$(value_of juergen.mueller@example.com notes)" "Budget 500 € für Prüfung" notes
'

test_expect 'import a CSV with a newline inside a quoted field' '
	import_ok "$D/import-quoted-newline.csv" &&
	expect_contains "$OUT" "imported 2 clients" &&
	expect_eq "$(value_of hanna.ziegler@example.com postal_address)" "Lindenallee 3
14050 Berlin" postal_address &&
	expect_eq "$(value_of ingo.wolf@example.com postal_address)" "Am Markt 1, 04109 Leipzig" postal_address
'

test_expect 'import with --map COLUMN=FIELD (and COLUMN=- to ignore one)' '
	c0=$(status_get clients) &&
	import_ok "$D/import-map.csv" --map Kundenname=full_name \
		--map Mail=email --map Mobil=phone --map Intern=- &&
	expect_contains "$OUT" "imported 2 clients" &&
	expect_eq "$(status_get clients)" "$((c0 + 2))" clients &&
	expect_eq "$(value_of karin.sommer@example.com full_name)" "Karin Sommer" full_name &&
	expect_eq "$(value_of ludwig.winter@example.com phone)" "+491723456789" phone
'

test_expect 'import vCard 3.0: folded lines, escapes, ADR, ORG, BDAY, preferred EMAIL' '
	import_ok "$D/import-v3.vcf" &&
	expect_contains "$OUT" "imported 2 clients" &&
	expect_contains "$OUT" "(vcard)" &&
	expect_found jonas.kaiser@example.com lena.fuchs@example.com &&
	expect_exit 3 fort client find email=lena.home@example.com &&
	expect_eq "$(value_of jonas.kaiser@example.com full_name)" "Jonas Kaiser" full_name &&
	expect_eq "$(value_of jonas.kaiser@example.com company)" "Kaiser Bau GmbH" company &&
	expect_eq "$(value_of jonas.kaiser@example.com postal_address)" "Bahnhofstr. 12, Köln, 50667, Germany" postal_address &&
	expect_eq "$(value_of jonas.kaiser@example.com date_of_birth)" "1979-05-23" date_of_birth &&
	expect_eq "$(value_of jonas.kaiser@example.com notes)" "Prefers calls in the morning, not after 6pm.
Second line of the note" notes &&
	expect_eq "$(value_of lena.fuchs@example.com phone)" "+492219876543" phone
'

test_expect 'import vCard 4.0: PREF=1 email, N-only card' '
	import_ok "$D/import-v4.vcf" --format vcard &&
	expect_contains "$OUT" "imported 2 clients" &&
	expect_found mia.hoffmann@example.com otto.neumann@example.com &&
	expect_exit 3 fort client find email=mia.work@example.com &&
	expect_eq "$(value_of mia.hoffmann@example.com phone)" "+4915123456789" phone &&
	expect_eq "$(value_of mia.hoffmann@example.com date_of_birth)" "1990-02-14" date_of_birth &&
	expect_eq "$(value_of mia.hoffmann@example.com postal_address)" "Schlossallee 1, München, 80331, Germany" postal_address &&
	expect_match - "Otto" <<<"$(value_of otto.neumann@example.com full_name)"
'

test_expect 'import vCard 4.0 with a tel: URI phone (TEL;VALUE=uri:tel:+49-...)' '
	import_ok "$D/import-v4-teluri.vcf" &&
	expect_eq "$(value_of petra.uri@example.com phone)" "+491601234567" phone
'

test_expect 'import a JSON array (null is empty) and JSON Lines' '
	import_ok "$D/import-array.json" &&
	expect_contains "$OUT" "imported 2 clients" &&
	expect_contains "$OUT" "(json)" &&
	expect_found nora.schulz@example.com oskar.brandt@example.com &&
	expect_eq "$(value_of nora.schulz@example.com date_of_birth)" "1988-07-01" date_of_birth &&
	import_ok "$D/import-lines.jsonl" &&
	expect_contains "$OUT" "imported 2 clients" &&
	expect_eq "$(value_of rosa.kuehn@example.com full_name)" "Rosa Kühn" full_name &&
	expect_eq "$(value_of quentin.roth@example.com company)" "Roth GbR" company
'

test_expect 'import --json prints a report that parses' '
	printf "full_name,email\nXaver Json,xaver.json@example.com\n" >"$TRASH/work/one.csv" &&
	import_ok "$TRASH/work/one.csv" --json &&
	expect_json "$OUT"
'

test_expect 'a CSV with 2 bad rows: exit 6, both listed with line and column, nothing imported' '
	c0=$(status_get clients) &&
	expect_exit 6 fort client import "$D/import-bad.csv" &&
	expect_match "$ERR" "import-bad\.csv: line 3, column [^:]*\\b(iban|4)\\b[^:]*: " &&
	expect_match "$ERR" "import-bad\.csv: line 6, column [^:]*\\b(email|2)\\b[^:]*: " &&
	expect_no_match "$ERR" "line (2|4|5|7)," &&
	expect_not_contains "$ERR" "DE00100200300000000002" &&
	expect_not_contains "$ERR" "sven.ott.example.com" &&
	expect_not_contains "$ERR" "Quirin" &&
	expect_eq "$(status_get clients)" "$c0" "clients (nothing imported)" &&
	expect_exit 3 fort client find email=paul.keller@example.com
'

test_expect '--skip-invalid --rejects FILE imports the good rows and keeps the bad ones' '
	c0=$(status_get clients) &&
	import_ok "$D/import-bad.csv" --skip-invalid --rejects "$TRASH/work/rejects.csv" &&
	expect_contains "$OUT" "imported 3 clients" &&
	expect_eq "$(status_get clients)" "$((c0 + 3))" clients &&
	expect_found paul.keller@example.com rita.meier@example.com tina.graf@example.com &&
	expect_exit 3 fort client find email=quirin.bad@example.com &&
	expect_eq "$(value_of rita.meier@example.com postal_address)" "Ringstraße 9
80331 München" postal_address &&
	expect_file_mode "$TRASH/work/rejects.csv" 600 &&
	expect_contains "$TRASH/work/rejects.csv" "Quirin Bad,quirin.bad@example.com" &&
	expect_contains "$TRASH/work/rejects.csv" "Sven Ott,sven.ott.example.com" &&
	expect_not_contains "$TRASH/work/rejects.csv" "Paul Keller" &&
	expect_not_contains "$TRASH/work/rejects.csv" "Rita Meier" &&
	expect_not_contains "$TRASH/work/rejects.csv" "Tina Graf"
'

test_expect 'duplicate rows (in the file, and of an existing client) are reported' '
	c0=$(status_get clients) &&
	expect_exit 6 fort client import "$D/import-dups.csv" &&
	expect_match "$ERR" "line 3(, column [^:]*)?: .*[Dd]uplicate" &&
	expect_match "$ERR" "line 4(, column [^:]*)?: .*[Dd]uplicate" &&
	anna=$(fort client find email=anna.berger@example.com) &&
	expect_match "$ERR" "line 4.*$anna" &&
	grep "line 3" "$ERR" | grep -o "c-[0-9a-f]\{16\}" >"$TRASH/named.ids";
	while read -r named; do
		# an id named in a message must be a client that exists
		fort client get "$named" >/dev/null 2>&1 ||
			_fail "line 3 names client $named, which does not exist (the import was rolled back)"
	done <"$TRASH/named.ids" &&
	expect_no_match "$ERR" "line (2|5)," &&
	expect_not_contains "$ERR" "uwe.dup@" &&
	expect_eq "$(status_get clients)" "$c0" "clients (nothing imported)" &&
	import_ok "$D/import-dups.csv" --skip-invalid --json &&
	expect_json "$OUT" &&
	expect_eq "$(status_get clients)" "$((c0 + 2))" "clients after --skip-invalid" &&
	expect_found uwe.dup@example.com walter.ok@example.com &&
	expect_eq "$(value_of uwe.dup@example.com full_name)" "Uwe Dup" "the first of the duplicates wins"
'

test_expect 'a file that does not exist: exit 3' '
	expect_exit 3 fort client import "$TRASH/work/nope.csv" &&
	expect_error_line
'

# Export.
formula_id=$(fort client add --set "full_name==Formula Person" --set email=formula@example.com 2>"$TRASH/add.err")
P_EXPORT=$(util purpose "$TRASH/map.json" full_name email)
BAD_PURPOSE=$(util denied-purpose "$TRASH/map.json" email)

test_expect 'export --format csv: one row per client, formulas escaped with a quote' '
	expect_match - "^c-[0-9a-f]{16}$" <<<"$formula_id" &&
	n=$(status_get clients) &&
	expect_exit 0 fort client export --purpose "$P_EXPORT" --format csv &&
	cp "$OUT" "$TRASH/work/export.csv" &&
	rows=$("$PYTHON" -c "import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline=\"\", encoding=\"utf-8\")))) - 1)" "$TRASH/work/export.csv") &&
	expect_eq "$rows" "$n" "CSV data rows" &&
	expect_contains "$TRASH/work/export.csv" "'\''=Formula Person" &&
	expect_no_match "$TRASH/work/export.csv" "(^|,)\"?=" &&
	expect_contains "$TRASH/work/export.csv" "anna.berger@example.com" &&
	expect_contains "$TRASH/work/export.csv" "Jürgen Müller"
'

test_expect 'export --format json: one object per client' '
	n=$(status_get clients) &&
	expect_exit 0 fort client export --purpose "$P_EXPORT" --format json &&
	expect_json "$OUT" &&
	got=$(jq_ "$OUT" "len(d) if isinstance(d, list) else len(d[\"clients\"])") &&
	expect_eq "$got" "$n" "exported clients" &&
	expect_contains "$OUT" "=Formula Person"
'

test_expect 'export --field email: only that field' '
	expect_exit 0 fort client export --purpose "$P_EXPORT" --format csv --field email &&
	expect_contains "$OUT" "anna.berger@example.com" &&
	expect_not_contains "$OUT" "Anna Berger" &&
	expect_not_contains "$OUT" "+49"
'

test_expect 'export without --purpose is a usage error; a purpose not allowed exits 5' '
	expect_exit 2 fort client export --format csv &&
	expect_error_line &&
	expect_not_contains "$OUT" "anna.berger" &&
	expect_exit 5 fort client export --purpose "$BAD_PURPOSE" --field email --format csv &&
	expect_not_contains "$OUT" "anna.berger"
'

test_expect 'export -o FILE creates FILE with mode 0600 (umask 022)' '
	expect_exit 0 fort client export --purpose "$P_EXPORT" --format json -o "$TRASH/work/export.json" &&
	expect_file_mode "$TRASH/work/export.json" 600 &&
	expect_json "$TRASH/work/export.json" &&
	expect_contains "$TRASH/work/export.json" "anna.berger@example.com" &&
	expect_not_contains "$OUT" "anna.berger@example.com"
'

test_expect 'the audit chain still verifies after all this' '
	expect_exit 0 fort audit verify &&
	expect_contains "$OUT" "audit chain OK"
'

test_done
