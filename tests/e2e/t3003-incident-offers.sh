#!/usr/bin/env bash
# t3003-incident-offers: the offers of credit monitoring some US states
# require when a breach exposed a Social Security number (CT 24 months,
# MA 18) or, in Pennsylvania, a bank account too (issue 12 item 12).
# Without the business's enrolment details the letters are refused, naming
# the client, the state, the statute and the field; with them, those
# states' letters carry the offer, other states' do not.
set -u
. "$E2E_LIB"

init_vault --country US
run fort map field add country --type text --category contact --purpose service
run fort map field add state --type text --category contact --purpose service
run fort map field add ssn_no --type ssn --category financial --purpose billing --label "Social Security number"
CT=$(add_client --set full_name="Pat Conn" --set email=ct@example.org --set country=US --set state=CT --set ssn_no=123-45-6789)
TX=$(add_client --set full_name="Pat Tex" --set email=tx@example.org --set country=US --set state=TX --set ssn_no=234-56-7890)
PA=$(add_client --set full_name="Pat Penn" --set email=pa@example.org --set country=US --set state=PA --set iban=DE89370400440532013000)
MA=$(add_client --set full_name="Pat Mass" --set email=ma@example.org --set country=US --set state=MA --set ssn_no=345-67-8901)
run fort map field add licence --type id_number --category financial --purpose billing --label "Driver's licence"
CA=$(add_client --set full_name="Pat Cal" --set email=ca@example.org --set country=US --set state=CA --set licence=b765-4321)

test_expect 'the ssn type: validated, stored canonical, masked' '
	expect_exit 6 fort client add --set full_name="Bad Ssn" --set ssn_no=000-12-3456 &&
	expect_contains "$ERR" "no such number" &&
	expect_not_contains "$ERR" "000-12-3456" &&
	expect_exit 0 fort client get "$CT" &&
	expect_contains "$OUT" "•••-••-6789" &&
	expect_not_contains "$OUT" "123-45"
'

test_expect 'no enrolment details: refused, naming client, state, statute and field; nothing written' '
	expect_exit 0 fort incident open "tax files server breached" --aware 2026-11-15T10:00:00Z &&
	expect_exit 0 fort incident scope 1 --category financial &&
	expect_exit 0 fort incident assess 1 --contact "Sam, 1-800-555-0100, sam@harbor.example" &&
	expect_exit 0 fort incident log 1 fact f && expect_exit 0 fort incident log 1 effect e &&
	expect_exit 0 fort incident log 1 remedy r &&
	expect_exit 6 fort incident letters 1 --out "$TRASH/none" --clients-only &&
	expect_contains "$ERR" "lives in US-" &&
	expect_contains "$ERR" "--offer-provider" &&
	expect_not_contains "$ERR" "123-45" &&
	test ! -e "$TRASH/none/$CT.md" && test ! -e "$TRASH/none/$TX.md"
'

test_expect 'fewer months than Connecticut requires: refused' '
	expect_exit 6 fort incident letters 1 --out "$TRASH/short" --clients-only \
		--offer-provider IdGuard --offer-enrol https://enrol.example/harbor --offer-months 12 &&
	expect_contains "$ERR" "US-CT" && expect_contains "$ERR" "at least 24 months" &&
	expect_exit 2 fort incident letters 1 --out "$TRASH/short" --clients-only \
		--offer-provider IdGuard --offer-enrol x --offer-months many
'

test_expect 'with the details: CT 24 months, MA 18, PA 12 and a credit report, CA 12 (licence), TX nothing' '
	expect_exit 0 fort incident letters 1 --out "$TRASH/offer" --clients-only \
		--offer-provider IdGuard --offer-enrol "https://enrol.example/harbor" --offer-code HARBOR-26 \
		--offer-until 2027-03-31 &&
	expect_contains "$TRASH/offer/$CT.md" "## Identity theft prevention services" &&
	expect_contains "$TRASH/offer/$CT.md" "identity theft mitigation services for 24 months, at no cost to you" &&
	expect_contains "$TRASH/offer/$CT.md" "Provided by IdGuard. How to enrol: https://enrol.example/harbor. Your activation code: HARBOR-26. Enrol by: 2027-03-31." &&
	expect_contains "$TRASH/offer/$MA.md" "credit monitoring services, through a third party, for 18 months" &&
	expect_contains "$TRASH/offer/$MA.md" "does not require you to waive any right" &&
	expect_contains "$TRASH/offer/$PA.md" "credit monitoring services for 12 months" &&
	expect_contains "$TRASH/offer/$PA.md" "one independent credit report" &&
	expect_contains "$TRASH/offer/$CA.md" "identity theft prevention and mitigation services for 12 months" &&
	expect_not_contains "$TRASH/offer/$TX.md" "IdGuard" &&
	expect_not_contains "$TRASH/offer/$TX.md" "months" &&
	expect_contains "$TRASH/offer/$CT.html" "Identity theft prevention services"
'

test_expect 'incident notify --dry-run takes the same options' '
	expect_exit 6 fort incident notify 1 --dry-run --clients-only &&
	expect_contains "$ERR" "--offer-enrol"
'

test_done
