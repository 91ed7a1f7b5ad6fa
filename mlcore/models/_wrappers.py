"""A meta-estimator that lets classifiers needing labels 0..k-1 (xgboost) take any labels."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from mlcore.errors import DataValidationError


def encode_labels(classes: np.ndarray, y: Any, what: str = "target") -> np.ndarray:
    """Map ``y`` onto indices of the sorted ``classes``; unknown labels raise DataValidationError."""
    values = np.asarray(y)
    idx = np.searchsorted(classes, values)
    idx = np.clip(idx, 0, len(classes) - 1)
    bad = classes[idx] != values
    if np.any(bad):
        unknown = sorted({str(v) for v in values[bad]})[:5]
        raise DataValidationError(
            f"{what} contains classes not present in the training rows: {', '.join(unknown)}"
        )
    return idx.astype(np.int64)


class LabelEncodedClassifier(ClassifierMixin, BaseEstimator):
    """Fits ``estimator`` on labels encoded as 0..k-1; predicts and reports the original labels.

    ``classes_`` holds the original labels (sorted), ``predict_proba`` columns follow them, and
    the fitted inner model is ``estimator_``. Extra fit keyword arguments are passed through;
    an ``eval_set`` of ``(X, y)`` pairs gets its labels encoded too.
    """

    def __init__(self, estimator: Any = None) -> None:
        self.estimator = estimator

    def fit(self, X: Any, y: Any, **fit_params: Any) -> "LabelEncodedClassifier":
        classes = np.unique(np.asarray(y))
        y_enc = encode_labels(classes, y)
        if "eval_set" in fit_params and fit_params["eval_set"] is not None:
            fit_params["eval_set"] = [
                (Xe, encode_labels(classes, ye, "evaluation target")) for Xe, ye in fit_params["eval_set"]
            ]
        inner = clone(self.estimator)
        inner.fit(X, y_enc, **fit_params)
        return self.adopt(inner, classes)

    def adopt(self, fitted_inner: Any, classes: np.ndarray) -> "LabelEncodedClassifier":
        """Take an inner model fitted elsewhere on ``encode_labels(classes, y)`` (monitored fits)."""
        self.estimator_ = fitted_inner
        self.classes_ = np.asarray(classes)
        if hasattr(fitted_inner, "n_features_in_"):
            self.n_features_in_ = fitted_inner.n_features_in_
        if hasattr(fitted_inner, "feature_names_in_"):
            self.feature_names_in_ = fitted_inner.feature_names_in_
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        proba = self.estimator_.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        return np.log(np.clip(self.predict_proba(X), 1e-300, None))

    @property
    def feature_importances_(self) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return self.estimator_.feature_importances_

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        if self.estimator is not None:
            try:
                inner = self.estimator.__sklearn_tags__()
                tags.input_tags.allow_nan = inner.input_tags.allow_nan
            except Exception:  # pragma: no cover - tags are advisory
                pass
        return tags
