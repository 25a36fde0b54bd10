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
LIB_BPF   = $(shell pkg-config --libs libbpf 2>/dev/null)

# XDP steering program (bpf/): clang's BPF target finds <asm/types.h> in the
# multiarch include directory; bpftool turns the object into a skeleton.
CLANG    ?= clang
BPFTOOL  ?= bpftool
BPF_CFLAGS = -target bpf -O2 -g $(WARN) -Ibpf -I/usr/include/$(shell gcc -print-multiarch 2>/dev/null)
BPF_SKEL  := $(BUILD)/bpf/dns_steer.skel.h

ENGINE_SRC  := $(sort $(wildcard dataplane/engine/*.c))
RUNTIME_SRC := $(sort $(wildcard dataplane/runtime/*.c))
CTL_SRC     := $(sort $(wildcard control/*.c))
UNIT_SRC    := $(sort $(wildcard tests/unit/*.c))

ENGINE_OBJ      := $(ENGINE_SRC:%.c=$(BUILD)/%.o)
ENGINE_ASAN_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/asan/%.o)
RUNTIME_OBJ     := $(RUNTIME_SRC:%.c=$(BUILD)/%.o)
CTL_OBJ         := $(CTL_SRC:%.c=$(BUILD)/%.o)
# The DPDK-free runtime parts mxlbctl shares with mxlbd: counter names and
# the counter table.
CTL_RUNTIME_OBJ := $(BUILD)/dataplane/runtime/counters.o $(BUILD)/dataplane/runtime/pkt.o \
		   $(BUILD)/dataplane/runtime/xdp.o
UNIT_OBJ        := $(UNIT_SRC:%.c=$(BUILD)/asan/%.o)
# The DPDK-free runtime parts the unit tests drive: frames, addresses, the
# DNS over TCP listener, the journal replay, and what status, pools and
# preview print.
UNIT_RUNTIME_SRC := dataplane/runtime/pkt.c dataplane/runtime/addr.c dataplane/runtime/tcp.c dataplane/runtime/xdp.c \
		    dataplane/runtime/huge.c \
		    dataplane/runtime/replay.c dataplane/runtime/show.c dataplane/runtime/text.c
UNIT_RUNTIME_OBJ := $(UNIT_RUNTIME_SRC:%.c=$(BUILD)/asan/%.o)

ENGINE_CFLAGS  = $(OPT) -g $(WARN) $(CSTD) -fPIC -Idataplane/engine $(PKG_LDNS)
RUNTIME_CFLAGS = $(OPT) -g $(WARN) $(CSTD) -Idataplane/engine -Idataplane $(PKG_DPDK) \
		 -Ibpf -I$(BUILD)/bpf
CTL_CFLAGS     = $(OPT) -g $(WARN) $(CSTD) -Idataplane/engine -Idataplane -Idataplane/runtime \
		 $(PKG_DPDK) -Ibpf -I$(BUILD)/bpf
UNIT_CFLAGS    = -O1 -g $(WARN) $(CSTD) $(SAN) -Idataplane/engine -Idataplane/runtime $(PKG_LDNS) \
		 -DMXLB_TEST_DATA='"$(CURDIR)/tests/unit/data"'

.PHONY: all deps build test unit integration demo fmt check-fmt clean hugepages fuzz fuzz-replay bench-micro bench-scale

all: deps
	@$(MAKE) --no-print-directory build

deps:
	@scripts/deps.sh

build: $(BUILD)/libmxlb.a $(BUILD)/mxlbd $(BUILD)/mxlbctl

$(BUILD)/libmxlb.a: $(ENGINE_OBJ)
	@mkdir -p $(@D)
	ar rcs $@ $^

$(BUILD)/asan/libmxlb.a: $(ENGINE_ASAN_OBJ)
	@mkdir -p $(@D)
	ar rcs $@ $^

$(BUILD)/mxlbd: $(RUNTIME_OBJ) $(BUILD)/libmxlb.a
	$(CC) -o $@ $(RUNTIME_OBJ) $(BUILD)/libmxlb.a $(LIB_DPDK) $(LIB_LDNS) $(LIB_BPF) -lpthread

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/dns_steer.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c -o $@ $<

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst .,_,$*)_bpf >$@.tmp
	mv $@.tmp $@

$(BUILD)/dataplane/runtime/xdp.o: $(BPF_SKEL)
# test_xdp also runs dns_steer through BPF_PROG_TEST_RUN (skipped without root).
UNIT_CFLAGS += -Ibpf -I$(BUILD)/bpf
$(BUILD)/asan/dataplane/runtime/xdp.o $(BUILD)/asan/tests/unit/test_xdp.o: $(BPF_SKEL)
.SECONDARY: $(BUILD)/bpf/dns_steer.bpf.o

$(BUILD)/mxlbctl: $(CTL_OBJ) $(CTL_RUNTIME_OBJ) $(BUILD)/libmxlb.a
	$(CC) -o $@ $(CTL_OBJ) $(CTL_RUNTIME_OBJ) $(BUILD)/libmxlb.a $(LIB_DPDK) $(LIB_LDNS) $(LIB_BPF) \
		-lpthread

$(BUILD)/control/%.o: control/%.c
	@mkdir -p $(@D)
	$(CC) $(CTL_CFLAGS) -MMD -MP -c -o $@ $<

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

$(BUILD)/asan/dataplane/runtime/%.o: dataplane/runtime/%.c
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -MMD -MP -c -o $@ $<

# Unit tests of the engine and of the DPDK-free runtime parts, built and run
# under ASan and UBSan. No EAL, no hugepages.
$(BUILD)/unit-tests: $(UNIT_OBJ) $(UNIT_RUNTIME_OBJ) $(BUILD)/asan/libmxlb.a
	$(CC) $(SAN) -o $@ $(UNIT_OBJ) $(UNIT_RUNTIME_OBJ) $(BUILD)/asan/libmxlb.a $(LIB_LDNS) \
		$(LIB_CRIT) $(LIB_BPF) -lpthread

# The corpus directory is read at run time (tests/unit/test_corpus.c).
unit: $(BUILD)/unit-tests
	@test -d "$(MXLB_CORPUS)" || { echo "unit: no DNS packet corpus at $(MXLB_CORPUS):" \
		"set MXLB_CORPUS=/path/to/dns-packets (make test MXLB_CORPUS=...)" >&2; exit 1; }
	MXLB_CORPUS="$(MXLB_CORPUS)" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1 $(BUILD)/unit-tests --jobs 2

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

# Change latency: mxlbctl call to the first answer that shows the change
# (bench/ctl-latency; needs root). Appends an entry to bench/RESULTS.md.
.PHONY: bench-ctl
bench-ctl: build
	bench/ctl-latency/run.sh

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

# Benchmarks (bench/): each prints BENCH <name> <value> <unit> lines and
# appends a dated entry to bench/RESULTS.md.
# micro links the DPDK-free frame code (pkt.c, addr.c) for its "frame" mix.
$(BUILD)/micro: bench/micro/micro.c $(BUILD)/libmxlb.a dataplane/runtime/pkt.c dataplane/runtime/addr.c
	$(CC) $(OPT) -g $(WARN) $(CSTD) -Idataplane/engine -Idataplane/runtime $(PKG_LDNS) -o $@ $< \
		dataplane/runtime/pkt.c dataplane/runtime/addr.c $(BUILD)/libmxlb.a $(LIB_LDNS)

bench-micro: deps
	@$(MAKE) --no-print-directory $(BUILD)/micro
	bench/micro/run.sh

# make bench-memif: mxgen (bench/mxgen, a DPDK DNS query generator) against
# an echo (bench/memif/echo.c, the ceiling of the rig) and against mxlbd, all
# joined by net_memif, in one run. Needs root (hugepages).
MXGEN_SRC    := $(sort $(wildcard bench/mxgen/*.c))
MXGEN_OBJ    := $(MXGEN_SRC:%.c=$(BUILD)/%.o)
MXGEN_CFLAGS  = $(OPT) -g $(WARN) $(CSTD) -Ibench/mxgen $(PKG_DPDK)

$(BUILD)/mxgen: $(MXGEN_OBJ)
	$(CC) -o $@ $(MXGEN_OBJ) $(LIB_DPDK) -lpthread

$(BUILD)/bench/mxgen/%.o: bench/mxgen/%.c
	@mkdir -p $(@D)
	$(CC) $(MXGEN_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/mxlb-echo: bench/memif/echo.c
	@mkdir -p $(@D)
	$(CC) $(MXGEN_CFLAGS) -MMD -MP -o $@ $< $(LIB_DPDK) -lpthread

.PHONY: bench-memif
bench-memif: deps
	@$(MAKE) --no-print-directory build $(BUILD)/mxgen $(BUILD)/mxlb-echo
	bench/memif/run.sh

$(BUILD)/scale: bench/scale/scale.c $(BUILD)/libmxlb.a
	$(CC) $(OPT) -g $(WARN) $(CSTD) -Idataplane/engine $(PKG_LDNS) -o $@ $< $(BUILD)/libmxlb.a \
		$(LIB_LDNS)

bench-scale: deps
	@$(MAKE) --no-print-directory build $(BUILD)/scale
	bench/scale/run.sh

# make bench-peers: dnsperf and kxdpgun over veth against mxlbd (af_xdp and
# af_packet), knotd (XDP and UDP) and nsd, same zone and queries, one run
# (bench/peers/run.sh; installs knot, nsd, gnuplot if missing; needs root).
# Plots bench/peers.png.
.PHONY: bench-peers
bench-peers: deps
	@$(MAKE) --no-print-directory build
	bench/peers/run.sh

# Health checker (control/health*.c, issue 7): mxlbctl links OpenSSL; the
# DPDK-free parts also go into the unit tests (built with ASan and UBSan
# like UNIT_RUNTIME_SRC), whose dialogue tests need OpenSSL too.
LIB_SSL      = $(shell pkg-config --libs libssl libcrypto 2>/dev/null || echo -lssl -lcrypto)
UNIT_CTL_SRC := control/health_conf.c control/health_proto.c control/health_tls.c \
		control/health_probe.c control/health_dns.c control/health_table.c \
		control/health_send.c control/health_loop.c
UNIT_CTL_OBJ := $(UNIT_CTL_SRC:%.c=$(BUILD)/asan/%.o)
UNIT_CFLAGS  += -Icontrol

$(BUILD)/mxlbctl: LIB_BPF += $(LIB_SSL)
$(BUILD)/unit-tests: $(UNIT_CTL_OBJ)
$(BUILD)/unit-tests: UNIT_RUNTIME_OBJ += $(UNIT_CTL_OBJ)
$(BUILD)/unit-tests: LIB_CRIT += $(LIB_SSL)

$(BUILD)/asan/control/%.o: control/%.c
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -MMD -MP -c -o $@ $<

# make health-scale: a thousand checks at 1 s against a local listener for
# HEALTH_SCALE_SECONDS (default 10), optimised build, CPU time reported.
.PHONY: health-scale
HEALTH_SCALE_SECONDS ?= 10
$(BUILD)/health-scale: tests/unit/test_health_scale.c $(UNIT_CTL_SRC)
	@mkdir -p $(@D)
	$(CC) $(OPT) -g $(WARN) $(CSTD) -Icontrol -DMXLB_HEALTH_SCALE_MAIN -o $@ $^ $(LIB_SSL) \
		-lpthread

health-scale: $(BUILD)/health-scale
	$(BUILD)/health-scale 1000 $(HEALTH_SCALE_SECONDS)
