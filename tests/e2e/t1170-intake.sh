#!/usr/bin/env bash
# t1170-intake: write-only intake forms through the CLI (issue 18 item 1).
# A form is made; a submission without any passphrase is unreadable in the
# vault file and its WAL and gets the same answer whoever it names; a
# keyholder reviews (masked), accepts, and the client exists with the
# consent recorded (channel web, the notice shown); staff without 'intake'
# is refused and audited; bad and oversized submissions store nothing; a
# form or a decision changed with sqlite3 (psql on PostgreSQL) is caught.
set -u
. "$E2E_LIB"

init_vault
write_secret "$TRASH/sam.pass" 'harbor-quilt-sparrow-ember-violin-tundra'

# the form page's side: no passphrase at all
anon() { env -u FORTRESS_PASSPHRASE_FILE "$FORTRESS" "$@"; }
inbox_count() { pg_or_sqlite_sql "SELECT count(*) FROM intake_inbox"; }
# is the canary's name readable anywhere in the vault file or its WAL (on
# PostgreSQL: in any row of the database)?
canary_readable() {
	if on_pg; then
		vault_dump_has canaryman
		return
	fi
	grep -a -q -i "canaryman" "$FORTRESS_VAULT" ||
		{ [ -e "$FORTRESS_VAULT-wal" ] && grep -a -q -i "canaryman" "$FORTRESS_VAULT-wal"; }
}

test_expect 'a form asks for map fields and purposes; bad ones are named' '
	expect_exit 0 fort intake create contact --fields email,full_name,phone --consents marketing &&
	expect_contains "$OUT" "intake form contact created" &&
	expect_exit 3 fort intake create other --fields email,shoe_size &&
	expect_contains "$ERR" "shoe_size" &&
	expect_exit 3 fort intake create other --fields email --consents astrology &&
	expect_contains "$ERR" "astrology" &&
	expect_exit 6 fort intake create contact --fields email &&
	expect_exit 2 fort intake create other &&
	expect_exit 0 fort --json intake list &&
	expect_eq "$(jq_ "$OUT" "len(d)")" 1 &&
	expect_eq "$(jq_ "$OUT" "\",\".join(d[0][\"fields\"])")" "email,full_name,phone"
'
fort --json notice publish >"$TRASH/notice.json" 2>/dev/null
NOTICE=$(jq_ "$TRASH/notice.json" "d[\"version\"]")

cat >"$TRASH/sub1.json" <<EOF
{"fields": {"email": "Quill.Canaryman@example.org", "full_name": "Quill Canaryman", "phone": "030 1234567"},
 "consents": ["marketing"], "notice": "$NOTICE", "language": "de"}
EOF

test_expect 'a submission needs no passphrase and is unreadable in the file and its WAL' '
	expect_exit 0 anon intake submit contact --file "$TRASH/sub1.json" &&
	expect_eq "$(cat "$OUT")" "received" &&
	expect_eq "$(inbox_count)" 1 &&
	! canary_readable &&
	expect_exit 0 anon intake list &&
	expect_match "$OUT" "^contact +1 "
'

test_expect 'the same answer for a person who is already a client' '
	CID=$(add_client --set full_name="Jana Schmidt" --set email="jana@example.com") &&
	printf "{\"fields\": {\"email\": \"jana@example.com\", \"full_name\": \"Jana S\"}}" >"$TRASH/known.json" &&
	printf "{\"fields\": {\"email\": \"nobody@example.com\", \"full_name\": \"No Body\"}}" >"$TRASH/new.json" &&
	expect_exit 0 anon intake submit contact --file "$TRASH/known.json" &&
	cp "$OUT" "$TRASH/known.out" && cp "$ERR" "$TRASH/known.err" &&
	expect_exit 0 anon intake submit contact --file - <"$TRASH/new.json" &&
	cmp -s "$OUT" "$TRASH/known.out" && cmp -s "$ERR" "$TRASH/known.err" &&
	expect_eq "$(inbox_count)" 3 &&
	echo "$CID" >"$TRASH/jana.id"
'
JANA=$(cat "$TRASH/jana.id")

test_expect 'bad and oversized submissions are refused naming the field, nothing stored' '
	printf "{\"fields\": {\"email\": \"not-an-address\"}}" >"$TRASH/bad1.json" &&
	expect_exit 6 anon intake submit contact --file "$TRASH/bad1.json" &&
	expect_contains "$ERR" "field '\''email'\''" &&
	expect_not_contains "$ERR" "not-an-address" &&
	printf "{\"fields\": {\"iban\": \"DE89370400440532013000\"}}" >"$TRASH/bad2.json" &&
	expect_exit 6 anon intake submit contact --file "$TRASH/bad2.json" &&
	expect_contains "$ERR" "iban" &&
	printf "{\"fields\": {\"email\": \"a@example.com\"}, \"consents\": [\"marketing\"]}" >"$TRASH/bad3.json" &&
	expect_exit 6 anon intake submit contact --file "$TRASH/bad3.json" &&
	expect_contains "$ERR" "notice" &&
	printf "{\"fields\": {\"email\": " >"$TRASH/bad4.json" &&
	expect_exit 6 anon intake submit contact --file "$TRASH/bad4.json" &&
	"$PYTHON" -c "import json; print(json.dumps({\"fields\": {\"full_name\": \"x\" * 40000}}))" >"$TRASH/big.json" &&
	expect_exit 6 anon intake submit contact --file "$TRASH/big.json" &&
	expect_contains "$ERR" "limit" &&
	expect_exit 3 anon intake submit nosuchform --file "$TRASH/new.json" &&
	expect_eq "$(inbox_count)" 3
'

test_expect 'review: masked, the duplicate flagged without its values' '
	expect_exit 0 fort intake review contact &&
	expect_not_contains "$OUT" "Canaryman" &&
	expect_contains "$OUT" "DUPLICATE: client $JANA has the same email" &&
	expect_exit 0 fort --json intake review &&
	expect_eq "$(jq_ "$OUT" "len(d)")" 3 &&
	expect_eq "$(jq_ "$OUT" "d[1][\"duplicate_of\"]")" "$JANA" &&
	expect_eq "$(jq_ "$OUT" "d[0][\"revealed\"]")" false &&
	expect_exit 0 fort --json intake review --reveal &&
	expect_eq "$(jq_ "$OUT" "d[0][\"values\"][\"phone\"]")" "+49301234567"
'

test_expect 'staff without the intake action is refused, audited' '
	FORTRESS_PASSPHRASE_FILE=$TRASH/sam.pass expect_exit 0 fort user request sam --kdf interactive &&
	expect_exit 0 fort user add sam --role staff &&
	FORTRESS_PASSPHRASE_FILE=$TRASH/sam.pass expect_exit 5 fort --user sam intake review &&
	expect_contains "$ERR" "does not allow '\''intake'\''" &&
	FORTRESS_PASSPHRASE_FILE=$TRASH/sam.pass expect_exit 5 fort --user sam intake accept 1 &&
	expect_exit 0 fort --json audit log &&
	expect_eq "$(jq_ "$OUT" "len([e for e in d if e[\"actor\"] == \"sam\" and e[\"action\"].startswith(\"intake-\") and e[\"result\"] == \"denied\"])")" 2 &&
	expect_eq "$(inbox_count)" 3
'

test_expect 'accept: the client exists with the consent (web, the notice shown); the duplicate is refused' '
	expect_exit 0 fort --json intake accept 1 &&
	C1=$(jq_ "$OUT" "d[\"client\"]") &&
	expect_exit 0 fort client get "$C1" --reveal full_name --purpose service &&
	expect_contains "$OUT" "Quill Canaryman" &&
	expect_exit 0 fort --json consent show "$C1" &&
	expect_eq "$(jq_ "$OUT" "d[\"history\"][0][\"channel\"]")" "web" &&
	expect_eq "$(jq_ "$OUT" "d[\"history\"][0][\"notice_sha256\"]")" "$NOTICE" &&
	expect_eq "$(jq_ "$OUT" "d[\"history\"][0][\"language\"]")" "de" &&
	expect_exit 6 fort intake accept 2 &&
	expect_contains "$ERR" "$JANA" &&
	expect_exit 0 fort intake reject 2 &&
	expect_exit 3 fort intake accept 2 &&
	expect_exit 6 fort intake accept abc &&
	expect_exit 0 fort intake accept 3 &&
	expect_eq "$(inbox_count)" 0 &&
	expect_exit 0 fort audit verify &&
	expect_exit 0 fort consent verify &&
	! canary_readable
'

test_expect 'a form with pending submissions is not removed' '
	expect_exit 0 fort intake create newsletter --fields email --consents marketing &&
	printf "{\"fields\": {\"email\": \"n@example.com\"}}" | env -u FORTRESS_PASSPHRASE_FILE "$FORTRESS" intake submit newsletter --file - >/dev/null &&
	expect_exit 6 fort intake remove newsletter &&
	expect_exit 0 fort intake reject 4 &&
	expect_exit 0 fort intake remove newsletter &&
	expect_exit 3 fort intake show newsletter
'

vault_save clean

test_expect 'a form widened with sqlite3 is refused at submit and named by audit verify' '
	pg_or_sqlite_sql "UPDATE intake_forms SET fields = '\''email,full_name,phone,iban'\'' WHERE name = '\''contact'\''" &&
	expect_exit 8\|1 anon intake submit contact --file "$TRASH/bad2.json" &&
	expect_contains "$ERR" "intake form" &&
	expect_eq "$(inbox_count)" 0 &&
	expect_exit 1 fort audit verify &&
	expect_contains "$OUT" "intake form"
'

test_expect 'a decision rewritten with sqlite3 is named by audit verify' '
	vault_restore clean &&
	expect_exit 0 fort audit verify &&
	pg_or_sqlite_sql "UPDATE intake_decisions SET decision = '\''accepted'\'', client = '\''c-0000000000000001'\'' WHERE id = 2" &&
	expect_exit 1 fort audit verify &&
	expect_contains "$OUT" "intake submission 2"
'

test_done
