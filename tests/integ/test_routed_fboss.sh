#!/usr/bin/env bash
# tests/integ/test_routed_fboss.sh BUILD - torc-routed with network-agent
# type fboss against torc-sim's FBOSS agent, with a stand-in schedd.  The
# test itself is C (tests/integ/test_routed_fboss.c); it prints TAP.
set -u
BUILD=${1:?usage: tests/integ/test_routed_fboss.sh BUILD}
TORC_BUILD=${TORC_BUILD:-$(cd "$BUILD" && pwd)}
export TORC_BUILD
export CMOCKA_MESSAGE_OUTPUT=${CMOCKA_MESSAGE_OUTPUT:-TAP}
exec "$BUILD/tests/integ/test_routed_fboss"
