#!/usr/bin/env bash
# t4030-postgres-import: an import into a PostgreSQL vault sends its rows in
# libpq's pipeline (issue 19: a round trip per batch, not per statement), so
# a row the server refuses is answered after later rows were sent.  The
# error must still name that row's line, and the database must be exactly as
# it was (one transaction).  Needs the ctest fixture "pg".
set -u
if [ -z "${FORTRESS_TEST_PG_DIR:-}" ] || [ ! -f "$FORTRESS_TEST_PG_DIR/data/postmaster.pid" ] || ! command -v psql >/dev/null; then
	echo "skipped: no PostgreSQL test server (run through ctest)"
	exit 77
fi
. "$E2E_LIB"

DB=t4030_$$
URL=$(sh "$FORTRESS_PG_SERVER" newdb "$FORTRESS_TEST_PG_DIR" "$DB") || { echo "cannot create database $DB" >&2; exit 1; }
export FORTRESS_VAULT=$URL
sql() { psql "$URL" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
# every table's rows (sorted), one digest per table: "the database as it was"
# (but for the audit log and its head in meta: every run logs its unlock)
state() {
	local t
	for t in $(sql "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT IN ('audit', 'meta') ORDER BY 1"); do
		printf '%s %s\n' "$t" "$(sql "SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '-') FROM \"$t\" x")"
	done
}
# N valid rows (a header, then line k+1 holds client k)
rows() {
	local n=$1 i
	echo "full_name,email,phone"
	for ((i = 1; i <= n; i++)); do
		printf 'Client Number%d,client%d@example.org,+49151%08d\n' "$i" "$i" "$i"
	done
}

# a trigger an attacker (or a broken extension) could add: the server
# refuses the 700th client row of the import (the table holds the two
# clients before it and 699 imported ones), every time that row is sent:
# the import's rows go in batches, and a refused batch is sent again row by
# row, so the error can name the row
REFUSE_SQL="CREATE FUNCTION t4030_refuse() RETURNS trigger LANGUAGE plpgsql AS
\$\$BEGIN IF (SELECT count(*) FROM clients) = 701 THEN RAISE EXCEPTION 't4030 refuses this row'; END IF; RETURN NEW; END\$\$;
CREATE TRIGGER t4030_refuse BEFORE INSERT ON clients FOR EACH ROW EXECUTE FUNCTION t4030_refuse()"
# one that refuses the 700th row the server is sent and never again (a
# sequence is not rolled back): sent again one by one, no row is refused
ONCE_SQL="CREATE SEQUENCE t4030_n; CREATE FUNCTION t4030_once() RETURNS trigger LANGUAGE plpgsql AS
\$\$BEGIN IF nextval('t4030_n') = 700 THEN RAISE EXCEPTION 't4030 refuses this row once'; END IF; RETURN NEW; END\$\$;
CREATE TRIGGER t4030_once BEFORE INSERT ON clients FOR EACH ROW EXECUTE FUNCTION t4030_once()"
last_audit() { sql "SELECT action || ' ' || result FROM audit ORDER BY seq DESC LIMIT 1"; }

test_expect 'a vault with two clients' '
	init_vault --store "$URL" &&
	expect_exit 0 fort client add --set full_name="Jana Schmidt" --set email=jana@example.com &&
	expect_exit 0 fort client add --set full_name="Piotr Nowak" --set email=piotr@example.com &&
	state >"$TRASH/before"
'

test_expect 'a row the server refuses in the middle of the pipeline: its line named, nothing stored' '
	rows 1500 >"$TRASH/in.csv" &&
	sql "$REFUSE_SQL" &&
	A0=$(sql "SELECT count(*) FROM audit") &&
	expect_exit 1 fort client import "$TRASH/in.csv" &&
	expect_contains "$ERR" "line 701: adding a client" &&
	expect_contains "$ERR" "t4030 refuses this row" &&
	expect_eq "$(grep -c "refuses" "$ERR")" 1 "error lines" &&
	state >"$TRASH/after" &&
	expect_eq "$(diff "$TRASH/before" "$TRASH/after" && echo same)" same "database after the refused import" &&
	expect_eq "$(sql "SELECT count(*) FROM audit")" $((A0 + 1)) "audit entries (the unlock only)" &&
	expect_eq "$(last_audit)" "unlock ok" "the last audit entry" &&
	sql "DROP TRIGGER t4030_refuse ON clients; DROP FUNCTION t4030_refuse()" &&
	expect_exit 0 fort audit verify
'

test_expect 'a refusal that does not repeat when the batch is sent again row by row: said so, nothing stored' '
	sql "$ONCE_SQL" &&
	A0=$(sql "SELECT count(*) FROM audit") &&
	expect_exit 1 fort client import "$TRASH/in.csv" &&
	expect_contains "$ERR" "t4030 refuses this row once" &&
	expect_contains "$ERR" "sent again one at a time, none was refused: the refusal did not repeat; try again" &&
	expect_not_contains "$ERR" "line 701" &&
	state >"$TRASH/after-once" &&
	expect_eq "$(diff "$TRASH/before" "$TRASH/after-once" && echo same)" same "database after the refused import" &&
	expect_eq "$(sql "SELECT count(*) FROM audit")" $((A0 + 1)) "audit entries (the unlock only)" &&
	sql "DROP TRIGGER t4030_once ON clients; DROP FUNCTION t4030_once(); DROP SEQUENCE t4030_n" &&
	expect_exit 0 fort audit verify
'

test_expect 'duplicate e-mails answered in one batch: each named by its line, nothing stored' '
	{ rows 1500 && echo "Late Copy,client7@example.org," && echo "Jana Copy,jana@example.com,"; } >"$TRASH/dup.csv" &&
	expect_exit 6 fort client import "$TRASH/dup.csv" &&
	expect_contains "$ERR" "line 1502, column email: duplicate: the same email as line 8" &&
	expect_contains "$ERR" "line 1503, column email: duplicate: client c-" &&
	expect_contains "$ERR" "nothing was imported" &&
	state >"$TRASH/after-dup" &&
	expect_eq "$(diff "$TRASH/before" "$TRASH/after-dup" && echo same)" same "database after the refused import"
'

test_expect 'the same file without the bad rows imports whole, every row findable' '
	expect_exit 0 fort client import "$TRASH/in.csv" &&
	expect_contains "$OUT" "imported 1500 clients" &&
	expect_eq "$(sql "SELECT count(*) FROM clients")" 1502 "clients" &&
	expect_exit 0 fort client find email=client1500@example.org &&
	expect_exit 0 fort client find email=client701@example.org &&
	expect_exit 0 fort client find email=jana@example.com &&
	expect_exit 0 fort audit verify &&
	expect_contains "$OUT" "audit chain OK"
'

test_done
