#!/usr/bin/env bash
# t0400-audit: every access is in the audit log, without client values; the
# hash chain verifies; editing the database behind Fortress's back (change,
# delete, reorder, truncate, forge) is detected and the entry named.  The
# edits are made with sqlite3 on a file vault and with psql on a PostgreSQL
# one (an e2e_t0400-audit_pg run), triggers dropped first.
set -u
. "$E2E_LIB"

init_vault
fort map show --json >"$TRASH/map.json" 2>/dev/null
P_EMAIL=$(util purpose "$TRASH/map.json" email)
P_EXPORT=$(util purpose "$TRASH/map.json" full_name email)
BAD_PURPOSE=$(util denied-purpose "$TRASH/map.json" email)
IBAN=$(util iban DE 76050000 4711081500)

# Client values that must never reach the audit log.
cat >"$TRASH/canaries" <<EOF
Zebulon
Canarytest
zebulon.canary
9988776
$IBAN
${IBAN:4}
canarynote
Canaryco
Quokkastreet
xanthippe
5566771
EOF

test_expect 'a session of operations, each one audited' '
	a=$(add_client --set full_name="Zebulon Canarytest" --set email=zebulon.canary@example.org \
		--set phone="+49 30 9988776" --set iban="$IBAN" --set notes="canarynote audit" \
		--set company="Canaryco Audit GmbH" --set postal_address="Quokkastreet 1, 10115 Berlin") &&
	b=$(add_client --set full_name="Xanthippe Erasable" --set email=xanthippe@example.org --set phone="030 5566771") &&
	expect_exit 0 fort client get "$a" &&
	expect_exit 0 fort client get "$a" --reveal email --purpose "$P_EMAIL" &&
	expect_exit 5 fort client get "$a" --reveal email --purpose "$BAD_PURPOSE" &&
	expect_exit 0 fort client list &&
	expect_exit 0 fort client find email=zebulon.canary@example.org &&
	expect_exit 0 fort client find "phone=030 9988776" &&
	expect_exit 0 fort client edit "$a" --set notes="canarynote edited" &&
	expect_exit 0 fort client export --purpose "$P_EXPORT" --format json -o "$TRASH/work/export.json" &&
	printf "full_name,email\nYvonne Importiert,yvonne.import@example.org\n" >"$TRASH/work/one.csv" &&
	expect_exit 0 fort client import "$TRASH/work/one.csv" &&
	write_secret "$TRASH/wrong" "not-the-right-passphrase-at-all" &&
	expect_exit 4 fort --passphrase-file "$TRASH/wrong" client list &&
	expect_exit 0 fort client erase "$b" --yes --reason "contract ended"
'

test_expect 'audit log --json lists every kind of operation' '
	expect_exit 0 fort audit log --json &&
	expect_json "$OUT" &&
	cp "$OUT" "$TRASH/audit.json" &&
	util audit "$TRASH/audit.json" >"$TRASH/audit.tsv" &&
	for act in create unlock add read reveal list find edit export import unlock-failed erase; do
		cut -f2 "$TRASH/audit.tsv" | grep -qx -- "$act" || _fail "no \"$act\" entry in the audit log"
	done &&
	expect_match "$TRASH/audit.tsv" "^[0-9]+${TAB}reveal${TAB}ok${TAB}$a${TAB}email${TAB}$P_EMAIL\$" &&
	expect_match "$TRASH/audit.tsv" "^[0-9]+${TAB}(reveal|read)${TAB}denied${TAB}$a${TAB}" &&
	expect_match "$TRASH/audit.tsv" "^[0-9]+${TAB}erase${TAB}ok${TAB}$b${TAB}" &&
	expect_match "$TRASH/audit.tsv" "^[0-9]+${TAB}unlock-failed${TAB}(failed|denied)${TAB}"
'

test_expect 'the audit log holds no client values (text and JSON)' '
	expect_exit 0 fort audit log &&
	cp "$OUT" "$TRASH/audit.txt" &&
	expect_contains "$TRASH/audit.txt" "$a" &&
	{ ! grep -i -F -f "$TRASH/canaries" "$TRASH/audit.txt" "$TRASH/audit.json" ||
		_fail "client values in the audit log (lines above)"; }
'

test_expect 'audit log --client ID: only that client, and it survives erasure' '
	expect_exit 0 fort audit log --client "$b" --json &&
	expect_json "$OUT" &&
	others=$(jq_ "$OUT" "len([e for e in audit_entries(d) if e.get(\"client\") != \"$b\"])") &&
	expect_eq "$others" 0 "entries about other clients" &&
	util audit "$OUT" | cut -f2 >"$TRASH/b.actions" &&
	expect_contains "$TRASH/b.actions" add &&
	expect_contains "$TRASH/b.actions" erase
'

test_expect 'audit verify: OK, without a passphrase, same head as status' '
	expect_exit 0 fort status --json && cp "$OUT" "$TRASH/st.json" &&
	n=$(util status "$TRASH/st.json" audit_entries) &&
	head=$(util status "$TRASH/st.json" audit_head) &&
	expect_exit 0 fort_nopass audit verify &&
	expect_contains "$OUT" "audit chain OK: $n entries, head $head" &&
	expect_exit 0 fort_nopass audit verify --json &&
	expect_json "$OUT" &&
	expect_exit 0 fort_nopass audit verify --anchor "$head" &&
	expect_contains "$OUT" "audit chain OK"
'

# A copy of the vault as it is now; every tampering starts from a fresh copy.
MASTER=$(vault_copy "$FORTRESS_VAULT" master)
HEAD=$head
vault_sql -v "$MASTER" .schema "SELECT 'CREATE TABLE ' || tablename FROM pg_tables WHERE schemaname = 'public'" >"$TRASH/schema.sql" 2>&1
SEQMIN=$(vault_sql -v "$MASTER" "SELECT min(seq) FROM audit" 2>/dev/null)
SEQMAX=$(vault_sql -v "$MASTER" "SELECT max(seq) FROM audit" 2>/dev/null)
# the columns one can INSERT (PostgreSQL's rowid is an identity column)
COLS=$(vault_sql -v "$MASTER" "SELECT group_concat(name, ' ') FROM pragma_table_info('audit')" \
	"SELECT string_agg(column_name, ' ' ORDER BY ordinal_position) FROM information_schema.columns
	 WHERE table_schema = 'public' AND table_name = 'audit' AND is_identity = 'NO'" 2>/dev/null)
ADD_SEQ=$(jq_ "$TRASH/audit.json" "[e[\"seq\"] for e in audit_entries(d) if e[\"action\"]==\"add\"][0]")
DENIED_SEQ=$(jq_ "$TRASH/audit.json" "[e[\"seq\"] for e in audit_entries(d) if e[\"result\"]==\"denied\"][0]")

test_expect 'the vault has an audit table with a seq column (schema inspected at runtime)' '
	expect_contains "$TRASH/schema.sql" "CREATE TABLE audit" &&
	expect_match - "(^| )seq( |$)" <<<"$COLS" &&
	{ [ "$SEQMAX" -gt $((SEQMIN + 10)) ] || _fail "only $SEQMIN..$SEQMAX in the audit table"; } &&
	{ [ "$ADD_SEQ" -gt "$SEQMIN" ] && [ "$ADD_SEQ" -lt "$SEQMAX" ] || _fail "add entry $ADD_SEQ not in the middle"; }
'

# tamper NAME SQL: print where a fresh copy of the vault is, with SQL run on
# it by the sqlite3 CLI or psql (dropping triggers on audit first: an
# attacker with the file or the database can too).
tamper() {
	local db
	db=$(vault_copy "$MASTER" "$1") || return 1
	vault_drop_triggers "$db" audit >&2 || return 1
	vault_sql -v "$db" "$2" >&2 || { echo "tamper $1: the SQL failed" >&2; return 1; }
	echo "$db"
}

# expect_broken DB SEQ-ERE: audit verify on DB exits 1 and names one of the seqs.
expect_broken() {
	expect_exit 1 fort_nopass --vault "$1" audit verify &&
	cat "$OUT" "$ERR" >"$TRASH/verify.txt" &&
	expect_match "$TRASH/verify.txt" "audit chain BROKEN at entry ($2)([^0-9]|\$)"
}

test_expect 'tamper: an entry'\''s result changed (hiding a denied reveal) is detected' '
	db=$(tamper result "UPDATE audit SET result='\''ok'\'' WHERE seq=$DENIED_SEQ") &&
	expect_broken "$db" "$DENIED_SEQ"
'

test_expect 'tamper: an entry'\''s timestamp changed is detected' '
	db=$(tamper ts "UPDATE audit SET ts=ts-86400 WHERE seq=$ADD_SEQ") &&
	expect_broken "$db" "$ADD_SEQ"
'

test_expect 'tamper: an entry'\''s actor / detail changed is detected' '
	db=$(tamper actor "UPDATE audit SET actor='\''mallory'\'' WHERE seq=$ADD_SEQ") &&
	expect_broken "$db" "$ADD_SEQ" &&
	db=$(tamper detail "UPDATE audit SET detail=detail || '\'' '\'' WHERE seq=$ADD_SEQ") &&
	expect_broken "$db" "$ADD_SEQ"
'

test_expect 'tamper: a middle entry deleted is detected' '
	db=$(tamper delete "DELETE FROM audit WHERE seq=$ADD_SEQ") &&
	expect_broken "$db" "$ADD_SEQ|$((ADD_SEQ + 1))"
'

test_expect 'tamper: two entries swapped (seq exchanged) is detected' '
	db=$(tamper swap "UPDATE audit SET seq=-99 WHERE seq=$ADD_SEQ;
		UPDATE audit SET seq=$ADD_SEQ WHERE seq=$((ADD_SEQ + 1));
		UPDATE audit SET seq=$((ADD_SEQ + 1)) WHERE seq=-99;") &&
	expect_broken "$db" "$ADD_SEQ|$((ADD_SEQ + 1))"
'

test_expect 'tamper: the last entries deleted (truncation) is detected' '
	db=$(tamper truncate "DELETE FROM audit WHERE seq > $((SEQMAX - 2))") && TRUNC=$db &&
	expect_broken "$db" "$((SEQMAX - 2))|$((SEQMAX - 1))|$SEQMAX"
'

test_expect 'truncation is also caught by the external anchor from status' '
	expect_exit 1 fort_nopass --vault "$TRUNC" audit verify --anchor "$HEAD" &&
	cat "$OUT" "$ERR" >"$TRASH/verify.txt" &&
	expect_contains "$TRASH/verify.txt" "audit chain BROKEN" &&
	expect_exit 0 fort_nopass --vault "$MASTER" audit verify --anchor "$HEAD" &&
	expect_contains "$OUT" "audit chain OK"
'

test_expect 'tamper: a forged entry appended is detected' '
	cols=$(sed "s/\bseq\b/$((SEQMAX + 1))/; s/\baction\b/'\''read'\''/" <<<"$COLS" | tr " " ",") &&
	db=$(tamper forge "INSERT INTO audit($(tr " " "," <<<"$COLS")) SELECT $cols FROM audit WHERE seq=$SEQMAX") &&
	expect_eq "$(vault_sql -v "$db" "SELECT count(*) FROM audit WHERE seq=$((SEQMAX + 1))")" 1 "forged rows" &&
	expect_broken "$db" "$((SEQMAX + 1))"
'

test_expect 'tamper: every entry deleted is detected' '
	db=$(tamper empty "DELETE FROM audit") &&
	expect_exit 1 fort_nopass --vault "$db" audit verify &&
	cat "$OUT" "$ERR" >"$TRASH/verify.txt" &&
	expect_contains "$TRASH/verify.txt" "audit chain BROKEN"
'

test_expect 'a rolled-back copy verifies alone but not against a newer anchor' '
	OLD=$(vault_copy "$FORTRESS_VAULT" old) &&
	expect_exit 0 fort client get "$a" &&
	expect_exit 0 fort status --json &&
	newhead=$(util status "$OUT" audit_head) &&
	expect_ne "$newhead" "$HEAD" "head after one more read" &&
	expect_exit 0 fort_nopass audit verify --anchor "$HEAD" &&
	expect_exit 0 fort_nopass audit verify --anchor "$newhead" &&
	expect_exit 0 fort_nopass --vault "$OLD" audit verify &&
	expect_exit 1 fort_nopass --vault "$OLD" audit verify --anchor "$newhead" &&
	cat "$OUT" "$ERR" >"$TRASH/verify.txt" &&
	expect_contains "$TRASH/verify.txt" "audit chain BROKEN"
'

test_expect 'an anchor with the right seq but a wrong hash fails' '
	seq=${HEAD%%:*} &&
	expect_exit 1 fort_nopass audit verify --anchor "$seq:$(printf "%064d" 0)" &&
	cat "$OUT" "$ERR" >"$TRASH/verify.txt" &&
	expect_contains "$TRASH/verify.txt" "audit chain BROKEN"
'

test_expect 'the untouched vault still verifies' '
	expect_exit 0 fort_nopass audit verify &&
	expect_contains "$OUT" "audit chain OK"
'

test_done
