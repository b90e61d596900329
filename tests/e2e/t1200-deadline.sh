#!/usr/bin/env bash
# t1200-deadline: `fortress deadline` as a user runs it: the vectors of
# COMPLIANCE.md C1 through the CLI (JSON and text), the rules listing, bad
# input with its exit code and message, no vault and no data folder needed.
set -u
. "$E2E_LIB"

# jfield NAME: the value of the top-level key NAME of the JSON object in
# $OUT (one key a line, as fortress prints it): a string without its quotes,
# or null/true/false/a number as written.  sed, not python: one python
# start costs more than the whole fortress run.
jfield() {
	sed -n -e "s/^  \"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" \
	       -e "s/^  \"$1\": \([^\"][^,]*\),\{0,1\}\$/\1/p" "$OUT"
}

# dl FIELD ARGS...: run `fortress --json deadline ARGS` (exit 0) and print
# FIELD of its JSON.
dl() {
	local field=$1; shift
	run fort --json deadline "$@"
	if [ "$RC" != 0 ]; then
		_fail "'deadline $*' exited $RC"
		_e2e_show_last
		echo "(failed)"
		return 1
	fi
	jfield "$field"
}

# due_is WANT ARGS...: the due date of `deadline ARGS` is WANT.
due_is() {
	local want=$1 got; shift
	got=$(dl due "$@") && expect_eq "$got" "$want" "due of deadline $*"
}

test_expect 'GDPR: month end on a Saturday, leap year, 1 August' '
	due_is 2026-03-02 EU request --start 2026-01-31 &&
	expect_json "$OUT" &&
	expect_eq "$(jq_ "$OUT" "[d[k] for k in (\"due\", \"ack_due\", \"calendar\", \"verified\")]")" \
		"[\"2026-03-02\", null, null, \"partial\"]" "JSON fields" &&
	due_is 2028-02-29 EU request --start 2028-01-31 &&
	due_is 2026-09-01 EU request --start 2026-08-01 --region DE
'

test_expect 'GDPR extension: +3 months with the same roll, notice due at +1 month' '
	expect_eq "$(dl max_due EU request --start 2026-08-01)" 2026-11-02 "max_due" &&
	expect_eq "$(jfield extension_notice_due)" 2026-09-01 "notice" &&
	expect_eq "$(jfield due)" 2026-09-01 "due before the extension" &&
	due_is 2026-11-02 EU request --start 2026-08-01 --extended &&
	expect_eq "$(jfield extended)" true "extended"
'

test_expect 'UK: Good Friday and Easter Monday in England, not Easter Monday in Scotland; a pause' '
	due_is 2026-04-07 UK request --start 2026-03-03 &&
	due_is 2026-04-07 UK request --start 2026-03-03 --region GB-ENG &&
	due_is 2026-04-06 UK request --start 2026-03-03 --region GB-SCT &&
	due_is 2026-04-13 UK request --start 2026-03-03 --paused-days 10 &&
	expect_eq "$(jfield calendar)" GB-ENG "calendar"
'

test_expect 'UK complaint: acknowledge within 30 days, no fixed answer date' '
	expect_eq "$(dl ack_due UK complaint --start 2026-07-01)" 2026-07-31 "ack_due" &&
	expect_eq "$(jfield due)" null "due"
'

test_expect 'GDPR breach: 72 hours in UTC across a weekend and the DST change' '
	due_is 2026-03-30T16:00:00Z EU breach-authority --start 2026-03-27T16:00:00Z &&
	due_is 2026-03-30T16:00:00Z EU breach-authority --start 2026-03-27T17:00:00+01:00
'

test_expect 'CCPA: ack in 10 business days, due day 45 counting receipt as day 1, extended to day 90' '
	due_is 2026-06-14 CA request --start 2026-05-01 &&
	expect_eq "$(jfield ack_due)" 2026-05-15 "ack_due" &&
	expect_eq "$(jfield max_due)" 2026-07-29 "max_due" &&
	due_is 2026-07-29 CA request --start 2026-05-01 --extended &&
	due_is 2026-05-22 CA optout --start 2026-05-01
'

test_expect 'HIPAA: individuals 60 days after discovery; the HHS log 60 days after the year end' '
	due_is 2027-01-14 US-HIPAA breach-individuals --start 2026-11-15 &&
	due_is 2027-03-01 US-HIPAA hhs-log --start 2026-11-15
'

test_expect 'US states: the consumer notice from the state table' '
	due_is 2026-03-31 US-CA breach-individuals --start 2026-03-01 &&
	expect_eq "$(jfield verified)" partial "verified" &&
	due_is 2026-04-30 us-tx breach-individuals --start 2026-03-01 &&
	expect_eq "$(jfield jurisdiction)" US-TX "jurisdiction" &&
	expect_exit 0 fort deadline US-NJ breach-individuals --start 2026-03-01 &&
	expect_match "$OUT" "^due +no fixed period" &&
	expect_contains "$OUT" "without unreasonable delay"
'

test_expect 'text output: the dates with their weekday, the rule and its source' '
	expect_exit 0 fort deadline EU request --start 2026-01-31 --region DE &&
	expect_match "$OUT" "^due +2026-03-02 \(Mon\)$" &&
	expect_match "$OUT" "^if extended +2026-04-30 \(Thu\)$" &&
	expect_contains "$OUT" "a weekend or DE holiday rolls to the next working day" &&
	expect_contains "$OUT" "https://eur-lex.europa.eu/" &&
	expect_contains "$ERR" "not fully verified" &&
	expect_exit 0 fort deadline US-HIPAA breach-individuals --start 2026-11-15 &&
	expect_not_contains "$ERR" "not fully verified"
'

test_expect 'the rules listing shows every row of data/deadline_rules.csv' '
	rules=$E2E_DIR/../../data/deadline_rules.csv &&
	expect_exit 0 fort deadline --list &&
	expect_match "$OUT" "^UK +complaint +- +yes " &&
	expect_match "$OUT" "^CA +optout +US-CA +no " &&
	expect_match "$OUT" "^US-CA +breach-individuals +- +partial +Breach notice to residents of CA" &&
	want=$(($(wc -l <"$rules") - 1 + 51)) &&
	expect_exit 0 fort --json deadline rules &&
	expect_eq "$(jq_ "$OUT" "[len(d), sorted(set(r[\"jurisdiction\"] for r in d if not r[\"jurisdiction\"].startswith(\"US-\") or r[\"jurisdiction\"] == \"US-HIPAA\"))]")" \
		"[$want, [\"CA\", \"EU\", \"UK\", \"US-HIPAA\"]]" "rules listed and jurisdictions"
'

test_expect 'bad input: named in the message, with the documented exit code' '
	expect_exit 6 fort deadline EU request --start 2026-02-30 &&
	expect_error_line &&
	expect_contains "$ERR" "2026-02-30" &&
	expect_contains "$ERR" "February 2026 has 28 days" &&
	expect_exit 6 fort deadline EU request --start tomorrow &&
	expect_contains "$ERR" "tomorrow" &&
	expect_exit 6 fort deadline EU breach-authority --start 2026-03-27 &&
	expect_contains "$ERR" "counts hours" &&
	expect_exit 3 fort deadline FR request --start 2026-01-31 &&
	expect_contains "$ERR" "EU, UK, CA, US-HIPAA, US-XX for 51 US states" &&
	expect_exit 3 fort deadline EU erasure --start 2026-01-31 &&
	expect_contains "$ERR" "EU has: request" &&
	expect_exit 3 fort deadline EU request --start 2026-01-31 --region XX &&
	expect_contains "$ERR" "region '"'"'XX'"'"'" &&
	expect_exit 3 fort deadline EU request --start 2041-01-31 --region DE &&
	expect_contains "$ERR" "2024-2035" &&
	expect_exit 6 fort deadline EU request --start 2026-01-31 --paused-days 3 &&
	expect_contains "$ERR" "cannot be paused" &&
	expect_exit 6 fort deadline EU breach-authority --start 2026-03-27T16:00:00Z --extended &&
	expect_exit 2 fort deadline UK request --start 2026-03-03 --paused-days ten &&
	expect_exit 2 fort deadline EU request &&
	expect_contains "$ERR" "needs --start" &&
	expect_exit 2 fort deadline EU &&
	expect_exit 2 fort deadline EU request extra --start 2026-01-31
'

test_expect 'no vault is needed or created, and no file of data/ is read' '
	expect_exit 0 fort --vault "$TRASH/none/vault.db" deadline UK request --start 2026-03-03 &&
	{ [ ! -e "$TRASH/none" ] && [ ! -e "$FORTRESS_VAULT" ] || _fail "deadline created a vault"; } &&
	if command -v strace >/dev/null 2>&1 && strace -o /dev/null true 2>/dev/null; then
		# LeakSanitizer cannot run under ptrace: the exit status is not the point here
		ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=open,openat -o "$TRASH/trace" \
			"$FORTRESS" deadline UK request --start 2026-03-03 >"$OUT" 2>"$ERR"
		expect_contains "$OUT" "2026-04-07" &&
		expect_match "$TRASH/trace" "openat\(" &&
		expect_no_match "$TRASH/trace" "\\.csv\""
	fi
'

test_done
