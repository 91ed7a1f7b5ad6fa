"""Many-level text reaches LightGBM and HistGradientBoosting as categories, not as numbers in an arbitrary order."""

import numpy as np
import pandas as pd
import pytest

from mlcore.training.config import TrainConfig
from mlcore.training.run import resolve_recipe, train_pipeline


@pytest.fixture(scope="module")
def shops():
    # 60 shops (above the one-hot limit of 20 levels) whose effect has nothing to do with the order of
    # their names: a model that sees ordinal codes as numbers needs many splits to pick them apart
    rng = np.random.default_rng(0)
    n = 1500
    effect = rng.normal(scale=2.0, size=60)
    shop = rng.integers(0, 60, n)
    x = rng.normal(size=n)
    y = effect[shop] + x + rng.normal(scale=0.3, size=n)
    return pd.DataFrame({"shop": [f"shop{k:02d}" for k in shop], "x": x, "target": y})


@pytest.fixture(scope="module")
def default_fit(shops):
    return _train(shops)


def _train(frame, **options):
    config = TrainConfig(dataset_id="d", target_column="target", seed=0, n_jobs=1, **options)
    return train_pipeline(frame, config, resolve_recipe(config, None))


def test_default_lightgbm_splits_many_level_text_as_categories(default_fit):
    out = default_fit
    assert out.summary["categorical_columns"] == 1
    prep = out.pipeline.named_steps["prep"]
    branch = prep.named_steps["columns"].named_transformers_["high_cardinality"]
    assert "scale" not in branch.named_steps  # codes stay whole numbers
    booster = out.pipeline.named_steps["model"].booster_
    kinds = {t["tree_structure"].get("decision_type") for t in booster.dump_model()["tree_info"][:20]}
    assert "==" in kinds  # categorical splits, also in the model refitted on train+validation
    assert out.evaluation["test"]["metrics"]["r2"] > 0.9


def test_native_categories_beat_codes_as_numbers(shops, default_fit):
    native = default_fit.evaluation["test"]["metrics"]["r2"]
    as_numbers = _train(shops, preparation={"high_cardinality_encoding": "frequency"}).evaluation["test"]["metrics"]["r2"]
    assert native > as_numbers + 0.01


def test_an_unseen_level_is_predicted_like_a_missing_one(shops, default_fit):
    pipeline = default_fit.pipeline
    rows = shops.drop(columns=["target"]).head(3).assign(shop=["shop_never_seen", None, "shop01"])
    pred = pipeline.predict(rows)
    assert pred.shape == (3,) and np.isfinite(pred).all()


def test_hist_gradient_boosting_gets_the_categorical_mask(shops):
    out = _train(shops, algorithm="hist_gradient_boosting")
    assert out.summary["categorical_columns"] == 1
    mask = out.pipeline.named_steps["model"].categorical_features
    names = list(out.pipeline.named_steps["prep"].get_feature_names_out())
    assert [n for n, m in zip(names, mask) if m] == ["shop"]


def test_models_without_native_categories_keep_scaled_codes(shops):
    from mlcore.prep import native_categorical_mask

    out = _train(shops, algorithm="random_forest", hyperparameters={"n_estimators": 20})
    assert out.summary["categorical_columns"] == 0
    prep = out.pipeline.named_steps["prep"]
    assert "scale" in prep.named_steps["columns"].named_transformers_["high_cardinality"].named_steps
    assert native_categorical_mask(prep) is None


def test_default_model_with_categorical_splits_exports_to_onnx(shops, default_fit, tmp_path):
    from mlcore.deployment.onnx_export import export_onnx

    out = default_fit
    report = export_onnx(out.pipeline, shops.drop(columns=["target"]).head(50), tmp_path / "m.onnx",
                         task="regression")
    assert report["max_abs_diff"] < 1e-3
