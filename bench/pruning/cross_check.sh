#!/bin/sh
# tunetop's pruner against Optuna's on recorded curves: replay.c --trace 0
# (every prune decision tunetop makes) and optuna_check.py --trace (the same
# schedule through optuna.pruners.HyperbandPruner/SuccessiveHalvingPruner)
# over each METRICS file; prints one line per file: "same N" (N prune
# decisions, identical trial and step) or "differs" and the first lines of
# the diff. ASHA and Hyperband only. Exits 3 without optuna for
# /usr/bin/python3 (a message, nothing compared), 1 when any file differs.
#
#   usage: bench/pruning/cross_check.sh REPLAY SWEEP.yaml METRICS.csv...
# REPLAY is a built bench/pruning/replay.c (run.sh and grid.sh build one);
# SWEEP.yaml a sweep of bench/pruning/sweep.sh with an asha or hyperband
# pruner line.
set -eu
[ $# -ge 3 ] || { sed -n '2,/^set -eu/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }
here=$(dirname "$0")
replay=$1 sweep=$2
shift 2
/usr/bin/python3 -c 'import optuna' 2>/dev/null || {
    echo "cross_check.sh: optuna is not installed for /usr/bin/python3; skipped" >&2
    exit 3
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rc=0
for m in "$@"; do
    "$replay" "$sweep" "$m" --trace 0 | grep '^trial ' | sed 's/: prune:.*/: prune/' >"$tmp/c"
    /usr/bin/python3 "$here/optuna_check.py" "$m" --sweep "$sweep" --trace | grep '^trial ' >"$tmp/o"
    if cmp -s "$tmp/c" "$tmp/o"; then
        echo "$m: same $(wc -l <"$tmp/c")"
    else
        echo "$m: differs"
        diff "$tmp/c" "$tmp/o" | sed -n '1,6s/^/    /p'
        rc=1
    fi
done
exit $rc
