#!/bin/sh
# fuzz.sh - build and run the libFuzzer harnesses (tests/fuzz/README.md).
#
#   sh scripts/fuzz.sh check                 replay every corpus and regression input,
#                                            then fuzz each target FUZZ_SECONDS (default 20),
#                                            FUZZ_JOBS (default 2) at a time: what `make check` runs
#   sh scripts/fuzz.sh run TARGET SECONDS    fuzz one target (e.g. readers, import_csv) for longer
#   sh scripts/fuzz.sh list                  the targets
#
# A crash, a leak, a timeout (-timeout=5), running out of memory
# (-rss_limit_mb) or a left-open file descriptor fails (exit 1); the input
# is kept in $FUZZ_BUILD/artifacts/.  New inputs found are kept in
# $FUZZ_BUILD/corpus/TARGET (reused by later runs; not committed).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FUZZ_BUILD=${FUZZ_BUILD:-$ROOT/build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
FUZZ_JOBS=${FUZZ_JOBS:-2}
FUZZ_RSS_MB=${FUZZ_RSS_MB:-2048}
TARGETS="import_csv import_vcard import_json types readers scan_engine ignore backup_header map plan recovery record route form intake accept_language"
DATA=$ROOT/tests/data
SEEDS=$ROOT/tests/fuzz/seeds

export G_SLICE=always-malloc
# the harnesses' scratch files stay in the build directory
export TMPDIR=$FUZZ_BUILD/tmp
# intercept_tls_get_addr=0: see the Makefile's check target (GCC 12's LeakSanitizer
# tracer and the dynamic TLS of dlopen()ed libraries)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1:intercept_tls_get_addr=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

build() {
	mkdir -p "$FUZZ_BUILD/tmp"
	if [ ! -f "$FUZZ_BUILD/CMakeCache.txt" ]; then
		# -O1, line tables only: what libFuzzer suggests, and half the build time of -O2 -g
		CC=${FUZZ_CC:-clang} CXX=${FUZZ_CXX:-clang++} cmake -S "$ROOT" -B "$FUZZ_BUILD" -DCMAKE_BUILD_TYPE=FuzzO1 \
			-DCMAKE_C_FLAGS_FUZZO1="-O1" -DCMAKE_CXX_FLAGS_FUZZO1="-O1" -DFORTRESS_FUZZ=ON \
			-DFORTRESS_TESTS=OFF -DFORTRESS_BENCH=OFF >/dev/null
	fi
	cmake --build "$FUZZ_BUILD" --target fuzz_all -j"$FUZZ_JOBS" >"$FUZZ_BUILD/build.log" 2>&1 || {
		tail -40 "$FUZZ_BUILD/build.log" >&2
		echo "fuzz: the build failed (log: $FUZZ_BUILD/build.log)" >&2
		exit 1
	}
}

# prefix BYTE FILE OUT: OUT = one byte (octal) then FILE (harnesses whose
# first byte selects a mode or a file name).
prefix() {
	printf "\\$1" >"$3"
	cat "$2" >>"$3"
}

# The seed directory of a target, assembled from tests/fuzz/seeds, the
# test data and the regression inputs.
seeds() {
	t=$1
	d=$FUZZ_BUILD/seeds/$t
	rm -rf "$d"
	mkdir -p "$d"
	[ -d "$SEEDS/$t" ] && cp "$SEEDS/$t"/* "$d"/
	case $t in
	import_csv|import_vcard|import_json)
		case $t in
		import_csv) files=$(ls "$DATA"/e2e/*.csv "$DATA"/e2e/*.tsv "$DATA"/import/*.csv) ;;
		import_vcard) files=$(ls "$DATA"/e2e/*.vcf "$DATA"/import/*.vcf "$DATA"/regressions/vcard-1.bin) ;;
		import_json) files=$(ls "$DATA"/e2e/*.json "$DATA"/e2e/*.jsonl "$DATA"/import/*.json) ;;
		esac
		for f in $files; do
			b=$(basename "$f")
			prefix 000 "$f" "$d/whole-$b"      # read whole
			prefix 004 "$f" "$d/chunks-$b"     # and in chunks of 5 bytes
		done ;;
	readers) prefix 000 "$DATA/regressions/mime-1.bin" "$d/regression-mime-1" ;;
	ignore) cp "$DATA"/regressions/ignore-*.bin "$d"/ ;;
	map) cp "$DATA"/regressions/map-*.bin "$d"/ ;;
	types) cp "$DATA"/regressions/types-*.bin "$d"/ ;;
	backup_header) prefix 000 "$DATA/regressions/backup_header-1.bin" "$d/regression-backup_header-1" ;;
	esac
	echo "$d"
}

flags() {
	echo "-timeout=5 -rss_limit_mb=$FUZZ_RSS_MB -max_len=65536 -artifact_prefix=$FUZZ_BUILD/artifacts/$1- -print_final_stats=0"
}

# replay TARGET: every seed and corpus input once.
replay() {
	t=$1
	s=$(seeds "$t")
	mkdir -p "$FUZZ_BUILD/corpus/$t" "$FUZZ_BUILD/artifacts"
	# shellcheck disable=SC2046
	"$FUZZ_BUILD/tests/fuzz/fuzz_$t" $(flags "$t") -runs=0 "$FUZZ_BUILD/corpus/$t" "$s" >"$FUZZ_BUILD/logs/replay-$t.log" 2>&1 || {
		tail -30 "$FUZZ_BUILD/logs/replay-$t.log" >&2
		echo "fuzz: $t: replaying the corpus and regression inputs failed (log: $FUZZ_BUILD/logs/replay-$t.log)" >&2
		return 1
	}
	echo "fuzz: $t: corpus replayed ($(ls "$s" "$FUZZ_BUILD/corpus/$t" | wc -l) inputs)"
}

# fuzz TARGET SECONDS
fuzz() {
	t=$1
	s=$(seeds "$t")
	mkdir -p "$FUZZ_BUILD/corpus/$t" "$FUZZ_BUILD/artifacts"
	# shellcheck disable=SC2046
	"$FUZZ_BUILD/tests/fuzz/fuzz_$t" $(flags "$t") -max_total_time="$2" "$FUZZ_BUILD/corpus/$t" "$s" \
		>"$FUZZ_BUILD/logs/fuzz-$t.log" 2>&1 || {
		tail -40 "$FUZZ_BUILD/logs/fuzz-$t.log" >&2
		echo "fuzz: $t: FAILED after fuzzing (log: $FUZZ_BUILD/logs/fuzz-$t.log; input in $FUZZ_BUILD/artifacts/)" >&2
		return 1
	}
	echo "fuzz: $t: $2 s, $(grep -o 'Done [0-9]* runs' "$FUZZ_BUILD/logs/fuzz-$t.log" | tail -1 | cut -d' ' -f2) runs, no finding"
}

cmd=${1:-check}
case $cmd in
list)
	echo $TARGETS ;;
run)
	t=${2:?usage: fuzz.sh run TARGET SECONDS}
	case " $TARGETS " in *" $t "*) ;; *) echo "fuzz: no target '$t' (targets: $TARGETS)" >&2; exit 2 ;; esac
	build
	mkdir -p "$FUZZ_BUILD/logs"
	replay "$t"
	fuzz "$t" "${3:-60}" ;;
check)
	t0=$(date +%s)
	build
	mkdir -p "$FUZZ_BUILD/logs"
	t1=$(date +%s)
	fail=0
	for t in $TARGETS; do replay "$t" || fail=1; done
	[ "$fail" = 0 ] || exit 1
	# the bounded fuzz, FUZZ_JOBS targets at a time
	export FUZZ_BUILD FUZZ_SECONDS FUZZ_RSS_MB
	echo $TARGETS | tr ' ' '\n' | xargs -P "$FUZZ_JOBS" -I{} sh "$0" _one {} || fail=1
	echo "fuzz: build $((t1 - t0)) s, replay and fuzz $(($(date +%s) - t1)) s"
	[ "$fail" = 0 ] || { echo "fuzz: FAILED" >&2; exit 1; }
	echo "fuzz: every target passed" ;;
_one)
	fuzz "$2" "$FUZZ_SECONDS" ;;
*)
	echo "usage: fuzz.sh check | run TARGET SECONDS | list" >&2
	exit 2 ;;
esac
