#!/usr/bin/env bash
# t0140-stdin: '-' means standard input wherever a file is read:
# `client import -`, `map import -`, `scan -`, `--set-file F=-`
# (standard output for -o is in t0130).
set -u
. "$E2E_LIB"

# from FILE ARGS...: fortress with FILE on standard input (no TTY)
from() {
	local f=$1; shift
	setsid -w "$FORTRESS" "$@" <"$f"
}

init_vault

test_expect 'map import -: the data map from standard input' '
	fort map export -o "$TRASH/map.json" >/dev/null 2>&1 &&
	sed "s/\"Full name\"/\"Name of the client\"/" "$TRASH/map.json" >"$TRASH/map2.json" &&
	expect_exit 0 from "$TRASH/map2.json" map import - &&
	expect_exit 0 fort map show &&
	expect_contains "$OUT" "Name of the client"
'

test_expect 'client import -: a CSV from standard input' '
	printf "name,email\nIna Input,ina@example.com\n" >"$TRASH/in.csv" &&
	expect_exit 0 from "$TRASH/in.csv" client import - --format csv &&
	expect_contains "$OUT" "imported 1 clients" &&
	expect_exit 0 fort client find email=ina@example.com
'

test_expect 'scan -: standard input is scanned as text, its findings named "-"' '
	printf "write to jane@example.com or pay to DE89 3704 0044 0532 0130 00\n" >"$TRASH/scan.txt" &&
	expect_exit 1 from "$TRASH/scan.txt" scan - &&
	expect_contains "$OUT" "-:1:" &&
	expect_contains "$OUT" "email (high)" &&
	expect_contains "$OUT" "iban" &&
	expect_not_contains "$OUT" "jane@example.com" &&
	printf "nothing to see\n" >"$TRASH/clean.txt" &&
	expect_exit 0 from "$TRASH/clean.txt" scan --format json - &&
	expect_contains "$OUT" "\"files_scanned\": 1"
'

test_expect 'scan - with other PATHs, or with --redact, is a usage error' '
	expect_exit 2 from "$TRASH/scan.txt" scan - "$TRASH/clean.txt" &&
	expect_contains "$ERR" "only PATH" &&
	expect_exit 2 from "$TRASH/scan.txt" scan --redact "$TRASH/red" - &&
	expect_contains "$ERR" "standard input"
'

test_done
