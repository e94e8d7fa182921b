#!/usr/bin/python3
"""Optuna's side of the sampler benchmark (bench/samplers).

The same six functions, spaces, minima and seeds as harness.c / functions.c,
through Optuna's default TPESampler(), TPESampler(multivariate=True) and
RandomSampler (seed = the same integer), one trial at a time with
study.ask()/study.tell(). Prints the same regret table, and with --latency
the time of one suggestion (ask + every suggest_* call) with a random
history of 100, 500 and 1000 completed trials on Hartmann-6.

--raw FILE appends the same tab-separated lines as the C harness, for
join.py. Run it with Debian's interpreter (/usr/bin/python3, where
python3-optuna installs); without Optuna it says so and exits with status 3.

  usage: optuna_bench.py [--seeds N] [--trials N] [--samplers s,...]
                         [--functions f,...] [--raw FILE]
         optuna_bench.py --latency [--sizes 100,500,1000] [--raw FILE]
"""
import argparse
import math
import sys
import time
import warnings

try:
    import optuna
except ImportError:
    optuna = None

# ---- the functions (keep in step with functions.c) ----


def branin(x):
    x1, x2 = x
    t = x2 - 5.1 * x1 * x1 / (4.0 * math.pi * math.pi) + 5.0 * x1 / math.pi - 6.0
    return t * t + 10.0 * (1.0 - 1.0 / (8.0 * math.pi)) * math.cos(x1) + 10.0


H_ALPHA = (1.0, 1.2, 3.0, 3.2)
H_A = ((10, 3, 17, 3.5, 1.7, 8), (0.05, 10, 17, 0.1, 8, 14),
       (3, 3.5, 1.7, 10, 17, 8), (17, 8, 0.05, 10, 0.1, 14))
H_P = ((1312, 1696, 5569, 124, 8283, 5886), (2329, 4135, 8307, 3736, 1004, 9991),
       (2348, 1451, 3522, 2883, 3047, 6650), (4047, 8828, 8732, 5743, 1091, 381))


def hartmann6(x):
    f = 0.0
    for i in range(4):
        s = 0.0
        for j in range(6):
            d = x[j] - 1e-4 * H_P[i][j]
            s += H_A[i][j] * d * d
        f -= H_ALPHA[i] * math.exp(-s)
    return f


def rosenbrock4(x):
    return sum(100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1.0) ** 2 for i in range(3))


def ackley5(x):
    sq = sum(v * v for v in x)
    cs = sum(math.cos(2.0 * math.pi * v) for v in x)
    return -20.0 * math.exp(-0.2 * math.sqrt(sq / 5.0)) - math.exp(cs / 5.0) + 20.0 + math.e


def styblinski_tang4(x):
    return 0.5 * sum(v ** 4 - 16.0 * v * v + 5.0 * v for v in x)


MIXED_OFFSET = (0.5, 0.0, 0.25)
MIXED_U = (0.2, 0.7, 0.5)
MIXED_V = (0.8, 0.3, 0.5)
MIXED_N = (8.0, 3.0, 5.0)
MIXED_CATS = ("a", "b", "c")


def mixed(x):
    x1, x2, n, c = x
    d1, d2 = x1 - MIXED_U[c], x2 - MIXED_V[c]
    return MIXED_OFFSET[c] + 10.0 * (d1 * d1 + d2 * d2) + 0.1 * abs(n - MIXED_N[c])


def box(d, lo, hi):
    return [("x%d" % (i + 1), "float", lo, hi) for i in range(d)]


# name -> (function, space, minimum); a space entry is (name, kind, low, high)
# or (name, "cat", choices).
FUNCTIONS = {
    "branin": (branin, [("x1", "float", -5.0, 10.0), ("x2", "float", 0.0, 15.0)],
               0.39788735772973816),
    "hartmann6": (hartmann6, box(6, 0.0, 1.0), -3.322368011415515),
    "rosenbrock4": (rosenbrock4, box(4, -5.0, 10.0), 0.0),
    "ackley5": (ackley5, box(5, -32.768, 32.768), 0.0),
    "styblinski_tang4": (styblinski_tang4, box(4, -5.0, 5.0), -156.66466281508565),
    "mixed": (mixed, [("x1", "float", 0.0, 1.0), ("x2", "float", 0.0, 1.0),
                      ("n", "int", 0, 10), ("c", "cat", MIXED_CATS)], 0.0),
}

CHECKPOINTS = (25, 50, 100)


def make_sampler(name, seed):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe-mv":
        return optuna.samplers.TPESampler(multivariate=True, seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise SystemExit("optuna_bench: unknown sampler %r (tpe, tpe-mv, random)" % name)


def suggest(trial, space):
    """The point as the C harness sees it: category index for 'cat'."""
    x = []
    for p in space:
        if p[1] == "float":
            x.append(trial.suggest_float(p[0], p[2], p[3]))
        elif p[1] == "int":
            x.append(trial.suggest_int(p[0], p[2], p[3]))
        else:
            x.append(p[2].index(trial.suggest_categorical(p[0], p[2])))
    return x


def distributions(space):
    d = {}
    for p in space:
        if p[1] == "float":
            d[p[0]] = optuna.distributions.FloatDistribution(p[2], p[3])
        elif p[1] == "int":
            d[p[0]] = optuna.distributions.IntDistribution(p[2], p[3])
        else:
            d[p[0]] = optuna.distributions.CategoricalDistribution(p[2])
    return d


def quantile(v, q):
    """numpy's default (linear, "type 7"), as harness.c and join.py."""
    v = sorted(v)
    h = q * (len(v) - 1)
    lo = math.floor(h)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (h - lo) * (v[hi] - v[lo])


def run_study(sampler_name, fn, space, minimum, seed, trials):
    study = optuna.create_study(sampler=make_sampler(sampler_name, seed), direction="minimize")
    best = math.inf
    regret = {}
    seconds = 0.0
    for t in range(1, trials + 1):
        t0 = time.perf_counter()
        trial = study.ask()
        x = suggest(trial, space)
        seconds += time.perf_counter() - t0
        value = fn(x)
        study.tell(trial, value)
        best = min(best, value)
        if t in CHECKPOINTS:
            regret[t] = best - minimum
    return regret, seconds


def run_regret(args, raw):
    cps = [c for c in CHECKPOINTS if c <= args.trials]
    start = time.perf_counter()
    print("Optuna %s: simple regret (best so far - minimum), median [q1, q3] over %d seeds, "
          "%d trials" % (optuna.__version__, args.seeds, args.trials))
    for fname in args.functions:
        fn, space, minimum = FUNCTIONS[fname]
        print("\n%s (%d-D, minimum %.10g)" % (fname, len(space), minimum))
        print("  %-10s" % "sampler" + "".join("  %-30s" % ("@%d trials" % c) for c in cps)
              + "  ms/suggest")
        for sname in args.samplers:
            per_cp = {c: [] for c in cps}
            seconds = 0.0
            for seed in range(1, args.seeds + 1):
                regret, sec = run_study(sname, fn, space, minimum, seed, args.trials)
                seconds += sec
                for c in cps:
                    per_cp[c].append(regret[c])
                    if raw:
                        raw.write("regret\toptuna\t%s\t%s\t%d\t%d\t%.17g\n"
                                  % (sname, fname, seed, c, regret[c]))
            if raw:
                raw.flush()
            cells = ["%.3g [%.3g, %.3g]" % (quantile(v, 0.5), quantile(v, 0.25), quantile(v, 0.75))
                     for v in (per_cp[c] for c in cps)]
            print("  %-10s" % sname + "".join("  %-30s" % c for c in cells)
                  + "  %.4f" % (1e3 * seconds / (args.seeds * args.trials)), flush=True)
    print("\ntotal %.1f s" % (time.perf_counter() - start))


def run_latency(args, raw):
    """One suggestion = study.ask() and every suggest_* call, with n
    completed random trials in the study (the same kind of history as the
    C harness: prior draws and their values). Each timed trial is then told
    FAIL, which TPE ignores, so the history stays at n completed trials."""
    import random
    fname = args.function
    fn, space, _ = FUNCTIONS[fname]
    dists = distributions(space)
    rng = random.Random(20240601)
    history = []
    for _ in range(max(args.sizes)):
        params, x = {}, []
        for p in space:
            if p[1] == "float":
                v = rng.uniform(p[2], p[3])
                params[p[0]] = v
                x.append(v)
            elif p[1] == "int":
                v = rng.randint(p[2], p[3])
                params[p[0]] = v
                x.append(v)
            else:
                i = rng.randrange(len(p[2]))
                params[p[0]] = p[2][i]
                x.append(i)
        history.append(optuna.trial.create_trial(params=params, distributions=dists,
                                                 value=fn(x)))
    print("Optuna %s: suggestion latency on %s (%d-D), random history; median ms per "
          "suggestion" % (optuna.__version__, fname, len(space)))
    print("  %-10s" % "sampler" + "".join("  %12s" % ("n=%d" % n) for n in args.sizes))
    for sname in args.samplers:
        print("  %-10s" % sname, end="", flush=True)
        for n in args.sizes:
            study = optuna.create_study(sampler=make_sampler(sname, 1), direction="minimize")
            study.add_trials(history[:n])
            times = []
            total = 0.0
            while len(times) < 200:
                t0 = time.perf_counter()
                trial = study.ask()
                suggest(trial, space)
                dt = time.perf_counter() - t0
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
                times.append(dt)
                total += dt
                if (total >= 0.5 and len(times) >= 3) or dt > 2.0:
                    break
            ms = 1e3 * quantile(times, 0.5)
            print("  %12.4f" % ms, end="", flush=True)
            if raw:
                raw.write("latency\toptuna\t%s\t%s\t%d\t%.6g\t%d\n" % (sname, fname, n, ms, len(times)))
                raw.flush()
        print()


def csv_list(s):
    return [t for t in s.split(",") if t]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--samplers", type=csv_list, default=["tpe", "tpe-mv", "random"])
    ap.add_argument("--functions", type=csv_list, default=list(FUNCTIONS))
    ap.add_argument("--function", default="hartmann6", choices=list(FUNCTIONS))
    ap.add_argument("--latency", action="store_true")
    ap.add_argument("--sizes", type=lambda s: [int(t) for t in csv_list(s)],
                    default=[100, 500, 1000])
    ap.add_argument("--raw")
    args = ap.parse_args()
    for f in args.functions:
        if f not in FUNCTIONS:
            ap.error("unknown function %r" % f)
    if optuna is None:
        print("optuna_bench: Optuna is not installed for %s (apt install python3-optuna); "
              "skipping the Optuna comparison" % sys.executable)
        return 3
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    raw = open(args.raw, "a") if args.raw else None
    if args.latency:
        run_latency(args, raw)
    else:
        run_regret(args, raw)
    if raw:
        raw.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
