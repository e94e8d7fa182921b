#!/bin/sh
# `make demo`: run the demo sweep (samples/sweeps/demo.yaml: the C trainer
# paced to 0.4 s an epoch, 40 trials 3 at a time, ASHA pruning the ones that
# fall behind; about a minute) and watch it in the dashboard: `tunetop
# SWEEP.yaml` starts the sweep's runner in the background and opens the
# dashboard on it (q detaches, the sweep goes on; ? lists the keys). Without
# a terminal (CI, a pipe) it runs the sweep headless, one line per trial,
# and prints the best trials instead.
#
# The study is tunetop-runs/NAME (NAME from the file's `name`). Running the
# demo again re-attaches to that study while it is still running (or
# resumes it if it was stopped); once it has finished, a fresh study
# (NAME-2, NAME-3, …) is started, so there is always something to watch.
#
#   usage: samples/demo.sh [SWEEP.yaml]     (TUNETOP=path/to/tunetop to pick the binary)
set -eu
cd "$(dirname "$0")/.."
tunetop=${TUNETOP:-./tunetop}
sweep=${1:-samples/sweeps/demo.yaml}
"$tunetop" validate "$sweep"
name=$(sed -n 's/^name: *//p' "$sweep" | head -n 1)
[ -n "$name" ] || name=$(basename "$sweep" | sed 's/\.[^.]*$//')

# The state of the study in $1 ("" when there is none).
state_of() {
    [ -e "$1/study.db" ] || return 0
    "$tunetop" status "$1" --json 2>/dev/null |
        sed -n 's/.*"state": "\([a-z]*\)".*/\1/p'
}
study=tunetop-runs/$name
set --                      # tunetop's own default folder, tunetop-runs/NAME
n=1
while [ "$(state_of "$study")" = finished ]; do
    n=$((n + 1))
    study=tunetop-runs/$name-$n
    set -- --dir "$study"
done

if [ -t 0 ] && [ -t 1 ] && [ "${TERM:-dumb}" != dumb ]; then
    exec "$tunetop" "$sweep" "$@"
fi
echo "(no terminal: running the sweep headless; in a terminal, make demo opens the dashboard)"
"$tunetop" run "$sweep" "$@"
echo
"$tunetop" best "$study" -n 5
echo
echo "study folder: $study   (try: $tunetop status $study, or $tunetop $study in a terminal)"
