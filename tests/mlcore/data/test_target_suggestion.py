"""A target is suggested only when a column is named like one; never the first or last column."""

from __future__ import annotations

import pandas as pd

from mlcore.data.profile import profile_frame
from mlcore.data.target import suggest_target


def _suggest(frame: pd.DataFrame) -> str | None:
    profile = profile_frame(frame)
    return suggest_target(list(frame.columns), profile["dtypes"], profile)


def test_telco_churn_suggests_churn_not_the_last_column():
    frame = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "tenure": [1, 5, 9, 2], "Churn": ["Yes", "No", "No", "Yes"],
                          "total_charges": [10.5, 80.0, 99.9, 20.0]})
    assert _suggest(frame) == "Churn"


def test_target_like_names_win_in_their_order():
    assert suggest_target(["x1", "Label", "y"]) == "Label"
    assert suggest_target(["x1", "y"]) == "y"
    assert suggest_target(["Target Value".replace(" Value", ""), "class"]) == "Target"


def test_a_two_valued_column_named_like_an_outcome_is_suggested():
    frame = pd.DataFrame({"age": [30, 40, 50, 60], "Attrition_Flag": ["Stayed", "Left", "Stayed", "Stayed"]})
    assert _suggest(frame) == "Attrition_Flag"
    numeric = pd.DataFrame({"income": [1.0, 2.0, 3.0, 4.0], "has_defaulted": [0, 1, 0, 0]})
    assert _suggest(numeric) == "has_defaulted"


def test_an_outcome_word_on_a_many_valued_column_is_not_suggested():
    frame = pd.DataFrame({"age": [30, 40, 50, 60], "default_rate": [0.1, 0.2, 0.3, 0.4]})
    assert _suggest(frame) is None


def test_no_well_named_column_means_no_suggestion():
    diamonds = pd.DataFrame({"carat": [0.2, 0.3], "cut": ["Ideal", "Good"], "price": [326, 327]})
    assert _suggest(diamonds) is None
