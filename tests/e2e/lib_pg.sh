# lib_pg.sh - sourced by lib.sh (last): helpers for scripts that run on
# both storage backends (issue 19), when the attacker or the check needs the
# vault's storage itself.  On a SQLite vault that is the file ($FORTRESS_VAULT)
# and sqlite3; on PostgreSQL (FORTRESS_TEST_STORE set, the vault is the
# database $_e2e_pgdb at $FORTRESS_VAULT) it is psql on the same tables: the
# attacker who has database access instead of the file.
#
#	on_pg                        true when this run's vault is a PostgreSQL database
#	pg_or_sqlite_sql SQL [PGSQL] run SQL (or PGSQL on PostgreSQL) on the vault;
#	                             rows printed as a|b, like sqlite3's default
#	vault_digest                 a sha256 of everything the vault holds (the
#	                             file, or a data dump of the database)
#	vault_dump_has TEXT           TEXT (case-insensitive: hex too) is in a data dump
#	                             of the PostgreSQL vault (a failed dump fails the test)
#	vault_has_clear TEXT          TEXT is readable in the vault file or its WAL, or
#	                             (PostgreSQL) in a data dump of the database
#	vault_exists                 the vault's file, or its database's tables, exist
#	vault_remove                 no vault any more: the file and its WAL removed,
#	                             or the database emptied (its schema made anew)
#	vault_save NAME / vault_restore NAME
#	                             a copy of the (closed) vault and putting it back
#	                             (copy_vault, or CREATE DATABASE ... TEMPLATE)

# on_pg: lib.sh's

# (the same as lib.sh's vault_sql on $FORTRESS_VAULT; kept as the name these
# scripts use)
pg_or_sqlite_sql() {
	vault_sql "$@"
}

# a sha256 of the rows of the database at URL (pg_dump's \restrict lines
# carry a random key of each run); a failed dump never equals another digest
pg_data_digest() {
	pg_dump --data-only --no-owner "$1" >"$TRASH/digest.sql" 2>"$TRASH/digest.err" ||
		{ echo "pg_dump-failed-$RANDOM$RANDOM: $(head -n 1 "$TRASH/digest.err")"; return 1; }
	grep -v '^\\\(un\)\{0,1\}restrict ' "$TRASH/digest.sql" | sha256sum | cut -d' ' -f1
}

vault_digest() {
	if on_pg; then
		pg_data_digest "$FORTRESS_VAULT"
	else
		sha "$FORTRESS_VAULT"
	fi
}

vault_dump_has() {
	pg_dump --data-only "$FORTRESS_VAULT" >"$TRASH/vault-dump.sql" 2>"$TRASH/vault-dump.err" || {
		_fail "pg_dump of the vault failed: $(head -n 1 "$TRASH/vault-dump.err")"
		return 0
	}
	grep -q -i -F -e "$1" "$TRASH/vault-dump.sql"
}

vault_has_clear() {
	if on_pg; then
		vault_dump_has "$1"
		return
	fi
	grep -a -q -F -e "$1" "$FORTRESS_VAULT" ||
		{ [ -e "$FORTRESS_VAULT-wal" ] && grep -a -q -F -e "$1" "$FORTRESS_VAULT-wal"; }
}

vault_exists() {
	if on_pg; then
		[ "$(psql "$FORTRESS_VAULT" -qAt -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" 2>/dev/null)" -gt 0 ] 2>/dev/null
	else
		[ -f "$FORTRESS_VAULT" ]
	fi
}

vault_remove() {
	if on_pg; then
		# the schema, not the database: a quarter of the time of a new database
		PGOPTIONS="-c client_min_messages=warning" psql "$FORTRESS_VAULT" -qAt -v ON_ERROR_STOP=1 \
			-c "DROP SCHEMA public CASCADE" -c "CREATE SCHEMA public" >/dev/null
	else
		rm -f "$FORTRESS_VAULT" "$FORTRESS_VAULT"-wal "$FORTRESS_VAULT"-shm "$FORTRESS_VAULT"-journal
	fi
}

# the snapshots are databases of the same server, dropped with the script's own
_e2e_pg_snaps=
vault_save() {
	if on_pg; then
		PGOPTIONS="-c client_min_messages=warning" psql "$FORTRESS_TEST_STORE" -qAt -v ON_ERROR_STOP=1 \
			-c "DROP DATABASE IF EXISTS ${_e2e_pgdb}_$1 WITH (FORCE)" \
			-c "CREATE DATABASE ${_e2e_pgdb}_$1 TEMPLATE $_e2e_pgdb" >/dev/null || return 1
		_e2e_pg_snaps="$_e2e_pg_snaps ${_e2e_pgdb}_$1"
	else
		copy_vault "$FORTRESS_VAULT" "$TRASH/saved-$1.db"
	fi
}
vault_restore() {
	if on_pg; then
		PGOPTIONS="-c client_min_messages=warning" psql "$FORTRESS_TEST_STORE" -qAt -v ON_ERROR_STOP=1 \
			-c "DROP DATABASE IF EXISTS $_e2e_pgdb WITH (FORCE)" \
			-c "CREATE DATABASE $_e2e_pgdb TEMPLATE ${_e2e_pgdb}_$1" >/dev/null
	else
		copy_vault "$TRASH/saved-$1.db" "$FORTRESS_VAULT"
	fi
}
_e2e_pg_drop_snaps() {
	local db
	[ "${E2E_KEEP:-0}" = 1 ] && return 0
	for db in $_e2e_pg_snaps; do
		PGOPTIONS="-c client_min_messages=warning" psql "$FORTRESS_TEST_STORE" -qAt -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
	done
	return 0
}
# the snapshots go before lib.sh's cleanup, which keeps the script's exit code
trap '_e2e_rc=$?; _e2e_pg_drop_snaps; (exit $_e2e_rc); _e2e_cleanup' EXIT
