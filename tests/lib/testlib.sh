# tests/lib/testlib.sh - helpers for the shell test programs (bash).
#
#   . "$TORC_ROOT/tests/lib/testlib.sh"   (or relative to the script)
#   tl_init NAME            temp dir in $TL_TMP, cleanup trap, TAP counters
#   ok DESC / not_ok DESC   one TAP line each
#   check DESC CMD...       ok when CMD succeeds
#   is DESC GOT WANT        ok when the strings are equal (diagnostics if not)
#   like DESC GOT REGEX     ok when GOT matches the extended regex
#   wait_until SECS CMD...  poll CMD until it succeeds; 1 on timeout
#   free_ports N            N distinct free ports (TCP and UDP), one a line
#   tl_spawn LOG CMD...     start CMD in the background; pid in $TL_LAST_PID
#   tl_stop PID [SECS]      SIGTERM, bounded wait; exit status in $TL_STATUS
#   sim_start [ARGS...]     start torc-sim on fresh ports (see below)
#   tl_done                 print the plan and exit 0, or 1 on any failure
#
# Synchronisation is by bounded polling only: wait_until is the one place
# that sleeps.  Every process started through tl_spawn is stopped by the
# EXIT trap, and the temp dir is removed unless TL_KEEP=1.
#
# The SIM_* and TL_* variables are set here for the sourcing script.
# shellcheck disable=SC2034

TL_N=0
TL_FAILED=0
TL_PIDS=()
TL_TMP=
TL_NAME=
TL_LAST_PID=
TL_STATUS=

tl_init() {
	TL_NAME=${1:-test}
	TL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/torc-$TL_NAME.XXXXXX") || exit 1
	trap tl_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

tl_cleanup() {
	local pid
	for pid in "${TL_PIDS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null
			wait_until 10 tl_gone "$pid" ||
			    kill -KILL "$pid" 2>/dev/null
		fi
	done
	if [ -n "$TL_TMP" ] && [ "${TL_KEEP:-0}" != 1 ]; then
		rm -rf "$TL_TMP"
	elif [ -n "$TL_TMP" ]; then
		echo "# kept $TL_TMP" >&2
	fi
}

ok() {
	TL_N=$((TL_N + 1))
	echo "ok $TL_N - $*"
}

not_ok() {
	TL_N=$((TL_N + 1))
	TL_FAILED=$((TL_FAILED + 1))
	echo "not ok $TL_N - $*"
}

# diag TEXT...: a TAP comment line per line of text.
diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

check() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "command failed: $*"
	fi
}

is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "got:  $2"
		diag "want: $3"
	fi
}

like() {
	if [[ $2 =~ $3 ]]; then
		ok "$1"
	else
		not_ok "$1"
		diag "got:  $2"
		diag "want: /$3/"
	fi
}

# wait_until SECS CMD...: run CMD every 50 ms until it succeeds (0) or
# SECS seconds have passed (1).
wait_until() {
	local secs=$1 deadline
	shift
	deadline=$(($(date +%s%N) + secs * 1000000000))
	while :; do
		if "$@"; then
			return 0
		fi
		if [ "$(date +%s%N)" -ge "$deadline" ]; then
			return 1
		fi
		sleep 0.05
	done
}

# free_ports N: N distinct ports free for both TCP and UDP on 127.0.0.1
# right now (the kernel picks them; sockets are held until all are found).
free_ports() {
	python3 - "${1:-1}" <<'EOF'
import socket, sys
n = int(sys.argv[1])
held, ports = [], []
while len(ports) < n:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        t.close()
        u.close()
        continue
    held += [t, u]
    ports.append(p)
for p in ports:
    print(p)
EOF
}

# tl_gone PID: true when the process no longer exists (or is a zombie of
# ours that wait already reaped).
tl_gone() {
	! kill -0 "$1" 2>/dev/null
}

# tl_spawn LOG CMD...: start CMD with stdout and stderr in LOG.
tl_spawn() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	TL_LAST_PID=$!
	TL_PIDS+=("$TL_LAST_PID")
}

# tl_stop PID [SECS]: SIGTERM, wait up to SECS (10) for it to exit;
# TL_STATUS is its exit status, or "timeout" (then it is killed).
tl_stop() {
	local pid=$1 secs=${2:-10}
	kill -TERM "$pid" 2>/dev/null
	if wait_until "$secs" tl_gone "$pid"; then
		wait "$pid" 2>/dev/null
		TL_STATUS=$?
	else
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		TL_STATUS=timeout
	fi
}

# sim_start [ARGS...]: start $TORC_BUILD/tests/sim/torc-sim (or
# $SIM_BIN) with --config $SIM_CONFIG (default scripts/config/torc.yml)
# on fresh ports, wait until it reports ready and its control API
# answers.  Sets SIM_PID, SIM_LOG, SIM_MESOS_PORT, SIM_CONSUL_PORT,
# SIM_DNS_PORT, SIM_SWITCH_PORT, SIM_CONTROL_PORT and the URLs SIM_MESOS,
# SIM_CONSUL, SIM_SWITCH, SIM_CONTROL.  Returns 1 if it did not come up.
sim_start() {
	local root=${TORC_ROOT:-}
	[ -n "$root" ] ||
	    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	local bin=${SIM_BIN:-$TORC_BUILD/tests/sim/torc-sim}
	local cfg=${SIM_CONFIG:-$root/scripts/config/torc.yml}
	local ports
	mapfile -t ports < <(free_ports 5)
	SIM_MESOS_PORT=${ports[0]}
	SIM_CONSUL_PORT=${ports[1]}
	SIM_DNS_PORT=${ports[2]}
	SIM_SWITCH_PORT=${ports[3]}
	SIM_CONTROL_PORT=${ports[4]}
	SIM_MESOS=http://127.0.0.1:$SIM_MESOS_PORT
	SIM_CONSUL=http://127.0.0.1:$SIM_CONSUL_PORT
	SIM_SWITCH=http://127.0.0.1:$SIM_SWITCH_PORT
	SIM_CONTROL=http://127.0.0.1:$SIM_CONTROL_PORT
	SIM_LOG=$TL_TMP/torc-sim.$SIM_CONTROL_PORT.log
	tl_spawn "$SIM_LOG" "$bin" --config "$cfg" \
	    --mesos-port "$SIM_MESOS_PORT" --consul-port "$SIM_CONSUL_PORT" \
	    --dns-port "$SIM_DNS_PORT" --switch-port "$SIM_SWITCH_PORT" \
	    --control-port "$SIM_CONTROL_PORT" "$@"
	SIM_PID=$TL_LAST_PID
	if ! wait_until 20 sim_ready; then
		diag "torc-sim did not come up; its log:"
		diag "$(tail -20 "$SIM_LOG")"
		return 1
	fi
}

sim_ready() {
	kill -0 "$SIM_PID" 2>/dev/null || return 1
	grep -q '^torc-sim ready:' "$SIM_LOG" 2>/dev/null || return 1
	curl -fsS -m 2 "$SIM_CONTROL/health" >/dev/null 2>&1
}

# sim_ctl METHOD PATH [JSON]: call the control API; prints the body.
sim_ctl() {
	if [ $# -ge 3 ]; then
		curl -sS -m 10 -X "$1" -H 'Content-Type: application/json' \
		    -d "$3" "$SIM_CONTROL$2"
	else
		curl -sS -m 10 -X "$1" "$SIM_CONTROL$2"
	fi
}

tl_done() {
	echo "1..$TL_N"
	if [ "$TL_FAILED" -ne 0 ]; then
		echo "# $TL_FAILED of $TL_N failed"
		exit 1
	fi
	exit 0
}
