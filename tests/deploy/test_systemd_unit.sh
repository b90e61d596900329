#!/bin/sh
# test_systemd_unit.sh ROOT FORTRESS - contrib/systemd/fortress.service:
# the sandboxing docs/deploy.md promises is there; where systemd-analyze
# exists, `verify` finds nothing to say about the unit (pointed at the
# built binary) and `security --offline` rates its exposure at most 2.0;
# elsewhere, every line is a section, a comment or KEY=VALUE.
set -eu
ROOT=$1
BIN=$2
UNIT=$ROOT/contrib/systemd/fortress.service
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -f "$UNIT" ] || fail "no $UNIT"
for want in 'User=fortress' 'ProtectSystem=strict' 'ReadWritePaths=/var/lib/fortress' 'NoNewPrivileges=yes' \
	'PrivateTmp=yes' 'MemoryDenyWriteExecute=yes' 'LimitCORE=0' 'ProtectHome=yes' 'CapabilityBoundingSet=' \
	'KillSignal=SIGTERM' 'UMask=0077'; do
	grep -qx "$want" "$UNIT" || fail "the unit lacks '$want'"
done
grep -q '^ExecStart=.* serve --listen 127\.0\.0\.1:' "$UNIT" || fail "ExecStart must run 'fortress serve' on loopback"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fortress-unit.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
sed "s|/usr/local/bin/fortress|$BIN|" "$UNIT" >"$TMP/fortress.service"
if command -v systemd-analyze >/dev/null 2>&1; then
	if ! systemd-analyze verify --man=no "$TMP/fortress.service" >"$TMP/verify.out" 2>&1 || [ -s "$TMP/verify.out" ]; then
		cat "$TMP/verify.out" >&2
		fail "systemd-analyze verify complains about the unit"
	fi
	systemd-analyze security --offline=yes --no-pager "$TMP/fortress.service" >"$TMP/security.out" 2>&1 || true
	level=$(sed -n 's/.*Overall exposure level for fortress.service: \([0-9.]*\).*/\1/p' "$TMP/security.out")
	[ -n "$level" ] || { cat "$TMP/security.out" >&2; fail "systemd-analyze security gave no exposure level"; }
	awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }' || fail "exposure level $level is above 2.0"
	echo "ok: systemd-analyze verify is silent; exposure level $level"
else
	awk '/^[[:space:]]*(#|$)/ { next } /^\[[A-Za-z]+\]$/ { next } /^[A-Za-z]+=/ { next }
	     { print "line " NR ": " $0; bad = 1 } END { exit bad }' "$UNIT" || fail "not a unit file"
	echo "ok: no systemd-analyze here; the unit's syntax and directives checked"
fi
