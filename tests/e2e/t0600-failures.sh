#!/usr/bin/env bash
# A locked (busy) vault and a full disk: a clear message, the documented exit
# code, and the vault exactly as it was.
. "$E2E_LIB"
init_vault
ID=$(add_client --set full_name="Hanna Vogel" --set email=hanna@example.org)

# hold_lock / release_lock: another process holds the vault until it is
# released (sqlite3's exclusive transaction on a file; on PostgreSQL a
# session holding the audit table, which every change appends to), so the
# refused change waits out its busy timeout (3 s; the backend's
# lock_timeout, 10 s) and answers while the lock is still held, however
# slow the machine.  (A lock held for a fixed time, the command started a
# second after it, raced an unlock slowed down by load, under ASan.)
LOCK_PID=
hold_lock() {
	rm -f "$TRASH/lock.fifo" && mkfifo "$TRASH/lock.fifo" || return 1
	if on_pg; then
		PGOPTIONS="-c client_min_messages=warning" psql "$FORTRESS_VAULT" -qAtX -v ON_ERROR_STOP=1 \
			<"$TRASH/lock.fifo" >/dev/null &
	else
		sqlite3 -bail "$FORTRESS_VAULT" <"$TRASH/lock.fifo" >/dev/null &
	fi
	LOCK_PID=$!
	exec 7>"$TRASH/lock.fifo"
	if on_pg; then
		echo "BEGIN; LOCK TABLE audit IN ACCESS EXCLUSIVE MODE;" >&7
	else
		echo "BEGIN EXCLUSIVE;" >&7
	fi
	# held once it shows (a bounded wait: 60 s)
	for _ in $(seq 1 600); do
		if on_pg; then
			[ "$(vault_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND database = (SELECT oid FROM
				pg_database WHERE datname = current_database()) AND relation = 'audit'::regclass AND
				mode = 'AccessExclusiveLock' AND granted")" = 1 ] && return 0
		else
			# another writer is refused at once (the shell's busy timeout is 0)
			sqlite3 "$FORTRESS_VAULT" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1 || return 0
		fi
		kill -0 "$LOCK_PID" 2>/dev/null || break
		sleep 0.1
	done
	_fail "the other process did not get the lock"
}

release_lock() {
	[ -n "$LOCK_PID" ] || return 0
	echo "COMMIT;" >&7
	exec 7>&-
	wait "$LOCK_PID"
	LOCK_PID=
}

test_expect 'a vault locked by another process: exit 7, says so, nothing changed' '
	n=$(vault_sql "SELECT count(*) FROM audit") &&
	hold_lock &&
	expect_exit 7 fort client add --set full_name="Ida Busy" &&
	expect_contains "$ERR" "in use by another process" &&
	release_lock &&
	expect_eq "$(vault_sql "SELECT count(*) FROM audit")" "$n" "audit entries after the refused add" &&
	expect_exit 0 fort status --json &&
	expect_eq "$(status_get clients)" 1
'
release_lock

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
