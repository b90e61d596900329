#!/usr/bin/env bash
# t0130-output-files: every option that writes a file (-o/--output, --out
# FILE, --letter, --pdf) refuses an existing file without --force and a
# symbolic link always, before the passphrase is asked for; writes under a
# temporary name and renames, leaving nothing behind when it fails; '-' is
# standard output.
set -u
. "$E2E_LIB"

init_vault
add_client --set full_name="Olga Out" --set email=olga@example.com >/dev/null
fort plan init >/dev/null 2>&1 || echo "plan init failed" >&2

# the commands, each with FILE where its output file goes
CMDS=(
	"client export --purpose service -o FILE"
	"client export --purpose service --format vcard --output FILE"
	"map export -o FILE"
	"notice show -o FILE"
	"records --format csv -o FILE"
	"plan export --format md --out FILE"
)

nopass_with() { ( unset FORTRESS_PASSPHRASE_FILE; run_with "$@" ); }
run_with() { # run_with FILE CMD...: CMD with FILE put in
	local f=$1; shift
	# shellcheck disable=SC2086
	set -- ${*//FILE/$f}
	fort "$@"
}

for cmd in "${CMDS[@]}"; do
	test_expect "$cmd: an existing file is refused (exit 6, before any passphrase) and kept; --force replaces it" '
		printf "keep me\n" >"$TRASH/dest" &&
		expect_exit 6 nopass_with "$TRASH/dest" '"$cmd"' &&
		expect_contains "$ERR" "exists: give another file, or --force to replace it" &&
		expect_eq "$(cat "$TRASH/dest")" "keep me" "the file" &&
		run_with "$TRASH/dest" '"$cmd"' --force >/dev/null 2>"$TRASH/force.err" ||
			{ _fail "--force: $(cat "$TRASH/force.err")"; return 1; }
		expect_ne "$(cat "$TRASH/dest")" "keep me" "replaced" &&
		expect_eq "$(ls -A "$TRASH" | grep -c "fortress-out")" 0 "temporary files"
	'
	test_expect "$cmd: a symbolic link is never followed, even with --force" '
		printf "target\n" >"$TRASH/target" && rm -f "$TRASH/link" && ln -s "$TRASH/target" "$TRASH/link" &&
		expect_exit 6 run_with "$TRASH/link" '"$cmd"' --force &&
		expect_contains "$ERR" "symbolic link" &&
		expect_eq "$(cat "$TRASH/target")" "target" "the target" &&
		rm -f "$TRASH/link" && ln -s "$TRASH/nowhere" "$TRASH/link" &&
		expect_exit 6 run_with "$TRASH/link" '"$cmd"' &&
		{ [ ! -e "$TRASH/nowhere" ] || _fail "created through a dangling link"; }
	'
	test_expect "$cmd: a new file is written whole; '-' is standard output" '
		rm -f "$TRASH/new" &&
		expect_exit 0 run_with "$TRASH/new" '"$cmd"' &&
		{ [ -s "$TRASH/new" ] || _fail "empty or missing"; } &&
		expect_exit 0 run_with - '"$cmd"' &&
		expect_eq "$(cat "$OUT")" "$(cat "$TRASH/new")" "stdout and file agree"
	'
done

test_expect 'client export -o is mode 0600; a failed export leaves no file and no temporary' '
	rm -f "$TRASH/x.json" &&
	expect_exit 0 fort client export --purpose service -o "$TRASH/x.json" &&
	expect_file_mode "$TRASH/x.json" 600 &&
	expect_exit 3 fort client export --purpose no-such-purpose -o "$TRASH/y.json" &&
	{ [ ! -e "$TRASH/y.json" ] || _fail "a file after a failed export"; } &&
	expect_eq "$(ls -A "$TRASH" | grep -c "fortress-out")" 0 "temporary files"
'

test_expect 'request refuse --letter: an existing letter is refused before the request changes' '
	printf "old letter\n" >"$TRASH/letter.txt" &&
	ID=$(fort client find email=olga@example.com) &&
	expect_exit 0 fort request open access "$ID" --received 2026-01-31 &&
	expect_exit 6 fort request refuse 1 --reason "manifestly unfounded" --letter "$TRASH/letter.txt" &&
	expect_eq "$(cat "$TRASH/letter.txt")" "old letter" "kept" &&
	expect_exit 0 fort request refuse 1 --reason "manifestly unfounded" --letter "$TRASH/letter.txt" --force &&
	expect_contains "$TRASH/letter.txt" "manifestly unfounded"
'

test_done
