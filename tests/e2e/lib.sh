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
		psql "$FORTRESS_TEST_STORE" -qAt -c "DROP DATABASE IF EXISTS $_e2e_pgdb WITH (FORCE)" >/dev/null 2>&1
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
# file modes, copies of the file) starts with sqlite_only "REASON".
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
		echo "ok $test_count - $desc$took"
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
