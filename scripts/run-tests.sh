#!/usr/bin/env bash
# run-tests.sh - what `make test` runs: every tier once on a normal build
# and once on an AddressSanitizer + UndefinedBehaviorSanitizer build, then
# one closing line "N passed, N failed".  Exits non-zero on any failure.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
total_p=0
total_f=0

for variant in "build 0" "build-asan 1"; do
	set -- $variant
	b=$1 san=$2
	echo "== building $b (SAN=$san) =="
	if ! make -s -j"$JOBS" BUILD="$b" SAN="$san" all test-bins \
	    >"$ROOT/.build-$b.log" 2>&1; then
		tail -40 "$ROOT/.build-$b.log"
		echo "build of $b failed"
		total_f=$((total_f + 1))
		continue
	fi
	rm -f "$ROOT/.build-$b.log"
	tests/run.sh "$b"
	if [ -f "$b/test-logs/summary" ]; then
		read -r p f <"$b/test-logs/summary"
		total_p=$((total_p + p))
		total_f=$((total_f + f))
	else
		total_f=$((total_f + 1))
	fi
done

echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
