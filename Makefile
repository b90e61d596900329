# Fortress: the two commands a newcomer needs are `make demo` and `make check`.
# `make` alone builds build/fortress (dependencies must already be installed;
# `make deps` installs them).
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE ?= cmake

# Fuzzing (tests/fuzz): seconds per target in `make check`, and for
# `make fuzz TARGET=readers SECONDS=600`.
FUZZ_SECONDS ?= 20
SECONDS ?= 300
TARGET ?=

.PHONY: all deps build demo check test test-asan bench install clean fuzz docs

all: build

deps:
	@sh scripts/install-deps.sh

$(BUILD)/Makefile:
	@$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: $(BUILD)/Makefile
	@$(CMAKE) --build $(BUILD) -j$(JOBS)

demo: deps build
	@sh scripts/demo.sh $(BUILD)/fortress

# Every test, twice: the normal build and an ASan + UBSan build.
# intercept_tls_get_addr=0: GCC 12's sanitizer runtime (Debian 12) takes a
# dynamic TLS block of a dlopen()ed library (GLib under GMime, src/util/dl.h)
# that happens to start 16 bytes past a page for a pre-2.25 glibc header and
# reads the words before it, and LeakSanitizer's tracer then dies at exit
# ("Tracer caught signal 11"), now and then, after every test passed (fixed
# in GCC 14 / LLVM 17).  Leak reports only gain from it: those blocks are not
# scanned for pointers, so nothing they hold can hide a leak.
ASAN_CHECK_OPTIONS = detect_leaks=1:abort_on_error=1:intercept_tls_get_addr=0
check: deps build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	@$(CMAKE) -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFORTRESS_SANITIZE=ON >/dev/null
	@$(CMAKE) --build $(ASAN_BUILD) -j$(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=$(ASAN_CHECK_OPTIONS) UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(JOBS) sh scripts/fuzz.sh check

# One fuzz target for longer: make fuzz TARGET=readers SECONDS=600
# (`sh scripts/fuzz.sh list` names the targets).
fuzz: deps
	@test -n "$(TARGET)" || { echo "make fuzz TARGET=NAME [SECONDS=N]; targets: $$(sh scripts/fuzz.sh list)" >&2; exit 2; }
	@FUZZ_JOBS=$(JOBS) sh scripts/fuzz.sh run $(TARGET) $(SECONDS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

bench: deps build
	@sh bench/run.sh $(BUILD)

# docs/cli.md's synopses and docs/man/fortress.1 from the command table
# (docs/conventions.md, "Documentation"); tests/docs/test_docs.py fails until
# they are regenerated and committed.
docs: build
	@python3 scripts/gendocs.py --fortress $(BUILD)/fortress

install: build
	@$(CMAKE) --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
