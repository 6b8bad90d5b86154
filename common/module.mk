# common/: logging, clocks, event loop, config loader, CLI, Mesos protos.

COMMON_SRCS := \
	common/bus.c \
	common/cfg.c \
	common/cli.c \
	common/daemon.c \
	common/ev.c \
	common/ev_curl.c \
	common/http_client.c \
	common/log.c \
	common/monotime.c \
	common/recordio.c \
	common/util.c

# Mesos v1 protobuf excerpt (wire-compatible with upstream), shared by
# torc-schedd and torc-sim.  protoc-c writes the C code into $(BUILD)/gen.
PROTO_SRCS := $(wildcard common/mesos/*.proto)
PROTO_GEN_C := $(PROTO_SRCS:common/%.proto=$(BUILD)/gen/%.pb-c.c)
PROTO_GEN_H := $(PROTO_SRCS:common/%.proto=$(BUILD)/gen/%.pb-c.h)
GEN_HDRS += $(PROTO_GEN_H)

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: common/%.proto
	@mkdir -p $(BUILD)/gen
	$(call say,PROTOC,$<)$(PROTOC_C) --proto_path=common --c_out=$(BUILD)/gen $<

COMMON_OBJS := $(COMMON_SRCS:%.c=$(BUILD)/%.o) \
	$(PROTO_GEN_C:%.c=%.o)
include common/fboss/module.mk
LIBCOMMON := $(BUILD)/libtorc_common.a

$(LIBCOMMON): $(COMMON_OBJS)
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^
