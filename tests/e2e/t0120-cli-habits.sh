#!/usr/bin/env bash
# t0120-cli-habits: "did you mean" for commands, subcommands, fields and
# purposes (an unknown purpose says unknown); --set without '=' says so;
# usage errors come before the passphrase and before any audit entry;
# values from --set-file and --set-stdin stay off the command line; a
# closed pipe ends the program quietly.
set -u
. "$E2E_LIB"

# fort_stdin ARGS...: fortress reading this shell's standard input
fort_stdin() {
	"$FORTRESS" "$@"
}

init_vault
ID=$(fort client add --set full_name="Jana Schmidt" --set email=jana@example.com)

test_expect 'a mistyped command or subcommand: did you mean' '
	expect_exit 2 fort clinet list &&
	expect_contains "$ERR" "did you mean '"'"'fortress client'"'"'" &&
	expect_exit 2 fort client ad --set full_name=X &&
	expect_contains "$ERR" "did you mean '"'"'fortress client add'"'"'"
'

test_expect 'a mistyped field: did you mean; an unknown purpose is unknown, not "not allowed"' '
	expect_exit 3 fort client get "$ID" --reveal full_nme --purpose service &&
	expect_contains "$ERR" "unknown field '"'"'full_nme'"'"': did you mean '"'"'full_name'"'"'" &&
	expect_exit 3 fort client get "$ID" --reveal full_name --purpose servce &&
	expect_contains "$ERR" "unknown purpose '"'"'servce'"'"': did you mean '"'"'service'"'"'" &&
	expect_not_contains "$ERR" "not allowed" &&
	expect_exit 3 fort client export --purpose holiday-cards &&
	expect_contains "$ERR" "unknown purpose '"'"'holiday-cards'"'"'" &&
	expect_exit 3 fort client find "emial=jana@example.com" &&
	expect_contains "$ERR" "did you mean '"'"'email'"'"'"
'

test_expect '--set "full_name John" says the = is missing, names no value, before the passphrase and any audit entry' '
	N=$(status_get audit_entries) &&
	expect_exit 2 fort client add --set "full_name John Doe" &&
	expect_contains "$ERR" "the '"'"'='"'"' is missing: write --set full_name=VALUE" &&
	expect_not_contains "$ERR" "John" &&
	expect_eq "$(status_get audit_entries)" "$N" "no unlock was audited" &&
	fort_nopass client add --set "full_name John Doe" >"$OUT" 2>"$ERR"; RC=$? &&
	expect_eq "$RC" 2 "usage error even with no passphrase at all" &&
	expect_not_contains "$ERR" "passphrase"
'

test_expect '--set-file and --set-stdin: the values come from a file and standard input' '
	printf "Sehr geheime Notiz\n" >"$TRASH/note.txt" &&
	ID2=$(printf "+49 30 1234567\n" | fort_stdin client add --set full_name="Karl Weber" --set-file notes="$TRASH/note.txt" --set-stdin phone) &&
	expect_match <(echo "$ID2") "^c-[0-9a-f]{16}$" &&
	expect_exit 0 fort client get "$ID2" --reveal notes --reveal phone --purpose service &&
	expect_contains "$OUT" "notes: Sehr geheime Notiz" &&
	expect_contains "$OUT" "phone: +49301234567" &&
	expect_exit 3 fort client add --set full_name=X --set-file notes="$TRASH/nope.txt" &&
	expect_contains "$ERR" "nope.txt"
'

test_expect 'a closed pipe ends client list quietly (head -1 prints one line, no error)' '
	{ echo "name,email"; for i in $(seq 1 3000); do echo "Client $i,c$i@example.com"; done; } >"$TRASH/many.csv" &&
	expect_exit 0 fort client import "$TRASH/many.csv" &&
	fort client list 2>"$TRASH/pipe.err" | head -1 >"$TRASH/first.txt"; rc=${PIPESTATUS[0]} &&
	expect_eq "$(wc -l <"$TRASH/first.txt")" 1 "one line" &&
	expect_empty "$TRASH/pipe.err" &&
	expect_eq "$rc" 0 "exit"
'

test_expect 'client import - reads standard input' '
	printf "name,email\nStdin Sam,sam@example.org\n" | fort_stdin client import - >"$OUT" 2>"$ERR" &&
	expect_contains "$OUT" "imported 1 clients from - (csv)" &&
	expect_exit 0 fort client find email=sam@example.org
'

test_expect 'export -o: an existing file is kept unless --force; a symbolic link is never followed' '
	expect_exit 0 fort client export --purpose service -o "$TRASH/out.json" &&
	echo precious >"$TRASH/keep.txt" &&
	expect_exit 6 fort client export --purpose service -o "$TRASH/keep.txt" &&
	expect_contains "$ERR" "exists" &&
	expect_contains "$ERR" "--force" &&
	expect_eq "$(cat "$TRASH/keep.txt")" precious "kept" &&
	ln -s "$TRASH/keep.txt" "$TRASH/link.json" &&
	expect_exit 6 fort client export --purpose service --force -o "$TRASH/link.json" &&
	expect_contains "$ERR" "symbolic link" &&
	expect_eq "$(cat "$TRASH/keep.txt")" precious "not written through the link" &&
	expect_exit 0 fort client export --purpose service --force -o "$TRASH/out.json" &&
	expect_file_mode "$TRASH/out.json" 600
'

test_expect 'bare fortress: a short help with the ten commands used most; --help --all lists every one' '
	expect_exit 2 fort &&
	expect_contains "$ERR" "the commands used most:" &&
	expect_eq "$(sed -n "/the commands used most:/,/^\$/p" "$ERR" | grep -c "^  [a-z]")" 10 "ten commands" &&
	expect_contains "$ERR" "fortress --help --all" &&
	for cmd in $(sed -n "/the commands used most:/,/^\$/p" "$ERR" | sed -n "s/^  \([a-z]*\( [a-z]*\)\?\)  .*/\1/p" | tr " " "+"); do
		fort help ${cmd/+/ } >/dev/null 2>&1 || { _fail "listed command ${cmd/+/ } does not exist"; return 1; }
	done &&
	expect_exit 0 fort --help --all &&
	expect_contains "$OUT" "incident notify" &&
	expect_contains "$OUT" "keys rotate" &&
	expect_exit 0 fort --help &&
	expect_not_contains "$OUT" "incident notify"
'

test_expect 'shell completion from the command table: bash completes commands, subcommands and options' '
	expect_exit 0 fort completion bash &&
	cp "$OUT" "$TRASH/comp.bash" &&
	bash -n "$TRASH/comp.bash" &&
	got=$(bash -c ". \"$TRASH/comp.bash\"; COMP_WORDS=(fortress cli); COMP_CWORD=1; _fortress; echo \"\${COMPREPLY[*]}\"") &&
	expect_eq "$got" "client" "fortress cli<TAB>" &&
	got=$(bash -c ". \"$TRASH/comp.bash\"; COMP_WORDS=(fortress client im); COMP_CWORD=2; _fortress; echo \"\${COMPREPLY[*]}\"") &&
	expect_eq "$got" "import" "fortress client im<TAB>" &&
	got=$(bash -c ". \"$TRASH/comp.bash\"; COMP_WORDS=(fortress client import --str); COMP_CWORD=3; _fortress; echo \"\${COMPREPLY[*]}\"") &&
	expect_eq "$got" "--strict-columns" "fortress client import --str<TAB>" &&
	expect_exit 0 fort completion zsh &&
	expect_contains "$OUT" "#compdef fortress" &&
	expect_exit 0 fort completion fish &&
	expect_contains "$OUT" "__fish_seen_subcommand_from client" &&
	expect_contains "$OUT" "-l strict-columns" &&
	expect_exit 2 fort completion tcsh
'

test_done
