#!/usr/bin/env bash
# test_e2e_badinput.sh BUILD - bad input everywhere, with the whole rack
# running: malformed REST requests, garbage and wrong-type messages on
# each IPC socket, Consul and the switch answering garbage, a "master"
# that is not one, bad configs.  Each gets a clear error (in the answer
# and in the log), no daemon exits, and no state is lost.
#
# Not covered here: truncated and oversize protobuf records inside a real
# subscription stream (torc-sim's master cannot inject them); see
# tests/unit/test_sched_mesos.c (scripted master) and
# tests/fuzz/fuzz_sched_event.c, fuzz_mesos_event.c, fuzz_recordio.c.
set -u
BUILD=${1:?usage: $0 BUILD}
. "$(dirname "$0")/e2e_lib.sh"
e2e_init badinput

# --- bad configs: each daemon refuses to start, exit 1, a clear error --
BAD=$ROOT/tests/config/bad
for d in schedd routed apid; do
	for c in "$BAD/01-syntax-error.yml" "$BAD/03-unknown-key.yml" \
	    "$TL_TMP/no-such.yml"; do
		case $d in
		apid) extra=(--listen "127.0.0.1:$API_PORT") ;;
		*) extra=(--state-dir "$TL_TMP/bad-state") ;;
		esac
		out=$(timeout 20 "$BIN/torc-$d" --master 127.0.0.1 --config "$c" \
		    --run-dir "$TL_TMP/bad-run" "${extra[@]}" 2>&1 </dev/null)
		rc=$?
		case $c in
		*no-such*) want="$c: No such file or directory" ;;
		*) want=$(head -1 "${c%.yml}.err")
		   want=$(basename "$c")${want#*.yml} ;;
		esac
		if [ "$rc" = 1 ] && [[ $out == *"$want"* ]]; then
			ok "torc-$d refuses $(basename "$c"): exit 1, '$want'"
		else
			not_ok "torc-$d refuses $(basename "$c"): exit 1, '$want'"
			diag "exit $rc: $out"
		fi
	done
done
check "no socket was created by a refused start" \
    sh -c "! ls '$TL_TMP/bad-run'/*.ipc >/dev/null 2>&1"

check "the trio starts and every system service runs" trio_start
api '/start/group?name=dns-sl' -o /dev/null
sl_running() { [ "$(svc dns-sl1 state)" = Running ]; }
check "dns-sl1 runs" wait_until 20 sl_running
SL_IP=$(svc dns-sl1 ip)
sl_routed() { [ "$(route_of "$SL_IP/32")" = 10.250.3.21 ]; }
check "and is routed" wait_until 10 sl_routed

# The state that must survive everything below.
snap() {
	{
		api /services | jq -c 'map(del(.last_update))'
		api /nodes | jq -c 'map(del(.last_seen))'
		consul_table
		routes
		sim_task_ids
	} 2>/dev/null
}
BEFORE=$(snap)

# --- REST ---------------------------------------------------------------
# rest DESC WANT_CODE BODY_REGEX CURL ARGS...: one request, its status and body.
rest() {
	local desc=$1 code=$2 re=$3 out got body
	shift 3
	out=$(curl -s -m 10 -w '\n%{http_code}' "$@")
	got=${out##*$'\n'}
	body=${out%$'\n'*}
	if [ "$got" = "$code" ] && [[ $body =~ $re ]]; then
		ok "$desc: $code"
	else
		not_ok "$desc: $code"
		diag "got $got: ${body:0:300}"
	fi
}
rest "a bad %-escape in the query" 400 '"error"' "$API/start/group?name=dns%zz"
rest "a %00 in the query" 400 '"error"' "$API/start/group?name=dns%00x"
rest "a parameter without a name" 400 '"error"' "$API/start/group?=x"
rest "a parameter given twice" 400 '"error"' "$API/start/group?name=a&name=b"
rest "a missing name" 400 '"error"' "$API/start/group"
rest "an empty name" 400 '"error"' "$API/service?name=" -X DELETE
rest "an empty id" 400 '"error"' "$API/service?id="
q=$(printf 'p%d=1&' $(seq 1 17))
rest "17 parameters" 400 '"error"' "$API/start/group?${q}name=dns-sl"
rest "an unknown path" 404 '"no such path: /no/such"' "$API/no/such"
rest "an unknown path under a known one" 404 '"error"' "$API/services/running/x"
rest "PUT on /services" 405 '"error"' -X PUT "$API/services"
rest "POST on /nodes" 405 '"error"' -X POST "$API/nodes"
rest "DELETE on /start/group" 405 '"error"' -X DELETE "$API/start/group?name=dns-sl"
rest "GET on /service/announce" 405 '"error"' "$API/service/announce"
allow=$(curl -s -m 10 -o /dev/null -D - -X PUT "$API/service?name=x" | tr -d '\r' |
    sed -n 's/^Allow: //Ip')
like "a 405 says what is allowed" "$allow" 'DELETE'
head -c 300000 /dev/zero | tr '\0' 'x' >"$TL_TMP/big"
rest "an announce body over 256 KiB" 413 '"error"' -X POST \
    -H 'Content-Type: application/json' --data-binary @"$TL_TMP/big" \
    "$API/service/announce"
rest "an announce that is not JSON" 400 '"invalid JSON at line 1' -X POST \
    -d '{"name": "x", ' "$API/service/announce"
rest "an announce that is a JSON array" 400 '"error"' -X POST \
    -d '[1,2,3]' "$API/service/announce"
rest "an announce with memory as a string" 400 '"memory: expected number, got string"' \
    -X POST -d '{"name":"x","node_name":"bladerunner2","memory":"lots"}' \
    "$API/service/announce"
rest "an announce without a name" 400 '"error".*name' -X POST \
    -d '{"node_name":"bladerunner2"}' "$API/service/announce"
rest "an announce with an unknown state" 400 '"error".*state' -X POST \
    -d '{"name":"x","node_name":"bladerunner2","state":"Dancing"}' \
    "$API/service/announce"
rest "an announce that takes a system service's name" 409 '"error"' -X POST \
    -d '{"name":"dns","node_name":"bladerunner2"}' "$API/service/announce"
long=$(head -c 20000 /dev/zero | tr '\0' 'a')
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$API/$long")
like "a 20 KB path is refused" "$code" '^4[0-9][0-9]$'
# Bytes that are not HTTP at all; binary bytes held open; a connection
# closed half-way through a body.
r=$(
	exec 3<>"/dev/tcp/127.0.0.1/$API_PORT" || exit 0
	printf 'hello, this is not HTTP\r\n\r\n' >&3
	timeout 5 head -c 200 <&3
) 2>/dev/null
like "a line that is not HTTP gets a 400" "$r" '^HTTP/1\.[01] 400'
(
	exec 3<>"/dev/tcp/127.0.0.1/$API_PORT" || exit 0
	printf '\x00\x01\x02\xff\xfe garbage\r\n\r\n' >&3
	timeout 3 cat <&3 >/dev/null
) 2>/dev/null &
held=$!
rest "binary garbage on one connection does not stop the others" 200 '^pong$' \
    "$API/admin/ping"
wait "$held"
(
	exec 3<>"/dev/tcp/127.0.0.1/$API_PORT" || exit 0
	printf 'POST /service/announce HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"na' >&3
) 2>/dev/null
rest "after all that, /admin/ping" 200 '^pong$' "$API/admin/ping"
check "torc-apid logged the requests it refused" \
    grep -qE '(PUT|POST|DELETE|GET) .* (400|404|405|413)' "$APID_LOG"
check "torc-apid still runs" alive "$APID_PID"

# --- the bus ------------------------------------------------------------
# raw SOCKET FILE: send FILE as one request, the decoded reply (or "").
raw() {
	timeout 10 nngcat --req --connect "ipc://$RUN/$1.ipc" --file "$2" \
	    --raw --recv-timeout 5 2>/dev/null | "$TORCCTL" decode 2>/dev/null
}
msg() {	# NAME PRINTF-FORMAT: write a crafted message
	printf "$2" >"$TL_TMP/m.$1"
}
msg garbage 'this is not msgpack'
msg empty ''
msg version '\x94\x09\x14\x01\x80'
msg type '\x94\x01\xcc\xc8\x01\x80'
msg payload '\x94\x01\x14\x01\x05'
msg short '\x93\x01\x14\x01'
msg bomb '\x94\x01\x14\x01\xdf\xff\xff\xff\xff'
msg deep '\x94\x01\x14\x01\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x80'
# Published types sent as requests: remove dns, a node update.
msg svcremove 'svc.\x94\x01\x0b\x01\x81\xa4name\xa3dns'
msg svcremove2 '\x94\x01\x0b\x01\x81\xa4name\xa3dns'
"$TORCCTL" encode start-group dns-sl | head -c -3 >"$TL_TMP/m.truncated"
{ "$TORCCTL" encode sync; printf 'xx'; } >"$TL_TMP/m.trailing"
head -c 2000000 /dev/urandom >"$TL_TMP/m.random"
declare -A WHAT=([garbage]="text that is not msgpack" [empty]="an empty message"
    [version]="version 9" [type]="an unknown type" [payload]="a payload that is not a map"
    [short]="an envelope of 3" [bomb]="a map declaring 4 billion entries"
    [deep]="20 nested arrays" [svcremove]="a published SVC_REMOVE (with topic)"
    [svcremove2]="an SVC_REMOVE without topic" [truncated]="a truncated request"
    [trailing]="a request with trailing bytes" [random]="2 MB of random bytes")
for s in schedd routed; do
	for m in garbage empty version type payload short bomb deep svcremove \
	    svcremove2 truncated trailing random; do
		r=$(raw "$s" "$TL_TMP/m.$m")
		if [[ $r =~ \"type\":\"ERROR\".*\"code\":400 ]]; then
			ok "$s.ipc answers ${WHAT[$m]} with ERROR 400"
		else
			not_ok "$s.ipc answers ${WHAT[$m]} with ERROR 400"
			diag "reply: ${r:0:300}"
		fi
	done
done
like "the error names the problem (version)" "$(raw schedd "$TL_TMP/m.version")" \
    'unsupported version 9'
like "the error names the problem (type)" "$(raw schedd "$TL_TMP/m.type")" \
    'unknown message type 200'
# Valid requests of the wrong kind, on each socket.
"$TORCCTL" encode routed-status >"$TL_TMP/m.rstatus"
like "schedd.ipc refuses routed's status request" \
    "$(raw schedd "$TL_TMP/m.rstatus")" '"type":"ERROR".*"code":400'
for req in "sync" "query nodes" "start-group dns-sl" "kill dns" "forget-framework"; do
	# shellcheck disable=SC2086
	"$TORCCTL" encode $req >"$TL_TMP/m.req"
	like "routed.ipc refuses '$req'" "$(raw routed "$TL_TMP/m.req")" \
	    '"type":"ERROR".*"code":400'
done
# The PUB socket takes no input: a REQ or PUSH peer is not accepted.
timeout 5 nngcat --req --connect "ipc://$RUN/events.ipc" --data garbage \
    --recv-timeout 2 >/dev/null 2>&1
timeout 5 nngcat --push --connect "ipc://$RUN/events.ipc" --data garbage \
    >/dev/null 2>&1
check "schedd and routed logged what they refused" \
    sh -c "grep -qiE 'unsupported version|unknown message type|bad request|decode' '$SCHEDD_LOG' &&
        grep -qiE 'unsupported version|unknown message type|bad request|decode|ERROR' '$ROUTED_LOG'"
check "torc-schedd and torc-routed still run" alive "$SCHEDD_PID" "$ROUTED_PID"
like "schedd still answers a good query" "$(ask schedd query nodes | jq '.payload.nodes | length')" 5
like "routed still answers a good status request" \
    "$(ask routed routed-status)" '"type":"ROUTED_STATUS_REP"'
dns_still() { [ "$(svc dns state)" = Running ]; }
check "the SVC_REMOVE sent as a request removed nothing" dns_still
same() { [ "$(snap)" = "$BEFORE" ]; }
check "services, nodes, DNS, routes and tasks are as before" wait_until 10 same
if ! same; then
	diag "$(diff <(printf '%s\n' "$BEFORE") <(snap))"
fi

# --- Consul and the switch answer garbage ------------------------------
sim_post /consul/fault '{"mode":"garbage"}'
sim_post /switch/fault '{"mode":"garbage"}'
unreachable() {
	api /metrics | grep -q "torc_routed_system_reachable{system=\"$1\"} 0"
}
check "garbage from Consul: routed calls it unreachable" wait_until 20 unreachable consul
check "garbage from the switch: routed calls it unreachable" wait_until 20 unreachable snaproute
# A "master" that answers garbage: a second schedd told the switch's port.
mkdir -m 0700 "$TL_TMP/run2"
tl_spawn "$TL_TMP/schedd-fake-master.log" "$BIN/torc-schedd" \
    --master "127.0.0.1:$SIM_SWITCH_PORT" --config "$E2E_CFG" \
    --run-dir "$TL_TMP/run2" --state-dir "$TL_TMP/state2" --log-level debug
FAKE_PID=$TL_LAST_PID
api '/service?name=dns-sl1' -X DELETE -o /dev/null
sl_gone() { [ -z "$(svc dns-sl1 name)" ]; }
check "dns-sl1 is killed while both answer garbage" wait_until 20 sl_gone
api '/start/group?name=torc-dns-scheduler' -o /dev/null
tds_running() { [ "$(svc torc-dns-scheduler state)" = Running ]; }
check "torc-dns-scheduler starts meanwhile" wait_until 20 tds_running
tds_failed() {
	api /dns | jq -e '.[] | select(.name == "torc-dns-scheduler") |
	    select(.status != "programmed" and .last_error != "")' >/dev/null 2>&1
}
check "its DNS entry is not programmed, with the error in /dns" wait_until 20 tds_failed
like "the error is clear" \
    "$(api /dns | jq -r '.[] | select(.name == "torc-dns-scheduler") | .last_error')" \
    '[Jj][Ss][Oo][Nn]|garbage|parse|invalid|unreachable'
fake_retries() {
	[ "$(grep -c 'subscribing again' "$TL_TMP/schedd-fake-master.log")" -ge 2 ]
}
check "a master answering garbage: schedd logs it and subscribes again" \
    wait_until 20 fake_retries
check "saying what was wrong" grep -q \
    "bad stream from the master (stream of type 'application/json', not application/x-protobuf)" \
    "$TL_TMP/schedd-fake-master.log"
check "and stays up" alive "$FAKE_PID"
check "without registering a framework" test ! -s "$TL_TMP/state2/framework_id"
tl_stop "$FAKE_PID"
is "it stops cleanly" "$TL_STATUS" 0
sim_post /consul/fault '{"mode":"none"}'
sim_post /switch/fault '{"mode":"none"}'
converged() {
	dns_is torc-dns-scheduler 10.250.3.23 && dns_none dns-sl1 &&
	    [ -z "$(route_of "$SL_IP/32")" ] && system_all_dns
}
check "the garbage gone, Consul and the switch converge" wait_until 30 converged
check "routed logged Consul's garbage as an error, quoting it" \
    grep -qE 'consul: unreachable: .*not a JSON object of services: .*garbage' "$ROUTED_LOG"
check "and the switch's" \
    grep -qE 'snaproute: unreachable: .*not what FlexSwitch sends: .*garbage' "$ROUTED_LOG"

check "torc-schedd, torc-routed and torc-apid are still running" \
    alive "$SCHEDD_PID" "$ROUTED_PID" "$APID_PID"
check "no sanitizer report in any log" no_sanitizer_report
e2e_done
