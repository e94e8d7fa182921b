#!/bin/sh
# Scale benchmark (issue 18, docs/benchmarks.md "Scale"): how tunetop's costs
# grow with the study, each size against the smallest in the same run.
#  1. The real runner (`tunetop run`, foreground) on SIZES trials of a
#     trivial trainer that reports a metric (`/bin/echo loss=<x>`),
#     parallel 2, importance on (the default with a metric): runner CPU per
#     trial (its own rusage, from its last line) and peak RSS (GNU time's
#     %M of the `tunetop run` process, which is the runner), once with
#     `method: random` and once with `method: tpe` (TPE on TPE_SIZES only:
#     its own model cost grows with the history by design, so the runner's
#     CPU outside the sampler and the importance computations — its last
#     line says how much went to each — is shown apart).
#  2. The CLI on each random study: `status --json` and `best`, median wall
#     of 5; `importance` (fANOVA) wall and peak RSS.
#  3. Ratios of each figure to the smallest size's.
#  4. The dashboard on DASH_SIZES trials x 100 steps x 3 metrics (studies
#     written through the store by bench/dashboard, the real dashboard on a
#     120x40 pseudo-terminal): time to first frame, CPU until the whole
#     study is shown, RSS, the slowest of 10 presses of `j` while it loads,
#     and the slowest key after (of j, s = sort by the next column, m,
#     Ctrl-L), with ratios to the smallest size.
#
#   usage: [SIZES=1000,10000,100000] [TPE_SIZES=1000,10000]
#          [DASH_SIZES=1000,10000,100000] bench/scale/run.sh
# Run it on an idle machine; each size runs once (the 100k random study
# takes a couple of minutes). Study folders go under /dev/shm (tmpfs) when
# there is one, else $TMPDIR (SCALE_DIR=... to choose): on this VM's
# journal-less ext4 /tmp each new file costs up to 1 ms for minutes after
# many deletions (docs/benchmarks.md, Runner, "Machine"), which would be
# measured as the runner's cost. They are removed at the end.
set -eu
cd "$(dirname "$0")/../.."
sizes=${SIZES:-1000,10000,100000}
tpe_sizes=${TPE_SIZES:-1000,10000}
dash_sizes=${DASH_SIZES:-1000,10000,100000}
make -s tunetop tunetop-shim
[ -x /usr/bin/time ] || { echo "bench/scale: needs GNU time (apt-get install time)" >&2; exit 1; }
base=${SCALE_DIR:-}
if [ -z "$base" ]; then
    if [ -d /dev/shm ] && [ -w /dev/shm ]; then base=/dev/shm; else base=${TMPDIR:-/tmp}; fi
fi
tmp=$(mktemp -d -p "$base")
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }

sweep() {   # sweep METHOD N: a study of N trials of the trivial trainer
    cat <<YAML
name: scale-$1-$2
method: $1
command: [/bin/echo, 'loss=\${x}']
metric: {name: loss, goal: minimize}
parameters:
  x: {min: 0.0, max: 1.0}
  y: {min: 0.0, max: 1.0}
  opt: {values: [sgd, adam, adamw]}
run_cap: $2
parallel: 2
YAML
}

# median_wall CMD...: median wall seconds of 5 runs (output discarded)
median_wall() {
    for _ in 1 2 3 4 5; do
        t0=$(now)
        "$@" >/dev/null 2>&1 || true
        t1=$(now)
        awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
    done | sort -n | sed -n 3p
}

results=$tmp/results
: >"$results"
for method in random tpe; do
    list=$sizes
    [ "$method" = tpe ] && list=$tpe_sizes
    for n in $(echo "$list" | tr , ' '); do
        sweep "$method" "$n" >"$tmp/$method-$n.yaml"
        d=$tmp/$method-$n
        /usr/bin/time -f '%e %M' -o "$tmp/time" ./tunetop run "$tmp/$method-$n.yaml" --dir "$d" \
            >"$tmp/$method-$n.log" 2>&1
        read -r wall rss_kb <"$tmp/time"
        cpu=$(sed -n 's/.*runner cpu \([0-9.]*\) s.*/\1/p' "$tmp/$method-$n.log" | tail -n 1)
        samp=$(sed -n 's/.*in samplers \([0-9.]*\), importance \([0-9.]*\)).*/\1 \2/p' \
            "$tmp/$method-$n.log" | tail -n 1 | awk '{ print $1 + $2 }')
        done_n=$(./tunetop status "$d" --json | sed -n 's/.*"completed": \([0-9]*\).*/\1/p')
        line="$method $n $done_n $wall $cpu $rss_kb ${samp:-0}"
        if [ "$method" = random ]; then
            st=$(median_wall ./tunetop status "$d" --json)
            be=$(median_wall ./tunetop best "$d")
            /usr/bin/time -f '%e %M' -o "$tmp/time" ./tunetop importance "$d" >"$tmp/imp" 2>&1
            read -r iw irss <"$tmp/time"
            line="$line $st $be $iw $irss"
        fi
        echo "$line" >>"$results"
        echo "  $method $n trials done" >&2
    done
done

awk '
function ratio(v, b) { return b > 0 ? sprintf("%.2fx", v / b) : "-" }
{
    m = $1; n = $2
    cpt = 1000 * $5 / n; rss = $6 / 1024; book = 1000 * ($5 - $7) / n
    if (!(m in base_cpt)) { base_cpt[m] = cpt; base_rss[m] = rss; base_book[m] = book }
    printf "| %s | %d | %d | %.1f s | %.3f ms (%s) | %.3f ms (%s) | %.0f MB (%s) |", m, n, $3, $4,
        cpt, ratio(cpt, base_cpt[m]), book, ratio(book, base_book[m]), rss, ratio(rss, base_rss[m])
    if (NF > 7) {
        if (!("s" in b)) { b["s"] = $8; b["b"] = $9; b["i"] = $10 }
        printf " %.0f ms (%s) | %.0f ms (%s) | %.2f s, %.0f MB |", 1000 * $8, ratio($8, b["s"]),
            1000 * $9, ratio($9, b["b"]), $10, $11 / 1024
    } else
        printf " - | - | - |"
    printf "\n"
}' "$results" >"$tmp/table"
echo "CPU: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores;" \
    "studies under $base ($(stat -f -c %T "$base"))"
echo "trainer: /bin/echo loss=\${x}, 3 parameters, parallel 2, importance on"
echo
echo "| method | trials | completed | wall | runner CPU per trial (vs smallest) | of it outside sampler and importance | runner peak RSS (vs smallest) | status --json (vs smallest) | best (vs smallest) | importance |"
echo "|---|---|---|---|---|---|---|---|---|---|"
cat "$tmp/table"

# 4. the dashboard
dash=$tmp/dash-results
: >"$dash"
for n in $(echo "$dash_sizes" | tr , ' '); do
    mkdir -p "$tmp/dash-$n"
    bench/dashboard/run.sh --trials "$n" --steps 100 --live 0 --keys 10 --dir "$tmp/dash-$n" \
        >"$tmp/dash-$n.out" 2>&1
    awk -v n="$n" '
        /^  time to first frame/ { ff = $5 }
        /points are shown/ { sub(/.*\(CPU /, ""); load = $1 }
        /RSS after loading/ { rss = $4 }
        / ms CPU / && /\// {
            # "name ... median / p95 / max ms": the max is the field before "ms"
            for (i = 1; i <= NF; i++) if ($i == "ms" && $(i - 2) == "/") { mx = $(i - 1); break }
            if ($0 ~ /while loading/) loading = mx; else if (mx > after) after = mx
        }
        END { print n, ff, load, rss, loading, after }' "$tmp/dash-$n.out" >>"$dash"
    rm -rf "$tmp/dash-$n"
    echo "  dashboard $n trials done" >&2
done
echo
echo "Dashboard, N trials x 100 steps x 3 metrics, 120x40:"
echo
echo "| trials | first frame | CPU until all shown | RSS | slowest key while loading | slowest key after |"
echo "|---|---|---|---|---|---|"
awk '
function ratio(v, b) { return b > 0 ? sprintf("%.1fx", v / b) : "-" }
NR == 1 { f = $2; l = $3; r = $4 }
{ printf "| %d | %.0f ms (%s) | %.0f ms (%s) | %.0f MB (%s) | %.1f ms | %.1f ms |\n", $1, $2,
      ratio($2, f), $3, ratio($3, l), $4, ratio($4, r), $5, $6 }' "$dash"
