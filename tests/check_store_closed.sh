#!/bin/sh
# check_store_closed.sh ROOT - store.h is the only way to the database
# (issue 16): no SQL text, no SQLite API and no SQLite handle outside
# src/store.  Fails naming each line found in src/ (outside src/store),
# cli/ or include/.  The allow-list is empty.
#
# Before the real tree, the same scan runs on a planted tree holding one
# violation of each kind, and must find every one: a pattern that stopped
# matching would otherwise pass silently.
set -u
ROOT=${1:-$(dirname "$0")/..}

# SQL as callers would write it: statements in string literals, SQLite's
# numbered placeholders, the SQLite API and its header, the backend's
# private header and handle.
SQL='"[^"]*\b(SELECT|INSERT (OR [A-Z]+ )?INTO|REPLACE INTO|UPDATE [A-Za-z_]+ SET|DELETE FROM|CREATE (TABLE|INDEX|TRIGGER|VIEW)|DROP (TABLE|TRIGGER|INDEX|VIEW)|ALTER TABLE|PRAGMA|BEGIN (IMMEDIATE|EXCLUSIVE|TRANSACTION)|ROLLBACK|VACUUM|ATTACH DATABASE)\b'
PLACEHOLDER='"[^"]*\?[0-9]'
API='sqlite3|sqlite_int\.h|store_sqlite_db|store_sqlite_error|sq_run\b'

scan() {
	# $1: a tree; prints "file:line: text" for each violation
	for d in src cli include; do
		[ -d "$1/$d" ] || continue
		grep -rnE --include='*.c' --include='*.h' --include='*.cc' "$SQL|$PLACEHOLDER|$API" "$1/$d" 2>/dev/null |
			grep -v "^$1/src/store/"
	done
}

plant=$(mktemp -d /tmp/fort-store-closed-XXXXXX) || exit 1
trap 'rm -rf "$plant"' EXIT
mkdir -p "$plant/src/vault" "$plant/src/store" "$plant/cli" "$plant/include"
cat >"$plant/src/vault/a.c" <<'EOF'
r = run(v, "SELECT id FROM clients WHERE id = 1");
r = run(v, "x = ?1");
#include <sqlite3.h>
EOF
cat >"$plant/cli/b.c" <<'EOF'
run(v, "UPDATE clients SET data = x WHERE id = 2");
void *db = store_sqlite_db(s);
EOF
printf '%s\n' '#define Q "DELETE FROM audit"' >"$plant/include/c.h"
printf '%s\n' 'run(s, "SELECT 1 FROM audit");' >"$plant/src/store/ok.c"   # allowed there
found=$(scan "$plant" | wc -l)
if [ "$found" -ne 6 ] || scan "$plant" | grep -q '/src/store/'; then
	echo "check_store_closed: the scan found $found of the 6 planted violations (or one in src/store): the patterns are broken" >&2
	scan "$plant" >&2
	exit 1
fi

bad=$(scan "$ROOT")
if [ -n "$bad" ]; then
	echo "SQL or SQLite outside src/store (issue 16: store.h is the only way to the database)." >&2
	echo "Add a typed function to src/store/store.h, put the statement in src/store, and call that:" >&2
	printf '%s\n' "$bad" | sed "s|^$ROOT/||" >&2
	exit 1
fi
echo "ok: no SQL or SQLite outside src/store"
