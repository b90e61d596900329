#!/usr/bin/env bash
# make-vault-v17.sh FORTRESS OUT: the fixture of t0553-index-seal, a sealed
# vault as the release before search entries were sealed per client left it (schema 17,
# branch main at 7a262ef, built apart from `git archive 7a262ef`).  FORTRESS is
# that release's binary; the passphrase is tests/e2e/lib.sh's.  It holds
# both kinds of index entry (unique: e-mail, phone; search: name, IBAN) for
# three clients, one of whose e-mail was changed (its old entry removed
# through Fortress, so sealed as removed).
set -eu
F=$1 OUT=$2
. "$(dirname "$0")/make-vault-lib.sh"
make_vault --country DE
A=$("$F" client add --set full_name="Piotr Nowak" --set email="piotr@example.com" --set phone="+49 30 1234567")
"$F" client add --set full_name="Karl Berg" --set email="karl@example.com" --set iban="DE89370400440532013000" >/dev/null
"$F" client add --set full_name="Ines Duarte" --set email="ines@example.com" >/dev/null
"$F" client edit "$A" --set email="piotr.nowak@example.com" >/dev/null
vault_out
