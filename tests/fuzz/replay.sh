#!/usr/bin/env bash
# replay.sh FUZZ_BIN CORPUS_DIR - run a fuzz target's standalone driver
# over its corpus and report one TAP line.
bin=$1 dir=$2
if [ ! -d "$dir" ]; then
	echo "not ok 1 - $(basename "$bin"): no corpus at $dir"
	exit 1
fi
if "$bin" "$dir"; then
	echo "ok 1 - $(basename "$bin") replays its corpus without a fault"
else
	echo "not ok 1 - $(basename "$bin") failed on its corpus"
	exit 1
fi
