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

ROUTED_OBJS := $(ROUTED_SRCS:%.c=$(BUILD)/%.o)
LIBROUTED := $(BUILD)/librouted.a

$(LIBROUTED): $(ROUTED_OBJS)
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^

$(BUILD)/bin/torc-routed: $(BUILD)/torc-routed/main.o $(LIBROUTED) $(LIBIPC) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(LINK)

BINS += $(BUILD)/bin/torc-routed
