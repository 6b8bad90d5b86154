# tests/integ/e2e_lib.sh - the whole trio against torc-sim, for the
# end-to-end tests (tests/integ/test_e2e_*.sh).  Sourced after setting
# BUILD; it sources tests/lib/testlib.sh.
#
#   e2e_init NAME [SIM ARGS...]   temp dir, torc-sim on fresh ports, the
#                                 daemons' config (E2E_CFG) pointed at it
#   schedd_start / routed_start / apid_start
#                                 one daemon each, own --run-dir and
#                                 --state-dir in $TL_TMP, logs numbered
#                                 ($TL_TMP/schedd.1.log, ...); the pid in
#                                 SCHEDD_PID / ROUTED_PID / APID_PID
#   trio_start                    all three, then wait until every system
#                                 service runs and routed has programmed
#                                 their DNS entries
#   e2e_done                      plan; on failure the daemons' log tails as
#                                 TAP comments, the logs copied to
#                                 $TORC_BUILD/test-logs/e2e-NAME/
#
# Short timers make faults resolve quickly: statesync 1 s, stateclean
# poll 1 s / timeout $E2E_TIMEOUT (4) / restart delay $E2E_RESTART (2),
# healthcheck 1 s.  Every wait is bounded (wait_until); the deadlines
# are generous for the sanitizer build, the happy path returns at once.
# shellcheck disable=SC2034

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export TORC_BUILD=$BUILD TORC_ROOT=$ROOT
. "$ROOT/tests/lib/testlib.sh"

BIN=$BUILD/bin
TORCCTL=$BIN/torcctl
E2E_TIMEOUT=${E2E_TIMEOUT:-4}
E2E_RESTART=${E2E_RESTART:-2}
# The demo rack: nine system services.
E2E_SYSTEM="dns vector influxdb datacollector pcp-wedge pcp-bladerunner1 pcp-bladerunner2 pcp-bladerunner3 pcp-bladerunner4"
SCHEDD_N=0
ROUTED_N=0
APID_N=0
SCHEDD_PID=
ROUTED_PID=
APID_PID=

# e2e_init NAME [SIM ARGS...]
e2e_init() {
	local name=$1
	shift
	tl_init "e2e-$name"
	E2E_NAME=$name
	RUN=$TL_TMP/run
	STATE=$TL_TMP/state
	mkdir -p "$STATE"
	mkdir -m 0700 "$RUN"
	trap 'e2e_cleanup' EXIT
	if ! sim_start --fboss-port 0 "$@"; then
		not_ok "torc-sim starts"
		e2e_done
	fi
	E2E_CFG=$TL_TMP/torc.yml
	e2e_config "$ROOT/scripts/config/torc.yml" >"$E2E_CFG"
	API_PORT=$(free_ports 1)
	API=http://127.0.0.1:$API_PORT
	MASTER=127.0.0.1:$SIM_MESOS_PORT
}

# e2e_config FILE: FILE with short timers, Consul and the switch agent at
# the simulator's ports.
e2e_config() {
	sed -e '/^statesync:/,/^[a-z]/s/poll_interval_in_seconds: .*/poll_interval_in_seconds: 1/' \
	    -e '/^stateclean:/,/^[a-z]/s/poll_interval_in_seconds: .*/poll_interval_in_seconds: 1/' \
	    -e "s/^  timeout_in_seconds: .*/  timeout_in_seconds: $E2E_TIMEOUT/" \
	    -e "s/^  restart_delay_in_seconds: .*/  restart_delay_in_seconds: $E2E_RESTART/" \
	    -e '/^healthcheck:/,/^  system_services:/s/poll_interval_in_seconds: .*/poll_interval_in_seconds: 1/' \
	    -e "s/^  connection: \\\$MASTER_IP:8080$/  connection: 127.0.0.1:$SIM_SWITCH_PORT/" \
	    "$1"
	printf 'consul:\n  connection: 127.0.0.1:%s\n' "$SIM_CONSUL_PORT"
}

e2e_cleanup() {
	# Stop the daemons before the simulator, so that none of them logs
	# the simulator's disappearance as a failure of the test.
	local p
	for p in "$APID_PID" "$ROUTED_PID" "$SCHEDD_PID"; do
		[ -n "$p" ] && kill -0 "$p" 2>/dev/null && tl_stop "$p" 10
	done
	tl_cleanup
}

schedd_start() {
	SCHEDD_N=$((SCHEDD_N + 1))
	SCHEDD_LOG=$TL_TMP/schedd.$SCHEDD_N.log
	tl_spawn "$SCHEDD_LOG" "$BIN/torc-schedd" --master "$MASTER" \
	    --config "$E2E_CFG" --run-dir "$RUN" --state-dir "$STATE" \
	    --log-level "${E2E_LOG_LEVEL:-debug}" "$@"
	SCHEDD_PID=$TL_LAST_PID
}

routed_start() {
	ROUTED_N=$((ROUTED_N + 1))
	ROUTED_LOG=$TL_TMP/routed.$ROUTED_N.log
	tl_spawn "$ROUTED_LOG" "$BIN/torc-routed" --master "$MASTER" \
	    --config "$E2E_CFG" --run-dir "$RUN" --state-dir "$STATE" \
	    --log-level "${E2E_LOG_LEVEL:-debug}" "$@"
	ROUTED_PID=$TL_LAST_PID
}

apid_start() {
	APID_N=$((APID_N + 1))
	APID_LOG=$TL_TMP/apid.$APID_N.log
	tl_spawn "$APID_LOG" "$BIN/torc-apid" --master "$MASTER" \
	    --config "$E2E_CFG" --run-dir "$RUN" \
	    --listen "127.0.0.1:$API_PORT" --log-level "${E2E_LOG_LEVEL:-info}" "$@"
	APID_PID=$TL_LAST_PID
}

# trio_start: the three daemons; true once the whole demo rack runs
# and every system service resolves.
trio_start() {
	schedd_start
	routed_start
	apid_start
	wait_until 60 system_all_running && wait_until 30 system_all_dns
}

# stays SECS CMD...: CMD holds at every poll for SECS seconds (bounded
# polling for "nothing happens": the wait for the opposite to show up
# times out).
stays() {
	local secs=$1
	shift
	! wait_until "$secs" e2e_not "$@"
}
e2e_not() { ! "$@"; }

# kill_hard PID: SIGKILL and reap.
kill_hard() {
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# --- the REST API ---------------------------------------------------

# api PATH [CURL ARGS...]: body of GET PATH (or per the args).
api() {
	local p=$1
	shift
	curl -s -m 5 "$@" "$API$p"
}

# api_code METHOD PATH [CURL ARGS...]: the HTTP status only.
api_code() {
	local m=$1 p=$2
	shift 2
	curl -s -m 5 -o /dev/null -w '%{http_code}' -X "$m" "$@" "$API$p"
}

# svc NAME FIELD: FIELD of service NAME in GET /services ("" if absent).
svc() {
	api /services 2>/dev/null |
	    jq -r --arg n "$1" --arg f "$2" \
	    '.[] | select(.name == $n) | .[$f] // "" | tostring' 2>/dev/null
}

# running_names: names of the running services, one a line, sorted.
running_names() {
	api /services/running 2>/dev/null | jq -r '.[].name' 2>/dev/null | sort
}

system_all_running() {
	local n
	n=$(api /services 2>/dev/null | jq '[.[] | select(.is_system_service
	    and .state == "Running")] | length' 2>/dev/null)
	[ "${n:-0}" = 9 ]
}

# --- DNS, Consul, the switch, the master -----------------------------

# dns NAME: the A records of NAME.service.torc, sorted, one a line.
dns() {
	dig +short +time=1 +tries=2 @127.0.0.1 -p "$SIM_DNS_PORT" \
	    "$1.service.torc" A 2>/dev/null | sort
}

# dns_is NAME ADDR: NAME resolves to ADDR alone.
dns_is() { [ -n "$2" ] && [ "$(dns "$1")" = "$2" ]; }
# dns_none NAME: NAME does not resolve.
dns_none() { [ -z "$(dns "$1")" ]; }

# consul_table: "name address" of every entry in the sim's DNS table.
consul_table() {
	sim_ctl GET /consul/dns 2>/dev/null |
	    jq -r '.names | to_entries[] | "\(.key) \(.value | join(","))"' 2>/dev/null |
	    sort
}

system_all_dns() {
	local s ip
	for s in $E2E_SYSTEM; do
		ip=$(svc "$s" ip)
		[ -n "$ip" ] && dns_is "$s" "$ip" || return 1
	done
}

# routes: "prefix nexthop" of every route on the simulated switch.
routes() {
	sim_ctl GET /switch/routes 2>/dev/null |
	    jq -r '.routes[] | "\(.prefix) \(.nexthop)"' 2>/dev/null | sort
}

# route_of PREFIX: its next hop on the switch, or "".
route_of() {
	routes | awk -v p="$1" '$1 == p {print $2}'
}

# sim_live NAME: live (non-terminal) tasks of service NAME in the sim.
sim_live() {
	sim_ctl GET /mesos/tasks 2>/dev/null | jq --arg n "$1" '[.tasks[] |
	    select(.name == $n and (.state | test("STAGING|STARTING|RUNNING|KILLING")))]
	    | length' 2>/dev/null
}

# sim_task_ids: every task id the sim ever saw (live or not), sorted.
sim_task_ids() {
	sim_ctl GET /mesos/tasks 2>/dev/null | jq -r '.tasks[].id' 2>/dev/null | sort
}

# sim_dups: names with more than one live task, one a line.
sim_dups() {
	sim_ctl GET /mesos/tasks 2>/dev/null | jq -r '.tasks[] |
	    select(.state | test("STAGING|STARTING|RUNNING|KILLING")) | .name' \
	    2>/dev/null | sort | uniq -d
}

# sim_post PATH JSON: POST to the control API, true on a 2xx.
sim_post() {
	curl -fsS -m 10 -o /dev/null -X POST -H 'Content-Type: application/json' \
	    -d "${2:-{\}}" "$SIM_CONTROL$1"
}

# --- the bus ----------------------------------------------------------

# ask SOCKET ARGS...: a torcctl-encoded request on SOCKET (schedd or
# routed), the decoded reply on stdout.
ask() {
	local s=$1 req
	shift
	req=$TL_TMP/req.$BASHPID
	"$TORCCTL" encode "$@" >"$req" || return 1
	timeout 10 nngcat --req --connect "ipc://$RUN/$s.ipc" --file "$req" \
	    --raw --recv-timeout 5 2>/dev/null | "$TORCCTL" decode
}

# --- logs -------------------------------------------------------------

# alive PID...: every PID still runs.
alive() {
	local p
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null || return 1
	done
}

# log_count FILE REGEX: matching lines in FILE.
log_count() {
	grep -cE "$2" "$1" 2>/dev/null || true
}

# no_sanitizer_report: no AddressSanitizer/UBSan report in any log.
no_sanitizer_report() {
	! grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	    "$TL_TMP"/*.log >/dev/null 2>&1
}

e2e_done() {
	local f dest
	if [ "$TL_FAILED" -ne 0 ]; then
		for f in "$TL_TMP"/*.log; do
			[ -f "$f" ] || continue
			diag "--- last lines of $(basename "$f") ---"
			diag "$(tail -25 "$f")"
		done
		if [ -d "$TORC_BUILD/test-logs" ]; then
			dest=$TORC_BUILD/test-logs/e2e-$E2E_NAME
			mkdir -p "$dest" && cp "$TL_TMP"/*.log "$E2E_CFG" "$dest/" \
			    2>/dev/null && diag "logs kept in $dest"
		fi
	fi
	tl_done
}
