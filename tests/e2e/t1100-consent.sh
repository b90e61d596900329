#!/usr/bin/env bash
# t1100-consent: the consent ledger through the CLI.  A consent-based reveal
# works after `consent grant` and not after `consent withdraw` (one step
# each); exports leave out clients without consent; objections and
# restriction refuse; the ledger cannot be edited; everything is audited.
set -u
. "$E2E_LIB"

init_vault
CID=$(add_client --set full_name="Jana Schmidt" --set email="jana@example.com")
printf 'Newsletter: we e-mail our offers monthly. Unsubscribe any time.\n' >"$TRASH/notice.txt"
printf 'web form 2026-11-29, ticked box, IP 192.0.2.1\n' >"$TRASH/evidence.txt"

consent_count_is() {
	fort consent verify --json >"$TRASH/cv.json" 2>/dev/null
	[ "$(jq_ "$TRASH/cv.json" "d[\"entries\"]")" = "$1" ]
}

test_expect 'a consent-based purpose is refused without consent (exit 5, audited)' '
	expect_exit 5 fort client get "$CID" --reveal email --purpose marketing &&
	expect_contains "$ERR" "rests on consent" &&
	expect_exit 0 fort audit log --json &&
	expect_match "$OUT" "\"result\": *\"denied\""
'

test_expect 'a grant needs a channel and the notice shown; unknown purposes and clients are named' '
	expect_exit 2 fort consent grant "$CID" marketing &&
	expect_exit 6 fort consent grant "$CID" marketing --channel web &&
	expect_contains "$ERR" "notice" &&
	expect_exit 3 fort consent grant "$CID" astrology --channel web --notice-file "$TRASH/notice.txt" &&
	expect_contains "$ERR" "astrology" &&
	expect_exit 3 fort consent grant c-00000000000000ff marketing --channel web --notice-file "$TRASH/notice.txt" &&
	expect_exit 0 consent_count_is 0
'

test_expect 'grant, then the reveal and the export work' '
	expect_exit 0 fort consent grant "$CID" marketing --channel web --notice-file "$TRASH/notice.txt" --evidence "$TRASH/evidence.txt" &&
	expect_exit 0 fort client get "$CID" --reveal email --purpose marketing &&
	expect_contains "$OUT" "jana@example.com" &&
	expect_exit 0 fort client export --purpose marketing --field email -o "$TRASH/m.json" &&
	expect_contains "$TRASH/m.json" "jana@example.com"
'

test_expect 'withdraw takes one step too; then refused again and left out of exports' '
	expect_exit 0 fort consent withdraw "$CID" marketing --channel email &&
	expect_exit 5 fort client get "$CID" --reveal email --purpose marketing &&
	expect_exit 0 fort client export --purpose marketing --field email -o "$TRASH/m2.json" &&
	! grep -q "jana@example.com" "$TRASH/m2.json"
'

test_expect 'objection and restriction' '
	expect_exit 0 fort consent object "$CID" correspondence --channel paper &&
	expect_exit 5 fort client get "$CID" --reveal email --purpose correspondence &&
	expect_exit 0 fort consent restrict "$CID" --channel paper &&
	expect_exit 5 fort client get "$CID" --reveal email --purpose billing &&
	expect_contains "$ERR" "Art. 18" &&
	expect_exit 0 fort client get "$CID" --reveal full_name --purpose legal_claims &&
	expect_exit 0 fort consent lift "$CID" --channel paper &&
	expect_exit 0 fort client get "$CID" --reveal email --purpose billing
'

test_expect 'consent show lists the state and the history with the notice hash' '
	expect_exit 0 fort consent show "$CID" --json &&
	expect_eq "$(jq_ "$OUT" "len(d[\"history\"])")" 5 entries &&
	expect_eq "$(jq_ "$OUT" "d[\"history\"][0][\"notice_sha256\"]")" "$(sha "$TRASH/notice.txt")" notice &&
	expect_eq "$(jq_ "$OUT" "d[\"history\"][0][\"evidence_sha256\"]")" "$(sha "$TRASH/evidence.txt")" evidence &&
	expect_eq "$(jq_ "$OUT" "[p[\"objected\"] for p in d[\"purposes\"] if p[\"purpose\"]==\"correspondence\"][0]")" true objected
'

test_expect 'the ledger cannot be edited; a change made around the triggers is found' '
	expect_exit 0 fort consent verify &&
	expect_contains "$OUT" "consent ledger OK: 5 entries" &&
	! pg_or_sqlite_sql "UPDATE consent SET action='"'grant'"' WHERE seq=2" 2>/dev/null &&
	pg_or_sqlite_sql "DROP TRIGGER consent_no_update; UPDATE consent SET action='"'grant'"' WHERE seq=2;" \
		"DROP TRIGGER consent_no_update ON consent; UPDATE consent SET action='"'grant'"' WHERE seq=2;" &&
	expect_exit 1 fort consent verify &&
	expect_contains "$OUT" "entry 2"
'

test_done
