#!/bin/sh
# Pruning benchmark (issue 6: "bench/pruning"): the C sample trainer sweep
# (samples/bin/trainer, the search space of samples/sweeps/trainer.yaml)
# with the same seed, the same run_cap and the same epochs, once without a
# pruner and once with each pruner; method random, so every variant is
# offered the same configurations in the same order, and the trainer's own
# seed is fixed, so trial k has the same curve in every variant until it is
# pruned (summary.py checks the parameters trial by trial).
#
# For each variant: trial-epochs consumed (sum over trials of the last
# epoch reported, what the trials really ran), the epochs at which the
# pruner decided (what it would cost with an instant reaction), wall time,
# best val_loss reached, and their ratios to the unpruned sweep. Goal
# (issue 6): ASHA/Hyperband at <= 40 % of the epochs within 2 % of the best.
# Then replay.c replays each pruner in-process over the unpruned curves with
# no reaction delay (the decisions alone), for this seed and for every
# --seeds seed (an unpruned sweep of that seed at --epoch_time 0 first);
# and, when /usr/bin/python3 has optuna, cross_check.sh compares the ASHA and
# Hyperband decisions with Optuna's own pruners on the same curves.
#
#   usage: bench/pruning/run.sh [--trials N] [--epochs E] [--epoch-time S]
#                               [--seed S] [--seeds S,S,...] [--parallel P]
#                               [--only v,v,...] [--out DIR]
#   defaults: 60 trials x 27 epochs, --epoch-time 0.1 (s slept per epoch),
#   seed 11, parallel 2, no extra seeds; about 7 minutes, mostly sleeping
#   (each extra seed adds ~10 s).
# The runner reads trial output every 100 ms tick, so a pruned trial runs on
# for up to 0.1 s after the report that condemns it: at --epoch-time 0.01
# that is up to 10 extra epochs of 27 (see docs/pruning.md).
# Variants: none median percentile asha hyperband wandb patience threshold
# asha-default hyperband-default. The study folders stay under DIR (default
# build/bench-pruning); the table goes to stdout and DIR/report.md.
set -eu
cd "$(dirname "$0")/../.."

trials=60
epochs=27
epoch_time=0.1
seed=11
seeds=
parallel=2
only=
out=build/bench-pruning
while [ $# -gt 0 ]; do
    case $1 in
    --trials) trials=$2; shift ;;
    --epochs) epochs=$2; shift ;;
    --epoch-time) epoch_time=$2; shift ;;
    --seed) seed=$2; shift ;;
    --seeds) seeds=$2; shift ;;
    --parallel) parallel=$2; shift ;;
    --only) only=$2; shift ;;
    --out) out=$2; shift ;;
    -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

make -s tunetop tunetop-shim samples/bin/trainer build/libtunetop.a
mkdir -p "$out"
rm -rf "$out"/studies
mkdir -p "$out"/studies

# The pruner of each variant, as a user would write it for a 27-epoch
# trainer whose val_loss starts at ln 3 = 1.10 (chance, three classes).
# docs/pruning.md explains each choice.
pruner_of() {
    case $1 in
    none) ;;
    median) echo "pruner: {type: median, n_startup_trials: 5, n_warmup_steps: 3}" ;;
    percentile)
        echo "pruner: {type: percentile, percentile: 25, n_startup_trials: 5, n_warmup_steps: 3}" ;;
    asha) echo "pruner: {type: asha, min_resource: 3, reduction_factor: 3}" ;;
    hyperband)
        echo "pruner: {type: hyperband, min_resource: 1, max_resource: $epochs, reduction_factor: 3}" ;;
    wandb) echo "early_terminate: {type: hyperband, min_iter: 3}" ;;
    patience) echo "pruner: {type: patience, patience: 3, min_delta: 0.0005, n_warmup_steps: 3}" ;;
    threshold) echo "pruner: {type: threshold, upper: 1.0, n_warmup_steps: 5}" ;;
    asha-default) echo "pruner: asha" ;;
    hyperband-default) echo "pruner: hyperband" ;;
    *) echo "run.sh: unknown variant $1" >&2; exit 2 ;;
    esac
}

variants="none median percentile asha hyperband wandb patience threshold asha-default hyperband-default"
[ -n "$only" ] && variants="none $(echo "$only" | tr ',' ' ' | sed 's/\bnone\b//g')"

# The sweep of variant $1 with seed $2 and epoch time $3.
sweep_of() {
    bench/pruning/sweep.sh "$2" "$3" "$epochs" "$trials" "$parallel" "$(pruner_of "$1")"
}

now() { date +%s.%N; }
: >"$out/walls.tsv"
for v in $variants; do
    # One study name for every variant: Hyperband's brackets hash
    # "{study}_{trial}", so all variants split the trials the same way.
    sweep_of "$v" "$seed" "$epoch_time" >"$out/studies/$v.yaml"
    dir=$out/studies/$v
    printf '== %-18s ' "$v" >&2
    t0=$(now)
    ./tunetop run "$dir.yaml" --dir "$dir" >"$dir.log" 2>&1
    t1=$(now)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    echo "$wall s" >&2
    printf '%s\t%s\n' "$v" "$wall" >>"$out/walls.tsv"
    ./tunetop export "$dir" -o "$dir.trials.csv"
    ./tunetop export "$dir" --metrics -o "$dir.metrics.csv"
done

# The decisions alone: each pruner replayed in-process (replay.c) over the
# unpruned curves, with no reaction delay; then, with --seeds, the same over
# unpruned sweeps of other seeds (run at --epoch_time 0: the curves do not
# depend on it).
${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -O2 -Iinclude -o "$out/replay" bench/pruning/replay.c \
    build/libtunetop.a $(pkg-config --libs ncursesw yaml-0.1 sqlite3 2>/dev/null) \
    -lcsv -lm -lpthread
: >"$out/replay.tsv"
for s in $seed $(echo "$seeds" | tr ',' ' '); do
    metrics=$out/studies/none.metrics.csv
    if [ "$s" != "$seed" ]; then
        mkdir -p "$out/seeds"
        sweep_of none "$s" 0 >"$out/seeds/$s.yaml"
        printf '== none, seed %-8s\n' "$s" >&2
        ./tunetop run "$out/seeds/$s.yaml" --dir "$out/seeds/$s" >"$out/seeds/$s.log" 2>&1
        ./tunetop export "$out/seeds/$s" --metrics -o "$out/seeds/$s.metrics.csv"
        metrics=$out/seeds/$s.metrics.csv
    fi
    for v in $variants; do
        printf '%s\t%s\t%s\n' "$s" "$v" \
            "$("$out/replay" "$out/studies/$v.yaml" "$metrics" --parallel "$parallel")" \
            >>"$out/replay.tsv"
    done
done

# The same decisions by Optuna itself (optuna_check.py, when /usr/bin/python3
# has optuna): ASHA and Hyperband only.
: >"$out/optuna.tsv"
for s in $seed $(echo "$seeds" | tr ',' ' '); do
    metrics=$out/studies/none.metrics.csv
    [ "$s" != "$seed" ] && metrics=$out/seeds/$s.metrics.csv
    for v in $variants; do
        case $v in asha | hyperband | asha-default | hyperband-default) ;; *) continue ;; esac
        r=$(bench/pruning/cross_check.sh "$out/replay" "$out/studies/$v.yaml" "$metrics" 2>&1) &&
            rc=0 || rc=$?
        [ $rc = 3 ] && break 2
        printf '%s\t%s\t%s\n' "$s" "$v" "$(echo "$r" | head -1 | sed 's/.*: //')" >>"$out/optuna.tsv"
    done
done

for v in $variants; do printf '%s\t%s\n' "$v" "$(pruner_of "$v")"; done >"$out/pruners.tsv"
/usr/bin/python3 bench/pruning/summary.py "$out" "$epochs" "$epoch_time" "$seed" $variants |
    tee "$out/report.md"
