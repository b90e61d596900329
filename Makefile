# Fortress: the two commands a newcomer needs are `make demo` and `make check`.
# `make` alone builds build/fortress (dependencies must already be installed;
# `make deps` installs them).
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE ?= cmake

.PHONY: all deps build demo check test test-asan bench install clean

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
check: deps build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	@$(CMAKE) -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFORTRESS_SANITIZE=ON >/dev/null
	@$(CMAKE) --build $(ASAN_BUILD) -j$(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

bench: deps build
	@sh bench/run.sh $(BUILD)

install: build
	@$(CMAKE) --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
