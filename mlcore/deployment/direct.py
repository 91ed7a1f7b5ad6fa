"""A fitted LightGBM model answered from its booster: its scikit-learn wrapper's per-call validation
costs ~1 ms, the trees a few µs per row. Used for the REST server's small batches only when the
booster call gives the model's own predictions bit for bit on prepared probe rows."""

from __future__ import annotations

import copy
import logging
from typing import Any

import numpy as np

from mlcore.deployment.compiled import _equal

__all__ = ["direct_estimator_copy"]

log = logging.getLogger(__name__)


class _DirectLightGBM:
    """A fitted LightGBM scikit-learn model answered straight from its booster, with the parameters its
    ``predict`` would pass: the wrapper's per-call validation costs ~1 ms, the trees a few µs per row.
    Input that is not a plain float64 matrix goes to the wrapper itself."""

    def __init__(self, model: Any, params: dict[str, Any]) -> None:
        self._model = model
        self._booster = model.booster_
        self._params = params
        self.n_features_in_ = model.n_features_in_

    def fit(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a direct LightGBM view only predicts; fit the model itself")

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def __sklearn_tags__(self) -> Any:
        return self._model.__sklearn_tags__()

    def _raw(self, X: Any) -> np.ndarray | None:
        if (type(X) is np.ndarray and X.dtype == np.float64 and X.ndim == 2 and X.shape[0] > 0
                and X.shape[1] == self.n_features_in_):
            return self._booster.predict(X, **self._params)
        return None


class _DirectLGBMClassifier(_DirectLightGBM):
    def __init__(self, model: Any, params: dict[str, Any]) -> None:
        super().__init__(model, params)
        self.classes_ = model.classes_
        self._binary = len(model.classes_) == 2

    def predict_proba(self, X: Any) -> np.ndarray:
        raw = self._raw(X)
        if raw is None:
            return self._model.predict_proba(X)
        return np.vstack((1.0 - raw, raw)).transpose() if self._binary else raw

    def predict(self, X: Any) -> np.ndarray:
        return self._model.predict(X)


class _DirectLGBMRegressor(_DirectLightGBM):
    def predict(self, X: Any) -> np.ndarray:
        raw = self._raw(X)
        return self._model.predict(X) if raw is None else raw


def _lightgbm_predict_params(model: Any) -> dict[str, Any]:
    """What ``LGBMModel.predict`` passes to ``Booster.predict`` besides X (lightgbm 4's own steps)."""
    from lightgbm.basic import _choose_param_value, _ConfigAliases

    params = model._process_params(stage="predict")
    for alias in _ConfigAliases.get_by_alias("data", "X", "raw_score", "start_iteration", "num_iteration",
                                             "pred_leaf", "pred_contrib"):
        params.pop(alias, None)
    params = _choose_param_value("num_threads", params, model.n_jobs)
    params["num_threads"] = model._process_n_jobs(params["num_threads"])
    return params


def direct_estimator_copy(pipeline: Any, probe: np.ndarray | None) -> Any:
    """``pipeline`` with its final LightGBM model answered from the booster directly, when that gives the
    model's own predictions on ``probe`` (prepared rows) bit for bit; else None."""
    steps = getattr(pipeline, "steps", None)
    if not steps or probe is None or len(probe) == 0:
        return None
    final = steps[-1][1]
    kind = type(final)
    if not kind.__module__.startswith("lightgbm") or kind.__name__ not in ("LGBMClassifier", "LGBMRegressor"):
        return None
    try:
        if callable(getattr(final, "_objective", None)):
            return None  # a custom objective: the wrapper returns raw scores
        params = _lightgbm_predict_params(final)
        direct = (_DirectLGBMClassifier if kind.__name__ == "LGBMClassifier" else _DirectLGBMRegressor)(final, params)
        X = np.ascontiguousarray(probe, dtype=np.float64)
        checks = [X] + [X[[i]] for i in range(min(len(X), 3))]
        method = "predict_proba" if kind.__name__ == "LGBMClassifier" else "predict"
        for rows in checks:
            if not _equal(getattr(direct, method)(rows), getattr(final, method)(rows)):
                log.info("LightGBM booster call differs from the model's %s; the model is used", method)
                return None
    except Exception as exc:  # noqa: BLE001 - another lightgbm version: keep the model
        log.debug("no direct LightGBM call: %r", exc)
        return None
    out = copy.copy(pipeline)
    out.steps = [*steps[:-1], (steps[-1][0], direct)]
    return out
