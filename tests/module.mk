# tests/: unit tests (cmocka), fuzz targets, the simulator, test helpers.
# New test files are picked up by name: tests/unit/test_*.c and
# tests/fuzz/fuzz_*.c need no Makefile change.

# libtorc_sim.a (LIBSIM, tests/sim/module.mk) is named by its path: that
# fragment is included below, after these rules' prerequisites expand.
ALL_TORC_LIBS = $(BUILD)/libtorc_sim.a $(LIBSCHEDD) $(LIBROUTED) $(LIBAPID) $(LIBIPC) $(LIBCOMMON)

# Test code may include the test helpers' headers.
$(BUILD)/tests/%.o: ALL_CPPFLAGS += -Itests/lib -Itests/sim

TESTLIB_SRCS := $(wildcard tests/lib/*.c)
TESTLIB_OBJS := $(TESTLIB_SRCS:%.c=$(BUILD)/%.o)
LIBTESTUTIL := $(BUILD)/libtorc_testutil.a

$(LIBTESTUTIL): $(TESTLIB_OBJS)
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^ $(if $(TESTLIB_OBJS),,--)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(LIBTESTUTIL) $(ALL_TORC_LIBS)
	$(call say,LD,$@)$(LINK) -lcmocka

# Fuzz targets define LLVMFuzzerTestOneInput.  With FUZZ=1 (clang) they
# link against libFuzzer; otherwise against a small driver that replays
# their corpus, so every `make test` runs the decoders over it.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/tests/fuzz/%)

# The decoders under test live in the daemons' and common libraries; the
# simulator is not linked in.
FUZZ_LIBS = $(LIBSCHEDD) $(LIBROUTED) $(LIBAPID) $(LIBIPC) $(LIBCOMMON)

ifeq ($(FUZZ),1)
$(BUILD)/tests/fuzz/%: $(BUILD)/tests/fuzz/%.o $(FUZZ_LIBS)
	$(LINK) -fsanitize=fuzzer
else
$(BUILD)/tests/fuzz/%: $(BUILD)/tests/fuzz/%.o \
		$(BUILD)/tests/fuzz/standalone.o $(FUZZ_LIBS)
	$(call say,LD,$@)$(LINK)
endif

.PHONY: fuzz-bins
fuzz-bins: $(FUZZ_BINS)

TEST_BINS += $(UNIT_BINS) $(FUZZ_BINS)

-include tests/sim/module.mk

# Benchmarks (make bench): tests/bench/bench_*.c, picked up by name.
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/tests/bench/%)

$(BUILD)/tests/bench/%: $(BUILD)/tests/bench/%.o $(LIBTESTUTIL) $(ALL_TORC_LIBS)
	$(call say,LD,$@)$(LINK)

.PHONY: bench-bins
bench-bins: $(BENCH_BINS)
