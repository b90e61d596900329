#!/usr/bin/env bash
# t1110-requests: a client's requests through the CLI: opened with the
# date received, due dates from the jurisdiction's rules, the UK clock
# waiting for the identity check and standing still for clarification,
# overdue first, a refusal letter with the right to complain; bad input
# changes nothing; every step audited.
set -u
. "$E2E_LIB"

init_vault
CID=$(add_client --set full_name="Jana Schmidt" --set email="jana@example.com")

test_expect 'an access request (EU): due one month later, rolled off the weekend' '
	expect_exit 0 fort request open access "$CID" --received 2026-01-31 --json &&
	expect_eq "$(jq_ "$OUT" "d[\"due\"]")" 2026-03-02 due &&
	expect_eq "$(jq_ "$OUT" "d[\"max_due\"]")" 2026-04-30 max &&
	expect_eq "$(jq_ "$OUT" "d[\"id\"]")" 1 id
'

test_expect 'UK: no clock before the identity check; a pause moves the due date' '
	expect_exit 0 fort request open erasure "$CID" --received 2026-03-03 --jurisdiction UK --verify-id --json &&
	expect_eq "$(jq_ "$OUT" "d[\"due\"]")" null due &&
	expect_eq "$(jq_ "$OUT" "d[\"state\"]")" awaiting_id state &&
	expect_exit 0 fort request verify 2 --method id-card --date 2026-03-03 --json &&
	expect_eq "$(jq_ "$OUT" "d[\"due\"]")" 2026-04-07 due &&
	expect_exit 0 fort request pause 2 --date 2026-03-10 --note "which account?" &&
	expect_exit 0 fort request resume 2 --date 2026-03-20 --json &&
	expect_eq "$(jq_ "$OUT" "d[\"due\"]")" 2026-04-13 due-after-pause
'

test_expect 'CCPA: acknowledge in 10 business days, answer in 45 days' '
	expect_exit 0 fort request open access "$CID" --received 2026-05-01 --jurisdiction CA --json &&
	expect_eq "$(jq_ "$OUT" "d[\"ack_due\"]")" 2026-05-15 ack &&
	expect_eq "$(jq_ "$OUT" "d[\"due\"]")" 2026-06-14 due
'

test_expect 'list --due: open requests, overdue first' '
	expect_exit 0 fort request list --due --as-of 2026-04-10 --json &&
	expect_eq "$(jq_ "$OUT" "[r[\"id\"] for r in d]")" "[1, 2, 3]" order &&
	expect_eq "$(jq_ "$OUT" "[r[\"overdue\"] for r in d]")" "[true, false, false]" overdue &&
	expect_exit 0 fort request list --due --as-of 2026-04-10 &&
	expect_match "$OUT" "^ +1 .*OVERDUE$"
'

test_expect 'a refusal needs a reason and writes a letter with the right to complain and go to court' '
	expect_exit 6 fort request refuse 3 &&
	expect_exit 0 fort request refuse 3 --reason "we do not sell personal information" --letter "$TRASH/refusal.txt" &&
	expect_contains "$TRASH/refusal.txt" "we do not sell personal information" &&
	expect_contains "$TRASH/refusal.txt" "California Privacy Protection Agency" &&
	expect_exit 0 fort request refuse 1 --reason "manifestly unfounded" --date 2026-02-10 &&
	expect_contains "$OUT" "lodge a complaint with a supervisory authority" &&
	expect_contains "$OUT" "Art. 79" &&
	expect_exit 6 fort request answer 1
'

test_expect 'bad input: unknown kind, client, jurisdiction; future and impossible dates; nothing is stored' '
	expect_exit 6 fort request open complaint "$CID" --received 2026-01-05 &&
	expect_exit 3 fort request open access c-00000000000000ff --received 2026-01-05 &&
	expect_exit 3 fort request open access "$CID" --received 2026-01-05 --jurisdiction Narnia &&
	expect_exit 6 fort request open access "$CID" --received 2099-01-01 &&
	expect_exit 6 fort request open access "$CID" --received 2026-02-30 &&
	expect_contains "$ERR" "2026-02-30" &&
	expect_exit 2 fort request open access "$CID" &&
	expect_exit 3 fort request show 99 &&
	expect_exit 0 fort request list --json &&
	expect_eq "$(jq_ "$OUT" "len(d)")" 3 requests
'

test_expect 'every step is in the audit log, under the client' '
	expect_exit 0 fort audit log --client "$CID" --json &&
	expect_contains "$OUT" "request-open" &&
	expect_contains "$OUT" "request-verify" &&
	expect_contains "$OUT" "request-refuse" &&
	expect_exit 0 fort audit verify
'

test_done
