"""Offline sample datasets."""

from __future__ import annotations

import pandas as pd
import pytest

from mlcore.data import list_samples, load_sample, profile_frame
from mlcore.data.samples import samples_dir
from mlcore.errors import NotFoundError


def test_sample_catalog():
    names = [s.name for s in list_samples()]
    assert names[:4] == ["iris", "wine", "breast_cancer", "diabetes"]
    assert {"penguins", "churn"} <= set(names)


@pytest.mark.parametrize("info", list_samples(), ids=lambda s: s.name)
def test_each_sample_loads_with_its_target(info):
    frame, target = load_sample(info.name)
    assert target == info.target and target in frame.columns
    assert len(frame) == info.rows
    if info.task == "classification":
        assert frame[target].nunique() >= 2
    else:
        assert pd.api.types.is_float_dtype(frame[target].dtype)


def test_iris_species_are_names():
    frame, target = load_sample("iris")
    assert target == "species"
    assert sorted(frame["species"].unique()) == ["setosa", "versicolor", "virginica"]
    assert frame.shape == (150, 5)


def test_penguins_are_mixed_with_missing_values():
    frame, target = load_sample("penguins")
    assert target == "species"
    assert pd.api.types.is_string_dtype(frame["island"].dtype)
    assert frame["bill_length_mm"].dtype == "float64"
    assert frame.isna().sum().sum() > 0
    profile = profile_frame(frame, target)
    assert profile["target_summary"]["class_counts"][0] == ["Adelie", 152]
    assert profile["categorical_stats"]["island"]["cardinality"] == 3


def test_churn_has_dates_categories_and_gaps():
    frame, target = load_sample("churn")
    assert target == "churned" and frame[target].dtype == bool
    assert pd.api.types.is_datetime64_any_dtype(frame["signup_date"].dtype)
    assert set(frame["plan"].unique()) == {"basic", "standard", "premium"}
    assert frame["usage_hours"].isna().sum() > 0 and frame["region"].isna().sum() > 0
    assert 0.1 < frame[target].mean() < 0.5


def test_churn_csv_matches_its_generator(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_churn", samples_dir() / "make_churn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make_churn().to_csv(tmp_path / "churn.csv", index=False)
    assert (tmp_path / "churn.csv").read_bytes() == (samples_dir() / "churn.csv").read_bytes()


def test_unknown_sample():
    with pytest.raises(NotFoundError, match="no sample dataset named 'titanic'; available: iris"):
        load_sample("titanic")
