#!/usr/bin/env bash
# make-vault-v20.sh FORTRESS OUT: the fixture of t0570-upgrade-seal's packed
# log, a sealed vault as the release before seal_log was packed left it
# (schema 20: a seal_log row per seal; branch main at 8ebaf59, its binary
# built in a worktree of that commit).  FORTRESS is that release's binary;
# the passphrase is tests/e2e/lib.sh's.  Its log has entries of one seal,
# of a few, and an import's of more than 64 (so more than one packed row,
# the last one shorter), ledgers' seals (consent, a request),
# a record edited (two seals of one row in two entries) and one erased.
set -eu
F=$1 OUT=$2
. "$(dirname "$0")/make-vault-lib.sh"
make_vault --country DE
A=$("$F" client add --set full_name="Piotr Nowak" --set email="piotr@example.com" --set phone="+49 30 1234567")
B=$("$F" client add --set full_name="Karl Berg" --set email="karl@example.com" --set iban="DE89370400440532013000")
{
	echo "full_name,email"
	for i in $(seq 1 40); do echo "Client $i,client$i@example.org"; done
} >"$T/in.csv"
"$F" client import "$T/in.csv" >/dev/null
"$F" client edit "$A" --set email="piotr.nowak@example.com" >/dev/null
printf 'Newsletter: monthly offers.\n' >"$T/notice.txt"
"$F" consent grant "$A" marketing --channel web --notice-file "$T/notice.txt" >/dev/null
"$F" request open access "$A" --received 2026-11-30 >/dev/null
"$F" client erase "$B" --yes >/dev/null
vault_out
