#!/usr/bin/env bash
# test_e2e_announce.sh BUILD - a sub-scheduler's announced service end to
# end (POST /service/announce with the original's task JSON): it is
# listed, gets its DNS name and its /32 route via its node, stays while it
# is announced again, and when the announcements stop it expires after
# the stateclean timeout, taking its DNS entry and route with it.
set -u
BUILD=${1:?usage: $0 BUILD}
. "$(dirname "$0")/e2e_lib.sh"
e2e_init announce

check "the trio starts" trio_start

# The original's task JSON, as torc_sub_scheduler sends it.
task() {
	cat <<EOT
{"name":"dns-ann","controller":"torc-dns-scheduler","id":"4f1c2d3e4f5a6b7c",
"image":"bind9","node_name":"bladerunner2","node_type":"","node_function":"",
"dependent_service":"","arguments":"","parameters":"","memory":128.0,
"cpu":0.2,"volumes":[],"privileged":false,"sla":"None","is_metered":true,
"is_system_service":true,"is_job":false,"network_type":"torc",
"ip":"192.168.7.7","slave_id":"S2","state":"Running","last_update":1475270123}
EOT
}
announce() {
	task | curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/json' --data-binary @- \
	    "$API/service/announce"
}

is "an announcement is accepted" "$(announce)" 200
listed() { [ "$(svc dns-ann state)" = Running ]; }
check "the announced service is listed as running" wait_until 10 listed
is "it keeps its sub-scheduler as controller" "$(svc dns-ann controller)" \
    torc-dns-scheduler
is "it keeps the sub-scheduler's is_system_service" \
    "$(svc dns-ann is_system_service)" true
is "it is metered" "$(api /services/metered | jq -r '.[].name' |
    grep -c '^dns-ann$')" 1
like "its last_update is our clock, not the sub-scheduler's" \
    "$(svc dns-ann last_update)" '^1[7-9][0-9]{8}$'
check "dns-ann.service.torc resolves to its address" \
    wait_until 10 dns_is dns-ann 192.168.7.7
route_ok() { [ "$(route_of 192.168.7.7/32)" = 10.250.3.22 ]; }
check "its /32 route points at bladerunner2's external address" \
    wait_until 10 route_ok

# Announced again, as a sub-scheduler does every statesync: it stays.
# Each round announces and checks it is still listed; the rounds run
# back to back (a REST round trip each) for twice the timeout.
deadline=$((SECONDS + E2E_TIMEOUT * 2 + 2))
stayed=1
rounds=0
while [ $SECONDS -lt $deadline ] && [ $rounds -lt 2000 ]; do
	[ "$(announce)" = 200 ] || stayed=0
	listed || stayed=0
	rounds=$((rounds + 1))
done
is "refreshed announcements keep it for longer than the timeout" "$stayed" 1
is "a refresh is not a second service" \
    "$(api /services | jq '[.[] | select(.name == "dns-ann")] | length')" 1

# Silence: it expires through stateclean.
gone() { [ -z "$(svc dns-ann state)" ]; }
check "without announcements it expires after the stateclean timeout" \
    wait_until $((E2E_TIMEOUT * 3 + 10)) gone
check "its DNS name goes" wait_until 10 dns_none dns-ann
no_route() { [ -z "$(route_of 192.168.7.7/32)" ]; }
check "its route goes" wait_until 10 no_route
check "no daemon exited" alive "$SCHEDD_PID" "$ROUTED_PID" "$APID_PID"
e2e_done
