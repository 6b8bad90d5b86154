#!/usr/bin/env bash
# demo.sh start|stop|status - the trio under a real supervisord, against
# torc-sim playing the demo rack (scripts/config/torc.yml): a Mesos
# master with one agent per node, Consul with its DNS, a FlexSwitch agent.
#
# Everything lives under $TORC_DEMO_DIR (default /tmp/torc-demo): the
# supervisord socket, logs, IPC sockets and state.  The supervisord files
# are the shipped scripts/supervisord.conf and scripts/torc.conf with their
# paths pointed there.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
DEMO=${TORC_DEMO_DIR:-/tmp/torc-demo}
CONFIG=${TORC_DEMO_CONFIG:-$ROOT/scripts/config/torc.yml}
BIN=$ROOT/$BUILD/bin
SIM=$ROOT/$BUILD/tests/sim/torc-sim
CONF=$DEMO/conf/supervisord.conf

ctl() { supervisorctl -c "$CONF" "$@"; }

running() {
	[ -S "$DEMO/run/supervisor.sock" ] && ctl pid >/dev/null 2>&1
}

# wait_until SECONDS CMD...: poll CMD until it succeeds or time runs out.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.2
	done
}

system_services_running() {
	local n
	n=$(curl -sf localhost:3000/services | jq '[.[] |
	    select(.is_system_service)] as $s | if ($s | length) > 0 and
	    ([$s[] | select(.state != "Running")] | length) == 0
	    then 0 else 1 end') || return 1
	[ "$n" = 0 ]
}

start() {
	if running; then
		echo "demo already running (make demo-stop first)"
		exit 0
	fi
	for port in 3000 5050 5051 8080 8500; do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "port $port is in use; the demo needs it" >&2
			exit 1
		fi
	done
	rm -rf "$DEMO"
	mkdir -p "$DEMO/conf" "$DEMO/log" "$DEMO/state"
	mkdir -p -m 0700 "$DEMO/run"
	"$ROOT/scripts/supervisord-render.sh" "$DEMO/conf" BIN="$BIN" \
	    CONFIG="$CONFIG" STATE="$DEMO/state" RUN="$DEMO/run" LOG="$DEMO/log"
	{
		cat <<EOC
; torc-sim: the simulated rack the demo runs against.
[program:torc-sim]
command=$SIM --config $CONFIG --master-ip 127.0.0.1
priority=100
autorestart=true
stopsignal=TERM
stdout_logfile=$DEMO/log/torc-sim.log
stderr_logfile=$DEMO/log/torc-sim.log

EOC
		cat "$DEMO/conf/torc.conf"
	} >"$DEMO/conf/torc.conf.new"
	mv "$DEMO/conf/torc.conf.new" "$DEMO/conf/torc.conf"
	supervisord -c "$CONF"
	if ! wait_until 30 curl -sf http://127.0.0.1:3000/admin/ping; then
		echo "torc-apid did not answer within 30 s; logs in $DEMO/log" >&2
		ctl status || true
		exit 1
	fi
	# The demo is ready when every system service runs.
	if ! wait_until 60 system_services_running; then
		echo "system services not all running after 60 s:" >&2
		curl -s localhost:3000/services/pending >&2 || true
	fi
	# supervisord calls a program RUNNING once it stayed up startsecs.
	wait_until 15 sh -c "[ \$(supervisorctl -c '$CONF' status | \
	    grep -c RUNNING) -eq 4 ]" || true
	ctl status
	cat <<EOT

torc is running against the simulated rack (logs in $DEMO/log).
Try:
  curl -s localhost:3000/services/running | jq -c '.[] | [.name, .node_name, .ip]'
  curl -s localhost:3000/nodes | jq -c '.[] | [.name, .active]'
  curl -s 'localhost:3000/start/group?name=dns-sl'      # dns-sl1 on the torc network
  curl -s localhost:3000/routes | jq .                  # its /32 route, as programmed
  curl -s localhost:5051/switch/routes | jq .           # the route on the simulated switch
  dig +short @127.0.0.1 -p 8600 dns-sl1.service.torc
  dig +short @127.0.0.1 -p 8600 dns.service.torc
  curl -s -X DELETE 'localhost:3000/service?name=dns-sl1'   # route and DNS entry go
  curl -s localhost:3000/metrics | grep '^torc_'
  nngcat --sub --connect ipc://$DEMO/run/events.ipc --subscribe "" \\
    --msgpack | $BIN/torcctl decode                      # watch the bus
  supervisorctl -c $CONF status
Stop it with: make demo-stop
EOT
}

stop() {
	if ! running; then
		echo "demo not running"
		return 0
	fi
	ctl shutdown >/dev/null
	wait_until 30 sh -c "! test -S '$DEMO/run/supervisor.sock' || \
	    ! supervisorctl -c '$CONF' pid" || true
	echo "demo stopped"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) ctl status ;;
*) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
