#!/bin/sh
# bench/run.sh BUILD_DIR - `make bench`: Fortress against a plaintext SQLite
# baseline (import and find-by-email), then peak RSS of the real CLI importing
# a 1,000,000-row CSV.  Not a test.  See bench/README.md.
#
# Knobs (environment): BENCH_CLIENTS (100000), BENCH_LOOKUPS (100000),
# BENCH_RUNS (3), BENCH_RSS_CLIENTS (1000000), BENCH_RSS_LIMIT_MIB (100),
# BENCH_SKIP_RSS=1 to skip part 2, BENCH_SKIP_SCAN=1 to skip the scanner,
# BENCH_SKIP_SERVE=1 to skip the server (bench/serve/serve_bench.py),
# BENCH_SKIP_FLOOR=1 to skip the import's ceiling by design (bench/floor_import.c),
# BENCH_SKIP_PG=1 to skip PostgreSQL (BENCH_PG_CLIENTS, BENCH_PG_LOOKUPS: 2000;
# BENCH_PG_FIND_SECONDS: 1.0, the two processes' find phase at least;
# BENCH_PG_OPEN_CLIENTS: 100000, the vault whose open is timed),
# BENCH_SKIP_SQLITE=1 to skip part 1
# (bench/scan/run.sh: QUICK=1 for a 10 MB corpus).
# Exit status: 0 all minimums met, 1 a minimum MISSED, 2 the benchmark failed.
set -eu

BUILD=${1:-build}
N=${BENCH_CLIENTS:-100000}
L=${BENCH_LOOKUPS:-100000}
RUNS=${BENCH_RUNS:-3}
RSS_N=${BENCH_RSS_CLIENTS:-1000000}
RSS_LIMIT=${BENCH_RSS_LIMIT_MIB:-100}
SRC=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
	cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
blog=$(mktemp "${TMPDIR:-/tmp}/fortress-bench-build.XXXXXX")
if ! cmake --build "$BUILD" -j"$(nproc 2>/dev/null || echo 2)" --target fortress gen_clients vault_bench scan_spans mhd_fixed floor_import mhd_floor >"$blog" 2>&1; then
	cat "$blog" >&2; rm -f "$blog"; echo "bench: build FAILED" >&2; exit 2
fi
rm -f "$blog"
FORTRESS=$(cd "$BUILD" && pwd)/fortress
GEN=$(cd "$BUILD" && pwd)/bench/gen_clients
VB=$(cd "$BUILD" && pwd)/bench/vault_bench
for x in "$FORTRESS" "$GEN" "$VB"; do
	[ -x "$x" ] || { echo "bench: $x was not built (is FORTRESS_BENCH off or FORTRESS_SANITIZE on?)" >&2; exit 2; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fortress-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 2' INT TERM HUP

status=0
echo "== Fortress benchmarks ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -m), $(nproc 2>/dev/null || echo '?') CPUs, load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'))"
echo

# ---------------------------------------------------------------- part 1
if [ "${BENCH_SKIP_SQLITE:-0}" != 1 ]; then
echo "== 1. import and find-by-email vs plaintext SQLite ($N clients, 8 fields, one transaction)"
"$GEN" "$N" >"$TMP/clients.csv"
set +e
"$VB" -r "$RUNS" -l "$L" -d "$TMP" "$TMP/clients.csv"
rc=$?
set -e
case $rc in
0) ;;
1) status=1 ;;
*) echo "bench: vault_bench FAILED (exit $rc)" >&2; exit 2 ;;
esac
echo
# the import's ceiling by design, on the same file (bench/README.md,
# "Ceilings by design"; BENCH_SKIP_FLOOR=1 skips it)
if [ "${BENCH_SKIP_FLOOR:-0}" != 1 ]; then
	"$(cd "$BUILD" && pwd)/bench/floor_import" -r "$RUNS" -d "$TMP" "$TMP/clients.csv" ||
		{ echo "bench: floor_import FAILED" >&2; exit 2; }
	echo
fi
fi

# ---------------------------------------------------------------- server
# bench/serve/serve_bench.py: `fortress serve` under wrk (16 connections,
# loopback) against a minimal libmicrohttpd server in the same run
# (BENCH_SKIP_SERVE=1 skips it; BENCH_SERVE_SECONDS per measurement, 10).
if [ "${BENCH_SKIP_SERVE:-0}" != 1 ]; then
	echo "== server: fortress serve under wrk vs a fixed-body libmicrohttpd server"
	set +e
	python3 "$SRC/bench/serve/serve_bench.py" --fortress "$FORTRESS" --gen "$GEN" --fixed "$(cd "$BUILD" && pwd)/bench/mhd_fixed" \
		--floor "$(cd "$BUILD" && pwd)/bench/mhd_floor" \
		--seconds "${BENCH_SERVE_SECONDS:-10}"
	rc=$?
	set -e
	case $rc in
	0) ;;
	1) status=1 ;;
	*) echo "bench: the server benchmark FAILED (exit $rc)" >&2; exit 2 ;;
	esac
	echo
fi

# ---------------------------------------------------------------- scanner
# bench/scan/run.sh: the scan engine vs ripgrep on the anchors' corpus
# (BENCH_SKIP_SCAN=1 skips it; its own knobs are listed there).
if [ "${BENCH_SKIP_SCAN:-0}" != 1 ]; then
	set +e
	sh "$SRC/bench/scan/run.sh" "$BUILD"
	rc=$?
	set -e
	case $rc in
	0) ;;
	1) status=1 ;;
	*) echo "bench: the scanner benchmark FAILED (exit $rc)" >&2; exit 2 ;;
	esac
	echo
fi

# ---------------------------------------------------------------- PostgreSQL
# Issue 19: import, find by email and open on PostgreSQL against plaintext
# PostgreSQL (same table and indexes), on a throwaway server started as the
# tests start it (tests/pg/pg-server.sh: unprivileged, Unix socket only);
# then the same with two processes (each its own BENCH_PG_CLIENTS clients);
# then the open after unlock of a BENCH_PG_OPEN_CLIENTS-client vault made with
# the real CLI (0 skips it).  BENCH_PG_CLIENTS (2000), BENCH_PG_LOOKUPS
# (2000), BENCH_PG_OPEN_CLIENTS (100000 by default: making the 1,000,000-client
# vault took 13 minutes at load 15, see bench/README.md, and its open reads
# the same 31 statements); BENCH_SKIP_PG=1 skips it all.  Skipped with a
# message when PostgreSQL 15 is not installed.
if [ "${BENCH_SKIP_PG:-0}" != 1 ]; then
	PGN=${BENCH_PG_CLIENTS:-2000}
	PGL=${BENCH_PG_LOOKUPS:-2000}
	PGO=${BENCH_PG_OPEN_CLIENTS:-100000}
	PGDIR=/tmp/fortress-bench-pg-$$
	echo "== PostgreSQL: Fortress vs plaintext PostgreSQL ($PGN clients, $PGL lookups; then two processes with $PGN clients each)"
	if [ ! -x "${PGBIN:-/usr/lib/postgresql/15/bin}/initdb" ]; then
		echo "skipped: PostgreSQL 15 is not installed (apt-get install postgresql-15)"
	elif sh "$SRC/tests/pg/pg-server.sh" start "$PGDIR" >/dev/null; then
		trap 'sh "$SRC/tests/pg/pg-server.sh" stop "$PGDIR" >/dev/null 2>&1; rm -rf "$TMP"' EXIT
		# three disjoint sets of clients (phones and e-mails are unique)
		"$GEN" $((PGN * 3)) >"$TMP/pg_all.csv"
		head -n $((PGN + 1)) "$TMP/pg_all.csv" >"$TMP/pg_clients.csv"
		{ head -n 1 "$TMP/pg_all.csv"; sed -n "$((PGN + 2)),$((2 * PGN + 1))p" "$TMP/pg_all.csv"; } >"$TMP/pg_w1.csv"
		{ head -n 1 "$TMP/pg_all.csv"; sed -n "$((2 * PGN + 2)),$((3 * PGN + 1))p" "$TMP/pg_all.csv"; } >"$TMP/pg_w2.csv"
		set +e
		"$VB" -r "$RUNS" -l "$PGL" -P "$PGDIR" "$TMP/pg_clients.csv"
		rc=$?
		if [ "$rc" -le 1 ]; then
			echo
			"$VB" -r "$RUNS" -l "$PGL" -T "${BENCH_PG_FIND_SECONDS:-1.0}" -P "$PGDIR" -W "$TMP/pg_w2.csv" "$TMP/pg_w1.csv"
			rc=$?
		fi
		set -e
		[ "$rc" -le 1 ] || { echo "bench: the PostgreSQL benchmark FAILED (exit $rc)" >&2; exit 2; }
		if [ "$PGO" -gt 0 ]; then
			# the open of a large vault: made once, with the CLI's import
			echo
			URL=$(sh "$SRC/tests/pg/pg-server.sh" newdb "$PGDIR" bench_open 2>/dev/null)
			"$GEN" "$PGO" 7 >"$TMP/pg_open.csv"
			(umask 077 && "$FORTRESS" passphrase generate >"$TMP/pg_pass")
			t0=$(date +%s)
			FORTRESS_VAULT=$URL FORTRESS_PASSPHRASE_FILE=$TMP/pg_pass "$FORTRESS" init --country DE --name "Bench GmbH" --owner "Bench Owner" \
				--kdf interactive --store "$URL" >/dev/null 2>"$TMP/pg_init.err" ||
				{ cat "$TMP/pg_init.err" >&2; echo "bench: fortress init --store FAILED" >&2; exit 2; }
			FORTRESS_VAULT=$URL FORTRESS_PASSPHRASE_FILE=$TMP/pg_pass "$FORTRESS" client import "$TMP/pg_open.csv" >"$TMP/pg_import.out" 2>"$TMP/pg_import.err" ||
				{ tail -5 "$TMP/pg_import.err" >&2; echo "bench: fortress client import (PostgreSQL) FAILED" >&2; exit 2; }
			t1=$(date +%s)
			echo "made a $PGO-client PostgreSQL vault with 'fortress client import' in $((t1 - t0)) s (load $(cut -d' ' -f1 /proc/loadavg))"
			printf '%s' "$PGO clients on PostgreSQL: "
			"$VB" -o "$URL" -p "$TMP/pg_pass" || { echo "bench: vault_bench -o (PostgreSQL) FAILED" >&2; exit 2; }
		fi
		sh "$SRC/tests/pg/pg-server.sh" stop "$PGDIR"
		trap 'rm -rf "$TMP"' EXIT
	else
		echo "bench: cannot start a PostgreSQL server in $PGDIR" >&2
		exit 2
	fi
	echo
fi

# ---------------------------------------------------------------- part 2
[ "${BENCH_SKIP_RSS:-0}" = 1 ] && exit $status
echo "== 2. peak RSS: 'fortress client import' of a $RSS_N-row CSV (limit $RSS_LIMIT MiB)"
if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "bench: installing GNU time (package 'time')" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1 ||
			{ apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1; } || true
	fi
	[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (GNU time) is missing: install the package 'time'" >&2; exit 2; }
fi
"$GEN" "$RSS_N" >"$TMP/clients-rss.csv"
csv_mib=$(du -m "$TMP/clients-rss.csv" | cut -f1)
(umask 077 && "$FORTRESS" passphrase generate >"$TMP/passphrase")
chmod 600 "$TMP/passphrase"
FORTRESS_VAULT=$TMP/rss.vault
FORTRESS_PASSPHRASE_FILE=$TMP/passphrase
export FORTRESS_VAULT FORTRESS_PASSPHRASE_FILE
"$FORTRESS" init --country DE --name "Bench GmbH" --owner "Bench Owner" --kdf interactive >/dev/null 2>"$TMP/init.err" ||
	{ cat "$TMP/init.err" >&2; echo "bench: fortress init FAILED" >&2; exit 2; }

# GNU time's -v report: max RSS in KiB and the wall clock as [h:]mm:ss.ss
kib() { sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$1"; }
wall() { sed -n 's/^[[:space:]]*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" |
	awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'; }

# Unlock alone (Argon2id interactive + open), on the empty vault: the floor.
if ! /usr/bin/time -v -o "$TMP/unlock.time" "$FORTRESS" client list >/dev/null 2>"$TMP/unlock.err"; then
	cat "$TMP/unlock.err" >&2; echo "bench: fortress client list FAILED" >&2; exit 2
fi
set +e
/usr/bin/time -v -o "$TMP/import.time" "$FORTRESS" client import "$TMP/clients-rss.csv" >"$TMP/import.out" 2>"$TMP/import.err"
irc=$?
set -e
if [ $irc -ne 0 ]; then
	tail -20 "$TMP/import.err" >&2
	echo "bench: fortress client import FAILED (exit $irc)" >&2
	exit 2
fi
imported=$(sed -n 's/^imported \([0-9]*\) clients.*/\1/p' "$TMP/import.out")
if [ "$imported" != "$RSS_N" ]; then
	cat "$TMP/import.out" >&2
	echo "bench: fortress imported '${imported}' clients, expected $RSS_N" >&2
	exit 2
fi
u_kib=$(kib "$TMP/unlock.time"); i_kib=$(kib "$TMP/import.time"); secs=$(wall "$TMP/import.time")
vault_mib=$(du -m "$TMP/rss.vault" | cut -f1)
awk -v u="$u_kib" -v i="$i_kib" -v s="$secs" -v n="$RSS_N" -v lim="$RSS_LIMIT" -v csv="$csv_mib" -v vm="$vault_mib" 'BEGIN {
	pk = i / 1024; un = u / 1024; rate = (s > 0) ? n / s : 0;
	verdict = (pk < lim) ? "ok" : "MISSED";
	printf "import %d clients (CSV %d MiB -> vault %d MiB): wall %.1f s, %.0f clients/s\n", n, csv, vm, s, rate;
	printf "peak RSS (Maximum resident set size): %.1f MiB   limit %d MiB   %s\n", pk, lim, verdict;
	printf "  of which unlock alone (Argon2id interactive, 64 MiB by design; same CLI, empty vault): %.1f MiB\n", un;
	printf "  note: the KDF memory counts in the peak (libsodium allocates it for the unlock and frees it before the import runs)\n";
	printf "{\"bench\":\"import_peak_rss\",\"clients\":%d,\"seconds\":%.2f,\"clients_per_s\":%.0f,\"peak_rss_mib\":%.1f,\"unlock_only_rss_mib\":%.1f,\"limit_mib\":%d,\"ok\":%s}\n",
		n, s, rate, pk, un, lim, (pk < lim) ? "true" : "false";
	if (pk >= lim) printf "MISSED: peak RSS %.1f MiB is not under %d MiB\n", pk, lim;
	exit (pk < lim) ? 0 : 1
}' || status=1

# The same vault, opened after unlock (the user's key, as the unlock agent
# hands it over: no KDF): issue 16's goal is under 50 ms for 1,000,000
# clients.  A goal, not a minimum: it does not change the exit status.
printf '%s' "$RSS_N clients: "
"$VB" -o "$TMP/rss.vault" -p "$TMP/passphrase" || { echo "bench: vault_bench -o FAILED" >&2; exit 2; }
exit $status
