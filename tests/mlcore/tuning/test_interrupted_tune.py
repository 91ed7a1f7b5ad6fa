"""A tuning run whose process was killed is marked interrupted on open and shows its study's trials."""

import numpy as np
import pandas as pd
import pytest

from mlcore.registry import orm
from mlcore.workspace import Workspace

pytestmark = pytest.mark.usefixtures("on_each_db")  # SQLite and PostgreSQL


def test_killed_tune_is_interrupted_with_the_trials_in_its_study(home, tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=150), "b": rng.normal(size=150)})
    frame["y"] = np.where(frame["a"] + rng.normal(scale=0.5, size=150) > 0, "yes", "no")
    frame.to_csv(tmp_path / "d.csv", index=False)
    ws = Workspace(home)
    ds = ws.import_dataset(tmp_path / "d.csv", target="y")
    job = ws.tune(ds.id, algorithm="logistic", tuning_method="optuna", n_trials=3, cv=3)
    exp = ws.list_experiments(job.id)[0]
    # what a kill -9 during the search leaves: both rows running, no trials recorded, the study full
    with ws.db.session() as s:
        row = s.get(orm.MLTrainingJob, job.id)
        row.status, row.pid, row.completed_at = "running", 999_999_999, None
        e = s.get(orm.MLExperiment, exp.id)
        e.status, e.trials, e.best_params, e.best_score, e.completed_at = "running", [], None, None, None
    ws.close()
    with Workspace(home) as ws:
        assert ws.get_job(job.id).status == "interrupted"
        again = ws.list_experiments(job.id)[0]
    assert again.status == "interrupted" and again.completed_at is not None
    assert [t["number"] for t in again.trials] == [0, 1, 2]
    assert again.best_score == max(t["value"] for t in again.trials if t["state"] == "complete")
    assert again.best_params and set(again.best_params) <= set(exp.trials[0]["params"])
