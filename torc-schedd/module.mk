# torc-schedd/: the daemon as a library (libschedd.a) plus a thin main.c.

SCHEDD_SRCS := \
	torc-schedd/schedd.c \
	torc-schedd/schedd_writer.c \
	torc-schedd/sched_core.c \
	torc-schedd/sched_fsm.c \
	torc-schedd/sched_ipc.c \
	torc-schedd/sched_persist.c \
	torc-schedd/sched_place.c \
	torc-schedd/sched_state.c \
	torc-schedd/sched_mesos.c \
	torc-schedd/sched_mesos_wire.c \
	torc-schedd/sched_taskinfo.c

SCHEDD_OBJS := $(SCHEDD_SRCS:%.c=$(BUILD)/%.o)
LIBSCHEDD := $(BUILD)/libschedd.a

$(LIBSCHEDD): $(SCHEDD_OBJS)
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^

$(BUILD)/bin/torc-schedd: $(BUILD)/torc-schedd/main.o $(LIBSCHEDD) $(LIBIPC) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(LINK)

BINS += $(BUILD)/bin/torc-schedd
