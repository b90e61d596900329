#!/usr/bin/env bash
# make-vault-v8.sh FORTRESS OUT: the fixture of t0570-upgrade-seal, a vault
# as a release before the seals (schema 8, branch main at d808c96) left it.
# FORTRESS is that release's binary; the passphrase is tests/e2e/lib.sh's.
# It holds what the seals cover: clients (one partly erased with a held
# IBAN: legal holds and the field-erasure path), both indexes, a consent
# granted then withdrawn, a request, an attachment linked to a client.
set -eu
F=$1 OUT=$2
. "$(dirname "$0")/make-vault-lib.sh"
make_vault
A=$("$F" client add --set full_name="Piotr Nowak" --set email="piotr@example.com" --set phone="+49 30 1234567")
B=$("$F" client add --set full_name="Karl Berg" --set email="karl@example.com" --set iban="DE89370400440532013000")
printf 'Newsletter: monthly offers.\n' >"$T/notice.txt"
"$F" consent grant "$A" marketing --channel web --notice-file "$T/notice.txt" >/dev/null
"$F" consent withdraw "$A" marketing --channel email >/dev/null
"$F" request open erasure "$B" --received 2026-11-21 >/dev/null
REQ=$("$F" request list --json | python3 -c 'import json,sys; print(max(r["id"] for r in json.load(sys.stdin)))')
"$F" request fulfil "$REQ" --certificate "$T/cert.json" >/dev/null
printf 'name,email\nPiotr,piotr@example.com\n' >"$T/piotr.csv"
"$F" quarantine "$T/piotr.csv" >/dev/null
vault_out
