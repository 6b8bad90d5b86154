#!/usr/bin/env bash
# tests/golden/mesos_upstream.sh BUILD - every kind of Call torc-schedd
# sends, decoded by protoc with the upstream schema (the Mesos v1 protos
# that Debian ships with mesos-go, package mesos.scheduler): each must
# decode with no unknown field, show its key fields, and encode back to
# the very same bytes.  The calls come from `test_sched_wire --dump`.
set -u
BUILD=${1:?usage: tests/golden/mesos_upstream.sh BUILD}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GOSRC=/usr/share/gocode/src
SCHED=github.com/mesos/mesos-go/api/v1/lib/scheduler/scheduler.proto
N=0
FAILED=0

ok() { N=$((N + 1)); echo "ok $N - $*"; }
not_ok() { N=$((N + 1)); FAILED=1; echo "not ok $N - $*"; }

if ! command -v protoc >/dev/null || [ ! -f "$GOSRC/$SCHED" ] ||
    [ ! -f "$GOSRC/github.com/gogo/protobuf/gogoproto/gogo.proto" ]; then
	echo "ok 1 # SKIP protoc or the mesos-go/gogo protos are missing" \
	    "(scripts/deps.sh installs them)"
	exit 0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/torc-upstream.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
DUMP=$ROOT/$BUILD/tests/unit/test_sched_wire
[ -x "$DUMP" ] || DUMP=$BUILD/tests/unit/test_sched_wire
if ! "$DUMP" --dump "$TMP" 2>"$TMP/dump.err"; then
	not_ok "test_sched_wire --dump wrote the calls: $(cat "$TMP/dump.err")"
	echo "1..$N"
	exit 1
fi

decode() {
	protoc --decode=mesos.scheduler.Call -I"$GOSRC" -I/usr/include \
	    "$SCHED" <"$1"
}

encode() {
	protoc --encode=mesos.scheduler.Call -I"$GOSRC" -I/usr/include \
	    "$SCHED"
}

# check NAME PATTERN... : decodes, no unknown field, every fixed-string
# pattern present, and decode | encode gives back the same bytes.
check() {
	local name=$1 f=$TMP/$1.bin text pat missing=""
	shift
	if ! text=$(decode "$f" 2>&1); then
		not_ok "$name: protoc cannot decode it: $text"
		return
	fi
	# Unknown fields are printed by number ("15: ...").
	if grep -qE '^ *[0-9]+ *[:{]' <<<"$text"; then
		not_ok "$name: fields unknown to upstream:" \
		    "$(grep -E '^ *[0-9]+ *[:{]' <<<"$text" | head -3 | tr -s ' ')"
		return
	fi
	for pat in "$@"; do
		grep -qF -- "$pat" <<<"$text" || missing="$missing [$pat]"
	done
	if [ -n "$missing" ]; then
		not_ok "$name: missing$missing"
		return
	fi
	if ! encode <<<"$text" >"$TMP/$name.re" 2>"$TMP/$name.err" ||
	    ! cmp -s "$f" "$TMP/$name.re"; then
		not_ok "$name: upstream re-encoding differs"
		return
	fi
	ok "$name decodes with the upstream schema, field for field"
}

FW='value: "a49a6f78-be84-4473-bc7a-94d0864671bd-0001"'
AGENT='value: "a49a6f78-be84-4473-bc7a-94d0864671bd-S3"'

check subscribe_new 'type: SUBSCRIBE' 'user: "root"' \
    'name: "torc-scheduler"' 'failover_timeout: 604800' 'checkpoint: true' \
    'role: "*"' 'hostname: "wedge"' 'type: PARTITION_AWARE' \
    'type: TASK_KILLING_STATE'
if decode "$TMP/subscribe_new.bin" 2>/dev/null | grep -q 'id {\|framework_id'; then
	not_ok "subscribe_new carries no framework id"
else
	ok "subscribe_new carries no framework id"
fi
check subscribe_again 'type: SUBSCRIBE' "framework_id {" "$FW" 'id {' \
    'checkpoint: true'
if [ "$(decode "$TMP/subscribe_again.bin" | grep -cF "$FW")" = 2 ]; then
	ok "subscribe_again has the id in Call.framework_id and FrameworkInfo.id"
else
	not_ok "subscribe_again has the id in Call.framework_id and FrameworkInfo.id"
fi
check accept 'type: ACCEPT' "$FW" \
    'value: "a49a6f78-be84-4473-bc7a-94d0864671bd-O7"' 'type: LAUNCH' \
    'name: "pcp"' 'value: "pcp.0c5a2d61-8f7e-4f0b-9a53-21b4c3d2e1f0"' \
    "$AGENT" 'name: "cpus"' 'name: "mem"' 'type: SCALAR' 'role: "*"' \
    'shell: false' 'arguments: "a b"' 'type: DOCKER' \
    'image: "attinnovate/charmander-pcp"' 'network: HOST' \
    'privileged: true' 'key: "cap-add"' 'value: "SYS_ADMIN"' 'mode: RO' \
    'mode: RW' 'network: USER' 'name: "torc"' 'key: "torc.service"' \
    'key: "torc.group"' 'value: "dns-sl"' 'refuse_seconds: 30'
check decline 'type: DECLINE' "$FW" 'offer_ids {' 'refuse_seconds: 5'
check decline_inverse 'type: DECLINE_INVERSE_OFFERS' "$FW" \
    'inverse_offer_ids {'
check kill 'type: KILL' "$FW" 'task_id {' "$AGENT"
check acknowledge 'type: ACKNOWLEDGE' "$FW" "$AGENT" \
    'value: "pcp.0c5a2d61-8f7e-4f0b-9a53-21b4c3d2e1f0"' \
    'uuid: "\023\n\344\343k\023N\364\272\251\237.\205\303\351\257"'
check reconcile_explicit 'type: RECONCILE' "$FW" 'tasks {' "$AGENT" \
    'value: "dns.6a1f0c2e-0000-4000-8000-000000000001"'
check reconcile_implicit 'type: RECONCILE' "$FW" 'reconcile {'
check teardown 'type: TEARDOWN' "$FW"
check suppress 'type: SUPPRESS' "$FW" 'suppress {'
check revive 'type: REVIVE' "$FW" 'revive {'

echo "1..$N"
exit $FAILED
