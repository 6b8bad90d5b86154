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
	# supervisord calls a program RUNNING once it stayed up startsecs.
	wait_until 15 sh -c "[ \$(supervisorctl -c '$CONF' status | \
	    grep -c RUNNING) -eq 4 ]" || true
	ctl status
	cat <<EOT

torc is running against the simulated rack (logs in $DEMO/log).
Try:
  curl localhost:3000/admin/ping
  curl -s localhost:5051/mesos/agents | jq .        # the simulated agents
  $BIN/torcctl encode query nodes > /tmp/q && \\
    nngcat --req --connect ipc://$DEMO/run/schedd.ipc --file /tmp/q --raw | \\
    $BIN/torcctl decode | jq .
  nngcat --sub --connect ipc://$DEMO/run/events.ipc --subscribe "" \\
    --msgpack | $BIN/torcctl decode                  # watch the bus
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
