#!/bin/sh
# Importance benchmark (issue 7: "bench/importance"): N uniform trials of
# Hartmann-6 (6 parameters on [0,1]), the same trials for both sides:
#  - tunetop: tt_importance_compute in-process (harness.c), median wall and
#    CPU over REPEATS runs, for fanova, ped-anova and corr;
#  - Optuna: get_param_importances with FanovaImportanceEvaluator(seed=0)
#    (optuna_importance.py, Debian's python3-optuna + sklearn), when
#    installed: its time, the ratio, and whether the top-3 rankings agree.
# Everything runs sequentially on one core each, so timings do not compete.
#
#   usage: bench/importance/run.sh [--sizes 200,1000] [--repeats R]
#                                  [--optuna-repeats R] [--no-optuna] [--seed S]
# Optuna takes ~3 s at 200 trials and ~50 s at 1000 on the reference machine.
# The Markdown report goes to stdout and build/bench-importance/report.md.
set -eu
cd "$(dirname "$0")/../.."

sizes=200,1000
repeats=11
optuna_repeats=1
optuna=1
seed=1
while [ $# -gt 0 ]; do
    case $1 in
    --sizes) sizes=$2; shift ;;
    --repeats) repeats=$2; shift ;;
    --optuna-repeats) optuna_repeats=$2; shift ;;
    --no-optuna) optuna=0 ;;
    --seed) seed=$2; shift ;;
    -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

out=build/bench-importance
mkdir -p "$out"
make -s build/libtunetop.a
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Iinclude -o "$out/harness" bench/importance/harness.c \
    build/libtunetop.a -lm
if [ "$optuna" = 1 ] && ! /usr/bin/python3 -c 'import optuna, sklearn' 2>/dev/null; then
    echo "run.sh: python3-optuna (with sklearn) is not installed: tunetop only" >&2
    optuna=0
fi

raw=$out/raw.tsv
: >"$raw"
for n in $(echo "$sizes" | tr , ' '); do
    "$out/harness" "$n" "$seed" "$out/trials-$n.csv" "$repeats" >>"$raw"
    if [ "$optuna" = 1 ]; then
        /usr/bin/python3 bench/importance/optuna_importance.py "$out/trials-$n.csv" \
            "$optuna_repeats" >>"$raw"
    fi
done

# The report: one table of times, one of rankings.
awk -F '\t' -v cpu_model="$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)" '
function names(list, k,   a, i, s) {   # the first k names of "n=v[..],n=v"
    split(list, a, ","); s = ""
    for (i = 1; i <= k && i in a; i++) { sub(/=.*/, "", a[i]); s = s (i > 1 ? " " : "") a[i] }
    return s
}
function value(list, name,   a, i, p) {
    split(list, a, ",")
    for (i in a) { p = a[i]; if (index(p, name "=") == 1) { sub(/^[^=]*=/, "", p); sub(/\[.*/, "", p); return p + 0 } }
    return -1
}
$1 == "tunetop" && $2 == "pairs" { pairs[$3] = $4; next }
$1 == "tunetop" && $2 == "explained" { expl[$3] = $4; next }
{ side = $1; m = $2; n = $3; wall[side, m, n] = $4; cpu[side, m, n] = $5; rank[side, m, n] = $6
  if (!(n in seen)) { seen[n] = 1; order[++nn] = n } }
END {
    printf "CPU: %s; one core per side, sequential.\n\n", cpu_model
    printf "| trials x 6 | tunetop fanova | ped-anova | corr | Optuna fanova | ratio (wall) | ratio (CPU) |\n"
    printf "|---|---|---|---|---|---|---|\n"
    for (i = 1; i <= nn; i++) {
        n = order[i]
        o = (("optuna", "fanova", n) in wall)
        printf "| %d | %.1f ms (CPU %.1f) | %.2f ms | %.2f ms | %s | %s | %s |\n", n,
            wall["tunetop", "fanova", n], cpu["tunetop", "fanova", n],
            wall["tunetop", "ped-anova", n], wall["tunetop", "corr", n],
            o ? sprintf("%.0f ms (CPU %.0f)", wall["optuna", "fanova", n], cpu["optuna", "fanova", n]) : "-",
            o ? sprintf("%.0fx", wall["optuna", "fanova", n] / wall["tunetop", "fanova", n]) : "-",
            o ? sprintf("%.0fx", cpu["optuna", "fanova", n] / cpu["tunetop", "fanova", n]) : "-"
    }
    printf "\n| trials | method | ranking (importance [10th-90th pct]) |\n|---|---|---|\n"
    for (i = 1; i <= nn; i++) {
        n = order[i]
        for (k = 1; k <= 3; k++) {
            m = k == 1 ? "fanova" : k == 2 ? "ped-anova" : "corr"
            r = rank["tunetop", m, n]; gsub(/,/, ", ", r)
            printf "| %d | tunetop %s | %s |\n", n, m, r
        }
        if (("optuna", "fanova", n) in rank) {
            r = rank["optuna", "fanova", n]; gsub(/,/, ", ", r)
            printf "| %d | Optuna fanova | %s |\n", n, r
        }
        p = pairs[n]; gsub(/,/, ", ", p)
        printf "| %d | tunetop interactions | %s (main effects explain %.0f%%) |\n", n, p, 100 * expl[n]
    }
    printf "\n"
    for (i = 1; i <= nn; i++) {
        n = order[i]
        if (!(("optuna", "fanova", n) in rank)) continue
        a = names(rank["tunetop", "fanova", n], 3); b = names(rank["optuna", "fanova", n], 3)
        split(a, x, " "); split(b, y, " "); shared = 0
        for (p in x) for (q in y) if (x[p] == y[q]) shared++
        maxd = 0
        for (j = 1; j <= 6; j++) {
            d = value(rank["tunetop", "fanova", n], "x" j) - value(rank["optuna", "fanova", n], "x" j)
            if (d < 0) d = -d
            if (d > maxd) maxd = d
        }
        printf "- %d trials: top 3 tunetop `%s`, Optuna `%s`: %s; largest difference in an importance %.3f.\n",
            n, a, b, a == b ? "same order" : shared == 3 ? "same set, different order" : shared " of 3 shared", maxd
    }
}' "$raw" | tee "$out/report.md"
