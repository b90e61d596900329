#!/usr/bin/env bash
# t2010-quarantine: `fortress quarantine FILE` moves a file with client data
# into the vault (an encrypted attachment linked to the clients found in it),
# then overwrites and removes the original; a re-scan finds nothing; the
# attachment comes back byte-identical; failures leave the original alone.
set -u
. "$E2E_LIB"

W=$TRASH/work
mkdir -p "$W/files"

test_expect 'a vault with two clients, a role without write' '
	init_vault &&
	A=$(add_client --set full_name="John Smith" --set email=john@example.com --set phone="+49 30 1234567") &&
	B=$(add_client --set full_name="Eva Lang" --set email=eva@example.org) &&
	write_secret "$TRASH/bob.pass" "umbrella-cactus-walrus-pretzel-glacier-oboe" &&
	FORTRESS_PASSPHRASE_FILE=$TRASH/bob.pass expect_exit 0 fort user request bob --kdf interactive &&
	expect_exit 0 fort user add bob --role bookkeeper
'

printf 'name,email,iban\nJohn,john@example.com,DE89 3704 0044 0532 0130 00\nEva,eva@example.org,\nX,stranger@example.net,\n' >"$W/files/list.csv"
cp "$W/files/list.csv" "$TRASH/orig.csv"

test_expect 'a role without write cannot quarantine: the file stays, nothing stored' '
	FORTRESS_USER=bob FORTRESS_PASSPHRASE_FILE=$TRASH/bob.pass expect_exit 5 fort quarantine "$W/files/list.csv" &&
	expect_error_line &&
	cmp "$W/files/list.csv" "$TRASH/orig.csv" &&
	expect_exit 0 fort attachment list --json && expect_eq "$(jq_ "$OUT" "len(d)")" 0
'

test_expect 'directories, symlinks and the vault itself are refused' '
	expect_exit 6 fort quarantine "$W/files" && expect_contains "$ERR" "is a directory" &&
	ln -s "$W/files/list.csv" "$W/link.csv" &&
	expect_exit 6 fort quarantine "$W/link.csv" && expect_contains "$ERR" "symbolic link" &&
	expect_exit 6 fort quarantine "$FORTRESS_VAULT" && expect_contains "$ERR" "vault" &&
	test -f "$FORTRESS_VAULT" && rm "$W/link.csv" &&
	cmp "$W/files/list.csv" "$TRASH/orig.csv"
'

test_expect 'quarantine: stored, linked to both clients, original gone' '
	expect_exit 0 fort quarantine "$W/files/list.csv" &&
	expect_contains "$OUT" "quarantined $W/files/list.csv as attachment 1" &&
	expect_contains "$OUT" "categories contact,financial" &&
	test ! -e "$W/files/list.csv" &&
	expect_exit 0 fort attachment list --json &&
	"$PYTHON" - "$OUT" "$A" "$B" "$(sha "$TRASH/orig.csv")" "$W/files/list.csv" <<-PY
	import json, sys
	a = json.load(open(sys.argv[1]))
	assert len(a) == 1, a
	x = a[0]
	assert x["id"] == 1 and x["readable"] and x["size"] == $(wc -c <"$TRASH/orig.csv"), x
	assert sorted(x["clients"]) == sorted([sys.argv[2], sys.argv[3]]), x
	assert x["sha256"] == sys.argv[4] and x["path"] == sys.argv[5], x
	assert x["categories"] == "contact,financial", x
	PY
'

test_expect 're-scan of the directory: clean' '
	expect_exit 0 fort --vault "$FORTRESS_VAULT" scan "$W/files" &&
	expect_contains "$OUT" "0 findings"
'

test_expect 'the attachment comes back byte-identical, never over an existing file' '
	expect_exit 0 fort attachment get 1 --out "$TRASH/back.csv" &&
	cmp "$TRASH/back.csv" "$TRASH/orig.csv" &&
	expect_file_mode "$TRASH/back.csv" 600 &&
	expect_exit 6 fort attachment get 1 --out "$TRASH/back.csv" &&
	cmp "$TRASH/back.csv" "$TRASH/orig.csv"
'

test_expect 'the vault file holds no plaintext of it' '
	expect_exit 0 fort status &&
	! cat "$FORTRESS_VAULT" "$FORTRESS_VAULT-wal" 2>/dev/null | grep -a -q "stranger@example.net" &&
	cat "$FORTRESS_VAULT" | grep -a -q "SQLite format 3"
'

test_expect 'the bookkeeper lists it and may read it (holds contact and financial keys)' '
	FORTRESS_USER=bob FORTRESS_PASSPHRASE_FILE=$TRASH/bob.pass expect_exit 0 fort attachment list --client "$A" --json &&
	expect_eq "$(jq_ "$OUT" "d[0][\"readable\"]")" true
'

printf 'notes about health: diabetes. password: hunter2hunter2\n' >"$W/files/notes.txt"
test_expect 'a file with a secret is gated by notes: the bookkeeper cannot read it' '
	expect_exit 0 fort quarantine "$W/files/notes.txt" &&
	expect_contains "$OUT" "categories notes" &&
	FORTRESS_USER=bob FORTRESS_PASSPHRASE_FILE=$TRASH/bob.pass expect_exit 0 fort attachment list --json &&
	expect_eq "$(jq_ "$OUT" "[x[\"readable\"] for x in d]")" "[true, false]" &&
	FORTRESS_USER=bob FORTRESS_PASSPHRASE_FILE=$TRASH/bob.pass expect_exit 5 fort attachment get 2 --out "$TRASH/n.txt" &&
	test ! -e "$TRASH/n.txt"
'

test_expect 'everything is in the audit log, the chain verifies' '
	expect_exit 0 fort audit log --client "$A" &&
	expect_contains "$OUT" "quarantine" && expect_contains "$OUT" "attachment-get" &&
	expect_exit 0 fort audit log &&
	expect_contains "$OUT" "denied" &&
	expect_exit 0 fort audit verify
'

test_expect 'remove crypto-shreds it: gone from the list, get is not found' '
	expect_exit 0 fort attachment remove 1 &&
	expect_contains "$OUT" "key is destroyed" &&
	expect_exit 3 fort attachment get 1 --out "$TRASH/again.csv" &&
	test ! -e "$TRASH/again.csv" &&
	expect_exit 0 fort attachment list --json &&
	expect_eq "$(jq_ "$OUT" "[x[\"id\"] for x in d]")" "[2]" &&
	expect_exit 0 fort audit log && expect_contains "$OUT" "attachment-remove"
'

test_expect 'a key rotation re-wraps attachment keys: still readable afterwards' '
	expect_exit 0 fort keys rotate --category notes &&
	expect_exit 0 fort attachment get 2 --out "$TRASH/n2.txt" &&
	expect_contains "$TRASH/n2.txt" "hunter2hunter2"
'

test_expect 'access package: the files naming the client are listed (not copied)' '
	printf "Notes for Eva: eva@example.org\n" >"$W/files/eva.txt" &&
	printf "John Smith and Eva Lang met: john@example.com, eva@example.org\n" >"$W/files/both.txt" &&
	expect_exit 0 fort quarantine "$W/files/eva.txt" "$W/files/both.txt" &&
	expect_exit 0 fort attachment list --client "$B" --json &&
	expect_eq "$(jq_ "$OUT" "[x[\"id\"] for x in d]")" "[3, 4]" linked-to-eva &&
	expect_exit 0 fort request open access "$B" --received "$(date -u +%F)" &&
	expect_exit 0 fort request fulfil 1 --out "$TRASH/eva-pkg" &&
	expect_eq "$(jq_ "$TRASH/eva-pkg/data.json" "[(f[\"id\"], f[\"other_clients\"]) for f in d[\"files\"]]")" "[[3, 0], [4, 1]]" files &&
	expect_contains "$TRASH/eva-pkg/letter.md" "2 file(s) that name you" &&
	expect_not_contains "$TRASH/eva-pkg/data.json" "met: john"
'

test_expect 'erasing a client shreds the files naming only them; a shared file loses the link' '
	expect_exit 0 fort client erase "$B" --yes &&
	expect_exit 0 fort attachment list --json &&
	expect_eq "$(jq_ "$OUT" "[(x[\"id\"], x[\"clients\"]) for x in d]")" "[[2, []], [4, [\"$A\"]]]" left &&
	expect_exit 3 fort attachment get 3 --out "$TRASH/gone.txt" &&
	expect_exit 0 fort audit log --json &&
	expect_contains "$OUT" "attachments: 1 shredded, 1 kept (they name other clients too)"
'

test_done
