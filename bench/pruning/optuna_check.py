"""Cross-check tunetop's ASHA/Hyperband against Optuna's own pruners.

usage: optuna_check.py METRICS.csv [--sweep SWEEP.yaml] [--pruner hyperband|asha]
                       [--study NAME] [--min-resource N|auto]
                       [--max-resource N|auto] [--reduction-factor N]
                       [--bootstrap-count N] [--min-early-stopping-rate N]
                       [--parallel P] [--metric NAME] [--trace]

--sweep reads the pruner and the study name from the sweep file's one-line
`pruner:` and `name:` entries (as bench/pruning/run.sh writes them); the
other options override them. Defaults are Optuna's (and tunetop's).

Replays the curves of an unpruned sweep (`tunetop export DIR --metrics`)
through optuna.pruners.HyperbandPruner (or SuccessiveHalvingPruner) with
the schedule of bench/pruning/replay.c: P trials at once, started in number
order, one epoch of every running trial per tick in trial order, a pruned
trial stopping at the report that condemned it. Trial numbers are tunetop's
(a failed dummy trial 0 comes first, so Optuna numbers from 1 like tunetop)
and the study is named like the sweep (default bench-pruning), so crc32
("{study}_{number}") gives the same brackets.

Prints replay.c's summary line (trials pruned epochs decided best
best_trial); --trace first prints "trial N step S: prune" for every prune
decision, the same prefix as `replay --trace 0`. Compare the two with
bench/pruning/cross_check.sh. Needs optuna (tested with 3.1 and 4.0); exits
with status 3 and a message when it is missing.
"""
import argparse
import csv
import math
import re
import sys

try:
    import optuna
    from optuna.trial import TrialState
except ImportError:
    print("optuna_check.py: optuna is not installed for this python; skipped", file=sys.stderr)
    sys.exit(3)


def load(path, metric):
    curves = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["name"] == metric:
                curves.setdefault(int(r["trial"]), []).append((int(r["step"]), float(r["value"])))
    n = max(curves) if curves else 0
    return [sorted(curves.get(t, [])) for t in range(1, n + 1)]


def from_sweep(path):
    """The study name and pruner options of a run.sh sweep file: `name: X`
    and `pruner: KIND` or `pruner: {type: KIND, key: value, ...}` lines."""
    opts = {}
    for line in open(path):
        m = re.match(r"name:\s*(\S+)", line)
        if m:
            opts["study"] = m.group(1)
        m = re.match(r"pruner:\s*(.*)", line)
        if m:
            body = m.group(1).strip()
            if body.startswith("{"):
                for kv in body.strip("{}").split(","):
                    k, v = (x.strip() for x in kv.split(":", 1))
                    opts["pruner" if k == "type" else k] = v
            else:
                opts["pruner"] = body
    return opts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("metrics")
    ap.add_argument("--sweep")
    ap.add_argument("--pruner", choices=("hyperband", "asha"))
    ap.add_argument("--study")
    ap.add_argument("--min-resource")
    ap.add_argument("--max-resource")
    ap.add_argument("--reduction-factor", type=int)
    ap.add_argument("--bootstrap-count", type=int)
    ap.add_argument("--min-early-stopping-rate", type=int)
    ap.add_argument("--parallel", type=int, default=2)
    ap.add_argument("--metric", default="val_loss")
    ap.add_argument("--trace", action="store_true")
    a = ap.parse_args()
    opts = from_sweep(a.sweep) if a.sweep else {}
    for k in ("pruner", "study", "min_resource", "max_resource", "reduction_factor",
              "bootstrap_count", "min_early_stopping_rate"):
        if getattr(a, k) is not None:
            opts[k] = str(getattr(a, k))
    kind = opts.get("pruner", "hyperband")

    def res(k, default):
        x = opts.get(k, default)
        # tunetop writes auto as 0 (or leaves the key out)
        return "auto" if x in ("auto", "0") else int(x)

    if kind == "hyperband":
        pruner = optuna.pruners.HyperbandPruner(
            min_resource=int(opts.get("min_resource", 1)),
            max_resource=res("max_resource", "auto"),
            reduction_factor=int(opts.get("reduction_factor", 3)),
            bootstrap_count=int(opts.get("bootstrap_count", 0)))
    elif kind == "asha":
        pruner = optuna.pruners.SuccessiveHalvingPruner(
            min_resource=res("min_resource", "auto"),
            reduction_factor=int(opts.get("reduction_factor", 4)),
            min_early_stopping_rate=int(opts.get("min_early_stopping_rate", 0)),
            bootstrap_count=int(opts.get("bootstrap_count", 0)))
    else:
        print(f"optuna_check.py: pruner {kind!r} is not asha or hyperband", file=sys.stderr)
        sys.exit(2)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    curves = load(a.metrics, a.metric)
    study = optuna.create_study(study_name=opts.get("study", "bench-pruning"),
                                direction="minimize", pruner=pruner)
    dummy = study.ask()  # number 0, so that trial k is tunetop's trial k
    study.tell(dummy, state=TrialState.FAIL)

    n = len(curves)
    shown = [0] * n
    state = ["queued"] * n
    decided = [0] * n
    handle = [None] * n
    nxt = running = finished = 0
    while finished < n:
        while running < a.parallel and nxt < n:
            handle[nxt] = study.ask()
            assert handle[nxt].number == nxt + 1
            state[nxt] = "running"
            nxt += 1
            running += 1
        for t in range(nxt):
            if state[t] != "running":
                continue
            trial, curve = handle[t], curves[t]
            if not curve:  # no report at all: nothing to decide
                state[t] = "completed"
                study.tell(trial, state=TrialState.FAIL)
                running -= 1
                finished += 1
                continue
            step, value = curve[shown[t]]
            shown[t] += 1
            trial.report(value, step)
            last = shown[t] == len(curve)
            if trial.should_prune():
                if a.trace:
                    print(f"trial {t + 1} step {step}: prune")
                state[t] = "pruned"
                study.tell(trial, state=TrialState.PRUNED)
            elif last:
                state[t] = "completed"
                study.tell(trial, value)
            if state[t] != "running":
                decided[t] = step
                running -= 1
                finished += 1

    epochs = sum(curves[t][shown[t] - 1][0] for t in range(n) if shown[t])
    best, best_t = math.inf, 0
    for t in range(n):
        if shown[t] and curves[t][shown[t] - 1][1] < best:
            best, best_t = curves[t][shown[t] - 1][1], t + 1
    pruned = state.count("pruned")
    print(f"trials {n} pruned {pruned} epochs {epochs} decided {sum(decided)} "
          f"best {best:.6g} best_trial {best_t}")


if __name__ == "__main__":
    main()
