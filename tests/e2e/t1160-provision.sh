#!/usr/bin/env bash
# t1160-provision: GDPR Art. 13(2)(e) per purpose from the CLI (issue 12
# item 6): `map activity edit PURPOSE --provision TEXT` is what the privacy
# notice then says under that purpose; a bad value is refused and nothing
# changes; '' goes back to the wording the legal basis implies.
set -u
. "$E2E_LIB"

init_vault
PROV='Required by the tax code (statutory): without it we cannot issue a lawful invoice.'

test_expect 'the notice states the provision set from the CLI, under its purpose' '
	expect_exit 0 fort notice show &&
	expect_not_contains "$OUT" "$PROV" &&
	expect_exit 0 fort map activity edit tax --provision "$PROV" &&
	expect_exit 0 fort notice show &&
	expect_contains "$OUT" "Must you provide it? $PROV (Art. 13(2)(e))" &&
	expect_exit 0 fort map activity list --json &&
	expect_contains "$OUT" "$PROV" &&
	expect_exit 0 fort map activity list &&
	expect_contains "$OUT" "must the client provide it: $PROV"
'

test_expect 'a provision with a line break or over 500 bytes is refused (exit 6), the map unchanged' '
	fort map export -o "$TRASH/before.json" &&
	expect_exit 6 fort map activity edit tax --provision "$(printf "two\nlines")" &&
	expect_contains "$ERR" "provision" &&
	expect_exit 6 fort map activity edit tax --provision "$(head -c 501 /dev/zero | tr "\\0" x)" &&
	expect_contains "$ERR" "500 bytes" &&
	fort map export -o "$TRASH/after.json" &&
	expect_eq "$(sha "$TRASH/before.json")" "$(sha "$TRASH/after.json")" "map unchanged"
'

test_expect "an empty provision goes back to the basis's wording" '
	expect_exit 0 fort map activity edit tax --provision "" &&
	expect_exit 0 fort notice show &&
	expect_not_contains "$OUT" "$PROV" &&
	expect_contains "$OUT" "statutory requirement"
'

test_expect '--help names the option' '
	expect_exit 0 fort map activity edit --help &&
	expect_contains "$OUT" "--provision"
'

test_done
