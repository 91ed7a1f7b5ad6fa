import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mlcore.deployment.ab import (analyse_outcomes, assign_arm, sample_ratio_mismatch, two_proportion_ztest,
                                  welch_ttest, wilson_interval)
from mlcore.errors import ConfigError, DataValidationError


def test_assignment_is_sticky_and_depends_on_the_salt():
    users = [f"user-{i}" for i in range(200)]
    first = [assign_arm("salt-1", u, 0.5) for u in users]
    again = [assign_arm("salt-1", u, 0.5) for u in users]
    assert first == again
    other = [assign_arm("salt-2", u, 0.5) for u in users]
    assert other != first  # a new test reshuffles users
    assert [assign_arm("salt-2", u, 0.5) for u in users] == other


@pytest.mark.parametrize("ratio", [0.5, 0.2])
def test_split_within_tolerance_over_10000_users(ratio):
    arms = [assign_arm("exp-42", str(i), ratio) for i in range(10_000)]
    share_a = arms.count("A") / len(arms)
    assert abs(share_a - ratio) < 0.02


def test_missing_user_id_gets_a_random_arm():
    rng = np.random.default_rng(0)
    arms = [assign_arm("s", None, 0.3, rng=rng) for _ in range(2000)]
    assert 0.25 < arms.count("A") / 2000 < 0.35
    assert set(arms) == {"A", "B"}


@pytest.mark.parametrize("ratio", [0, 1, -0.1, 1.5, "x"])
def test_bad_split_ratio_refused(ratio):
    with pytest.raises(ConfigError):
        assign_arm("s", "u", ratio)


def test_srm_detects_5000_vs_4000():
    srm = sample_ratio_mismatch(5000, 4000, 0.5)
    expected = stats.chisquare([5000, 4000], [4500, 4500])
    assert srm["statistic"] == pytest.approx(expected.statistic)
    assert srm["p_value"] == pytest.approx(expected.pvalue)
    assert srm["mismatch"] is True
    assert sample_ratio_mismatch(5020, 4980, 0.5)["mismatch"] is False
    assert sample_ratio_mismatch(2010, 7990, 0.2)["mismatch"] is False


def test_ztest_matches_hand_computation():
    # 200/1000 vs 250/1000: pooled p = 0.225
    res = two_proportion_ztest(200, 1000, 250, 1000)
    se = math.sqrt(0.225 * 0.775 * (2 / 1000))
    z = 0.05 / se
    assert res["z"] == pytest.approx(z)  # ≈ 2.6774
    assert res["z"] == pytest.approx(2.6774, abs=1e-4)
    assert res["p_value"] == pytest.approx(2 * stats.norm.sf(z))
    assert res["p_value"] == pytest.approx(0.00742, abs=1e-5)
    assert res["lift"] == pytest.approx(0.25)
    lo, hi = res["ci_a"]
    assert lo < 0.2 < hi and lo == pytest.approx(0.17638, abs=1e-4) and hi == pytest.approx(0.22592, abs=1e-4)
    d_lo, d_hi = res["diff_ci"]
    assert d_lo < 0.05 < d_hi and d_lo > 0


def test_wilson_interval_edge_cases():
    lo, hi = wilson_interval(0, 50)
    assert lo == 0.0 and 0 < hi < 0.1
    with pytest.raises(DataValidationError):
        two_proportion_ztest(5, 0, 1, 10)


def test_welch_matches_scipy():
    rng = np.random.default_rng(1)
    a = rng.normal(10, 2, 80)
    b = rng.normal(11, 4, 120)
    res = welch_ttest(a, b)
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert res["t"] == pytest.approx(ref.statistic)
    assert res["p_value"] == pytest.approx(ref.pvalue)
    assert res["df"] == pytest.approx(ref.df)
    assert res["lift"] == pytest.approx((b.mean() - a.mean()) / a.mean())
    ci = stats.t.interval(0.95, len(a) - 1, loc=a.mean(), scale=stats.sem(a))
    assert res["ci_a"] == pytest.approx(ci)


def test_analyse_outcomes_binary_picks_ztest_and_winner():
    arms = pd.DataFrame({"arm": ["A"] * 1000 + ["B"] * 1000,
                         "outcome": [1] * 200 + [0] * 800 + [1] * 250 + [0] * 750})
    res = analyse_outcomes(arms)
    assert res["test"] == "two_proportion_ztest"
    assert res["rows"] == {"A": 1000, "B": 1000}
    assert res["winner"] == "B" and res["significant"]
    assert res["srm"]["mismatch"] is False
    assert res["p_value"] == pytest.approx(two_proportion_ztest(200, 1000, 250, 1000)["p_value"])


def test_analyse_outcomes_numeric_uses_welch_and_counts_missing():
    rng = np.random.default_rng(2)
    a, b = rng.normal(5, 1, 300), rng.normal(5, 1, 300)
    arms = pd.DataFrame({"arm": ["A"] * 310 + ["B"] * 300,
                         "outcome": list(a) + [np.nan] * 10 + list(b)})
    res = analyse_outcomes(arms)
    assert res["test"] == "welch_ttest"
    assert res["rows"] == {"A": 310, "B": 300}
    assert res["outcomes"] == {"A": 300, "B": 300}
    assert res["p_value"] == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue)
    assert res["winner"] is None  # same distribution


def test_analyse_outcomes_without_outcomes_and_bad_arms():
    res = analyse_outcomes(pd.DataFrame({"arm": ["A", "B"], "outcome": [np.nan, np.nan]}))
    assert res["test"] is None and res["winner"] is None
    with pytest.raises(DataValidationError, match="arm"):
        analyse_outcomes(pd.DataFrame({"arm": ["A", "C"], "outcome": [1, 0]}))
