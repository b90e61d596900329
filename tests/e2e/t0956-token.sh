#!/usr/bin/env bash
# t0956-token: tokens for programs (issue 17 item 3) from the command line:
# made with a role and purposes, printed once (stdout, or --output with mode
# 0600, never argv), listed, revoked with a key rotation; bad input refused
# with one clear error and the vault unchanged; and the tokens table edited
# with the real sqlite3, or psql on a PostgreSQL vault (a revocation undone,
# an expiry pushed back, a role widened) caught where it is read and by
# `audit verify`.
set -u
. "$E2E_LIB"

command -v sqlite3 >/dev/null || { echo "e2e: sqlite3 CLI missing (scripts/install-deps.sh installs it)" >&2; exit 1; }

init_vault
V=$FORTRESS_VAULT
A=$(add_client --set full_name="Jana Schmidt" --set email="jana@example.com")

test_expect 'token create prints the token once, in a form a secret scanner knows' '
	expect_exit 0 fort token create ci --role staff --purpose service --purpose correspondence --expires 30d &&
	expect_match "$OUT" "^fortress_tok_[1-9][0-9]*_[A-Za-z0-9_-]{43}$" &&
	expect_contains "$ERR" "only time it is shown" &&
	cp "$OUT" "$TRASH/work/ci.token" &&
	expect_exit 1 fort scan "$TRASH/work/ci.token" &&
	expect_contains "$OUT" "secret.fortress-token"
'
TOK=$(cat "$TRASH/work/ci.token")
SECRET=${TOK##*_}

test_expect 'the vault keeps a verifier, not the token' '
	vault_dump "$V" >"$TRASH/dump" &&
	expect_exit 1 grep -c -F -e "$SECRET" "$TRASH/dump" &&
	expect_exit 1 grep -c -i -F -e "$(printf %s "$SECRET" | od -An -tx1 | tr -d " \n")" "$TRASH/dump" &&
	expect_eq "$(vault_sql "SELECT count(*) FROM tokens WHERE name = '\''ci'\''")" 1
'

test_expect 'token list shows it, with its scope; --json the same' '
	expect_exit 0 fort token list &&
	expect_match "$OUT" "^ci +staff +active .* $VAULT_OWNER +service,correspondence$" &&
	expect_exit 0 fort --json token list &&
	expect_contains "$OUT" "\"purposes\": [" &&
	expect_contains "$OUT" "\"state\": \"active\"" &&
	expect_not_contains "$OUT" "$SECRET"
'

test_expect '--output writes it 0600, and nothing to stdout' '
	expect_exit 0 fort token create nightly --role bookkeeper --purpose billing --expires never --output "$TRASH/work/n.token" &&
	expect_empty "$OUT" &&
	expect_eq "$(stat -c %a "$TRASH/work/n.token")" 600 &&
	expect_match "$TRASH/work/n.token" "^fortress_tok_[0-9]+_[A-Za-z0-9_-]{43}$" &&
	expect_exit 0 fort token list &&
	expect_match "$OUT" "nightly +bookkeeper +active .* never +$VAULT_OWNER +billing"
'

test_expect 'bad input: one clear error, a meaningful exit code, nothing made' '
	before=$(vault_sql "SELECT count(*) FROM tokens") &&
	expect_exit 2 fort token create x &&
	expect_contains "$ERR" "needs --role" &&
	expect_exit 2 fort token create x --role staff --expires 400d &&
	expect_contains "$ERR" "1d to 366d" &&
	expect_exit 6 fort token create x --role owner &&
	expect_contains "$ERR" "cannot have the owner role" &&
	expect_exit 3 fort token create x --role nosuch &&
	expect_exit 3 fort token create x --role staff --purpose nosuch &&
	expect_contains "$ERR" "unknown purpose" &&
	expect_exit 6 fort token create "Bad Name" --role staff &&
	expect_exit 6 fort token create ci --role staff &&
	expect_contains "$ERR" "already exists" &&
	expect_eq "$(vault_sql "SELECT count(*) FROM tokens")" "$before"
'

test_expect 'a staff member cannot make a token, and a token user is not a user' '
	expect_exit 0 fort user list &&
	expect_not_contains "$OUT" "token:" &&
	expect_exit 6 fort user remove token:ci &&
	expect_contains "$ERR" "fortress token revoke"
'

fa() { FORTRESS_VAULT=$AV fort "$@"; }

test_expect 'token revoke rotates what it held and lists it revoked' '
	expect_exit 0 fort token revoke ci &&
	expect_match "$OUT" "^token ci revoked; keys rotated: .*vault" &&
	expect_exit 0 fort token list &&
	expect_match "$OUT" "^ci +staff +revoked" &&
	expect_exit 6 fort token revoke ci &&
	expect_contains "$ERR" "already revoked" &&
	expect_exit 3 fort token revoke nosuch &&
	expect_exit 0 fort audit verify &&
	expect_exit 0 fort audit log &&
	expect_contains "$OUT" "token-revoke"
'

test_expect 'tamper: a revocation undone with sqlite3 / psql is caught' '
	AV=$(vault_copy "$V" unrevoke) &&
	vault_sql -v "$AV" "UPDATE tokens SET revoked = 0 WHERE name = '\''ci'\''" &&
	expect_exit 8 fa token list &&
	expect_contains "$ERR" "token #" &&
	expect_exit 1 fa audit verify &&
	expect_contains "$OUT" "token #"
'

test_expect 'tamper: an expiry pushed back, a role widened, a purpose added are caught' '
	for q in "UPDATE tokens SET expires = 1 WHERE name = '\''nightly'\''" \
		 "UPDATE tokens SET role = '\''owner'\'' WHERE name = '\''nightly'\''" \
		 "UPDATE tokens SET purposes = '\''billing,marketing'\'' WHERE name = '\''nightly'\''"; do
		AV=$(vault_copy "$V" t) &&
		vault_sql -v "$AV" "$q" &&
		expect_exit 8 fa token list &&
		expect_exit 1 fa audit verify || return 1
	done
'

test_expect 'tamper: the token keyholder given another role in users breaks the users-and-roles MAC' '
	AV=$(vault_copy "$V" role) &&
	vault_sql -v "$AV" "UPDATE users SET role = '\''owner'\'' WHERE name = '\''token:nightly'\''" &&
	expect_exit 8 fa token list &&
	expect_contains "$ERR" "users or roles were changed outside Fortress"
'

test_done
