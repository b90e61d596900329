#!/usr/bin/env bash
# t1120-fulfil: answering an access and an erasure request with three
# commands each, as the README shows: the package's files and letter, the
# erasure certificate (verifies; fails once altered), legal holds kept and
# erased by `retention run` when they end.
set -u
. "$E2E_LIB"

init_vault
JANE=$(add_client --set full_name="Jana Schmidt" --set email="jana@example.com" --set iban="DE89370400440532013000" --set tax_id="DE123456789")
OTTO=$(add_client --set full_name="Otto Other" --set email="otto@example.com")

test_expect 'access: open, fulfil; the folder has the data, the letter and the manifest' '
	expect_exit 0 fort request open access "$JANE" --received 2026-11-20 &&
	expect_exit 0 fort request fulfil 1 --out "$TRASH/jana" &&
	expect_contains "$OUT" "request 1 answered" &&
	expect_file_mode "$TRASH/jana" 700 &&
	expect_contains "$TRASH/jana/data.json" "DE89370400440532013000" &&
	expect_contains "$TRASH/jana/data.csv" "jana@example.com" &&
	expect_contains "$TRASH/jana/letter.md" "Art. 15(1)(h)" &&
	expect_contains "$TRASH/jana/letter.html" "<h2>" &&
	! grep -rq "otto@example.com" "$TRASH/jana" &&
	expect_eq "$(jq_ "$TRASH/jana/manifest.json" "[f[\"sha256\"] for f in d[\"files\"] if f[\"file\"]==\"data.csv\"][0]")" "$(sha "$TRASH/jana/data.csv")" checksum &&
	expect_exit 6 fort request fulfil 1 --out "$TRASH/jana2"
'

test_expect 'erasure: held fields stay, the rest goes, a signed certificate' '
	expect_exit 0 fort request open erasure "$JANE" --received 2026-11-21 &&
	expect_exit 2 fort request fulfil 2 &&
	expect_exit 0 fort request fulfil 2 --certificate "$TRASH/jana-erasure.json" --json &&
	expect_eq "$(jq_ "$OUT" "d[\"kept\"]")" 2 kept &&
	expect_eq "$(jq_ "$OUT" "d[\"erased\"]")" 2 erased &&
	expect_exit 5 fort client get "$JANE" --reveal iban --purpose billing &&
	expect_contains "$ERR" "Art. 17(3)(b)" &&
	expect_exit 0 fort audit log --json &&
	expect_eq "$(jq_ "$OUT" "sum(1 for e in d if e[\"action\"] == \"reveal\" and e[\"result\"] == \"denied\" and e[\"purpose\"] == \"billing\")")" 1 "the refusal audited" &&
	expect_exit 0 fort client get "$JANE" --reveal iban --purpose tax &&
	expect_contains "$OUT" "DE89370400440532013000" &&
	! grep -q "full_name" "$OUT" &&
	expect_exit 3 fort client find email=jana@example.com &&
	expect_contains "$TRASH/jana-erasure.json.letter.md" "## What we keep, why, and until when" &&
	expect_contains "$TRASH/jana-erasure.json.letter.md" "- IBAN: business records kept under tax law" &&
	expect_contains "$TRASH/jana-erasure.json.letter.md" "used for nothing else" &&
	expect_contains "$TRASH/jana-erasure.json.letter.md" "- E-mail address" &&
	expect_not_contains "$TRASH/jana-erasure.json.letter.md" "jana@example.com" &&
	pdftotext "$TRASH/jana-erasure.json.letter.pdf" "$TRASH/letter.txt" &&
	expect_contains "$TRASH/letter.txt" "What we erased" &&
	expect_contains "$TRASH/letter.txt" "Tax / VAT id: business records kept under tax law"
'

test_expect 'the certificate verifies, and not once a byte is changed' '
	expect_exit 0 fort verify-certificate "$TRASH/jana-erasure.json" &&
	expect_contains "$OUT" "certificate OK" &&
	sed "s/\"tax_id\"/\"tax_iD\"/" "$TRASH/jana-erasure.json" >"$TRASH/altered.json" &&
	! cmp -s "$TRASH/altered.json" "$TRASH/jana-erasure.json" &&
	expect_exit 1 fort verify-certificate "$TRASH/altered.json" &&
	expect_contains "$ERR" "altered"
'

test_expect 'retention: due lists the holds; run erases them once ended, then the client' '
	expect_exit 0 fort retention due --json &&
	expect_eq "$(jq_ "$OUT" "len(d)")" 0 nothing-within-30-days &&
	expect_exit 0 fort retention due --until 2099-01-01 --json &&
	expect_eq "$(jq_ "$OUT" "len(d)")" 2 holds &&
	expect_eq "$(jq_ "$OUT" "d[0][\"action\"]")" hold-ended action &&
	until=$(jq_ "$OUT" "d[0][\"date\"]") &&
	expect_exit 0 fort retention run --as-of "$until" --json &&
	expect_eq "$(jq_ "$OUT" "len(d[\"erased\"])")" 0 nothing-yet &&
	expect_exit 0 fort retention run --as-of 2099-01-01 --dry-run &&
	expect_contains "$OUT" "2 field(s) would be erased" &&
	expect_exit 0 fort retention run --as-of 2099-01-01 &&
	expect_exit 3 fort client get "$JANE" &&
	expect_contains "$ERR" "erased" &&
	expect_exit 0 fort client get "$OTTO" &&
	expect_exit 0 fort audit verify
'

test_done
