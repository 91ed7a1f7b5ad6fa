"""Percentile bootstrap confidence intervals, vectorised over resamples.

Each resample is represented by the count of times every row was drawn, so a metric
becomes a weighted sum over rows: one matrix product evaluates it for a whole chunk of
resamples. The formulas reproduce scikit-learn's definitions (zero_division=0), and the
tests check them against scikit-learn on explicit resamples.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

import numpy as np

from mlcore.errors import ConfigError
from mlcore.evaluation._common import (
    as_array,
    check_lengths,
    check_task,
    label_codes,
    label_space,
    proba_2d,
)
from mlcore.jobs import JobContext

from mlcore.vocab import INTERVAL_METRICS, PER_CLASS_METRICS, REPORT_METRICS

BINARY_DEFAULT = INTERVAL_METRICS["binary"]
MULTICLASS_DEFAULT = INTERVAL_METRICS["multiclass"]
REGRESSION_DEFAULT = INTERVAL_METRICS["regression"]

CLASSIFICATION_METRICS = frozenset(BINARY_DEFAULT + MULTICLASS_DEFAULT + REPORT_METRICS["binary"])
REGRESSION_METRICS = frozenset(REGRESSION_DEFAULT)

_CELLS_PER_CHUNK = 4_000_000  # resamples x rows held in memory at once
MIN_RESAMPLES = 40  # a deadline never leaves an interval on fewer resamples than this


def default_metrics(task: str, n_classes: int = 2) -> tuple[str, ...]:
    """The headline metrics that get intervals for a task."""
    if task == "regression":
        return REGRESSION_DEFAULT
    return BINARY_DEFAULT if n_classes == 2 else MULTICLASS_DEFAULT


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)


def _weighted_auc(counts: np.ndarray, positive: np.ndarray, score: np.ndarray) -> np.ndarray:
    """ROC-AUC per resample as the Mann-Whitney statistic with ties counted one half."""
    order = np.argsort(score, kind="mergesort")
    s = score[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    c = counts[:, order]
    pos_w = np.add.reduceat(c * positive[order], starts, axis=1)
    neg_w = np.add.reduceat(c * ~positive[order], starts, axis=1)
    neg_below = np.cumsum(neg_w, axis=1) - neg_w
    n_pos, n_neg = pos_w.sum(axis=1), neg_w.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (pos_w * (neg_below + 0.5 * neg_w)).sum(axis=1) / (n_pos * n_neg)
    return np.where((n_pos > 0) & (n_neg > 0), auc, np.nan)


def _classification_fns(yt, yp, proba, classes, metrics) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    labels = label_space(yt, yp, classes)
    k = len(labels)
    t_code, p_code = label_codes(yt, labels), label_codes(yp, labels)
    eye = np.eye(k)
    yt_1h, yp_1h = eye[t_code], eye[p_code]
    both = yt_1h * yp_1h
    correct = (t_code == p_code).astype(float)
    n = len(yt)
    binary = k == 2
    model_classes = list(classes) if classes is not None else None
    known = model_classes is not None and proba is not None and np.all(label_codes(yt, model_classes) >= 0)
    fns: dict[str, Callable[[np.ndarray], np.ndarray]] = {}

    def counts(c):
        return c @ yt_1h, c @ yp_1h, c @ both

    fns["accuracy"] = lambda c: c @ correct / n

    def balanced(c):
        t, _, tp = counts(c)
        with np.errstate(divide="ignore", invalid="ignore"):
            rec = np.where(t > 0, tp / np.where(t > 0, t, 1), np.nan)
        return np.nanmean(rec, axis=1)

    fns["balanced_accuracy"] = balanced
    def by_class(c, i):
        t, p, tp = counts(c)
        return t, (_safe_div(tp, p), _safe_div(tp, t), _safe_div(2 * tp, t + p))[i]

    def weighted(c, i):
        t, v = by_class(c, i)
        return _safe_div((v * t).sum(axis=1), t.sum(axis=1))

    for i, name in enumerate(PER_CLASS_METRICS):
        if binary:
            fns[name] = lambda c, i=i: by_class(c, i)[1][:, 1]
        fns[f"{name}_macro"] = lambda c, i=i: by_class(c, i)[1].mean(axis=1)
        fns[f"{name}_weighted"] = lambda c, i=i: weighted(c, i)

    def mcc(c):
        t, p, tp = counts(c)
        s, cor = t.sum(axis=1), tp.sum(axis=1)
        cov_tp = cor * s - (t * p).sum(axis=1)
        den = np.sqrt((s**2 - (t**2).sum(axis=1)) * (s**2 - (p**2).sum(axis=1)))
        return _safe_div(cov_tp, den)

    fns["mcc"] = mcc
    if known:
        codes = label_codes(yt, model_classes)
        eps = np.finfo(proba.dtype).eps
        p_true = np.clip(proba / proba.sum(axis=1, keepdims=True), eps, 1 - eps)[np.arange(n), codes]
        row_loss = -np.log(p_true)
        fns["log_loss"] = lambda c: c @ row_loss / n
        if len(model_classes) == 2:
            fns["roc_auc"] = lambda c: _weighted_auc(c, codes == 1, proba[:, 1])
        else:
            fns["roc_auc"] = lambda c: np.mean(
                [_weighted_auc(c, codes == j, proba[:, j]) for j in range(len(model_classes))], axis=0
            )
    missing = [m for m in metrics if m not in fns and m in CLASSIFICATION_METRICS]
    for m in missing:  # probability metrics without usable probabilities: no interval
        fns[m] = lambda c: np.full(c.shape[0], np.nan)
    return fns


def _regression_fns(yt, yp) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    e = yp - yt
    abs_e = np.abs(e)
    n = len(yt)
    nz = (yt != 0).astype(float)
    ape = np.where(yt != 0, abs_e / np.where(yt != 0, np.abs(yt), 1), 0.0)

    def r2(c):
        ss_tot = c @ yt**2 - (c @ yt) ** 2 / n
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(ss_tot > 0, 1 - (c @ e**2) / ss_tot, np.nan)

    def explained_variance(c):
        var_y = c @ yt**2 / n - (c @ yt / n) ** 2
        var_e = c @ e**2 / n - (c @ e / n) ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(var_y > 0, 1 - var_e / var_y, np.nan)

    def mape(c):
        den = c @ nz
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, (c @ ape) / den, np.nan)

    def median_ae(c):
        # expand each resample's counts back into its rows to take the median
        return np.array([np.median(np.repeat(abs_e, row.astype(int))) for row in c])

    return {
        "r2": r2,
        "rmse": lambda c: np.sqrt(c @ e**2 / n),
        "mae": lambda c: c @ abs_e / n,
        "mape": mape,
        "explained_variance": explained_variance,
        "median_absolute_error": median_ae,
    }


def resample_counts(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n) matrix: how often each row is drawn in each resample."""
    idx = rng.integers(0, n, size=(n_boot, n))
    flat = (idx + (np.arange(n_boot) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n).astype(float)


def bootstrap_intervals(
    task: str,
    y_true: Any,
    y_pred: Any,
    proba: Any = None,
    classes: Any = None,
    metrics: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    ctx: JobContext | None = None,
    deadline: float | None = None,
) -> dict[str, tuple[float | None, float | None]]:
    """Percentile bootstrap interval for each metric: ``{name: (low, high)}``.

    ``deadline`` (a ``time.perf_counter()`` time): no resamples are added after it, once at least
    ``MIN_RESAMPLES`` are drawn; ``bootstrap_resamples`` tells how many an evaluation used.
    """
    return bootstrap_resamples(task, y_true, y_pred, proba, classes, metrics, n_boot, seed, level, ctx, deadline)[0]


def bootstrap_resamples(
    task: str,
    y_true: Any,
    y_pred: Any,
    proba: Any = None,
    classes: Any = None,
    metrics: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    ctx: JobContext | None = None,
    deadline: float | None = None,
) -> tuple[dict[str, tuple[float | None, float | None]], int]:
    """``bootstrap_intervals`` and the number of resamples drawn (fewer than ``n_boot`` past ``deadline``)."""
    check_task(task)
    ctx = ctx or JobContext()
    if not 0 < level < 1:
        raise ConfigError(f"confidence level must be between 0 and 1, got {level}")
    if n_boot < 1:
        raise ConfigError(f"n_boot must be at least 1, got {n_boot}")
    yt, yp = as_array(y_true, "y_true"), as_array(y_pred, "y_pred")
    p = proba_2d(proba)
    n = check_lengths(y_true=yt, y_pred=yp, proba=p)
    if task == "regression":
        yt, yp = yt.astype(float), yp.astype(float)
        metrics = tuple(metrics or REGRESSION_DEFAULT)
        allowed, fns = REGRESSION_METRICS, _regression_fns(yt, yp)
    else:
        if classes is None and p is not None:
            classes = label_space(yt, yp)
        metrics = tuple(metrics or default_metrics(task, len(label_space(yt, yp, classes))))
        allowed = CLASSIFICATION_METRICS
        fns = _classification_fns(yt, yp, p, classes, metrics)
    unknown = [m for m in metrics if m not in allowed or m not in fns]
    if unknown:
        raise ConfigError(f"no bootstrap interval for {task} metric(s) {unknown}; choose from {sorted(allowed)}")
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_boot, _CELLS_PER_CHUNK // n))
    if deadline is not None:  # small chunks, so the deadline is checked often enough
        chunk = min(chunk, max(MIN_RESAMPLES // 2, -(-n_boot // 10)))
    values = {m: [] for m in metrics}
    done = 0
    while done < n_boot:
        ctx.check_cancelled()
        if deadline is not None and done >= MIN_RESAMPLES and time.perf_counter() >= deadline:
            break
        size = min(chunk, n_boot - done)
        c = resample_counts(n, size, rng)
        for m in metrics:
            values[m].append(fns[m](c))
        done += size
        ctx.progress(done / n_boot, f"bootstrap {done}/{n_boot}")
    alpha = (1 - level) / 2 * 100
    out: dict[str, tuple[float | None, float | None]] = {}
    for m in metrics:
        v = np.concatenate(values[m])
        v = v[np.isfinite(v)]
        if v.size == 0:
            out[m] = (None, None)
        else:
            lo, hi = np.percentile(v, [alpha, 100 - alpha])
            out[m] = (float(lo), float(hi))
    return out, done
