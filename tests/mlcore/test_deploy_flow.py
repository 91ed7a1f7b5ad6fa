"""Train → evaluate → deploy → predict on files → A/B test with outcomes, through the Workspace."""

import numpy as np
import pandas as pd
import pytest

from mlcore.errors import ConfigError, ConflictError, DataValidationError


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def trained(request, tmp_path_factory):
    """Two trained jobs, in a workspace on SQLite and on PostgreSQL (the A/B and prediction logs too)."""
    from mlcore.workspace import Workspace

    url = request.getfixturevalue("pg_server").create_database() if request.param == "postgresql" else None
    ws = Workspace(tmp_path_factory.mktemp("flow"), db_url=url)
    ds = ws.import_sample("breast_cancer")
    jobs = [ws.train({"dataset_id": ds.id, "algorithm": algo, "seed": 1}) for algo in ("logistic", "random_forest")]
    yield ws, ds, jobs
    ws.close()


def test_job_record_has_the_seed_shape(trained):
    ws, ds, jobs = trained
    record = jobs[0].record()
    assert record["status"] == "completed"
    assert {"evaluation", "training_history", "training_summary"} <= record["results"].keys()
    assert record["results"]["evaluation"]["test"]["metrics"]["accuracy"] > 0.9
    assert record["dataset_hash"] == ds.content_hash
    assert record["library_versions"]["scikit-learn"]


def test_threshold_is_stored_and_used_by_later_predictions(trained, tmp_path):
    ws, ds, jobs = trained
    model = ws.deploy(jobs[0].id, "thr")
    X = ws.load_frame(ds.id).drop(columns=[ds.target_column]).head(200)
    path = tmp_path / "rows.csv"
    X.to_csv(path, index=False)
    before = ws.predict_file(path, model_id=model.id)["frame"]["prediction"]
    ws.set_threshold(model.id, 0.999)
    after = ws.predict_file(path, model_id=model.id)["frame"]
    positive = ws.load_model(model.id)[0].classes_[1]
    assert (after["prediction"] == positive).sum() < (before == positive).sum()
    assert ((after[f"proba_{positive}"] >= 0.999) == (after["prediction"] == positive)).all()


def test_prediction_file_schema_cases(trained, tmp_path):
    ws, ds, jobs = trained
    model = ws.deploy(jobs[1].id, "schema")
    X = ws.load_frame(ds.id).drop(columns=[ds.target_column]).head(30)
    shuffled = X[X.columns[::-1]].assign(extra_col=1)
    shuffled.to_csv(tmp_path / "reordered.csv", index=False)
    result = ws.predict_file(tmp_path / "reordered.csv", tmp_path / "out.xlsx", model_id=model.id)
    assert result["rows"] == 30 and any("extra_col" in w for w in result["warnings"])
    assert pd.read_excel(tmp_path / "out.xlsx").shape[0] == 30
    X.drop(columns=["mean radius", "mean area"]).to_csv(tmp_path / "missing.csv", index=False)
    with pytest.raises(DataValidationError, match="mean area.*mean radius|mean radius.*mean area"):
        ws.predict_file(tmp_path / "missing.csv", model_id=model.id)
    bad = X.astype({"mean texture": "str"})
    bad.loc[bad.index[3], "mean texture"] = "abc"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(DataValidationError, match="mean texture.*abc"):
        ws.predict_file(tmp_path / "bad.csv", model_id=model.id)


def test_ab_test_routes_logs_and_analyses(trained, tmp_path):
    ws, ds, jobs = trained
    a, b = ws.deploy(jobs[0].id, "ab"), ws.deploy(jobs[1].id, "ab")
    ws.create_ab_test(a.id, b.id, "cancer-ab", 0.5)
    with pytest.raises(ConflictError):
        ws.create_ab_test(a.id, b.id, "cancer-ab", 0.5)
    with pytest.raises(ConfigError):
        ws.create_ab_test(a.id, b.id, "other", 1.5)
    X = ws.load_frame(ds.id).drop(columns=[ds.target_column]).head(400).assign(user=[f"u{i}" for i in range(400)])
    X.to_csv(tmp_path / "users.csv", index=False)
    first = ws.predict_file(tmp_path / "users.csv", tmp_path / "ab.csv", ab_test_name="cancer-ab",
                            user_column="user")
    second = ws.predict_file(tmp_path / "users.csv", ab_test_name="cancer-ab", user_column="user")
    assert (first["frame"]["arm"] == second["frame"]["arm"]).all()  # sticky per user
    assert 140 < first["arms"]["A"] < 260
    single = ws.predict(X.drop(columns=["user"]).iloc[0].to_dict(), ab_test_name="cancer-ab", user_id="u0")
    assert single["arm"] == first["frame"]["arm"].iloc[0]
    info = ws.get_ab_test("cancer-ab")
    assert info.counts["A"] + info.counts["B"] == 801
    rng = np.random.default_rng(0)
    arms = first["frame"].set_index("user")["arm"]
    outcomes = pd.DataFrame({"user_id": arms.index,
                             "outcome": np.where(arms.values == "B", rng.random(400) < 0.8, rng.random(400) < 0.3)})
    outcomes.to_csv(tmp_path / "outcomes.csv", index=False)
    recorded = ws.record_outcomes_file("cancer-ab", tmp_path / "outcomes.csv")
    assert recorded["matched_predictions"] == 801
    analysis = ws.analyse_ab_test("cancer-ab")
    assert analysis["test"] == "two_proportion_ztest" and analysis["winner"] == "B"
    assert analysis["p_value"] < 1e-6 and analysis["lift"] > 0.5
    winner = ws.promote_ab_winner("cancer-ab")
    assert winner.id == b.id and winner.status == "production"
    assert ws.get_ab_test("cancer-ab").status == "stopped"


def test_compare_versions_reports_metrics_and_latency(trained):
    ws, ds, jobs = trained
    a, b = ws.deploy(jobs[0].id, "cmp"), ws.deploy(jobs[1].id, "cmp")
    rows = ws.compare_versions([a.id, b.id], ds.id)
    assert [r["version"] for r in rows] == [a.version, b.version]
    assert all(r["metrics"]["accuracy"] > 0.9 and r["latency_ms_per_row"] > 0 for r in rows)


def test_evaluate_report_and_plots(trained, tmp_path):
    ws, ds, jobs = trained
    bundle = ws.evaluate(jobs[1].id)
    assert bundle.source["split"] == "test" and bundle.source["rows"] == len(ws.job_split(jobs[1].id)["test"])
    low, high = bundle.result.intervals["accuracy"]
    assert low <= bundle.result.metrics["accuracy"] <= high
    html = ws.write_report(bundle, tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.count("<img") >= 5
    assert len(ws.save_plots(bundle, tmp_path / "plots")) == len(bundle.figure_kinds())
