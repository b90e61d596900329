#!/usr/bin/env bash
# t2023-scan-formats-agree: the four formats a user can pick say the same
# thing about the same findings, whatever bytes the paths and values hold:
# quotes, commas, backslashes, tabs, non-ASCII and 4-byte UTF-8, bytes that
# are not UTF-8, values that start like a spreadsheet formula, mail parts.
# JSON and SARIF parse and decode to the file's own path and bytes; CSV
# cells parse back to the JSON fields; every text line starts with the path
# and the place.  (The writers put each finding straight into the output
# buffer; this holds them to the same bytes.)
set -u
. "$E2E_LIB"

W=$TRASH/work
D='dir "q",x\y'
mkdir -p "$W/$D"
unset FORTRESS_VAULT
export XDG_CONFIG_HOME=$TRASH/config
printf 'email: j\xc3\xb6hn.doe@example.com card 4111 1111 1111 1111\ntab\there "quoted" \\ 4111111111111111 \xc3\xa9\xf0\x9f\x98\x80 ip 192.168.1.20\npassword=p\xc3\xa9\xf0\x9f\x98\x80\xffx\napi_key: "=1+2,\\"q\\"xyzxyz123456"\n' >"$W/$D/"$'fi"le,\xc3\xbc\ttab.txt'
printf 'From a@b Mon Jan  1 00:00:00 2024\nFrom: J <jo@example.com>\nContent-Type: text/plain; charset=utf-8\n\nssn 123-45-6789 dob 1990-01-02 phone +44 20 7123 4567\n\n' >"$W/$D/m.mbox"
# short cells that need quotes: a part named with a comma and quotes, a
# value holding both (CSV writes cells of up to 32 bytes another way)
printf 'From a@b Mon Jan  1 00:00:00 2024\nFrom: J <jq@example.com>\nContent-Type: text/plain; charset=utf-8\nContent-Disposition: attachment; filename="n,\\"q\\".txt"\n\nssn 123-45-6789\n\n' >>"$W/$D/m.mbox"
printf 'password=ab,cd"ef\n' >"$W/$D/p.txt"
# numbers the writers keep and reuse (a line of many findings, offsets in
# the same thousand and across thousands, columns of 100 to over 1000,
# lines past 1000): each checked against the file's own bytes below
{
	for i in $(seq 1 1100); do echo "filler line $i"; done
	printf '%0120d' 0
	for i in $(seq 1 90); do printf ' mail user%d@example.com' "$i"; done
	printf '\nlast user0@example.com\n'
} >"$W/$D/many.txt"

test_expect 'JSON, CSV, SARIF and text agree on every finding' '
	for f in json csv sarif text; do
		fort scan --jobs 1 --show-values --format $f "$W" >"$TRASH/out.$f"
		[ $? = 1 ] || _fail "scan --format $f: exit not 1"
	done
	python3 - "$TRASH" "$W" <<-"PY"
	import csv, io, json, os, sys, urllib.parse
	t, w = sys.argv[1], sys.argv[2]
	js = json.load(open(t + "/out.json"))["findings"]
	assert len(js) >= 9, len(js)
	names = set()
	for f in js:
	    p = f["file"].encode()
	    assert os.path.isfile(p), f["file"]
	    names.add(f["file"])
	    if "logical" not in f:
	        data = open(p, "rb").read()
	        v = data[f["offset"]:f["offset"] + f["length"]]
	        got = f["value"].encode("utf-8", "surrogatepass")
	        if v != got:
	            # \u00FF stands for the byte 0xFF
	            got = b"".join(bytes([ord(c)]) if ord(c) == 0xFF else c.encode() for c in f["value"])
	        assert v == got, (v, f["value"])
	        f["raw"] = v
	        # the line and column (ASCII lines here) from the bytes themselves
	        nl = data.rfind(b"\n", 0, f["offset"])
	        if data[nl + 1:f["offset"]].isascii():
	            assert (f["line"], f["column"]) == (data.count(b"\n", 0, f["offset"]) + 1, f["offset"] - nl), f
	    else:
	        f["raw"] = f["value"].encode()
	assert any("\t" in n and "\"" in n and "," in n and "\u00fc" in n for n in names), names
	assert any(f.get("logical") == "#1/part-1" for f in js)
	assert any("\U0001F600" in f["value"] for f in js)
	many = [f for f in js if f["file"].endswith("/many.txt")]
	assert len(many) == 91 and len({f["line"] for f in many}) == 2, many
	assert len({f["offset"] // 1000 for f in many}) >= 3 and any(100 <= f["column"] < 1000 for f in many), many
	assert any(f["column"] >= 1000 for f in many) and all(f["line"] > 1000 for f in many), many
	rows = list(csv.reader(io.StringIO(open(t + "/out.csv", encoding="utf-8", errors="surrogateescape").read())))
	assert rows[0][:11] == ["file", "logical", "line", "column", "offset", "length", "type", "confidence", "rule", "excerpt", "fingerprint"], rows[0]
	assert rows[0][-1] == "value"
	assert len(rows) - 1 == len(js), (len(rows), len(js))
	def uncell(s):
	    return s[1:] if s[:2] in ("\x27=", "\x27+", "\x27-", "\x27@") else s
	for r, f in zip(rows[1:], js):
	    assert r[0] == f["file"] and r[1] == f.get("logical", ""), (r, f)
	    assert [int(x) for x in r[2:6]] == [f["line"], f["column"], f["offset"], f["length"]], (r, f)
	    assert r[6:9] + [uncell(r[9])] == [f["type"], f["confidence"], f["rule"], f["excerpt"]], (r, f)
	    assert uncell(r[11]).encode("utf-8", "surrogateescape") == f["raw"], (r, f)
	assert any(r[11].startswith("\x27=") for r in rows[1:]), "no formula-guarded cell"
	assert any("," in r[1] and "\"" in r[1] for r in rows[1:]), "no part name with a comma and a quote"
	assert any(r[11] == "ab,cd\"ef" for r in rows[1:]), "no short value with a comma and a quote"
	sa = json.load(open(t + "/out.sarif"))["runs"][0]["results"]
	assert len(sa) == len(js), (len(sa), len(js))
	for s, f in zip(sa, js):
	    loc = s["locations"][0]
	    uri = loc["physicalLocation"]["artifactLocation"]["uri"]
	    assert urllib.parse.unquote(uri[len("file://"):]) == f["file"], (uri, f["file"])
	    assert s["ruleId"] == f["type"] and s["properties"]["rule"] == f["rule"], (s, f)
	    assert s["message"]["text"].endswith(": " + f["value"]), (s["message"], f["value"])
	    if "logical" in f:
	        assert loc["logicalLocations"][0]["fullyQualifiedName"] == f["logical"], loc
	    else:
	        reg = loc["physicalLocation"]["region"]
	        assert (reg["byteOffset"], reg["byteLength"]) == (f["offset"], f["length"]), loc
	        assert (reg["startLine"], reg["startColumn"]) == (f["line"], f["column"]), loc
	text = open(t + "/out.text", "rb").read().split(b"\n")
	lines = [l for l in text if l.endswith(b"]") and b": " in l]
	assert len(lines) == len(js), (len(lines), len(js))
	for l, f in zip(lines, js):
	    head = (f["file"] + f.get("logical", "") + ":%d:%d: " % (f["line"], f["column"])).encode()
	    assert l.startswith(head), (l, head)
	    assert l.endswith(("  [" + f["rule"] + "]").encode()), l
	print("agree on", len(js), "findings")
	PY
'

# Without --show-values (the CLI's default: one thread takes the direct
# path to the writers, masks copied 16 or 32 bytes at a time and tested
# for CSV in place): every format the same findings as above, less the
# values.
test_expect 'without values: the same findings, masks as excerpts, in every format' '
	for f in json csv sarif text; do
		fort scan --jobs 1 --format $f "$W" >"$TRASH/nv.$f"
		[ $? = 1 ] || _fail "scan --format $f: exit not 1"
	done
	python3 - "$TRASH" <<-"PY"
	import csv, io, json, sys
	t = sys.argv[1]
	js = json.load(open(t + "/out.json"))["findings"]
	nv = json.load(open(t + "/nv.json"))["findings"]
	assert nv == [{k: v for k, v in f.items() if k != "value"} for f in js], "JSON without values"
	def rows(n):
	    return list(csv.reader(io.StringIO(open(t + n, encoding="utf-8", errors="surrogateescape").read())))
	a, b = rows("/out.csv"), rows("/nv.csv")
	assert b == [r[:-1] for r in a], "CSV without values"
	assert any(r[9].startswith("\x27+") for r in b[1:]), "no formula-guarded excerpt"
	sa = json.load(open(t + "/nv.sarif"))["runs"][0]["results"]
	assert len(sa) == len(js), (len(sa), len(js))
	for s, f in zip(sa, js):
	    assert s["message"]["text"].endswith(": " + f["excerpt"]), (s["message"], f["excerpt"])
	    assert s["properties"]["rule"] == f["rule"], s
	text = [l for l in open(t + "/nv.text", "rb").read().split(b"\n") if l.endswith(b"]") and b": " in l]
	assert len(text) == len(js), (len(text), len(js))
	for l, f in zip(text, js):
	    assert l.endswith((") " + f["excerpt"] + "  [" + f["rule"] + "]").encode()), (l, f)
	print("without values: agree on", len(js), "findings")
	PY
'

test_done
