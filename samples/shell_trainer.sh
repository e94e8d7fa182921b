#!/bin/sh
# A trainer in plain shell that reports through $TUNETOP_METRICS_FILE (CSV,
# header first) instead of stdout. It "trains" a quadratic bowl: the loss
# decays towards (x - 0.3)^2 + (y + 0.2)^2 over the epochs, so the sweep has
# a known optimum at x=0.3, y=-0.2.
#   usage: shell_trainer.sh --x=X --y=Y [--epochs=N]
set -eu
x=0 y=0 epochs=5
for arg in "$@"; do
    case $arg in
    --x=*) x=${arg#--x=} ;;
    --y=*) y=${arg#--y=} ;;
    --epochs=*) epochs=${arg#--epochs=} ;;
    *) echo "shell_trainer: unknown argument: $arg" >&2; exit 2 ;;
    esac
done
out=${TUNETOP_METRICS_FILE:-/dev/stdout}
echo "epoch,loss" >>"$out"
e=1
while [ "$e" -le "$epochs" ]; do
    awk -v x="$x" -v y="$y" -v e="$e" 'BEGIN {
        target = (x - 0.3) ^ 2 + (y + 0.2) ^ 2
        printf "%d,%.6f\n", e, target + 1.0 / (e * e) }' >>"$out"
    e=$((e + 1))
done
