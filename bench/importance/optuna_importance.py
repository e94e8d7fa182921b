#!/usr/bin/python3
"""Optuna's side of the importance benchmark (bench/importance/run.sh).

Reads the trials the C harness wrote (x1..x6 on [0,1], y = Hartmann-6), adds
them to an in-memory study as COMPLETE trials with FloatDistribution(0, 1),
and times optuna.importance.get_param_importances with
FanovaImportanceEvaluator(seed=0) (64 trees, max_depth 64, sklearn's
RandomForestRegressor, single core). Prints one tab-separated line:

    optuna  fanova  N  wall_ms  cpu_ms  name=value,...   (most important first)
"""
import csv
import sys
import time

import optuna
from optuna.distributions import FloatDistribution
from optuna.importance import FanovaImportanceEvaluator


def main() -> None:
    path = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with open(path) as f:
        rows = list(csv.DictReader(f))
    names = [f"x{j}" for j in range(1, 7)]
    dists = {name: FloatDistribution(0.0, 1.0) for name in names}
    study = optuna.create_study(direction="minimize")
    study.add_trials(
        [
            optuna.trial.create_trial(
                params={name: float(r[name]) for name in names},
                distributions=dists,
                value=float(r["y"]),
            )
            for r in rows
        ]
    )
    walls, cpus = [], []
    result = None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        result = optuna.importance.get_param_importances(
            study, evaluator=FanovaImportanceEvaluator(seed=0)
        )
        cpus.append(1e3 * (time.process_time() - c0))
        walls.append(1e3 * (time.perf_counter() - w0))
    walls.sort()
    cpus.sort()
    ranking = ",".join(f"{k}={v:.4f}" for k, v in result.items())
    print(
        f"optuna\tfanova\t{len(rows)}\t{walls[len(walls) // 2]:.3f}\t"
        f"{cpus[len(cpus) // 2]:.3f}\t{ranking}"
    )


if __name__ == "__main__":
    main()
