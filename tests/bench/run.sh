#!/usr/bin/env bash
# tests/bench/run.sh BUILD - run every benchmark, print a table and write
# BUILD/bench.json.  Benchmarks report figures; they never fail the build.
set -u
BUILD=${1:?usage: tests/bench/run.sh BUILD}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
out=$BUILD/bench.json
: >"$out.tmp"
for b in "$BUILD"/tests/bench/bench_*; do
	[ -x "$b" ] || continue
	"$b" >>"$out.tmp" || echo "{\"name\":\"$(basename "$b")\",\"error\":\"exited $?\"}" >>"$out.tmp"
done
jq -s '{machine: {cpus: '"$(nproc)"', kernel: "'"$(uname -r)"'"}, results: .}' "$out.tmp" >"$out"
rm -f "$out.tmp"
printf '%-32s %14s %14s %14s %-8s %s\n' benchmark median min max unit target
jq -r '.results[] | [.name, (.median|tostring), (.min|tostring),
    (.max|tostring), .unit,
    (if .target then ((.target|tostring) + (if .pass then " PASS" else " FAIL" end)) else "-" end)] | @tsv' "$out" |
while IFS=$'\t' read -r n med mi ma u t; do
	printf '%-32s %14s %14s %14s %-8s %s\n' "$n" "$med" "$mi" "$ma" "$u" "$t"
done
echo "(JSON summary: $out)"
