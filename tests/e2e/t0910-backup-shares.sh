#!/usr/bin/env bash
# t0910-backup-shares: the owner's passphrase is lost and the laptop is
# gone; a backup is restored on another machine with K recovery shares,
# and the owner sets a new passphrase.  K-1 shares, a damaged share or
# another vault's shares restore nothing.
set -u
. "$E2E_LIB"

init_vault
CID=$(add_client --set full_name="Jana Schmidt" --set email="jana@example.com" --set iban="DE89370400440532013000")
SH=$TRASH/shares
NEW=$TRASH/vault/restored.db
write_secret "$TRASH/new.pass" 'willow-anchor-pumice-falcon-ginger-oracle'

test_expect 'shares and a backup are made' '
	expect_exit 0 fort recovery split --shares 5 --threshold 3 --out "$SH" &&
	expect_exit 0 fort backup create "$TRASH/vault.backup"
'

test_expect 'two of three shares open nothing and leave nothing behind' '
	expect_exit 4 fort_nopass backup restore "$TRASH/vault.backup" --to "$NEW" --no-replay \
		--share-file "$SH/share-1-of-5.txt" --share-file "$SH/share-2-of-5.txt" --new-passphrase-file "$TRASH/new.pass" &&
	expect_contains "$ERR" "3 shares needed" &&
	test ! -e "$NEW" &&
	expect_exit 4 fort_nopass backup verify "$TRASH/vault.backup" --share-file "$SH/share-4-of-5.txt" --share-file "$SH/share-5-of-5.txt"
'

test_expect 'a damaged share is named' '
	# the first hex digit of the share data changed (to 0, or to 1 when it is 0 already)
	perl -pe '"'"'s/:([0-9a-f])([0-9a-f]*):([0-9a-f]{8})$/":" . ($1 eq "0" ? "1" : "0") . "$2:$3"/e'"'"' \
		"$SH/share-3-of-5.txt" >"$TRASH/bad-share.txt" &&
	! cmp -s "$TRASH/bad-share.txt" "$SH/share-3-of-5.txt" &&
	expect_exit 6 fort_nopass backup restore "$TRASH/vault.backup" --to "$NEW" --no-replay \
		--share-file "$SH/share-1-of-5.txt" --share-file "$SH/share-2-of-5.txt" --share-file "$TRASH/bad-share.txt" \
		--new-passphrase-file "$TRASH/new.pass" &&
	expect_contains "$ERR" "share 3" &&
	test ! -e "$NEW"
'

test_expect 'verify with three shares' '
	expect_exit 0 fort_nopass backup verify "$TRASH/vault.backup" --share-file "$SH/share-2-of-5.txt" \
		--share-file "$SH/share-4-of-5.txt" --share-file "$SH/share-5-of-5.txt"
'

test_expect 'restore with any three shares sets a new owner passphrase' '
	expect_exit 0 fort_nopass backup restore "$TRASH/vault.backup" --to "$NEW" --no-replay \
		--share-file "$SH/share-1-of-5.txt" --share-file "$SH/share-3-of-5.txt" --share-file "$SH/share-5-of-5.txt" \
		--new-passphrase-file "$TRASH/new.pass" &&
	FORTRESS_PASSPHRASE_FILE=$TRASH/new.pass expect_exit 0 fort --vault "$NEW" client get "$CID" --reveal iban --purpose billing &&
	expect_contains "$OUT" "DE89370400440532013000" &&
	expect_exit 4 fort --vault "$NEW" client list &&
	FORTRESS_PASSPHRASE_FILE=$TRASH/new.pass expect_exit 0 fort --vault "$NEW" audit verify &&
	FORTRESS_PASSPHRASE_FILE=$TRASH/new.pass expect_exit 0 fort --vault "$NEW" audit log --json &&
	expect_contains "$OUT" "recovery-restore" &&
	RV=$(FORTRESS_PASSPHRASE_FILE=$TRASH/new.pass vault_in_backend "$NEW" restored) &&
	FORTRESS_PASSPHRASE_FILE=$TRASH/new.pass expect_exit 0 fort --vault "$RV" client get "$CID" --reveal iban --purpose billing &&
	expect_contains "$OUT" "DE89370400440532013000" &&
	FORTRESS_PASSPHRASE_FILE=$TRASH/new.pass expect_exit 0 fort --vault "$RV" audit verify
'

test_expect 'shares of another vault do not open this backup' '
	OTHER=$(vault_new other) &&
	expect_exit 0 fort --vault "$OTHER" init --country DE --name "Other" --owner "otto" --kdf interactive &&
	expect_exit 0 fort --vault "$OTHER" recovery split --shares 3 --threshold 2 --out "$TRASH/other-shares" &&
	expect_exit 4 fort_nopass backup restore "$TRASH/vault.backup" --to "$TRASH/vault/x.db" --no-replay \
		--share-file "$TRASH/other-shares/share-1-of-3.txt" --share-file "$TRASH/other-shares/share-2-of-3.txt" \
		--new-passphrase-file "$TRASH/new.pass" &&
	expect_contains "$ERR" "another vault" &&
	test ! -e "$TRASH/vault/x.db"
'

test_done
