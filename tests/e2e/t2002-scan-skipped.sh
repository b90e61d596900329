#!/usr/bin/env bash
# t2002-scan-skipped: what the readers could not read is said, never passed
# over silently: a zip bomb's member is named
# on stderr and counted in the JSON summary.
set -u
. "$E2E_LIB"

mkdir -p "$TRASH/scan"
"$PYTHON" - "$TRASH/scan" <<'PY'
import sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(d + "/bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("zeros.txt", b"0" * (50 * 1024 * 1024))
with open(d + "/plain.txt", "w") as f:
    f.write("write to jane.doe@example.com\n")
PY

test_expect 'a suspected zip bomb is named and counted; the rest is scanned' '
	expect_exit 1 fort scan "$TRASH/scan" &&
	expect_contains "$ERR" "bomb.zip: 1 part not read" &&
	expect_contains "$ERR" "suspected zip bomb" &&
	expect_contains "$OUT" "1 part of archives or mail not read" &&
	expect_exit 1 fort scan --format json "$TRASH/scan" &&
	expect_eq "$(jq_ "$OUT" "d[\"summary\"][\"parts_skipped\"]")" 1 parts_skipped &&
	expect_eq "$(jq_ "$OUT" "d[\"summary\"][\"findings\"]")" 1 findings
'

test_done
