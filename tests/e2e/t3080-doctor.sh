#!/usr/bin/env bash
# t3080-doctor: the security check-up.  A fresh vault gets a score and
# concrete next steps (no verified backup, no plan, no scan recorded) and
# exit 1; after a verified backup and a drilled plan the score goes up and
# no check fails (exit 0); the last scan's record (meta "scan.last") is
# judged; --history lists every run with its score.
set -u
. "$E2E_LIB"

init_vault
check() { jq_ "$OUT" "[c for c in d[\"checks\"] if c[\"name\"] == \"$1\"][0][\"$2\"]"; }

test_expect 'a fresh vault: a score, failed checks and concrete next steps (exit 1)' '
	expect_exit 1 fort doctor --json &&
	S1=$(jq_ "$OUT" "d[\"score\"]") &&
	expect_eq "$(check backup status)" fail backup &&
	expect_match "$OUT" "backup create FILE" &&
	expect_eq "$(check plan-drill status)" fail plan &&
	expect_match "$OUT" "fortress plan init" &&
	expect_eq "$(check scan status)" warn scan &&
	expect_contains "$OUT" "no scan recorded: run fortress scan --vault $FORTRESS_VAULT ~" &&
	expect_eq "$(check audit-chain status)" pass audit &&
	expect_eq "$(check requests status)" pass requests &&
	expect_eq "$(check retention status)" pass retention &&
	expect_eq "$(check actions status)" pass actions &&
	expect_eq "$(check passphrase-policy status)" warn "interactive KDF" &&
	expect_eq "$(jq_ "$OUT" "len(d[\"checks\"])")" 13 checks &&
	expect_eq "$(check recovery status)" warn recovery &&
	expect_contains "$OUT" "no recovery shares" &&
	expect_eq "$(check failed-unlocks status)" pass "failed unlocks" &&
	[ "$S1" -lt 100 ] && [ "$S1" -gt 0 ] &&
	expect_exit 1 fort doctor &&
	expect_contains "$OUT" "security check-up: $S1/100" &&
	expect_contains "$OUT" "next steps:"
'

test_expect 'fix things (verify a backup, write and drill the plan): the score goes up, exit 0' '
	expect_exit 0 fort backup create "$TRASH/b.fbk" &&
	expect_exit 0 fort backup verify "$TRASH/b.fbk" &&
	expect_exit 0 fort plan init &&
	for r in lead communications technical legal; do fort plan edit --role $r --name "Person $r" >/dev/null 2>&1 || return 1; done &&
	printf "done 60\ndone 60\ndone 60\ndone 60\ndone 60\ndone 60\ndone 60\n" >"$TRASH/d.txt" &&
	expect_exit 0 fort plan drill lost-device --script "$TRASH/d.txt" &&
	expect_exit 0 fort doctor --json &&
	S2=$(jq_ "$OUT" "d[\"score\"]") &&
	expect_eq "$(check backup status)" pass backup &&
	expect_eq "$(check plan-drill status)" pass plan &&
	expect_eq "$(jq_ "$OUT" "d[\"failed\"]")" 0 failed &&
	[ "$S2" -gt "$S1" ] || _fail "score $S2 is not above $S1"
'

test_expect 'the last scan (meta scan.last) finding known clients fails the check' '
	scan="{\"ts\":$(date +%s),\"paths\":[\"/home/anna\"],\"files\":120,\"files_with_findings\":3,\"findings\":9,\"known_client_findings\":4}" &&
	pg_or_sqlite_sql "INSERT INTO meta(k, v) VALUES('"'"'scan.last'"'"', CAST('"'"'$scan'"'"' AS BLOB))" \
		"INSERT INTO meta(k, v) VALUES('"'"'scan.last'"'"', convert_to('"'"'$scan'"'"', '"'"'UTF8'"'"'))" &&
	expect_exit 1 fort doctor --json &&
	expect_eq "$(check scan status)" fail scan &&
	expect_match "$OUT" "4 unencrypted value" &&
	S3=$(jq_ "$OUT" "d[\"score\"]") &&
	[ "$S3" -lt "$S2" ] || _fail "score $S3 is not below $S2"
'

test_expect 'a plan nobody is named in is a warning' '
	expect_exit 0 fort plan edit --role legal --name "" &&
	expect_exit 1 fort doctor --json --no-record &&
	expect_eq "$(check plan-drill status)" warn plan &&
	expect_match "$OUT" "names nobody for: legal"
'

test_expect 'an overdue incident action fails its check, done it passes' '
	expect_exit 0 fort incident open "Laptop lost" --kind lost-device &&
	expect_exit 0 fort incident review 1 --what "A laptop was lost" --action "Encrypt every laptop" --owner anna --due 2026-01-15 &&
	expect_exit 1 fort doctor --json --no-record &&
	expect_eq "$(check actions status)" fail actions &&
	expect_match "$OUT" "1 incident action\\(s\\) are overdue" &&
	expect_exit 0 fort actions done 1 &&
	expect_exit 1 fort doctor --json --no-record &&
	expect_eq "$(check actions status)" pass actions
'

test_expect 'status and doctor show failed unlocks; recovery shares pass the recovery check' '
	expect_exit 0 fort status --json &&
	expect_eq "$(jq_ "$OUT" "d[\"failed_unlocks_30d\"]")" 0 "no failed unlock yet" &&
	write_secret "$TRASH/wrong" "quartz-lantern-hobbit-marzipan-oxbow-tundra-velcrO" &&
	FORTRESS_PASSPHRASE_FILE=$TRASH/wrong run fort client list &&
	[ "$RC" != 0 ] || _fail "a wrong passphrase unlocked" &&
	FORTRESS_PASSPHRASE_FILE=$TRASH/wrong run fort client list &&
	expect_exit 0 fort status &&
	expect_match "$OUT" "failed unlocks: +2 in the last 30 days" &&
	expect_exit 0 fort status --json &&
	expect_eq "$(jq_ "$OUT" "d[\"failed_unlocks_30d\"]")" 2 "failed unlocks" &&
	expect_exit 1 fort doctor --json --no-record &&
	expect_eq "$(check failed-unlocks status)" warn "failed unlocks" &&
	expect_match "$OUT" "2 failed unlock" &&
	mkdir -m 700 "$TRASH/shares" &&
	expect_exit 0 fort recovery split --shares 3 --threshold 2 --out "$TRASH/shares" &&
	expect_exit 1 fort doctor --json --no-record &&
	expect_eq "$(check recovery status)" pass recovery
'

test_expect 'doctor --history lists every recorded run with its score, oldest first' '
	expect_exit 0 fort doctor --history --json &&
	expect_eq "$(jq_ "$OUT" "len(d)")" 4 runs &&
	expect_eq "$(jq_ "$OUT" "[r[\"score\"] for r in d]")" "[$S1, $S1, $S2, $S3]" scores &&
	expect_exit 0 fort doctor --history &&
	expect_contains "$OUT" " $S2/100" &&
	expect_exit 0 fort audit log --json &&
	expect_eq "$(jq_ "$OUT" "sum(1 for e in d if e[\"action\"] == \"doctor\")")" 4 audited
'

test_done
