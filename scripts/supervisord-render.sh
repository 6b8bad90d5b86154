#!/usr/bin/env bash
# supervisord-render.sh OUTDIR [VAR=VALUE...] - write the shipped
# supervisord.conf and torc.conf into OUTDIR with their paths replaced:
#   BIN=dir CONFIG=file STATE=dir RUN=dir LOG=dir MASTER=addr LISTEN=addr
# (unset variables keep the shipped value).  Used by `make demo` and the
# tests, so both run exactly the shipped program sections.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:?usage: supervisord-render.sh OUTDIR [VAR=VALUE...]}
shift
BIN= CONFIG= STATE= RUN= LOG= MASTER= LISTEN=
for kv in "$@"; do
	case "$kv" in
	BIN=*|CONFIG=*|STATE=*|RUN=*|LOG=*|MASTER=*|LISTEN=*)
		declare "${kv%%=*}=${kv#*=}" ;;
	*) echo "supervisord-render.sh: unknown setting '$kv'" >&2; exit 2 ;;
	esac
done
mkdir -p "$OUT"
args=()
[ -n "$BIN" ] && args+=(-e "s|/usr/local/bin/|$BIN/|g")
[ -n "$CONFIG" ] && args+=(-e "s|/etc/torc/torc.yml|$CONFIG|g")
[ -n "$STATE" ] && args+=(-e "s|/var/lib/torc|$STATE|g")
[ -n "$RUN" ] && args+=(-e "s|/run/torc|$RUN|g")
[ -n "$LOG" ] && args+=(-e "s|/var/log/torc|$LOG|g")
[ -n "$MASTER" ] && args+=(-e "s|--master 127.0.0.1 |--master $MASTER |g")
[ -n "$LISTEN" ] && args+=(-e "s|\(torc-apid .*--run-dir [^ ]*\)$|\1 --listen $LISTEN|")
args+=(-e "s|/usr/local/share/torc/|$OUT/|g")
sed "${args[@]}" "$ROOT/scripts/supervisord.conf" >"$OUT/supervisord.conf"
sed "${args[@]}" "$ROOT/scripts/torc.conf" >"$OUT/torc.conf"
