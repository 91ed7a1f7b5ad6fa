"""The Nadeau–Bengio corrected resampled t-test for comparing two models on the same CV folds."""

from __future__ import annotations

import math
from typing import Sequence


def corrected_resampled_ttest(diffs: Sequence[float], n_train: float, n_test: float) -> tuple[float, float]:
    """(t, two-sided p) for per-fold score differences of two models evaluated on the same folds.

    Fold scores share training rows, so the plain paired t-test is far too confident. Nadeau &
    Bengio (2003) correct the variance: ``(1/k + n_test/n_train) * var(diff)`` with k-1 degrees of
    freedom. Zero variance gives p = 1 when the mean difference is 0, else p = 0. Fewer than two
    folds give (nan, nan).
    """
    from scipy import stats

    d = [float(x) for x in diffs]
    k = len(d)
    if k < 2 or any(x != x for x in d):
        return math.nan, math.nan
    mean = sum(d) / k
    var = 0.0 if max(d) - min(d) <= 1e-12 else sum((x - mean) ** 2 for x in d) / (k - 1)
    corrected = (1.0 / k + float(n_test) / float(n_train)) * var
    if corrected <= 0.0:
        if mean == 0.0:
            return 0.0, 1.0
        return math.copysign(math.inf, mean), 0.0
    t = mean / math.sqrt(corrected)
    p = 2.0 * float(stats.t.sf(abs(t), k - 1))
    return t, min(1.0, p)
