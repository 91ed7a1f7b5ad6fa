"""Scoring out-of-fold predictions, Caruana's greedy ensemble selection, and the one final estimator.

The final model is a scikit-learn ``VotingClassifier`` (soft) or ``VotingRegressor`` whose
members are already-fitted ``Pipeline(prep, model)`` fold models, weighted by how often ensemble
selection picked their candidate divided by the number of folds. It pickles, predicts and
predict_probas like any estimator, and skl2onnx converts it where every member converts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mlcore.tuning._metrics import classification_scores, higher_is_better, regression_scores


def _binary_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """ROC-AUC as the Mann-Whitney statistic (ties count half), as sklearn's roc_auc_score gives it."""
    from scipy.stats import rankdata

    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def score_predictions(pred: np.ndarray, y: np.ndarray, task: str, metric: str) -> float:
    """``metric`` of predictions (probabilities over encoded classes 0..K-1, or values) against ``y``.

    Ensemble selection calls this hundreds of times inside the budget, so the common metrics
    (R², binary ROC-AUC) are computed directly rather than through every metric of the task.
    """
    if task == "regression":
        if metric == "r2":
            y = np.asarray(y, dtype=float)
            total = float(np.sum((y - y.mean()) ** 2))
            return 1.0 - float(np.sum((y - pred) ** 2)) / total if total > 0 else math.nan
        return regression_scores(y, pred)[metric]
    if metric == "roc_auc" and pred.shape[1] == 2:
        return _binary_auc(np.asarray(y) == 1, pred[:, 1])
    classes = np.arange(pred.shape[1])
    from mlcore.tuning._metrics import _confusion_scores

    labels_only = _confusion_scores(y, np.argmax(pred, axis=1))  # cheap: the label metrics need no curve
    if metric in labels_only:
        return labels_only[metric]
    return classification_scores(y, np.argmax(pred, axis=1), pred, classes)[metric]


def fold_score_stats(pred: np.ndarray, y: np.ndarray, bounds: list[tuple[int, int]], task: str,
                     metric: str) -> tuple[float, float]:
    """Mean and standard deviation of the metric over folds (``bounds``: each fold's slice)."""
    scores = [score_predictions(pred[a:b], y[a:b], task, metric) for a, b in bounds]
    scores = [s for s in scores if s == s]
    if not scores:
        return math.nan, math.nan
    return float(np.mean(scores)), float(np.std(scores))


def caruana(preds: list[np.ndarray], y: np.ndarray, task: str, metric: str, rounds: int = 40,
            deadline: float | None = None) -> tuple[dict[int, int], float]:
    """Greedy forward selection with replacement (Caruana et al., 2004): {candidate: picks}, score.

    ``deadline`` (a ``time.perf_counter()`` value): stop adding members once it has passed.
    """
    import time

    sign = 1.0 if higher_is_better(metric) else -1.0
    picks: dict[int, int] = {}
    total = np.zeros_like(preds[0])
    best_score, best_picks = -math.inf, {}
    for r in range(1, rounds + 1):
        if deadline is not None and r > 2 and time.perf_counter() > deadline:
            break
        scores = [sign * score_predictions((total + p) / r, y, task, metric) for p in preds]
        scores = [s if s == s else -math.inf for s in scores]
        j = int(np.argmax(scores))
        total = total + preds[j]
        picks[j] = picks.get(j, 0) + 1
        if scores[j] > best_score + 1e-12:
            best_score, best_picks = scores[j], dict(picks)
    return best_picks, sign * best_score


def build_voting(members: list[tuple[str, Any, float]], task: str, classes: np.ndarray,
                 feature_names: list[str]) -> Any:
    """A fitted Voting* estimator over fitted ``(name, pipeline, weight)`` members (no refit)."""
    from sklearn.preprocessing import LabelEncoder
    from sklearn.utils import Bunch

    names = [m[0] for m in members]
    fitted = [m[1] for m in members]
    weights = np.asarray([float(m[2]) for m in members])  # skl2onnx sums an array
    if task == "classification":
        from sklearn.ensemble import VotingClassifier

        vote = VotingClassifier(list(zip(names, fitted)), voting="soft", weights=weights, flatten_transform=False)
        vote.le_ = LabelEncoder().fit(classes)
        vote.classes_ = vote.le_.classes_
    else:
        from sklearn.ensemble import VotingRegressor

        vote = VotingRegressor(list(zip(names, fitted)), weights=weights)
    vote.estimators_ = fitted
    vote.named_estimators_ = Bunch(**dict(zip(names, fitted)))
    try:
        vote.feature_names_in_ = np.asarray(feature_names, dtype=object)
    except AttributeError:  # a read-only property (taken from the first member)
        pass
    return vote
