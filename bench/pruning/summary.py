"""Summarise bench/pruning/run.sh: one Markdown table, unpruned sweep first.

usage: summary.py DIR EPOCHS EPOCH_TIME SEED VARIANT...

Reads DIR/studies/V.trials.csv and V.metrics.csv (`tunetop export`), the
walls in DIR/walls.tsv, the pruner lines in DIR/pruners.tsv and replay.c's
lines in DIR/replay.tsv. Standard library only.
"""
import csv
import re
import sys

FIXED = ("trial", "state", "value", "started", "finished", "duration_s", "reason")
GOAL_EPOCHS, GOAL_BEST = 0.40, 0.02


def load(dir_, v):
    with open(f"{dir_}/studies/{v}.trials.csv", newline="") as f:
        trials = {int(r["trial"]): r for r in csv.DictReader(f)}
    last, points = {}, {}
    with open(f"{dir_}/studies/{v}.metrics.csv", newline="") as f:
        for r in csv.DictReader(f):
            if r["name"] == "val_loss":
                t, s = int(r["trial"]), int(r["step"])
                last[t] = max(last.get(t, 0), s)
                points[t, s] = r["value"]
    return trials, last, points


def params(row):
    return tuple((k, row[k]) for k in row if k not in FIXED)


def decided_at(row, last):
    """The epoch the pruner decided at (the first "step N" of the reason),
    else the last epoch reported."""
    if row["state"] == "pruned":
        m = re.search(r"\bstep (\d+)", row["reason"])
        if m:
            return int(m.group(1))
    return last


def num(x):
    try:
        return float(x)
    except ValueError:
        return float("nan")


def main():
    dir_, epochs, epoch_time, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    variants = sys.argv[5:]
    walls = dict(line.rstrip("\n").split("\t") for line in open(f"{dir_}/walls.tsv"))
    pruners = dict(line.rstrip("\n").split("\t", 1) for line in open(f"{dir_}/pruners.tsv"))
    data = {v: load(dir_, v) for v in variants}
    base_trials, _, base_points = data["none"]
    rows, notes = [], []
    base = None
    best_base_trial = None
    for v in variants:
        trials, last, points = data[v]
        consumed = sum(last.get(t, 0) for t in trials)
        decided = sum(decided_at(r, last.get(t, 0)) for t, r in trials.items())
        pruned = sum(r["state"] == "pruned" for r in trials.values())
        other = sum(r["state"] not in ("pruned", "completed") for r in trials.values())
        values = {t: num(r["value"]) for t, r in trials.items()}
        finite = {t: x for t, x in values.items() if x == x}
        bt = min(finite, key=finite.get)
        best = finite[bt]
        wall = float(walls[v])
        mism = [t for t in trials if t not in base_trials or params(trials[t]) != params(base_trials[t])]
        if mism:
            notes.append(f"- {v}: parameters differ from `none` at trials {mism[:10]}")
        differ = sorted({t for (t, s), x in points.items() if base_points.get((t, s)) != x})
        if differ:
            notes.append(f"- {v}: val_loss curves differ from `none` at trials {differ[:10]}")
        if len(trials) != len(base_trials):
            notes.append(f"- {v}: {len(trials)} trials, `none` has {len(base_trials)}")
        if other:
            notes.append(f"- {v}: {other} trials neither completed nor pruned")
        if base is None:
            base = (consumed, decided, wall, best)
            best_base_trial = bt
        r = trials.get(best_base_trial)
        if v != "none" and r is not None and r["state"] == "pruned":
            notes.append(f"- {v}: `none`'s best trial {best_base_trial} was pruned "
                         f"({r['reason']})")
        gap = best / base[3] - 1
        goal = ""
        if v in ("asha", "hyperband", "wandb", "asha-default", "hyperband-default"):
            ok = consumed / base[0] <= GOAL_EPOCHS and gap <= GOAL_BEST
            goal = "yes" if ok else "no"
        rows.append((v, pruned, consumed, consumed / base[0], decided, decided / base[1], wall,
                     wall / base[2], best, bt, gap, goal))

    n = len(base_trials)
    print(f"{n} trials x {epochs} epochs (--epoch_time {epoch_time}), method random, "
          f"same seed; trial-epochs = sum of each trial's last reported epoch; "
          f"decided = the same with pruned trials counted at the epoch the pruner "
          f"decided; goal: <= {GOAL_EPOCHS:.0%} of the epochs, best within "
          f"{GOAL_BEST:.0%}.\n")
    print("| variant | pruned | trial-epochs | vs none | decided | vs none | wall s | vs none "
          "| best val_loss (trial) | vs none | goal |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|")
    for v, pr, c, cr, d, dr, w, wr, b, bt, gap, goal in rows:
        print(f"| {v} | {pr} | {c} | {cr:.0%} | {d} | {dr:.0%} | {w:.1f} | {wr:.0%} "
              f"| {b:.6g} ({bt}) | {gap:+.1%} | {goal} |")
    print("\nPruners:\n")
    for v in variants:
        print(f"- {v}: `{pruners.get(v) or '(no pruner)'}`")
    print()
    print("\n".join(notes) if notes else
          "Every variant ran the same parameters as `none` at every trial number, and "
          "reported the same val_loss at every epoch it reached.")
    replay(dir_, seed, variants)
    against_optuna(dir_)


def replay(dir_, seed, variants):
    """replay.c's decisions over the unpruned curves, no reaction delay."""
    res = {}
    for line in open(f"{dir_}/replay.tsv"):
        s, v, text = line.rstrip("\n").split("\t")
        w = text.split()
        res[s, v] = dict(zip(w[0::2], w[1::2]))
    seeds = list(dict.fromkeys(s for s, _ in res))
    print(f"\nDecisions alone (bench/pruning/replay.c: each pruner replayed over the "
          f"unpruned curves, parallel 2, a pruned trial stops at the report that "
          f"condemns it):\n")
    print("| variant | " + " | ".join(f"seed {s}: epochs, best" for s in seeds) + " | goal met |")
    print("|---|" + "---|" * len(seeds) + "---|")
    for v in variants:
        cells, met = [], 0
        for s in seeds:
            b, r = res[s, "none"], res[s, v]
            e = int(r["epochs"]) / int(b["epochs"])
            gap = float(r["best"]) / float(b["best"]) - 1
            met += e <= GOAL_EPOCHS and gap <= GOAL_BEST
            cells.append(f"{e:.0%}, {gap:+.1%}")
        goal = "" if v == "none" else f"{met} of {len(seeds)}"
        print(f"| {v} | " + " | ".join(cells) + f" | {goal} |")


def against_optuna(dir_):
    """cross_check.sh's verdicts: tunetop's prune decisions vs Optuna's."""
    try:
        lines = [x.rstrip("\n").split("\t") for x in open(f"{dir_}/optuna.tsv")]
    except OSError:
        lines = []
    if not lines:
        print("\nNot compared with Optuna (no optuna for /usr/bin/python3).")
        return
    print("\nThe same decisions by Optuna's own pruners (bench/pruning/cross_check.sh: "
          "replay.c and optuna_check.py over the same curves, same schedule; "
          "\"same N\": the same N prune decisions, trial and step):\n")
    by = {}
    for s, v, r in lines:
        by.setdefault(v, []).append(f"seed {s}: {r}")
    for v, rs in by.items():
        print(f"- {v}: " + "; ".join(rs))


if __name__ == "__main__":
    main()
