#!/usr/bin/env bash
# tests/sim/test_consul_switch_dns.sh BUILD - torc-sim's Consul agent, DNS
# responder, FlexSwitch agent, fault modes, control API and command line,
# checked over the wire with curl, dig and jq.
set -u
BUILD=${1:?usage: $0 BUILD}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export TORC_BUILD=$BUILD TORC_ROOT=$ROOT
. "$ROOT/tests/lib/testlib.sh"
tl_init sim-consul-switch-dns

SIM=$BUILD/tests/sim/torc-sim
SIM_CONFIG=$ROOT/scripts/config/torc.yml
export SIM_CONFIG

# http METHOD URL [BODY]: "<status> <body>" on one line; status 000 when
# nothing came back.  curl_rc prints the last curl's exit code.
http() {
	local out
	if [ $# -ge 3 ]; then
		out=$(curl -sS -m "${MAXTIME:-10}" -o "$TL_TMP/body" \
		    -w '%{http_code}' -X "$1" -d "$3" "$2" 2>/dev/null)
	else
		out=$(curl -sS -m "${MAXTIME:-10}" -o "$TL_TMP/body" \
		    -w '%{http_code}' -X "$1" "$2" 2>/dev/null)
	fi
	echo $? >"$TL_TMP/curl_rc"
	[ -f "$TL_TMP/body" ] || : >"$TL_TMP/body"
	echo "$out $(cat "$TL_TMP/body")"
	rm -f "$TL_TMP/body"
}

curl_rc() { cat "$TL_TMP/curl_rc"; }
status_of() { echo "${1%% *}"; }
body_of() { echo "${1#* }"; }

# dns NAME [TYPE]: sorted A records, one a line.
dns_a() {
	dig +short +time=2 +tries=1 @127.0.0.1 -p "$SIM_DNS_PORT" \
	    "$1" "${2:-A}" | sort
}
dns_status() {
	dig +time=2 +tries=1 @127.0.0.1 -p "$SIM_DNS_PORT" "$1" "${2:-A}" |
	    sed -n 's/.*status: \([A-Z]*\).*/\1/p'
}
dns_count() {
	dig +time=2 +tries=1 @127.0.0.1 -p "$SIM_DNS_PORT" "$1" "${2:-A}" |
	    sed -n 's/.*ANSWER: \([0-9]*\).*/\1/p'
}

reg() { http PUT "$SIM_CONSUL/v1/agent/service/register" "$1"; }
route_body() {
	printf '{"DestinationNw":"%s","NetworkMask":"255.255.255.255",' "$1"
	printf '"Protocol":"STATIC","NextHop":[{"NextHopIp":"%s"}]}' "$2"
}
del_body() {
	printf '{"DestinationNw":"%s","NetworkMask":"255.255.255.255",' "$1"
	printf '"Protocol":"STATIC","NextHop":[]}'
}

# held_requests PART N: at least N requests are being held by a hang.
# shellcheck disable=SC2317  # called through wait_until
held_requests() {
	sim_ctl GET "/$1/requests" | jq -e --argjson n "$2" '[.requests[] |
	    select(.fault == "hang" and .status == null)] | length >= $n' \
	    >/dev/null
}

# ---- command line -------------------------------------------------------

"$SIM" --help >"$TL_TMP/help" 2>&1
is "--help exits 0" "$?" 0
check "--help prints the usage" grep -q -- '--consul-port' "$TL_TMP/help"

"$SIM" --config "$SIM_CONFIG" --consul-port nope >"$TL_TMP/o" 2>&1
is "bad port value exits 2" "$?" 2
check "bad port message names the flag" grep -q -- '--consul-port' "$TL_TMP/o"

"$SIM" --config "$SIM_CONFIG" --bogus >"$TL_TMP/o" 2>&1
is "unknown flag exits 2" "$?" 2
check "unknown flag is named" grep -q -- '--bogus' "$TL_TMP/o"

"$SIM" >"$TL_TMP/o" 2>&1
is "missing --config exits 2" "$?" 2

"$SIM" --config "$TL_TMP/does-not-exist.yml" >"$TL_TMP/o" 2>&1
is "unreadable config exits 1" "$?" 1

# ---- start ------------------------------------------------------------------

if ! sim_start --seed 7; then
	not_ok "torc-sim starts"
	tl_done
fi
ok "torc-sim starts and prints its ready line"
want="mesos=127.0.0.1:$SIM_MESOS_PORT consul=127.0.0.1:$SIM_CONSUL_PORT"
want="$want dns=127.0.0.1:$SIM_DNS_PORT switch=127.0.0.1:$SIM_SWITCH_PORT"
want="$want control=127.0.0.1:$SIM_CONTROL_PORT"
like "ready line lists every part" "$(grep '^torc-sim ready:' "$SIM_LOG")" \
    "$want"
is "control /health" "$(sim_ctl GET /health)" '{"ok":true}'

# A second simulator on the same ports must fail to start, naming why.
"$SIM" --config "$SIM_CONFIG" --mesos-port "$(free_ports 1)" \
    --consul-port "$SIM_CONSUL_PORT" --dns-port "$(free_ports 1)" \
    --switch-port "$(free_ports 1)" --control-port "$(free_ports 1)" \
    >"$TL_TMP/o" 2>&1
is "port in use exits 1" "$?" 1
check "port in use is reported" grep -q "cannot listen" "$TL_TMP/o"

# ---- Consul -----------------------------------------------------------------

r=$(reg '{"Name":"dns","Address":"10.250.3.20"}')
is "register (PUT) answers 200 with an empty body" "$r" "200 "
r=$(http GET "$SIM_CONSUL/v1/agent/services")
is "registered service in agent/services" \
    "$(body_of "$r" | jq -c '.dns | [.ID,.Service,.Address,.Port,.Tags]')" \
    '["dns","dns","10.250.3.20",0,[]]'
r=$(http GET "$SIM_CONSUL/v1/catalog/services")
is "catalog/services lists it (and consul)" "$(body_of "$r" | jq -c 'keys')" \
    '["consul","dns"]'
r=$(http GET "$SIM_CONSUL/v1/catalog/service/dns")
is "catalog/service/dns" \
    "$(body_of "$r" | jq -c '[.[] | .ServiceID, .ServiceAddress, .Node]')" \
    '["dns","10.250.3.20","wedge"]'
r=$(http GET "$SIM_CONSUL/v1/catalog/service/nothing")
is "catalog/service of an unknown name is []" "$r" "200 []"
is "status/leader" "$(http GET "$SIM_CONSUL/v1/status/leader")" \
    '200 "127.0.0.1:8300"'

r=$(http POST "$SIM_CONSUL/v1/agent/service/register" '{"Name":"x"}')
is "register via POST is 405" "$(status_of "$r")" 405
r=$(reg '{"Name": "x",')
like "bad JSON is 400 decode failed" "$r" '^400 Request decode failed'
r=$(reg '{"Address":"10.0.0.1"}')
is "missing Name is 400" "$r" "400 Missing service name"
r=$(reg '{"Name":5}')
is "Name of the wrong type is 400" "$(status_of "$r")" 400
r=$(reg '{"name":"lower","address":"10.0.0.9","port":80}')
is "keys are matched case-insensitively" "$(status_of "$r")" 200
is "lower-case keys decoded" "$(http GET "$SIM_CONSUL/v1/agent/services" |
    cut -d' ' -f2- | jq -c '.lower | [.Address,.Port]')" '["10.0.0.9",80]'

reg '{"ID":"w1","Name":"web","Address":"10.1.0.1","Tags":["blue"]}' >/dev/null
reg '{"ID":"w2","Name":"web","Address":"10.1.0.2"}' >/dev/null
reg '{"ID":"w2","Name":"web","Address":"10.1.0.3"}' >/dev/null
is "re-register with the same ID replaces" \
    "$(http GET "$SIM_CONSUL/v1/catalog/service/web" | cut -d' ' -f2- |
    jq -c '[.[].ServiceAddress]')" '["10.1.0.1","10.1.0.3"]'
is "catalog tag filter" \
    "$(http GET "$SIM_CONSUL/v1/catalog/service/web?tag=blue" |
    cut -d' ' -f2- | jq -c '[.[].ServiceID]')" '["w1"]'

# ---- DNS --------------------------------------------------------------------

is "DNS A for a registered name" "$(dns_a dns.service.torc)" "10.250.3.20"
is "DNS names are case-insensitive" "$(dns_a DNS.Service.TORC)" \
    "10.250.3.20"
is "DNS answers every instance of a shared name" \
    "$(dns_a web.service.torc | tr '\n' ' ')" "10.1.0.1 10.1.0.3 "
is "DNS tag lookup" "$(dns_a blue.web.service.torc)" "10.1.0.1"
is "DNS with the datacenter" "$(dns_a dns.service.dc1.torc)" "10.250.3.20"
is "DNS NXDOMAIN for an unknown name" "$(dns_status nothing.service.torc)" \
    NXDOMAIN
is "DNS AAAA for a known name is NOERROR" \
    "$(dns_status dns.service.torc AAAA)" NOERROR
is "DNS AAAA has no answer" "$(dns_count dns.service.torc AAAA)" 0
is "DNS outside the domain is REFUSED" "$(dns_status example.com)" REFUSED
reg '{"Name":"noaddr"}' >/dev/null
is "service without Address resolves to the node address" \
    "$(dns_a noaddr.service.torc)" "127.0.0.1"

# Malformed packets: FORMERR or silence, never a crash.
python3 - "$SIM_DNS_PORT" >"$TL_TMP/dnsbad" 2>&1 <<'EOF'
import socket, struct, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
def hdr(i, flags, qd):
    return struct.pack(">HHHHHH", i, flags, qd, 0, 0, 0)
def ask(pkt):
    s.sendto(pkt, ("127.0.0.1", port))
    try:
        return s.recv(4096)
    except socket.timeout:
        return None
# QDCOUNT 2 -> FORMERR
r = ask(hdr(1, 0x0100, 2) + b"\x01a\x00\x00\x01\x00\x01")
print("qd2", r[3] & 0xf if r else "none")
# compression pointer in the question -> FORMERR
r = ask(hdr(2, 0x0100, 1) + b"\xc0\x0c\x00\x01\x00\x01")
print("ptr", r[3] & 0xf if r else "none")
# truncated question -> FORMERR
r = ask(hdr(3, 0x0100, 1) + b"\x05ab")
print("trunc", r[3] & 0xf if r else "none")
# header fragment -> ignored
s.sendto(b"\x01\x02\x03", ("127.0.0.1", port))
# random junk, many sizes
import random
random.seed(1)
for n in range(300):
    junk = bytes(random.getrandbits(8)
                 for _ in range(random.randrange(0, 600)))
    s.sendto(junk, ("127.0.0.1", port))
# opcode 2 (STATUS) -> NOTIMP
r = ask(hdr(4, 0x1000, 1) + b"\x01a\x00\x00\x01\x00\x01")
print("op", r[3] & 0xf if r else "none")
EOF
check "FORMERR for QDCOUNT 2" grep -qx 'qd2 1' "$TL_TMP/dnsbad"
check "FORMERR for a compressed question" grep -qx 'ptr 1' "$TL_TMP/dnsbad"
check "FORMERR for a truncated question" grep -qx 'trunc 1' "$TL_TMP/dnsbad"
check "NOTIMP for another opcode" grep -qx 'op 4' "$TL_TMP/dnsbad"
is "DNS still answers after junk" "$(dns_a dns.service.torc)" "10.250.3.20"

# ---- deregister -------------------------------------------------------------

r=$(http PUT "$SIM_CONSUL/v1/agent/service/deregister/w1")
is "deregister answers 200" "$r" "200 "
is "deregistered service is gone from the catalog" \
    "$(http GET "$SIM_CONSUL/v1/catalog/service/web" | cut -d' ' -f2- |
    jq -c '[.[].ServiceID]')" '["w2"]'
is "and from DNS" "$(dns_a web.service.torc)" "10.1.0.3"
r=$(http PUT "$SIM_CONSUL/v1/agent/service/deregister/nope")
is "deregister of an unknown ID is 404" "$r" '404 Unknown service ID "nope"'
r=$(http GET "$SIM_CONSUL/v1/agent/service/deregister/w2")
is "deregister via GET is 405" "$(status_of "$r")" 405

# ---- behind torc's back -----------------------------------------------------

r=$(sim_ctl POST /consul/delete '{"id":"dns"}')
is "control: delete a Consul entry" "$r" '{"ok":true}'
is "deleted entry gone from agent/services" \
    "$(http GET "$SIM_CONSUL/v1/agent/services" | cut -d' ' -f2- |
    jq -r 'has("dns")')" false
is "deleted entry gives NXDOMAIN" "$(dns_status dns.service.torc)" NXDOMAIN
r=$(sim_ctl POST /consul/register \
    '{"ID":"stray","Name":"stray","Address":"10.9.9.9"}')
is "control: add a foreign entry" "$r" '{"ok":true}'
is "foreign entry resolves" "$(dns_a stray.service.torc)" "10.9.9.9"
is "foreign entry is marked in the table" \
    "$(sim_ctl GET /consul/services | jq -c '.services[] |
    select(.ID == "stray") | .Foreign')" true
is "control: DNS table" "$(sim_ctl GET /consul/dns | jq -c '.names.web')" \
    '["10.1.0.3"]'

# ---- request log ------------------------------------------------------------

sim_ctl DELETE /consul/requests >/dev/null
reg '{"Name":"logged","Address":"10.3.3.3"}' >/dev/null
http GET "$SIM_CONSUL/v1/agent/services" >/dev/null
r=$(sim_ctl GET /consul/requests)
want='[["PUT","/v1/agent/service/register",200],'
want+='["GET","/v1/agent/services",200]]'
is "request log records method, path, status" \
    "$(echo "$r" | jq -c '[.requests[] | [.method, .path, .status]]')" \
    "$want"
is "request log keeps the JSON body" \
    "$(echo "$r" | jq -r '.requests[0].body.Name')" logged
sim_ctl DELETE /consul/requests >/dev/null
is "request log cleared" "$(sim_ctl GET /consul/requests |
    jq '.requests | length')" 0

# ---- switch -----------------------------------------------------------------

r=$(http POST "$SIM_SWITCH/public/v1/config/IPv4Route" \
    "$(route_body 10.1.1.1 10.250.3.21)")
is "route create is 201" "$(status_of "$r")" 201
oid=$(body_of "$r" | jq -r .ObjectId)
like "create answers an ObjectId" "$oid" '^[0-9a-f]{8}-[0-9a-f]{4}-4'
r=$(http GET "$SIM_SWITCH/public/v1/state/IPv4Routes")
is "route in the state list" "$(body_of "$r" | jq -c '[.ObjCount,
    (.Objects[] | [.ObjectId == "'"$oid"'", .Object.DestinationNw,
    .Object.NetworkMask, .Object.NextHopList[0].NextHopIp,
    .Object.IsNetworkReachable])]')" \
    '[1,[true,"10.1.1.1","255.255.255.255","10.250.3.21",true]]'
r=$(http GET "$SIM_SWITCH/public/v1/config/IPv4Routes")
is "route in the config list" "$(body_of "$r" | jq -c '.Objects[] |
    [.Object.DestinationNw, .Object.Protocol, .Object.NextHop[0].NextHopIp]')" \
    '["10.1.1.1","STATIC","10.250.3.21"]'
r=$(http POST "$SIM_SWITCH/public/v1/config/IPv4Route" \
    "$(route_body 10.1.1.1 10.250.3.21)")
is "duplicate create is 500" "$(status_of "$r")" 500
like "duplicate create says why" "$(body_of "$r" | jq -r .Error)" \
    'already exists'
r=$(http POST "$SIM_SWITCH/public/v1/config/IPv4Route" \
    "$(route_body 10.1.1.1 10.250.3.22)")
is "same prefix, other next hop is a duplicate too" "$(status_of "$r")" 500
r=$(http POST "$SIM_SWITCH/public/v1/config/IPv4Route" '{"DestinationNw":')
is "bad JSON is 400" "$(status_of "$r")" 400
r=$(http POST "$SIM_SWITCH/public/v1/config/IPv4Route" \
    "$(route_body 10.1.1.300 10.250.3.21)")
is "invalid address is 500 with Error" \
    "$(status_of "$r") $(body_of "$r" | jq -r .Error)" \
    "500 Invalid DestinationNw 10.1.1.300"
r=$(http GET "$SIM_SWITCH/public/v1/config/IPv4Route/$oid")
is "GET by ObjectId" "$(body_of "$r" | jq -r .Object.DestinationNw)" 10.1.1.1
r=$(http DELETE "$SIM_SWITCH/public/v1/config/IPv4Route" \
    "$(del_body 10.1.1.1)")
is "route delete is 200 with its ObjectId" \
    "$(status_of "$r") $(body_of "$r" | jq -r .ObjectId)" "200 $oid"
is "deleted route gone" "$(http GET "$SIM_SWITCH/public/v1/state/IPv4Routes" |
    cut -d' ' -f2- | jq -c '[.ObjCount, .Objects]')" '[0,[]]'
r=$(http DELETE "$SIM_SWITCH/public/v1/config/IPv4Route" \
    "$(del_body 10.1.1.1)")
is "delete of a missing route is 410" "$(status_of "$r")" 410
like "missing route error says why" "$(body_of "$r" | jq -r .Error)" \
    'not found'
r=$(http POST "$SIM_SWITCH/public/v1/config/IPv4Route" \
    "$(route_body 10.1.1.2 10.250.3.23)")
oid=$(body_of "$r" | jq -r .ObjectId)
r=$(http DELETE "$SIM_SWITCH/public/v1/config/IPv4Route/$oid")
is "delete by ObjectId" "$(status_of "$r")" 200
r=$(http DELETE "$SIM_SWITCH/public/v1/config/IPv4Route" '[1')
is "delete with bad JSON is 400" "$(status_of "$r")" 400
r=$(http GET "$SIM_SWITCH/public/v1/state/SystemStatus")
is "SystemStatus" "$(status_of "$r") $(body_of "$r" | jq -c '.Object.Ready')" \
    "200 true"

# Pagination of the bulk GET.
for i in 1 2 3; do
	http POST "$SIM_SWITCH/public/v1/config/IPv4Route" \
	    "$(route_body 10.5.0.$i 10.250.3.21)" >/dev/null
done
r=$(http GET "$SIM_SWITCH/public/v1/state/IPv4Routes?CurrentMarker=0&Count=2")
is "bulk GET pages" \
    "$(body_of "$r" | jq -c '[.ObjCount,.MoreExist,.NextMarker]')" '[2,true,2]'

# Behind torc's back.
r=$(sim_ctl POST /switch/delete '{"prefix":"10.5.0.1/32"}')
is "control: delete a route" "$r" '{"ok":true}'
is "route deleted behind the back is gone" \
    "$(http GET "$SIM_SWITCH/public/v1/state/IPv4Routes" | cut -d' ' -f2- |
    jq -c '[.Objects[].Object.DestinationNw]')" '["10.5.0.2","10.5.0.3"]'
r=$(sim_ctl POST /switch/add '{"prefix":"10.6.0.0/24","nexthop":"10.250.3.1"}')
is "control: add an operator route" "$(echo "$r" | jq -r .ok)" true
is "operator route in the table" "$(sim_ctl GET /switch/routes | jq -c \
    '.routes[] | select(.prefix == "10.6.0.0/24") | [.nexthop, .origin]')" \
    '["10.250.3.1","operator"]'
is "operator route visible to the API" \
    "$(http GET "$SIM_SWITCH/public/v1/config/IPv4Routes" | cut -d' ' -f2- |
    jq -c '[.Objects[].Object | select(.DestinationNw == "10.6.0.0") |
    .NetworkMask]')" '["255.255.255.0"]'
r=$(sim_ctl GET /switch/requests)
like "switch request log records creates" \
    "$(echo "$r" | jq -c '[.requests[] | select(.method == "POST") |
    .status] | unique')" '^\[201,400,500\]$'

# ---- fault modes ------------------------------------------------------------

fault() { sim_ctl POST "/$1/fault" "{\"mode\":\"$2\"}" >/dev/null; }

for part in consul switch; do
	if [ $part = consul ]; then
		url=$SIM_CONSUL/v1/agent/services
	else
		url=$SIM_SWITCH/public/v1/state/IPv4Routes
	fi
	fault $part 500
	r=$(http GET "$url")
	is "$part fault 500 answers 500" "$(status_of "$r")" 500
	fault $part garbage
	r=$(http GET "$url")
	is "$part fault garbage answers 200" "$(status_of "$r")" 200
	if body_of "$r" | jq . >/dev/null 2>&1; then
		not_ok "$part fault garbage body is not JSON"
	else
		ok "$part fault garbage body is not JSON"
	fi
	fault $part hang
	r=$(MAXTIME=1 http GET "$url")
	is "$part fault hang: no answer within the client timeout" \
	    "$(status_of "$r") $(curl_rc)" "000 28"
	# A request held by the hang is answered once the fault clears.
	curl -sS -m 20 -o /dev/null -w '%{http_code}' "$url" \
	    >"$TL_TMP/held.$part" 2>/dev/null &
	held=$!
	wait_until 10 held_requests "$part" 2
	fault $part none
	wait "$held"
	is "$part held request answered after recovery" \
	    "$(cat "$TL_TMP/held.$part")" 200
	fault $part refuse
	r=$(http GET "$url")
	is "$part fault refuse: connection refused" \
	    "$(status_of "$r") $(curl_rc)" "000 7"
	fault $part none
	r=$(http GET "$url")
	is "$part recovers on the same port" "$(status_of "$r")" 200
	r=$(sim_ctl POST "/$part/fault" '{"mode":"sideways"}')
	is "$part unknown fault mode rejected" \
	    "$(echo "$r" | jq -r 'has("error")')" true
	sim_ctl POST "/$part/delay" '{"ms":300}' >/dev/null
	t=$(curl -sS -m 10 -o /dev/null -w '%{time_total}' "$url")
	sim_ctl POST "/$part/delay" '{"ms":0}' >/dev/null
	check "$part delay slows answers ($t s)" \
	    awk "BEGIN { exit !($t >= 0.3) }"
done
# Closing the listener drops a request held by a hang.
fault switch hang
curl -sS -m 20 -o /dev/null "$SIM_SWITCH/public/v1/state/SystemStatus" \
    2>/dev/null &
held=$!
wait_until 10 held_requests switch 1
fault switch refuse
wait "$held"
rc=$?
like "refuse drops a held request (curl exit $rc)" "$rc" '^(52|56)$'
fault switch none

is "fault requests are logged with their mode" \
    "$(sim_ctl GET /consul/requests | jq -c '[.requests[].fault] |
    unique')" '["500","garbage","hang","none"]'
is "unknown control endpoint is 404" \
    "$(curl -s -o /dev/null -w '%{http_code}' "$SIM_CONTROL/nope")" 404
is "control rejects a non-JSON body" \
    "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{x' \
    "$SIM_CONTROL/consul/fault")" 400

# ---- reset and shutdown -----------------------------------------------------

fault switch 500
sim_ctl POST /reset >/dev/null
is "reset clears the fault mode" "$(sim_ctl GET /switch/fault)" \
    '{"mode":"none","delay_ms":0}'
is "reset empties the switch" "$(sim_ctl GET /switch/routes)" '{"routes":[]}'
is "reset empties Consul" "$(sim_ctl GET /consul/services)" '{"services":[]}'

# Shutdown must not wait for a request held by a hang.
fault consul hang
curl -sS -m 30 -o /dev/null "$SIM_CONSUL/v1/agent/services" 2>/dev/null &
held=$!
wait_until 10 held_requests consul 1
tl_stop "$SIM_PID" 15
is "torc-sim exits 0 on SIGTERM with a request held" "$TL_STATUS" 0
wait "$held" 2>/dev/null
check "log reports the stop" grep -q 'stopping' "$SIM_LOG"
if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error' "$SIM_LOG"
then
	not_ok "no sanitizer report"
	diag "$(grep -E -A5 'Sanitizer|runtime error' "$SIM_LOG" | head -40)"
else
	ok "no sanitizer report"
fi

tl_done
