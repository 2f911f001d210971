# The two README commands, plus the build. Meson does the real work; this file only
# strings the steps together for a fresh Debian 12 machine.
#   make run    install dependencies, build, run the demonstration
#   make test   install dependencies, build, run every test suite
#   make build  configure and build into build/ (the command is build/facteur)
#   make bench  every benchmark against the peers, in one run
#   make install  install what build/ built (meson install; DESTDIR is honoured)
#   make deb    Debian packages in build-deb/, checked by lintian (scripts/build-deb)

BUILD ?= build
FUZZ_BUILD ?= build-fuzz
MESON_TEST = meson test --print-errorlogs --num-processes 2

.PHONY: all deps build run test test-fuzz bench install deb format clean

all: build

deps:
	@scripts/install-deps

# Meson's chatter is kept for when it fails; a failed setup leaves no half-made folder.
SETUP = log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	meson setup >"$$log" 2>&1

$(BUILD)/build.ninja:
	@$(SETUP) $(BUILD) $(if $(CI),--werror) || { cat "$$log"; rm -rf $(BUILD); exit 1; }

build: $(BUILD)/build.ninja
	@ninja --quiet -C $(BUILD)

run: deps build
	@scripts/demo $(BUILD)/facteur

# The main build runs unit, conformance and integration, and bench/run --quick (suite
# bench: every benchmark for about a second, so none rots) and the packaging suite (the
# Debian packages built, linted, installed, started and purged); a clang build runs the
# libFuzzer targets for a short time each (fuzz-smoke).
# Logs of an earlier run are removed first: a build that fails leaves none, and
# count-tests counts the missing log as a failure instead of counting a stale one.
test: deps
	@rm -f $(BUILD)/meson-logs/testlog.json $(FUZZ_BUILD)/meson-logs/testlog.json
	@status=0; \
	if $(MAKE) --no-print-directory build; then \
	  $(MESON_TEST) -C $(BUILD) --suite unit --suite conformance --suite integration \
	    --suite bench --suite packaging || status=1; \
	else status=1; fi; \
	$(MAKE) --no-print-directory test-fuzz || status=1; \
	scripts/check-format || status=1; \
	scripts/check-banned || status=1; \
	scripts/count-tests --label make-test $(BUILD) $(FUZZ_BUILD); \
	exit $$status

test-fuzz: $(FUZZ_BUILD)/build.ninja
	@ninja --quiet -C $(FUZZ_BUILD)
	@$(MESON_TEST) -C $(FUZZ_BUILD) --suite fuzz-smoke

$(FUZZ_BUILD)/build.ninja:
	@export CC=clang; $(SETUP) $(FUZZ_BUILD) -Dfuzzing=true \
	  || { cat "$$log"; rm -rf $(FUZZ_BUILD); exit 1; }

# The benchmarks against the peers (docs/PERFORMANCE.md); `make test` runs them only in
# their quick form (bench/run --quick).
bench: deps build
	@bench/run $(BUILD)

# The command, facteur-extract, the catalogs, the manual pages, the milter's unit and
# example configuration, under meson's prefix (/usr/local unless build/ was configured
# with another --prefix).
install: build
	@meson install -C $(BUILD) --no-rebuild --quiet $(if $(DESTDIR),--destdir "$(DESTDIR)")

deb: deps
	@scripts/build-deb build-deb

format:
	@scripts/check-format --fix

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) build-asan build-deb
