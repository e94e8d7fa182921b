#!/usr/bin/env bash
# `make demo` until the runner and dashboard land: ask tunetop for the
# suggestions of the bundled sweep, run the sample trainer on each (argv
# built as W&B's ${args} does: --name=value, parameters switched off by a
# condition left out), and print the best trial. Values go to the trainer as
# argv elements, never through a shell.
set -euo pipefail
cd "$(dirname "$0")/.."
sweep=${1:-samples/sweeps/trainer.yaml}
n=${2:-24}

./tunetop validate "$sweep"
mapfile -t rows < <(./tunetop suggest "$sweep" -n "$n")
IFS=, read -r -a names <<<"${rows[0]}"

best_loss=""
best_row=""
best_trial=0
printf '%5s  %-10s  %s\n' trial val_loss parameters
for ((t = 1; t < ${#rows[@]}; t++)); do
    IFS=, read -r -a values <<<"${rows[t]}"
    args=()
    for ((i = 0; i < ${#names[@]}; i++)); do
        [ -n "${values[i]:-}" ] && args+=("--${names[i]}=${values[i]}")
    done
    loss=$(samples/bin/trainer "${args[@]}" | tail -n 1 | sed -n 's/.*val_loss=\([^ ]*\).*/\1/p')
    printf '%5d  %-10s  %s\n' "$t" "$loss" "${args[*]}"
    if [ -z "$best_loss" ] || awk -v a="$loss" -v b="$best_loss" 'BEGIN { exit !(a < b) }'; then
        best_loss=$loss
        best_row=${args[*]}
        best_trial=$t
    fi
done
echo
echo "best trial: $best_trial  val_loss=$best_loss"
echo "  $best_row"
