"""Hyperband configurations over many seeds, by replay (see grid.sh).

usage: grid.py DIR --seeds S,S,... [--names N,N,...] [--min-resource L]
               [--reduction-factor L] [--bootstrap-count L] [--max-resource L]
               [--top N] [--ref PRUNER_LINE]... [--epochs E] [--trials T]
               [--parallel P]

DIR holds replay (bench/pruning/replay.c built) and seeds/S.metrics.csv,
the curves of an unpruned sweep per seed. Every Hyperband configuration of
the grid (the lists are comma-separated; max_resource may be auto) is
replayed over every seed with replay.c and scored against the goal of
issue 6: at most 40 % of the unpruned trial-epochs with a best val_loss
within 2 % of the unpruned best. Prints Markdown tables: the best
configurations by the number of seeds meeting the goal (ties: the first
five seeds, then fewer epochs), each --ref line (other pruners, for
comparison) and the current bench variant; the per-seed cells of the first
five seeds; then the same configurations under other study names (--names:
the brackets hash "{name}_{trial}", so a configuration that meets the goal
under one name only is a fluke of the hash). Standard library only.
"""
import argparse
import math
import os
import re
import subprocess
import sys

GOAL_EPOCHS, GOAL_BEST = 0.40, 0.02
HERE = os.path.dirname(os.path.abspath(__file__))


def n_brackets(mi, ma, eta):
    return math.floor(math.log(ma / mi, eta)) + 1


class Grid:
    def __init__(self, a):
        self.a = a
        self.cache = {}
        self.yamls = {}
        os.makedirs(f"{a.dir}/cfg", exist_ok=True)

    def yaml(self, line, name):
        key = (line, name)
        if key not in self.yamls:
            path = f"{self.a.dir}/cfg/{len(self.yamls)}.yaml"
            text = subprocess.check_output(
                [f"{HERE}/sweep.sh", "0", "0", str(self.a.epochs), str(self.a.trials),
                 str(self.a.parallel), line, name], text=True)
            with open(path, "w") as f:
                f.write(text)
            self.yamls[key] = path
        return self.yamls[key]

    def replay(self, line, name, seed):
        key = (line, name, seed)
        if key not in self.cache:
            out = subprocess.check_output(
                [f"{self.a.dir}/replay", self.yaml(line, name),
                 f"{self.a.dir}/seeds/{seed}.metrics.csv", "--parallel",
                 str(self.a.parallel)], text=True).split()
            d = dict(zip(out[0::2], out[1::2]))
            self.cache[key] = (int(d["epochs"]), float(d["best"]))
        return self.cache[key]

    def score(self, line, name):
        """Per seed: (epochs vs none, best vs none, goal met)."""
        cells = []
        for s in self.a.seeds:
            be, bb = self.replay("", name, s)
            e, b = self.replay(line, name, s)
            er, gap = e / be, b / bb - 1
            cells.append((er, gap, er <= GOAL_EPOCHS and gap <= GOAL_BEST))
        return cells


def hb_line(mi, eta, bc, ma):
    opts = [f"min_resource: {mi}"]
    if ma != "auto":
        opts.append(f"max_resource: {ma}")
    opts.append(f"reduction_factor: {eta}")
    if bc:
        opts.append(f"bootstrap_count: {bc}")
    return "pruner: {type: hyperband, " + ", ".join(opts) + "}"


def ints(text):
    return [int(x) for x in text.split(",")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--seeds", required=True)
    ap.add_argument("--names", default="bench-pruning")
    ap.add_argument("--min-resource", default="1,2,3,4,5,6,7,8,9")
    ap.add_argument("--reduction-factor", default="2,3,4,5,6")
    ap.add_argument("--bootstrap-count", default="0,1,2,3")
    ap.add_argument("--max-resource", default="27,auto")
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--ref", action="append", default=[])
    ap.add_argument("--current", default="pruner: {type: hyperband, min_resource: 1, "
                    "max_resource: 27, reduction_factor: 3}")
    ap.add_argument("--epochs", type=int, default=27)
    ap.add_argument("--trials", type=int, default=60)
    ap.add_argument("--parallel", type=int, default=2)
    a = ap.parse_args()
    a.seeds = [x for x in a.seeds.split(",") if x]
    names = [x for x in a.names.split(",") if x]
    g = Grid(a)

    rows = []
    for ma in a.max_resource.split(","):
        for mi in ints(a.min_resource):
            for eta in ints(a.reduction_factor):
                for bc in ints(a.bootstrap_count):
                    # Optuna refuses bootstrap_count with max_resource auto
                    if (bc and ma == "auto") or (ma != "auto" and int(ma) < mi):
                        continue
                    mr = a.epochs + 1 if ma == "auto" else int(ma)
                    rows.append((hb_line(mi, eta, bc, ma), n_brackets(mi, mr, eta)))
    scored = []
    for line, nb in rows:
        cells = g.score(line, names[0])
        met = sum(c[2] for c in cells)
        met5 = sum(c[2] for c in cells[:5])
        mean = sum(c[0] for c in cells) / len(cells)
        scored.append((met, met5, -mean, line, nb, cells))
    scored.sort(key=lambda r: (-r[0], -r[1], -r[2]))
    multi = [r for r in scored if r[4] >= 2]

    n = len(a.seeds)
    first = a.seeds[:5]
    print(f"{len(rows)} Hyperband configurations x {n} seeds ({', '.join(a.seeds)}), "
          f"study name {names[0]}, {a.trials} trials x {a.epochs} epochs, parallel "
          f"{a.parallel}, replayed over the unpruned curves; goal: <= {GOAL_EPOCHS:.0%} of "
          f"the epochs and best within {GOAL_BEST:.0%}.\n")

    def table(title, items):
        print(f"{title}\n")
        print("| pruner | brackets | goal met, all seeds | first 5 | mean epochs | max epochs "
              "| best lost (> 2 %) | " + " | ".join(f"seed {s}" for s in first) + " |")
        print("|---|---:|---:|---:|---:|---:|---:|" + "---|" * len(first))
        for met, met5, neg_mean, line, nb, cells in items:
            lost = sum(c[1] > GOAL_BEST for c in cells)
            worst = max(c[0] for c in cells)
            print(f"| `{line}` | {nb if nb else '—'} | {met} of {n} | {met5} of {len(first)} "
                  f"| {-neg_mean:.0%} | {worst:.0%} | {lost} | "
                  + " | ".join(f"{c[0]:.0%}, {c[1]:+.1%}" for c in cells[:5]) + " |")
        print()

    table(f"Best {a.top} by seeds meeting the goal (any number of brackets; one bracket "
          f"is plain successive halving):", scored[:a.top])
    table(f"Best {a.top} with two brackets or more (Hyperband proper):", multi[:a.top])
    refs = []
    for line in [a.current] + a.ref:
        cells = g.score(line, names[0])
        nb = None
        m = re.search(r"type: hyperband, min_resource: (\d+), max_resource: (\d+), "
                      r"reduction_factor: (\d+)", line)
        if m:
            nb = n_brackets(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        refs.append((sum(c[2] for c in cells), sum(c[2] for c in cells[:5]),
                     -sum(c[0] for c in cells) / n, line, nb, cells))
    table("The bench's hyperband variant and the other pruners, same seeds:", refs)

    if len(names) > 1:
        pick = multi[:3] + [r for r in refs[:1]]
        print(f"Goal met under other study names, i.e. other brackets for the same "
              f"trials: seeds of {n} (of the first {len(first)}):\n")
        print("| pruner | " + " | ".join(f"`{x}`" for x in names) + " |")
        print("|---|" + "---:|" * len(names))
        for r in pick + refs[1:]:
            cells = []
            for x in names:
                sc = g.score(r[3], x)
                cells.append(f"{sum(c[2] for c in sc)} ({sum(c[2] for c in sc[:5])})")
            print(f"| `{r[3]}` | " + " | ".join(cells) + " |")
        print()

    print("Seeds that miss the goal (epochs vs none, best vs none); every other seed "
          "meets it:\n")
    for r in multi[:3] + refs:
        miss = [f"{s} ({c[0]:.0%}, {c[1]:+.1%})" for s, c in zip(a.seeds, r[5]) if not c[2]]
        print(f"- `{r[3]}`: {', '.join(miss) if miss else 'none'}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
