# torc-routed/: the daemon as a library (librouted.a) plus a thin main.c.
# route_desired.c, route_diff.c and route_state.c are the pure parts
# (route.h); the unit tests link them through librouted.a.

ROUTED_SRCS := \
	torc-routed/route_consul.c \
	torc-routed/route_desired.c \
	torc-routed/route_diff.c \
	torc-routed/route_snaproute.c \
	torc-routed/route_state.c \
	torc-routed/route_status.c \
	torc-routed/route_sys.c \
	torc-routed/routed.c
ROUTED_SRCS += torc-routed/route_fboss.c

ROUTED_OBJS := $(ROUTED_SRCS:%.c=$(BUILD)/%.o)
LIBROUTED := $(BUILD)/librouted.a

$(LIBROUTED): $(ROUTED_OBJS)
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^

$(BUILD)/bin/torc-routed: $(BUILD)/torc-routed/main.o $(LIBROUTED) $(LIBIPC) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(LINK)

BINS += $(BUILD)/bin/torc-routed

# routed's integration test (tests/integ/test_routed_sim.c, run by
# tests/integ/test_routed.sh) and benchmark share a harness that drives
# torc-sim, fake_schedd and the torc-routed binary.
ROUTED_HARNESS_OBJ := $(BUILD)/tests/integ/routed_harness.o
ROUTED_INTEG_BIN := $(BUILD)/tests/integ/test_routed_sim

$(ROUTED_INTEG_BIN): $(BUILD)/tests/integ/test_routed_sim.o \
		$(ROUTED_HARNESS_OBJ) $(BUILD)/libtorc_testutil.a \
		$(LIBROUTED) $(LIBIPC) $(LIBCOMMON)
	$(call say,LD,$@)$(LINK) -lcmocka

TEST_BINS += $(ROUTED_INTEG_BIN)

# Extra prerequisites of the pattern-built benchmark (they join its $^).
$(BUILD)/tests/bench/bench_routed: $(ROUTED_HARNESS_OBJ) \
		$(BUILD)/libtorc_testutil.a
