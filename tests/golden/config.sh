#!/usr/bin/env bash
# tests/golden/config.sh BUILD [--update] - golden tests of the config
# loader through `torc-schedd --check-config` and `--print-config`.
#
#   tests/config/good/NAME.yml  loads ("config OK"); its normalised form
#                               is NAME.out, and that form loads again to
#                               the same output
#   tests/config/bad/NAME.yml   is rejected (exit 1) with exactly the
#                               lines of NAME.err on stderr
#   scripts/config/*.yml        the shipped configs, as good cases whose
#                               output is tests/config/good/<name>.out
#
# One TAP line per check.  With --update the expected files are
# rewritten from the current output instead (review the diff!).
set -u
BUILD=${1:?usage: tests/golden/config.sh BUILD [--update]}
UPDATE=0
[ "${2:-}" = "--update" ] && UPDATE=1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
MASTER=10.0.0.1

BIN=$BUILD/bin/torc-schedd
[ -x "$BIN" ] || BIN=$BUILD/torc-schedd
if [ ! -x "$BIN" ]; then
	echo "not ok 1 - torc-schedd is built in $BUILD"
	exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/torc-golden-cfg.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
N=0
FAILED=0

ok() {
	N=$((N + 1))
	echo "ok $N - $1"
}

not_ok() {
	N=$((N + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $N - $1"
	shift
	for f in "$@"; do
		[ -f "$f" ] && sed 's/^/#   /' "$f" | head -40
	done
}

# good_case YML OUT: --check-config says "config OK"; --print-config
# matches OUT; printing the printed config again changes nothing.
good_case() {
	local yml=$1 out=$2 name rc
	name=${yml#"$ROOT"/}
	"$BIN" --check-config --master "$MASTER" --config "$yml" \
	    >"$TMP/stdout" 2>"$TMP/stderr"
	rc=$?
	if [ "$rc" -eq 0 ] && [ "$(cat "$TMP/stdout")" = "config OK" ] &&
	    [ ! -s "$TMP/stderr" ]; then
		ok "$name passes --check-config"
	else
		not_ok "$name passes --check-config (exit $rc)" \
		    "$TMP/stdout" "$TMP/stderr"
	fi

	"$BIN" --print-config --master "$MASTER" --config "$yml" \
	    >"$TMP/print.yml" 2>"$TMP/stderr"
	rc=$?
	if [ "$UPDATE" -eq 1 ] && [ "$rc" -eq 0 ]; then
		cp "$TMP/print.yml" "$out"
	fi
	if [ "$rc" -eq 0 ] && [ -f "$out" ] &&
	    diff -u "$out" "$TMP/print.yml" >"$TMP/diff"; then
		ok "$name prints as ${out#"$ROOT"/}"
	else
		[ -f "$out" ] || echo "missing $out" >"$TMP/diff"
		not_ok "$name prints as ${out#"$ROOT"/} (exit $rc)" \
		    "$TMP/diff" "$TMP/stderr"
	fi

	"$BIN" --print-config --master "$MASTER" --config "$TMP/print.yml" \
	    >"$TMP/reprint.yml" 2>"$TMP/stderr"
	rc=$?
	if [ "$rc" -eq 0 ] &&
	    diff -u "$TMP/print.yml" "$TMP/reprint.yml" >"$TMP/diff"; then
		ok "the printed form of $name loads back unchanged"
	else
		not_ok "the printed form of $name loads back unchanged" \
		    "$TMP/diff" "$TMP/stderr"
	fi
}

# bad_case YML ERR: exit 1, nothing on stdout, exactly ERR on stderr.
bad_case() {
	local yml=$1 err=$2 rc
	"$BIN" --check-config --master "$MASTER" --config "$yml" \
	    >"$TMP/stdout" 2>"$TMP/stderr"
	rc=$?
	if [ "$UPDATE" -eq 1 ] && [ "$rc" -eq 1 ]; then
		cp "$TMP/stderr" "$err"
	fi
	if [ "$rc" -eq 1 ] && [ ! -s "$TMP/stdout" ] && [ -f "$err" ] &&
	    diff -u "$err" "$TMP/stderr" >"$TMP/diff"; then
		ok "$yml is rejected with the errors of $err"
	else
		[ -f "$err" ] || echo "missing $err" >"$TMP/diff"
		not_ok "$yml is rejected with the errors of $err (exit $rc)" \
		    "$TMP/diff" "$TMP/stdout"
	fi
}

for yml in scripts/config/*.yml; do
	base=$(basename "$yml" .yml)
	good_case "$yml" "tests/config/good/$base.out"
done
for yml in tests/config/good/*.yml; do
	good_case "$yml" "${yml%.yml}.out"
done
for yml in tests/config/bad/*.yml; do
	bad_case "$yml" "${yml%.yml}.err"
done

echo "1..$N"
[ "$FAILED" -eq 0 ]
