#!/usr/bin/env bash
# t1150-rights-bad-input: the bad input issue 5 lists, through the CLI:
# an unknown purpose, a purpose without a legal basis, an unknown client,
# future and unparsable dates, a jurisdiction without rules, an erasure a
# legal hold blocks.  Each gets a clear message and exit code, and nothing
# changes (map, requests, consents, the client's record, no file written).
set -u
. "$E2E_LIB"

init_vault
HELD=$(add_client --set iban="DE89370400440532013000" --set tax_id="DE123456789")
ANA=$(add_client --set full_name="Ana Fine" --set email="ana@example.com")

state() {
	{
		rm -f "$TRASH/state-map.json"
		fort map export -o "$TRASH/state-map.json" && cat "$TRASH/state-map.json"
		fort request list --json
		fort consent verify --json
		fort client get "$HELD" --reveal all --purpose billing --json
		fort client get "$ANA" --reveal all --purpose service --json
	} 2>/dev/null | sha256sum | cut -d' ' -f1
}
BEFORE=$(state)

test_expect 'an unknown purpose is named' '
	expect_exit 3 fort client get "$ANA" --reveal email --purpose astrology &&
	expect_contains "$ERR" "unknown purpose" &&
	expect_contains "$ERR" "astrology" &&
	expect_exit 3 fort consent grant "$ANA" astrology --channel web &&
	expect_contains "$ERR" "astrology" &&
	expect_exit 3 fort retention rule astrology 1y --after created --reason x &&
	expect_contains "$ERR" "astrology"
'

test_expect 'a purpose without a legal basis is refused' '
	expect_exit 6 fort map activity add newsletter --description "monthly news" &&
	expect_contains "$ERR" "legal-basis" &&
	printf "%s" "{\"purposes\": {\"service\": {\"description\": \"d\"}}, \"fields\": [{\"name\": \"full_name\", \"type\": \"name\", \"category\": \"identity\", \"purposes\": [\"service\"]}]}" >"$TRASH/nobasis.json" &&
	expect_exit 6 fort map import "$TRASH/nobasis.json" &&
	expect_contains "$ERR" "needs a legal_basis"
'

test_expect 'an unknown client is named' '
	expect_exit 3 fort request open access c-00000000000000ff --received 2026-11-02 &&
	expect_contains "$ERR" "no client c-00000000000000ff" &&
	expect_not_contains "$ERR" "jurisdictions"
'

test_expect 'future and unparsable dates' '
	expect_exit 6 fort request open access "$ANA" --received 2099-01-01 &&
	expect_contains "$ERR" "in the future" &&
	expect_exit 6 fort request open access "$ANA" --received 31/02/2026 &&
	expect_contains "$ERR" "not a date" &&
	expect_exit 6 fort retention run --as-of 2026-02-30 &&
	expect_contains "$ERR" "not a date"
'

test_expect 'a jurisdiction without rules' '
	expect_exit 3 fort request open access "$ANA" --received 2026-11-02 --jurisdiction Narnia &&
	expect_contains "$ERR" "no deadline rules for jurisdiction '"'"'Narnia'"'"'" &&
	expect_contains "$ERR" "deadline --list"
'

test_expect 'nothing of the above changed anything' '
	expect_eq "$(state)" "$BEFORE" state
'

test_expect 'an erasure a legal hold blocks: a clear message, no certificate, the request stays open' '
	expect_exit 0 fort request open erasure "$HELD" --received 2026-11-02 &&
	AFTER_OPEN=$(state) &&
	expect_exit 6 fort request fulfil 1 --certificate "$TRASH/held.json" &&
	expect_contains "$ERR" "kept under a legal hold" &&
	expect_contains "$ERR" "Art. 17(3)(b)" &&
	[ ! -e "$TRASH/held.json" ] && [ ! -e "$TRASH/held.json.recipients.md" ] &&
	expect_eq "$(state)" "$AFTER_OPEN" state &&
	expect_exit 0 fort client get "$HELD" --reveal iban --purpose billing &&
	expect_contains "$OUT" "DE89370400440532013000" &&
	expect_exit 0 fort request refuse 1 --reason "kept under tax law until the hold ends (GDPR Art. 17(3)(b))" &&
	expect_exit 0 fort audit verify
'

test_done
