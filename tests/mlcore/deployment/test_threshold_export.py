"""A binary classifier's decision threshold survives every export: ONNX labels, metadata, model card."""

import json
import warnings

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from mlcore.deployment.export import export_joblib, export_onnx, export_skops, load_joblib, model_card
from mlcore.deployment.predict import predict_frame
from mlcore.errors import ConfigError

warnings.filterwarnings("ignore", category=UserWarning)

THRESHOLD = 0.2


def _data(loader=load_breast_cancer, n=300):
    X, y = loader(return_X_y=True, as_frame=True)
    X.columns = [c.replace(" ", "_") for c in X.columns]
    return X.head(n), y.head(n)


def _pipe(X, model):
    return Pipeline([("prep", ColumnTransformer([("num", StandardScaler(), list(X.columns))])), ("model", model)])


@pytest.fixture(scope="module")
def binary():
    X, y = _data()
    labels = np.where(y == 1, "benign", "malignant")
    # a strongly regularised model: many probabilities fall between 0.2 and 0.5, where the rules differ
    return _pipe(X, LogisticRegression(C=0.01, max_iter=1000)).fit(X, labels), X


def _onnx_labels(path, report, X):
    import onnxruntime as ort

    from mlcore.deployment.onnx_export import _feed

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    label, proba = session.run(["label", "probabilities"], _feed(X, report["inputs"]))
    return np.asarray(label).ravel(), np.asarray(proba), session


def test_onnx_label_output_applies_the_decision_threshold(tmp_path, binary):
    import onnx

    pipe, X = binary
    app = predict_frame(pipe, X, threshold=THRESHOLD)["prediction"].astype(str).to_numpy()
    assert (app != pipe.predict(X)).sum() >= 10  # the threshold matters on these rows

    report = export_onnx(pipe, X, tmp_path / "t.onnx", task="classification", threshold=THRESHOLD)
    assert report["ok"] and report["warning"] is None, report
    assert report["label_agreement"] == 1.0 and report["max_proba_diff"] < 1e-3
    assert report["decision_threshold"] == THRESHOLD
    label, proba, session = _onnx_labels(tmp_path / "t.onnx", report, X)
    assert label.dtype == object and (label == app).all()  # the exported graph predicts what the app predicts
    np.testing.assert_allclose(proba, pipe.predict_proba(X), atol=1e-5)
    assert [o.name for o in session.get_outputs()] == ["label", "probabilities"]
    meta = session.get_modelmeta().custom_metadata_map
    assert float(meta["decision_threshold"]) == THRESHOLD
    model = onnx.load(tmp_path / "t.onnx")
    onnx.checker.check_model(model)
    assert {p.key: p.value for p in model.metadata_props}["decision_threshold"] == "0.2"

    # without a threshold the graph keeps the argmax rule, and so disagrees with the app on those rows
    plain = export_onnx(pipe, X, tmp_path / "plain.onnx", task="classification")
    plain_label, _, plain_session = _onnx_labels(tmp_path / "plain.onnx", plain, X)
    assert (plain_label != app).sum() >= 10 and (plain_label == pipe.predict(X)).all()
    assert "decision_threshold" not in plain_session.get_modelmeta().custom_metadata_map
    assert plain["decision_threshold"] is None


def test_onnx_threshold_with_integer_labels_and_a_float64_graph(tmp_path):
    from mlcore.deployment import onnx_export

    X, y = _data()
    labels = np.where(y == 1, 7, 3)
    pipe = _pipe(X, LogisticRegression(C=0.01, max_iter=1000)).fit(X, labels)
    app = predict_frame(pipe, X, threshold=0.35)["prediction"].to_numpy()
    for precision in ("float", "double"):
        onx, signature, failure = onnx_export._build(pipe, X, "classification", precision, 0.35)
        assert failure is None
        parity = onnx_export._parity(pipe, onx.SerializeToString(), X, signature, "classification", 0.35)
        assert parity["ok"] and parity["label_agreement"] == 1.0, (precision, parity)
    report = export_onnx(pipe, X, tmp_path / "i.onnx", task="classification", threshold=0.35)
    label, _, _ = _onnx_labels(tmp_path / "i.onnx", report, X)
    assert label.dtype == np.int64 and (label == app).all()


def test_onnx_threshold_fallback_says_consumers_must_apply_it(tmp_path, binary, monkeypatch):
    from mlcore.deployment import onnx_export

    def refuse(*args, **kwargs):
        raise RuntimeError("no Gather kernel")

    pipe, X = binary
    monkeypatch.setattr(onnx_export, "_relabel_with_threshold", refuse)
    report = export_onnx(pipe, X, tmp_path / "f.onnx", task="classification", threshold=THRESHOLD)
    assert report["ok"] is False
    assert "0.5" in report["warning"] and "0.2" in report["warning"] and "probabilities[:, 1]" in report["warning"]
    assert report["label_agreement"] < 1.0  # the argmax labels really do differ from the thresholded ones
    label, _, session = _onnx_labels(tmp_path / "f.onnx", report, X)
    assert (label == pipe.predict(X)).all()
    meta = session.get_modelmeta().custom_metadata_map
    assert meta["decision_threshold"] == "0.2" and meta["mlworkbench.label_rule"] == "argmax"
    with pytest.raises(ConfigError, match="refused.*0.2"):
        export_onnx(pipe, X, tmp_path / "strict.onnx", task="classification", threshold=THRESHOLD, strict=True)
    assert not (tmp_path / "strict.onnx").exists()


def test_onnx_threshold_refused_where_it_cannot_apply(tmp_path, binary):
    pipe, X = binary
    for bad in (0.0, 1.0, 1.5, "high"):
        with pytest.raises(ConfigError, match="threshold"):
            export_onnx(pipe, X, tmp_path / "b.onnx", task="classification", threshold=bad)
    Xi, yi = _data(load_iris, n=150)
    iris = _pipe(Xi, LogisticRegression(max_iter=1000)).fit(Xi, yi)
    with pytest.raises(ConfigError, match="binary"):
        export_onnx(iris, Xi, tmp_path / "iris.onnx", task="classification", threshold=0.3)
    Xd, yd = _data(load_diabetes, n=100)
    reg = _pipe(Xd, LinearRegression()).fit(Xd, yd)
    with pytest.raises(ConfigError, match="binary"):
        export_onnx(reg, Xd, tmp_path / "r.onnx", task="regression", threshold=0.3)
    assert not list(tmp_path.iterdir())


def test_joblib_and_skops_metadata_carry_the_threshold(tmp_path, binary):
    pipe, X = binary
    registry_meta = {"name": "cancer", "version": "1.0.0", "threshold": THRESHOLD}  # ModelVersionInfo.to_dict()
    path = export_joblib(pipe, registry_meta, tmp_path / "m.joblib")
    assert json.loads((tmp_path / "m.json").read_text())["decision_threshold"] == THRESHOLD
    assert load_joblib(path)["metadata"]["decision_threshold"] == THRESHOLD

    export_skops(pipe, tmp_path / "m.skops", registry_meta)
    side = json.loads((tmp_path / "m.skops").with_suffix(".json").read_text())
    assert side["decision_threshold"] == THRESHOLD and side["name"] == "cancer"
    export_skops(pipe, tmp_path / "k.skops", threshold=0.3)  # an explicit threshold wins
    assert json.loads((tmp_path / "k.json").read_text()) == {"decision_threshold": 0.3}
    export_skops(pipe, tmp_path / "n.skops")
    assert json.loads((tmp_path / "n.json").read_text()) == {"decision_threshold": None}

    with pytest.raises(ConfigError, match="between 0 and 1"):
        export_joblib(pipe, {"threshold": 2}, tmp_path / "bad.joblib")
    Xi, yi = _data(load_iris, n=150)
    iris = _pipe(Xi, LogisticRegression(max_iter=1000)).fit(Xi, yi)
    with pytest.raises(ConfigError, match="binary"):
        export_skops(iris, tmp_path / "iris.skops", {"threshold": 0.3})
    assert not (tmp_path / "bad.joblib").exists() and not (tmp_path / "iris.skops").exists()


def test_model_card_states_the_threshold_and_that_predictions_use_it():
    card = model_card({"name": "cancer", "version": "1.0.0", "task_type": "classification", "threshold": None,
                       "decision_threshold": 0.2, "classes": ["benign", "malignant"]})
    line = next(line for line in card.splitlines() if line.startswith("Decision threshold"))
    assert line.startswith("Decision threshold: 0.2. Predictions use it: `malignant` is predicted when its "
                           "probability is at or above it")  # the number once
    assert line.count("0.2") == 1
    registry = model_card({"name": "cancer", "version": "1.0.0", "task_type": "classification", "threshold": 0.35})
    assert "Decision threshold: 0.35. Predictions use it" in registry
    unset = model_card({"name": "cancer", "task_type": "classification", "threshold": None})
    assert "Decision threshold" not in unset and "most probable class is predicted" in unset
    assert "Decision" not in model_card({"name": "price", "task_type": "regression", "threshold": None})
