import json

import numpy as np
import pandas as pd
import pytest

from mlcore.deployment.schema import InputSchema, build_schema, check_frame, drift_report
from mlcore.errors import DataValidationError


@pytest.fixture
def train():
    rng = np.random.default_rng(0)
    n = 2000
    return pd.DataFrame({
        "age": rng.normal(40, 10, n),
        "visits": rng.integers(0, 20, n),
        "city": rng.choice(["Lyon", "Paris", "Nice"], n, p=[0.5, 0.3, 0.2]),
        "member": rng.random(n) > 0.5,
        "plan": pd.Categorical(rng.choice(["basic", "pro"], n)),
        "churn": rng.integers(0, 2, n),
    })


@pytest.fixture
def schema(train):
    return build_schema(train, "churn")


def test_schema_describes_columns_and_round_trips_json(schema, train):
    assert schema.names == ["age", "visits", "city", "member", "plan"]  # target left out
    kinds = {c["name"]: c["dtype"] for c in schema.columns}
    assert kinds == {"age": "numeric", "visits": "integer", "city": "text", "member": "boolean", "plan": "category"}
    city = schema.column("city")
    assert city["categories"][0] == "Lyon" and set(city["categories"]) == {"Lyon", "Paris", "Nice"}
    assert schema.column("age")["stats"]["mean"] == pytest.approx(train["age"].mean())
    assert sum(schema.column("age")["freqs"]) == pytest.approx(1.0)
    again = InputSchema.from_dict(json.loads(json.dumps(schema.to_dict())))
    assert again == schema
    assert set(schema.example_row) == set(schema.names)
    assert schema.target == "churn"


def test_missing_columns_raise_listing_them(schema, train):
    with pytest.raises(DataValidationError, match=r"new\.csv.*missing.*age, city"):
        check_frame(train.drop(columns=["age", "city"]), schema, source="new.csv")


def test_duplicate_columns_refused(schema, train):
    df = pd.concat([train, train[["age"]]], axis=1)
    with pytest.raises(DataValidationError, match="more than once: age"):
        check_frame(df, schema)


def test_extra_columns_ignored_with_warning_and_reordered_is_fine(schema, train):
    df = train[["plan", "member", "city", "visits", "age", "churn"]].assign(note="x")
    res = check_frame(df, schema)
    assert list(res.frame.columns) == schema.names
    assert res.extra_columns == ["churn", "note"]
    assert any("ignored" in w and "note" in w for w in res.warnings)
    pd.testing.assert_series_equal(res.frame["age"], train["age"])
    assert res.converted_columns == []


def test_unseen_category_is_counted(schema, train):
    df = train.head(10).copy()
    df["plan"] = df["plan"].astype(str)  # a file read back has text, not the training's categorical
    df.loc[df.index[:3], "city"] = "Berlin"
    df.loc[df.index[3], "plan"] = "enterprise"
    res = check_frame(df, schema)
    assert res.unseen_categories == {"city": 3, "plan": 1}
    assert any("Berlin" in w for w in res.warnings)
    assert res.frame["city"].iloc[0] == "Berlin"  # kept for the encoder, which ignores unknowns


def test_numbers_as_text_are_converted(schema, train):
    df = train.head(4).copy()
    df["age"] = ["1,5", " 3 ", "1.234,5", ""]
    df["visits"] = [" 3 ", "4", "5", "6"]
    res = check_frame(df, schema)
    assert res.frame["age"].tolist()[:3] == [1.5, 3.0, 1234.5]
    assert np.isnan(res.frame["age"].iloc[3])
    assert res.frame["visits"].tolist() == [3, 4, 5, 6]
    assert res.frame["visits"].dtype == np.int64
    assert set(res.converted_columns) >= {"age", "visits"}


def test_non_number_in_numeric_column_names_column_and_value(schema, train):
    df = train.head(4).copy()
    df["age"] = ["12", "abc", "13", "14"]
    with pytest.raises(DataValidationError, match=r"'age'.*'abc'") as refused:
        check_frame(df, schema, source="batch.xlsx")
    assert "(row 1)" in str(refused.value) and "np." not in str(refused.value)


def test_text_booleans_and_numeric_levels(train):
    schema = build_schema(train.assign(code=train["visits"].astype(str)), "churn")
    df = train.head(3).assign(member=["yes", "no", "TRUE"], code=[1.0, 2.0, 99.0])
    res = check_frame(df, schema)
    assert res.frame["member"].tolist() == [True, False, True]
    assert res.frame["code"].tolist() == ["1", "2", "99"]
    assert res.unseen_categories == {"code": 1}


def test_psi_near_zero_for_same_distribution(schema, train):
    rng = np.random.default_rng(5)
    fresh = pd.DataFrame({
        "age": rng.normal(40, 10, 3000), "visits": rng.integers(0, 20, 3000),
        "city": rng.choice(["Lyon", "Paris", "Nice"], 3000, p=[0.5, 0.3, 0.2]),
        "member": rng.random(3000) > 0.5, "plan": rng.choice(["basic", "pro"], 3000),
    })
    report = drift_report(check_frame(fresh, schema).frame, schema)
    assert {r["feature"] for r in report} == set(schema.names)
    assert all(r["psi"] < 0.05 for r in report), report
    assert not any(r["drifted"] for r in report)


def test_psi_flags_shifted_features_by_name(schema, train):
    moved = train.copy()
    moved["age"] = moved["age"] + 15
    moved["city"] = np.where(np.arange(len(moved)) % 10 < 8, "Nice", "Lyon")
    report = drift_report(check_frame(moved, schema).frame, schema, threshold=0.2)
    drifted = {r["feature"]: r for r in report if r["drifted"]}
    assert set(drifted) == {"age", "city"}
    assert "age" in drifted["age"]["warning"] and drifted["age"]["psi"] > 0.2
    assert report[0]["feature"] in {"age", "city"}  # largest first
