"""Refit on train+validation: once early stopping has found the number of rounds, use every row.

Early stopping needs rows the model does not train on; once it has picked the number of rounds,
holding those rows back only costs accuracy. The pipeline (preparation included) is fitted again
on the training and validation rows together, with the rounds found scaled by how many more rows
there now are (the rounds a booster needs grow with the data). The test rows stay untouched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlcore.jobs import JobContext

if TYPE_CHECKING:
    import pandas as pd

    from mlcore.models import AlgorithmSpec
    from mlcore.prep import PrepRecipe
    from mlcore.training.config import TrainConfig

# algorithms whose n_estimators is a number of boosting rounds that early stopping chooses
ROUND_SCALED = frozenset({"xgboost", "lightgbm", "gradient_boosting", "adaboost"})


def refit_on_train_and_validation(spec: "AlgorithmSpec", params: dict[str, Any], recipe: "PrepRecipe", task: str,
                                  X_train: "pd.DataFrame", y_train: "pd.Series", X_val: "pd.DataFrame",
                                  y_val: "pd.Series", summary: dict[str, Any], config: "TrainConfig",
                                  ctx: JobContext) -> tuple[Any, Any, dict[str, Any]]:
    """(refitted pipeline, its fitted preparation, what was done) on the training + validation rows."""
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from mlcore.prep import balanced_sample_weight, build_preprocessor, native_categorical_mask, outlier_row_mask
    from mlcore.training.monitor import fit_monitored

    ctx.check_cancelled()
    X_fit = pd.concat([X_train, X_val])
    y_fit = pd.concat([y_train, y_val])
    if recipe.outlier_method != "none" and recipe.outlier_action == "remove":
        # X_train already lost its outliers; the validation rows are judged by the same rule
        keep_val = outlier_row_mask(X_val, recipe.outlier_method, recipe.outlier_threshold)
        X_fit = pd.concat([X_train, X_val[keep_val]])
        y_fit = pd.concat([y_train, y_val[keep_val]])
    params = dict(params)
    best = summary.get("best_iteration")
    rounds_name = "n_estimators"
    scaled = (config.early_stopping and spec.name in ROUND_SCALED and summary.get("mode") == "iterations"
              and best)
    ratio = len(X_fit) / max(1, len(X_train))
    if scaled:
        p = spec.param(rounds_name)
        rounds = max(int(p.low or 1), int(round(int(best) * ratio)))
        if p.high is not None:
            rounds = min(rounds, int(p.high))
        params[rounds_name] = rounds
        scheme = (f"early stopping on the validation rows chose {int(best)} rounds; refitted on "
                  f"train+validation ({len(X_fit)} rows) with {rounds} rounds ({int(best)} x {ratio:.3f})")
    else:
        scheme = f"refitted on train+validation ({len(X_fit)} rows) with the same settings"
    native = spec.abilities.native_categorical
    prep = build_preprocessor(recipe, X_fit, task, seed=config.seed, native_categorical=native)
    Xt = prep.fit_transform(X_fit, y_fit)
    ctx.check_cancelled()
    sample_weight = None
    if task == "classification" and recipe.class_weight == "balanced":
        if spec.abilities.class_weight:
            params.setdefault("class_weight", "balanced")
        else:
            sample_weight = balanced_sample_weight(y_fit)
    fit = fit_monitored(spec, params, Xt, y_fit, None, None, _Quiet(ctx), early_stopping=False,
                        seed=config.seed, sample_weight=sample_weight, n_jobs=config.n_jobs,
                        categorical=native_categorical_mask(prep) if native else None)
    info = {"scheme": scheme, "rows": int(len(X_fit)), "rounds": params.get(rounds_name) if scaled else None,
            "fit_seconds": round(float(fit.summary.get("fit_seconds", 0.0)), 4)}
    ctx.log(scheme)
    return Pipeline([("prep", prep), ("model", fit.estimator)]), prep, info


class _Quiet(JobContext):
    """Passes progress and cancel through but not the refit's curve (the curve is the validation one)."""

    def __init__(self, parent: JobContext) -> None:  # noqa: D107 - no own flag: the parent's is shared
        self._parent = parent

    @property
    def _cancel(self):  # type: ignore[override]
        return self._parent._cancel

    def _on_progress(self, fraction: float, message: str) -> None:
        self._parent.progress(fraction, "refitting on train+validation")

    def _on_log(self, message: str) -> None:
        self._parent.log(message)
