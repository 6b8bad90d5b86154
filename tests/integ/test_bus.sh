#!/usr/bin/env bash
# test_bus.sh BUILD - the three daemons on one bus: sockets under the run
# dir (0700), Debian's nngcat talks to them with torcctl's help, torc-routed
# syncs from torc-schedd's snapshot, garbage gets an error reply and no
# daemon exits, SIGTERM stops each one cleanly.
set -u
BUILD=${1:?usage: test_bus.sh BUILD}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export TORC_BUILD=${TORC_BUILD:-$ROOT/$BUILD}
. "$ROOT/tests/lib/testlib.sh"
tl_init bus
cd "$ROOT"

BIN=$TORC_BUILD/bin
RUN=$TL_TMP/run
STATE=$TL_TMP/state
CFG=$TL_TMP/torc.yml
# The demo rack with a one-second statesync, so status arrives quickly.
sed 's/^\(  *poll_interval_in_seconds:\) 10$/\1 1/' scripts/config/torc.yml >"$CFG"
PORT=$(free_ports 1)

tl_spawn "$TL_TMP/schedd.log" "$BIN/torc-schedd" --master 127.0.0.1:1 \
    --config "$CFG" --run-dir "$RUN" --state-dir "$STATE"
SCHEDD=$TL_LAST_PID
tl_spawn "$TL_TMP/routed.log" "$BIN/torc-routed" --master 127.0.0.1:1 \
    --config "$CFG" --run-dir "$RUN" --state-dir "$STATE"
ROUTED=$TL_LAST_PID
tl_spawn "$TL_TMP/apid.log" "$BIN/torc-apid" --master 127.0.0.1:1 \
    --config "$CFG" --run-dir "$RUN" --listen 127.0.0.1:$PORT
APID=$TL_LAST_PID

sockets_up() {
	[ -S "$RUN/schedd.ipc" ] && [ -S "$RUN/events.ipc" ] &&
	    [ -S "$RUN/routed.ipc" ]
}
check "the three sockets appear under the run dir" wait_until 10 sockets_up
is "the run dir is mode 0700" "$(stat -c %a "$RUN")" 700

# req: torcctl encodes, nngcat carries, torcctl decodes.
"$BIN/torcctl" encode query nodes >"$TL_TMP/q"
reply=$(timeout 10 nngcat --req --connect "ipc://$RUN/schedd.ipc" \
    --file "$TL_TMP/q" --raw --recv-timeout 5 | "$BIN/torcctl" decode)
like "a query made with nngcat --req gets a decoded reply" \
    "$reply" '"type":"QUERY_REP"'
is "the reply lists the five configured nodes" \
    "$(printf '%s' "$reply" | jq '.payload.nodes | length')" 5

# sub: nngcat --msgpack frames each message; torcctl decodes the stream.
line=$(timeout 10 nngcat --sub --connect "ipc://$RUN/events.ipc" \
    --subscribe "" --msgpack --count 1 | "$BIN/torcctl" decode)
like "a subscriber sees schedd's status as one JSON line" \
    "$line" '^\{"topic":"sched\.","type":"SCHED_STATUS","seq":[0-9]+,'

synced() { grep -q "synced with torc-schedd" "$TL_TMP/routed.log"; }
check "torc-routed syncs from schedd's snapshot" wait_until 10 synced

"$BIN/torcctl" encode routed-status >"$TL_TMP/r"
reply=$(timeout 10 nngcat --req --connect "ipc://$RUN/routed.ipc" \
    --file "$TL_TMP/r" --raw --recv-timeout 5 | "$BIN/torcctl" decode)
like "torc-routed answers a status request" "$reply" \
    '"type":"ROUTED_STATUS_REP"'

# Garbage on every REP socket: an ERROR reply, and the daemon lives on.
for s in schedd routed; do
	reply=$(timeout 10 nngcat --req --connect "ipc://$RUN/$s.ipc" \
	    --data "this is not msgpack" --raw --recv-timeout 5 |
	    "$BIN/torcctl" decode)
	like "garbage to $s.ipc gets an ERROR reply" "$reply" \
	    '"type":"ERROR".*"code":400'
done
# A message of the wrong type (a reply sent as a request).
"$BIN/torcctl" encode sync >"$TL_TMP/s"
reply=$(timeout 10 nngcat --req --connect "ipc://$RUN/routed.ipc" \
    --file "$TL_TMP/s" --raw --recv-timeout 5 | "$BIN/torcctl" decode)
like "a request routed does not serve gets an ERROR reply" "$reply" \
    '"type":"ERROR"'
check "torc-schedd is still running" kill -0 "$SCHEDD"
check "torc-routed is still running" kill -0 "$ROUTED"

check "torc-apid answers /admin/ping" \
    wait_until 10 curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$PORT/admin/ping"

for p in "$APID:apid" "$ROUTED:routed" "$SCHEDD:schedd"; do
	tl_stop "${p%%:*}"
	is "torc-${p##*:} exits 0 on SIGTERM" "$TL_STATUS" 0
done
tl_done
