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

Budget mode (``--budgets 60,20``): one tune job (Workspace.tune: Optuna on LightGBM with only a time
budget) on a workspace holding the data set; the wall time of the whole call a user waits for --
loading the rows, the search, the refit on every training row, the test-row evaluation, saving the
model and recording the job -- against the budget (targets: 60 s -> <= 63 s, 20 s -> <= 21 s),
``--budget-runs`` times each. The process has imported its libraries before the first run (an app that
is open has). The job's notes (what was cut to stay inside) are printed.

Workers mode (``--workers 2``): one tune job (Workspace.tune, optuna TPE, no pruning) on a brand-new
workspace and Optuna storage, once as one process and once with ``--workers N`` processes on one study;
for each: distinct trials per minute over the search (first trial start to last trial end, from the
study) and over the whole job (incl. starting the workers, the refit and the evaluation), repeated
settings, and tracebacks in the job and the workers' logs. Targets: >= 1.7x distinct trials per minute
with 2 workers on a 2-core machine, 0 repeated settings, 0 tracebacks. Every fit is single-threaded
(estimators use n_jobs=1; BLAS/OpenMP are limited to 1 thread here) so N processes can use N cores.
The default model (logistic regression, 30,000 rows) takes ~0.5-1 s of CPU per 3-fold trial.

Storage race (``--storage-race 8``): two processes open one brand-new SQLite Optuna storage at the same
instant, 8 times: plain ``optuna.create_study`` against the retrying open the tuning workers use (the
tuning process also creates the tables before it starts any worker). Failed processes are counted.

Usage: python benchmarks/bench_tuning.py [--rows 50000] [--trials 30] [--cv 3] [--n-jobs 1]
       python benchmarks/bench_tuning.py --budgets 60,20 [--budget-runs 3] [--rows 50000]
       python benchmarks/bench_tuning.py --workers 2 [--rows 30000] [--trials 40] [--algorithm logistic]
       python benchmarks/bench_tuning.py --storage-race 8
"""

from __future__ import annotations

import argparse
import os
import sys
import time

if "--workers" in sys.argv:  # one thread per fit, in this process and the workers it starts
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")


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


def run_budget(ws, dataset_id: str, budget: float, cv: int, seed: int) -> dict:
    """One tune job with only a time budget; wall seconds of the whole call."""
    t0 = time.perf_counter()
    job = ws.tune(dataset_id, algorithm="lightgbm", tuning_method="optuna", n_trials=None, timeout=budget, cv=cv,
                  seed=seed, task_type="classification")
    seconds = time.perf_counter() - t0
    summary = job.results["training_summary"]
    return {"seconds": seconds, "tuning_seconds": summary["tuning_seconds"], "trials": summary["n_trials"],
            "complete": summary["n_complete"], "notes": summary["notes"], "status": job.status}


def bench_budgets(X, y, budgets: list[float], runs: int, cv: int, seed: int) -> None:
    import tempfile
    from pathlib import Path

    import lightgbm  # noqa: F401 - imported before the clock starts, as in an app that is open
    import optuna  # noqa: F401

    import mlcore.evaluation  # noqa: F401
    from mlcore.workspace import Workspace

    print(f"lightgbm, {len(X)} rows x {X.shape[1]} features (20 % test rows), {cv}-fold CV, cpu count "
          f"{os.cpu_count()}; load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        X.assign(target=y).to_csv(path, index=False)
        with Workspace(Path(tmp) / "home") as ws:
            ds = ws.import_dataset(path, name="bench", target="target")
            for budget in budgets:
                limit = budget * 1.05
                walls = []
                for i in range(runs):
                    r = run_budget(ws, ds.id, budget, cv, seed + i)
                    walls.append(r["seconds"])
                    print(f"budget {budget:5.0f} s: job {r['status']} after {r['seconds']:6.1f} s (search+refit "
                          f"{r['tuning_seconds']:.1f} s, {r['trials']} trials, {r['complete']} complete; load average "
                          f"{os.getloadavg()[0]:.1f})  {'OK' if r['seconds'] <= limit else 'OVER'}", flush=True)
                    for note in r["notes"]:
                        print(f"    note: {note}")
                print(f"budget {budget:5.0f} s: worst {max(walls):.1f} s = {max(walls) / budget:.3f}x of the budget "
                      f"over {runs} runs (target <= {limit:.1f} s)", flush=True)


def run_workers(X, y, workers: int | None, trials: int, cv: int, seed: int, algorithm: str) -> dict:
    """One tune job on a brand-new workspace (and optuna.db) with ``workers`` processes (None: one, classic)."""
    import json
    import tempfile
    from pathlib import Path

    import optuna

    from mlcore.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        X.assign(target=y).to_csv(path, index=False)
        with Workspace(Path(tmp) / "home") as ws:
            ds = ws.import_dataset(path, name="bench", target="target")
            assert not (ws.home / "optuna.db").exists()
            import resource

            t0, cpu0 = time.perf_counter(), time.process_time()
            child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            try:
                job = ws.tune(ds.id, algorithm=algorithm, tuning_method="optuna", n_trials=trials, cv=cv,
                              pruning=False, seed=seed, workers=workers, task_type="classification")
                error = job.error or ""
            except Exception as exc:  # noqa: BLE001 - counted and printed, the other run still goes
                job, error = None, f"{type(exc).__name__}: {exc}"
            wall = time.perf_counter() - t0
            child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (time.process_time() - cpu0 + (child1.ru_utime - child0.ru_utime)
                   + (child1.ru_stime - child0.ru_stime))
            logs = "".join(p.read_text(errors="replace") for p in (ws.home / "jobs").glob("*/worker-*.log"))
            tracebacks = logs.count("Traceback") + error.count("Traceback") + (1 if job is None else 0)
            if job is None or job.status != "completed":
                return {"wall": wall, "tracebacks": tracebacks, "error": error or (job and job.status)}
            study = optuna.load_study(study_name=job.results["study_name"], storage=ws.optuna_storage)
            done = [t for t in study.get_trials(deepcopy=False)
                    if t.datetime_complete is not None and not t.user_attrs.get("beyond_budget")]
            window = (max(t.datetime_complete for t in done) - min(t.datetime_start for t in done)).total_seconds()
            settings = [json.dumps(t["params"], sort_keys=True) for t in job.results["trials"]]
            by_worker: dict = {}
            for t in job.results["trials"]:
                by_worker[t.get("worker", 0)] = by_worker.get(t.get("worker", 0), 0) + 1
            distinct = len(set(settings))
            busy = sum((t.datetime_complete - t.datetime_start).total_seconds() for t in done)
            return {"wall": wall, "window": window, "cpu": cpu, "per_cpu_min": 60.0 * distinct / cpu,
                    "mean_trial": busy / len(done), "parallel": busy / window, "trials": len(settings), "distinct": distinct,
                    "repeated": len(settings) - distinct, "tracebacks": tracebacks, "by_worker": by_worker,
                    "per_min": 60.0 * distinct / window, "per_min_job": 60.0 * distinct / wall,
                    "best": job.results["best_score"], "notes": job.results["training_summary"].get("notes")}


def bench_workers(X, y, workers: int, trials: int, cv: int, seed: int, algorithm: str) -> None:
    print(f"{algorithm}, {len(X)} rows x {X.shape[1]} features, {trials} trials for the whole study, {cv}-fold CV, "
          f"one thread per fit, cpu count {os.cpu_count()}; load average before: "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    out = {}
    for label, w in (("1 process", None), (f"{workers} workers", workers)):
        r = run_workers(X, y, w, trials, cv, seed, algorithm)
        out[label] = r
        if "per_min" not in r:
            print(f"{label:>10}: FAILED after {r['wall']:.1f} s ({r['error']}); tracebacks {r['tracebacks']}")
            continue
        print(f"{label:>10}: {r['per_min']:6.1f} distinct trials/min over the search ({r['window']:.1f} s), "
              f"{r['per_min_job']:6.1f}/min over the whole job ({r['wall']:.1f} s); {r['trials']} trials "
              f"by worker {r['by_worker']}, repeated settings {r['repeated']}, tracebacks {r['tracebacks']}, "
              f"best {r['best']:.4f}; mean trial {r['mean_trial']:.2f} s, trials running at once "
              f"{r['parallel']:.2f}, {r['per_cpu_min']:.1f} distinct trials per CPU-minute ({r['cpu']:.1f} CPU s "
              f"incl. worker processes); load average {os.getloadavg()[0]:.2f}", flush=True)
    a, b = out["1 process"], out[f"{workers} workers"]
    if "per_min" in a and "per_min" in b:
        print(f"speed-up with {workers} workers: {b['per_min'] / a['per_min']:.2f}x distinct trials/min over the "
              f"search, {b['per_min_job'] / a['per_min_job']:.2f}x over the whole job (target >= 1.7x), "
              f"{b['per_cpu_min'] / a['per_cpu_min']:.2f}x per CPU-minute (1.0 = no overhead); repeated "
              f"settings {b['repeated']} (target 0); tracebacks {a['tracebacks'] + b['tracebacks']} (target 0)")


_RACER = """
import sys, time
import optuna
from mlcore.tuning._study import _in_storage
url, start, mode = sys.argv[1], float(sys.argv[2]), sys.argv[3]
optuna.logging.set_verbosity(optuna.logging.ERROR)
while time.time() < start:
    pass
make = lambda: optuna.create_study(storage=url, study_name="s", load_if_exists=True)
make() if mode == "plain" else _in_storage(url, make, retries=4)
"""


def bench_storage_race(rounds: int) -> None:
    import subprocess
    import tempfile

    for mode in ("plain", "retrying"):
        failed = 0
        for _ in range(rounds):
            with tempfile.TemporaryDirectory() as tmp:
                url, start = f"sqlite:///{tmp}/optuna.db", time.time() + 6  # both imported by then
                procs = [subprocess.Popen([sys.executable, "-c", _RACER, url, str(start), mode],
                                          stderr=subprocess.PIPE, text=True) for _ in range(2)]
                failed += sum(p.communicate()[1].count("Traceback") > 0 or p.returncode != 0 for p in procs)
        print(f"{mode:>9} open of a brand-new storage by 2 processes at once: {failed} of {2 * rounds} processes "
              f"failed (load average {os.getloadavg()[0]:.2f})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--cv", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=1, help="LightGBM threads per fit")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budgets", default="", help="comma-separated time budgets in seconds")
    parser.add_argument("--budget-runs", type=int, default=3)
    parser.add_argument("--workers", type=int, help="compare N worker processes on one study with one process")
    parser.add_argument("--algorithm", default="logistic", help="with --workers: the model tuned")
    parser.add_argument("--storage-race", type=int, help="rounds of 2 processes opening a new storage at once")
    args = parser.parse_args()
    if args.storage_race:
        bench_storage_race(args.storage_race)
        return

    if args.workers:
        rows = args.rows if "--rows" in sys.argv else 30_000
        trials = args.trials if "--trials" in sys.argv else 40
        X, y = make_data(rows, args.seed)
        bench_workers(X, y, args.workers, trials, args.cv, args.seed, args.algorithm)
        return
    X, y = make_data(args.rows, args.seed)
    if args.budgets:
        bench_budgets(X, y, [float(b) for b in args.budgets.split(",")], args.budget_runs, args.cv, args.seed)
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
