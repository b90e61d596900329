#!/usr/bin/env bash
# t0900-backup: backup create / verify / restore as a user runs them:
# round trip with equal content, altered / truncated / newer backups refused
# with nothing changed, erasures after the backup replayed on restore,
# `status` showing the last verified backup.
set -u
. "$E2E_LIB"

init_vault

BAK=$TRASH/work/vault.fbak
RESTORED=$TRASH/work/restored.db

# export_sorted VAULT OUT: every client exported for billing, records sorted.
export_sorted() {
	fort --vault "$1" client export --purpose billing --format json --force -o "$TRASH/export.json" >/dev/null 2>"$TRASH/export.err" || {
		_fail "export from $1 failed: $(cat "$TRASH/export.err")"
		return 1
	}
	"$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
if isinstance(d, dict):
    d = d.get("clients", d)
print("\n".join(sorted(json.dumps(r, sort_keys=True) for r in d)))
' "$TRASH/export.json" >"$2"
}

test_expect 'setup: three clients' '
	A=$(add_client --set full_name="Jana Schmidt" --set email=jana@example.com --set iban="DE89 3704 0044 0532 0130 00") &&
	B=$(add_client --set full_name="Max Muster" --set email=max@example.com --set phone="+49 30 1234567") &&
	C=$(add_client --set full_name="Eva Klein" --set email=eva@example.com) &&
	expect_eq "$(status_get clients)" 3 clients
'

test_expect 'status says no backup was verified yet' '
	expect_exit 0 fort status &&
	expect_match "$OUT" "^last verified backup:? +never$" &&
	expect_exit 0 fort status --json &&
	expect_eq "$(jq_ "$OUT" "d[\"last_verified_backup\"] is None")" true "last_verified_backup is null"
'

test_expect 'backup create writes a 0600 file and leaves no temporary behind' '
	expect_exit 0 fort backup create "$BAK" &&
	expect_contains "$OUT" "backup written to $BAK: 3 clients" &&
	expect_file_mode "$BAK" 600 &&
	expect_eq "$(ls -A "$TRASH/work" | grep -c -e "\.tmp-" -e "\.fortress-backup-")" 0 "temporaries left" &&
	expect_exit 0 fort audit log --json &&
	expect_contains "$OUT" "backup-create"
'

test_expect 'the backup holds no plaintext client data' '
	expect_eq "$(grep -c -a -F -e "Jana" -e "jana@example.com" -e "DE89370400440532013000" "$BAK")" 0 "plaintext lines in the backup"
'

test_expect 'backup verify --json: intact, recorded, status shows it' '
	expect_exit 0 fort backup verify "$BAK" --json &&
	expect_json "$OUT" &&
	expect_eq "$(jq_ "$OUT" "d[\"verified\"]")" true verified &&
	expect_eq "$(jq_ "$OUT" "d[\"recorded\"]")" true recorded &&
	expect_eq "$(jq_ "$OUT" "d[\"clients\"]")" 3 clients &&
	expect_exit 0 fort status &&
	expect_match "$OUT" "^last verified backup:? +today" &&
	expect_exit 0 fort status --json &&
	expect_ne "$(jq_ "$OUT" "d[\"last_verified_backup\"]")" null "last_verified_backup"
'

test_expect 'round trip: the restored vault exports the same content' '
	export_sorted "$FORTRESS_VAULT" "$TRASH/before.txt" &&
	expect_exit 0 fort backup restore "$BAK" --to "$RESTORED" &&
	expect_file_mode "$RESTORED" 600 &&
	expect_exit 6 fort backup restore "$BAK" --to "postgresql:///fortress_restore?host=$TRASH" &&
	expect_contains "$ERR" "store copy --to URL" &&
	export_sorted "$RESTORED" "$TRASH/after.txt" &&
	expect_eq "$(sha "$TRASH/after.txt")" "$(sha "$TRASH/before.txt")" "export digest" &&
	expect_eq "$(wc -l <"$TRASH/after.txt" | tr -d " ")" 3 "clients exported" &&
	expect_exit 0 fort --vault "$RESTORED" audit verify &&
	expect_exit 0 fort --vault "$RESTORED" audit log &&
	expect_contains "$OUT" "backup-restore"
'

test_expect 'the restored file as a vault of this run'\''s backend (moved into PostgreSQL on a pg run) reads the same' '
	RV=$(vault_in_backend "$RESTORED" restored) &&
	export_sorted "$RV" "$TRASH/after-backend.txt" &&
	expect_eq "$(sha "$TRASH/after-backend.txt")" "$(sha "$TRASH/before.txt")" "export digest" &&
	expect_exit 0 fort --vault "$RV" audit verify &&
	expect_contains "$OUT" "audit chain OK"
'

test_expect 'restore onto an existing file is refused (exit 6), the file untouched' '
	before=$(sha "$RESTORED") &&
	expect_exit 6 fort backup restore "$BAK" --to "$RESTORED" &&
	expect_error_line &&
	expect_contains "$ERR" "already exists" &&
	expect_eq "$(sha "$RESTORED")" "$before" "restored vault"
'

test_expect 'wrong passphrase: exit 4' '
	write_secret "$TRASH/wrong" "harbor-quiet-tundra-mosaic-falcon-ribbon" &&
	expect_exit 4 fort --passphrase-file "$TRASH/wrong" backup verify "$BAK" &&
	expect_error_line &&
	expect_contains "$ERR" "wrong passphrase" &&
	expect_exit 4 fort --passphrase-file "$TRASH/wrong" backup restore "$BAK" --to "$TRASH/work/x.db" &&
	expect_eq "$(test -e "$TRASH/work/x.db" && echo yes || echo no)" no "x.db exists"
'

test_expect 'an altered byte: verify and restore fail with exit 8, nothing written' '
	size=$(stat -c %s "$BAK") &&
	for off in 3 40 $((size / 2)) $((size - 1)); do
		cp "$BAK" "$TRASH/work/altered.fbak" &&
		"$PYTHON" -c "
import sys
p, o = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, \"rb\").read()); b[o] ^= 1; open(p, \"wb\").write(b)
" "$TRASH/work/altered.fbak" "$off" &&
		expect_ne "$(sha "$TRASH/work/altered.fbak")" "$(sha "$BAK")" "altered copy at $off" &&
		expect_exit 8 fort backup verify "$TRASH/work/altered.fbak" &&
		expect_error_line &&
		expect_exit 8 fort backup restore "$TRASH/work/altered.fbak" --to "$TRASH/work/altered.db" &&
		expect_eq "$(test -e "$TRASH/work/altered.db" && echo yes || echo no)" no "altered.db exists" || return 1
	done
'

test_expect 'a truncated backup: exit 8, the message says so' '
	size=$(stat -c %s "$BAK") &&
	head -c $((size - 100)) "$BAK" >"$TRASH/work/cut.fbak" &&
	expect_exit 8 fort backup verify "$TRASH/work/cut.fbak" &&
	expect_match "$ERR" "does not verify|truncated" &&
	head -c 10 "$BAK" >"$TRASH/work/cut.fbak" &&
	expect_exit 8 fort backup verify "$TRASH/work/cut.fbak" &&
	expect_contains "$ERR" "truncated"
'

test_expect 'a backup from a newer Fortress: exit 8, says so' '
	cp "$BAK" "$TRASH/work/newer.fbak" &&
	printf "\\x00\\x00\\x00\\x07" | dd of="$TRASH/work/newer.fbak" bs=1 seek=8 conv=notrunc 2>/dev/null &&
	expect_exit 8 fort backup verify "$TRASH/work/newer.fbak" &&
	expect_contains "$ERR" "newer Fortress" &&
	expect_exit 8 fort backup restore "$TRASH/work/newer.fbak" --to "$TRASH/work/newer.db" &&
	expect_eq "$(test -e "$TRASH/work/newer.db" && echo yes || echo no)" no "newer.db exists"
'

test_expect 'not a backup at all (a vault file): exit 8' '
	expect_exit 8 fort backup verify "$RESTORED" &&
	expect_contains "$ERR" "not a Fortress backup"
'

test_expect 'a missing backup file: exit 3 before any passphrase is needed' '
	expect_exit 3 fort_nopass backup verify "$TRASH/work/none.fbak"
'

test_expect 'a client erased after the backup stays erased after restore' '
	expect_exit 0 fort client erase "$B" --reason "client asked" --yes &&
	expect_exit 0 fort backup restore "$BAK" --to "$TRASH/work/replayed.db" --json &&
	expect_json "$OUT" &&
	expect_eq "$(jq_ "$OUT" "d[\"erased_replayed\"]")" 1 erased_replayed &&
	expect_exit 3 fort --vault "$TRASH/work/replayed.db" client get "$B" &&
	expect_contains "$ERR" "erased" &&
	expect_exit 0 fort --vault "$TRASH/work/replayed.db" client get "$A" &&
	expect_exit 0 fort --vault "$TRASH/work/replayed.db" client get "$C" &&
	expect_exit 3 fort --vault "$TRASH/work/replayed.db" client find email=max@example.com &&
	expect_exit 0 fort --vault "$TRASH/work/replayed.db" audit verify &&
	expect_exit 0 fort --vault "$TRASH/work/replayed.db" status --json &&
	expect_eq "$(jq_ "$OUT" "d[\"clients\"]")" 2 clients &&
	expect_eq "$(jq_ "$OUT" "d[\"erased\"]")" 1 erased
'

test_expect 'restore on another machine (no current vault) works with the passphrase and warns' '
	expect_exit 0 fort --vault "$TRASH/work/elsewhere/none.db" backup restore "$BAK" --to "$TRASH/work/fresh.db" &&
	expect_contains "$ERR" "cannot be erased again" &&
	expect_exit 0 fort --vault "$TRASH/work/fresh.db" client get "$A" &&
	expect_exit 0 fort --vault "$TRASH/work/fresh.db" status --json &&
	expect_eq "$(jq_ "$OUT" "d[\"clients\"]")" 3 clients &&
	FV=$(vault_in_backend "$TRASH/work/fresh.db" fresh) &&
	expect_exit 0 fort --vault "$FV" client get "$A" --reveal email --purpose billing &&
	expect_contains "$OUT" "jana@example.com"
'

test_expect '--no-replay skips the ledger on purpose; another vault as --vault is refused (exit 6)' '
	expect_exit 0 fort backup restore "$BAK" --to "$TRASH/work/noreplay.db" --no-replay --json &&
	expect_eq "$(jq_ "$OUT" "d[\"erased_replayed\"]")" 0 erased_replayed &&
	expect_exit 0 fort --vault "$TRASH/work/noreplay.db" client get "$B" &&
	OTHER=$(vault_new other) &&
	expect_exit 0 fort --vault "$OTHER" init --country DE --name "Other Firm" --owner "$VAULT_OWNER" --kdf interactive &&
	expect_exit 6 fort --vault "$OTHER" backup restore "$BAK" --to "$TRASH/work/mixed.db" &&
	expect_contains "$ERR" "not the vault this backup was made of" &&
	expect_eq "$(test -e "$TRASH/work/mixed.db" && echo yes || echo no)" no "mixed.db exists"
'

test_expect 'backup create needs the passphrase (exit 2 without one)' '
	expect_exit 2 fort_nopass backup create "$TRASH/work/nopass.fbak" &&
	expect_eq "$(test -e "$TRASH/work/nopass.fbak" && echo yes || echo no)" no "nopass.fbak exists"
'

test_done
