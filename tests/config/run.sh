#!/usr/bin/env bash
# tests/config/run.sh BUILD [--update] - the config golden tests (the
# work is done by tests/golden/config.sh; this is what
# `make update-golden` calls).
exec "$(dirname "$0")/../golden/config.sh" "$@"
