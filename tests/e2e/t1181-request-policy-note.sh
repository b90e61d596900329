#!/usr/bin/env bash
# t1181-request-policy-note: issue 18 items 1-2.  The request policy (which
# kinds need a second identity step after the self-service page's e-mail
# link) is a sealed vault setting: set, shown, refused with a bad kind, and
# caught when changed or deleted with sqlite3.  A request records its
# channel and the client's own words (--note-file FILE or stdin, never
# argv): shown by request show / --json to those who may reveal, sealed
# under the vault key (not in the file, its WAL or the audit log in clear),
# refused when bad, caught when altered with sqlite3 (psql on PostgreSQL).
set -u
. "$E2E_LIB"
command -v sqlite3 >/dev/null || { echo "e2e: sqlite3 CLI missing (scripts/install-deps.sh installs it)" >&2; exit 1; }

init_vault
V=$FORTRESS_VAULT
RITA=$(add_client --set full_name="Rita Rect" --set email="rita@example.com")
NOTE="My street is Lindenweg 4 (canary-8f3e1a), not Lindenweg 40."
printf '%s\n' "$NOTE" >"$TRASH/note.txt"

# is TEXT anywhere in the vault file, its WAL or the audit log's details?
# (on PostgreSQL: in any row of the database, a data dump)
in_vault() {
	if on_pg; then
		vault_dump_has "$1"
		return
	fi
	"$PYTHON" - "$V" "$1" <<'EOF'
import sys, os
want, hit = sys.argv[2].encode(), False
for p in (sys.argv[1], sys.argv[1] + "-wal"):
    if os.path.exists(p):
        hit |= want in open(p, "rb").read()
sys.exit(0 if hit else 1)
EOF
}
requests() { pg_or_sqlite_sql "SELECT count(*) FROM requests"; }

test_expect 'the request policy: none at first, set, shown in text and JSON' '
	expect_exit 0 fort request policy &&
	expect_contains "$OUT" "second identity step: none" &&
	expect_exit 0 fort request policy --second-step "erasure, access" &&
	expect_contains "$OUT" "second identity step: access,erasure" &&
	expect_exit 0 fort --json request policy &&
	expect_eq "$(jq_ "$OUT" "d[\"second_step\"]")" "$(printf "access\nerasure")" json &&
	expect_exit 0 fort audit log --json &&
	expect_contains "$OUT" "a second identity step for requests: access,erasure"
'

test_expect 'a bad kind is refused by name, the policy unchanged' '
	expect_exit 6 fort request policy --second-step "erasure,nonsense" &&
	expect_contains "$ERR" "nonsense" &&
	expect_exit 0 fort --json request policy &&
	expect_eq "$(jq_ "$OUT" "d[\"second_step\"]")" "$(printf "access\nerasure")" unchanged
'

test_expect 'the policy switched off or deleted with sqlite3 is caught (exit 8), audit verify names it' '
	vault_save good &&
	pg_or_sqlite_sql "UPDATE meta SET v = CAST('\''{\"second_step\":\"\"}'\'' AS BLOB) WHERE k = '\''request_policy'\''" \
		"UPDATE meta SET v = convert_to('\''{\"second_step\":\"\"}'\'', '\''UTF8'\'') WHERE k = '\''request_policy'\''" &&
	expect_exit 8 fort request policy &&
	expect_contains "$ERR" "request policy" &&
	run fort audit verify &&
	expect_ne "$RC" 0 "audit verify" &&
	cat "$OUT" "$ERR" >"$TRASH/verify.txt" &&
	expect_contains "$TRASH/verify.txt" "request policy" &&
	vault_restore good &&
	pg_or_sqlite_sql "DELETE FROM meta WHERE k = '\''request_policy'\''" &&
	expect_exit 8 fort request policy &&
	vault_restore good &&
	expect_exit 0 fort request policy --second-step none &&
	expect_contains "$OUT" "second identity step: none"
'

test_expect 'a request records its channel and the client note from a file' '
	expect_exit 0 fort request open rectification "$RITA" --received 2026-11-20 --channel letter --note-file "$TRASH/note.txt" &&
	expect_contains "$OUT" "channel:   letter" &&
	expect_contains "$OUT" "note:      $NOTE" &&
	expect_exit 0 fort --json request show 1 &&
	expect_eq "$(jq_ "$OUT" "d[\"channel\"]")" letter channel &&
	expect_eq "$(jq_ "$OUT" "d[\"has_note\"]")" true has_note &&
	expect_eq "$(jq_ "$OUT" "d[\"note\"]")" "$NOTE" note
'

test_expect 'the note from stdin; a request without either records none' '
	printf "%s" "phone number ends in 17, not 71" | run "$FORTRESS" request open rectification "$RITA" --received 2026-11-21 --channel phone --note-file - &&
	expect_eq "$RC" 0 exit &&
	expect_contains "$OUT" "note:      phone number ends in 17, not 71" &&
	expect_exit 0 fort --json request open access "$RITA" --received 2026-11-21 &&
	expect_eq "$(jq_ "$OUT" "d[\"channel\"]")" null channel &&
	expect_eq "$(jq_ "$OUT" "d[\"has_note\"]")" false has_note &&
	expect_eq "$(jq_ "$OUT" "\"note\" in d")" false "no note key"
'

test_expect 'the note is sealed: not in the vault file, its WAL or the audit log' '
	! in_vault "canary-8f3e1a" &&
	! in_vault "ends in 17" &&
	expect_exit 0 fort audit log --json &&
	expect_not_contains "$OUT" "canary-8f3e1a" &&
	expect_contains "$OUT" "the client'\''s note is held (sealed)" &&
	expect_contains "$OUT" "request-note"
'

test_expect 'bad channel, empty, too long or non-UTF-8 notes are refused, nothing stored' '
	before=$(requests) &&
	expect_exit 6 fort request open access "$RITA" --received 2026-11-21 --channel fax &&
	expect_contains "$ERR" "fax" &&
	: >"$TRASH/empty.txt" &&
	expect_exit 6 fort request open rectification "$RITA" --received 2026-11-21 --note-file "$TRASH/empty.txt" &&
	expect_contains "$ERR" "empty" &&
	head -c 4001 /dev/zero | tr "\0" "x" >"$TRASH/long.txt" &&
	expect_exit 6 fort request open rectification "$RITA" --received 2026-11-21 --note-file "$TRASH/long.txt" &&
	printf "caf\xe9\n" >"$TRASH/latin1.txt" &&
	expect_exit 6 fort request open rectification "$RITA" --received 2026-11-21 --note-file "$TRASH/latin1.txt" &&
	expect_contains "$ERR" "UTF-8" &&
	expect_exit 3 fort request open rectification "$RITA" --received 2026-11-21 --note-file "$TRASH/nonexistent.txt" &&
	expect_eq "$(requests)" "$before" "requests"
'

test_expect 'a channel changed, a note moved or a row deleted with sqlite3: exit 8' '
	vault_save good &&
	pg_or_sqlite_sql "UPDATE request_details SET channel = '\''web'\'' WHERE request = 1" &&
	expect_exit 8 fort request show 1 &&
	expect_contains "$ERR" "request #1" &&
	vault_restore good &&
	pg_or_sqlite_sql "UPDATE request_details SET note = (SELECT note FROM request_details WHERE request = 2) WHERE request = 1" &&
	expect_exit 8 fort request show 1 &&
	vault_restore good &&
	pg_or_sqlite_sql "DELETE FROM request_details WHERE request = 1" &&
	expect_exit 8 fort request show 1 &&
	expect_exit 1 fort audit verify &&
	vault_restore good &&
	expect_exit 0 fort audit verify
'

test_done
