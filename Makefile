# torc: one non-recursive GNU Makefile.
#
#   make            build the three daemons and torc-sim into $(BUILD)
#   make test       install missing packages, then run every test tier
#                   twice: a normal build and an ASan+UBSan build
#   make demo       run the trio under supervisord against torc-sim
#   make demo-stop  stop what `make demo` started
#   make bench      benchmarks (figures only; never fails the tests)
#   make fuzz       every libFuzzer target for FUZZ_SECONDS each
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean
#
# Each directory describes its sources in module.mk; this file only wires
# them together.  BUILD selects the output tree and SAN=1 adds sanitizers,
# so `make BUILD=build-asan SAN=1` is the instrumented twin of `make`.

BUILD	?= build
SAN	?= 0
PREFIX	?= /usr/local
DESTDIR	?=
OPT	?= -O2 -g
FUZZ_SECONDS ?= 20

CC	?= cc
PROTOC_C ?= protoc-c
V	?= 0
ifeq ($(V),0)
Q	:= @
say	= @printf '  %-6s %s\n' $(1) $(2);
else
Q	:=
say	=
endif

WARN	:= -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
	   -Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations \
	   -Wold-style-definition -Wformat=2 -Wformat-security -Wundef \
	   -Wvla -Wnull-dereference -Wimplicit-fallthrough -Wcast-align
CPPFLAGS_BASE := -D_GNU_SOURCE -I. -Icommon -Iipc-schema -I$(BUILD)/gen \
	   $(shell pkg-config --cflags libmicrohttpd libcurl jansson \
	           libprotobuf-c yaml-0.1 msgpack 2>/dev/null)
CFLAGS_BASE := -std=c11 $(OPT) -fno-strict-aliasing -pipe
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	    -fno-omit-frame-pointer
else
SANFLAGS :=
endif

ALL_CPPFLAGS = $(CPPFLAGS_BASE) $(CPPFLAGS)
ALL_CFLAGS = $(CFLAGS_BASE) $(WARN) $(SANFLAGS) $(CFLAGS)
# Generated protobuf-c code is compiled with the same flags minus the
# warnings it was not written for.
GEN_CFLAGS = $(CFLAGS_BASE) -Wall -Werror $(SANFLAGS) $(CFLAGS)
LDLIBS_EXT := -lnng -lmicrohttpd -lcurl -ljansson -lprotobuf-c -lyaml \
	      -lmsgpackc -lthrift_c_glib -lgobject-2.0 -lglib-2.0 \
	      -lpthread -lm
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
# Link the prerequisites as one group: the static libraries refer to each
# other (common's bus glue uses the ipc codec, which uses common's helpers).
LINK = $(CC) $(ALL_LDFLAGS) -o $@ -Wl,--start-group $^ -Wl,--end-group \
	$(LDLIBS_EXT)

# Filled in by the module fragments.
LIBS	:=
BINS	:=
TEST_BINS :=
GEN_HDRS :=

include common/module.mk
include ipc-schema/module.mk
include torc-schedd/module.mk
include torc-routed/module.mk
include torc-apid/module.mk
include tests/module.mk

.DEFAULT_GOAL := all
.PHONY: all test test-bins test-one demo demo-stop bench fuzz install clean deps \
	check-config update-golden

all: $(BINS)

$(BUILD)/%.o: %.c | $(GEN_HDRS)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CPPFLAGS) $(GEN_CFLAGS) -MMD -MP -c -o $@ $<

deps:
	@scripts/deps.sh

# The full suite: packages, then the normal and the sanitizer build, each
# running every tier; one summary line at the end.
test: deps
	@scripts/run-tests.sh

# One tier-runner pass over an already configured BUILD (used by
# scripts/run-tests.sh; handy by hand too: make test-one BUILD=build).
test-bins: $(TEST_BINS)

test-one: all $(TEST_BINS)
	@tests/run.sh $(BUILD)

check-config: $(BUILD)/bin/torc-schedd
	$(BUILD)/bin/torc-schedd --check-config --master 10.0.0.1 \
		--config scripts/config/torc.yml

update-golden: $(BUILD)/bin/torc-schedd
	@tests/config/run.sh $(BUILD) --update

demo: deps all
	@scripts/demo.sh start

demo-stop:
	@scripts/demo.sh stop

bench: deps all bench-bins
	@tests/bench/run.sh $(BUILD)

fuzz: deps
	@scripts/fuzz.sh $(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/torc/config
	install -m 0755 $(BUILD)/bin/torc-schedd $(BUILD)/bin/torc-routed \
		$(BUILD)/bin/torc-apid $(BUILD)/bin/torcctl \
		$(DESTDIR)$(PREFIX)/bin/
	install -m 0644 scripts/config/*.yml $(DESTDIR)$(PREFIX)/share/torc/config/
	@# The supervisord files name /usr/local; point them at PREFIX.
	@for f in supervisord.conf torc.conf; do \
		sed 's|/usr/local/|$(PREFIX)/|g' scripts/$$f \
			>$(DESTDIR)$(PREFIX)/share/torc/$$f; \
	done

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
