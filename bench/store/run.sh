#!/bin/sh
# Store benchmark (docs/benchmarks.md, Runner → Metric storage): the metric
# hot path without the runner. Builds bench/store/metrics.c against the
# tree's build/libtunetop.a and runs it; arguments go to the program:
#   --trials N (4) --lines N (100000) --batch N (30000 points per
#   transaction) --curve (also a 10k-trial study: one trial's curve read)
#   --dir D (where the database goes; default $TMPDIR or /tmp)
# ROOT=/path/to/other/checkout bench/store/run.sh runs the same program
# against another tree's store (e.g. a `git archive` of the previous commit),
# for interleaved before/after runs.
#   usage: bench/store/run.sh [ARGS...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=${ROOT:-$(cd "$here/../.." && pwd)}
make -s -C "$root" build/libtunetop.a
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cc -std=c11 -D_GNU_SOURCE -O2 -I"$root/include" -o "$out" "$here/metrics.c" \
  "$root/build/libtunetop.a" $(pkg-config --libs ncursesw yaml-0.1 sqlite3) -lcsv -lm -lpthread
"$out" "$@"
