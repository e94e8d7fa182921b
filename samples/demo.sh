#!/bin/sh
# `make demo`: run the bundled sample sweep headless (the C trainer, 24
# trials, 2 at a time) and print the best trials. Running it again resumes
# the same study, which is already finished, so it only prints the table.
set -eu
cd "$(dirname "$0")/.."
sweep=${1:-samples/sweeps/trainer.yaml}
./tunetop validate "$sweep"
./tunetop run "$sweep"
study=tunetop-runs/$(sed -n 's/^name: *//p' "$sweep")
echo
./tunetop best "$study" -n 5
echo
echo "study folder: $study   (try: ./tunetop status $study)"
