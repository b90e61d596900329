#!/usr/bin/env bash
# A locked (busy) vault and a full disk: a clear message, the documented exit
# code, and the vault exactly as it was.
. "$E2E_LIB"
init_vault
ID=$(add_client --set full_name="Hanna Vogel" --set email=hanna@example.org)

# lock_vault SECS: another process holds the vault for SECS seconds (in the
# background; `wait` for it): sqlite3's exclusive transaction on a file; on
# PostgreSQL a session holding the audit table (every change appends to it)
# past the backend's lock_timeout (10 s).
lock_vault() {
	if on_pg; then
		(echo "BEGIN; LOCK TABLE audit IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep($1); COMMIT;" |
			psql "$FORTRESS_VAULT" -qAtX >/dev/null) &
	else
		(echo "BEGIN EXCLUSIVE;"; sleep "$1"; echo "COMMIT;") | sqlite3 "$FORTRESS_VAULT" &
	fi
}

test_expect 'a vault locked by another process: exit 7, says so, nothing changed' '
	n=$(vault_sql "SELECT count(*) FROM audit") &&
	if on_pg; then lock_vault 16; else lock_vault 8; fi &&
	sleep 1 &&
	expect_exit 7 fort client add --set full_name="Ida Busy" &&
	expect_contains "$ERR" "in use by another process" &&
	wait &&
	expect_eq "$(vault_sql "SELECT count(*) FROM audit")" "$n" "audit entries after the refused add" &&
	expect_exit 0 fort status --json &&
	expect_eq "$(status_get clients)" 1
'

# A 2 MiB tmpfs (needs root, as in CI); the import runs out of space midway.
full_disk() {
	local mnt=$TRASH/small saved=$FORTRESS_VAULT rc
	if [ "$(id -u)" != 0 ]; then
		echo "    (skipped: needs root to mount a small tmpfs)" >&2
		return 0
	fi
	mkdir -p "$mnt"
	if ! mount -t tmpfs -o size=2m tmpfs "$mnt" 2>/dev/null; then
		echo "    (skipped: cannot mount a tmpfs here)" >&2
		return 0
	fi
	export FORTRESS_VAULT=$mnt/v.db
	"$PYTHON" -c '
import sys
rows = ["full_name,email,notes"]
for i in range(3000):
    rows.append("Person %d,p%d@example.org,%s" % (i, i, "x" * 900))
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
' "$TRASH/big.csv"
	run fort init --country DE --name "Full Disk" --owner Ann --kdf interactive &&
	expect_eq "$RC" 0 &&
	expect_exit 9 fort client import "$TRASH/big.csv" &&
	expect_contains "$ERR" "disk is full" &&
	expect_exit 0 fort status --json &&
	expect_eq "$(status_get clients)" 0 &&
	expect_exit 0 fort audit verify
	rc=$?
	export FORTRESS_VAULT=$saved
	umount "$mnt"
	return $rc
}

test_expect 'a full disk: exit 9, says the disk is full, nothing imported, the vault still verifies' '
	sqlite_step "a vault file on a full 2 MiB tmpfs (a PostgreSQL vault'\''s disk is its server'\''s)" || return 0
	full_disk
'

test_expect 'the first vault is untouched by all this' '
	expect_exit 0 fort client get "$ID" --json &&
	expect_exit 0 fort audit verify
'
test_done
