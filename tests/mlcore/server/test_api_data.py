"""Datasets and preparation over HTTP: upload, info, list, clean, select features, split, and their errors."""

from __future__ import annotations

import pytest
from serve_helpers import table, upload


def _error(r, code: int) -> str:
    assert r.status_code == code, r.text
    body = r.json()
    assert body["status"] == "error" and body["message"]
    assert "Traceback" not in body["message"]
    return body["message"]


def test_upload_answers_the_seed_shape_and_the_client_file_name_never_becomes_a_path(client, workspace, tmp_path):
    frame = table(60)
    frame.loc[3, "x1"] = None
    body = upload(client, frame, filename="../../outside/evil.csv")
    assert body["name"] == "evil.csv"
    assert (body["rows"], body["columns"]) == (60, 4)
    assert body["column_names"] == ["x1", "x2", "colour", "target"]
    assert body["missing_values"]["x1"] == 1
    assert not (workspace.home.parent / "outside").exists() and not (tmp_path / "outside").exists()
    info = client.get(f"/api/ml/datasets/{body['dataset_id']}").json()
    assert info["dataset_id"] == body["dataset_id"]
    assert set(info["dtypes"]) == {"x1", "x2", "colour", "target"}
    assert info["numeric_stats"]["x2"]["mean"] == pytest.approx(frame["x2"].mean(), abs=1e-6)
    listed = client.get("/api/ml/datasets").json()
    assert [d["dataset_id"] for d in listed] == [body["dataset_id"]]


def test_upload_refuses_other_files_with_a_clear_4xx(client):
    assert "table file" in _error(client.post("/api/ml/datasets/upload", files={"file": ("x.exe", b"MZ...")}), 422)
    assert "empty" in _error(client.post("/api/ml/datasets/upload", files={"file": ("x.csv", b"")}), 422)
    _error(client.post("/api/ml/datasets/upload", files={"file": ("x.xlsx", b"not a workbook")}), 400)
    assert "file" in _error(client.post("/api/ml/datasets/upload", data={"name": "x"}), 422)
    target = _error(client.post("/api/ml/datasets/upload", files={"file": ("t.csv", table(20).to_csv().encode())},
                                data={"target_column": "nope"}), 422)
    assert "nope" in target


def test_unknown_dataset_is_404(client):
    assert "nope" in _error(client.get("/api/ml/datasets/nope"), 404)


def test_clean_select_split_over_http(client):
    frame = table(200)
    frame.loc[:9, "x2"] = None
    ds = upload(client, frame)["dataset_id"]
    r = client.post("/api/ml/data/clean", json={"dataset_id": ds, "missing_strategy": "drop"})
    assert r.status_code == 200, r.text
    cleaned = r.json()
    assert (cleaned["status"], cleaned["original_rows"], cleaned["cleaned_rows"]) == ("success", 200, 190)
    child = client.get(f"/api/ml/datasets/{cleaned['cleaned_dataset_id']}").json()
    assert child["rows"] == 190 and child["parent_id"] == ds
    r = client.post("/api/ml/data/select-features", json={"dataset_id": ds, "target_column": "target",
                                                          "method": "mutual_info", "n_features": 2})
    assert r.status_code == 200, r.text
    assert len(r.json()["selected_features"]) == 2
    r = client.post("/api/ml/data/split", json={"dataset_id": ds, "target_column": "target", "test_size": 0.2,
                                                "validation_size": 0.1, "stratify": True})
    assert r.json() == {**r.json(), "status": "success", "train_samples": 140, "validation_samples": 20,
                        "test_samples": 40}


@pytest.mark.parametrize("path, body, code, words", [
    ("/api/ml/data/clean", {"dataset_id": "nope"}, 404, "nope"),
    ("/api/ml/data/clean", {}, 422, "dataset_id"),
    ("/api/ml/data/clean", {"dataset_id": "x", "outlier_threshold": "high"}, 422, "outlier_threshold"),
    ("/api/ml/data/clean", {"dataset_id": "x", "colour": 1}, 422, "colour"),
    ("/api/ml/data/select-features", {"dataset_id": "x", "n_features": 0}, 422, "n_features"),
    ("/api/ml/data/split", {"dataset_id": "x", "stratify": "maybe"}, 422, "stratify"),
])
def test_bad_preparation_requests(client, path, body, code, words):
    assert words in _error(client.post(path, json=body), code)


def test_bad_values_the_engine_refuses(client):
    ds = upload(client, table(50))["dataset_id"]
    assert "strateg" in _error(client.post("/api/ml/data/clean", json={"dataset_id": ds,
                                                                       "missing_strategy": "guess"}), 422).lower()
    assert "nope" in _error(client.post("/api/ml/data/split", json={"dataset_id": ds, "target_column": "nope"}), 422)


def test_bad_json_is_400(client):
    r = client.post("/api/ml/data/clean", content=b"{not json", headers={"content-type": "application/json"})
    assert "not valid JSON" in _error(r, 400)
