"""The report and the model card name the dataset by its name and show the iteration early stopping kept."""

import pytest


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    from mlcore.workspace import Workspace

    ws = Workspace(tmp_path_factory.mktemp("card"))
    ds = ws.import_sample("breast_cancer")
    job = ws.train({"dataset_id": ds.id, "algorithm": "lightgbm", "early_stopping": True,
                    "early_stopping_patience": 3, "hyperparameters": {"n_estimators": 400, "learning_rate": 0.5}})
    yield ws, ds, job, ws.deploy(job.id, "es")
    ws.close()


def test_card_names_the_dataset_and_the_kept_iteration(deployed, tmp_path):
    ws, ds, job, model = deployed
    summary = job.results["training_summary"]
    assert summary["stopped_early"] and summary["best_iteration"] < 400
    card = (tmp_path / "card.md")
    ws.export_model(model.id, "card", card)
    text = card.read_text()
    assert f"| Dataset | {ds.name} ({ds.id}) |" in text
    assert f"early stopping kept {summary['best_iteration']} iterations" in text


def test_report_names_the_dataset(deployed, tmp_path):
    ws, ds, job, model = deployed
    bundle = ws.evaluate(model.id, n_boot=10, importance=False)
    html = ws.write_report(bundle, tmp_path / "r.html").read_text()
    assert f"{ds.name} ({ds.id[:8]})" in html
