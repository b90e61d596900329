#!/usr/bin/env bash
# t0960-rotate-kill: `fortress keys rotate` killed with SIGKILL in the
# middle; the vault opens, every field decrypts, the rotation resumes and
# finishes, the old key versions are gone, the audit log verifies.
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
	FORTRESS_ROTATE_BATCH=3 "$FORTRESS" keys rotate --all </dev/null >"$TRASH/rot.out" 2>"$TRASH/rot.err" &
	pid=$!
	killed=0
	for i in $(seq 1 600); do
		done_n=$(fort status --json 2>/dev/null | "$PYTHON" -c "import json,sys; print(json.load(sys.stdin).get(\"key_rotation\",{}).get(\"done\",0))" 2>/dev/null)
		if [ "${done_n:-0}" -ge 30 ]; then
			kill -KILL "$pid" 2>/dev/null && killed=1
			break
		fi
		sleep 0.02
	done
	wait "$pid" 2>/dev/null
	expect_eq "$killed" 1 "killed mid-rotation (rotation done: ${done_n:-0})"
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
