"""Workspace compare/tune jobs, MLExperiment rows, deploy of a tune job, and the CLI's JSON shapes."""

import json

import pytest

from mlcore.cli import main
from mlcore.errors import JobCancelled
from mlcore.jobs import RecordingContext


@pytest.mark.usefixtures("on_each_db")  # SQLite and PostgreSQL
def test_compare_is_recorded_as_a_job_in_the_seed_shape(workspace, dataset):
    ctx = RecordingContext()
    out = workspace.compare(dataset.id, models=["naive_bayes", "logistic"], cv=3, ctx=ctx)
    assert out["status"] == "success" and out["metric"] == "accuracy"
    rows = out["comparison"]
    assert [r["model"] for r in rows] == sorted((r["model"] for r in rows),
                                                key=lambda m: -next(x["mean_score"] for x in rows if x["model"] == m))
    assert all({"model", "mean_score", "std_score", "p_value"} <= set(r) for r in rows)
    job = workspace.get_job(out["job_id"])
    assert job.kind == "compare" and job.status == "completed"
    assert job.results["comparison"][0]["model"] == rows[0]["model"]
    assert any(k == "compare_row" for k, _ in ctx.events)


@pytest.mark.usefixtures("on_each_db")  # SQLite and PostgreSQL
def test_tune_job_is_deployable_and_recorded_as_an_experiment(workspace, dataset):
    job = workspace.tune(dataset.id, algorithm="logistic", tuning_method="random", n_trials=3, cv=3)
    assert job.kind == "tune" and job.status == "completed"
    r = job.results
    assert {"task_type", "evaluation", "training_history", "training_summary", "feature_names", "classes",
            "threshold", "best_params", "best_score", "trials", "method"} <= set(r)
    assert r["method"] == "random" and len(r["trials"]) == 3 and set(r["best_params"]) == {"C"}
    assert [h["iteration"] for h in r["training_history"]] == [0, 1, 2]
    assert r["training_summary"]["rows"]["test"] == 48 and r["classes"] == ["benign", "malignant"]
    assert 0.8 < r["evaluation"]["test"]["metrics"]["accuracy"] <= 1.0
    assert (workspace.home / "optuna.db").exists()
    version = workspace.deploy(job.id, "cancer-logit")
    assert version.algorithm == "logistic" and version.hyperparameters == r["best_params"]
    assert version.metrics["accuracy"] == r["evaluation"]["test"]["metrics"]["accuracy"]
    experiments = workspace.list_experiments()
    assert len(experiments) == 1
    exp = experiments[0]
    assert (exp.job_id, exp.method, exp.algorithm, exp.status) == (job.id, "random", "logistic", "completed")
    assert exp.best_score == pytest.approx(r["best_score"]) and len(exp.trials) == 3
    assert exp.storage == workspace.optuna_storage and exp.study_name == r["study_name"]


@pytest.mark.usefixtures("on_each_db")  # SQLite and PostgreSQL
def test_cancelled_tune_keeps_finished_trials_in_job_and_experiment(workspace, dataset):
    ctx = RecordingContext(cancel_when=lambda c: sum(k == "trial" for k, _ in c.events) >= 2)
    with pytest.raises(JobCancelled):
        workspace.tune(dataset.id, algorithm="knn", tuning_method="random", n_trials=10, cv=3, ctx=ctx,
                       storage="sqlite://")
    job = workspace.list_jobs(kind="tune")[0]
    assert job.status == "cancelled" and len(job.results["trials"]) == 2
    assert len(job.results["training_history"]) == 2
    exp = workspace.list_experiments(job_id=job.id)[0]
    assert exp.status == "cancelled" and len(exp.trials) == 2 and exp.best_score is not None


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("on_each_db")  # SQLite and PostgreSQL
def test_cli_compare_and_tune_print_the_seed_shapes(capsys, home, dataset, workspace):
    workspace.close()
    code, out, _ = run(capsys, "--home", str(home), "--json", "-q", "compare", "--dataset", "cancer",
                       "--models", "logistic,naive_bayes", "--cv", "3")
    assert code == 0
    payload = json.loads(out)
    assert payload["status"] == "success"
    assert {r["model"] for r in payload["comparison"]} == {"logistic", "naive_bayes"}
    assert all("mean_score" in r and "std_score" in r for r in payload["comparison"])
    code, out, _ = run(capsys, "--home", str(home), "--json", "-q", "tune", "--dataset", "cancer",
                       "--algorithm", "naive_bayes", "--method", "grid", "--n-trials", "2", "--cv", "3")
    assert code == 0
    record = json.loads(out)
    assert record["status"] == "completed" and record["kind"] == "tune"
    assert len(record["results"]["trials"]) == 2 and "var_smoothing" in record["results"]["best_params"]
    code, out, err = run(capsys, "--home", str(home), "tune", "--dataset", "cancer", "--algorithm", "knn",
                         "--method", "random", "--n-trials", "2", "--cv", "3")
    assert code == 0 and "best CV accuracy" in out and "trial 1: complete" in err
    code, out, err = run(capsys, "--home", str(home), "compare", "--dataset", "cancer", "--models", "nope")
    assert code == 1 and "unknown classification algorithm 'nope'" in err


def test_recorded_storage_urls_hide_passwords():
    from mlcore.registry import hide_password as _hide_password

    assert _hide_password("postgresql://me:secret@db.example/optuna") == "postgresql://me:***@db.example/optuna"
    assert _hide_password("sqlite:////tmp/ws/optuna.db") == "sqlite:////tmp/ws/optuna.db"


def test_balanced_recipe_reaches_native_class_weight(cancer):
    from mlcore.models import get_algorithm
    from mlcore.prep import PrepRecipe
    from mlcore.tuning._cv import model_factory

    X, _ = cancer
    make = model_factory(get_algorithm("logistic", "classification"), X, "classification",
                         PrepRecipe(class_weight="balanced"), seed=0)
    assert make({"C": 0.5}).named_steps["model"].get_params()["class_weight"] == "balanced"
    assert model_factory(get_algorithm("logistic", "classification"), X, "classification", None,
                         seed=0)(None).named_steps["model"].get_params()["class_weight"] is None


def test_compare_without_models_uses_the_defaults_of_the_detected_task(workspace, diabetes, tmp_path):
    X, y = diabetes
    path = tmp_path / "diabetes.csv"
    X.iloc[:150, :5].assign(progression=y.iloc[:150]).to_csv(path, index=False)
    ds = workspace.import_dataset(path, name="diabetes", target="progression")
    out = workspace.compare(ds.id, cv=3)
    assert out["task_type"] == "regression" and out["metric"] == "r2"
    assert {r["model"] for r in out["comparison"]} == {"random_forest", "xgboost", "ridge"}
    assert all(r["status"] == "ok" for r in out["comparison"])
    assert workspace.get_job(out["job_id"]).config["models"] == ["random_forest", "xgboost", "ridge"]
    from mlcore.vocab import DEFAULT_MODELS as COMPARE_DEFAULTS

    assert COMPARE_DEFAULTS["classification"] == ("random_forest", "xgboost", "logistic")
