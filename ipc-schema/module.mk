# ipc-schema/: the one codec of every inter-daemon message.

IPC_SRCS := \
	ipc-schema/replica.c \
	ipc-schema/torc_ipc.c

IPC_OBJS := $(IPC_SRCS:%.c=$(BUILD)/%.o)
LIBIPC := $(BUILD)/libtorc_ipc.a

$(LIBIPC): $(IPC_OBJS)
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^

# torcctl: encode requests and decode messages for nngcat users.
$(BUILD)/bin/torcctl: $(BUILD)/ipc-schema/torcctl.o $(LIBIPC) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(LINK)

BINS += $(BUILD)/bin/torcctl
