"""A/B testing statistics: sticky arm assignment, sample-ratio check, z-test, Welch t-test."""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np
import pandas as pd

from mlcore.errors import ConfigError, DataValidationError

__all__ = [
    "assign_arm",
    "sample_ratio_mismatch",
    "two_proportion_ztest",
    "welch_ttest",
    "analyse_outcomes",
    "wilson_interval",
]

_Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)
SRM_ALPHA = 0.001
WINNER_ALPHA = 0.05


def _check_ratio(split_ratio: float) -> float:
    try:
        ratio = float(split_ratio)
    except (TypeError, ValueError):
        raise ConfigError(f"split ratio must be a number between 0 and 1, got {split_ratio!r}") from None
    if not 0.0 < ratio < 1.0:
        raise ConfigError(f"split ratio must be strictly between 0 and 1 (share of traffic for model A), got {ratio}")
    return ratio


def user_unit(test_salt: str, user_id: str) -> float:
    """Map (salt, user id) to a uniform number in [0, 1) through sha256; the same inputs give the same number."""
    digest = hashlib.sha256(f"{test_salt}:{user_id}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def assign_arm(test_salt: str, user_id: str | None, split_ratio: float, rng: Any = None) -> str:
    """Return "A" or "B": sticky per user id (hash of salt and id), random when the id is missing."""
    ratio = _check_ratio(split_ratio)
    if user_id is None or (isinstance(user_id, float) and math.isnan(user_id)) or str(user_id).strip() == "":
        if rng is None:
            rng = np.random.default_rng()
        u = float(rng.random())
    else:
        u = user_unit(str(test_salt), str(user_id).strip())
    return "A" if u < ratio else "B"


def sample_ratio_mismatch(n_a: int, n_b: int, split_ratio: float) -> dict[str, Any]:
    """Chi-square goodness-of-fit of the arm counts against the planned split (mismatch when p < 0.001)."""
    from scipy import stats

    ratio = _check_ratio(split_ratio)
    n_a, n_b = int(n_a), int(n_b)
    total = n_a + n_b
    if total == 0:
        return {"statistic": 0.0, "p_value": 1.0, "mismatch": False, "expected_a": 0.0, "expected_b": 0.0,
                "observed_ratio": None, "split_ratio": ratio}
    exp_a, exp_b = total * ratio, total * (1 - ratio)
    statistic = (n_a - exp_a) ** 2 / exp_a + (n_b - exp_b) ** 2 / exp_b
    p_value = float(stats.chi2.sf(statistic, df=1))
    return {
        "statistic": float(statistic),
        "p_value": p_value,
        "mismatch": bool(p_value < SRM_ALPHA),
        "expected_a": exp_a,
        "expected_b": exp_b,
        "observed_ratio": n_a / total,
        "split_ratio": ratio,
    }


def wilson_interval(successes: int, n: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (95 % by default)."""
    if n <= 0:
        return (float("nan"), float("nan"))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def _lift(a: float, b: float) -> float | None:
    return None if a == 0 or not math.isfinite(a) else (b - a) / abs(a)


def two_proportion_ztest(success_a: int, n_a: int, success_b: int, n_b: int) -> dict[str, Any]:
    """Pooled two-proportion z-test of B against A (z > 0 when B's rate is higher), two-sided."""
    from scipy import stats

    for label, s, n in (("A", success_a, n_a), ("B", success_b, n_b)):
        if n <= 0:
            raise DataValidationError(f"arm {label} has no outcomes; a z-test needs at least one in each arm")
        if not 0 <= s <= n:
            raise DataValidationError(f"arm {label}: successes ({s}) must be between 0 and the number of outcomes ({n})")
    rate_a, rate_b = success_a / n_a, success_b / n_b
    pooled = (success_a + success_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    diff = rate_b - rate_a
    if se == 0:
        z, p_value = 0.0, 1.0
    else:
        z = diff / se
        p_value = float(2 * stats.norm.sf(abs(z)))
    se_diff = math.sqrt(rate_a * (1 - rate_a) / n_a + rate_b * (1 - rate_b) / n_b)
    return {
        "z": float(z),
        "p_value": p_value,
        "n_a": int(n_a),
        "n_b": int(n_b),
        "rate_a": rate_a,
        "rate_b": rate_b,
        "ci_a": wilson_interval(success_a, n_a),
        "ci_b": wilson_interval(success_b, n_b),
        "diff": diff,
        "diff_ci": (diff - _Z95 * se_diff, diff + _Z95 * se_diff),
        "lift": _lift(rate_a, rate_b),
    }


def _mean_ci(values: np.ndarray) -> tuple[float, float]:
    from scipy import stats

    n = len(values)
    if n < 2:
        return (float("nan"), float("nan"))
    mean = float(values.mean())
    half = float(stats.t.ppf(0.975, n - 1)) * float(values.std(ddof=1)) / math.sqrt(n)
    return (mean - half, mean + half)


def welch_ttest(values_a: Any, values_b: Any) -> dict[str, Any]:
    """Welch's unequal-variance t-test of B against A (t > 0 when B's mean is higher), two-sided."""
    from scipy import stats

    a = np.asarray(pd.to_numeric(pd.Series(values_a), errors="coerce").dropna(), dtype=float)
    b = np.asarray(pd.to_numeric(pd.Series(values_b), errors="coerce").dropna(), dtype=float)
    for label, arr in (("A", a), ("B", b)):
        if len(arr) < 2:
            raise DataValidationError(f"arm {label} has {len(arr)} numeric outcome(s); "
                                      "Welch's t-test needs at least 2 in each arm")
    mean_a, mean_b = float(a.mean()), float(b.mean())
    va, vb = float(a.var(ddof=1)) / len(a), float(b.var(ddof=1)) / len(b)
    se = math.sqrt(va + vb)
    diff = mean_b - mean_a
    if se == 0:
        # no spread in either arm: the difference is certain (or there is none)
        t = 0.0 if diff == 0 else math.copysign(math.inf, diff)
        dof = float(len(a) + len(b) - 2)
        p_value = 1.0 if diff == 0 else 0.0
        half = 0.0
    else:
        t = diff / se
        dof = (va + vb) ** 2 / (va * va / (len(a) - 1) + vb * vb / (len(b) - 1))
        p_value = float(2 * stats.t.sf(abs(t), dof))
        half = float(stats.t.ppf(0.975, dof)) * se
    return {
        "t": float(t),
        "df": float(dof),
        "p_value": p_value,
        "n_a": int(len(a)),
        "n_b": int(len(b)),
        "mean_a": mean_a,
        "mean_b": mean_b,
        "ci_a": _mean_ci(a),
        "ci_b": _mean_ci(b),
        "diff": diff,
        "diff_ci": (diff - half, diff + half),
        "lift": _lift(mean_a, mean_b),
    }


def _is_binary(values: pd.Series) -> bool:
    if values.dtype == bool:
        return True
    numeric = pd.to_numeric(values, errors="coerce")
    return bool(numeric.notna().all()) and bool(numeric.isin([0, 1]).all())


def analyse_outcomes(arms: pd.DataFrame, split_ratio: float = 0.5, higher_is_better: bool = True) -> dict[str, Any]:
    """Analyse logged predictions (columns `arm`, `outcome`): rows per arm, SRM check, z-test or Welch, winner."""
    missing = [c for c in ("arm", "outcome") if c not in arms.columns]
    if missing:
        raise DataValidationError(f"A/B analysis needs columns 'arm' and 'outcome'; missing: {', '.join(missing)}")
    arm = arms["arm"].astype("str").str.strip().str.upper()
    unknown = sorted(set(arm.dropna()) - {"A", "B"})
    if unknown:
        raise DataValidationError(f"column 'arm' holds values other than A and B: {unknown[:5]}")
    rows = {"A": int((arm == "A").sum()), "B": int((arm == "B").sum())}
    result: dict[str, Any] = {
        "rows": rows,
        "srm": sample_ratio_mismatch(rows["A"], rows["B"], split_ratio),
        "outcomes": {"A": 0, "B": 0},
        "test": None,
        "metric": None,
        "stats": None,
        "p_value": None,
        "lift": None,
        "winner": None,
        "significant": False,
        "note": None,
    }
    outcome = arms["outcome"]
    has = outcome.notna()
    if outcome.dtype != bool:
        has &= pd.to_numeric(outcome, errors="coerce").notna()
    a_vals = outcome[has & (arm == "A")]
    b_vals = outcome[has & (arm == "B")]
    result["outcomes"] = {"A": int(len(a_vals)), "B": int(len(b_vals))}
    dropped = int(outcome.notna().sum() - has.sum())
    if dropped:
        result["note"] = f"{dropped} outcome value(s) are not numbers and were ignored"
    if len(a_vals) == 0 or len(b_vals) == 0:
        result["note"] = "no outcomes recorded yet for both arms"
        return result
    if _is_binary(pd.concat([a_vals, b_vals])):
        a_num = pd.to_numeric(a_vals.astype(float))
        b_num = pd.to_numeric(b_vals.astype(float))
        stats_ = two_proportion_ztest(int(a_num.sum()), len(a_num), int(b_num.sum()), len(b_num))
        result.update(test="two_proportion_ztest", metric="rate", value_a=stats_["rate_a"], value_b=stats_["rate_b"])
    else:
        if len(a_vals) < 2 or len(b_vals) < 2:
            result["note"] = "Welch's t-test needs at least 2 numeric outcomes per arm"
            return result
        stats_ = welch_ttest(a_vals, b_vals)
        result.update(test="welch_ttest", metric="mean", value_a=stats_["mean_a"], value_b=stats_["mean_b"])
    result["stats"] = stats_
    result["p_value"] = stats_["p_value"]
    result["lift"] = stats_["lift"]
    result["significant"] = bool(stats_["p_value"] < WINNER_ALPHA)
    if result["significant"] and stats_["diff"] != 0:
        b_better = (stats_["diff"] > 0) == bool(higher_is_better)
        result["winner"] = "B" if b_better else "A"
    if result["srm"]["mismatch"]:
        warn = "sample ratio mismatch: the arms' sizes do not fit the planned split; the comparison may be biased"
        result["note"] = f"{result['note']}; {warn}" if result["note"] else warn
    return result
