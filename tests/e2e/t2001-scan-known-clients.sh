#!/usr/bin/env bash
# t2001-scan-known-clients: with --vault, e-mail and phone findings are
# looked up in the vault's blind index: a client's is a known client
# (confidence high), nothing is decrypted, the vault file is not scanned.
set -u
. "$E2E_LIB"

W=$TRASH/work
mkdir -p "$W/files"
printf 'mail john@example.com and other@example.com\ncall 030 1234567 or 030 7654321\n' >"$W/files/a.txt"

test_expect 'a vault with one client' '
	expect_exit 0 fort init --country DE --name "Known GmbH" --owner "Ann Owner" --kdf interactive &&
	expect_exit 0 fort client add --set full_name="John Smith" --set email=John@Example.com \
		--set phone="+49 30 1234567"
'

test_expect 'without --vault nothing is known' '
	env -u FORTRESS_VAULT "$FORTRESS" scan --format json "$W/files" </dev/null >"$OUT" 2>"$ERR"
	expect_json "$OUT" &&
	expect_not_contains "$OUT" "known_client"
'

test_expect 'with --vault the client e-mail and phone are known clients, others not' '
	expect_exit 1 fort --vault "$FORTRESS_VAULT" scan --format json "$W/files" &&
	expect_json "$OUT" &&
	"$PYTHON" - "$OUT" <<-PY
	import json, sys
	f = json.load(open(sys.argv[1]))["findings"]
	known = [(x["type"], x["line"], x["column"]) for x in f if x.get("known_client")]
	assert known == [("email", 1, 6), ("phone", 2, 6)], known
	for x in f:
	    if x.get("known_client"):
	        assert x["confidence"] == "high" and x["rule"].endswith(".known-client"), x
	assert len(f) == 4, f
	PY
'

test_expect 'text output says known client; the vault itself is never scanned' '
	expect_exit 1 fort --vault "$FORTRESS_VAULT" scan "$W/files" "$TRASH/vault" &&
	expect_contains "$OUT" "email (high, known client) j***@example.com" &&
	expect_not_contains "$OUT" "vault.db:" &&
	expect_not_contains "$OUT" "john@example.com"
'

test_expect 'a wrong passphrase with --vault is an error (exit 2)' '
	printf "wrong-passphrase-entirely-wrong-here\n" >"$TRASH/wrong" && chmod 600 "$TRASH/wrong" &&
	expect_exit 2 fort --vault "$FORTRESS_VAULT" --passphrase-file "$TRASH/wrong" scan "$W/files" &&
	expect_error_line
'

test_done
