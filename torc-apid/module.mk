# torc-apid/: the daemon as a library (libapid.a) plus a thin main.c.

APID_SRCS := \
	torc-apid/api_ipc.c \
	torc-apid/api_json.c \
	torc-apid/api_log.c \
	torc-apid/api_metrics.c \
	torc-apid/api_query.c \
	torc-apid/api_routes.c \
	torc-apid/api_sse.c \
	torc-apid/apid.c

APID_OBJS := $(APID_SRCS:%.c=$(BUILD)/%.o)
LIBAPID := $(BUILD)/libapid.a

$(LIBAPID): $(APID_OBJS)
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^

$(BUILD)/bin/torc-apid: $(BUILD)/torc-apid/main.o $(LIBAPID) $(LIBIPC) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(LINK)

BINS += $(BUILD)/bin/torc-apid
