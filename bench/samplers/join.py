#!/usr/bin/python3
"""Join the raw lines of harness.c and optuna_bench.py into one Markdown
report: regret median [q1, q3] per function and sampler, tunetop/Optuna
ratios of median regret, the goals of the issue, and suggestion latency.

Input lines (tab-separated, from either side):
  regret  IMPL METHOD FUNCTION SEED TRIALS REGRET
  latency IMPL METHOD FUNCTION HISTORY MEDIAN_MS REPS
  note    IMPL METHOD FUNCTION TEXT
  alias   IMPL METHOD TARGET        (METHOD runs TARGET's sampler: its rows are TARGET's)

  usage: join.py RAW.tsv [--default bayes]
"""
import argparse
import math
import sys

FUNCTIONS = ["branin", "hartmann6", "rosenbrock4", "ackley5", "styblinski_tang4", "mixed"]
TUNETOP_ORDER = ["bayes", "tpe", "gp", "evolution", "cmaes", "random", "sobol", "grid"]
OPTUNA_ORDER = ["tpe", "tpe-mv", "random"]
OPTUNA_LABEL = {"tpe": "Optuna TPE", "tpe-mv": "Optuna TPE mv", "random": "Optuna random"}
# Optuna 3.1 measured on this machine by the author, ms per trial at
# 1000 trials in 6-D.
OPTUNA_REFERENCE_MS = {"tpe": 46.5, "tpe-mv": 58.3}


def quantile(v, q):
    """numpy's default (linear, "type 7"), as the two harnesses."""
    v = sorted(v)
    h = q * (len(v) - 1)
    lo = math.floor(h)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (h - lo) * (v[hi] - v[lo])


def ordered(present, order):
    return [m for m in order if m in present] + sorted(m for m in present if m not in order)


def g(x):
    return "%.3g" % x


def ratio(a, b):
    if a is None or b is None:
        return "–"
    if b == 0:
        return "0/0" if a == 0 else "∞"
    return "%.2f" % (a / b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("--default", default="bayes",
                    help="tunetop's default model-based sampler (the goals are about it)")
    args = ap.parse_args()

    regret = {}      # (impl, method, function, trials) -> [regret per seed]
    latency = {}     # (impl, method, function) -> {history: ms}
    notes = {}       # (impl, method) -> set of texts
    aliases = {}     # (impl, method) -> the method whose sampler it runs
    with open(args.raw) as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if f[0] == "regret" and len(f) == 7:
                regret.setdefault((f[1], f[2], f[3], int(f[5])), []).append(float(f[6]))
            elif f[0] == "latency" and len(f) == 7:
                latency.setdefault((f[1], f[2], f[3]), {})[int(f[4])] = float(f[5])
            elif f[0] == "note" and len(f) >= 5:
                notes.setdefault((f[1], f[2]), set()).add("\t".join(f[4:]))
            elif f[0] == "alias" and len(f) == 4:
                aliases[(f[1], f[2])] = f[3]
    # An alias (bayes = gp) is not run twice: it reports its target's rows.
    for (impl, alias), target in aliases.items():
        for k, v in list(regret.items()):
            if k[0] == impl and k[1] == target:
                regret[(impl, alias) + k[2:]] = v
        for k, v in list(latency.items()):
            if k[0] == impl and k[1] == target:
                latency[(impl, alias) + k[2:]] = v
        notes.setdefault((impl, alias), set()).add("the same sampler as %s: its figures" % target)

    out = []
    w = out.append
    budgets = sorted({k[3] for k in regret})
    seeds = max((len(v) for v in regret.values()), default=0)
    tt_methods = ordered({k[1] for k in regret if k[0] == "tunetop"}, TUNETOP_ORDER)
    op_methods = ordered({k[1] for k in regret if k[0] == "optuna"}, OPTUNA_ORDER)
    functions = [f for f in FUNCTIONS if any(k[2] == f for k in regret)]

    def med(impl, m, fn, b):
        v = regret.get((impl, m, fn, b))
        return quantile(v, 0.5) if v else None

    w("Simple regret (best value so far − known minimum, all minimised): median [q1, q3] "
      "over %d seeds (1..%d), at %s trials.\n" % (seeds, seeds, ", ".join(map(str, budgets))))
    w("| function | sampler | " + " | ".join("@%d" % b for b in budgets) + " |")
    w("|---|---|" + "---|" * len(budgets))
    for fn in functions:
        rows = [("tunetop", m, "tunetop " + m) for m in tt_methods] + \
               [("optuna", m, OPTUNA_LABEL.get(m, "Optuna " + m)) for m in op_methods]
        for impl, m, label in rows:
            cells = []
            for b in budgets:
                v = regret.get((impl, m, fn, b))
                cells.append("%s [%s, %s]" % (g(quantile(v, 0.5)), g(quantile(v, 0.25)),
                                              g(quantile(v, 0.75))) if v else "–")
            if any(c != "–" for c in cells):
                w("| %s | %s | %s |" % (fn, label, " | ".join(cells)))
    w("")

    if op_methods:
        pairs = [(m, "tpe") for m in tt_methods if m not in ("random", "sobol")]
        pairs += [(m, "tpe-mv") for m in tt_methods if m == args.default]
        pairs += [("random", "random"), ("sobol", "tpe")]
        pairs = [(a, b) for a, b in pairs if a in tt_methods and b in op_methods]
        w("Ratio of median regret, tunetop / Optuna (below 1: tunetop better).\n")
        w("| function | trials | " + " | ".join("%s / %s" % (a, OPTUNA_LABEL[b])
                                                for a, b in pairs) + " |")
        w("|---|---|" + "---|" * len(pairs))
        for fn in functions:
            for b in budgets:
                w("| %s | %d | %s |" % (fn, b, " | ".join(
                    ratio(med("tunetop", a, fn, b), med("optuna", o, fn, b)) for a, o in pairs)))
        w("")

    # Goals of the issue.
    w("Goals:\n")
    target = [b for b in (50, 100) if b in budgets]
    # The goal is about the default (`bayes`); the other model-based
    # samplers are counted too, since `bayes` maps to whichever wins here.
    candidates = [m for m in tt_methods if m not in ("random", "sobol", "grid")]
    if args.default not in tt_methods:
        w("- regret: tunetop's default sampler (`%s`) is not available in this build yet; "
          "not measured." % args.default)
    if "tpe" not in op_methods:
        w("- regret: Optuna not run; no comparison.")
    elif not target:
        # all() over no budget is true: without this every function would
        # count as a win (--trials 25 said "6 of 6: met")
        w("- regret: judged at 50 and 100 trials, and this run stopped before 50; "
          "not measured.")
    else:
        for m in candidates:
            wins = [fn for fn in functions
                    if all(med("tunetop", m, fn, b) is not None and
                           med("optuna", "tpe", fn, b) is not None and
                           med("tunetop", m, fn, b) < med("optuna", "tpe", fn, b)
                           for b in target)]
            w("- regret: `%s`%s has a lower median regret than Optuna's default TPE at %s "
              "trials on %d of %d functions (%s); goal ≥ 5 of 6 for the default: %s." % (
                  m, " (the default)" if m == args.default else "",
                  " and ".join(map(str, target)), len(wins), len(functions),
                  ", ".join(wins) or "none", "met" if len(wins) >= 5 else "not met"))
    lat_fn = sorted({k[2] for k in latency})
    # Goals only for what this run measured (--methods may leave tpe or gp out).
    for fn in lat_fn:
        tt_tpe = latency.get(("tunetop", "tpe", fn), {}).get(1000)
        op_tpe = latency.get(("optuna", "tpe", fn), {}).get(1000)
        # The TPE goal is judged against Optuna measured in the same run;
        # without Optuna, only the old reference figure is quoted.
        if tt_tpe is not None and op_tpe:
            w("- latency: tunetop TPE takes %.3g ms per suggestion at 1000 trials on %s, "
              "Optuna TPE %.1f ms in this run: %.0f×; goal ≥ 100×: %s." % (
                  tt_tpe, fn, op_tpe, op_tpe / tt_tpe,
                  "met" if op_tpe / tt_tpe >= 100 else "NOT met"))
        elif tt_tpe is not None:
            w("- latency: tunetop TPE takes %.3g ms per suggestion at 1000 trials on %s; "
              "Optuna not run, so no ratio (an older Optuna 3.1 figure was %.1f ms)." % (
                  tt_tpe, fn, OPTUNA_REFERENCE_MS["tpe"]))
        gp = latency.get(("tunetop", "gp", fn), {}).get(500)
        if gp is not None:
            w("- latency: tunetop GP takes %.3g ms per suggestion at 500 trials on %s; goal "
              "< 1000 ms: %s." % (gp, fn, "met" if gp < 1000 else "NOT met"))
    w("")

    for fn in lat_fn:
        sizes = sorted({n for k, v in latency.items() if k[2] == fn for n in v})
        rows = [("tunetop", m, "tunetop " + m)
                for m in ordered({k[1] for k in latency if k[0] == "tunetop"}, TUNETOP_ORDER)]
        rows += [("optuna", m, OPTUNA_LABEL.get(m, "Optuna " + m))
                 for m in ordered({k[1] for k in latency if k[0] == "optuna"}, OPTUNA_ORDER)]
        w("Suggestion latency on %s with a random history of n completed trials: median ms "
          "per suggestion.\n" % fn)
        w("| sampler | " + " | ".join("n=%d" % n for n in sizes) + " |")
        w("|---|" + "---|" * len(sizes))
        for impl, m, label in rows:
            d = latency.get((impl, m, fn), {})
            w("| %s | %s |" % (label, " | ".join("%.4g" % d[n] if n in d else "–" for n in sizes)))
        w("")

    if notes:
        w("Notes:\n")
        for (impl, m), texts in sorted(notes.items()):
            for t in sorted(texts):
                w("- %s `%s`: %s" % (impl, m, t))
        w("")
    sys.stdout.write("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
