"""Train defaults: LightGBM with early stopping on the validation rows, then a refit on train+validation."""

import pandas as pd
import pytest

from mlcore.training.config import TrainConfig
from mlcore.training.run import resolve_recipe, train_pipeline


@pytest.fixture(scope="module")
def frame():
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X.iloc[:300, :8].assign(target=y.iloc[:300].to_numpy())


def test_defaults_are_a_booster_with_early_stopping_and_refit():
    config = TrainConfig(dataset_id="d")
    assert (config.algorithm, config.early_stopping, config.early_stopping_patience, config.refit) == \
        ("lightgbm", True, 30, True)


def test_refit_uses_train_and_validation_rows_with_scaled_rounds(frame):
    config = TrainConfig(dataset_id="d", target_column="target", seed=0)
    out = train_pipeline(frame, config, resolve_recipe(config, None))
    rows = out.summary["rows"]
    refit = out.summary["refit"]
    assert refit["rows"] == rows["train"] + rows["validation"]
    best = out.summary["best_iteration"]
    assert refit["rounds"] == round(best * refit["rows"] / rows["train"])
    assert out.pipeline.named_steps["model"].booster_.current_iteration() == refit["rounds"]
    assert f"chose {best} rounds" in refit["scheme"]
    # the validation score comes from the model that never saw those rows; the test rows stay held out
    assert set(out.evaluation) == {"validation", "test"}
    assert not set(out.split["test"]) & (set(out.split["train"]) | set(out.split["validation"]))


def test_refit_can_be_turned_off(frame):
    config = TrainConfig(dataset_id="d", target_column="target", seed=0, refit=False)
    out = train_pipeline(frame, config, resolve_recipe(config, None))
    assert out.summary["refit"]["rows"] == out.summary["rows"]["train"]
    assert out.summary["refit"]["scheme"].startswith("none")
