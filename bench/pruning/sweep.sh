#!/bin/sh
# The benchmark's sweep file on stdout: the C sample trainer
# (samples/sweeps/trainer.yaml's search space), method random, val_loss
# minimised, with the pruner line given (empty: no pruner). Shared by
# run.sh and grid.sh.
#
#   usage: bench/pruning/sweep.sh SEED EPOCH_TIME EPOCHS TRIALS PARALLEL [PRUNER_LINE [NAME]]
# NAME is the study name (default bench-pruning): Hyperband's brackets hash
# "{name}_{trial}", so every variant of one benchmark keeps the same name.
set -eu
[ $# -ge 5 ] || { sed -n '2,/^set -eu/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }
cat <<YAML
name: ${7:-bench-pruning}
program: samples/bin/trainer
command: ["\${program}", "--epochs=$3", "--epoch_time=$2", "\${args}"]
method: random
seed: $1
metric: {name: val_loss, goal: minimize}
parameters:
  lr: {distribution: log_uniform_values, min: 1e-4, max: 0.5}
  batch_size: {values: [16, 32, 64, 128]}
  hidden: {distribution: int_uniform, min: 4, max: 128}
  weight_decay: {distribution: log_uniform_values, min: 1e-6, max: 1e-2}
  optimizer: {values: [sgd, adam]}
  momentum: {min: 0.0, max: 0.99, when: {optimizer: sgd}}
run_cap: $4
parallel: $5
${6:-}
YAML
