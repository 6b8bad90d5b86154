#!/usr/bin/env bash
# tests/run.sh BUILD - run every test tier against one build tree.
#
# Each test program speaks TAP ("ok N - name" / "not ok N - name"); cmocka
# binaries do so with CMOCKA_MESSAGE_OUTPUT=TAP.  A program that exits
# non-zero without reporting a failure, or reports nothing, counts as one
# failure.  Logs go to BUILD/test-logs/.  The last line is
# "BUILD: N passed, N failed"; the counts are also written to
# BUILD/test-logs/summary for scripts/run-tests.sh.
set -u
BUILD=${1:?usage: tests/run.sh BUILD}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
LOGS=$BUILD/test-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
export TORC_BUILD=$ROOT/$BUILD TORC_ROOT=$ROOT
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}

PASS=0
FAIL=0
FAILED_NAMES=()

# run_one NAME TIMEOUT CMD... : run, count TAP lines, print one line.
run_one() {
	local name=$1 tmo=$2
	shift 2
	local log=$LOGS/${name//\//_}.log
	local start end rc p f
	start=$(date +%s.%N)
	timeout --kill-after=10 "$tmo" "$@" >"$log" 2>&1
	rc=$?
	end=$(date +%s.%N)
	p=$(grep -cE '^ok [0-9]+' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name reported no test" >>"$log"
	fi
	PASS=$((PASS + p))
	FAIL=$((FAIL + f))
	printf '  %-40s %4d passed %3d failed  %6.2fs\n' "$name" "$p" "$f" \
	    "$(awk "BEGIN{print $end - $start}")"
	if [ "$f" -ne 0 ]; then
		FAILED_NAMES+=("$name")
		grep -E '^not ok' "$log" | head -20 | sed 's/^/      /'
		echo "      (log: $log)"
	fi
}

echo "== $BUILD: unit =="
for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" 300 "$t"
done

echo "== $BUILD: fuzz corpus replay =="
for t in "$BUILD"/tests/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	run_one "fuzz/$n" 300 tests/fuzz/replay.sh "$t" "tests/fuzz/corpus/${n#fuzz_}"
done

echo "== $BUILD: golden =="
for t in tests/golden/*.sh; do
	[ -x "$t" ] || continue
	run_one "golden/$(basename "$t" .sh)" 300 "$t" "$BUILD"
done

echo "== $BUILD: integration =="
for t in tests/integ/*.sh tests/sim/test_*.sh; do
	[ -x "$t" ] || continue
	run_one "integ/$(basename "$t" .sh)" 600 "$t" "$BUILD"
done

echo "$PASS $FAIL" >"$LOGS/summary"
if [ "${#FAILED_NAMES[@]}" -ne 0 ]; then
	echo "failed in $BUILD: ${FAILED_NAMES[*]}"
fi
echo "$BUILD: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
