#!/usr/bin/env bash
# t1140-rectification: answering a rectification request tells the
# recipients of the corrected data (Art. 19: the notices erasure writes,
# Markdown and PDF), needs something corrected first, and leaves no copy of
# the old value in the vault file (its ciphertext is searched for after the
# answer); a refusal letter can be printed as a PDF too.
set -u
. "$E2E_LIB"

init_vault
V=$FORTRESS_VAULT
fort map recipient add mailhost --kind processor --country DE --note "e-mail hosting" >/dev/null 2>&1
fort map activity edit correspondence --recipient mailhost >/dev/null 2>&1
RITA=$(add_client --set full_name="Rita Rect" --set email="rita.old@example.com" --set notes="call after 5pm")

# the client's encrypted record as it is stored now (hex)
record_hex() {
	pg_or_sqlite_sql "select hex(data) from clients where id = (select max(id) from clients)" \
		"select upper(encode(data, 'hex')) from clients where id = (select max(id) from clients)"
}
# is HEX (a run of the old ciphertext) anywhere in the vault file or its WAL?
# On PostgreSQL: in any row of the database (a data dump; the server's own
# files keep a dead row version until VACUUM reuses it, as tests/README.md says)
file_has_hex() {
	if on_pg; then
		vault_dump_has "$1"
		return
	fi
	"$PYTHON" - "$V" "$1" <<'EOF'
import sys, os
want = bytes.fromhex(sys.argv[2])
hit = False
for p in (sys.argv[1], sys.argv[1] + "-wal"):
    if os.path.exists(p):
        hit |= want in open(p, "rb").read()
sys.exit(0 if hit else 1)
EOF
}

test_expect 'nothing corrected yet: the answer is refused, the request stays open' '
	expect_exit 0 fort request open rectification "$RITA" --received 2026-11-20 &&
	expect_exit 6 fort request answer 1 --notices "$TRASH/rect.md" &&
	expect_contains "$ERR" "corrected" &&
	expect_exit 0 fort request show 1 --json &&
	expect_eq "$(jq_ "$OUT" "d[\"state\"]")" received state &&
	[ ! -e "$TRASH/rect.md" ]
'

OLD=$(record_hex)

test_expect 'the old ciphertext is in the file before the correction (the check can fail)' '
	expect_ne "$OLD" "" old-record &&
	file_has_hex "${OLD:64:64}"
'

test_expect 'corrected; the recipients must be told: no --notices, no answer' '
	expect_exit 0 fort client edit "$RITA" --set email=rita.new@example.com &&
	expect_exit 6 fort request answer 1 &&
	expect_contains "$ERR" "Art. 19" &&
	expect_exit 0 fort request show 1 --json &&
	expect_eq "$(jq_ "$OUT" "d[\"state\"]")" received still-open
'

test_expect 'the answer writes the notices (Markdown and PDF) and closes the request' '
	expect_exit 0 fort request answer 1 --notices "$TRASH/rect.md" &&
	expect_contains "$ERR" "1 recipient(s)" &&
	expect_contains "$TRASH/rect.md" "## To mailhost" &&
	expect_contains "$TRASH/rect.md" "Art. 19" &&
	expect_contains "$TRASH/rect.md" "Art. 16" &&
	expect_contains "$TRASH/rect.md" "E-mail address" &&
	expect_not_contains "$TRASH/rect.md" "Notes" &&
	expect_not_contains "$TRASH/rect.md" "rita.new@example.com" &&
	expect_not_contains "$TRASH/rect.md" "rita.old@example.com" &&
	expect_file_mode "$TRASH/rect.md" 600 &&
	pdftotext "$TRASH/rect.pdf" "$TRASH/rect.txt" &&
	expect_contains "$TRASH/rect.txt" "To mailhost" &&
	expect_contains "$TRASH/rect.txt" "Art. 19" &&
	expect_exit 0 fort request show 1 --json &&
	expect_eq "$(jq_ "$OUT" "d[\"state\"]")" answered state
'

test_expect 'no copy of the old value is left in the vault file or its WAL' '
	expect_ne "$(record_hex)" "$OLD" re-encrypted &&
	! file_has_hex "${OLD:64:64}" &&
	! file_has_hex "${OLD: -64}" &&
	{ if on_pg; then ! vault_dump_has "rita.old"; else ! grep -q "rita.old" "$V"; fi; } &&
	expect_exit 3 fort client find email=rita.old@example.com
'

test_expect 'erasure still tells the recipients, now with a PDF as well' '
	expect_exit 0 fort request open erasure "$RITA" --received 2026-11-21 &&
	expect_exit 0 fort request fulfil 2 --certificate "$TRASH/rita.json" &&
	expect_contains "$TRASH/rita.json.recipients.md" "Art. 17" &&
	pdftotext "$TRASH/rita.json.recipients.pdf" - | grep -q "To mailhost"
'

test_expect 'a refusal letter as PDF, with the right to complain' '
	BO=$(add_client --set full_name="Bo Refused") &&
	expect_exit 0 fort request open access "$BO" --received 2026-11-22 &&
	expect_exit 0 fort request refuse 3 --reason "manifestly unfounded" --letter "$TRASH/refusal.md" --pdf "$TRASH/refusal.pdf" &&
	pdftotext "$TRASH/refusal.pdf" "$TRASH/refusal.txt" &&
	expect_contains "$TRASH/refusal.txt" "manifestly unfounded" &&
	expect_contains "$TRASH/refusal.txt" "complaint" &&
	expect_contains "$TRASH/refusal.txt" "judicial remedy" &&
	expect_exit 2 fort request answer 3 --notices "$TRASH/x.md"
'

test_done
