#!/bin/sh
# Dashboard benchmark (docs/benchmarks.md, Dashboard): a synthetic study of
# 10,000 trials x 100 steps x 3 metrics written with the store API, then the
# real dashboard on a pseudo-terminal of 120x40: time to first frame, time
# per frame, peak RSS, bytes/s sent to the terminal in the live view (the big
# study with a simulated runner, and a real sweep of the sample trainer).
# Builds bench/dashboard/bench.c against the tree's build/libtunetop.a and
# runs it; arguments go to the program:
#   --trials N (10000) --steps N (100) --live SECONDS (20) --keys N (40)
#   --bin TUNETOP (./tunetop) --dir D (keep the studies there)
#   usage: bench/dashboard/run.sh [ARGS...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
make -s -C "$root" tunetop tunetop-shim build/libtunetop.a samples/bin/trainer
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -I"$root/include" -o "$out" "$here/bench.c" \
  "$root/build/libtunetop.a" $(pkg-config --libs ncursesw yaml-0.1 sqlite3) -lcsv -lm -lpthread -lutil
"$out" --bin "$root/tunetop" --root "$root" "$@"
