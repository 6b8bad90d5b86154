# torc-routed/: the daemon as a library (librouted.a) plus a thin main.c.

ROUTED_SRCS := \
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
