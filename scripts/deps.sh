#!/bin/sh
# Install the Debian 12 packages torc needs to build, test and run its demo.
# Idempotent: when everything is present it only checks and exits.
set -eu

PKGS="
build-essential
pkg-config
libnng-dev
nng-utils
libyaml-dev
libmicrohttpd-dev
libcurl4-openssl-dev
libmsgpack-dev
libprotobuf-c-dev
protobuf-c-compiler
protobuf-compiler
libjansson-dev
libcmocka-dev
clang
libclang-rt-14-dev
supervisor
bind9-dnsutils
curl
jq
wrk
python3
golang-github-mesos-mesos-go-dev
golang-github-gogo-protobuf-dev
libthrift-c-glib-dev
thrift-compiler
libglib2.0-dev
"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
# supervisor's package starts a system-wide supervisord; torc's demo runs
# its own instance, so the system one is left as the package set it up.
