# common/fboss/: the FBOSS agent's control service (our IDL excerpt).
# thrift generates its c_glib code into $(BUILD)/gen/fboss; the objects
# go into libtorc_common.a, used by torc-routed's FBOSS client and by
# torc-sim's FBOSS agent.  Included from common/module.mk before the
# library rule, so COMMON_OBJS is complete when that rule is read.
#
# Generated code is not held to our warning list: GEN_CFLAGS, and clang
# warns about a counter the generator sets and never reads.

THRIFT	?= thrift
FBOSS_IDL := common/fboss/fboss_ctrl.thrift
FBOSS_GEN := $(BUILD)/gen/fboss
FBOSS_GEN_C := $(FBOSS_GEN)/fboss_fboss_ctrl.c $(FBOSS_GEN)/fboss_fboss_ctrl_types.c
FBOSS_GEN_H := $(FBOSS_GEN_C:%.c=%.h)
GEN_HDRS += $(FBOSS_GEN_H)

# Compile flags for every file that includes GLib or the generated headers.
FBOSS_CPPFLAGS := $(shell pkg-config --cflags thrift_c_glib 2>/dev/null) \
	-I$(FBOSS_GEN)

# One thrift run writes all four files; the stamp stands for them.  The
# generated finalizers are then made to chain up (chain-finalize.awk).
$(FBOSS_GEN)/.stamp: $(FBOSS_IDL) common/fboss/chain-finalize.awk
	@mkdir -p $(FBOSS_GEN)
	$(call say,THRIFT,$<)$(THRIFT) --gen c_glib -out $(FBOSS_GEN) $<
	@for f in $(FBOSS_GEN_C); do \
		awk -f common/fboss/chain-finalize.awk $$f >$$f.tmp && \
		mv $$f.tmp $$f || exit 1; \
	done
	@touch $@

$(FBOSS_GEN_C) $(FBOSS_GEN_H): $(FBOSS_GEN)/.stamp ;

$(FBOSS_GEN_C:%.c=%.o): ALL_CPPFLAGS += $(FBOSS_CPPFLAGS)
$(FBOSS_GEN_C:%.c=%.o): GEN_CFLAGS += -Wno-unused-but-set-variable

# The files outside common/ that speak Thrift.
FBOSS_USERS := $(BUILD)/torc-routed/route_fboss.o \
	$(BUILD)/tests/sim/sim_fboss.o \
	$(BUILD)/tests/unit/test_route_fboss.o
$(FBOSS_USERS): ALL_CPPFLAGS += $(FBOSS_CPPFLAGS)

$(BUILD)/common/fboss/fboss_gobject.o: ALL_CPPFLAGS += $(FBOSS_CPPFLAGS)

COMMON_OBJS += $(FBOSS_GEN_C:%.c=%.o) $(BUILD)/common/fboss/fboss_gobject.o

# torc-routed end to end with network-agent type fboss (its runner is
# tests/integ/test_routed_fboss.sh).  The libraries are named by path:
# their variables are set by fragments included after this one.
FBOSS_INTEG_BIN := $(BUILD)/tests/integ/test_routed_fboss

$(FBOSS_INTEG_BIN): $(BUILD)/tests/integ/test_routed_fboss.o \
		$(BUILD)/tests/integ/routed_harness.o \
		$(BUILD)/libtorc_testutil.a $(BUILD)/librouted.a \
		$(BUILD)/libtorc_ipc.a $(BUILD)/libtorc_common.a
	$(call say,LD,$@)$(LINK) -lcmocka

TEST_BINS += $(FBOSS_INTEG_BIN)
