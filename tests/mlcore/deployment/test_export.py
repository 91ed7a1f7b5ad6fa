import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlcore.deployment.export import (audit_skops, export_joblib, export_onnx, export_skops, import_skops, load_joblib,
                                      model_card, sha256_file)
from mlcore.deployment.schema import build_schema
from mlcore.errors import ArtifactIntegrityError, ConfigError

warnings.filterwarnings("ignore", category=UserWarning)


def _numeric(loader=load_breast_cancer, n=300):
    X, y = loader(return_X_y=True, as_frame=True)
    X.columns = [c.replace(" ", "_") for c in X.columns]
    return X.head(n), y.head(n)


def _pipe(X, model, scale=True):
    prep = ColumnTransformer([("num", StandardScaler() if scale else "passthrough", list(X.columns))])
    return Pipeline([("prep", prep), ("model", model)])


@pytest.fixture(scope="module")
def mixed():
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.integers(0, 10, n),
                      "city": rng.choice(["Lyon", "Paris", "Nice"], n)})
    y = np.where(X["a"] + (X["city"] == "Nice") > 0.4, "yes", "no")
    prep = ColumnTransformer([("num", StandardScaler(), ["a", "b"]),
                              ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"])])
    return Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(X, y), X


def test_joblib_bundle_round_trip_and_tamper_refusal(tmp_path, mixed):
    pipe, X = mixed
    path = export_joblib(pipe, {"name": "churn", "version": "1.0.0", "classes": np.array(["no", "yes"])},
                         tmp_path / "model.joblib")
    meta = json.loads((tmp_path / "model.json").read_text())
    assert meta == {"name": "churn", "version": "1.0.0", "classes": ["no", "yes"], "decision_threshold": None}
    digest = sha256_file(path)
    assert len(digest) == 64
    bundle = load_joblib(path, expected_sha256=digest)
    assert (bundle["pipeline"].predict(X) == pipe.predict(X)).all()
    with open(path, "ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(ArtifactIntegrityError, match="changed"):
        load_joblib(path, expected_sha256=digest)


def test_skops_audit_refuses_untrusted_types_until_listed(tmp_path):
    from xgboost import XGBClassifier

    X, y = _numeric(n=200)
    pipe = _pipe(X, XGBClassifier(n_estimators=5, max_depth=2)).fit(X, y)
    path = export_skops(pipe, tmp_path / "model.skops")
    assert audit_skops(path) == ["xgboost.core.Booster", "xgboost.sklearn.XGBClassifier"]
    with pytest.raises(ArtifactIntegrityError, match="xgboost.sklearn.XGBClassifier"):
        import_skops(path)
    with pytest.raises(ArtifactIntegrityError, match="xgboost.core.Booster"):
        import_skops(path, trusted=["xgboost.sklearn.XGBClassifier"])
    model, untrusted = import_skops(path, trusted=["xgboost.core.Booster", "xgboost.sklearn.XGBClassifier"])
    assert "xgboost.sklearn.XGBClassifier" in untrusted
    assert (model.predict(X) == pipe.predict(X)).all()


def test_skops_plain_sklearn_needs_no_trust(tmp_path, mixed):
    pipe, X = mixed
    model, untrusted = import_skops(export_skops(pipe, tmp_path / "m.skops"))
    assert untrusted == []
    np.testing.assert_allclose(model.predict_proba(X), pipe.predict_proba(X))


def _check(report, min_agreement=1.0):
    assert report["label_agreement"] >= min_agreement, report
    return report


def test_onnx_parity_scaler_logistic(tmp_path):
    X, y = _numeric()
    pipe = _pipe(X, LogisticRegression(max_iter=1000)).fit(X, y)
    report = export_onnx(pipe, X, tmp_path / "m.onnx", task="classification")
    assert report["ok"] and report["warning"] is None
    assert report["label_agreement"] == 1.0 and report["max_proba_diff"] < 1e-3
    assert report["inputs"][0] == {"column": "mean_radius", "input": "mean_radius", "type": "float", "shape": [None, 1]}
    assert (tmp_path / "m.onnx").stat().st_size > 0


def test_onnx_random_forest_and_hist_gradient_boosting_behind_a_scaler(tmp_path):
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = _numeric()
    pipe = _pipe(X, RandomForestClassifier(n_estimators=30, random_state=0)).fit(X, y)
    report = export_onnx(pipe, X, tmp_path / "rf.onnx", task="classification")
    assert report["ok"] and report["label_agreement"] == 1.0 and report["max_proba_diff"] < 1e-3, report
    # skl2onnx 1.20 writes a boolean where onnx wants an int; the project passes the int on (issue 13)
    hgb = _pipe(X, HistGradientBoostingClassifier(max_iter=5)).fit(X, y)
    report = export_onnx(hgb, X, tmp_path / "hgb.onnx", task="classification")
    assert report["label_agreement"] >= 0.98 and report["max_proba_diff"] < 0.05, report


def test_onnx_parity_random_forest_with_text_labels(tmp_path):
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = ["sl", "sw", "pl", "pw"]
    y = y.map({0: "setosa", 1: "versicolor", 2: "virginica"})
    pipe = _pipe(X, RandomForestClassifier(n_estimators=15, random_state=0), scale=False).fit(X, y)
    report = export_onnx(pipe, X, tmp_path / "rf.onnx", task="classification")
    assert report["ok"], report
    assert report["label_agreement"] == 1.0 and report["max_proba_diff"] < 1e-3


def test_onnx_parity_xgboost(tmp_path):
    from xgboost import XGBClassifier

    X, y = _numeric()
    plain = _pipe(X, XGBClassifier(n_estimators=20, max_depth=3), scale=False).fit(X, y)
    report = export_onnx(plain, X, tmp_path / "xgb.onnx", task="classification")
    assert report["ok"] and report["label_agreement"] == 1.0 and report["max_proba_diff"] < 1e-3
    assert report["precision"] == "float"
    # a scaler in front of xgboost drifts in float32; the export falls back to a float64 graph
    scaled = _pipe(X, XGBClassifier(n_estimators=20, max_depth=3)).fit(X, y)
    report = export_onnx(scaled, X, tmp_path / "xgb_scaled.onnx", task="classification")
    assert report["label_agreement"] >= 0.99
    assert report["ok"] and report["precision"] == "double" and report["max_proba_diff"] < 1e-3
    assert {s["type"] for s in report["inputs"]} == {"double"}


def test_onnx_xgboost_regressor_behind_scaler(tmp_path):
    from xgboost import XGBRegressor

    X, y = _numeric(load_diabetes)
    pipe = _pipe(X, XGBRegressor(n_estimators=30, max_depth=3)).fit(X, y)
    report = export_onnx(pipe, X, tmp_path / "xgbr.onnx", task="regression")
    assert report["ok"], report
    assert report["max_abs_diff"] < 1e-2


def test_onnx_reports_disagreement_instead_of_hiding_it(tmp_path, monkeypatch):
    from xgboost import XGBClassifier

    from mlcore.deployment import onnx_export

    X, y = _numeric()
    pipe = _pipe(X, XGBClassifier(n_estimators=20, max_depth=3)).fit(X, y)
    monkeypatch.setattr(onnx_export, "_retry_in_double", lambda pipeline: False)  # no float64 retry
    report = export_onnx(pipe, X, tmp_path / "drift.onnx", task="classification")
    assert report["precision"] == "float"
    assert not report["ok"]  # float32 drift on these rows (0.0934 on one row here): it must be explained
    assert "StandardScaler before XGBClassifier" in report["warning"]
    assert report["max_proba_diff"] >= 1e-3 and report["label_agreement"] >= 0.99
    with pytest.raises(ConfigError, match="refused"):
        export_onnx(pipe, X, tmp_path / "strict.onnx", task="classification", strict=True)
    assert not (tmp_path / "strict.onnx").exists()


def test_onnx_parity_lightgbm(tmp_path):
    from lightgbm import LGBMClassifier

    X, y = _numeric()
    pipe = _pipe(X, LGBMClassifier(n_estimators=20, num_leaves=7, verbose=-1)).fit(X, y)
    report = export_onnx(pipe, X, tmp_path / "lgbm.onnx", task="classification")
    assert report["ok"] and report["label_agreement"] == 1.0 and report["max_proba_diff"] < 1e-3


def test_onnx_parity_onehot_text_column_and_string_inputs(tmp_path, mixed):
    import onnxruntime as ort

    pipe, X = mixed
    report = export_onnx(pipe, X, tmp_path / "mixed.onnx", task="classification")
    assert report["ok"] and report["label_agreement"] == 1.0
    assert [(s["column"], s["type"]) for s in report["inputs"]] == [("a", "float"), ("b", "int64"), ("city", "string")]
    session = ort.InferenceSession(str(tmp_path / "mixed.onnx"), providers=["CPUExecutionProvider"])
    label, _ = session.run(None, {"a": np.array([[2.0]], np.float32), "b": np.array([[1]], np.int64),
                                  "city": np.array([["Nice"]], object)})
    assert label[0] == "yes"
    meta = session.get_modelmeta().custom_metadata_map
    assert json.loads(meta["mlworkbench.classes"]) == ["no", "yes"]


def test_onnx_regression_reports_abs_diff(tmp_path):
    from lightgbm import LGBMRegressor

    X, y = _numeric(load_diabetes)
    pipe = _pipe(X, LGBMRegressor(n_estimators=20, verbose=-1)).fit(X, y)
    report = export_onnx(pipe, X, tmp_path / "reg.onnx", task="regression")
    assert report["ok"] and report["max_abs_diff"] < 1e-2 and report["label_agreement"] is None


def _project_frame(n=400):
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.integers(0, 10, n),
                      "city": rng.choice(["Lyon", "Paris", "Nice"], n), "member": rng.random(n) > 0.5,
                      "code": rng.choice([f"c{i}" for i in range(60)], n)})
    X.loc[rng.random(n) < 0.1, "a"] = np.nan
    X.loc[rng.random(n) < 0.1, "city"] = None
    y = np.where(X["a"].fillna(0) + (X["city"] == "Nice") > 0.4, "yes", "no")
    return X, y


@pytest.mark.parametrize("recipe_kw", [{}, {"encoding": "ordinal", "outlier_method": "iqr", "outlier_action": "clip",
                                            "feature_selection": "correlation", "n_features": 4}])
@pytest.mark.parametrize("algo", ["logistic", "lightgbm", "xgboost_wrapped"])
def test_onnx_parity_with_the_project_preprocessor(tmp_path, recipe_kw, algo):
    from lightgbm import LGBMClassifier
    from xgboost import XGBClassifier

    from mlcore.prep import PrepRecipe, build_preprocessor

    wrappers = pytest.importorskip("mlcore.models._wrappers")
    X, y = _project_frame()
    model = {"logistic": LogisticRegression(max_iter=1000),
             "lightgbm": LGBMClassifier(n_estimators=15, num_leaves=7, verbose=-1),
             "xgboost_wrapped": wrappers.LabelEncodedClassifier(XGBClassifier(n_estimators=15, max_depth=3))}[algo]
    pipe = Pipeline([("prep", build_preprocessor(PrepRecipe(**recipe_kw), X, "classification")),
                     ("model", model)]).fit(X, y)
    report = export_onnx(pipe, X, tmp_path / "p.onnx", task="classification")
    assert report["ok"], report
    assert report["label_agreement"] == 1.0 and report["max_proba_diff"] < 1e-3
    types = {s["column"]: s["type"] for s in report["inputs"]}
    assert types["city"] == "string" and types["b"] == "int64"


class _Doubler(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X) * 2


def test_onnx_refuses_unconvertible_step_naming_it(tmp_path):
    X, y = _numeric(n=100)
    pipe = Pipeline([("double", _Doubler()), ("model", LogisticRegression(max_iter=5000))]).fit(X / X.max(), y)
    with pytest.raises(ConfigError, match=r"step 'double' \(_Doubler\)"):
        export_onnx(pipe, X, tmp_path / "x.onnx", task="classification")
    with pytest.raises(ConfigError, match="regressor|classifier"):
        export_onnx(pipe, X, tmp_path / "x.onnx", task="regression")
    dated = X.assign(when=pd.Timestamp("2024-01-01"))
    with pytest.raises(ConfigError, match="'when'"):
        export_onnx(pipe, dated.drop(columns=list(X.columns)[1:]), tmp_path / "x.onnx", task="classification")


def test_model_card_lists_everything(mixed):
    pipe, X = mixed
    schema = build_schema(X.assign(target="x"), "target")
    card = model_card({
        "name": "churn", "version": "1.2.0", "task": "classification", "algorithm": "logistic_regression",
        "dataset_name": "customers.csv", "dataset_hash": "abc123", "training_samples": 400, "target": "churned",
        "metrics": {"accuracy": 0.91234, "f1": 0.8}, "hyperparameters": {"C": 1.0, "max_iter": 100},
        "input_schema": schema.to_dict(), "threshold": 0.4,
        "library_versions": {"scikit-learn": "1.9.1"},
    })
    assert card.startswith("# Model card: churn 1.2.0")
    for fragment in ("classification", "logistic_regression", "customers.csv", "abc123", "| accuracy | 0.9123 |",
                     "| C | 1.0 |", "| city | text | no | ", "Decision threshold: 0.4", "scikit-learn",
                     "## Intended use and limitations", "churned"):
        assert fragment in card, fragment
    registry_style = model_card({"name": "m", "version": "1.0.0", "task_type": "regression", "target_name": "price"})
    assert "| Task | regression |" in registry_style and "| Target | price |" in registry_style
    assert "No metrics recorded." in registry_style
    city_row = next(line for line in card.splitlines() if line.startswith("| city |"))
    assert {"Lyon", "Paris", "Nice"} <= set(city_row.replace(",", " ").split())


def test_onnx_wrapper_with_integer_labels_behind_a_bare_scaler(tmp_path):
    from xgboost import XGBClassifier

    wrappers = pytest.importorskip("mlcore.models._wrappers")
    X, y = _numeric(n=300)
    X = X.iloc[:, :8]
    labels = np.where(y == 1, 7, 3)
    pipe = Pipeline([("scale", StandardScaler()),
                     ("model", wrappers.LabelEncodedClassifier(XGBClassifier(n_estimators=10)))]).fit(X, labels)
    report = export_onnx(pipe, X, tmp_path / "w.onnx", task="classification")
    assert report["ok"] and report["label_agreement"] == 1.0, report
    if report["precision"] == "double":  # no ColumnTransformer: one float64 matrix input
        assert report["inputs"] == [{"columns": list(X.columns), "input": "features", "type": "double",
                                     "shape": [None, 8]}]


@pytest.mark.slow
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_onnx_parity_for_every_catalog_algorithm(tmp_path, task):
    from mlcore.models import list_algorithms
    from mlcore.prep import PrepRecipe, build_preprocessor

    X, y = _project_frame(300)
    target = y if task == "classification" else X["b"] * 2.0 + np.random.default_rng(0).normal(size=len(X))
    failures, refused = {}, {}
    for spec in list_algorithms(task):
        pipe = Pipeline([("prep", build_preprocessor(PrepRecipe(), X, task)), ("model", spec.build(seed=0))])
        pipe.fit(X, target)
        try:
            report = export_onnx(pipe, X, tmp_path / f"{spec.name}.onnx", task=task)
        except ConfigError as exc:
            refused[spec.name] = str(exc)
            continue
        if not report["ok"]:
            failures[spec.name] = report["warning"]
    assert not refused, refused
    # k-nearest neighbours: rows with equidistant k-th neighbours (imputed duplicates here) are broken
    # differently by onnxruntime's TopK; the report flags it, which is what matters
    assert set(failures) <= {"knn"}, failures
    assert all("differ" in w or "disagree" in w for w in failures.values())


def test_model_card_keeps_facts_out_of_the_metrics_table_and_shows_the_kept_iteration():
    card = model_card({
        "name": "churn", "version": "1.0.0", "task_type": "classification", "dataset_id": "7c3d36db-uuid",
        "dataset_name": "telco.csv", "threshold": 0.35234234234234234,
        "metrics": {"accuracy": 0.7913, "positive_label": "Yes", "n_rows": 1409.0, "labels": ["No", "Yes"]},
        "hyperparameters": {"n_estimators": 500, "learning_rate": 0.1}, "training_summary": {"best_iteration": 61},
    })
    metrics_table = card.split("## Metrics")[1].split("##")[0]
    assert "positive_label" not in metrics_table and "n_rows" not in metrics_table
    assert "| Test rows | 1409 |" in card and "| Dataset | telco.csv (7c3d36db-uuid) |" in card
    assert "| n_estimators | 500 (early stopping kept 61 iterations) |" in card
    assert card.count("0.3523") == 1 and "0.35234234" not in card
    assert "`Yes` is predicted" in card
