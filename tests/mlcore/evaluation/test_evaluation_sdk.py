"""The seed SDK's ModelEvaluator calls, as in the seed's examples."""

import numpy as np
import pytest

from mlcore.errors import ConfigError
from mlcore.evaluation import ModelEvaluator


@pytest.fixture(scope="module")
def seed_model():
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split

    X, y = load_breast_cancer(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    return RandomForestClassifier(n_estimators=30, random_state=0).fit(Xtr, ytr), Xte, yte


def test_seed_classification_example(seed_model, tmp_path):
    model, X_test, y_test = seed_model
    evaluator = ModelEvaluator(task_type="classification")
    y_pred = model.predict(X_test)
    y_pred_proba = model.predict_proba(X_test)
    eval_results = evaluator.evaluate(y_test, y_pred, y_pred_proba)
    assert eval_results["accuracy"] == pytest.approx(np.mean(y_pred == y_test))
    lo, hi = eval_results["confidence_intervals"]["accuracy"]
    assert lo <= eval_results["accuracy"] <= hi
    report = evaluator.generate_evaluation_report()
    assert "Accuracy" in report and "Confusion matrix" in report
    cm = evaluator.plot_confusion_matrix(y_test, y_pred, save_path=tmp_path / "confusion_matrix.png")
    roc = evaluator.plot_roc_curve(y_test, y_pred_proba[:, 1], save_path=tmp_path / "roc_curve.png")
    evaluator.plot_roc_curve(y_test, y_pred_proba, save_path=tmp_path / "roc2.png")
    evaluator.plot_precision_recall_curve(y_test, y_pred_proba[:, 1], save_path=tmp_path / "pr.png")
    evaluator.plot_confusion_matrix(y_test, y_pred, save_path=tmp_path / "cmn.png", normalize=True)
    evaluator.plot_feature_importance(model, feature_names=[f"f{i}" for i in range(30)],
                                      save_path=tmp_path / "fi.png")
    assert cm.axes and roc.axes
    for name in ("confusion_matrix", "roc_curve", "roc2", "pr", "cmn", "fi"):
        assert (tmp_path / f"{name}.png").stat().st_size > 5000
    assert evaluator.importance["feature"].iloc[0].startswith("f")
    assert evaluator.importance["source"].iloc[0] == "native"


def test_seed_regression_example(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.normal(50, 10, 200)
    pred = y + rng.normal(0, 3, 200)
    evaluator = ModelEvaluator(task_type="regression")
    res = evaluator.evaluate(y, pred)
    assert set(res["confidence_intervals"]) >= {"r2", "rmse", "mae"}
    assert res["rmse"] == pytest.approx(np.sqrt(np.mean((pred - y) ** 2)))
    assert "R²" in evaluator.generate_evaluation_report()
    evaluator.plot_residuals(y, pred, save_path=tmp_path / "res.png")
    assert (tmp_path / "res.png").stat().st_size > 5000


def test_report_before_evaluate_and_ambiguous_proba():
    with pytest.raises(ConfigError, match="evaluate"):
        ModelEvaluator().generate_evaluation_report()
    with pytest.raises(ConfigError, match="classes"):
        ModelEvaluator().evaluate([0, 1, 1], [0, 1, 1], np.full((3, 3), 1 / 3))
    with pytest.raises(ConfigError):
        ModelEvaluator(task_type="ranking")


def test_importing_the_package_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, mlcore.evaluation as ev; "
        "heavy = [m for m in ('sklearn', 'matplotlib', 'seaborn', 'PySide6') if m in sys.modules]; "
        "assert not heavy, heavy; assert 'ModelEvaluator' in dir(ev)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
