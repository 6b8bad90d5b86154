#!/usr/bin/env bash
# test_e2e_master.sh BUILD - the Mesos master misbehaves under a running
# rack, end to end: torc-schedd is pointed at a standby master that
# redirects it to the leader; then the stream is dropped, heartbeats stop
# (with a 1 s heartbeat interval, so the watchdog fires within 5 s), no
# leader is elected for a while, the master fails over, and torc-schedd is
# killed with SIGKILL and started again.  After each: subscribed again with
# the same framework id, reconciled, no task launched twice, and no DNS
# entry or route of a live service removed on the way (Consul's and the
# switch's request logs show no deregister and no delete).
set -u
BUILD=${1:?usage: $0 BUILD}
. "$(dirname "$0")/e2e_lib.sh"
e2e_init master --heartbeat-interval 1

# A second master, a standby that redirects to the leader (the first).
mapfile -t SB < <(free_ports 5)
SB_LOG=$TL_TMP/torc-sim-standby.log
tl_spawn "$SB_LOG" "$BUILD/tests/sim/torc-sim" --config "$ROOT/scripts/config/torc.yml" \
    --mesos-port "${SB[0]}" --consul-port "${SB[1]}" --dns-port "${SB[2]}" \
    --switch-port "${SB[3]}" --control-port "${SB[4]}" --fboss-port 0
SB_PID=$TL_LAST_PID
sb_ready() {
	grep -q '^torc-sim ready:' "$SB_LOG" 2>/dev/null &&
	    curl -fsS -m 2 -o /dev/null "http://127.0.0.1:${SB[4]}/health"
}
sb_ctl() {
	curl -sS -m 10 -X "$1" -H 'Content-Type: application/json' \
	    ${3:+-d "$3"} "http://127.0.0.1:${SB[4]}$2"
}
check "a standby master starts" wait_until 20 sb_ready
like "it redirects to the leader" \
    "$(sb_ctl POST /mesos/standby "{\"leader\":\"127.0.0.1:$SIM_MESOS_PORT\"}")" '"ok"'
MASTER=127.0.0.1:${SB[0]}

check "the trio starts (schedd told the standby) and every system service runs" \
    trio_start
check "schedd was redirected by the standby to the leader" \
    grep -q "127.0.0.1:${SB[0]} is not the leader, http://127.0.0.1:$SIM_MESOS_PORT is" \
    "$SCHEDD_LOG"
is "the standby has no framework" "$(sb_ctl GET /mesos/frameworks | jq '.frameworks | length')" 0
is "the leader has one, connected" \
    "$(sim_ctl GET /mesos/frameworks | jq -r '[.frameworks[] | .connected] | join(",")')" true
api '/start/group?name=dns-sl' -o /dev/null
sl_running() { [ "$(svc dns-sl1 state)" = Running ]; }
check "dns-sl1 runs" wait_until 20 sl_running
SL_IP=$(svc dns-sl1 ip)
sl_routed() { [ "$(route_of "$SL_IP/32")" = 10.250.3.21 ]; }
check "and is routed" wait_until 10 sl_routed
check "and resolves" wait_until 10 dns_is dns-sl1 "$SL_IP"
FWID=$(cat "$STATE/framework_id")
like "the framework id is on disk" "$FWID" '-0000$'

# The state every fault must leave as it was.
TASKS=$(sim_task_ids)
DNS_TABLE=$(consul_table)
ROUTES=$(routes)
is "the master has ten tasks" "$(printf '%s\n' "$TASKS" | wc -l)" 10

subscribed_count() {
	cat "$TL_TMP"/schedd.*.log 2>/dev/null | grep -c 'info: subscribed to '
}
# mark: clear the request logs, remember the subscription count.
mark() {
	sim_ctl DELETE /consul/requests >/dev/null
	sim_ctl DELETE /switch/requests >/dev/null
	sim_ctl DELETE /mesos/calls >/dev/null
	SUBS=$(subscribed_count)
	LOG_MARK=$(cat "$TL_TMP"/schedd.*.log | wc -l)
}
# since_mark REGEX: schedd's log lines since the mark that match.
since_mark() {
	cat "$TL_TMP"/schedd.*.log | tail -n +"$((LOG_MARK + 1))" | grep -cE "$1"
}
resubscribed() { [ "$(subscribed_count)" -gt "$SUBS" ]; }
# reconciled: since the mark, a SUBSCRIBE accepted, then a RECONCILE
# accepted, both with the framework id on disk.
reconciled() {
	sim_ctl GET /mesos/calls | jq -e --arg f "$FWID" '
	    [.calls[] | select(.status == 200 or .status == 202)] as $c |
	    ([$c[] | select(.type == "SUBSCRIBE" and
	        .call.subscribe.framework_info.id.value == $f)] | length) > 0 and
	    ([$c[] | select(.type == "RECONCILE" and .framework_id == $f)] |
	        length) > 0' >/dev/null 2>&1
}
removals() {
	{
		sim_ctl GET /consul/requests | jq -r '.requests[] |
		    select(.path | startswith("/v1/agent/service/deregister")) |
		    "consul \(.method) \(.path)"'
		sim_ctl GET /switch/requests | jq -r '.requests[] |
		    select(.method == "DELETE") | "switch \(.method) \(.path) \(.body)"'
	} 2>/dev/null
}
settled() {
	[ "$(consul_table)" = "$DNS_TABLE" ] && [ "$(routes)" = "$ROUTES" ] &&
	    system_all_running && sl_running
}
# after FAULT: the checks every fault ends with.
after() {
	check "$1: subscribed again" wait_until 40 resubscribed
	check "$1: with the same framework id, then reconciled" \
	    wait_until 30 reconciled
	check "$1: every service runs, DNS and routes as before" \
	    wait_until 30 settled
	is "$1: the framework id is unchanged" "$(cat "$STATE/framework_id")" "$FWID"
	is "$1: the master knows the same tasks (nothing launched again)" \
	    "$(sim_task_ids)" "$TASKS"
	is "$1: no service has two live tasks" "$(sim_dups)" ""
	is "$1: no DNS entry or route was removed meanwhile" "$(removals)" ""
	is "$1: the master has one framework" \
	    "$(sim_ctl GET /mesos/frameworks | jq '.frameworks | length')" 1
}

# --- the stream dropped -----------------------------------------------
mark
sim_post /mesos/stream/close '{}'
after "stream closed"

# --- heartbeats stop while other events flow: the stream is alive ------
mark
sim_post /mesos/heartbeats/stop '{}'
kept() { [ "$(since_mark 'subscription lost')" -eq 0 ]; }
check "heartbeats alone stop, updates flow: the stream is kept" stays 6 kept
is "and nothing was removed" "$(removals)" ""
sim_post /mesos/heartbeats/start '{}'

# --- heartbeats stop, and every other event with them ------------------
mark
sim_post /mesos/heartbeats/stop '{"all_events":true}'
lost_hb() {
	grep -q 'subscription lost: .*\(heartbeat\|silent\|no byte\|nothing\)' \
	    "$SCHEDD_LOG"
}
check "heartbeats stopped: the watchdog drops the silent stream" \
    wait_until 20 lost_hb
if ! lost_hb; then
	diag "$(grep 'subscription lost' "$SCHEDD_LOG" | tail -3)"
fi
sim_post /mesos/heartbeats/start '{}'
after "heartbeats stopped"

# --- no leader for a while, then the leader back ----------------------
mark
sim_post /mesos/noleader '{}'
sim_post /mesos/stream/close '{}'
refused() { [ "$(since_mark 'SUBSCRIBE to .*: 503')" -ge 2 ]; }
check "no leader: subscriptions are refused (503) and retried" \
    wait_until 20 refused
sim_post /mesos/leader '{}'
after "no leader, then a leader"
# The retries grew the backoff; a subscription that holds for four
# heartbeat intervals starts it over.
held() { [ "$(since_mark 'subscription lost')" -eq "$LOST0" ]; }
LOST0=$(since_mark 'subscription lost')
check "the new subscription holds" stays 5 held

# --- master failover ----------------------------------------------------
mark
old_mid=$(sim_ctl GET /mesos/info | jq -r .master_id)
sim_post /mesos/failover '{"reregister_delay_ms":1000}'
is "the master failed over (new master id)" \
    "$( [ "$(sim_ctl GET /mesos/info | jq -r .master_id)" != "$old_mid" ] && echo yes)" yes
after "master failover"

# --- 6. torc-schedd killed and started again ---------------------------
mark
kill_hard "$SCHEDD_PID"
check "torc-schedd is gone after SIGKILL" tl_gone "$SCHEDD_PID"
schedd_start
after "schedd SIGKILL and restart"
is "the restarted schedd launched nothing (no ACCEPT)" \
    "$(sim_ctl GET /mesos/calls | jq '[.calls[] | select(.type == "ACCEPT")] | length')" 0
check "routed followed the new schedd" \
    wait_until 10 grep -q 'synced with torc-schedd' "$ROUTED_LOG"

check "torc-schedd, torc-routed and torc-apid are still running" \
    alive "$SCHEDD_PID" "$ROUTED_PID" "$APID_PID"
check "no sanitizer report in any log" no_sanitizer_report
e2e_done
