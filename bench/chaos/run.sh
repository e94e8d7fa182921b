#!/bin/sh
# The chaos suite (tests/test_chaos.c) in its long mode: 100 SIGKILLs of the
# runner, a one-minute SIGSTOP, a flood of 5 M lines, the rest as in CI.
#   bench/chaos/run.sh [SEED] [TEST-NAME-PART]
# SEED replays the kill delays of a run (default 9); TEST-NAME-PART runs
# only the tests whose name holds it (e.g. storm). Figures go to stderr as
# "chaos: ..." lines; docs/reliability.md quotes them.
set -eu
cd "$(dirname "$0")/../.."
make --no-print-directory all build/check_tunetop >/dev/null
TUNETOP_CHAOS_LONG=1 TUNETOP_CHAOS_SEED="${1:-9}" TUNETOP_CHAOS_ONLY="${2:-}" \
  CK_RUN_SUITE=chaos TUNETOP_BIN="$PWD/tunetop" TUNETOP_ROOT="$PWD" \
  build/check_tunetop
