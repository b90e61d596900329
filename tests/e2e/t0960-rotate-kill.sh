#!/usr/bin/env bash
# t0960-rotate-kill: `fortress keys rotate` killed with SIGKILL in the
# middle (the process kills itself after 30 clients, through a test hook:
# a kill from outside is a race the machine's speed decides); the vault
# opens, every field decrypts, the rotation resumes and finishes, the old
# key versions are gone, the audit log verifies.
set -u
. "$E2E_LIB"

init_vault
N=1500
util gen-csv "$TRASH/clients.csv" "$N"


test_expect 'the clients are imported' '
	expect_exit 0 fort client import "$TRASH/clients.csv" &&
	expect_eq "$(status_get clients)" "$N" clients &&
	expect_exit 0 fort client export --purpose billing --output "$TRASH/before.json"
'

test_expect 'rotation killed with SIGKILL after some batches' '
	FORTRESS_ROTATE_BATCH=3 FORTRESS_TEST_KILL_ROTATION_AT=30 "$FORTRESS" keys rotate --all </dev/null >"$TRASH/rot.out" 2>"$TRASH/rot.err"
	rc=$?
	expect_eq "$rc" 137 "killed by SIGKILL (exit 128+9)" &&
	expect_exit 0 fort status --json &&
	expect_eq "$(jq_ "$OUT" "d[\"key_rotation\"][\"done\"] >= 30")" true done
'

test_expect 'the vault opens mid-rotation, shows it, and every field decrypts' '
	expect_exit 0 fort status --json &&
	expect_eq "$(jq_ "$OUT" "d[\"key_rotation\"][\"keys\"]")" "vault,identity,contact,financial,special,notes" rotating &&
	expect_exit 0 fort client export --purpose billing --output "$TRASH/mid.json" &&
	expect_eq "$(util export-digest "$TRASH/mid.json")" "$(util export-digest "$TRASH/before.json")" content &&
	expect_exit 0 fort client find email=client7@example.com &&
	expect_match "$OUT" "^c-" &&
	expect_exit 0 fort client find email=client1400@example.com &&
	expect_match "$OUT" "^c-"
'

test_expect 'the rotation resumes and finishes; the content is unchanged' '
	expect_exit 0 fort keys rotate --resume --json &&
	expect_eq "$(jq_ "$OUT" "d[\"resumed\"]")" true resumed &&
	expect_exit 0 fort status --json &&
	expect_eq "$(jq_ "$OUT" "d.get(\"key_rotation\")")" null rotation &&
	expect_exit 0 fort client export --purpose billing --output "$TRASH/after.json" &&
	expect_eq "$(util export-digest "$TRASH/after.json")" "$(util export-digest "$TRASH/before.json")" content &&
	expect_exit 0 fort client find email=client7@example.com &&
	expect_match "$OUT" "^c-" &&
	expect_exit 3 fort keys rotate --resume &&
	expect_exit 0 fort audit verify &&
	expect_exit 0 fort audit log --json &&
	expect_contains "$OUT" "rotate-finish"
'

test_done
