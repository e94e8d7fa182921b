#!/bin/sh
# Runner benchmark (issue: "bench/runner"), one run, two comparisons:
#  1. 1000 trials of `true` at parallel 2 through `tunetop run`, against
#     `xargs -P2` running the same 1000 commands: both walls and the ratio,
#     and the CPU the machine spent during each (busy time from /proc/stat,
#     all processes: the shims are not tunetop's children — the zygote's —
#     so `times` would miss them). Run it on an idle machine: the walls and
#     the CPU then both say what tunetop costs. ROUNDS rounds (default 3),
#     xargs and tunetop alternating, then the median ratio; once with the
#     study folder under $TMPDIR (default /tmp) and once under /dev/shm
#     (tmpfs) when there is one. Nothing is deleted until the end: on a
#     journal-less ext4 a file created within minutes of many deletions
#     costs far more (docs/benchmarks.md), which would make each round pay
#     for the one before.
#  2. Metric ingest: trials printing 100k metric lines each, as fast as they
#     can; lines/s ingested and the runner's own CPU time (it reports its
#     rusage in its last line), to show it stays under one core.
#   usage: [ROUNDS=3] bench/runner/run.sh [TRIALS] [LINES]
set -eu
cd "$(dirname "$0")/../.."
trials=${1:-1000}
lines=${2:-100000}
rounds=${ROUNDS:-3}
make -s tunetop tunetop-shim
tmp=$(mktemp -d)
shm=
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    shm=$(mktemp -d -p /dev/shm)
fi
trap 'rm -rf "$tmp" ${shm:+"$shm"}' EXIT
cc -O2 -o "$tmp/spam-bin" bench/runner/spam.c

now() { date +%s.%N; }

cat >"$tmp/true.yaml" <<YAML
name: bench-true
method: random
command: [/bin/true]
parameters:
  a: {min: 0.0, max: 1.0}
run_cap: $trials
parallel: 2
YAML

# Busy CPU seconds of the whole machine so far (user, nice, system, irq,
# softirq, steal from /proc/stat's first line).
hz=$(getconf CLK_TCK)
busy() { awk -v hz="$hz" '/^cpu / { print ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit }' /proc/stat; }

# launch_rounds BASE LABEL: the rounds with study folders under BASE.
launch_rounds() {
    base=$1
    echo "trials: $trials x /bin/true, parallel 2, study folders under $2"
    : >"$base/ratios"
    for k in $(seq "$rounds"); do
        b0=$(busy)
        t0=$(now)
        seq "$trials" | xargs -P2 -n1 /bin/true
        t1=$(now)
        b1=$(busy)
        ./tunetop run "$tmp/true.yaml" --dir "$base/true-$k" >"$base/true-$k.log"
        t2=$(now)
        b2=$(busy)
        done_count=$(./tunetop status "$base/true-$k" --json |
            sed -n 's/.*"completed": \([0-9]*\).*/\1/p')
        awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$trials" -v d="$done_count" \
            -v xc="$(awk -v a="$b0" -v b="$b1" 'BEGIN { print b - a }')" \
            -v tc="$(awk -v a="$b1" -v b="$b2" 'BEGIN { print b - a }')" -v k="$k" 'BEGIN {
            x = b - a; t = c - b
            printf "  round %d: xargs -P2 %6.3f s (cpu %.2f s), tunetop run %6.3f s (cpu %.2f s, %d completed): ratio %.2f, cpu ratio %.2f\n", k, x, xc, t, tc, d, t / x, tc / xc }'
        awk -v b="$t1" -v a="$t0" -v c="$t2" 'BEGIN { print (c - b) / (b - a) }' >>"$base/ratios"
    done
    sort -n "$base/ratios" | awk '{ r[NR] = $1 } END {
        m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
        printf "  median ratio tunetop/xargs: %.2f (goal <= 1.3)\n", m }'
}

launch_rounds "$tmp" "${TMPDIR:-/tmp} ($(stat -f -c %T "$tmp"))"
if [ -n "$shm" ]; then
    launch_rounds "$shm" "/dev/shm ($(stat -f -c %T "$shm"))"
fi

n_spam=4
cat >"$tmp/spam.yaml" <<YAML
name: bench-ingest
method: random
command: [$tmp/spam-bin, '$lines']
metric: {name: val_loss}
metrics: [loss, val_acc]
parameters:
  a: {min: 0.0, max: 1.0}
run_cap: $n_spam
parallel: 2
YAML
t0=$(now)
for _ in $(seq $n_spam); do "$tmp/spam-bin" "$lines" >/dev/null; done
t1=$(now)
./tunetop run "$tmp/spam.yaml" --dir "$tmp/spam" >"$tmp/spam.log"
t2=$(now)
stored=$(($(./tunetop export "$tmp/spam" --metrics | wc -l) - 1))
cpu=$(sed -n 's/.*runner cpu \([0-9.]*\) s.*/\1/p' "$tmp/spam.log" | tail -n 1)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$n_spam" -v l="$lines" -v s="$stored" -v cpu="$cpu" 'BEGIN {
    p = b - a; t = c - b; total = n * l
    printf "ingest: %d trials x %d lines (%d metric points stored, expected %d)\n", n, l, s, 3 * total
    printf "  producers alone (to /dev/null) %8.3f s\n", p
    printf "  tunetop run                    %8.3f s  = %.0f lines/s (goal >= 500000)\n", t, total / t
    printf "  runner cpu %.3f s over %.3f s wall = %.2f cores (goal < 1)\n", cpu, t, cpu / t }'
