#!/usr/bin/env bash
# test_schedd_sched.sh BUILD - torc-schedd's scheduling against torc-sim:
# the demo rack's system services run where their constraints say, a
# group starts once however often it is asked and is killed, a failed
# system task is restarted after the delay, and a schedd killed with
# SIGKILL and started again adopts its running tasks (same framework id,
# nothing launched twice).  Bounded polling only.
set -u
BUILD=${1:?usage: $0 BUILD}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export TORC_BUILD=$BUILD TORC_ROOT=$ROOT
. "$ROOT/tests/lib/testlib.sh"

tl_init schedd-sched
TORCCTL=$BUILD/bin/torcctl
SCHEDD=$BUILD/bin/torc-schedd

# The demo rack with short timers (restart delay 2 s, timeout 6 s).
CFG=$TL_TMP/torc.yml
sed -e 's/poll_interval_in_seconds: 10/poll_interval_in_seconds: 2/' \
    -e 's/poll_interval_in_seconds: 18/poll_interval_in_seconds: 1/' \
    -e 's/poll_interval_in_seconds: 12/poll_interval_in_seconds: 1/' \
    -e 's/timeout_in_seconds: 30/timeout_in_seconds: 6/' \
    -e 's/restart_delay_in_seconds: 30/restart_delay_in_seconds: 2/' \
    -e 's/^  service-groups:$/  service-groups:\
    - name: too-big\
      services:\
        - name: huge\
          image_name: huge\
          memory: 100000\
          network_type: host/' \
    "$ROOT/scripts/config/torc.yml" >"$CFG"
SIM_CONFIG=$CFG
if ! sim_start; then
	not_ok "torc-sim starts"
	tl_done
fi
RUN=$TL_TMP/run
STATE=$TL_TMP/state

schedd_start() {
	tl_spawn "$TL_TMP/schedd.$1.log" "$SCHEDD" --master \
	    "127.0.0.1:$SIM_MESOS_PORT" --config "$CFG" --run-dir "$RUN" \
	    --state-dir "$STATE" --log-level debug
	SCHEDD_PID=$TL_LAST_PID
}

# ask ARGS...: one request to schedd.ipc, the reply as JSON on stdout.
ask() {
	local req=$TL_TMP/req.$$
	"$TORCCTL" encode "$@" >"$req" || return 1
	timeout 5 nngcat --req --connect "ipc://$RUN/schedd.ipc" \
	    --file "$req" --raw 2>/dev/null | "$TORCCTL" decode
}

# field JSON PYEXPR: evaluate a Python expression over the reply d.
py() {
	python3 -c "import json,sys
d=json.loads(sys.stdin.read() or 'null')
svcs=(d or {}).get('payload',{}).get('services',[]) if d else []
by={s['name']:s for s in svcs}
print($1)"
}

running_where() {	# NAME -> node it runs on, or ""
	ask query running | py "by.get('$1',{}).get('node','')"
}

all_system_running() {
	local n
	n=$(ask query running | py "len([s for s in svcs if s['kind']=='system'])")
	[ "$n" = 9 ]
}

sim_tasks() {	# live tasks in the sim, by name: "name state" lines
	curl -fsS -m 5 "$SIM_CONTROL/mesos/tasks" | python3 -c "import json,sys
for t in json.load(sys.stdin)['tasks']:
    print(t['name'], t['id'], t['state'])"
}

sim_live_count() {	# NAME -> number of non-terminal tasks of NAME
	sim_tasks | awk -v n="$1" '$1 == n && $3 ~ /STAGING|STARTING|RUNNING|KILLING/' | wc -l
}

schedd_start 1
check "the demo rack's nine system services run" wait_until 30 all_system_running
is "dns runs on the controller (node_function)" "$(running_where dns)" wedge
is "vector runs on the controller" "$(running_where vector)" wedge
is "influxdb runs on bladerunner3 (node_name)" "$(running_where influxdb)" bladerunner3
is "datacollector runs on bladerunner3" "$(running_where datacollector)" bladerunner3
for n in wedge bladerunner1 bladerunner2 bladerunner3 bladerunner4; do
	is "pcp-$n runs on $n (singleton_each_node)" "$(running_where pcp-$n)" "$n"
done
is "a host-network service has its node's address" \
    "$(ask query running | py "by['influxdb']['ip']")" 10.250.3.23
nodes=$(ask query nodes | python3 -c "import json,sys
d=json.load(sys.stdin)
print(sum(1 for n in d['payload']['nodes'] if n['active']))")
is "every node is active" "$nodes" 5

# Groups.
r=$(ask start-group torc-dns-scheduler | py "d['payload']['code']")
is "start group answers 200" "$r" 200
group_running() { [ "$(running_where torc-dns-scheduler)" = bladerunner3 ]; }
check "the group's service runs on bladerunner3" wait_until 20 group_running
r=$(ask start-group torc-dns-scheduler | py "d['payload']['message']")
like "starting it again starts nothing" "$r" "0 started, 1 already wanted"
is "the sim has one task of the group's service" "$(sim_live_count torc-dns-scheduler)" 1
r=$(ask start-group no-such-group | py "d['payload']['code']")
is "an unknown group is 404" "$r" 404
r=$(ask kill no-such-service | py "d['payload']['code']")
is "killing an unknown service is 404" "$r" 404
r=$(ask kill torc-dns-scheduler | py "d['payload']['code']")
is "kill answers 200" "$r" 200
group_gone() {
	[ "$(ask query services | py "'torc-dns-scheduler' in by")" = False ] &&
	    [ "$(sim_live_count torc-dns-scheduler)" = 0 ]
}
check "the killed service is gone from schedd and the sim" wait_until 20 group_gone

# Started again while its kill is under way (the container takes 2 s to
# stop): launched anew once the kill has ended, not lost with it.
curl -fsS -m 5 -X POST -d '{"kill_delay_ms":2000}' "$SIM_CONTROL/mesos/timers" >/dev/null
ask start-group torc-dns-scheduler >/dev/null
check "the group's service runs again" wait_until 20 group_running
tid1=$(ask query running | py "by['torc-dns-scheduler']['task_id']")
ask kill torc-dns-scheduler >/dev/null
r=$(ask start-group torc-dns-scheduler | py "d['payload']['message']")
like "a start during the kill starts it again" "$r" "1 started, 0 already wanted"
runs_anew() {
	local t
	t=$(ask query running | py "by.get('torc-dns-scheduler',{}).get('task_id','')")
	[ -n "$t" ] && [ "$t" != "$tid1" ]
}
check "once the kill has ended it runs with a new task" wait_until 20 runs_anew
is "the sim has one live task of it" "$(sim_live_count torc-dns-scheduler)" 1
curl -fsS -m 5 -X POST -d '{"kill_delay_ms":100}' "$SIM_CONTROL/mesos/timers" >/dev/null
ask kill torc-dns-scheduler >/dev/null
check "killed again, it is gone" wait_until 20 group_gone

# A service no node can hold stays pending and says why.
r=$(ask start-group too-big | py "d['payload']['code']")
is "a group too big for the rack is accepted" "$r" 200
huge_reason() {
	ask query pending | py "by.get('huge',{}).get('state_reason','')" |
	    grep -Eq '^needs 100000 MB, largest offer has [0-9]+ MB$'
}
check "its service is pending with the memory it needs" wait_until 20 huge_reason
r=$(ask kill huge | py "d['payload']['code']")
is "killing the pending service answers 200" "$r" 200
is "and it is gone" "$(ask query services | py "'huge' in by")" False

# Garbage on schedd.ipc gets an ERROR, and schedd lives on.
r=$(printf 'garbage' | timeout 5 nngcat --req --connect "ipc://$RUN/schedd.ipc" \
    --file /dev/stdin --raw 2>/dev/null | "$TORCCTL" decode | py "d['type']")
is "a request that does not decode gets an ERROR" "$r" ERROR
check "schedd still answers" all_system_running

# A failed system task is restarted after the restart delay.
old=$(ask query running | py "by['vector']['task_id']")
curl -fsS -m 5 -X POST -H 'Content-Type: application/json' \
    -d "{\"task_id\":\"$old\",\"message\":\"exit 1\"}" \
    "$SIM_CONTROL/mesos/task/fail" >/dev/null
vector_restarting() {
	[ "$(ask query services | py "by['vector']['state']")" = restarting ]
}
check "a failed system task waits for its restart delay" wait_until 10 vector_restarting
vector_back() {
	local t
	t=$(ask query running | py "by.get('vector',{}).get('task_id','')")
	[ -n "$t" ] && [ "$t" != "$old" ]
}
check "then it runs again under a new task id" wait_until 20 vector_back
is "its restart count is 1" "$(ask query services | py "by['vector']['restarts']")" 1
like "its last failure is kept" \
    "$(ask query services | py "by['vector']['last_failure']")" "TASK_FAILED.*exit 1"

# A partitioned agent: its task is lost (maybe running), its node
# inactive; back within the grace period, the same task runs on.
pcp4=$(ask query running | py "by['pcp-bladerunner4']['task_id']")
sim_ctl POST /mesos/timers '{"agent_ping_timeout_ms":1000}' >/dev/null
sim_ctl POST /mesos/agent/partition '{"name":"bladerunner4"}' >/dev/null
pcp4_lost() {
	[ "$(ask query services | py "by['pcp-bladerunner4']['state']")" = lost ]
}
check "a task on a partitioned agent is lost" wait_until 20 pcp4_lost
node4() {
	ask query nodes | python3 -c "import json,sys
print([n['active'] for n in json.load(sys.stdin)['payload']['nodes'] if n['name']=='bladerunner4'][0])"
}
is "its node is inactive" "$(node4)" False
sim_ctl POST /mesos/agent/restore '{"name":"bladerunner4"}' >/dev/null
pcp4_back() {
	[ "$(ask query running | py "by.get('pcp-bladerunner4',{}).get('task_id','')")" = "$pcp4" ]
}
check "when the agent is back the same task is running again" wait_until 20 pcp4_back
node4_active() { [ "$(node4)" = True ]; }
check "and its node is active again" wait_until 20 node4_active

# SIGKILL and restart: same framework, tasks adopted, nothing launched twice.
fw1=$(cat "$STATE/framework_id" 2>/dev/null)
before=$(ask query running | py "' '.join(sorted(s['task_id'] for s in svcs))")
ntasks_before=$(sim_tasks | wc -l)
kill -KILL "$SCHEDD_PID"
wait "$SCHEDD_PID" 2>/dev/null
schedd_start 2
adopted() {
	local now
	now=$(ask query running | py "' '.join(sorted(s['task_id'] for s in svcs))")
	[ -n "$now" ] && [ "$now" = "$before" ]
}
check "after a SIGKILL and a restart every task is adopted" wait_until 30 adopted
is "the framework id is the same" "$(cat "$STATE/framework_id" 2>/dev/null)" "$fw1"
# With everything adopted nothing is pending: offers get suppressed.
check "the restarted schedd has nothing pending" wait_until 20 \
    grep -q "offers suppressed" "$TL_TMP/schedd.2.log"
is "nothing was launched twice" "$(sim_tasks | wc -l)" "$ntasks_before"
dups=$(sim_tasks | awk '$3 ~ /STAGING|STARTING|RUNNING/ {print $1}' | sort | uniq -d | wc -l)
is "no service has two live tasks" "$dups" 0
nfw=$(curl -fsS -m 5 "$SIM_CONTROL/mesos/frameworks" | python3 -c "import json,sys
print(len(json.load(sys.stdin)['frameworks']))")
is "the sim knows one framework" "$nfw" 1

tl_stop "$SCHEDD_PID"
is "schedd stops cleanly on SIGTERM" "$TL_STATUS" 0
tl_done
