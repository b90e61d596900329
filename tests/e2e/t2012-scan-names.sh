#!/usr/bin/env bash
# t2012-scan-names: with --vault, runs of 2-3 capitalised words are looked up
# in the vault's name index (nothing decrypted): a client's name is a finding
# "name" / "name.known-client", masked; other names are not; without a vault
# there are no name findings at all.  Quarantine links the named client.
set -u
. "$E2E_LIB"

W=$TRASH/work
mkdir -p "$W/files"
printf 'Meeting notes: John Smith and Zo\303\253 O'"'"'Brien-Smith came.\nMary Jones called, then JOHN SMITH again.\nthe new york times, john smith (lower case) and Smithers.\n' >"$W/files/notes.txt"

test_expect 'a vault with two clients' '
	init_vault &&
	A=$(add_client --set full_name="John Smith") &&
	B=$(add_client --set full_name="Zo$(printf "\303\253") O'"'"'Brien-Smith" --set email=zoe@example.com)
'

test_expect 'without a vault: no name findings' '
	expect_exit 0 fort scan --format json "$W/files" &&
	expect_eq "$(jq_ "$OUT" "d[\"summary\"][\"findings\"]")" 0
'

test_expect 'with --vault: the clients names are found, masked; Mary Jones is not' '
	expect_exit 1 fort --vault "$FORTRESS_VAULT" scan --format json "$W/files" &&
	"$PYTHON" - "$OUT" <<-PY
	import json, sys
	d = json.load(open(sys.argv[1]))
	f = [(x["type"], x["rule"], x["line"], x["column"], x["excerpt"], x.get("known_client"), x["confidence"]) for x in d["findings"]]
	assert f == [
	    ("name", "name.known-client", 1, 16, "J*** S****", True, "high"),
	    ("name", "name.known-client", 1, 31, "Z** O************", True, "high"),
	    ("name", "name.known-client", 2, 25, "J*** S****", True, "high"),
	], f
	assert d["summary"]["by_type"]["name"] == 3, d["summary"]
	PY
'

test_expect 'text output never shows the name' '
	expect_exit 1 fort --vault "$FORTRESS_VAULT" scan "$W/files" &&
	expect_contains "$OUT" "name (high, known client) J*** S****  [name.known-client]" &&
	expect_not_contains "$OUT" "John" && expect_not_contains "$OUT" "Brien"
'

test_expect 'the lookups are audited as searches of the name field, no values' '
	expect_exit 0 fort audit log &&
	expect_contains "$OUT" "fields=full_name" &&
	expect_not_contains "$OUT" "Smith"
'

test_expect 'quarantine links both named clients, gated by identity' '
	expect_exit 0 fort quarantine --json "$W/files/notes.txt" &&
	"$PYTHON" - "$OUT" "$A" "$B" <<-PY
	import json, sys
	q = json.load(open(sys.argv[1]))[0]
	assert sorted(q["clients"]) == sorted(sys.argv[2:4]), q
	assert q["categories"] == "identity" and q["removed"], q
	PY
'

test_done
