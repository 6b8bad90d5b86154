#!/usr/bin/env bash
# test_e2e_agent.sh BUILD - agents lost, end to end.  A partitioned agent
# (the master declares it unreachable): its services lose their DNS
# entries and routes; after stateclean.timeout they are given up, a
# system service free to move runs on another node with a new address,
# DNS entry and route (next hop of its new node), and those pinned to the
# lost node wait, saying why.  The agent back: nothing runs twice.  An
# agent removed by the operator: the controller's services have nowhere
# to go and say so in /services/pending.
set -u
BUILD=${1:?usage: $0 BUILD}
. "$(dirname "$0")/e2e_lib.sh"
e2e_init agent
# One more system service, free to run on any slave, on the torc network.
sed -i 's/^  system_services:$/&\
    - name: relay\
      image_name: relay\
      node_type: slave\
      network_type: torc/' "$E2E_CFG"
E2E_SYSTEM="$E2E_SYSTEM relay"
system_all_running() {
	local n
	n=$(api /services 2>/dev/null | jq '[.[] | select(.is_system_service
	    and .state == "Running")] | length' 2>/dev/null)
	[ "${n:-0}" = 10 ]
}

check "the trio starts and every system service runs" trio_start
sim_post /mesos/timers '{"agent_ping_timeout_ms":1000}'
api '/start/group?name=dns-sl' -o /dev/null
sl_running() { [ "$(svc dns-sl1 state)" = Running ]; }
check "dns-sl1 runs on bladerunner1" wait_until 20 sl_running
SL_IP=$(svc dns-sl1 ip)
R_NODE=$(svc relay node_name)
R_IP=$(svc relay ip)
R_TASK=$(svc relay task_id)
like "relay runs on a slave" "$R_NODE" '^bladerunner[1-4]$'
declare -A EXT=([bladerunner1]=10.250.3.21 [bladerunner2]=10.250.3.22
    [bladerunner3]=10.250.3.23 [bladerunner4]=10.250.3.24)
relay_routed() { [ "$(route_of "$R_IP/32")" = "${EXT[$R_NODE]}" ]; }
check "relay's /32 is routed via its node's external_ip" wait_until 10 relay_routed
check "relay.service.torc resolves" wait_until 10 dns_is relay "$R_IP"

# --- partition relay's node and bladerunner1 -------------------------
LOST=$R_NODE
[ "$R_NODE" = bladerunner1 ] || LOST="$LOST bladerunner1"
declare -A PCP_TASK
for n in $LOST; do
	PCP_TASK[$n]=$(svc "pcp-$n" task_id)
done
t0=$(date +%s%N)
for n in $LOST; do
	sim_post /mesos/agent/partition "{\"name\":\"$n\"}"
done
relay_unresolved() { dns_none relay; }
check "relay's DNS entry is removed once its agent is lost" \
    wait_until 30 relay_unresolved
r_route_gone() { [ -z "$(route_of "$R_IP/32")" ]; }
check "relay's route is removed" wait_until 10 r_route_gone
check "dns-sl1's DNS entry is removed" wait_until 10 dns_none dns-sl1
sl_route_gone() { [ -z "$(route_of "$SL_IP/32")" ]; }
check "dns-sl1's route is removed" wait_until 10 sl_route_gone
for n in $LOST; do
	check "pcp-$n's DNS entry is removed" wait_until 10 dns_none "pcp-$n"
done
relay_moved() {
	local n
	n=$(svc relay node_name)
	[ "$(svc relay state)" = Running ] && [ "$(svc relay task_id)" != "$R_TASK" ] &&
	    [ -n "$n" ] && ! [[ " $LOST " == *" $n "* ]]
}
check "relay runs again on another slave" wait_until 40 relay_moved
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$ms" -ge $((E2E_TIMEOUT * 1000)) ]; then
	ok "not before stateclean.timeout (${ms} ms >= ${E2E_TIMEOUT} s)"
else
	not_ok "not before stateclean.timeout (${ms} ms >= ${E2E_TIMEOUT} s)"
fi
N_NODE=$(svc relay node_name)
N_IP=$(svc relay ip)
N_TASK=$(svc relay task_id)
like "on the torc network, with a new address" "$N_IP" '^192\.168\.'
check "relay.service.torc resolves to its new address" wait_until 10 dns_is relay "$N_IP"
n_routed() { [ "$(route_of "$N_IP/32")" = "${EXT[$N_NODE]}" ]; }
check "its new /32 is routed via $N_NODE's external_ip" wait_until 10 n_routed
# Given up, each is restarted (after the restart delay) and then waits.
pending_reason() {
	api /services/pending | jq -r --arg n "pcp-$1" \
	    '.[] | select(.name == $n) | .state_reason' | grep -q "$1"
}
for n in $LOST; do
	check "pcp-$n waits for its node and says so" wait_until 10 \
	    pending_reason "$n"
done
sl_gone() { [ -z "$(svc dns-sl1 name)" ]; }
check "dns-sl1, on-demand, is given up and removed" wait_until 20 sl_gone
for n in $LOST; do
	is "$n is inactive in /nodes" \
	    "$(api /nodes | jq -r --arg n "$n" '.[] | select(.name == $n) | .active')" false
done
is "the other system services were not touched" \
    "$(svc dns restarts) $(svc influxdb restarts) $(svc pcp-bladerunner2 restarts)" "0 0 0"

# --- the agents come back ---------------------------------------------
for n in $LOST; do
	sim_post /mesos/agent/restore "{\"name\":\"$n\"}"
done
check "every system service runs again" wait_until 40 system_all_running
new_pcp_task() {	# a new task, and the old one no longer live
	local t
	t=$(svc "pcp-$1" task_id)
	[ -n "$t" ] && [ -n "${PCP_TASK[$1]}" ] && [ "$t" != "${PCP_TASK[$1]}" ] &&
	    [ "$(sim_live "pcp-$1")" = 1 ]
}
for n in $LOST; do
	is "pcp-$n runs on $n again" "$(svc "pcp-$n" node_name)" "$n"
	# Given up, its old task was killed: never adopted back.
	check "pcp-$n runs a new task, the given-up one killed" \
	    wait_until 20 new_pcp_task "$n"
	check "pcp-$n.service.torc resolves again" \
	    wait_until 10 dns_is "pcp-$n" "${EXT[$n]}"
done
one_relay() { [ "$(sim_live relay)" = 1 ] && [ -z "$(sim_dups)" ]; }
check "relay's old task is not running beside the new one" wait_until 20 one_relay
is "relay stayed where it moved (same task, same address)" \
    "$(svc relay task_id) $(svc relay ip)" "$N_TASK $N_IP"
check "relay.service.torc is its new address alone" dns_is relay "$N_IP"
is "the switch has relay's new route alone" "$(routes)" "$N_IP/32 ${EXT[$N_NODE]}"
api '/start/group?name=dns-sl' -o /dev/null
sl_running() { [ "$(svc dns-sl1 state)" = Running ]; }
check "dns-sl can be started again and runs" wait_until 20 sl_running
SL_IP=$(svc dns-sl1 ip)
sl_routed() { [ "$(route_of "$SL_IP/32")" = 10.250.3.21 ]; }
check "with its route via bladerunner1" wait_until 10 sl_routed

# --- the controller's agent removed by the operator -----------------------
sim_post /mesos/agent/remove '{"name":"wedge"}'
ctl_pending() {
	local p
	p=$(api /services/pending | jq -r '.[] | "\(.name): \(.state_reason)"' | sort)
	[[ $p == *"dns: no active node matches node_function=controller"* ]] &&
	    [[ $p == *"vector: no active node matches node_function=controller"* ]] &&
	    [[ $p == *"pcp-wedge: no active node matches node_name=wedge"* ]]
}
check "dns, vector and pcp-wedge wait for the controller and say why" \
    wait_until 30 ctl_pending
if ! ctl_pending; then
	diag "$(api /services/pending | jq -c '.[] | [.name, .state_reason]')"
fi
check "dns.service.torc is withdrawn" wait_until 10 dns_none dns
check "vector.service.torc is withdrawn" wait_until 10 dns_none vector
check "the scheduler's own entry stays" dns_is torc-scheduler 127.0.0.1
is "wedge is inactive" \
    "$(api /nodes | jq -r '.[] | select(.name == "wedge") | .active')" false
check "the services on the other nodes run on" stays 2 sl_running
is "the master runs no task on the removed agent" \
    "$(sim_ctl GET /mesos/tasks | jq '[.tasks[] | select(.agent == "wedge" and
        (.state | test("STAGING|STARTING|RUNNING")))] | length')" 0

check "torc-schedd, torc-routed and torc-apid are still running" \
    alive "$SCHEDD_PID" "$ROUTED_PID" "$APID_PID"
check "no sanitizer report in any log" no_sanitizer_report
e2e_done
