#!/bin/sh
# `make demo`: run the bundled sample sweep (the C trainer, 24 trials, 2 at
# a time) and watch it in the dashboard: `tunetop SWEEP.yaml` starts the
# sweep's runner in the background and opens the dashboard on it (q
# detaches, the sweep goes on; ? lists the keys). Without a terminal (CI,
# a pipe) it runs the sweep headless and prints the best trials instead.
# Running it again opens the same study, which is then already finished.
set -eu
cd "$(dirname "$0")/.."
sweep=${1:-samples/sweeps/trainer.yaml}
./tunetop validate "$sweep"
study=tunetop-runs/$(sed -n 's/^name: *//p' "$sweep")
if [ -t 0 ] && [ -t 1 ] && [ "${TERM:-dumb}" != dumb ]; then
    exec ./tunetop "$sweep"
fi
echo "(no terminal: running the sweep headless; in a terminal, make demo opens the dashboard)"
./tunetop run "$sweep"
echo
./tunetop best "$study" -n 5
echo
echo "study folder: $study   (try: ./tunetop status $study, or ./tunetop $study in a terminal)"
