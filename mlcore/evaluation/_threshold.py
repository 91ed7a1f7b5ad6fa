"""Decision thresholds for binary classifiers: apply one, score one, choose one."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np

from mlcore.errors import ConfigError, DataValidationError
from mlcore.evaluation._common import as_array, check_lengths, label_space, to_python

_TARGET = re.compile(r"^\s*(precision|recall)\s*=\s*([0-9.]+)\s*$")


def _positive_scores(proba: Any) -> np.ndarray:
    p = np.asarray(proba, dtype=float)
    if p.ndim == 2:
        if p.shape[1] != 2:
            raise ConfigError(f"a decision threshold needs a binary classifier; got {p.shape[1]} classes")
        p = p[:, 1]
    if p.ndim != 1:
        raise DataValidationError(f"probabilities must be 1-D or 2-D, got shape {p.shape}")
    return p


def _check_threshold(threshold: float) -> float:
    t = float(threshold)
    if not 0.0 <= t <= 1.0:
        raise ConfigError(f"threshold must be between 0 and 1, got {threshold}")
    return t


def apply_threshold(proba: Any, classes: Any, threshold: float) -> np.ndarray:
    """Binary predictions: ``classes[1]`` where P(classes[1]) >= threshold, else ``classes[0]``."""
    classes = list(classes)
    if len(classes) != 2:
        raise ConfigError(f"a decision threshold needs exactly 2 classes, got {len(classes)}: {classes}")
    pos = _positive_scores(proba) >= _check_threshold(threshold)
    out = np.empty(len(pos), dtype=object)
    out[pos], out[~pos] = classes[1], classes[0]
    try:  # keep the label dtype (int labels stay ints)
        return out.astype(np.asarray(classes).dtype)
    except (TypeError, ValueError):
        return out


def _binary_truth(y_true: Any, positive_label: Any) -> tuple[np.ndarray, Any]:
    """Boolean truth of "is the positive class"; the default positive label is the larger one."""
    yt = as_array(y_true, "y_true")
    labels = label_space(yt, yt)  # sorted: numbers ascending, then text
    if len(labels) > 2:
        raise DataValidationError(f"threshold analysis needs a binary target, got classes {labels}")
    if positive_label is None:
        if len(labels) != 2:
            raise DataValidationError(f"threshold analysis needs 2 classes in y_true, got {labels}")
        positive_label = labels[1]
    return np.asarray(yt == positive_label, dtype=bool), positive_label


def threshold_metrics(y_true: Any, proba_pos: Any, threshold: float, positive_label: Any = None) -> dict:
    """Precision, recall, F1 and accuracy of the positive class at ``threshold``."""
    from sklearn import metrics as skm

    truth, _ = _binary_truth(y_true, positive_label)
    scores = _positive_scores(proba_pos)
    check_lengths(y_true=truth, proba=scores)
    pred = scores >= _check_threshold(threshold)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {
            "threshold": float(threshold),
            "precision": skm.precision_score(truth, pred, zero_division=0),
            "recall": skm.recall_score(truth, pred, zero_division=0),
            "f1": skm.f1_score(truth, pred, zero_division=0),
            "accuracy": skm.accuracy_score(truth, pred),
            "n_predicted_positive": int(pred.sum()),
        }
    return to_python(out)


def _parse_by(by: str) -> tuple[str, float | None]:
    if not isinstance(by, str):
        raise ConfigError(f"threshold choice must be text like 'f1', 'youden', 'precision=0.9'; got {by!r}")
    key = by.strip().lower()
    if key in ("f1", "youden"):
        return key, None
    m = _TARGET.match(key)
    if not m:
        raise ConfigError(
            f"unknown threshold choice {by!r}: use 'f1', 'youden', 'precision=0.9' or 'recall=0.8'"
        )
    target = float(m.group(2))
    if not 0 < target <= 1:
        raise ConfigError(f"target {m.group(1)} in {by!r} must be in (0, 1]")
    return m.group(1), target


def choose_threshold(y_true: Any, proba_pos: Any, by: str = "f1", positive_label: Any = None) -> dict:
    """Pick a threshold by max F1, Youden's J, or a target precision/recall ('precision=0.9')."""
    from sklearn.metrics import precision_recall_curve, roc_curve

    rule, target = _parse_by(by)
    truth, positive_label = _binary_truth(y_true, positive_label)
    scores = _positive_scores(proba_pos)
    check_lengths(y_true=truth, proba=scores)
    if truth.all() or not truth.any():
        raise DataValidationError("choosing a threshold needs both classes in y_true")
    if rule == "youden":
        fpr, tpr, thr = roc_curve(truth, scores)
        finite = np.isfinite(thr) & (thr <= 1)
        j = np.where(finite, tpr - fpr, -np.inf)
        best = int(np.argmax(j))
        threshold, extra = float(thr[best]), {"youden_j": float(j[best])}
    else:
        precision, recall, thr = precision_recall_curve(truth, scores)
        precision, recall = precision[:-1], recall[:-1]  # the last point has no threshold
        if rule == "f1":
            with np.errstate(divide="ignore", invalid="ignore"):
                f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
            best = int(np.argmax(f1))
        elif rule == "precision":
            ok = np.flatnonzero(precision >= target)
            if ok.size == 0:
                raise ConfigError(
                    f"no threshold reaches precision {target:g}; the best possible is {precision.max():.3f}"
                )
            best = int(ok[np.argmax(recall[ok])])  # most recall among thresholds meeting the target
        else:
            ok = np.flatnonzero(recall >= target)
            if ok.size == 0:
                raise ConfigError(f"no threshold reaches recall {target:g}")
            best = int(ok[np.argmax(precision[ok])])
        threshold, extra = float(thr[best]), {}
    out = threshold_metrics(truth, scores, threshold, positive_label=True)
    out.update(by=by, positive_label=to_python(positive_label), **extra)
    return out
