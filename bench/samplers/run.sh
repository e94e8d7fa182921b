#!/bin/sh
# Sampler benchmark (issue: "bench/samplers"): tunetop's samplers in-process
# (harness.c) and, when Debian's python3-optuna is installed, Optuna's
# default TPE, multivariate TPE and random sampler (optuna_bench.py) on the
# same functions, spaces and seeds; then suggestion latency at 100/500/1000
# trials for both. join.py turns the raw lines into one Markdown report
# with tunetop/Optuna ratios. Everything runs sequentially, so the timings
# do not compete with each other.
#
#   usage: bench/samplers/run.sh [--quick] [--seeds N] [--trials N]
#                                [--methods m,m,...] [--no-optuna] [--no-latency]
#                                [--sizes 100,500,1000] [--out DIR]
#   --quick   5 seeds x 50 trials, latency at 100 and 500 trials only
#   default   20 seeds x 100 trials, latency at 100, 500, 1000
# The report goes to stdout and to DIR/report.md (default
# build/bench-samplers), the raw lines to DIR/raw.tsv.
set -eu
cd "$(dirname "$0")/../.."

seeds=20
trials=100
sizes=100,500,1000
methods=
optuna=1
latency=1
out=build/bench-samplers
while [ $# -gt 0 ]; do
    case $1 in
    --quick) seeds=5 trials=50 sizes=100,500 ;;
    --seeds) seeds=$2; shift ;;
    --trials) trials=$2; shift ;;
    --methods) methods=$2; shift ;;
    --sizes) sizes=$2; shift ;;
    --no-optuna) optuna=0 ;;
    --no-latency) latency=0 ;;
    --out) out=$2; shift ;;
    -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# The project's library, then the harness against it, warnings as errors.
make -s build/libtunetop.a
mkdir -p "$out"
harness=$out/harness
${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -O2 -Iinclude -o "$harness" \
    bench/samplers/harness.c bench/samplers/functions.c build/libtunetop.a \
    $(pkg-config --libs ncursesw yaml-0.1 sqlite3 2>/dev/null) -lcsv -lm -lpthread

raw=$out/raw.tsv
: >"$raw"
start=$(date +%s)
set -- --seeds "$seeds" --trials "$trials"
[ -n "$methods" ] && set -- "$@" --methods "$methods"
echo "== tunetop: $seeds seeds x $trials trials"
"$harness" "$@" --raw "$raw"
if [ "$latency" = 1 ]; then
    echo
    if [ -n "$methods" ]; then
        "$harness" --latency --sizes "$sizes" --methods "$methods" --raw "$raw"
    else
        "$harness" --latency --sizes "$sizes" --raw "$raw"
    fi
fi

python=/usr/bin/python3
if [ "$optuna" = 1 ]; then
    echo
    if ! "$python" -c 'import optuna' 2>/dev/null; then
        echo "== Optuna: not installed for $python (apt install python3-optuna); tunetop only"
    else
        echo "== Optuna $("$python" -c 'import optuna; print(optuna.__version__)'):" \
            "$seeds seeds x $trials trials"
        "$python" bench/samplers/optuna_bench.py --seeds "$seeds" --trials "$trials" --raw "$raw"
        if [ "$latency" = 1 ]; then
            echo
            "$python" bench/samplers/optuna_bench.py --latency --sizes "$sizes" --raw "$raw"
        fi
    fi
fi
end=$(date +%s)

echo
echo "== report (total $((end - start)) s on $(nproc) cores)"
joiner=$python
[ -x "$joiner" ] || joiner=python3
"$joiner" bench/samplers/join.py "$raw" | tee "$out/report.md"
