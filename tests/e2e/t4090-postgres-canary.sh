#!/usr/bin/env bash
# t4090-postgres-canary: nothing readable at rest in PostgreSQL (issue 19
# item 5).  Runs last among the tests of the ctest fixture "pg" (DEPENDS in
# tests/CMakeLists.txt), before the server stops: every file of the test
# server's data directory (tables, indexes, TOAST, the WAL in pg_wal) and
# its log is searched for the client values the PostgreSQL tests stored
# (t4000, t4010: names, e-mail addresses, a phone number, an intake
# submission).  First a self-check: a value written in the clear into a
# scratch table is found, so the scan can fail.
set -u
if [ -z "${FORTRESS_TEST_PG_DIR:-}" ] || [ ! -f "$FORTRESS_TEST_PG_DIR/data/postmaster.pid" ] || ! command -v psql >/dev/null; then
	echo "skipped: no PostgreSQL test server (run through ctest)"
	exit 77
fi
. "$E2E_LIB"

PGD=$FORTRESS_TEST_PG_DIR
# the canaries: what the PostgreSQL tests put into client records
CANARIES="jana@example.com Jana Schmidt Piotr Nowak piotr@example.com ada@example.org alan@example.org
Lovelace Turing 4915112345678 quill@example.org Canaryman w1-1@example.org race-1@example.org k1-1@example.org"

# files under the data directory and the server log holding STRING (bytes)
found_in() { grep -rlaF -- "$1" "$PGD/data" "$PGD/server.log" 2>/dev/null; }

test_expect 'self-check: a value stored in the clear is found in the data files or the WAL' '
	DB=t4090_$$ &&
	URL=$(sh "$FORTRESS_PG_SERVER" newdb "$PGD" "$DB") &&
	MARK="plain-canary-$$-visible" &&
	psql "$URL" -qAt -v ON_ERROR_STOP=1 -c "CREATE TABLE plain(v text); INSERT INTO plain VALUES ('"'"'$MARK'"'"')" &&
	{ [ -n "$(found_in "$MARK")" ] || _fail "the scan did not find a value stored in the clear"; } &&
	psql "$URL" -qAt -c "DROP TABLE plain" >/dev/null
'

test_expect 'the PostgreSQL tests ran here (their databases exist)' '
	N=$(psql "postgresql:///postgres?host=$PGD&user=fortress" -qAt -c "SELECT count(*) FROM pg_database WHERE datname LIKE '"'"'t40%'"'"'") &&
	{ [ "$N" -ge 2 ] || _fail "only $N test databases: the scan would prove nothing"; }
'

test_expect 'no client value in any data file, the WAL or the server log' '
	hits=0 &&
	for c in $CANARIES; do
		f=$(found_in "$c" || true) &&
		if [ -n "$f" ]; then echo "    \"$c\" found in: $f"; hits=$((hits + 1)); fi
	done &&
	expect_eq "$hits" 0 "canaries found"
'

test_done
