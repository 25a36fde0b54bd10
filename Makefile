# mxlb — see README.md. Targets: make | make test | make demo | make deps | make fmt
#
# Every public target runs `make deps` first (installs only missing Debian
# packages), then re-enters make so pkg-config sees the installed libraries.

BUILD    ?= build
CC       ?= cc
OPT      ?= -O2
WARN     := -Wall -Wextra -Werror
CSTD     := -std=gnu11
MXLB_CORPUS ?= $(abspath $(CURDIR)/../shared/corpus/dns-packets)
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

PKG_DPDK  = $(shell pkg-config --cflags libdpdk 2>/dev/null)
LIB_DPDK  = $(shell pkg-config --libs libdpdk 2>/dev/null)
PKG_LDNS  = $(shell pkg-config --cflags ldns 2>/dev/null)
LIB_LDNS  = $(shell pkg-config --libs ldns 2>/dev/null)
LIB_CRIT  = $(shell pkg-config --libs criterion 2>/dev/null)

ENGINE_SRC  := $(sort $(wildcard dataplane/engine/*.c))
RUNTIME_SRC := $(sort $(wildcard dataplane/runtime/*.c))
UNIT_SRC    := $(sort $(wildcard tests/unit/*.c))

ENGINE_OBJ      := $(ENGINE_SRC:%.c=$(BUILD)/%.o)
ENGINE_ASAN_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/asan/%.o)
RUNTIME_OBJ     := $(RUNTIME_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ        := $(UNIT_SRC:%.c=$(BUILD)/asan/%.o)

ENGINE_CFLAGS  = $(OPT) -g $(WARN) $(CSTD) -fPIC -Idataplane/engine $(PKG_LDNS)
RUNTIME_CFLAGS = $(OPT) -g $(WARN) $(CSTD) -Idataplane/engine -Idataplane $(PKG_DPDK)
UNIT_CFLAGS    = -O1 -g $(WARN) $(CSTD) $(SAN) -Idataplane/engine $(PKG_LDNS) \
		 -DMXLB_TEST_DATA='"$(CURDIR)/tests/unit/data"' \
		 -DMXLB_CORPUS='"$(MXLB_CORPUS)"'

.PHONY: all deps build test unit integration demo fmt check-fmt clean hugepages fuzz fuzz-replay

all: deps
	@$(MAKE) --no-print-directory build

deps:
	@scripts/deps.sh

build: $(BUILD)/libmxlb.a $(BUILD)/mxlbd

$(BUILD)/libmxlb.a: $(ENGINE_OBJ)
	@mkdir -p $(@D)
	ar rcs $@ $^

$(BUILD)/asan/libmxlb.a: $(ENGINE_ASAN_OBJ)
	@mkdir -p $(@D)
	ar rcs $@ $^

$(BUILD)/mxlbd: $(RUNTIME_OBJ) $(BUILD)/libmxlb.a
	$(CC) -o $@ $(RUNTIME_OBJ) $(BUILD)/libmxlb.a $(LIB_DPDK) $(LIB_LDNS) -lpthread

$(BUILD)/dataplane/engine/%.o: dataplane/engine/%.c
	@mkdir -p $(@D)
	$(CC) $(ENGINE_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/asan/dataplane/engine/%.o: dataplane/engine/%.c
	@mkdir -p $(@D)
	$(CC) $(ENGINE_CFLAGS) -O1 $(SAN) -MMD -MP -c -o $@ $<

$(BUILD)/dataplane/runtime/%.o: dataplane/runtime/%.c
	@mkdir -p $(@D)
	$(CC) $(RUNTIME_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/asan/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -MMD -MP -c -o $@ $<

# Unit tests of the engine, built and run under ASan and UBSan. No EAL, no
# hugepages.
$(BUILD)/unit-tests: $(UNIT_OBJ) $(BUILD)/asan/libmxlb.a
	$(CC) $(SAN) -o $@ $(UNIT_OBJ) $(BUILD)/asan/libmxlb.a $(LIB_LDNS) $(LIB_CRIT)

unit: $(BUILD)/unit-tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		$(BUILD)/unit-tests --jobs 2

# End-to-end scenarios: mxlbd on a veth test host (needs root).
integration: build
	tests/integration/run.sh

test: deps
	@$(MAKE) --no-print-directory build unit integration

demo: deps
	@$(MAKE) --no-print-directory build
	scripts/demo.sh

hugepages:
	scripts/hugepages.sh

FMT_SRC = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

fmt:
	clang-format -i $(FMT_SRC)

check-fmt:
	@scripts/check-fmt.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# libFuzzer harness over mxlb_respond (clang, ASan, UBSan). make fuzz
# SECONDS=N runs it for N seconds from the shared corpus; new inputs go to
# build/fuzz-corpus, never into the tree.
FUZZ_CC     ?= clang
FUZZ_CFLAGS  = -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	       -Idataplane/engine $(PKG_LDNS) -DMXLB_FUZZ_ZONE='"$(CURDIR)/tests/unit/data/corpus.zone"'
SECONDS     ?= 60

$(BUILD)/fuzz_respond: tests/fuzz/fuzz_respond.c $(ENGINE_SRC) $(wildcard dataplane/engine/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_respond.c $(ENGINE_SRC) $(LIB_LDNS)

fuzz: deps
	@$(MAKE) --no-print-directory $(BUILD)/fuzz_respond
	@mkdir -p $(BUILD)/fuzz-corpus
	$(BUILD)/fuzz_respond -max_total_time=$(SECONDS) -max_len=1500 -print_final_stats=1 \
		$(BUILD)/fuzz-corpus $(MXLB_CORPUS)

# Every corpus packet replayed through the fuzz harness (no fuzzing).
fuzz-replay: $(BUILD)/fuzz_respond
	$(BUILD)/fuzz_respond -runs=0 $(MXLB_CORPUS)
