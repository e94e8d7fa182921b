#!/bin/sh
# Hyperband configurations with Optuna's semantics over many seeds (issue
# 6's goal: <= 40 % of the unpruned trial-epochs, best within 2 %). Runs
# one unpruned sweep of the C sample trainer per seed (--epoch_time 0, the
# curves do not depend on it; kept under DIR/seeds and reused), then
# grid.py replays every configuration of the grid over every seed with
# replay.c and prints Markdown tables (see grid.py's header).
#
#   usage: bench/pruning/grid.sh [--seeds S,S,...] [--names N,N,...]
#                                [--out DIR] [grid.py options...]
#   defaults: seeds 11,1,2,3,4 (the bench's) then 5-10 and 12-40; names
#   bench-pruning plus five others; grid min_resource 1-9, reduction_factor
#   2-6, bootstrap_count 0-3, max_resource 27 and auto; DIR
#   build/bench-pruning-grid. About 1 minute for the sweeps, 1 for the grid.
set -eu
cd "$(dirname "$0")/../.."

seeds=11,1,2,3,4,5,6,7,8,9,10,$(seq -s, 12 40)
names=bench-pruning,study-a,study-b,mnist,trainer-sweep,hb2
out=build/bench-pruning-grid
while [ $# -gt 0 ]; do
    case $1 in
    --seeds) seeds=$2; shift ;;
    --names) names=$2; shift ;;
    --out) out=$2; shift ;;
    -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
    esac
    shift
done

make -s tunetop tunetop-shim samples/bin/trainer build/libtunetop.a
mkdir -p "$out/seeds"
${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -Iinclude -o "$out/replay" \
    bench/pruning/replay.c build/libtunetop.a \
    $(pkg-config --libs ncursesw yaml-0.1 sqlite3 2>/dev/null) -lcsv -lm -lpthread
for s in $(echo "$seeds" | tr ',' ' '); do
    [ -s "$out/seeds/$s.metrics.csv" ] && continue
    bench/pruning/sweep.sh "$s" 0 27 60 2 >"$out/seeds/$s.yaml"
    rm -rf "$out/seeds/$s"
    ./tunetop run "$out/seeds/$s.yaml" --dir "$out/seeds/$s" >"$out/seeds/$s.log" 2>&1
    ./tunetop export "$out/seeds/$s" --metrics -o "$out/seeds/$s.metrics.csv"
done
/usr/bin/python3 bench/pruning/grid.py "$out" --seeds "$seeds" --names "$names" \
    --ref "pruner: {type: asha, min_resource: 3, reduction_factor: 3}" \
    --ref "early_terminate: {type: hyperband, min_iter: 3}" \
    --ref "pruner: {type: hyperband, min_resource: 3, max_resource: 27, reduction_factor: 3}" \
    "$@" | tee "$out/report.md"
