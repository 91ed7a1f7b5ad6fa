"""Thread counts of fits: every usable core unless the caller says otherwise."""

from __future__ import annotations

import pytest

from mlcore.errors import ConfigError
from mlcore.models import get_algorithm, resolve_n_jobs, usable_cores
from mlcore.training.config import TrainConfig


def test_none_and_minus_one_mean_every_usable_core():
    cores = usable_cores()
    assert resolve_n_jobs(None) == cores
    assert resolve_n_jobs(-1) == cores
    assert resolve_n_jobs(-2) == max(1, cores - 1)
    assert resolve_n_jobs(3) == 3


def test_zero_threads_is_refused():
    with pytest.raises(ConfigError, match="n_jobs"):
        resolve_n_jobs(0)


@pytest.mark.parametrize("name", ["random_forest", "xgboost", "lightgbm"])
def test_catalog_builds_use_every_core_by_default(name):
    spec = get_algorithm(name, "classification")
    key = f"{spec.param_prefix}n_jobs"  # xgboost classification is wrapped
    assert spec.build().get_params()[key] == usable_cores()
    assert spec.build(n_jobs=1).get_params()[key] == 1


def test_train_config_takes_an_optional_thread_count():
    assert TrainConfig.from_dict({"dataset_id": "d"}).n_jobs is None
    assert TrainConfig.from_dict({"dataset_id": "d", "n_jobs": 1}).n_jobs == 1
    for bad in (0, 1.5, True, "2"):
        with pytest.raises(ConfigError, match="n_jobs"):
            TrainConfig.from_dict({"dataset_id": "d", "n_jobs": bad})
