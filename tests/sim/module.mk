# tests/sim/: torc-sim, the simulated rack (Mesos master and agents,
# Consul agent and DNS, SnapRoute FlexSwitch agent, control API).
# Every tests/sim/sim_*.c but sim_main.c goes into $(LIBSIM), so tests
# and benchmarks can link the simulator's parts without its main().

SIM_SRCS := $(filter-out tests/sim/sim_main.c,$(wildcard tests/sim/sim_*.c))
SIM_OBJS := $(SIM_SRCS:%.c=$(BUILD)/%.o)
LIBSIM := $(BUILD)/libtorc_sim.a
SIM_BIN := $(BUILD)/tests/sim/torc-sim

# sim_mesos.c speaks the Mesos protobufs generated into $(BUILD)/gen.
$(SIM_OBJS) $(BUILD)/tests/sim/sim_main.o: | $(GEN_HDRS)

$(LIBSIM): $(SIM_OBJS)
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^

$(SIM_BIN): $(BUILD)/tests/sim/sim_main.o $(LIBSIM) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(LINK)

LIBS += $(LIBSIM)
BINS += $(SIM_BIN)
