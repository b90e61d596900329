#!/usr/bin/env bash
# t2022-scan-mail-positions: in SARIF, a finding in the body of a mail that
# is not encoded points at its line and byte offset in the mbox itself
# (positionIn "file"); one in a base64 part keeps its place in the decoded
# part (positionIn "decoded part", no byteOffset).  Same findings as before
# the fast path: an mbox of both kinds gives the same JSON findings.
set -u
. "$E2E_LIB"

W=$TRASH/work
mkdir -p "$W"
unset FORTRESS_VAULT
export XDG_CONFIG_HOME=$TRASH/config
{
	printf 'From a@example.com Sat Jan  1 00:00:00 2022\nFrom: Ann <ann@example.com>\nSubject: hi\n\n'
	printf 'line one\nthe card is 4111 1111 1111 1111 ok\n\n'
	printf 'From b@example.com Sat Jan  1 00:00:00 2022\nFrom: Bob <bob@example.com>\nContent-Type: text/plain\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	printf 'call 4111 1111 1111 1111\n' | base64
} >"$W/mail.mbox"

test_expect 'a plain mail body: the region is in the file' '
	fort scan --format sarif "$W/mail.mbox" >"$TRASH/s.json"
	python3 - "$TRASH/s.json" "$W/mail.mbox" <<-PY
	import json, sys
	d = json.load(open(sys.argv[1]))
	data = open(sys.argv[2], "rb").read()
	cards = [r for r in d["runs"][0]["results"] if r["ruleId"] == "card"]
	assert len(cards) == 2, cards
	plain = [r for r in cards if r["properties"]["positionIn"] == "file"]
	enc = [r for r in cards if r["properties"]["positionIn"] == "decoded part"]
	assert len(plain) == 1 and len(enc) == 1, cards
	reg = plain[0]["locations"][0]["physicalLocation"]["region"]
	o, n = reg["byteOffset"], reg["byteLength"]
	assert data[o:o + n] == b"4111 1111 1111 1111", data[o:o + n]
	assert reg["startLine"] == data.count(b"\n", 0, o) + 1 == 6, reg
	assert reg["startColumn"] == 13, reg
	assert plain[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "#1/part-1"
	reg = enc[0]["locations"][0]["physicalLocation"]["region"]
	assert "byteOffset" not in reg and reg["startLine"] == 1, reg
	PY
'

test_done
