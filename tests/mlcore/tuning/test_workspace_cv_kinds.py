"""Every cross-validation kind is usable from Workspace.compare and Workspace.tune (and the CLI)."""

import json

import numpy as np
import pandas as pd
import pytest

from mlcore.cli import main
from mlcore.errors import ConfigError, DataValidationError


@pytest.fixture(scope="module")
def grouped(tmp_path_factory):
    from mlcore.workspace import Workspace

    tmp = tmp_path_factory.mktemp("cvkinds")
    rng = np.random.default_rng(3)
    n = 240
    frame = pd.DataFrame({"customer": np.repeat([f"c{i}" for i in range(40)], 6), "x": rng.normal(size=n),
                          "z": rng.normal(size=n)})
    frame["y"] = np.where(frame["x"] + rng.normal(scale=0.5, size=n) > 0, "a", "b")
    frame.to_csv(tmp / "g.csv", index=False)
    ws = Workspace(tmp / "ws")
    ds = ws.import_dataset(tmp / "g.csv", target="y")
    yield ws, ds, tmp
    ws.close()


@pytest.mark.parametrize("kind", ["kfold", "stratified", "timeseries", "group"])
def test_compare_with_each_cv_kind(grouped, kind):
    ws, ds, _ = grouped
    result = ws.compare(ds.id, models=["logistic", "decision_tree"], cv=3, cv_kind=kind,
                        group_column="customer" if kind == "group" else None)
    assert [r["status"] for r in result["comparison"]] == ["ok", "ok"]
    assert all(len(r["fold_scores"]) == 3 for r in result["comparison"])
    assert ws.get_job(result["job_id"]).config["cv_kind"] == kind


def test_tune_with_group_cv_keeps_the_group_column_out_of_the_features(grouped):
    ws, ds, _ = grouped
    job = ws.tune(ds.id, algorithm="decision_tree", tuning_method="random", n_trials=3, cv=3, cv_kind="group",
                  group_column="customer")
    assert job.status == "completed"
    assert "customer" not in job.results["feature_names"]


def test_bad_group_requests_are_clear(grouped):
    ws, ds, _ = grouped
    with pytest.raises(ConfigError, match="group column"):
        ws.compare(ds.id, models=["logistic"], cv=3, cv_kind="group")
    with pytest.raises(DataValidationError, match="nope"):
        ws.tune(ds.id, algorithm="logistic", n_trials=2, cv=3, cv_kind="group", group_column="nope")
    with pytest.raises(ConfigError, match="not valid"):
        ws.compare(ds.id, models=["logistic"], cv=3, cv_kind="loo")


def test_cli_compare_group_kind(grouped, capsys):
    ws, ds, _ = grouped
    code = main(["--home", str(ws.home), "--json", "-q", "compare", "--dataset", ds.id, "--models",
                 "logistic,decision_tree", "--cv", "3", "--cv-kind", "group", "--group-column", "customer"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and len(out["comparison"]) == 2
