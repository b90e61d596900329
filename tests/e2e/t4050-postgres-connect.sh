#!/usr/bin/env bash
# t4050-postgres-connect: what a vault URL that leads nowhere says (issue 19).
# A database that does not exist is "no vault there" (exit 3, as a missing
# SQLite file: its name, no password, and 'fortress init'); a server that is
# not running, or that refuses the user, is an I/O failure (exit 9) with
# libpq's reason and where to look.  The refusal is told apart by its
# SQLSTATE, not by the server's (translatable) text: "role ... does not
# exist" says "does not exist" too and must stay exit 9.  Needs the ctest
# fixture "pg": skipped (77) without it.
set -u
if [ -z "${FORTRESS_TEST_PG_DIR:-}" ] || [ ! -f "$FORTRESS_TEST_PG_DIR/data/postmaster.pid" ] || ! command -v psql >/dev/null; then
	echo "skipped: no PostgreSQL test server (run through ctest)"
	exit 77
fi
. "$E2E_LIB"

DIR=$FORTRESS_TEST_PG_DIR
NODB=nosuchdb_$$
NOURL="postgresql:///$NODB?host=$DIR&user=fortress"
# a password libpq would send (only when asked: the test server trusts):
# it must not show in any message
( umask 077; printf '*:*:*:fortress:pgsecret4050\n' >"$TRASH/pgpass" )
export PGPASSFILE=$TRASH/pgpass

test_expect 'a database that does not exist: exit 3, its name, what to do, no password' '
	expect_exit 3 fort --vault "$NOURL" status &&
	expect_contains "$ERR" "no vault at $NOURL" &&
	expect_contains "$ERR" "database '"'"'$NODB'"'"' does not exist" &&
	expect_contains "$ERR" "createdb $NODB" &&
	expect_contains "$ERR" "fortress init --store URL" &&
	expect_not_contains "$ERR" "pgsecret4050" &&
	expect_eq "$(grep -vc "^hint: " "$ERR")" 1 "lines of the message (but the hint)" &&
	expect_empty "$OUT"
'

test_expect 'the same through FORTRESS_VAULT, and for a data command' '
	FORTRESS_VAULT=$NOURL expect_exit 3 fort status &&
	expect_contains "$ERR" "database '"'"'$NODB'"'"' does not exist" &&
	FORTRESS_VAULT=$NOURL expect_exit 3 fort --json client list &&
	expect_contains "$ERR" "fortress init" &&
	expect_not_contains "$ERR" "pgsecret4050"
'

test_expect 'init --store into a database that does not exist: exit 3, nothing made' '
	expect_exit 3 fort init --name "Orbit Bakery" --owner alice --kdf interactive --country DE --store "$NOURL" &&
	expect_contains "$ERR" "createdb $NODB" &&
	expect_eq "$(psql "postgresql:///postgres?host=$DIR&user=fortress" -qAtX -c "SELECT count(*) FROM pg_database WHERE datname = '"'"'$NODB'"'"'")" 0 "databases named $NODB"
'

test_expect 'a server that is not running (no socket there): exit 9, libpq'"'"'s reason and the hint' '
	mkdir -p "$TRASH/nosrv" &&
	expect_exit 9 fort --vault "postgresql:///postgres?host=$TRASH/nosrv&user=fortress" status &&
	expect_contains "$ERR" "cannot connect to the PostgreSQL vault" &&
	expect_contains "$ERR" "$TRASH/nosrv/.s.PGSQL.5432" &&
	expect_contains "$ERR" "No such file or directory" &&
	expect_contains "$ERR" "check that the PostgreSQL service is running" &&
	expect_contains "$ERR" "hint: '"'"'pg_isready -d URL'"'"'" &&
	expect_not_contains "$ERR" "disk space" &&
	expect_eq "$(grep -vc "^hint: " "$ERR")" 1 "lines of the message (but the hint)" &&
	expect_not_contains "$ERR" "pgsecret4050"
'

# a port nobody listens on, held (bound, not listening: connections are
# refused) by a python until its input closes, so that no test running
# beside this one binds it between its choice and its use
coproc HOLD { python3 -c 'import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
sys.stdin.read()'; }
HOLD_IN=${HOLD[1]}
read -r PORT <&"${HOLD[0]}"
test_expect 'a TCP port nobody listens on: exit 9 (connection refused), the hint' '
	expect_ne "$PORT" "" "the port held" &&
	FORTRESS_VAULT="postgresql://fortress@127.0.0.1:$PORT/postgres?sslmode=verify-full" expect_exit 9 fort status &&
	expect_contains "$ERR" "Connection refused" &&
	expect_contains "$ERR" "check that the PostgreSQL service is running"
'
eval "exec $HOLD_IN>&-"
wait "$HOLD_PID"

test_expect 'a role the server does not know: exit 9, the server refused (not "no vault")' '
	expect_exit 9 fort --vault "postgresql:///postgres?host=$DIR&user=nosuchrole_$$" status &&
	expect_contains "$ERR" "the server refused" &&
	expect_contains "$ERR" "nosuchrole_$$" &&
	expect_contains "$ERR" "28000" &&
	expect_not_contains "$ERR" "LOCATION" &&
	expect_not_contains "$ERR" "fortress init" &&
	expect_not_contains "$ERR" "pgsecret4050"
'

test_expect 'a database that exists but holds no vault: still the message it had (exit 8)' '
	URL=$(sh "$FORTRESS_PG_SERVER" newdb "$DIR" "t4050_empty_$$") &&
	expect_exit 8 fort --vault "$URL" status &&
	expect_contains "$ERR" "holds no Fortress vault" &&
	psql "postgresql:///postgres?host=$DIR&user=fortress" -qAtX -c "DROP DATABASE t4050_empty_$$" >/dev/null
'

test_done
