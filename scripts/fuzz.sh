#!/usr/bin/env bash
# fuzz.sh SECONDS - build every tests/fuzz/fuzz_*.c target with clang and
# libFuzzer (plus ASan and UBSan) into build-fuzz/ and run each for
# SECONDS over a scratch copy of its corpus (new inputs it finds stay in
# build-fuzz/corpus/, the committed corpus is not touched).  clang's
# -Wcast-align also flags casts that are harmless on x86 (gcc's does not
# there), so it is off for this build.
set -eu
SECS=${1:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
make -s -j"$(nproc)" BUILD=build-fuzz CC=clang FUZZ=1 SAN=1 \
    CFLAGS="-fsanitize=fuzzer-no-link -Wno-cast-align" fuzz-bins
status=0
for bin in build-fuzz/tests/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus=build-fuzz/corpus/${name#fuzz_}
	mkdir -p "$corpus"
	if [ -d "tests/fuzz/corpus/${name#fuzz_}" ]; then
		cp -n tests/fuzz/corpus/"${name#fuzz_}"/* "$corpus"/ 2>/dev/null || true
	fi
	echo "== $name: ${SECS}s =="
	if ! "$bin" -max_total_time="$SECS" -max_len=65536 \
	    -artifact_prefix=build-fuzz/"$name"- "$corpus" \
	    2>build-fuzz/"$name".log; then
		echo "$name: FAILED (see build-fuzz/$name.log and artifacts)"
		status=1
	fi
	grep -E '^(#[0-9]+ *DONE|Done [0-9]+ runs)' build-fuzz/"$name".log | tail -1 || true
done
exit $status
