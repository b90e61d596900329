#!/usr/bin/env bash
# t3070-mail: the e-mail outbox against a REAL SMTP server on loopback
# (aiosmtpd, started and stopped by this test: tests/e2e/smtp_sink.py):
# settings in the vault (the password encrypted, never argv), messages
# sealed at rest, delivered and read back (recipients, UTF-8 subject, text
# and HTML parts, headers); server down or refusing -> the message stays
# queued with the error recorded, nothing marked sent; a later send retries
# and delivers; every attempt recorded and audited.
set -u
. "$E2E_LIB"

. "$E2E_DIR/smtp_lib.sh"

init_vault
write_secret "$TRASH/smtp-pass" "Smtp-Geheimnis-Zebra-91"

test_expect 'mail set: settings stored, bad values refused naming the key' '
	expect_exit 0 fort mail set smtp.host 127.0.0.1 &&
	expect_exit 0 fort mail set smtp.port "$PORT" &&
	expect_exit 0 fort mail set smtp.security none &&
	expect_exit 0 fort mail set smtp.from office@muster.example &&
	expect_exit 0 fort mail set smtp.from_name "Muster Steuerberatung" &&
	expect_exit 6 fort mail set smtp.port 99999 &&
	expect_contains "$ERR" "smtp.port" &&
	expect_exit 6 fort mail set smtp.security ssl3 &&
	expect_contains "$ERR" "smtp.security" &&
	expect_exit 6 fort mail set smtp.from "not an address" &&
	expect_contains "$ERR" "smtp.from" &&
	expect_exit 2 fort mail set smtp.password Smtp-Geheimnis-Zebra-91 &&
	expect_exit 0 fort mail show --json &&
	expect_eq "$(jq_ "$OUT" "d[\"port\"]")" "$PORT" port &&
	expect_eq "$(jq_ "$OUT" "d[\"password\"]")" false no-password
'

test_expect 'the SMTP password comes from a file (or a no-echo prompt), stored encrypted' '
	expect_exit 2 fort mail set smtp.password &&
	expect_exit 0 fort mail set smtp.password --password-file "$TRASH/smtp-pass" &&
	expect_exit 0 fort mail show --json &&
	expect_eq "$(jq_ "$OUT" "d[\"password\"]")" true password &&
	expect_not_contains "$OUT" "Zebra" &&
	! vault_has_clear "Smtp-Geheimnis-Zebra"
'

SUBJECT='Datenpanne: Ihre Daten – wichtige Information für Sie'
printf 'Sehr geehrte Frau Jansen,\nwir müssen Sie über einen Vorfall informieren.\n' >"$TRASH/body.txt"
printf '<p>Sehr geehrte Frau Jansen,</p><p>wir m&uuml;ssen Sie informieren.</p>\n' >"$TRASH/body.html"

test_expect 'mail queue: sealed at rest (no recipient, subject or body in the file)' '
	expect_exit 0 fort mail queue --to jansen-k4@client.example --subject "$SUBJECT" --text-file "$TRASH/body.txt" \
		--html-file "$TRASH/body.html" --ref incident:3:client:17 --purpose breach-notice --json &&
	expect_eq "$(jq_ "$OUT" "d[\"id\"]")" 1 id &&
	expect_exit 0 fort mail queue --to olsen-p2@client.example --to copy-c9@client.example --subject "Second letter" \
		--text "Plain only." --ref incident:3:client:18 &&
	expect_exit 0 fort mail queue --to someone-s5@other.example --subject "Unrelated" --text "Later." --ref other:1 &&
	expect_exit 6 fort mail queue --to "bad address" --subject x --text y &&
	expect_contains "$ERR" "to[1]" &&
	expect_exit 6 fort mail queue --to a@b.example --subject "$(printf "x\r\nBcc: evil@example.com")" --text y &&
	expect_contains "$ERR" "subject" &&
	for s in jansen-k4@client.example olsen-p2 "wir müssen" "Datenpanne" "Second letter"; do
		! vault_has_clear "$s" || { _fail "$s in clear"; break; }
	done &&
	expect_exit 0 fort mail list --json &&
	expect_eq "$(jq_ "$OUT" "\" \".join(m[\"status\"] for m in d)")" "queued queued queued" status
'

test_expect 'send --dry-run: builds every message, sends nothing, changes nothing' '
	expect_exit 0 fort mail send --dry-run &&
	expect_contains "$OUT" "would send message 1 to jansen-k4@client.example" &&
	expect_eq "$(mails)" 0 delivered &&
	expect_exit 0 fort mail list --json &&
	expect_eq "$(jq_ "$OUT" "[m[\"attempts\"] for m in d]")" "[0, 0, 0]" attempts
'

test_expect 'send --ref incident:3 delivers both letters to the real server; read back' '
	start_sink &&
	expect_exit 0 fort mail send --ref incident:3 &&
	expect_contains "$OUT" "2 message(s) sent, 0 failed" &&
	expect_eq "$(mails)" 2 delivered &&
	expect_eq "$(jq_ "$MAILDIR/msg-1.json" "\" \".join(d[\"to\"])")" "jansen-k4@client.example" envelope-to &&
	expect_eq "$(jq_ "$MAILDIR/msg-1.json" "d[\"from\"]")" office@muster.example envelope-from &&
	expect_eq "$(readmail 1 subject)" "$SUBJECT" subject &&
	expect_eq "$(readmail 1 text)" "$(cat "$TRASH/body.txt")" text &&
	expect_eq "$(readmail 1 html)" "$(cat "$TRASH/body.html")" html &&
	expect_eq "$(readmail 1 parts)" "multipart/alternative text/plain text/html" mime &&
	expect_eq "$(readmail 1 from)" "Muster Steuerberatung <office@muster.example>" from &&
	expect_match "$MAILDIR/msg-1.eml" "^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} 20[0-9]{2} [0-9:]{8} \+0000" &&
	expect_match "$MAILDIR/msg-1.eml" "^Subject: =\?UTF-8\?B\?" &&
	expect_match "$MAILDIR/msg-1.eml" "^Message-ID: <[0-9a-f]{32}@muster.example>" &&
	expect_eq "$(jq_ "$MAILDIR/msg-2.json" "\" \".join(sorted(d[\"to\"]))")" "copy-c9@client.example olsen-p2@client.example" two-rcpts &&
	expect_eq "$(readmail 2 text)" "Plain only." text2 &&
	expect_exit 0 fort mail list --json &&
	expect_eq "$(jq_ "$OUT" "\" \".join(m[\"status\"] for m in d)")" "sent sent queued" status &&
	expect_eq "$(jq_ "$OUT" "d[0][\"message_id\"]")" "$(readmail 1 message-id)" message-id
'

test_expect 'server down: the message stays queued with the error, nothing marked sent' '
	stop_sink &&
	expect_exit 1 fort mail send &&
	expect_contains "$ERR" "message 3 not sent (stays queued)" &&
	expect_exit 0 fort mail list --json &&
	expect_eq "$(jq_ "$OUT" "d[2][\"status\"]")" queued status &&
	expect_eq "$(jq_ "$OUT" "d[2][\"attempts\"]")" 1 attempts &&
	expect_eq "$(jq_ "$OUT" "d[2][\"sent\"]")" null sent &&
	expect_match "$OUT" "127.0.0.1:$PORT" &&
	expect_eq "$(jq_ "$OUT" "d[2][\"attempt_log\"][0][\"result\"]")" failed logged &&
	expect_eq "$(mails)" 2 delivered
'

test_expect 'server refusing the recipient: still queued, the answer recorded' '
	start_sink --refuse &&
	expect_exit 1 fort mail send &&
	stop_sink &&
	expect_exit 0 fort mail list --json &&
	expect_eq "$(jq_ "$OUT" "d[2][\"status\"]")" queued status &&
	expect_eq "$(jq_ "$OUT" "d[2][\"attempts\"]")" 2 attempts &&
	expect_match "$OUT" "550" &&
	expect_eq "$(mails)" 2 delivered
'

test_expect 'server back: a later send retries and delivers; sent ones are not sent again' '
	start_sink &&
	expect_exit 0 fort mail send &&
	expect_contains "$OUT" "1 message(s) sent, 0 failed" &&
	expect_eq "$(mails)" 3 delivered &&
	expect_eq "$(readmail 3 subject)" Unrelated subject &&
	expect_exit 0 fort mail list --json &&
	expect_eq "$(jq_ "$OUT" "d[2][\"status\"]")" sent status &&
	expect_eq "$(jq_ "$OUT" "\" \".join(a[\"result\"] for a in d[2][\"attempt_log\"])")" "failed failed sent" attempts &&
	expect_eq "$(jq_ "$OUT" "d[2][\"error\"]")" null error-cleared &&
	expect_exit 0 fort mail send &&
	expect_eq "$(mails)" 3 "nothing sent twice"
'

test_expect 'mail test ADDRESS sends a test message at once' '
	expect_exit 0 fort mail test owner-t1@muster.example &&
	expect_eq "$(mails)" 4 delivered &&
	expect_eq "$(readmail 4 subject)" "Fortress test message" subject &&
	stop_sink
'

test_expect 'every queue and attempt is audited, without addresses' '
	expect_exit 0 fort audit log --json &&
	expect_eq "$(jq_ "$OUT" "sum(1 for e in d if e[\"action\"] == \"mail-queue\")")" 4 queued &&
	expect_eq "$(jq_ "$OUT" "sum(1 for e in d if e[\"action\"] == \"mail-send\" and e[\"result\"] == \"failed\")")" 2 failed &&
	expect_eq "$(jq_ "$OUT" "sum(1 for e in d if e[\"action\"] == \"mail-send\" and e[\"result\"] == \"ok\")")" 4 ok &&
	expect_not_contains "$OUT" "jansen-k4@client.example"
'

test_expect 'two senders at once on one outbox: each message is claimed and sent once' '
	start_sink &&
	before=$(mails) &&
	for i in $(seq 1 12); do
		fort mail queue --to "two-$i@client.example" --subject "Two senders $i" --text "Number $i" --ref "two:$i" >/dev/null ||
			{ _fail "queue $i"; return 1; }
	done &&
	{ "$FORTRESS" --json mail send --ref two: >"$TRASH/s1.json" 2>"$TRASH/s1.err" & p1=$!; } &&
	{ "$FORTRESS" --json mail send --ref two: >"$TRASH/s2.json" 2>"$TRASH/s2.err" & p2=$!; } &&
	wait "$p1" && wait "$p2" &&
	sent1=$(jq_ "$TRASH/s1.json" "d[\"sent\"]") && sent2=$(jq_ "$TRASH/s2.json" "d[\"sent\"]") &&
	echo "    the senders sent $sent1 and $sent2" &&
	expect_eq "$((sent1 + sent2))" 12 "sent by both together" &&
	expect_eq "$(mails)" "$((before + 12))" "messages the SMTP server received" &&
	expect_exit 0 fort mail list --ref two: --json &&
	expect_eq "$(jq_ "$OUT" "\" \".join(sorted(set(m[\"status\"] + \":\" + str(m[\"attempts\"]) for m in d)))")" "sent:1" "each sent after one attempt" &&
	expect_exit 0 fort audit log --json &&
	expect_eq "$(jq_ "$OUT" "sum(1 for e in d if e[\"action\"] == \"mail-claim\")")" "$(jq_ "$OUT" "sum(1 for e in d if e[\"action\"] == \"mail-send\")")" "one claim per attempt" &&
	expect_exit 0 fort audit verify &&
	stop_sink
'

test_done
