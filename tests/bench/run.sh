#!/usr/bin/env bash
# tests/bench/run.sh BUILD - run every benchmark, print a table and write
# BUILD/bench.json.  Benchmarks report figures; they never fail the build.
#
# A benchmark is an executable BUILD/tests/bench/bench_* binary or a
# tests/bench/bench_*.sh script (called with BUILD).  Each prints one JSON
# object per line on stdout:
#   {"name","unit","median","min","max"[,"runs"][,"target","pass"]}
# or {"name","error"}; anything else on stdout is ignored, stderr is
# progress for people.  Each benchmark runs under a time limit
# (BENCH_TIMEOUT seconds, default 300).
#
# Benchmarks that measure once per invocation are run BENCH_REPEAT times
# (default 3; see REPEATED below) and their lines merged by name: the
# median of the medians, the smallest min, the largest max; pass is
# recomputed on the merged median.
#
# BENCH_ONLY=REGEX runs only the benchmarks whose name matches.
set -u
BUILD=${1:?usage: tests/bench/run.sh BUILD}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export TORC_BUILD=$BUILD
TIMEOUT=${BENCH_TIMEOUT:-300}
REPEAT=${BENCH_REPEAT:-3}
ONLY=${BENCH_ONLY:-}
# One figure per invocation (bench_routed measures each step once).
REPEATED=" bench_routed "
out=$BUILD/bench.json
tmp=$(mktemp -d /tmp/torc-bench-run-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

benches=()
for b in "$BUILD"/tests/bench/bench_*; do
	case $b in *.o|*.d) continue ;; esac
	[ -f "$b" ] && [ -x "$b" ] && benches+=("$b")
done
for s in "$ROOT"/tests/bench/bench_*.sh; do
	[ -f "$s" ] && benches+=("$s")
done

load() { cut -d' ' -f1-3 /proc/loadavg; }
# "steal total" in clock ticks, all CPUs: steal is the time a virtual
# machine's CPUs were runnable but the host ran something else.
cpu_ticks() { awk '/^cpu /{print $9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
steal_pct() {	# steal share between two cpu_ticks readings, in %
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
	    d = y[2] - x[2]; printf "%.1f", (d > 0 ? 100 * (y[1] - x[1]) / d : 0) }'
}
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(load)
ticks_before=$(cpu_ticks)
for b in "${benches[@]}"; do
	name=$(basename "$b" .sh)
	if [ -n "$ONLY" ] && ! [[ $name =~ $ONLY ]]; then
		continue
	fi
	n=1
	case $REPEATED in *" $name "*) n=$REPEAT ;; esac
	for ((i = 1; i <= n; i++)); do
		t0=$(date +%s)
		b_ticks=$(cpu_ticks)
		printf 'bench: %s (run %d of %d, load %s)\n' "$name" "$i" "$n" \
		    "$(load)" >&2
		case $b in
		*.sh) timeout -k 10 "$TIMEOUT" bash "$b" "$BUILD" >"$tmp/out" ;;
		*) timeout -k 10 "$TIMEOUT" "$b" >"$tmp/out" ;;
		esac
		rc=$?
		t1=$(cpu_ticks)
		printf 'bench: %s: CPU steal %s%%\n' "$name" \
		    "$(steal_pct "$b_ticks" "$t1")" >&2
		grep '^{' "$tmp/out" | jq -c --arg b "$name" '. + {bench: $b}' \
		    >>"$tmp/$name.lines" 2>/dev/null
		if [ "$rc" -ne 0 ]; then
			echo "{\"name\":\"$name\",\"bench\":\"$name\",\"error\":\"exited $rc$([ "$rc" -eq 124 ] && echo ' (timeout)')\"}" \
			    >>"$tmp/$name.lines"
		fi
		printf 'bench: %s took %ds\n' "$name" $(($(date +%s) - t0)) >&2
	done
	if [ "$n" -gt 1 ]; then
		# Merge the runs by name.
		jq -s -c 'group_by(.name)[] |
		    if any(.[]; has("error")) then (map(select(has("error"))) | .[0])
		    else
		      (map(.median) | sort) as $m |
		      .[0] + {median: $m[(($m|length)/2|floor)],
		        min: (map(.min) | min), max: (map(.max) | max),
		        runs: ($m|length)} |
		      if has("target") then
		        .pass = (if (.unit | test("/s$")) then .median >= .target
		                 else .median <= .target end)
		      else . end
		    end' "$tmp/$name.lines" >>"$tmp/all"
	else
		cat "$tmp/$name.lines" >>"$tmp/all" 2>/dev/null
	fi
done
touch "$tmp/all"
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
jq -s --arg model "$model" --arg kernel "$(uname -r)" \
    --arg started "$started" --arg finished "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --arg lb "$load_before" --arg la "$(load)" --argjson cpus "$(nproc)" \
    --argjson steal "$(steal_pct "$ticks_before" "$(cpu_ticks)")" \
    '{machine: {cpus: $cpus, cpu_model: $model, kernel: $kernel,
      loadavg_before: $lb, loadavg_after: $la, cpu_steal_pct: $steal},
      started: $started, finished: $finished, results: .}' \
    "$tmp/all" >"$out"

printf '%-46s %12s %12s %12s %-9s %s\n' benchmark median min max unit target
jq -r '.results[] | [.name,
    (if .error then "error: " + .error else (.median|tostring) end),
    ((.min // "")|tostring), ((.max // "")|tostring), (.unit // ""),
    (if .target then ((.target|tostring) + (if .pass then " PASS" else " FAIL" end)) else "-" end)] | @tsv' "$out" |
while IFS=$'\t' read -r n med mi ma u t; do
	printf '%-46s %12s %12s %12s %-9s %s\n' "$n" "$med" "$mi" "$ma" "$u" "$t"
done
jq -r '.results as $r |
    "targets: \([$r[] | select(.pass == true)] | length) PASS, \([$r[] | select(.target and .pass == false)] | length) FAIL, \([$r[] | select(.error)] | length) errors; machine: \(.machine.cpus) x \(.machine.cpu_model), kernel \(.machine.kernel), load \(.machine.loadavg_before) -> \(.machine.loadavg_after), CPU steal \(.machine.cpu_steal_pct) %"' "$out"
echo "(JSON summary: $out)"
exit 0
