#!/usr/bin/env bash
# tests/integ/test_routed.sh BUILD - torc-routed against torc-sim's Consul
# and switch with a stand-in schedd.  The test itself is C
# (tests/integ/test_routed_sim.c, built into BUILD/tests/integ/); it
# prints TAP.
set -u
BUILD=${1:?usage: tests/integ/test_routed.sh BUILD}
TORC_BUILD=${TORC_BUILD:-$(cd "$BUILD" && pwd)}
export TORC_BUILD
export CMOCKA_MESSAGE_OUTPUT=${CMOCKA_MESSAGE_OUTPUT:-TAP}
exec "$BUILD/tests/integ/test_routed_sim"
