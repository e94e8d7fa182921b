#!/bin/sh
# Runner benchmark (issue: "bench/runner"), one run, two comparisons:
#  1. 1000 trials of `true` at parallel 2 through `tunetop run`, against
#     `xargs -P2` running the same 1000 commands: both walls and the ratio,
#     and the CPU each side used (user+sys, children included), which is
#     what to compare on a machine that is not idle: the walls then say
#     more about the neighbours than about tunetop.
#  2. Metric ingest: trials printing 100k metric lines each, as fast as they
#     can; lines/s ingested and the runner's own CPU time (it reports its
#     rusage in its last line), to show it stays under one core.
#   usage: bench/runner/run.sh [TRIALS] [LINES]
set -eu
cd "$(dirname "$0")/../.."
trials=${1:-1000}
lines=${2:-100000}
make -s tunetop tunetop-shim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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

# CPU of a subshell's children, in seconds: the second line of `times`
# ("0m0.70s 0m0.15s"), user + sys.
child_cpu() { tail -n 1 | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); n += p[1] * 60 + p[2] } print n }'; }

t0=$(now)
xcpu=$( (seq "$trials" | xargs -P2 -n1 /bin/true; times) | child_cpu)
t1=$(now)
tcpu=$( (./tunetop run "$tmp/true.yaml" --dir "$tmp/true" >"$tmp/true.log"; times) | child_cpu)
t2=$(now)
done_count=$(./tunetop status "$tmp/true" --json | sed -n 's/.*"completed": \([0-9]*\).*/\1/p')
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$trials" -v d="$done_count" -v xc="$xcpu" -v tc="$tcpu" 'BEGIN {
    x = b - a; t = c - b
    printf "trials: %d x /bin/true, parallel 2 (%d completed)\n", n, d
    printf "  xargs -P2      %8.3f s  (%.2f ms/trial)  cpu %.3f s\n", x, 1000 * x / n, xc
    printf "  tunetop run    %8.3f s  (%.2f ms/trial)  cpu %.3f s\n", t, 1000 * t / n, tc
    printf "  ratio tunetop/xargs: %.2f (goal <= 1.3); cpu ratio %.2f\n", t / x, tc / xc }'

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
