#!/usr/bin/env bash
# t0553-index-seal: search-index entries sealed per client (issue 16,
# schema 19).  A vault made by main's build before it (tests/data/e2e/
# vault-v17.db, make-vault-v17.sh: one seal per search entry) is regrouped
# at its first unlock, once, in one audited transaction, every entry checked
# against its own seal first; an entry changed before that refuses the
# unlock and leaves the vault as it was.  After it, each client's search
# entries are one seal: an entry deleted, added or put back is named by
# audit verify (a find checks the entry in hand by its MAC, t0552).
set -u
. "$E2E_LIB"

command -v sqlite3 >/dev/null || { echo "e2e: sqlite3 CLI missing (scripts/install-deps.sh installs it)" >&2; exit 1; }

FIX=$E2E_DATA/vault-v17.db
V=$FORTRESS_VAULT
q() { sqlite3 "$1" "$2"; }
copy_vault "$FIX" "$V"
fa() { FORTRESS_VAULT=$AV fort "$@"; }
AV=
# attack NAME BASE SQL: a copy of vault BASE changed by SQL; fa runs on it.
attack() {
	local name=$1 base=$2; shift 2
	copy_vault "$base" "$TRASH/$name.db" && sqlite3 "$TRASH/$name.db" "$*" && AV=$TRASH/$name.db
}
# Karl: his name and IBAN in the search index; Piotr: his name only
K=$(q "$FIX" "SELECT client FROM blind GROUP BY client HAVING count(*) = 2")
P=$(q "$FIX" "SELECT client FROM uniq GROUP BY client HAVING count(*) = 2")
[ -n "$K" ] && [ -n "$P" ] || { echo "t0553: the fixture lacks its clients" >&2; exit 1; }

test_expect 'the fixture is a schema-17 vault with one seal per search entry' '
	expect_eq "$(q "$FIX" "PRAGMA user_version")" 17 &&
	expect_eq "$(q "$FIX" "SELECT count(*) FROM blind")" 4 &&
	expect_eq "$(q "$FIX" "SELECT count(*) FROM seal_head WHERE tbl = '\''blind'\''")" 4 &&
	expect_eq "$(q "$FIX" "SELECT count(*) FROM seal_head WHERE tbl = '\''blind'\'' AND id = $K")" 0
'

test_expect 'a locked open migrates, marks the vault, and audit verify still checks the entries one by one' '
	expect_exit 0 fort status &&
	expect_eq "$(q "$V" "SELECT v FROM meta WHERE k = '\''index_seal'\''")" entry &&
	expect_exit 0 fort audit verify &&
	cp "$V" "$TRASH/locked.db"
'

test_expect 'before the regrouping, audit verify names a search entry deleted' '
	attack ldel "$TRASH/locked.db" "DELETE FROM blind WHERE client = $K AND h = (SELECT min(h) FROM blind WHERE client = $K)" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "removed outside Fortress"
'

test_expect 'the first unlock regroups: one seal per client, audited once; finds and audit verify agree' '
	expect_exit 0 fort client list &&
	expect_eq "$(q "$V" "SELECT v FROM meta WHERE k = '\''index_seal'\''")" client &&
	expect_eq "$(q "$V" "SELECT count(*) FROM seal_head_blind WHERE hash <> zeroblob(32)")" 3 &&
	expect_eq "$(q "$V" "SELECT count(*) FROM seal_head_blind WHERE id = $K AND hash <> zeroblob(32)")" 1 &&
	expect_eq "$(q "$V" "SELECT count(*) FROM seal_head WHERE tbl IN ('\''clients'\'', '\''blind'\'', '\''uniq'\'')")" 0 &&
	expect_eq "$(q "$V" "SELECT count(*) FROM audit WHERE detail LIKE '\''sealed 4 search-index entries by client (3 clients)%'\''")" 1 &&
	expect_exit 0 fort client find full_name="Karl Berg" &&
	expect_contains "$OUT" "c-" &&
	expect_exit 0 fort client find iban=DE89370400440532013000 &&
	expect_contains "$OUT" "c-" &&
	expect_exit 0 fort audit verify &&
	expect_exit 0 fort client list &&
	expect_eq "$(q "$V" "SELECT count(*) FROM audit WHERE detail LIKE '\''sealed % search-index entries by client%'\''")" 1
'

# every seal head (schema 20: the large tables' in a table each)
HEADS="SELECT count(*), coalesce(sum(length(hash)), 0) FROM (SELECT hash FROM seal_head UNION ALL SELECT hash FROM seal_head_clients
	UNION ALL SELECT hash FROM seal_head_blind UNION ALL SELECT hash FROM seal_head_uniq)"
test_expect 'an entry moved to another client before the regrouping refuses the unlock; nothing changed' '
	attack premove "$TRASH/locked.db" "UPDATE blind SET client = $P WHERE client = $K AND h = (SELECT min(h) FROM blind WHERE client = $K)" &&
	BEFORE=$(q "$AV" "$HEADS") &&
	expect_exit 8 fa client list &&
	expect_contains "$ERR" "search-index entries naming client" &&
	expect_contains "$ERR" "fortress audit verify" &&
	expect_eq "$(q "$AV" "SELECT v FROM meta WHERE k = '\''index_seal'\''")" entry &&
	expect_eq "$(q "$AV" "$HEADS")" "$BEFORE"
'

test_expect 'an entry deleted before the regrouping refuses the unlock (removed outside Fortress)' '
	attack predel "$TRASH/locked.db" "DELETE FROM blind WHERE client = $K AND h = (SELECT min(h) FROM blind WHERE client = $K)" &&
	expect_exit 8 fa client list &&
	expect_contains "$ERR" "removed outside Fortress" &&
	expect_eq "$(q "$AV" "SELECT v FROM meta WHERE k = '\''index_seal'\''")" entry
'

test_expect 'after it: a search entry deleted is named by audit verify (its client'\''s set changed)' '
	attack del "$V" "DELETE FROM blind WHERE client = $K AND h = (SELECT min(h) FROM blind WHERE client = $K)" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "search-index entries naming client $K" &&
	expect_contains "$OUT" "changed outside Fortress"
'

test_expect 'after it: all of a client'\''s search entries deleted are named as removed' '
	attack delall "$V" "DELETE FROM blind WHERE client = $K" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "search-index entries naming client $K" &&
	expect_contains "$OUT" "removed outside Fortress"
'

test_expect 'after it: an entry copied to a client without search entries is named as added' '
	NEW=$(q "$V" "SELECT max(id) + 7 FROM clients") &&
	attack added "$V" "INSERT INTO blind(h, client, mac) SELECT h, $NEW, mac FROM blind WHERE client = $K AND h = (SELECT min(h) FROM blind WHERE client = $K)" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "added outside Fortress" &&
	expect_exit 8 fa client find full_name="Karl Berg"
'

test_expect 'after it: a client'\''s group seal rewritten in its head is named by audit verify' '
	attack head "$V" "UPDATE seal_head_blind SET hash = randomblob(32) WHERE id = $K" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "search-index entries naming client $K"
'

test_expect 'after it: the marker put back to "entry" refuses the next unlock (no entry has its own seal now)' '
	attack marker "$V" "UPDATE meta SET v = '\''entry'\'' WHERE k = '\''index_seal'\''" &&
	expect_exit 8 fa client list &&
	expect_contains "$ERR" "outside Fortress"
'

test_expect 'new writes and a rotation keep the groups: audit verify agrees' '
	expect_exit 0 fort client add --set full_name="Lena Vogel" --set email=lena@example.com &&
	LENA=$(cat "$OUT") &&
	expect_exit 0 fort client edit "$LENA" --set full_name="Lena Vogel-Berg" &&
	expect_exit 0 fort keys rotate --all &&
	expect_exit 0 fort client find full_name="Lena Vogel-Berg" &&
	expect_contains "$OUT" "$LENA" &&
	expect_exit 0 fort client find full_name="Karl Berg" &&
	expect_contains "$OUT" "c-" &&
	expect_exit 0 fort audit verify
'

test_done
