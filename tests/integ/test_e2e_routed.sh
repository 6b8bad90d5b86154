#!/usr/bin/env bash
# test_e2e_routed.sh BUILD - torc-routed's side end to end.  routed killed
# with SIGKILL and started again: it resyncs without withdrawing anything,
# removes what went stale while it was away, and puts back a route and a
# DNS entry deleted behind its back.  Consul and the switch down (refused
# connections, 500s, requests held unanswered) while the rack changes:
# once they are back everything converges to what runs, nothing is lost,
# and an operator's route and a foreign Consul entry are never touched.
set -u
BUILD=${1:?usage: $0 BUILD}
. "$(dirname "$0")/e2e_lib.sh"
e2e_init routed

check "the trio starts and every system service runs" trio_start
api '/start/group?name=dns-sl' -o /dev/null
sl_running() { [ "$(svc dns-sl1 state)" = Running ]; }
check "dns-sl1 runs" wait_until 20 sl_running

# Entries that are not torc's: an operator's route, a foreign service.
sim_post /switch/add '{"prefix":"10.99.0.0/16","nexthop":"10.250.3.24"}'
sim_post /consul/register '{"ID":"ops-web","Name":"ops-web","Address":"10.99.0.7"}'

# What Consul and the switch must hold: every running service with an
# address, the scheduler, the dns-addons and the foreign entry; a /32
# per running torc-network service via its node's external_ip, and the
# operator's route.
expected_dns() {
	{
		api /services/running | jq -r '.[] | select(.ip != "") | "\(.name) \(.ip)"'
		printf '%s\n' "torc-scheduler 127.0.0.1" "etcd 127.0.0.1" \
		    "network-agent 127.0.0.1" "mesos-master 127.0.0.1" \
		    "ops-web 10.99.0.7"
	} | sort
}
expected_routes() {
	{
		api /services/running | jq -r --argjson ext "$(api /nodes |
		    jq 'map({(.name): .external_ip}) | add')" '.[] |
		    select(.network_type != "host" and .network_type != "none") |
		    "\(.ip)/32 \($ext[.node_name])"'
		echo "10.99.0.0/16 10.250.3.24"
	} | sort
}
converged() {
	local want
	want=$(expected_dns) || return 1
	[ "$(consul_table)" = "$want" ] || return 1
	want=$(expected_routes) || return 1
	[ "$(routes)" = "$want" ]
}
show_diff() {
	diag "$(diff <(expected_dns) <(consul_table))"
	diag "$(diff <(expected_routes) <(routes))"
}
# converges DESC: wait until Consul and the switch hold what runs.
converges() {
	if wait_until "${2:-30}" converged; then
		ok "$1"
	else
		not_ok "$1"
		show_diff
	fi
}
removals() {
	{
		sim_ctl GET /consul/requests | jq -r '.requests[] |
		    select(.path | startswith("/v1/agent/service/deregister")) |
		    "consul \(.path)"'
		sim_ctl GET /switch/requests | jq -r '.requests[] |
		    select(.method == "DELETE") | "switch \(.body.DestinationNw)"'
	} 2>/dev/null
}
clear_logs() {
	sim_ctl DELETE /consul/requests >/dev/null
	sim_ctl DELETE /switch/requests >/dev/null
}

converges "Consul and the switch hold exactly what runs, plus the foreign entries"
SL_IP=$(svc dns-sl1 ip)

# --- 7. routed killed and started again --------------------------------
clear_logs
kill_hard "$ROUTED_PID"
check "torc-routed is gone after SIGKILL" tl_gone "$ROUTED_PID"
routed_start
check "the restarted routed syncs with schedd" wait_until 20 \
    sh -c "grep -q 'synced with torc-schedd' '$ROUTED_LOG'"
# Until it has listed both systems and acted, nothing is known; the
# status request answers once it runs.
routed_idle() {
	[ "$(api /routes | jq -r '[.[] | select(.status == "programmed")] | length')" = 1 ] &&
	    [ "$(api /dns | jq -r '[.[] | select(.status != "programmed")] | length')" = 0 ]
}
check "its status shows every entry programmed" wait_until 20 routed_idle
converges "after the restart Consul and the switch are unchanged"
is "the restart withdrew no DNS entry and no route" "$(removals)" ""
is "and created nothing on the switch (the owned route was kept)" \
    "$(sim_ctl GET /switch/requests | jq '[.requests[] | select(.method == "POST")] | length')" 0

sim_post /switch/delete "{\"prefix\":\"$SL_IP/32\"}"
sim_post /consul/delete '{"id":"torc-dns"}'
check "a route deleted behind routed's back comes back" wait_until 15 \
    sh -c "curl -sS -m 5 $SIM_CONTROL/switch/routes | grep -q '\"$SL_IP/32\"'"
check "a DNS entry deleted behind its back comes back" wait_until 15 dns_is dns 127.0.0.1
converges "everything is as it was"

# Changes while routed is away: deleted entries, a service killed.
kill_hard "$ROUTED_PID"
sim_post /switch/delete "{\"prefix\":\"$SL_IP/32\"}"
sim_post /consul/delete '{"id":"torc-influxdb"}'
api '/start/group?name=torc-dns-scheduler' -o /dev/null
tds_running() { [ "$(svc torc-dns-scheduler state)" = Running ]; }
check "a group started while routed is down runs" wait_until 20 tds_running
routed_start
converges "routed, back, puts back what was deleted and adds the new service"
api '/service?name=dns-sl1' -X DELETE -o /dev/null
kill_hard "$ROUTED_PID"
sl_gone() { [ -z "$(svc dns-sl1 name)" ]; }
check "dns-sl1 is killed while routed is down" wait_until 20 sl_gone
routed_start
converges "routed, back, removes dns-sl1's route and DNS entry (stale, its own)"
check "the operator's route is still there" \
    sh -c "curl -sS -m 5 $SIM_CONTROL/switch/routes | grep -q '10.99.0.0/16'"
check "the foreign Consul entry is still there" dns_is ops-web 10.99.0.7

# --- 8. Consul and the switch down, then back --------------------------
# fault MODE: both systems in MODE.
fault() {
	sim_post /consul/fault "{\"mode\":\"$1\"}" &&
	    sim_post /switch/fault "{\"mode\":\"$1\"}"
}
unreachable() {
	api /metrics | grep -q "torc_routed_system_reachable{system=\"$1\"} 0"
}
down_and_back() {
	local mode=$1
	fault "$mode"
	check "$mode: routed sees Consul unreachable" wait_until 20 unreachable consul
	check "$mode: and the switch's agent unreachable" wait_until 20 unreachable snaproute
	# The rack changes while both are down.
	api '/start/group?name=dns-sl' -o /dev/null
	check "$mode: dns-sl1 starts meanwhile" wait_until 20 sl_running
	api '/service?name=torc-dns-scheduler' -X DELETE -o /dev/null
	tds_gone() { [ -z "$(svc torc-dns-scheduler name)" ]; }
	check "$mode: torc-dns-scheduler is killed meanwhile" wait_until 20 tds_gone
	old=$(svc pcp-bladerunner2 task_id)
	sim_post /mesos/task/fail "{\"task_id\":\"$old\"}"
	pcp2_back() {
		[ "$(svc pcp-bladerunner2 state)" = Running ] &&
		    [ "$(svc pcp-bladerunner2 task_id)" != "$old" ]
	}
	check "$mode: pcp-bladerunner2 fails and is restarted meanwhile" \
	    wait_until 30 pcp2_back
	pending=$(api /routes | jq -r '.[] | select(.name == "dns-sl1") | .status')
	like "$mode: dns-sl1's route is not programmed yet" "$pending" '^(pending|failed)$'
	fault none
	converges "$mode: back up, Consul and the switch converge to what runs" 30
	check "$mode: routed sees both reachable again" wait_until 20 sh -c \
	    "! curl -s -m 5 $API/metrics | grep -q 'torc_routed_system_reachable{.*} 0'"
	api '/service?name=dns-sl1' -X DELETE -o /dev/null
	check "$mode: dns-sl1 is killed" wait_until 20 sl_gone
	api '/start/group?name=torc-dns-scheduler' -o /dev/null
	check "$mode: torc-dns-scheduler runs again" wait_until 20 tds_running
	converges "$mode: and both systems follow at once"
}
down_and_back refuse
down_and_back 500
down_and_back hang
check "routed logged the systems unreachable, with the reason" \
    grep -qE '(consul|snaproute).*unreachable' "$ROUTED_LOG"
check "the operator's route survived it all" \
    sh -c "curl -sS -m 5 $SIM_CONTROL/switch/routes | grep -q '10.99.0.0/16'"
check "the foreign Consul entry survived it all" dns_is ops-web 10.99.0.7

check "torc-schedd, torc-routed and torc-apid are still running" \
    alive "$SCHEDD_PID" "$ROUTED_PID" "$APID_PID"
check "no sanitizer report in any log" no_sanitizer_report
e2e_done
