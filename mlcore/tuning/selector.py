"""The seed SDK's ModelSelector: compare models, tune one, build ensembles, keep ``best_model``.

The SDK's users pass features they already prepared (cleaned, selected, scaled: the seed's
``X_train``), as a numpy array or a DataFrame. So the models here are the catalog estimators
themselves, wrapped in a median imputer only when the data has missing values; a DataFrame with
text or date columns gets the project's full preprocessor instead. ``best_model`` is that model
(estimator or Pipeline) with the best configuration, fitted on all the rows given — ready for
``predict``, and for ``TrainingDashboard.train_with_monitoring``, which refits a clone of it.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from mlcore.errors import ConfigError
from mlcore.jobs import JobContext

from mlcore.vocab import DEFAULT_MODELS


def prep_mode(X: Any) -> str:
    """"recipe" for raw DataFrames with non-numeric columns, "impute" with missing values, else "none"."""
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        if any(not pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t) for t in X.dtypes):
            return "recipe"
        return "impute" if X.isna().to_numpy().any() else "none"
    arr = np.asarray(X, dtype=float)
    return "impute" if np.isnan(arr).any() else "none"


class ModelSelector:
    """Model comparison, hyperparameter search and ensembles for one task (the seed's SDK class)."""

    def __init__(self, task_type: str = "classification", seed: int = 42, n_jobs: int | None = None,
                 ctx: JobContext | None = None) -> None:
        if task_type not in DEFAULT_MODELS:
            raise ConfigError(f"task_type must be 'classification' or 'regression', not {task_type!r}")
        self.task_type = task_type
        from mlcore.tuning._cv import check_seed

        self.seed = check_seed(seed)
        self.n_jobs = None if n_jobs is None else int(n_jobs)
        self.ctx = ctx
        self.best_model: Any = None
        self.best_model_name: str | None = None
        self.best_params: dict[str, Any] = {}
        self.comparison_: Any = None
        self.tuning_: Any = None
        self.automl_: Any = None

    def _fit_best(self, X: Any, y: Any, name: str, params: dict[str, Any]) -> Any:
        from mlcore.models import get_algorithm
        from mlcore.tuning._cv import model_factory, prepare_inputs

        X, y_arr, task = prepare_inputs(X, y, self.task_type)
        make = model_factory(get_algorithm(name, task), X, task, None, self.seed, self.n_jobs, prep_mode(X))
        self.best_model = make(params).fit(X, y_arr)
        self.best_model_name, self.best_params = name, dict(params)
        return self.best_model

    def compare_models(self, X: Any, y: Any, models: Sequence[str] | None = None, cv: int = 5,
                       metric: str | None = None) -> Any:
        """Cross-validated comparison, best first, as a DataFrame; sets ``best_model`` (fitted on X, y)."""
        from mlcore.tuning.compare import compare_models

        result = compare_models(X, y, self.task_type, list(models or DEFAULT_MODELS[self.task_type]), cv=cv,
                                metric=metric, seed=self.seed, ctx=self.ctx, n_jobs=self.n_jobs, prep=prep_mode(X))
        self.comparison_ = result
        if result.best_model is not None:
            self._fit_best(X, y, result.best_model, {})
        return result.to_frame()

    def _search(self, method: str, X: Any, y: Any, model_name: str, n_trials: int | None, cv: int,
                timeout: float | None, metric: str | None, **kwargs: Any) -> dict[str, Any]:
        from mlcore.tuning.search import tune

        result = tune(X, y, self.task_type, model_name, method=method, n_trials=n_trials, timeout=timeout, cv=cv,
                      metric=metric, seed=self.seed, ctx=self.ctx, n_jobs=self.n_jobs, prep=prep_mode(X),
                      refit=False, **kwargs)
        self.tuning_ = result
        self._fit_best(X, y, result.algorithm, result.best_params)
        out = result.to_dict()
        out["best_model"] = self.best_model
        return out

    def optuna_search(self, X: Any, y: Any, model_name: str, n_trials: int = 100, cv: int = 5,
                      timeout: float | None = None, metric: str | None = None, pruning: bool = True,
                      storage: str | None = None, study_name: str | None = None) -> dict[str, Any]:
        """Optuna TPE search: {"best_params", "best_score", "trials", ...}; sets ``best_model``."""
        return self._search("optuna", X, y, model_name, n_trials, cv, timeout, metric, pruning=pruning,
                            storage=storage, study_name=study_name)

    def grid_search(self, X: Any, y: Any, model_name: str, param_grid: dict[str, list] | None = None,
                    cv: int = 5, n_trials: int | None = None, timeout: float | None = None,
                    metric: str | None = None) -> dict[str, Any]:
        """Grid search over ``param_grid`` (catalog names or ``model__`` keys; default: the catalog grid)."""
        grid = None
        if param_grid is not None:
            from mlcore.models import get_algorithm

            spec = get_algorithm(model_name, self.task_type)
            grid = {spec.model_key(spec.strip_key(k)): list(v) for k, v in param_grid.items()}
        return self._search("grid", X, y, model_name, n_trials, cv, timeout, metric, grid=grid)

    def random_search(self, X: Any, y: Any, model_name: str, n_trials: int = 50, cv: int = 5,
                      timeout: float | None = None, metric: str | None = None) -> dict[str, Any]:
        """Random search over the catalog search space; sets ``best_model``."""
        return self._search("random", X, y, model_name, n_trials, cv, timeout, metric)

    def auto(self, X: Any, y: Any, time_budget: float = 60.0, metric: str | None = None,
             recipe: Any = None) -> dict[str, Any]:
        """AutoML under ``time_budget`` seconds across model families; sets ``best_model`` (ensemble or best).

        Returns the result's dict (leaderboard, metric, best and final scores, ensemble weights)
        with ``best_model``: one fitted estimator, preparation inside, ready to predict on raw rows.
        """
        from mlcore.tuning.automl import run_automl

        result = run_automl(X, y, self.task_type, time_budget=time_budget, metric=metric, seed=self.seed,
                            recipe=recipe, ctx=self.ctx, n_jobs=self.n_jobs)
        self.automl_ = result
        self.best_model = result.model
        self.best_model_name = "automl"
        best = result.leaderboard[result.best_trial]
        self.best_params = {"family": best.family, **best.params}
        out = result.to_dict()
        out["best_model"] = self.best_model
        return out

    def create_voting_ensemble(self, models: Sequence[Any], voting: str = "soft") -> Any:
        """An unfitted voting (classification) or averaging (regression) ensemble of catalog models."""
        from mlcore.models import create_voting_ensemble

        return create_voting_ensemble(models, voting, self.task_type, self.seed, self.n_jobs)

    def create_stacking_ensemble(self, base_models: Sequence[Any], meta_model: Any = None, cv: int = 3) -> Any:
        """An unfitted stacking ensemble: base models' out-of-fold predictions feed ``meta_model``."""
        from mlcore.models import create_stacking_ensemble

        return create_stacking_ensemble(base_models, meta_model, cv, self.task_type, self.seed, self.n_jobs)

    def create_bagging_ensemble(self, model: Any = "decision_tree", n_estimators: int = 10, **kwargs: Any) -> Any:
        """An unfitted bagging ensemble of any catalog model (name) or estimator."""
        from mlcore.models import create_bagging_ensemble

        return create_bagging_ensemble(model, n_estimators, task=self.task_type, seed=self.seed,
                                       n_jobs=self.n_jobs, **kwargs)
