"""Tuning throughput: Optuna TPE on LightGBM with and without median pruning, in one run.

A synthetic classification set (default 50,000 rows x 20 features, 8 informative) is tuned
twice with the same seed, folds and trial budget: once with the MedianPruner (a trial is stopped
after a fold whose running mean falls below the median of earlier trials at that fold), once
without. For each: trials per minute, best CV accuracy, pruned trials. Printed last: the
throughput ratio (pruned / unpruned) and the best-score difference.

Wall-clock throughput on a shared machine depends on what else runs, so CPU time (LightGBM
runs single-threaded by default) is printed too. The two searches also take different paths: TPE
learns from pruned trials, so the pruned run may try costlier configurations. On a 2-core shared
machine 50,000 rows take about an hour; ``--rows 10000`` about 15 minutes.

Budget mode (``--budgets 60,20``): Optuna on LightGBM with only a time budget, then the refit on
every training row and the evaluation on held-out rows as a tune job does; the wall time of all
of it against the budget (targets: 60 s -> <= 63 s, 20 s -> <= 21 s), ``--budget-runs`` times each.

Usage: python benchmarks/bench_tuning.py [--rows 50000] [--trials 30] [--cv 3] [--n-jobs 1]
       python benchmarks/bench_tuning.py --budgets 60,20 [--budget-runs 3] [--rows 50000]
"""

from __future__ import annotations

import argparse
import time


def make_data(rows: int, seed: int):
    import pandas as pd
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=rows, n_features=20, n_informative=8, n_redundant=4, flip_y=0.05,
                               class_sep=0.8, random_state=seed)
    return pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])]), y


def run(X, y, trials: int, cv: int, pruning: bool, seed: int, n_jobs: int) -> dict:
    from mlcore.tuning import tune

    t0, c0 = time.perf_counter(), time.process_time()
    result = tune(X, y, "classification", "lightgbm", method="optuna", n_trials=trials, cv=cv, seed=seed,
                  pruning=pruning, n_jobs=n_jobs, prep="none", refit=False)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu_seconds": cpu, "trials_per_minute": 60.0 * len(result.trials) / seconds,
            "trials_per_cpu_minute": 60.0 * len(result.trials) / cpu,
            "best": result.best_score, "pruned": result.count("pruned"), "complete": result.count("complete"),
            "trials": len(result.trials)}


def run_budget(X, y, budget: float, cv: int, seed: int, n_jobs: int) -> dict:
    """tune(timeout=budget) + refit + test-row evaluation, as Workspace.tune runs them; wall seconds."""
    from mlcore.training.run import _evaluate_splits
    from mlcore.tuning import tune

    n_test = len(X) // 5
    t0 = time.perf_counter()
    result = tune(X.iloc[n_test:], y[n_test:], "classification", "lightgbm", method="optuna", n_trials=None,
                  timeout=budget, cv=cv, seed=seed, prep="none", refit=True, n_jobs=n_jobs)
    _evaluate_splits(result.pipeline, "classification", {"test": (X.iloc[:n_test], y[:n_test])}, seed)
    return {"seconds": time.perf_counter() - t0, "tuning_seconds": result.seconds, "trials": len(result.trials),
            "complete": result.count("complete"), "notes": result.notes}


def bench_budgets(X, y, budgets: list[float], runs: int, cv: int, seed: int, n_jobs: int) -> None:
    import os

    for budget in budgets:
        limit = budget * 1.05
        walls = []
        for i in range(runs):
            r = run_budget(X, y, budget, cv, seed + i, n_jobs)
            walls.append(r["seconds"])
            print(f"budget {budget:5.0f} s: ended after {r['seconds']:6.1f} s incl. refit + evaluation "
                  f"(search+refit {r['tuning_seconds']:.1f} s, {r['trials']} trials, {r['complete']} complete; "
                  f"load average {os.getloadavg()[0]:.1f})  {'OK' if r['seconds'] <= limit else 'OVER'}", flush=True)
        print(f"budget {budget:5.0f} s: worst {max(walls):.1f} s = {max(walls) / budget:.3f}x of the budget over "
              f"{runs} runs (target <= {limit:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--cv", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=1, help="LightGBM threads per fit")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budgets", default="", help="comma-separated time budgets in seconds")
    parser.add_argument("--budget-runs", type=int, default=3)
    args = parser.parse_args()

    X, y = make_data(args.rows, args.seed)
    if args.budgets:
        bench_budgets(X, y, [float(b) for b in args.budgets.split(",")], args.budget_runs, args.cv, args.seed, args.n_jobs)
        return
    print(f"lightgbm, {args.rows} rows x {X.shape[1]} features, {args.trials} trials, {args.cv}-fold CV, "
          f"n_jobs={args.n_jobs}, seed={args.seed}")
    out = {}
    for label, pruning in (("with pruning", True), ("without pruning", False)):
        r = run(X, y, args.trials, args.cv, pruning, args.seed, args.n_jobs)
        out[label] = r
        print(f"{label:>16}: {r['trials_per_minute']:6.2f} trials/min  best accuracy {r['best']:.4f}  "
              f"({r['complete']} complete, {r['pruned']} pruned, {r['seconds']:.1f} s wall, {r['cpu_seconds']:.1f} s CPU, "
              f"{r['trials_per_cpu_minute']:.2f} trials/CPU-min)")
    a, b = out["with pruning"], out["without pruning"]
    print(f"throughput ratio (pruning / no pruning): {a['trials_per_minute'] / b['trials_per_minute']:.2f}x wall, "
          f"{a['trials_per_cpu_minute'] / b['trials_per_cpu_minute']:.2f}x CPU; "
          f"best score difference: {a['best'] - b['best']:+.4f}")


if __name__ == "__main__":
    main()
