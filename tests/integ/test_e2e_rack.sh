#!/usr/bin/env bash
# test_e2e_rack.sh BUILD - the trio against torc-sim's demo rack, checked
# from the outside (REST, Consul's DNS, the switch's table, the master's
# tasks): the rack comes up with every system service where its
# constraints say, each resolving, and torc-network services routed; a
# group starts once however often it is asked, and a kill takes its DNS
# entry and route away; a failed system task comes back after the restart
# delay, an on-demand service that ends is removed; a restarted torc-apid
# answers the same data.
set -u
BUILD=${1:?usage: $0 BUILD}
. "$(dirname "$0")/e2e_lib.sh"
e2e_init rack

# --- 1. the demo rack comes up ----------------------------------------
check "the trio starts and every system service of the demo rack runs" \
    trio_start
for s in dns vector; do
	is "$s runs on the controller wedge (node_function controller)" \
	    "$(svc $s node_name)" wedge
done
for n in wedge bladerunner1 bladerunner2 bladerunner3 bladerunner4; do
	is "pcp-$n runs on $n (singleton_each_node)" "$(svc pcp-$n node_name)" "$n"
done
for s in influxdb datacollector; do
	is "$s runs on bladerunner3 (node_name)" "$(svc $s node_name)" bladerunner3
done
is "the master's tasks are the nine system services, one each" \
    "$(sim_ctl GET /mesos/tasks | jq -r '.tasks[] |
        select(.state == "TASK_RUNNING") | "\(.name)@\(.agent)"' | sort | tr '\n' ' ')" \
    "datacollector@bladerunner3 dns@wedge influxdb@bladerunner3 pcp-bladerunner1@bladerunner1 pcp-bladerunner2@bladerunner2 pcp-bladerunner3@bladerunner3 pcp-bladerunner4@bladerunner4 pcp-wedge@wedge vector@wedge "
check "every system service resolves to its address in DNS" \
    wait_until 30 system_all_dns
is "dns.service.torc is the controller's address" "$(dns dns)" 127.0.0.1
is "influxdb.service.torc is bladerunner3's address" "$(dns influxdb)" 10.250.3.23
is "pcp-bladerunner2.service.torc is bladerunner2's address" \
    "$(dns pcp-bladerunner2)" 10.250.3.22
for s in torc-scheduler etcd network-agent mesos-master; do
	is "$s.service.torc (scheduler and dns-addons) resolves" "$(dns $s)" 127.0.0.1
done
is "host-network services get no route on the switch" "$(routes)" ""
is "nothing is pending" "$(api /services/pending | jq length)" 0
is "GET /nodes lists the five nodes, all active" \
    "$(api /nodes | jq -r '[.[] | select(.active)] | length')" 5

# --- 2. groups: start, DNS and route, twice, kill -------------------
r=$(api '/start/group?name=dns-sl')
is "GET /start/group?name=dns-sl answers done" "$r" \
    '{"result":"done","services":["dns-sl1"]}'
sl_running() { [ "$(svc dns-sl1 state)" = Running ]; }
check "dns-sl1 runs" wait_until 20 sl_running
SL_IP=$(svc dns-sl1 ip)
like "dns-sl1 has an address on the torc network" "$SL_IP" '^192\.168\.[0-9]+\.[0-9]+$'
is "dns-sl1 runs on bladerunner1" "$(svc dns-sl1 node_name)" bladerunner1
check "dns-sl1.service.torc resolves to it" wait_until 10 dns_is dns-sl1 "$SL_IP"
sl_routed() { [ "$(route_of "$SL_IP/32")" = 10.250.3.21 ]; }
check "the switch routes $SL_IP/32 via bladerunner1's external_ip" \
    wait_until 10 sl_routed
sl_programmed() {
	[ "$(api /routes | jq -r --arg p "$SL_IP/32" \
	    '.[] | select(.prefix == $p) | "\(.name) \(.next_hop) \(.status)"')" \
	    = "dns-sl1 10.250.3.21 programmed" ]
}
check "GET /routes shows the route programmed" wait_until 10 sl_programmed
is "the route is the only one on the switch" "$(routes)" "$SL_IP/32 10.250.3.21"
is "GET /services/metered lists dns-sl1 (is_metered)" \
    "$(api /services/metered | jq -r '.[].name')" dns-sl1

code=$(api_code POST '/start/group?name=dns-sl')
is "starting dns-sl again (POST) answers 200" "$code" 200
is "the master still has one dns-sl1 task" "$(sim_live dns-sl1)" 1
is "dns-sl1 was launched exactly once" \
    "$(sim_task_ids | grep -c '^dns-sl1\.')" 1
is "dns-sl1 keeps its task" "$(svc dns-sl1 ip)" "$SL_IP"

# Two starts of torc-dns-scheduler at once, before it can run.
api '/start/group?name=torc-dns-scheduler' -o /dev/null &
p1=$!
api '/start/group?name=torc-dns-scheduler' -o /dev/null &
p2=$!
wait "$p1" "$p2"
tds_running() { [ "$(svc torc-dns-scheduler state)" = Running ]; }
check "torc-dns-scheduler, started twice at once, runs" wait_until 20 tds_running
check "it stays one task in the master" stays 2 \
    sh -c "[ \$(curl -sS -m 5 $SIM_CONTROL/mesos/tasks | jq '[.tasks[] |
        select(.name == \"torc-dns-scheduler\")] | length') -eq 1 ]"
check "torc-dns-scheduler.service.torc resolves to bladerunner3" \
    wait_until 10 dns_is torc-dns-scheduler 10.250.3.23
is "a host-network group service adds no route" "$(routes)" "$SL_IP/32 10.250.3.21"
is "an unknown group answers 404" "$(api_code GET '/start/group?name=nope')" 404

r=$(api '/service?name=dns-sl1' -X DELETE)
is "DELETE /service?name=dns-sl1 answers done" "$r" \
    '{"result":"done","services":["dns-sl1"]}'
sl_gone() { [ -z "$(svc dns-sl1 name)" ]; }
check "dns-sl1 is removed from the services" wait_until 20 sl_gone
check "its DNS name is gone" wait_until 10 dns_none dns-sl1
route_gone() { [ -z "$(route_of "$SL_IP/32")" ]; }
check "its route is gone from the switch" wait_until 10 route_gone
is "its task is killed in the master" "$(sim_live dns-sl1)" 0
is "the other services are untouched" "$(running_names | wc -l)" 10

# --- 3. a system task fails, an on-demand one ends ------------------
old=$(svc dns task_id)
t0=$(date +%s%N)
sim_post /mesos/task/fail "{\"task_id\":\"$old\",\"message\":\"exit 3\"}"
dns_restarting() { [ "$(svc dns state)" = Restarting ]; }
check "the failed dns service waits for its restart delay" \
    wait_until 10 dns_restarting
like "it says so in /services/pending" \
    "$(api /services/pending | jq -r '.[] | select(.name == "dns") | .state_reason')" \
    '^restart in [0-9]+ s'
check "dns.service.torc is withdrawn meanwhile" wait_until 10 dns_none dns
dns_back() {
	local t
	t=$(svc dns task_id)
	[ "$(svc dns state)" = Running ] && [ -n "$t" ] && [ "$t" != "$old" ]
}
check "dns runs again under a new task id" wait_until 30 dns_back
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$ms" -ge $((E2E_RESTART * 1000 - 100)) ]; then
	ok "not before the restart delay (${ms} ms >= ${E2E_RESTART} s)"
else
	not_ok "not before the restart delay (${ms} ms >= ${E2E_RESTART} s)"
fi
is "its restart counter is 1" "$(svc dns restarts)" 1
like "its last failure is kept" "$(svc dns last_failure)" 'TASK_FAILED.*exit 3'
check "dns.service.torc resolves again" wait_until 10 dns_is dns 127.0.0.1
is "the master has one live dns task" "$(sim_live dns)" 1

tid=$(svc torc-dns-scheduler task_id)
sim_post /mesos/task/finish "{\"task_id\":\"$tid\"}"
tds_gone() { [ -z "$(svc torc-dns-scheduler name)" ]; }
check "an on-demand service whose task finished is removed" \
    wait_until 20 tds_gone
check "its DNS name is gone" wait_until 10 dns_none torc-dns-scheduler
check "and it is not restarted" stays $((E2E_RESTART + 2)) \
    sh -c "[ \"\$(curl -sS -m 5 $SIM_CONTROL/mesos/tasks | jq '[.tasks[] |
        select(.name == \"torc-dns-scheduler\" and .state != \"TASK_FINISHED\")] | length')\" = 0 ]"

# --- 9. torc-apid restarted -----------------------------------------
api '/start/group?name=dns-sl' -o /dev/null
check "dns-sl1 runs again" wait_until 20 sl_running
SL_IP=$(svc dns-sl1 ip)
check "and is routed" wait_until 10 sl_routed
# The data, without the times that every reconciliation refreshes.
snap() {
	{
		api /services | jq -c 'map(del(.last_update))'
		api /nodes | jq -c 'map(del(.last_seen))'
		api /services/running | jq -c 'map(.name)'
		api /services/metered | jq -c 'map(.name)'
		api /routes | jq -c 'map(del(.last_change, .attempts))'
		api /dns | jq -c 'map(del(.last_change, .attempts)) | sort_by(.name)'
	} 2>/dev/null
}
before=$(snap)
kill_hard "$APID_PID"
check "torc-apid is gone after SIGKILL" tl_gone "$APID_PID"
# A change made while apid is away.
tds_running_bus() {
	ask schedd query running | jq -e '.payload.services[] |
	    select(.name == "torc-dns-scheduler")' >/dev/null 2>&1
}
like "a group started on the bus while apid is away" \
    "$(ask schedd start-group torc-dns-scheduler)" '"code":200'
check "it runs" wait_until 20 tds_running_bus
apid_start
check "the restarted torc-apid answers /admin/ping" \
    wait_until 20 curl -fsS -m 2 -o /dev/null "$API/admin/ping"
check "it sees the group started while it was away" wait_until 20 tds_running
ask schedd kill torc-dns-scheduler >/dev/null
check "which is killed again" wait_until 20 tds_gone
same() { [ "$(snap)" = "$before" ]; }
check "it answers the same services, nodes, routes and DNS as before" \
    wait_until 20 same
if ! same; then
	diag "$(diff <(printf '%s\n' "$before") <(snap))"
fi
like "its metrics see schedd and routed" "$(api /metrics)" \
    'torc_schedd_synced 1.*torc_routed_up 1|torc_routed_up 1.*torc_schedd_synced 1'

check "torc-schedd, torc-routed and torc-apid are still running" \
    alive "$SCHEDD_PID" "$ROUTED_PID" "$APID_PID"
is "no service has two live tasks in the master" "$(sim_dups)" ""
check "no sanitizer report in any log" no_sanitizer_report
e2e_done
