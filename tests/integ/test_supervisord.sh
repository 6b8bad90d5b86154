#!/usr/bin/env bash
# test_supervisord.sh BUILD - supervisord runs the trio from the shipped
# scripts/supervisord.conf and scripts/torc.conf (paths pointed at a temp
# dir), restarts a daemon that was killed, and the others carry on: the
# restarted schedd is noticed by routed, which resyncs.
set -u
BUILD=${1:?usage: test_supervisord.sh BUILD}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export TORC_BUILD=${TORC_BUILD:-$ROOT/$BUILD}
. "$ROOT/tests/lib/testlib.sh"
tl_init supervisord
cd "$ROOT"

CONF=$TL_TMP/conf
mkdir -p "$TL_TMP/log" "$TL_TMP/state"
mkdir -m 0700 "$TL_TMP/run"
sed 's/^\(  *poll_interval_in_seconds:\) 10$/\1 1/' scripts/config/torc.yml \
    >"$TL_TMP/torc.yml"
mapfile -t P < <(free_ports 2)
scripts/supervisord-render.sh "$CONF" BIN="$TORC_BUILD/bin" \
    CONFIG="$TL_TMP/torc.yml" STATE="$TL_TMP/state" RUN="$TL_TMP/run" \
    LOG="$TL_TMP/log" MASTER="127.0.0.1:${P[0]}" LISTEN="127.0.0.1:${P[1]}"

ctl() { supervisorctl -c "$CONF/supervisord.conf" "$@"; }
all_running() {
	[ "$(ctl status 2>/dev/null | grep -c RUNNING)" -eq 3 ]
}
pid_of() { ctl pid "torc:$1" 2>/dev/null; }

check "supervisord starts from the shipped config" \
    supervisord -c "$CONF/supervisord.conf"
stop_supervisord() { ctl shutdown >/dev/null 2>&1; }
trap 'stop_supervisord; tl_cleanup' EXIT
check "all three daemons reach RUNNING" wait_until 30 all_running
check "torc-apid answers on the rendered --listen address" wait_until 10 \
    curl -fsS -m 2 -o /dev/null "http://127.0.0.1:${P[1]}/admin/ping"

check "torc-routed syncs from schedd" wait_until 10 \
    sh -c "[ \$(grep -c 'synced with torc-schedd' '$TL_TMP/log/torc-routed.log') -ge 1 ]"
# Each sync names the schedd instance (random per process) it came from.
instances() {
	grep -o 'synced with torc-schedd (instance [0-9a-f]*' \
	    "$TL_TMP/log/torc-routed.log" | awk '{print $NF}'
}
first=$(instances | head -1)
old=$(pid_of torc-schedd)
kill -KILL "$old"
restarted() {
	local p
	p=$(pid_of torc-schedd)
	[ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$old" ] && all_running
}
check "a killed torc-schedd is restarted by supervisord" wait_until 30 restarted
resynced() { instances | grep -qv "^$first\$"; }
check "torc-routed notices the new schedd and resyncs" wait_until 15 resynced
check "torc-apid kept running meanwhile" \
    curl -fsS -m 2 -o /dev/null "http://127.0.0.1:${P[1]}/admin/ping"

old=$(pid_of torc-apid)
kill -KILL "$old"
apid_back() {
	local p
	p=$(pid_of torc-apid)
	[ -n "$p" ] && [ "$p" != "$old" ] &&
	    curl -fsS -m 2 -o /dev/null "http://127.0.0.1:${P[1]}/admin/ping"
}
check "a killed torc-apid comes back and answers" wait_until 30 apid_back

ctl shutdown >/dev/null
gone() { ! [ -S "$TL_TMP/run/supervisor.sock" ] || ! ctl pid >/dev/null 2>&1; }
check "supervisord shuts down with its programs" wait_until 30 gone
if pgrep -f -- "--run-dir $TL_TMP/run" >/dev/null; then
	not_ok "no daemon is left running"
else
	ok "no daemon is left running"
fi
tl_done
