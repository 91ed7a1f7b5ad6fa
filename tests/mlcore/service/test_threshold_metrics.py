"""Metrics shown beside a decision threshold are computed at it (and at 0.5 where they differ)."""

import json

import pytest

from mlcore.cli import main


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from mlcore.workspace import Workspace

    home = tmp_path_factory.mktemp("thr")
    ws = Workspace(home)
    ds = ws.import_sample("breast_cancer")
    job = ws.train({"dataset_id": ds.id, "algorithm": "logistic", "seed": 1})
    yield ws, home, job
    ws.close()


def _at(ws, key, threshold):
    return ws.evaluate(key, threshold=threshold, n_boot=10, importance=False).result.metrics


def test_set_model_threshold_stores_the_metrics_at_it_and_keeps_those_at_half(trained, capsys):
    ws, home, job = trained
    model = ws.deploy(job.id, "thr-model")
    at_half = dict(model.metrics)
    info = ws.set_model_threshold(model.id, 0.95)
    expected = _at(ws, model.id, 0.95)
    assert info.threshold == 0.95 and info.metrics["threshold"] == 0.95
    for key in ("accuracy", "recall", "f1", "mcc"):
        if key in expected:
            assert info.metrics[key] == pytest.approx(expected[key])
    assert info.metrics["recall"] != pytest.approx(at_half["recall"])
    assert info.metrics["at_default_threshold"]["recall"] == pytest.approx(at_half["recall"])
    assert info.metrics["roc_auc"] == pytest.approx(at_half["roc_auc"])  # threshold-free: unchanged, stored once

    assert main(["--home", str(home), "--json", "models", "list", "--name", "thr-model"]) == 0
    listed = json.loads(capsys.readouterr().out)["models"][0]
    assert listed["metrics"]["accuracy"] == pytest.approx(expected["accuracy"])
    assert main(["--home", str(home), "models", "list", "--name", "thr-model"]) == 0
    assert f"(0.5: {at_half['accuracy']:.4f})" in capsys.readouterr().out or \
        expected["accuracy"] == pytest.approx(at_half["accuracy"])

    card = ws.export_model(model.id, "card", home / "card.md")
    text = (home / "card.md").read_text()
    assert card.path and f"| recall | {expected['recall']:.4g} |" in text
    assert f"| recall (at threshold 0.5) | {at_half['recall']:.4g} |" in text

    back = ws.set_model_threshold(model.id, None)  # back to 0.5: the original metrics, nothing beside them
    assert back.metrics == {k: v for k, v in at_half.items()}


def test_a_job_threshold_moves_its_test_metrics_and_deploy_carries_them(trained):
    ws, home, job = trained
    half = ws.get_job(job.id).results["evaluation"]["test"]["metrics"]
    ws.set_threshold(job.id, 0.05)
    metrics = ws.get_job(job.id).results["evaluation"]["test"]["metrics"]
    assert metrics["precision"] == pytest.approx(_at(ws, job.id, 0.05)["precision"])
    assert metrics["at_default_threshold"]["precision"] == pytest.approx(half["precision"])
    model = ws.deploy(job.id, "thr-job")
    assert model.threshold == 0.05 and model.metrics["precision"] == pytest.approx(metrics["precision"])
    ws.set_threshold(job.id, None)
    assert ws.get_job(job.id).results["evaluation"]["test"]["metrics"] == half
