#!/usr/bin/env bash
# t3001-incident-us: a US business: no EU/UK authority clock, the clients'
# states from the map's country and state fields give the state clocks
# (data/us_state_breach_laws.csv), HIPAA's 60 days, and the letters refuse
# clearly when the business's country has no supervisory authority in the
# table.
set -u
. "$E2E_LIB"

init_vault --country US
run fort map field add country --type text --category contact --purpose service
run fort map field add state --type text --category contact --purpose service
add_client --set full_name="Pat Cal" --set country=US --set state=CA >/dev/null
add_client --set full_name="Pat Tex" --set country=US --set state=TX >/dev/null
add_client --set full_name="Pat Ber" --set country=DE >/dev/null

test_expect 'state, HIPAA and EU clocks from the clients; no GDPR authority clock for a US business' '
	expect_exit 0 fort incident open "server breached" --aware 2026-11-15T10:00:00Z &&
	expect_exit 0 fort incident scope 1 --category identity &&
	expect_exit 0 fort incident assess 1 --hipaa yes &&
	expect_exit 0 fort incident impact 1 --json &&
	expect_eq "$(jq_ "$OUT" "d[\"jurisdictions\"]")" "{\"US-CA\": 1, \"US-TX\": 1, \"EU\": 1}" jurisdictions &&
	expect_exit 0 fort incident show 1 --as-of 2026-12-16T00:00:00Z --json &&
	expect_eq "$(jq_ "$OUT" "\" \".join(k[\"jurisdiction\"] + \"=\" + str(k[\"due\"]) for k in d[\"deadlines\"])")" \
		"US-CA=2026-12-15 US-HIPAA=2027-01-14 US-TX=2027-01-14 US-HIPAA=2027-03-01 EU=None" clocks &&
	expect_eq "$(jq_ "$OUT" "d[\"deadlines\"][0][\"overdue\"]")" true overdue-first
'

test_expect 'a business whose country has no authority in the table: a clear error' '
	expect_exit 0 fort incident open "server breached" --aware 2026-03-27T16:00:00Z &&
	expect_exit 0 fort incident scope 2 --category contact &&
	expect_exit 0 fort incident assess 2 --contact "Sam, sam@sunny.example" &&
	expect_exit 0 fort incident log 2 fact f && expect_exit 0 fort incident log 2 effect e &&
	expect_exit 0 fort incident log 2 remedy r &&
	expect_exit 3 fort incident letters 2 --out "$TRASH/us" --authority-only &&
	expect_contains "$ERR" "no supervisory authority for '\''US'\''" &&
	expect_contains "$ERR" "US"
'

test_expect "each client's letter carries its state's elements (issue 12 item 12)" '
	MA=$(add_client --set full_name="Pat Mass" --set country=US --set state=Massachusetts) &&
	IL=$(add_client --set full_name="Pat Ill" --set country=US --set state=IL) &&
	expect_exit 0 fort incident open "laptop stolen from a car" --aware 2026-11-20T10:00:00Z &&
	expect_exit 0 fort incident scope 3 --category identity &&
	expect_exit 0 fort incident assess 3 --contact "Sam, 1-800-555-0100, sam@sunny.example" &&
	expect_exit 0 fort incident log 3 fact "the laptop was taken from a parked car" &&
	expect_exit 0 fort incident log 3 effect e && expect_exit 0 fort incident log 3 remedy r &&
	expect_exit 0 fort incident letters 3 --out "$TRASH/states" --clients-only &&
	expect_contains "$TRASH/states/$MA.md" "## Police report" &&
	expect_contains "$TRASH/states/$MA.md" "## Security freezes and fraud alerts" &&
	expect_not_contains "$TRASH/states/$MA.md" "## What happened" &&
	expect_not_contains "$TRASH/states/$MA.md" "parked car" &&
	expect_contains "$TRASH/states/$IL.md" "## What happened" &&
	expect_contains "$TRASH/states/$IL.md" "Federal Trade Commission, 600 Pennsylvania Avenue NW" &&
	expect_contains "$TRASH/states/$IL.md" "Equifax: www.equifax.com" &&
	expect_contains "$TRASH/states/$IL.html" "Security freezes and fraud alerts"
'

test_done
