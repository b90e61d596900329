#!/usr/bin/env bash
# t0200-clients: add, get (masked / revealed for a purpose), find through the
# blind index, edit, erase.
set -u
. "$E2E_LIB"

init_vault

NAME='Jana Schmidt'
EMAIL_IN='jana.schmidt@Example.COM'
EMAIL='jana.schmidt@example.com'
PHONE_IN='+49 30 1234567'
ADDRESS='Hauptstraße 5, 10115 Berlin'
COMPANY='Schmidt & Partner GmbH'
DOB='1984-03-12'
TAXID='12/345/67890'
IBAN_IN='DE89 3704 0044 0532 0130 00'
IBAN='DE89370400440532013000'
CARD_IN='4012 8888 8888 1881'
CARD='4012888888881881'
NOTES='prefers letters, speaks Polish'

# Full values that must never show up while masked.
secrets_absent() {
	expect_not_contains "$1" "Jana" &&
	expect_not_contains "$1" "Schmidt" &&
	expect_not_contains "$1" "jana.schmidt" &&
	expect_not_contains "$1" "1234567" &&
	expect_not_contains "$1" "Hauptstra" &&
	expect_not_contains "$1" "Partner" &&
	expect_not_contains "$1" "$DOB" &&
	expect_not_contains "$1" "$TAXID" &&
	expect_not_contains "$1" "$IBAN" &&
	expect_not_contains "$1" "0532 0130" &&
	expect_not_contains "$1" "$CARD" &&
	expect_not_contains "$1" "8888 8888" &&
	expect_not_contains "$1" "Polish"
}

test_expect 'client add with every default field prints the new id' '
	expect_exit 0 fort client add \
		--set full_name="$NAME" --set email="$EMAIL_IN" --set phone="$PHONE_IN" \
		--set postal_address="$ADDRESS" --set company="$COMPANY" \
		--set date_of_birth="$DOB" --set tax_id="$TAXID" --set iban="$IBAN_IN" \
		--set payment_card="$CARD_IN" --set notes="$NOTES" &&
	id=$(head -n 1 "$OUT") &&
	expect_eq "$(wc -l <"$OUT" | tr -d " ")" 1 "lines printed by client add" &&
	expect_match "$OUT" "^c-[0-9a-f]{16}$" &&
	expect_eq "$(status_get clients)" 1 clients
'

test_expect 'the data map lists every default field (map show --json)' '
	expect_exit 0 fort map show --json &&
	expect_json "$OUT" &&
	cp "$OUT" "$TRASH/map.json" &&
	jq_ "$TRASH/map.json" "sorted(map_fields(d))" >"$TRASH/map.fields" &&
	for f in full_name email phone postal_address company date_of_birth tax_id iban payment_card notes; do
		grep -qx "$f" "$TRASH/map.fields" || _fail "map has no field $f"
	done &&
	P_EMAIL=$(util purpose "$TRASH/map.json" email) &&
	P_COMPANY=$(util purpose "$TRASH/map.json" company) &&
	P_ADDR=$(util purpose "$TRASH/map.json" postal_address) &&
	expect_ne "$P_EMAIL" "" "purpose for email"
'
# A purpose the map knows ("tax" in the default map) but does not allow for email.
BAD_PURPOSE=$(util denied-purpose "$TRASH/map.json" email)

test_expect 'client get masks every value by default' '
	expect_exit 0 fort client get "$id" &&
	expect_match "$OUT" "^ *email: +j\*\*\*@example\.com *$" &&
	expect_match "$OUT" "^ *iban: +DE.*3000 *$" &&
	expect_match "$OUT" "^ *payment_card: .*1881 *$" &&
	expect_match "$OUT" "^ *phone: +\+49.*67 *$" &&
	expect_match "$OUT" "^ *full_name: +J\*\*\* S\*\*\* *$" &&
	secrets_absent "$OUT"
'

test_expect 'client get --json: an object with id, created and masked fields' '
	expect_exit 0 fort client get "$id" --json &&
	expect_json "$OUT" &&
	expect_eq "$(jq_ "$OUT" "d[\"id\"]")" "$id" id &&
	jq_ "$OUT" "d[\"created\"]" >/dev/null &&
	expect_eq "$(jq_ "$OUT" "d[\"fields\"][\"email\"][\"value\"]")" "j***@example.com" email &&
	expect_eq "$(jq_ "$OUT" "d[\"fields\"][\"email\"][\"revealed\"]")" false revealed &&
	secrets_absent "$OUT"
'

test_expect 'client get --reveal email --purpose shows the full (normalised) email only' '
	expect_exit 0 fort client get "$id" --reveal email --purpose "$P_EMAIL" &&
	expect_match "$OUT" "^ *email: +jana\.schmidt@example\.com *$" &&
	expect_not_contains "$OUT" "$IBAN" &&
	expect_not_contains "$OUT" "1234567" &&
	expect_exit 0 fort client get "$id" --reveal email --purpose "$P_EMAIL" --json &&
	expect_eq "$(jq_ "$OUT" "d[\"fields\"][\"email\"][\"value\"]")" "$EMAIL" email &&
	expect_eq "$(jq_ "$OUT" "d[\"fields\"][\"email\"][\"revealed\"]")" true revealed &&
	expect_eq "$(jq_ "$OUT" "d[\"fields\"][\"iban\"][\"revealed\"]")" false "iban revealed"
'

test_expect 'the card is stored masked only: even revealed it shows the last 4 digits' '
	P_CARD=$(util purpose "$TRASH/map.json" payment_card) &&
	expect_exit 0 fort client get "$id" --reveal payment_card --purpose "$P_CARD" &&
	expect_match "$OUT" "^ *payment_card: .*1881 *$" &&
	expect_not_contains "$OUT" "$CARD" &&
	expect_not_contains "$OUT" "8888 8888"
'

test_expect '--reveal without --purpose is refused and reveals nothing' '
	expect_exit "2|5" fort client get "$id" --reveal email &&
	expect_error_line &&
	expect_not_contains "$OUT" "jana.schmidt"
'

test_expect 'reveal for a purpose the map does not allow: exit 5, audited as denied' '
	expect_exit 5 fort client get "$id" --reveal email --purpose "$BAD_PURPOSE" &&
	expect_error_line &&
	expect_not_contains "$OUT" "jana.schmidt" &&
	expect_not_contains "$ERR" "jana.schmidt" &&
	expect_exit 0 fort audit log --json &&
	expect_json "$OUT" &&
	util audit "$OUT" >"$TRASH/audit.tsv" &&
	expect_match "$TRASH/audit.tsv" "${TAB}denied${TAB}$id${TAB}[^${TAB}]*email[^${TAB}]*${TAB}$BAD_PURPOSE\$"
'

# bad_add FIELD VALUE [FORBIDDEN...]: adding FIELD=VALUE exits 6, the message
# names the field and contains neither VALUE nor any FORBIDDEN fragment.
bad_add() {
	local field=$1 value=$2 frag; shift 2
	expect_exit 6 fort client add --set full_name="Test Person" --set "$field=$value" &&
	expect_error_line &&
	expect_contains "$ERR" "$field" &&
	expect_not_contains "$ERR" "$value" &&
	for frag in "$@"; do expect_not_contains "$ERR" "$frag" || return 1; done
}

test_expect 'bad values are refused (exit 6) naming the field, never the value' '
	bad_add iban "DE88 3704 0044 0532 0130 00" DE88370400440532013000 "0532 0130" &&
	bad_add payment_card "4012 8888 8888 1882" 4012888888881882 "8888 1882" &&
	bad_add email "jana.schmidt.example.com" jana.schmidt &&
	bad_add date_of_birth "1984-13-45" &&
	bad_add phone "12ab34" &&
	expect_eq "$(status_get clients)" 1 "clients after refused adds"
'

test_expect 'an unknown field is refused, naming it' '
	expect_exit "3|6" fort client add --set full_name="Test Person" --set shoe_size=44 &&
	expect_error_line &&
	expect_contains "$ERR" "shoe_size" &&
	expect_eq "$(status_get clients)" 1 clients
'

test_expect 'find by email: the domain (and local part) are case-insensitive' '
	expect_exit 0 fort client find "email=jana.schmidt@EXAMPLE.com" &&
	expect_eq "$(cat "$OUT")" "$id" "find email (domain upper-case)" &&
	expect_exit 0 fort client find "email=$EMAIL" &&
	expect_eq "$(cat "$OUT")" "$id" "find email" &&
	expect_exit 0 fort client find "email=JANA.SCHMIDT@example.com" &&
	expect_eq "$(cat "$OUT")" "$id" "find email (local part upper-case)" &&
	expect_not_contains "$ERR" "jana"
'

test_expect 'find by phone in other formats (default country DE)' '
	expect_exit 0 fort client find "phone=030 1234567" &&
	expect_eq "$(cat "$OUT")" "$id" "find national phone" &&
	expect_exit 0 fort client find "phone=+49301234567" &&
	expect_eq "$(cat "$OUT")" "$id" "find E.164 phone" &&
	expect_exit 0 fort client find "phone=+49 30 123 45 67" --json &&
	expect_json "$OUT" &&
	expect_contains "$OUT" "$id"
'

test_expect 'find with no match exits 3 and prints nothing' '
	expect_exit 3 fort client find "email=nobody@example.com" &&
	expect_empty "$OUT" &&
	expect_exit 3 fort client find "phone=030 7654321" &&
	expect_empty "$OUT"
'

test_expect 'a second client; a duplicate email or phone is refused naming the existing id' '
	id2=$(add_client --set full_name="Piotr Nowak" --set email=piotr@nowak.example --set phone="+48 22 555 0199") &&
	expect_match - "^c-[0-9a-f]{16}$" <<<"$id2" &&
	expect_ne "$id2" "$id" "second id" &&
	expect_exit 6 fort client add --set full_name="Jana Doppelt" --set email="$EMAIL" &&
	expect_error_line &&
	expect_contains "$ERR" "$id" &&
	expect_not_contains "$ERR" "jana.schmidt" &&
	expect_exit 6 fort client add --set full_name="Jana Doppelt" --set email=other@example.com --set "phone=030 1234567" &&
	expect_contains "$ERR" "$id" &&
	expect_eq "$(status_get clients)" 2 clients
'

test_expect 'client list shows ids and masked names only' '
	expect_exit 0 fort client list &&
	expect_contains "$OUT" "$id" &&
	expect_contains "$OUT" "$id2" &&
	expect_not_contains "$OUT" "Jana" &&
	expect_not_contains "$OUT" "Nowak" &&
	expect_exit 0 fort client list --json &&
	expect_json "$OUT" &&
	expect_contains "$OUT" "$id" &&
	expect_not_contains "$OUT" "Schmidt"
'

test_expect 'client edit changes a field; an empty value clears it' '
	expect_exit 0 fort client edit "$id" --set company="Schmidt Steuer GmbH" --set notes= &&
	expect_exit 0 fort client get "$id" --reveal company --purpose "$P_COMPANY" --json &&
	expect_eq "$(jq_ "$OUT" "d[\"fields\"][\"company\"][\"value\"]")" "Schmidt Steuer GmbH" company &&
	expect_exit 0 fort client get "$id" --json &&
	expect_eq "$(jq_ "$OUT" "d[\"fields\"].get(\"notes\", {}).get(\"value\", \"\")")" "" notes
'

test_expect 'client edit of the email moves the blind index' '
	expect_exit 0 fort client edit "$id" --set email=jana@schmidt-steuer.example &&
	expect_exit 0 fort client find email=jana@schmidt-steuer.example &&
	expect_eq "$(cat "$OUT")" "$id" "find new email" &&
	expect_exit 3 fort client find "email=$EMAIL"
'

test_expect 'client edit with a bad value exits 6 and changes nothing; unknown id exits 3' '
	expect_exit 6 fort client edit "$id" --set iban="DE00 1234" &&
	expect_contains "$ERR" "iban" &&
	P_IBAN=$(util purpose "$TRASH/map.json" iban) &&
	expect_exit 0 fort client get "$id" --reveal iban --purpose "$P_IBAN" &&
	expect_contains "$OUT" "$IBAN" &&
	expect_exit 3 fort client edit c-0000000000000000 --set company=X
'

test_expect 'client get of an unknown id exits 3' '
	expect_exit 3 fort client get c-0000000000000000 &&
	expect_error_line
'

test_expect 'erase without --yes and without a TTY is refused (exit 2)' '
	expect_exit 2 fort client erase "$id" &&
	expect_error_line &&
	expect_exit 0 fort client get "$id"
'

test_expect 'erase --yes: the client is gone for get, find and list' '
	expect_exit 0 fort client erase "$id" --reason "client request (Art. 17)" --yes &&
	expect_exit 3 fort client get "$id" &&
	expect_exit 3 fort client find email=jana@schmidt-steuer.example &&
	expect_empty "$OUT" &&
	expect_exit 3 fort client find "phone=030 1234567" &&
	expect_exit 0 fort client list &&
	expect_not_contains "$OUT" "$id" &&
	expect_contains "$OUT" "$id2"
'

test_expect 'status counts the erasure; erasing again is not found' '
	expect_exit 0 fort status --json &&
	expect_eq "$(util status "$OUT" erased)" 1 erased &&
	expect_eq "$(util status "$OUT" clients)" 1 clients &&
	expect_exit 3 fort client erase "$id" --yes
'

test_expect 'the erased email can be used again by a new client' '
	id3=$(add_client --set full_name="Jana Schmidt" --set email=jana@schmidt-steuer.example) &&
	expect_ne "$id3" "$id" "new id" &&
	expect_exit 0 fort client find email=jana@schmidt-steuer.example &&
	expect_eq "$(cat "$OUT")" "$id3" "find"
'

test_expect 'every --json output parses' '
	for cmd in "status --json" "client list --json" "map show --json" "audit log --json" \
		"audit verify --json" "client get $id2 --json" "client find email=piotr@nowak.example --json"; do
		expect_exit 0 fort $cmd && expect_json "$OUT"
	done
'

test_done
