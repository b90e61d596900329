#!/usr/bin/env bash
# t1130-retention: retention for every client on a fake clock (--as-of).
# Each purpose gets a rule (how long, from which event, why); `retention
# run` erases exactly the fields whose purposes all ended, a client with
# nothing left goes whole, a tax-law hold wins; a dry run leaves the vault
# file byte for byte as it was; bad rules and dates change nothing.
set -u
. "$E2E_LIB"

init_vault
V=$FORTRESS_VAULT

# every client's fields and values (an unlock is audited, so the file itself
# changes with every command; the unit test checks the file hash around the
# library call)
snapshot() {
	for id in "$ANN" "$BOB" "$CEM"; do
		fort client get "$id" --reveal all --purpose legal_claims --json || echo "gone $id"
	done 2>/dev/null | sha256sum | cut -d' ' -f1
}
# has_fields ID F...: the client's record holds exactly these fields
has_fields() {
	local id=$1
	shift
	fort client get "$id" --json >"$TRASH/get.json" 2>"$TRASH/get.err" || { _fail "client get $id: $(cat "$TRASH/get.err")"; return 1; }
	expect_eq "$(util json "$TRASH/get.json" "\",\".join(sorted(d[\"fields\"]))")" "$*" "fields of $id"
}

test_expect 'rules per purpose: duration, trigger, reason; listed' '
	expect_exit 0 fort map field add contract_end --type date --category identity --purpose service &&
	expect_exit 0 fort retention rule service 1y --after field:contract_end --reason "contract performed" &&
	expect_exit 0 fort retention rule identity_verification 1y --after field:contract_end --reason "no longer needed" &&
	expect_exit 0 fort retention rule correspondence 2y --after field:contract_end --reason "follow-up questions" &&
	expect_exit 0 fort retention rule billing 3y --after field:contract_end --reason "limitation period (BGB 195)" &&
	expect_exit 0 fort retention rule tax 3y --after field:contract_end --reason "limitation period" &&
	expect_exit 0 fort retention rule legal_claims 3y --after field:contract_end --reason "limitation period (BGB 195)" &&
	expect_exit 0 fort retention rule marketing 30d --after consent_withdrawn --reason "stop when consent ends" --json &&
	expect_contains "$OUT" "30 days after consent is withdrawn" &&
	expect_exit 0 fort retention rules --json &&
	expect_eq "$(jq_ "$OUT" "[r[\"rule\"] for r in d if r[\"purpose\"]==\"billing\"][0]")" \
		"3 years after the date in field '"'"'contract_end'"'"' (limitation period (BGB 195))" billing-rule &&
	expect_exit 0 fort map show --json &&
	expect_contains "$OUT" "retention_rule"
'

ANN=$(add_client --set full_name="Ann Ended" --set email=ann@example.com --set phone="+4930123456" \
	--set notes="likes green tea" --set iban="DE89370400440532013000" --set contract_end=2020-01-15)
BOB=$(add_client --set full_name="Bob Ongoing" --set email=bob@example.com --set notes="long contract")
CEM=$(add_client --set full_name="Cem Short" --set email=cem@example.com --set contract_end=2024-06-30)

test_expect 'bad rules and dates: a clear message, nothing changed' '
	fort map export -o "$TRASH/map-before.json" >/dev/null 2>&1 &&
	expect_exit 3 fort retention rule astrology 1y --after created --reason x &&
	expect_contains "$ERR" "astrology" &&
	expect_exit 6 fort retention rule service 1fortnight --after created --reason x &&
	expect_exit 6 fort retention rule service 1y --after field:full_name --reason x &&
	expect_contains "$ERR" "not a date field" &&
	expect_exit 6 fort retention rule billing 1y --after consent_withdrawn --reason x &&
	expect_exit 2 fort retention rule service 1y &&
	expect_exit 6 fort retention run --as-of 2021-02-30 &&
	expect_exit 6 fort retention due --as-of yesterday &&
	expect_exit 2 fort retention due --within -1 &&
	fort map export -o "$TRASH/map-after.json" >/dev/null 2>&1 &&
	expect_eq "$(sha "$TRASH/map-after.json")" "$(sha "$TRASH/map-before.json")" map-unchanged &&
	has_fields "$ANN" contract_end,email,full_name,iban,notes,phone
'

test_expect 'due: what ends within N days' '
	expect_exit 0 fort retention due --as-of 2021-01-01 --within 10 &&
	expect_contains "$OUT" "nothing expires" &&
	expect_exit 0 fort retention due --as-of 2021-01-01 --within 30 --json &&
	expect_eq "$(jq_ "$OUT" "len(d)")" 1 count &&
	expect_eq "$(jq_ "$OUT" "d[0][\"fields\"][0]+\" \"+d[0][\"date\"]+\" \"+d[0][\"action\"]")" "notes 2021-01-15 erase-field" item
'

test_expect 'a dry run lists and changes nothing' '
	before=$(snapshot) &&
	expect_exit 0 fort retention run --as-of 2021-01-16 --dry-run &&
	expect_contains "$OUT" "would erase" &&
	expect_contains "$OUT" "$ANN  field notes" &&
	expect_eq "$(snapshot)" "$before" data-unchanged &&
	has_fields "$ANN" contract_end,email,full_name,iban,notes,phone
'

test_expect 'run on a fake clock: exactly the expired fields go, audited without values' '
	expect_exit 0 fort retention run --as-of 2021-01-15 &&
	expect_contains "$OUT" "0 client(s) erased whole, 0 field(s) erased" &&
	expect_exit 0 fort retention run --as-of 2021-01-16 &&
	expect_contains "$OUT" "0 client(s) erased whole, 1 field(s) erased" &&
	has_fields "$ANN" contract_end,email,full_name,iban,phone &&
	expect_exit 0 fort retention run --as-of 2022-01-16 --json &&
	expect_eq "$(jq_ "$OUT" "d[\"fields_erased\"]")" 1 one-field &&
	has_fields "$ANN" contract_end,email,full_name,iban &&
	has_fields "$BOB" email,full_name,notes &&
	has_fields "$CEM" contract_end,email,full_name &&
	expect_exit 0 fort audit log --json &&
	expect_contains "$OUT" "retention-erase" &&
	expect_contains "$OUT" "retention-run" &&
	expect_not_contains "$OUT" "green tea" &&
	expect_not_contains "$OUT" "+4930123456"
'

test_expect 'a hold wins (and says why); a client with nothing left goes whole' '
	expect_exit 0 fort retention run --as-of 2030-01-01 &&
	expect_contains "$OUT" "but a hold keeps it until" &&
	expect_contains "$OUT" "tax law" &&
	expect_contains "$OUT" "$CEM  whole client" &&
	expect_exit 3 fort client get "$CEM" &&
	has_fields "$ANN" contract_end,iban &&
	expect_exit 0 fort retention run --as-of 2099-01-01 --json &&
	expect_eq "$(jq_ "$OUT" "d[\"clients_erased\"]")" 1 ann-whole &&
	expect_exit 3 fort client get "$ANN" &&
	has_fields "$BOB" email,full_name,notes &&
	expect_exit 0 fort retention run --as-of 2099-01-01 &&
	expect_contains "$OUT" "0 client(s) erased whole, 0 field(s) erased" &&
	expect_exit 0 fort audit verify
'

# issue 12 item 9: a restriction (Art. 18) keeps data, but it is not a hold
# and is never described as one
test_expect 'restricted data is kept, and not "kept under a hold"' '
	DEE=$(add_client --set full_name="Dee Restricted" --set contract_end=2020-01-01) &&
	expect_exit 0 fort consent restrict "$DEE" --channel paper &&
	expect_exit 0 fort retention due --as-of 2099-01-01 --within 30 &&
	expect_contains "$OUT" "restricted  $DEE  full_name: kept while processing is restricted" &&
	expect_not_contains "$OUT" "held" &&
	expect_exit 0 fort retention run --as-of 2099-01-01 &&
	expect_contains "$OUT" "$DEE  field full_name" &&
	expect_contains "$OUT" "processing is restricted (GDPR Art. 18)" &&
	expect_contains "$OUT" "0 field(s) kept under a hold, 1 kept because processing is restricted (Art. 18)" &&
	expect_not_contains "$OUT" "a hold keeps it" &&
	has_fields "$DEE" contract_end,full_name
'

test_done
