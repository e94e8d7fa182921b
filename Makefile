# tunetop — GNU make build. `make` builds ./tunetop, `make check` runs the
# Check suite, `make sanitize` runs it under ASan+UBSan, `make deps` installs
# missing Debian packages.

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
SAN_CC  ?= gcc
BIN     ?= tunetop

PKGS     := ncursesw yaml-0.1 sqlite3
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude $(PKG_CFLAGS) $(CFLAGS)
LIBS    := $(PKG_LIBS) -lcsv -lm -lpthread

LIB_SRC  := $(sort $(filter-out src/cli/main.c src/shim/main.c,$(wildcard src/*/*.c)))
MAIN_SRC := src/cli/main.c
TEST_SRC := $(sort $(wildcard tests/*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(MAIN_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)

SAMPLE_PROGS := $(patsubst samples/%.c,samples/bin/%,$(wildcard samples/*.c))

# tunetop-shim: the trial supervisor alone, next to $(BIN): every file of
# src/shim/ and nothing else (libc only: a use of util, sqlite, yaml or csv
# there fails this link). The same files but main.c are also in
# libtunetop, for `tunetop __shim` / `tunetop __zygote`. The runner starts
# it once, as `tunetop-shim __zygote`, whose pooled shims run the trials
# (src/shim/zygote.c), instead of a `tunetop __shim` per trial. Linked
# statically when the toolchain can (no dynamic loader, no sqlite/yaml/csv
# to map: exec+exit 0.37 ms against 0.83 ms for tunetop,
# docs/benchmarks.md), never under a sanitizer (which needs the dynamic
# runtime); its own objects (build/shim-bin: build/shim held the objects of
# the runner files it was once built from), with sections the linker can drop.
SHIM_BIN := $(dir $(BIN))tunetop-shim
SHIM_SRC := $(sort $(wildcard src/shim/*.c))
SHIM_OBJ := $(SHIM_SRC:src/shim/%.c=$(BUILD)/shim-bin/%.o)
SHIM_STATIC := $(if $(findstring -fsanitize,$(CFLAGS)),,$(shell printf 'int main(void){return 0;}' | \
                 $(CC) -x c -static -o /dev/null - 2>/dev/null && echo -static))
SHIM_LDFLAGS := $(SHIM_STATIC) -Wl,-O1 -Wl,--gc-sections

.PHONY: all check check-run sanitize deps demo install clean fuzz

all: $(BIN) $(SHIM_BIN) $(SAMPLE_PROGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c $(BUILD)/tests/suites.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/tests -MMD -MP -c $< -o $@

# Every test file defines one or more `Suite *suite_NAME(void)`; the runner
# learns them from this generated list, so adding a test file needs no edit
# elsewhere.
$(BUILD)/tests/suites.h: $(filter-out tests/check_main.c,$(TEST_SRC))
	@mkdir -p $(dir $@)
	@grep -ho '^Suite \*suite_[a-z0-9_]*(void)' $^ | sed 's/^Suite \*\(suite_[a-z0-9_]*\)(void)/TT_SUITE(\1)/' > $@.tmp
	@mv $@.tmp $@

$(BUILD)/libtunetop.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(BUILD)/libtunetop.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/shim-bin/%.o: src/shim/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -ffunction-sections -fdata-sections -MMD -MP -c $< -o $@

$(SHIM_BIN): $(SHIM_OBJ)
	$(CC) $(ALL_CFLAGS) $(SHIM_LDFLAGS) -o $@ $^

# Sample programs are the user's code, not ours: always built plainly (also
# under `make sanitize`), so their path stays samples/bin/NAME.
samples/bin/%: samples/%.c
	@mkdir -p samples/bin
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -o $@ $< -lcsv -lm

# tests/preload/clockshift.c: an LD_PRELOAD library that steps the wall
# clock of a running process (tests/test_clock.c). Built plainly, also under
# `make sanitize`: it is preloaded into trial processes that have no ASan
# runtime. An order-only prerequisite of the suite, which finds it through
# TUNETOP_CLOCKSHIFT (or next to TUNETOP_BIN) and dlopen()s it itself.
CLOCKSHIFT := $(BUILD)/tests/clockshift.so

$(CLOCKSHIFT): tests/preload/clockshift.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -fPIC -shared -o $@ $< -ldl

$(BUILD)/check_tunetop: $(TEST_OBJ) $(BUILD)/libtunetop.a | $(CLOCKSHIFT)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(CHECK_LIBS) $(LIBS) -ldl

# The suite runs from the repository root so tests find samples/ and the
# binary under test through TUNETOP_BIN.
check:
	@./.ci/deps --quiet
	@$(MAKE) --no-print-directory check-run

check-run: all $(BUILD)/check_tunetop $(CLOCKSHIFT)
	TUNETOP_BIN=$(CURDIR)/$(BIN) TUNETOP_ROOT=$(CURDIR) \
	  TUNETOP_CLOCKSHIFT=$(CURDIR)/$(CLOCKSHIFT) $(BUILD)/check_tunetop

# Same suite, built with AddressSanitizer + UndefinedBehaviorSanitizer; any
# report fails the run. TUNETOP_SANITIZED tells the few tests that cannot
# mean the same under ASan (valgrind on top of it, memory bounds) to adapt. CK_TIMEOUT_MULTIPLIER gives the slower build room.
sanitize:
	CK_TIMEOUT_MULTIPLIER=4 TUNETOP_SANITIZED=1 $(MAKE) BUILD=build-san BIN=build-san/tunetop CC=$(SAN_CC) \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  check

deps:
	@./.ci/deps

# libFuzzer targets (clang). FUZZ_TIME seconds per target; corpora grow in
# build-fuzz/corpus (seeds are committed under tests/fuzz/seeds).
FUZZ_TIME ?= 60
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIB_SRC := $(filter-out src/cli/%,$(LIB_SRC))

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_SRC)
	@mkdir -p build-fuzz
	clang -std=c11 -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS) -g -O1 \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -o $@ $< $(FUZZ_LIB_SRC) $(LIBS)

fuzz:
	@./.ci/deps --quiet --fuzz
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
	  name=$${t#build-fuzz/fuzz_}; \
	  mkdir -p build-fuzz/corpus/$$name; \
	  echo "fuzz: $$name for $(FUZZ_TIME) s"; \
	  $$t -max_total_time=$(FUZZ_TIME) -print_final_stats=1 -max_len=65536 \
	    build-fuzz/corpus/$$name tests/fuzz/seeds/$$name 2>build-fuzz/$$name.log \
	    || { tail -n 40 build-fuzz/$$name.log; exit 1; }; \
	  grep -E 'stat::number_of_executed_units|stat::peak_rss' build-fuzz/$$name.log; \
	done

# The demo sweep (samples/sweeps/demo.yaml, about a minute) in the dashboard
# (headless with a note when stdout is not a terminal): see samples/demo.sh.
# It runs the $(BIN) just built.
demo:
	@./.ci/deps --quiet
	@$(MAKE) --no-print-directory all
	TUNETOP=$(if $(filter /%,$(BIN)),$(BIN),./$(BIN)) ./samples/demo.sh

install: $(BIN) $(SHIM_BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/tunetop/themes $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 tunetop $(DESTDIR)$(PREFIX)/bin/tunetop
	install -m 755 tunetop-shim $(DESTDIR)$(PREFIX)/bin/tunetop-shim
	install -m 644 themes/*.yaml $(DESTDIR)$(PREFIX)/share/tunetop/themes/
	install -m 644 docs/tunetop.1 $(DESTDIR)$(PREFIX)/share/man/man1/tunetop.1

# Sampler benchmark: tunetop's samplers against Optuna's (bench/samplers/run.sh,
# report in docs/benchmarks.md). `make bench-samplers BENCH_ARGS=--quick` for
# a short run.
.PHONY: bench-samplers
bench-samplers:
	./bench/samplers/run.sh $(BENCH_ARGS)

clean:
	rm -rf build build-san build-fuzz tunetop tunetop-shim samples/bin

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(SHIM_OBJ:.o=.d)
