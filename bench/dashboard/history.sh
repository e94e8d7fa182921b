#!/bin/sh
# The history panel's draw alone (bench/dashboard/history.c; docs/benchmarks.md,
# Dashboard): builds it against the tree's build/libtunetop.a and runs it on a
# study, e.g. the big one bench/dashboard/run.sh --dir D leaves in D/big.
#   usage: bench/dashboard/history.sh STUDY_DIR [DRAWS] [BRAILLE]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
make -s -C "$root" build/libtunetop.a
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -I"$root/include" -I"$root/src/ui" \
  $(pkg-config --cflags ncursesw) -o "$out" "$here/history.c" "$root/build/libtunetop.a" \
  $(pkg-config --libs ncursesw yaml-0.1 sqlite3) -lcsv -lm -lpthread
"$out" "$@"
