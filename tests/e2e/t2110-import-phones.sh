#!/usr/bin/env bash
# t2110-import-phones: phone numbers are read by libphonenumber in the
# record's own country (its address or vCard ADR), else the vault's with a
# warning; a number that is no number of that country's plan is refused,
# naming the line, the column and the country; `--set` reads a client's
# phone in its own "country" field, whatever order the values come in.
set -u
. "$E2E_LIB"

# val EMAIL FIELD
val() {
	fort client export --purpose identity_verification --format json >"$TRASH/val.json" 2>/dev/null || { echo "<export failed>"; return 1; }
	"$PYTHON" - "$TRASH/val.json" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = [c for c in d if c.get("email") == sys.argv[2]]
print(m[0].get(sys.argv[3], "<absent>") if len(m) == 1 else "<%d clients>" % len(m))
PY
}

init_vault
cat >"$TRASH/world.csv" <<'CSV'
Name,E-mail,Phone,Country
Aiko Tanaka,aiko@example.jp,03-1234-5678,Japan
Liam Smith,liam@example.co.uk,020 7946 0958,United Kingdom
Ana Souza,ana@example.com.br,(11) 96123-4567,Brazil
Bob Miller,bob@example.com,(212) 555-0100,United States
Chloe Dubois,chloe@example.ch,044 668 18 00,Switzerland
Jonas Weber,jonas@example.de,030 901820,
CSV

test_expect 'numbers from six countries, each read in its own country: E.164 by its numbering plan' '
	expect_exit 0 fort client import "$TRASH/world.csv" &&
	expect_contains "$OUT" "imported 6 clients" &&
	expect_eq "$(val aiko@example.jp phone)" "+81312345678" JP &&
	expect_eq "$(val liam@example.co.uk phone)" "+442079460958" GB &&
	expect_eq "$(val ana@example.com.br phone)" "+5511961234567" BR &&
	expect_eq "$(val bob@example.com phone)" "+12125550100" "a US number stays US, never +49" &&
	expect_eq "$(val chloe@example.ch phone)" "+41446681800" CH &&
	expect_eq "$(val jonas@example.de phone)" "+4930901820" "no country: the vault'"'"'s" &&
	expect_contains "$ERR" "warning: 1 phone number without a country code and without a country in the record read as DE numbers"
'

cat >"$TRASH/badjp.csv" <<'CSV'
Name,E-mail,Phone,Country
Kenji Sato,kenji@example.jp,03-1234-567,Japan
Mia Klein,mia@example.de,+49 30 901820,Germany
CSV
test_expect 'a number that is no number in its country'"'"'s plan is refused naming line, column and country; nothing imported' '
	expect_exit 6 fort client import "$TRASH/badjp.csv" &&
	expect_contains "$ERR" "line 2, column Phone: not a valid phone number" &&
	expect_contains "$ERR" "JP" &&
	expect_contains "$ERR" "write it with + and its own country code" &&
	expect_not_contains "$ERR" "03-1234-567" &&
	expect_eq "$(status_get clients)" 6 "nothing imported"
'

cat >"$TRASH/us.vcf" <<'VCF'
BEGIN:VCARD
VERSION:3.0
FN:Dana Scott
EMAIL:dana@example.com
TEL;TYPE=cell:(415) 555-2671
ADR;TYPE=home:;;1 Market St;San Francisco;CA;94105;United States
END:VCARD
VCF
test_expect 'a vCard'"'"'s ADR country decides its national phone number' '
	expect_exit 0 fort client import "$TRASH/us.vcf" &&
	expect_eq "$(val dana@example.com phone)" "+14155552671" "US by ADR" &&
	expect_not_contains "$ERR" "read as DE numbers"
'

test_expect '--set reads a phone in the client'"'"'s own country field, given before or after it' '
	expect_exit 0 fort map field add country --type text --category contact --purpose identity_verification &&
	ID=$(add_client --set email=eve@example.com --set phone="(617) 555-0148" --set country="United States") &&
	expect_eq "$(val eve@example.com phone)" "+16175550148" "country given after the phone" &&
	ID2=$(add_client --set email=fay@example.com --set phone="030 901821") &&
	expect_eq "$(val fay@example.com phone)" "+4930901821" "no country: the vault'"'"'s" &&
	expect_exit 0 fort client edit "$ID2" --set phone="03-1234-5679" --set country=JP &&
	expect_eq "$(val fay@example.com phone)" "+81312345679" "edit: the new country" &&
	expect_exit 6 fort client add --set email=gus@example.com --set country=JP --set phone="03-1234-567" &&
	expect_contains "$ERR" "JP"
'

test_done
