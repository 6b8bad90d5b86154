#!/usr/bin/env bash
# cli.sh BUILD - the daemons' command lines: required flags, unknown
# flags and bad values give one error line naming the flag, the usage and
# exit 2; --help and --version exit 0; --master accepts its three forms;
# --check-config touches nothing.
set -u
BUILD=${1:?usage: cli.sh BUILD}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
CFG=scripts/config/torc.yml
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $*"; }

# expect DESC RC FIRST_STDERR_LINE CMD...: exit status and first line.
expect() {
	local desc=$1 rc=$2 line=$3
	shift 3
	local out err got
	err=$("$@" 2>&1 >/dev/null)
	got=$?
	out=$(printf '%s\n' "$err" | head -1)
	if [ "$got" -eq "$rc" ] && [ "$out" = "$line" ]; then
		ok "$desc"
	else
		notok "$desc (exit $got, first line '$out', wanted $rc '$line')"
	fi
}

for d in torc-schedd torc-routed torc-apid; do
	b=$BUILD/bin/$d
	expect "$d without --master exits 2 naming it" 2 \
	    "$d: missing required flag --master" $b --config $CFG
	expect "$d without --config exits 2 naming it" 2 \
	    "$d: missing required flag --config" $b --master 10.0.0.1
	expect "$d rejects an unknown flag" 2 \
	    "$d: unknown flag '--bogus'" $b --master 10.0.0.1 --config $CFG --bogus
	expect "$d rejects a flag without its value" 2 \
	    "$d: --config: missing value" $b --master 10.0.0.1 --config
	expect "$d rejects a bad log level" 2 \
	    "$d: --log-level: unknown level 'loud' (debug, info, warn, error)" \
	    $b --master 10.0.0.1 --config $CFG --log-level loud
	expect "$d rejects a bad --master" 2 \
	    "$d: --master: '10.0.0.1:99999': port out of range" \
	    $b --master 10.0.0.1:99999 --config $CFG
	expect "$d rejects a stray argument" 2 \
	    "$d: unexpected argument 'extra'" $b --master 10.0.0.1 --config $CFG extra
	if $b --help | grep -q -- "--master ADDR"; then
		ok "$d --help prints the usage and exits 0"
	else
		notok "$d --help"
	fi
	if $b --version | grep -qE "^$d [0-9]"; then
		ok "$d --version prints its version"
	else
		notok "$d --version"
	fi
	if [ "$($b --check-config --master 10.0.0.1 --config $CFG)" = "config OK" ]; then
		ok "$d --check-config accepts the demo config"
	else
		notok "$d --check-config on the demo config"
	fi
done

# Flags that only some daemons take.
expect "torc-apid has no --state-dir" 2 "torc-apid: unknown flag '--state-dir'" \
    $BUILD/bin/torc-apid --master 10.0.0.1 --config $CFG --state-dir /tmp
expect "torc-schedd has no --listen" 2 "torc-schedd: unknown flag '--listen'" \
    $BUILD/bin/torc-schedd --master 10.0.0.1 --config $CFG --listen 1.2.3.4:1
expect "--myip must be an IPv4 address" 2 \
    "torc-schedd: --myip: 'wedge' is not an IPv4 address" \
    $BUILD/bin/torc-schedd --master 10.0.0.1 --config $CFG --myip wedge
expect "--listen must be ADDR:PORT" 2 \
    "torc-apid: --listen: '0.0.0.0': expected host:port" \
    $BUILD/bin/torc-apid --master 10.0.0.1 --config $CFG --listen 0.0.0.0

# The three forms of --master resolve $MASTER_IP to the host part.
for m in 10.9.8.7 10.9.8.7:5050 http://10.9.8.7:5050; do
	if $BUILD/bin/torc-schedd --print-config --master "$m" --config $CFG |
	    grep -q "10.9.8.7:8080"; then
		ok "--master $m makes \$MASTER_IP 10.9.8.7"
	else
		notok "--master $m: \$MASTER_IP not resolved to 10.9.8.7"
	fi
done

# --check-config touches nothing: no run or state directory appears.
tmp=$(mktemp -d)
$BUILD/bin/torc-schedd --check-config --master 10.0.0.1 --config $CFG \
    --run-dir "$tmp/run" --state-dir "$tmp/state" >/dev/null
if [ ! -e "$tmp/run" ] && [ ! -e "$tmp/state" ]; then
	ok "--check-config creates no directory"
else
	notok "--check-config created a directory"
fi
rm -rf "$tmp"

# A config error in run mode exits 1 and says how many errors.
bad=tests/config/bad/03-unknown-key.yml
if [ -f "$bad" ]; then
	out=$($BUILD/bin/torc-schedd --master 10.0.0.1 --config $bad 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q "error.* in $bad"; then
		ok "a bad config stops a daemon with exit 1 and a summary"
	else
		notok "bad config in run mode (exit $rc)"
	fi
fi

echo "1..$n"
exit $fail
