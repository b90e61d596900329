# lib.sh - sourced by every tests/e2e/tNNNN-*.sh (in the spirit of git's
# t/test-lib.sh).  A test script reads like a user session:
#
#	. "$E2E_LIB"
#	init_vault
#	test_expect 'a client can be added' '
#		expect_exit 0 fort client add --set full_name="Jana Schmidt" &&
#		expect_match "$OUT" "^c-[0-9a-f]{16}$"
#	'
#	test_done
#
# Environment (set by ctest, see tests/CMakeLists.txt):
#	FORTRESS       the fortress binary
#	FORT_TEST_DATA tests/data
#	E2E_LIB        this file
#
# Every script gets a private directory $TRASH (mktemp -d, mode 0700, removed
# on exit), its own $HOME, $XDG_DATA_HOME and $TMPDIR inside it, a strong
# passphrase in $PASSFILE (mode 0600) and FORTRESS_VAULT / FORTRESS_PASSPHRASE_FILE
# exported.  Set E2E_KEEP=1 to keep $TRASH, E2E_VERBOSE=1 to see every command, E2E_TIME=1 to time each test.

set -u

: "${FORTRESS:?set FORTRESS to the fortress binary}"
: "${E2E_LIB:=${BASH_SOURCE[0]}}"
case $FORTRESS in /*) ;; *) FORTRESS=$PWD/$FORTRESS ;; esac
case $E2E_LIB in /*) ;; *) E2E_LIB=$PWD/$E2E_LIB ;; esac
E2E_DIR=$(cd "$(dirname "$E2E_LIB")" && pwd)
: "${FORT_TEST_DATA:=$E2E_DIR/../data}"
E2E_DATA=$FORT_TEST_DATA/e2e
E2E_UTIL=$E2E_DIR/e2e_util.py
# The real interpreter (not a pyenv/asdf shim: every call counts).
PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || PYTHON=python3
export FORTRESS FORT_TEST_DATA E2E_LIB

if [ ! -x "$FORTRESS" ]; then
	echo "e2e: FORTRESS=$FORTRESS is not an executable" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

TEST_NAME=$(basename "$0" .sh)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/fortress-e2e-$TEST_NAME.XXXXXX") || exit 1
chmod 700 "$TRASH"

_e2e_cleanup() {
	local rc=$?
	if [ "${_e2e_done:-0}" != 1 ]; then
		echo "e2e: $TEST_NAME stopped before test_done (exit $rc)" >&2
		echo "$test_ok passed, $((test_fail + 1)) failed"
		rc=1
	fi
	if [ -n "${_e2e_pgdb:-}" ] && [ "${E2E_KEEP:-0}" != 1 ]; then
		# the script's database and its copies (vault_new, vault_copy: ${_e2e_pgdb}_NAME)
		local d
		for d in $_e2e_pgdb $(psql "$FORTRESS_TEST_STORE" -qAtX -c \
			"SELECT datname FROM pg_database WHERE datname LIKE '${_e2e_pgdb}\\_%'" 2>/dev/null); do
			psql "$FORTRESS_TEST_STORE" -qAt -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1
		done
	fi
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "e2e: kept $TRASH" >&2
	else
		chmod -R u+rwX "$TRASH" 2>/dev/null
		rm -rf "$TRASH"
	fi
	exit $rc
}
trap _e2e_cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$TRASH/home" "$TRASH/tmp" "$TRASH/vault" "$TRASH/work"
export HOME=$TRASH/home
export XDG_DATA_HOME=$TRASH/home/.local/share
export XDG_CONFIG_HOME=$TRASH/home/.config
export TMPDIR=$TRASH/tmp
export NO_COLOR=1
export LC_ALL=C.UTF-8
unset FORTRESS_USER
umask 022

# A strong passphrase (7 random-looking words, never a common password).
PASSPHRASE='quartz-lantern-hobbit-marzipan-oxbow-tundra-velcro'
PASSFILE=$TRASH/passphrase
( umask 077; printf '%s\n' "$PASSPHRASE" >"$PASSFILE" )
chmod 600 "$PASSFILE"

export FORTRESS_VAULT=$TRASH/vault/vault.db
# Both backends (issue 19): with FORTRESS_TEST_STORE (the pg fixture's
# server, set by ctest for the e2e_*_pg tests) the vault is a database of
# its own on that server, made here, given to init_vault as --store and
# dropped at the end.  A script that needs the vault to be a file (sqlite3,
# file modes, copies of the file) starts with sqlite_only "REASON"; better,
# one step of it does (sqlite_step, below), and its attacks go through
# vault_sql and friends, which speak psql to a database.
_e2e_pgdb=
if [ -n "${FORTRESS_TEST_STORE:-}" ]; then
	_e2e_pgdb=e2e_$$
	FORTRESS_VAULT=$(sh "$FORTRESS_PG_SERVER" newdb "$FORTRESS_TEST_PG_DIR" "$_e2e_pgdb" 2>/dev/null) ||
		{ echo "e2e: cannot create the database $_e2e_pgdb" >&2; exit 1; }
fi
sqlite_only() {
	if [ -n "${FORTRESS_TEST_STORE:-}" ]; then
		echo "skipped on PostgreSQL: $*"
		_e2e_done=1
		exit 77
	fi
}

# ------------------------------------------- both backends, step by step
# A script that runs on both backends does its attacks through these, so
# that the same step is the sqlite3 edit of a file on a SQLite run and the
# psql edit of a database on a PostgreSQL run (the attacker with database
# access: UPDATE / DELETE / INSERT, triggers dropped).  Only what is truly
# about the file stays SQLite-only, per step, with its reason.

# on_pg: this run's vaults are PostgreSQL databases (an e2e_*_pg run).
on_pg() { [ -n "${_e2e_pgdb:-}" ]; }

# head_tbl TABLE, head_is TABLE: where the newest seals (heads) of TABLE's
# rows are, for an attack's SQL: FROM $(head_tbl T) WHERE $(head_is T) AND
# id = N.  A SQLite vault keeps those of clients, blind and uniq in a
# table each keyed by id (schema 20: seal_head_clients, ...), the rest in
# seal_head (tbl, id); a PostgreSQL vault keeps them all in seal_head.
head_tbl() {
	case $1 in
	clients | blind | uniq) on_pg && echo seal_head || echo "seal_head_$1" ;;
	*) echo seal_head ;;
	esac
}
head_is() {
	case $1 in
	clients | blind | uniq) on_pg && echo "tbl = '$1'" || echo "1 = 1" ;;
	*) echo "tbl = '$1'" ;;
	esac
}

# SEAL_ROWS: a SQLite vault's seal_log a row per seal, for the sqlite3 CLI
# (schema 21 packs it: a row per run of up to 64 seals of an entry, at the
# first's rowid, a BLOB of 41-byte tuples: the table's number, the id
# big-endian, the hash; src/store/seal_pack.c).  Prefix a query with it:
# "$SEAL_ROWS SELECT ... FROM seal_rows" gives (r: the seal's rowid, seq,
# tbl: the table's name or '?', idhex: the id as 16 hex digits, hash,
# k: its place in the packed row).  The table numbers are sqlite.c's
# seal_table order.
SEAL_ROWS="WITH RECURSIVE seal_k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seal_k WHERE i < 63),
 seal_tn(n, tbl) AS (VALUES ('00', 'clients'), ('01', 'blind'), ('02', 'uniq'), ('03', 'consent'), ('04', 'erased'), ('05', 'erased_fields'), ('06', 'exports'), ('07', 'requests'), ('08', 'request_events'), ('09', 'incidents'), ('0A', 'incident_notes'), ('0B', 'incident_scope'), ('0C', 'incident_actions'), ('0D', 'meta'), ('0E', 'holds'), ('0F', 'attachments'), ('10', 'attachment_clients'), ('11', 'mail_outbox'), ('12', 'intake_forms'), ('13', 'intake_decisions'), ('14', 'user_totp'), ('15', 'tokens'), ('16', 'request_details'), ('17', 'invitations')),
 seal_rows(r, seq, tbl, idhex, hash, k) AS (SELECT l.rowid + seal_k.i, l.seq, coalesce(seal_tn.tbl, '?'),
  hex(substr(l.seals, seal_k.i * 41 + 2, 8)), substr(l.seals, seal_k.i * 41 + 10, 32), seal_k.i
  FROM seal_log AS l JOIN seal_k ON seal_k.i * 41 < length(l.seals)
  LEFT JOIN seal_tn ON seal_tn.n = hex(substr(l.seals, seal_k.i * 41 + 1, 1)))"

# sqlite_step REASON: `sqlite_step "why" || return 0` ends the rest of a
# test body on PostgreSQL; the test is counted as passed and marked
# "# skip on PostgreSQL: REASON".  For what only a file has (modes, the
# WAL, a copy of the file, a vault file of an old format).
sqlite_step() {
	on_pg || return 0
	_e2e_skip_note=" # skip on PostgreSQL: $*"
	return 1
}

# sqlite_also REASON CMD...: CMD on a SQLite run; on PostgreSQL nothing
# (returns 0) and the test is marked as partly skipped with REASON.
sqlite_also() {
	local why=$1; shift
	if on_pg; then
		_e2e_skip_note=" # partly skipped on PostgreSQL: $why"
		return 0
	fi
	"$@"
}

# vault_sql [-v VAULT] SQL [PG_SQL]: SQL run on VAULT (default
# $FORTRESS_VAULT) by the sqlite3 CLI when it is a file, by psql when it is
# a database (PG_SQL instead of SQL there when given: for what the two
# dialects spell differently).  Rows on stdout, columns separated by '|'
# in both; a failed statement fails (psql: ON_ERROR_STOP).
vault_sql() {
	local v=$FORTRESS_VAULT
	if [ "$1" = -v ]; then v=$2; shift 2; fi
	case $v in
	postgres://* | postgresql://* | service=*)
		PGOPTIONS="-c client_min_messages=warning" psql "$v" -qAtX -v ON_ERROR_STOP=1 -c "${2:-$1}" ;;
	*)
		sqlite3 -bail "$v" "$1" ;;
	esac
}

# vault_new NAME: where a new vault NAME of this run's backend goes (a file
# path that does not exist yet, or a new empty database), printed.
vault_new() {
	if on_pg; then
		local db=${_e2e_pgdb}_${1//[^a-z0-9_]/_}
		sh "$FORTRESS_PG_SERVER" newdb "$FORTRESS_TEST_PG_DIR" "$db" 2>/dev/null ||
			{ echo "e2e: cannot create the database $db" >&2; return 1; }
	else
		mkdir -p "$TRASH/vaults" && echo "$TRASH/vaults/$1.db"
	fi
}

# vault_copy SRC NAME: a fresh copy of the (closed) vault SRC as vault NAME
# (a file beside the others, or a database made from SRC as template),
# its location printed.  Replaces an older copy of the same NAME.  A
# database is named by a URL as pg-server.sh prints it (postgresql:///DB?...).
vault_copy() {
	if on_pg; then
		local db=${_e2e_pgdb}_${2//[^a-z0-9_]/_} src=${1#*:///}
		src=${src%%\?*}
		PGOPTIONS="-c client_min_messages=warning" psql "$FORTRESS_TEST_STORE" -qAtX -v ON_ERROR_STOP=1 \
			-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db TEMPLATE $src" >/dev/null ||
			{ echo "e2e: cannot copy the database $src to $db" >&2; return 1; }
		echo "${1%%:///*}:///$db?${1#*\?}"
	else
		mkdir -p "$TRASH/vaults" && copy_vault "$1" "$TRASH/vaults/$2.db" && echo "$TRASH/vaults/$2.db"
	fi
}

# vault_in_backend FILE NAME: the vault file FILE (e.g. a restored backup)
# as a vault of this run's backend, its location printed: FILE itself on a
# SQLite run; on PostgreSQL a new database NAME it is moved into with
# `fortress store copy` (a backup restores into a file; docs/cli.md).
vault_in_backend() {
	on_pg || { echo "$1"; return 0; }
	local url
	url=$(vault_new "$2") || return 1
	fort --vault "$1" store copy --to "$url" >"$TRASH/store-copy.out" 2>&1 ||
		{ echo "e2e: store copy of $1 to $url failed: $(cat "$TRASH/store-copy.out")" >&2; return 1; }
	echo "$url"
}

# vault_dump VAULT: everything VAULT holds on stdout, for a grep of values
# that must not be there: the file and its WAL as they are (bytes), or
# pg_dump's data of the database (bytea appears as hex there: grep for the
# hex too).
vault_dump() {
	case $1 in
	postgres://* | postgresql://* | service=*)
		pg_dump --data-only "$1" ;;
	*)
		cat "$1" && { [ ! -e "$1-wal" ] || cat "$1-wal"; } ;;
	esac
}

# vault_drop_triggers VAULT [TABLE...]: every trigger (on TABLEs) dropped,
# as the attacker with the file or the database can.
vault_drop_triggers() {
	local v=$1 t list; shift
	list=$(printf "'%s'," "$@"); list=${list%,}
	case $v in
	postgres://* | postgresql://* | service=*)
		vault_sql -v "$v" "DO \$\$ DECLARE r record; BEGIN
			FOR r IN SELECT tgname, tgrelid::regclass AS tbl FROM pg_trigger WHERE NOT tgisinternal
				${list:+AND tgrelid::regclass::text IN ($list)} LOOP
				EXECUTE format('DROP TRIGGER %I ON %s', r.tgname, r.tbl);
			END LOOP; END \$\$" ;;
	*)
		for t in $(sqlite3 "$v" "SELECT name FROM sqlite_master WHERE type = 'trigger' ${list:+AND tbl_name IN ($list)}"); do
			sqlite3 "$v" "DROP TRIGGER \"$t\"" || return 1
		done ;;
	esac
}

# vault_sql_old VAULT OLD "TABLE..." SQL: SQL run on VAULT with OLD (an
# older copy of it) readable as schema "o" (o.clients, ...): sqlite3's
# ATTACH; on PostgreSQL the named TABLEs of OLD copied into a schema "o"
# of VAULT for the statement, dropped after.
vault_sql_old() {
	local v=$1 old=$2 tables=$3 sql=$4 t
	case $v in
	postgres://* | postgresql://* | service=*)
		vault_sql -v "$v" "DROP SCHEMA IF EXISTS o CASCADE; CREATE SCHEMA o" >/dev/null || return 1
		for t in $tables; do
			vault_sql -v "$v" "CREATE TABLE o.$t (LIKE public.$t)" >/dev/null &&
			psql "$old" -qAtX -v ON_ERROR_STOP=1 -c "\\copy (SELECT * FROM $t) TO STDOUT" |
				psql "$v" -qAtX -v ON_ERROR_STOP=1 -c "\\copy o.$t FROM STDIN" || return 1
		done
		vault_sql -v "$v" "$sql; DROP SCHEMA o CASCADE" ;;
	*)
		sqlite3 -bail "$v" "ATTACH '$old' AS o; $sql" ;;
	esac
}
export FORTRESS_PASSPHRASE_FILE=$PASSFILE

TAB=$(printf "\t")
OUT=$TRASH/out      # stdout of the last expect_exit / run
ERR=$TRASH/err      # stderr of the last expect_exit / run
RC=0                # exit code of the last expect_exit / run

test_ok=0
test_fail=0
test_count=0
_e2e_done=0
_e2e_failed_here=0

# ------------------------------------------------------------- running

# fort ARGS...: the fortress binary with no TTY at all: stdin is /dev/null
# and, through setsid, there is no controlling terminal (so /dev/tty cannot
# be opened even when the tests run from a terminal).
fort() {
	if command -v setsid >/dev/null 2>&1; then
		setsid -w "$FORTRESS" "$@" </dev/null
	else
		"$FORTRESS" "$@" </dev/null
	fi
}

# run CMD...: run CMD, stdout to $OUT, stderr to $ERR, exit code to $RC.
run() {
	[ "${E2E_VERBOSE:-0}" = 1 ] && echo "    \$ $*" >&2
	"$@" >"$OUT" 2>"$ERR"
	RC=$?
	if [ "${E2E_VERBOSE:-0}" = 1 ]; then
		sed 's/^/    | /' "$OUT" >&2
		sed 's/^/    ! /' "$ERR" >&2
	fi
	return 0
}

_e2e_show_last() {
	echo "    --- stdout:" >&2
	head -n 20 "$OUT" | sed 's/^/    | /' >&2
	echo "    --- stderr:" >&2
	head -n 20 "$ERR" | sed 's/^/    ! /' >&2
}

# _fail MESSAGE: report an assertion failure in the current test.
_fail() {
	_e2e_failed_here=1
	echo "    FAIL: $*" >&2
	return 1
}

# expect_exit CODE CMD...: run CMD and check its exit code.  CODE may be a
# list "2|6" when the contract allows either.
expect_exit() {
	local want=$1; shift
	run "$@"
	case "|$want|" in
	*"|$RC|"*) return 0 ;;
	esac
	_fail "'$*' exited $RC, expected $want"
	_e2e_show_last
	return 1
}

# expect_contains FILE STRING: FILE (e.g. "$OUT", "$ERR") contains STRING.
expect_contains() {
	if grep -q -F -e "$2" "$1"; then return 0; fi
	_fail "$(basename "$1") does not contain '$2'"
	_e2e_show_last
	return 1
}

# expect_not_contains FILE STRING: FILE does not contain STRING.
expect_not_contains() {
	if ! grep -q -F -e "$2" "$1"; then return 0; fi
	_fail "$(basename "$1") contains '$2' (it must not)"
	grep -n -F -e "$2" "$1" | head -n 5 | sed 's/^/    > /' >&2
	return 1
}

# expect_match FILE ERE: some line of FILE matches the extended regex ERE.
expect_match() {
	if grep -q -E -e "$2" "$1"; then return 0; fi
	_fail "$(basename "$1") has no line matching /$2/"
	_e2e_show_last
	return 1
}

# expect_no_match FILE ERE
expect_no_match() {
	if ! grep -q -E -e "$2" "$1"; then return 0; fi
	_fail "$(basename "$1") has a line matching /$2/ (it must not)"
	grep -n -E -e "$2" "$1" | head -n 5 | sed 's/^/    > /' >&2
	return 1
}

# expect_empty FILE
expect_empty() {
	if [ ! -s "$1" ]; then return 0; fi
	_fail "$(basename "$1") is not empty"
	_e2e_show_last
	return 1
}

# expect_eq GOT WANT [WHAT]
expect_eq() {
	if [ "$1" = "$2" ]; then return 0; fi
	_fail "${3:-value}: got '$1', expected '$2'"
	return 1
}

# expect_ne GOT NOT [WHAT]
expect_ne() {
	if [ "$1" != "$2" ]; then return 0; fi
	_fail "${3:-value}: got '$1', expected something else"
	return 1
}

# expect_json FILE: FILE parses as JSON.
expect_json() {
	if "$PYTHON" -c 'import json,sys; json.load(sys.stdin)' <"$1" 2>"$TRASH/json.err"; then
		return 0
	fi
	_fail "$(basename "$1") is not valid JSON: $(cat "$TRASH/json.err" | tail -n 1)"
	_e2e_show_last
	return 1
}

# expect_file_mode FILE MODE (octal, e.g. 600)
expect_file_mode() {
	local m
	m=$(stat -c %a "$1" 2>/dev/null) || { _fail "$1 does not exist"; return 1; }
	expect_eq "$m" "$2" "mode of $(basename "$1")"
}

# expect_error_line: stderr starts with "fortress: " (the documented format).
expect_error_line() {
	if head -n 1 "$ERR" | grep -q '^fortress: .'; then return 0; fi
	_fail "stderr does not start with 'fortress: MESSAGE'"
	_e2e_show_last
	return 1
}

# util ARGS...: tests/e2e/e2e_util.py
util() {
	"$PYTHON" "$E2E_UTIL" "$@"
}

# jq_ FILE EXPR: a value out of the JSON in FILE (python expression over d).
jq_() {
	util json "$1" "$2"
}

sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# --------------------------------------------------------------- fixtures

VAULT_NAME='Muster Steuerberatung'
VAULT_OWNER='anna'

# init_vault [EXTRA ARGS]: create $FORTRESS_VAULT (fast KDF) or fail the script.
init_vault() {
	case " $* " in
	*" --store "*) run fort init --name "$VAULT_NAME" --owner "$VAULT_OWNER" --kdf interactive --country DE "$@" ;;
	*" --country "*) run fort init --name "$VAULT_NAME" --owner "$VAULT_OWNER" --kdf interactive ${_e2e_pgdb:+--store "$FORTRESS_VAULT"} "$@" ;;
	*) run fort init --name "$VAULT_NAME" --owner "$VAULT_OWNER" --kdf interactive --country DE ${_e2e_pgdb:+--store "$FORTRESS_VAULT"} "$@" ;;
	esac
	if [ "$RC" != 0 ]; then
		echo "e2e: init_vault failed (exit $RC)" >&2
		_e2e_show_last
		test_fail=$((test_fail + 1))
		test_done
	fi
}

# status_get KEY: a value of `fortress status --json` (see e2e_util.py
# for the names accepted); fails the test when missing.
status_get() {
	fort status --json >"$TRASH/status.json" 2>"$TRASH/status.err" </dev/null || {
		_fail "status --json failed: $(cat "$TRASH/status.err")"
		return 1
	}
	util status "$TRASH/status.json" "$1" || { _fail "status --json: no '$1'"; return 1; }
}

# map_purpose FIELD...: a purpose the data map allows for every FIELD.
map_purpose() {
	fort map show --json >"$TRASH/map.json" 2>"$TRASH/map.err" || {
		echo "map show --json failed: $(cat "$TRASH/map.err")" >&2
		return 1
	}
	util purpose "$TRASH/map.json" "$@"
}

# add_client --set F=V...: add a client, echo its id (fails the test otherwise).
add_client() {
	local id
	id=$(fort client add "$@" 2>"$TRASH/add.err") || {
		_fail "client add $* failed: $(cat "$TRASH/add.err")"
		return 1
	}
	echo "$id"
}

# copy_vault SRC DST: a fresh copy of a (closed) vault with its WAL.
copy_vault() {
	rm -f "$2" "$2-wal" "$2-shm" "$2-journal"
	cp "$1" "$2" || return 1
	[ -e "$1-wal" ] && cp "$1-wal" "$2-wal"
	return 0
}

# ------------------------------------------------------------ test blocks

# test_expect DESCRIPTION BODY: evaluate BODY (a && chain of the helpers
# above) in this shell; it passes when BODY returns 0 and no helper failed.
test_expect() {
	local desc=$1 body=$2 rc t0=$EPOCHREALTIME
	test_count=$((test_count + 1))
	_e2e_failed_here=0
	_e2e_skip_note=
	[ "${E2E_VERBOSE:-0}" = 1 ] && echo "  * $desc" >&2
	# the body runs as a function of its own: a 'return 1' in it ends the
	# body, failed, instead of leaving test_expect before the result is
	# counted (which made such a test pass unseen)
	eval "_e2e_body() {
$body
}"
	_e2e_body
	rc=$?
	local took=""
	[ "${E2E_TIME:-0}" = 1 ] && took=$(awk "BEGIN {printf \" (%.1fs)\", $EPOCHREALTIME - $t0}")
	if [ "$rc" = 0 ] && [ "$_e2e_failed_here" = 0 ]; then
		test_ok=$((test_ok + 1))
		echo "ok $test_count - $desc$took${_e2e_skip_note:-}"
	else
		test_fail=$((test_fail + 1))
		echo "not ok $test_count - $desc$took"
	fi
	return 0
}

# test_done: the summary line "N passed, M failed"; exit 1 if any failed.
test_done() {
	_e2e_done=1
	echo "$test_ok passed, $test_fail failed"
	if [ $((test_ok + test_fail)) != "$test_count" ]; then
		echo "e2e: $test_count tests started, $((test_ok + test_fail)) counted" >&2
		exit 1
	fi
	if [ "$test_fail" -gt 0 ]; then
		exit 1
	fi
	exit 0
}

# fort_nopass ARGS...: fortress with no passphrase file at all (and no TTY).
fort_nopass() {
	(
		unset FORTRESS_PASSPHRASE_FILE
		fort "$@"
	)
}

# fort_timeout SECS ARGS...: fortress without a TTY, killed after SECS
# (exit 124 then): for commands that must never hang.
fort_timeout() {
	local secs=$1; shift
	timeout "$secs" setsid -w "$FORTRESS" "$@" </dev/null
}

# write_secret FILE TEXT: a passphrase file, mode 0600.
write_secret() {
	( umask 077; printf '%s\n' "$2" >"$1" )
	chmod 600 "$1"
}

# helpers for both storage backends (psql or sqlite3 on the vault, snapshots)
. "$E2E_DIR/lib_pg.sh"
