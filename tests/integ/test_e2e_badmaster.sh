#!/usr/bin/env bash
# test_e2e_badmaster.sh BUILD - bad input from the Mesos master itself,
# end to end: raw bytes written into schedd's open event stream by
# torc-sim (POST /mesos/stream/inject): a record whose protobuf is
# truncated, a record size far over the cap, a size that is not a number.
# Each time schedd logs why, drops the stream and subscribes again with
# the same framework id; no daemon exits, nothing is launched twice, and
# no DNS entry or route is withdrawn.
set -u
BUILD=${1:?usage: $0 BUILD}
. "$(dirname "$0")/e2e_lib.sh"
e2e_init badmaster

check "the trio starts" trio_start
DNS_TABLE=$(consul_table)
ROUTES=$(routes)
TASKS=$(sim_task_ids)

subscribed_count() {
	cat "$TL_TMP"/schedd.*.log 2>/dev/null | grep -c 'info: subscribed to '
}
bad_stream_count() {
	cat "$TL_TMP"/schedd.*.log 2>/dev/null | grep -cE 'bad (stream|event) from the master'
}
removals() {
	{
		sim_ctl GET /consul/requests | jq -r '.requests[] |
		    select(.path | startswith("/v1/agent/service/deregister")) |
		    .path'
		sim_ctl GET /switch/requests | jq -r '.requests[] |
		    select(.method == "DELETE") | .path'
	} 2>/dev/null
}

# hex of: a record "3\n" whose event (type UPDATE) ends in the middle of
# its update field; "99999999999999\n", a size over any cap; "abc\n".
for fault in "truncated protobuf:330a08042a" \
    "oversize record:39393939393939393939393939390a" \
    "record size that is not a number:6162630a"; do
	what=${fault%%:*}
	hex=${fault##*:}
	sim_ctl DELETE /consul/requests >/dev/null
	sim_ctl DELETE /switch/requests >/dev/null
	subs=$(subscribed_count)
	bad=$(bad_stream_count)
	is "torc-sim writes a $what into schedd's stream" \
	    "$(sim_ctl POST /mesos/stream/inject "{\"hex\":\"$hex\"}" |
	    jq -r .streams)" 1
	more_bad() { [ "$(bad_stream_count)" -gt "$bad" ]; }
	check "schedd logs the $what and resets the stream" \
	    wait_until 20 more_bad
	resub() { [ "$(subscribed_count)" -gt "$subs" ]; }
	check "schedd subscribes again after the $what" wait_until 30 resub
	check "every system service still runs after the $what" \
	    wait_until 30 system_all_running
	check "no daemon exited after the $what" \
	    alive "$SCHEDD_PID" "$ROUTED_PID" "$APID_PID"
	is "no DNS entry or route was withdrawn for the $what" "$(removals)" ""
done
is "the framework id stayed the same" \
    "$(sim_ctl GET /mesos/frameworks | jq -r '[.frameworks[]? // .[]? |
        .id] | unique | length' 2>/dev/null)" 1
is "no task was launched again" "$(sim_task_ids)" "$TASKS"
is "the DNS table is unchanged" "$(consul_table)" "$DNS_TABLE"
is "the switch's routes are unchanged" "$(routes)" "$ROUTES"
check "no sanitizer report in any log" no_sanitizer_report
e2e_done
