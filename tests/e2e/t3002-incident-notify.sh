#!/usr/bin/env bash
# t3002-incident-notify: the breach letters sent by e-mail to a REAL SMTP
# server on loopback (aiosmtpd via tests/e2e/smtp_sink.py): each letter with
# an address queued once in the outbox and sent; read back at the server;
# a client without an e-mail address named for a paper letter; running it
# again sends nothing twice; server down -> the letter stays queued, not
# marked sent, and the next run delivers it; the timeline records it.
set -u
. "$E2E_LIB"

. "$E2E_DIR/smtp_lib.sh"
# mailtext N: the text part of message N, in a file (expect_contains reads files)
mailtext() { readmail "$1" text >"$TRASH/mail-$1.txt"; echo "$TRASH/mail-$1.txt"; }
rcpts() { for f in "$MAILDIR"/msg-*.json; do jq_ "$f" "\" \".join(d[\"to\"])"; done | sort | tr '\n' ' '; }

init_vault --state DE-BE
for i in 1 2 3; do
	add_client --set full_name="Client Person$i" --set email="client$i@example.org" >/dev/null
done
add_client --set full_name="Paper Only" >/dev/null
fort mail set smtp.host 127.0.0.1 && fort mail set smtp.port "$PORT" && fort mail set smtp.security none &&
	fort mail set smtp.from office@muster.example >/dev/null
fort client export --purpose billing --format csv -o "$TRASH/export.csv" >/dev/null
fort incident open "Laptop with an export stolen" --kind lost-device >/dev/null
fort incident scope 1 --export "$TRASH/export.csv" >/dev/null
fort incident assess 1 --likelihood 3 --severity 3 --encrypted no --key-compromised no \
	--contact "Anna Muster, privacy@muster.example, +49 30 1234567" >/dev/null
fort incident log 1 fact "A laptop holding a CSV export of client contact details was stolen." >/dev/null
fort incident log 1 effect "Names and e-mail addresses may be used for phishing." >/dev/null
fort incident log 1 remedy "The laptop account was disabled." >/dev/null
fort incident decide 1 notify --reasons "Contact data in clear text." >/dev/null

test_expect 'notify --dry-run: says what would go, queues and sends nothing' '
	expect_exit 0 fort incident notify 1 --dry-run &&
	expect_contains "$OUT" "4 letter(s) would be queued, 0 already in the outbox, 1 without an e-mail address" &&
	expect_contains "$OUT" "would queue authority to " &&
	expect_contains "$OUT" "to client2@example.org" &&
	expect_contains "$OUT" "send the letter on paper" &&
	expect_exit 0 fort mail list --json &&
	expect_eq "$(jq_ "$OUT" "len(d)")" 0 outbox &&
	expect_eq "$(mails)" 0 delivered
'

test_expect 'notify: the authority and every client with an address get their letter at the server' '
	start_sink &&
	expect_exit 0 fort incident notify 1 &&
	expect_contains "$OUT" "4 letter(s) queued" &&
	expect_contains "$OUT" "4 message(s) sent, 0 failed" &&
	expect_eq "$(mails)" 4 delivered &&
	expect_exit 0 fort mail list --ref incident:1:initial:authority --json &&
	AUTH=$(jq_ "$OUT" "d[0][\"to\"]") &&
	expect_contains "$OUT" "@" &&
	expect_eq "$(rcpts)" "$(printf "%s\n" client1@example.org client2@example.org client3@example.org "$AUTH" | sort | tr "\n" " ")" recipients &&
	for n in 1 2 3 4; do
		to=$(jq_ "$MAILDIR/msg-$n.json" "d[\"to\"][0]")
		case $to in
		client*) expect_contains "$(mailtext $n)" "Dear Client Person$(echo "$to" | tr -dc 0-9)" &&
			 expect_contains "$(mailtext $n)" "What you can do" || exit 1 ;;
		*) expect_contains "$(mailtext $n)" "Nature of the breach" || exit 1 ;;
		esac
	done &&
	expect_exit 0 fort mail list --ref incident:1: --json &&
	expect_eq "$(jq_ "$OUT" "\" \".join(sorted(set(m[\"status\"] for m in d)))")" sent status &&
	expect_eq "$(jq_ "$OUT" "\" \".join(sorted(set(m[\"purpose\"] for m in d)))")" breach-notice purpose
'

test_expect 'accepted by the mail server: the authority clock is met, never OVERDUE (issue 12 item 11)' '
	expect_exit 0 fort incident show 1 --json --as-of 2027-01-01T00:00:00Z &&
	expect_eq "$(jq_ "$OUT" "[[c[\"met\"], c[\"overdue\"]] for c in d[\"deadlines\"] if c[\"clock\"] == \"breach-authority\"][0]")" "[true, false]" "met, not overdue" &&
	expect_contains "$OUT" "accepted by the mail server" &&
	expect_exit 6 fort incident notified 1 --authority --at 2099-01-01T00:00:00Z --channel portal --reference R &&
	expect_exit 2 fort incident notified 1 --at 2026-03-28T00:00:00Z --channel portal
'

test_expect 'notify again: nothing is queued or sent twice' '
	expect_exit 0 fort incident notify 1 &&
	expect_contains "$OUT" "0 letter(s) queued, 4 already in the outbox, 1 without an e-mail address" &&
	expect_eq "$(mails)" 4 delivered
'

test_expect 'server down: the follow-up stays queued with the error, not marked sent' '
	stop_sink &&
	expect_exit 1 fort incident notify 1 --phase follow-up --case-ref DE-2026-0042 --authority-only &&
	expect_contains "$ERR" "not sent (stays queued)" &&
	expect_exit 0 fort mail list --ref incident:1:follow-up: --json &&
	expect_eq "$(jq_ "$OUT" "d[0][\"status\"]")" queued status &&
	expect_eq "$(jq_ "$OUT" "d[0][\"sent\"]")" null sent &&
	expect_eq "$(mails)" 4 delivered
'

test_expect 'server back: the same command delivers the queued letter, once' '
	start_sink &&
	expect_exit 0 fort incident notify 1 --phase follow-up --case-ref DE-2026-0042 --authority-only &&
	expect_contains "$OUT" "1 already in the outbox" &&
	expect_contains "$OUT" "1 message(s) sent, 0 failed" &&
	expect_eq "$(mails)" 5 delivered &&
	expect_contains "$(mailtext 5)" "DE-2026-0042"
'

test_expect 'the timeline records the letters queued; the audit log names no address' '
	expect_exit 0 fort incident show 1 &&
	expect_contains "$OUT" "queued for sending by e-mail" &&
	expect_exit 0 fort audit log --json &&
	expect_not_contains "$OUT" "client1@example.org"
'

test_done
