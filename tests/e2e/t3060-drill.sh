#!/usr/bin/env bash
# t3060-drill: a tabletop drill of a playbook, run without a terminal
# (--script FILE, or answers on stdin), recorded with the time of each step,
# notes, the outcome and lessons; `plan drills` lists it; `fortress status`
# (locked) says when the plan was last drilled; bad scripts record nothing.
set -u
. "$E2E_LIB"

init_vault
fort plan init >/dev/null 2>&1
fort plan edit --role lead --name "Annegret Quastoff" >/dev/null 2>&1

test_expect 'before any drill: status says never drilled; drills lists none' '
	expect_exit 0 fort status &&
	expect_contains "$OUT" "incident plan: never drilled" &&
	expect_exit 0 fort status --json &&
	expect_eq "$(jq_ "$OUT" "d[\"plan\"][\"last_drill\"]")" null last_drill &&
	expect_exit 0 fort plan drills --json &&
	expect_eq "$(jq_ "$OUT" "len(d)")" 0 drills
'

cat >"$TRASH/drill.txt" <<'TXT'
# lost laptop, 2026 tabletop
done 120 found the awareness time in the calendar
note the insurer line was busy
skip 45
done 600
done 300 could not tell whether the disk was encrypted
done 90
done 240
done 60
lesson keep the insurer's number on paper
lesson record disk encryption per laptop
outcome the 72-hour decision took 25 minutes
TXT

test_expect 'a drill from a script is recorded with its step timings' '
	expect_exit 0 fort plan drill lost-device --script "$TRASH/drill.txt" --json &&
	expect_eq "$(jq_ "$OUT" "d[\"seconds\"]")" 1455 total &&
	expect_exit 0 fort plan drills --json &&
	expect_eq "$(jq_ "$OUT" "len(d)")" 1 drills &&
	expect_eq "$(jq_ "$OUT" "[s[\"seconds\"] for s in d[0][\"step_log\"]]")" "[120, 45, 600, 300, 90, 240, 60]" timings &&
	expect_eq "$(jq_ "$OUT" "[s[\"done\"] for s in d[0][\"step_log\"]]")" "[true, false, true, true, true, true, true]" done &&
	expect_eq "$(jq_ "$OUT" "d[0][\"step_log\"][1][\"note\"]")" "the insurer line was busy" note &&
	expect_eq "$(jq_ "$OUT" "d[0][\"step_log\"][0][\"owner\"]")" lead owner &&
	expect_eq "$(jq_ "$OUT" "d[0][\"done\"]")" 6 done-count &&
	expect_eq "$(jq_ "$OUT" "d[0][\"skipped\"]")" 1 skipped &&
	expect_eq "$(jq_ "$OUT" "d[0][\"finished\"] - d[0][\"started\"]")" 1455 span &&
	expect_eq "$(jq_ "$OUT" "d[0][\"outcome\"]")" "the 72-hour decision took 25 minutes" outcome &&
	expect_eq "$(jq_ "$OUT" "len(d[0][\"lessons\"])")" 2 lessons
'

test_expect 'status (locked, no passphrase) shows when the plan was last drilled' '
	expect_exit 0 fort_nopass status &&
	expect_contains "$OUT" "incident plan: last drilled today (lost-device" &&
	expect_exit 0 fort_nopass status --json &&
	expect_eq "$(jq_ "$OUT" "d[\"plan\"][\"last_drill_type\"]")" lost-device type &&
	expect_ne "$(jq_ "$OUT" "d[\"plan\"][\"last_drill\"]")" null when
'

test_expect 'answers on stdin when there is no terminal' '
	printf "done 10\ndone 20\ndone 30\ndone 40\ndone 50\ndone 60\noutcome quick\n" >"$TRASH/stdin.txt" &&
	run setsid -w "$FORTRESS" plan drill misdirected-email <"$TRASH/stdin.txt" &&
	expect_eq "$RC" 0 exit &&
	expect_contains "$OUT" "drill 2 recorded: misdirected-email, 6 steps in 00:03:30" &&
	expect_exit 0 fort plan drills &&
	expect_contains "$OUT" "misdirected-email" &&
	expect_contains "$OUT" "lesson: keep the insurer" &&
	expect_contains "$OUT" "-- the insurer line was busy"
'

test_expect 'a script that answers too few steps records nothing' '
	printf "done 10\ndone 20\n" >"$TRASH/short.txt" &&
	expect_exit 6 fort plan drill ransomware --script "$TRASH/short.txt" &&
	expect_contains "$ERR" "2 of the playbook" &&
	printf "done\nmaybe\n" >"$TRASH/bad.txt" &&
	expect_exit 6 fort plan drill ransomware --script "$TRASH/bad.txt" &&
	expect_contains "$ERR" "line 2" &&
	expect_exit 6 fort plan drill volcano --script "$TRASH/drill.txt" &&
	expect_contains "$ERR" "volcano" &&
	expect_exit 0 fort plan drills --json &&
	expect_eq "$(jq_ "$OUT" "len(d)")" 2 drills
'

test_expect 'drills are audited; notes and lessons are not in the file in clear' '
	expect_exit 0 fort audit log --json &&
	expect_eq "$(jq_ "$OUT" "sum(1 for e in d if e[\"action\"] == \"plan-drill\")")" 2 audited &&
	! grep -a -q -F "insurer line was busy" "$FORTRESS_VAULT" "$FORTRESS_VAULT-wal" 2>/dev/null &&
	! grep -a -q -F "record disk encryption" "$FORTRESS_VAULT" "$FORTRESS_VAULT-wal" 2>/dev/null
'

test_done
