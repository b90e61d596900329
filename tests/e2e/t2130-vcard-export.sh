#!/usr/bin/env bash
# t2130-vcard-export: `client export --format vcard` writes vCard 4.0 (RFC
# 6350: CRLF, lines folded at 75 octets, TEXT escapes) that imports into a
# new vault as the same clients, both ways: from a vault to vCard and back,
# and from someone else's vCard through a vault and its vCard export.
set -u
. "$E2E_LIB"

A=$FORTRESS_VAULT
newvault() {
	rm -f "$1" "$1"-wal "$1"-shm
	FORTRESS_VAULT=$1 fort init --name RT --owner anna --kdf interactive --country DE >/dev/null 2>&1 ||
		{ _fail "init $1"; return 1; }
}
# csv VAULT PURPOSE: the vault's clients for PURPOSE, CSV without the id column, sorted
csv() {
	FORTRESS_VAULT=$1 fort client export --purpose "$2" --format csv 2>/dev/null | cut -d, -f2- | sort
}

init_vault
NOTE="first line
second; line, with \\ a backslash and a very long text that goes past seventy-five octets: ÄÖÜ äöü ß 安藤ロイド Ελένη"
test_expect 'clients with every default field, odd characters and long values' '
	add_client --set full_name="Jörg Müller; Jr." --set email=joerg@example.com --set phone="+49 30 901820" \
		--set postal_address="Hauptstraße 5, 10115 Berlin, Germany" --set company="Müller, Söhne & Co" \
		--set date_of_birth=1984-03-07 --set notes="$NOTE" --set tax_id=DE123456789 \
		--set iban="DE89 3704 0044 0532 0130 00" >/dev/null &&
	add_client --set full_name="安藤 ロイド" --set phone="+81 3 1234 5678" --set company="グーグル, 検索部門" >/dev/null &&
	add_client --set full_name="Otto Ohne" --set date_of_birth=1950-01-02 >/dev/null &&
	add_client --set full_name="Ana Souza" --set email=ana@example.com.br --set postal_address="Rua A, 10, São Paulo, Brazil" >/dev/null
'

test_expect 'the vCard is 4.0: CRLF lines of at most 75 octets, FN and UID on every card' '
	expect_exit 0 fort client export --purpose service --format vcard -o "$TRASH/a.vcf" &&
	expect_contains "$OUT" "exported 4 clients" &&
	expect_eq "$(grep -c "^BEGIN:VCARD" "$TRASH/a.vcf")" 4 cards &&
	expect_eq "$(grep -c "^VERSION:4.0" "$TRASH/a.vcf")" 4 version &&
	expect_eq "$(grep -c "^FN:" "$TRASH/a.vcf")" 4 FN &&
	expect_eq "$(grep -c "^UID:urn:fortress:c-" "$TRASH/a.vcf")" 4 UID &&
	expect_eq "$(grep -vc $'"'"'\r$'"'"' "$TRASH/a.vcf")" 0 "lines without CR" &&
	expect_eq "$(awk "{ if (length(\$0) > 76) n++ } END { print n + 0 }" "$TRASH/a.vcf")" 0 "lines over 75 octets" &&
	expect_contains "$TRASH/a.vcf" "FN:Jörg Müller\\; Jr." &&
	expect_contains "$TRASH/a.vcf" "TEL;VALUE=uri:tel:+4930901820" &&
	expect_contains "$TRASH/a.vcf" "ORG:Müller\\, Söhne & Co" &&
	expect_file_mode "$TRASH/a.vcf" 600
'

for p in service billing tax identity_verification; do
	test_expect "vault -> vCard -> new vault: the same clients for purpose $p, and the same vCard again" '
		fort client export --purpose '$p' --format vcard >"$TRASH/'$p'.vcf" 2>/dev/null &&
		newvault "$TRASH/b-'$p'.fort" &&
		FORTRESS_VAULT=$TRASH/b-'$p'.fort fort client import "$TRASH/'$p'.vcf" >"$TRASH/imp.out" 2>"$TRASH/imp.err" ||
			{ _fail "import: $(cat "$TRASH/imp.err")"; return 1; }
		expect_eq "$(csv "$TRASH/b-'$p'.fort" '$p')" "$(csv "$A" '$p')" "clients" &&
		FORTRESS_VAULT=$TRASH/b-'$p'.fort fort client export --purpose '$p' --format vcard 2>/dev/null | grep -v "^UID:" >"$TRASH/again.vcf" &&
		expect_eq "$(cat "$TRASH/again.vcf")" "$(grep -v "^UID:" "$TRASH/'$p'.vcf")" "the vCard of the copy"
	'
done

test_expect 'someone else'"'"'s vCard -> vault -> vCard -> new vault: the same clients' '
	newvault "$TRASH/c.fort" && newvault "$TRASH/d.fort" &&
	FORTRESS_VAULT=$TRASH/c.fort fort client import "$FORT_TEST_DATA/import/apple.vcf" >/dev/null 2>&1 &&
	FORTRESS_VAULT=$TRASH/c.fort fort client import "$FORT_TEST_DATA/import-samples/android-vcard/v21_japanese_2.vcf" >/dev/null 2>&1 &&
	FORTRESS_VAULT=$TRASH/c.fort fort client export --purpose service --format vcard >"$TRASH/c.vcf" 2>/dev/null &&
	FORTRESS_VAULT=$TRASH/d.fort fort client import "$TRASH/c.vcf" >/dev/null 2>"$TRASH/d.err" ||
		{ _fail "import: $(cat "$TRASH/d.err")"; return 1; }
	expect_ne "$(csv "$TRASH/c.fort" service)" "" "clients in c" &&
	expect_eq "$(csv "$TRASH/d.fort" service)" "$(csv "$TRASH/c.fort" service)" "clients"
'

test_expect 'an unknown --format is a usage error naming the three' '
	expect_exit 2 fort client export --purpose service --format vcf &&
	expect_contains "$ERR" "json, csv or vcard"
'

test_done
