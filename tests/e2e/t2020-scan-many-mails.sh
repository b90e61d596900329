#!/usr/bin/env bash
# t2020-scan-many-mails: a scan of 5,000 small mail files under
# 'ulimit -n 256' reads every one: no descriptor is kept per mail (each
# read once leaked one: "Too many open files" after ~1,000, issue 13).
set -u
. "$E2E_LIB"

mkdir -p "$TRASH/mails"
"$PYTHON" - "$TRASH/mails" "$FORT_TEST_DATA/regressions/mime-1.bin" <<'PY'
import sys
d, src = sys.argv[1], sys.argv[2]
mail = open(src, "rb").read()
for i in range(5000):
    with open("%s/m%04d.eml" % (d, i), "wb") as f:
        f.write(mail)
PY

test_expect 'every one of 5,000 mails is read with 256 descriptors' '
	run bash -c "ulimit -n 256 && exec \"\$FORTRESS\" scan --format json \"\$1\"" _ "$TRASH/mails" &&
	expect_not_contains "$ERR" "Too many open files" &&
	expect_eq "$(jq_ "$OUT" "d[\"summary\"][\"files_scanned\"]")" 5000 files_scanned &&
	expect_eq "$(jq_ "$OUT" "d[\"summary\"][\"files_unreadable\"]")" 0 files_unreadable &&
	expect_eq "$(jq_ "$OUT" "d[\"summary\"][\"findings\"]")" 5000 findings
'

test_done
