#!/usr/bin/env bash
# t2014-scan-fix: `scan --fix` on a terminal (a pseudo-terminal from
# script(1)) asks per file with findings: quarantine, redact, import, skip,
# abort; what it changed is scanned again ("clean" or what remains).
set -u
. "$E2E_LIB"

# The prompts need a terminal: a chroot without devpts mounted has none, and
# then this test says so and is reported as skipped (exit 77), not passed.
if ! script -qec true /dev/null >/dev/null 2>&1; then
	echo "SKIP: no pseudo-terminal here (script(1) cannot create one: is /dev/pts mounted?)"
	_e2e_done=1
	exit 77
fi

W=$TRASH/work
mkdir -p "$W/fx"
printf 'mail john@example.com now\n' >"$W/fx/a.txt"
printf 'IBAN DE89 3704 0044 0532 0130 00\n' >"$W/fx/b.txt"
printf 'Name,E-mail\nMaria Rossi,maria@example.it\n' >"$W/fx/c.csv"
printf 'card 4111 1111 1111 1111\n' >"$W/fx/d.txt"
printf 'card 5500 0000 0000 0004\n' >"$W/fx/e.txt"

# fix ANSWERS...: run scan --fix on a pseudo-terminal, one answer a line
fix() {
	local answers
	answers=$(printf '%s\n' "$@")
	printf '%s\n' "$answers" | timeout 60 script -qec \
		"'$FORTRESS' --no-color --vault '$FORTRESS_VAULT' scan --fix --no-progress '$W/fx'" /dev/null \
		>"$OUT" 2>"$ERR"
	RC=$?
	tr -d '\r' <"$OUT" >"$OUT.txt"
	mv "$OUT.txt" "$OUT"
}

test_expect 'a vault with a client' '
	init_vault &&
	add_client --set full_name="John Smith" --set email=john@example.com >/dev/null
'

test_expect 'quarantine, redact, import, an unknown answer asked again, skip, abort' '
	fix q r "$TRASH/red" i x s a &&
	expect_eq "$RC" 1 &&
	expect_contains "$OUT" "$W/fx/a.txt (email 1; risk 12): [q]uarantine, [r]edact, [i]mport, [s]kip, [a]bort?" &&
	expect_contains "$OUT" "quarantined $W/fx/a.txt as attachment 1 (1 finding; categories contact; clients" &&
	expect_contains "$OUT" "re-scan: $W/fx/a.txt is gone: clean" &&
	expect_contains "$OUT" "redacted $W/fx/b.txt -> $TRASH/red$W/fx/b.txt: 1 finding masked; re-scan: clean" &&
	expect_contains "$OUT" "imported 1 clients from $W/fx/c.csv (csv)" &&
	expect_contains "$OUT" "re-scan: $W/fx/c.csv: 2 findings remain (2 of known clients)" &&
	expect_contains "$OUT" "skipped $W/fx/d.txt" &&
	expect_contains "$OUT" "aborted: 1 file not looked at" &&
	test ! -e "$W/fx/a.txt" && test -e "$W/fx/b.txt" && test -e "$W/fx/d.txt" && test -e "$W/fx/e.txt" &&
	expect_not_contains "$TRASH/red$W/fx/b.txt" "0130" &&
	expect_exit 0 fort client find email=maria@example.it
'

test_expect 'every change is in the audit log' '
	expect_exit 0 fort audit log &&
	expect_contains "$OUT" "quarantine" && expect_contains "$OUT" "import" && expect_contains "$OUT" "scan"
'

test_done
