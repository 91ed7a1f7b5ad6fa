"""Text report and the self-contained HTML report."""

import base64
import re

import pytest

from mlcore.evaluation import (
    evaluate_pipeline,
    feature_importance,
    prediction_examples,
    text_report,
    worst_predictions,
    write_html_report,
)
from mlcore.evaluation._figures import available_figure_kinds
from mlcore.evaluation._report import SECTIONS


def test_text_report_has_metrics_intervals_confusion_and_per_class(multiclass_case):
    pipe, X, y = multiclass_case
    r = evaluate_pipeline(pipe, X, y, "classification", n_boot=100)
    text = text_report(r)
    assert "95% CI" in text and "Accuracy" in text and "F1 (macro)" in text
    lo, hi = r.intervals["accuracy"]
    assert f"[{lo:.4f}, {hi:.4f}]" in text
    assert "Confusion matrix" in text and "Per-class report" in text
    for cls in ("setosa", "versicolor", "virginica"):
        assert cls in text


def test_text_report_regression_mentions_mape_note():
    from mlcore.evaluation import evaluate_predictions

    r = evaluate_predictions("regression", [0.0, 2.0, 4.0, 5.0], [1.0, 1.0, 5.0, 5.0], n_boot=50)
    text = text_report(r)
    assert "RMSE" in text and "MAPE" in text and "target 0 excluded" in text
    assert "Confusion" not in text


@pytest.mark.parametrize("case", ["binary_case", "regression_case"])
def test_html_report_has_every_section_and_one_img_per_figure(request, tmp_path, history, case):
    pipe, X, y = request.getfixturevalue(case)
    task = "regression" if case == "regression_case" else "classification"
    X = X.copy()
    X["<i>evil</i>"] = "<script>alert('x')</script>"  # user-controlled names and values
    r = evaluate_pipeline(pipe, X.iloc[:, :-1], y, task, n_boot=50)
    imp = feature_importance(pipe)
    worst = worst_predictions(X, r.y_true, r.y_pred, r.proba, r.classes, task, n=10)
    examples = prediction_examples(X, r.y_true, r.y_pred, n=3, task=task)
    path = write_html_report(r, tmp_path / "rep" / "report.html", title="Report <b>1</b>", history=history,
                             importance=imp, worst=worst, examples=examples,
                             meta={"model": "m & <co>", "dataset": "d.csv"})
    html = path.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f"<h2>{section}</h2>" in html
    kinds = available_figure_kinds(r, history=history, importance=imp)
    imgs = re.findall(r"<img alt='[^']*' src='data:image/png;base64,([A-Za-z0-9+/=]+)'>", html)
    assert len(imgs) == len(kinds) == html.count("<img")
    assert all(base64.b64decode(b).startswith(b"\x89PNG") for b in imgs)
    assert "<script>" not in html and "<i>evil</i>" not in html
    assert "&lt;script&gt;" in html and "&lt;i&gt;evil&lt;/i&gt;" in html
    assert "Report &lt;b&gt;1&lt;/b&gt;" in html and "m &amp; &lt;co&gt;" in html
    first = list(r.intervals)[0]
    assert "95% CI" in html and f"{r.intervals[first][0]:.4f}" in html
    if task == "classification":
        assert "could not be drawn" not in html and "malignant" in html


def test_report_support_is_a_count_threshold_once_and_a_collapsed_interval_explained(tmp_path):
    from mlcore.evaluation import evaluate_predictions
    from mlcore.evaluation._report import metric_rows, wilson_interval

    y = ["a", "b"] * 15
    proba = [[0.9, 0.1] if v == "a" else [0.2, 0.8] for v in y]
    r = evaluate_predictions("classification", y, y, proba=proba, classes=["a", "b"], n_boot=50)
    assert r.intervals["accuracy"][0] == r.intervals["accuracy"][1] == 1.0  # every resample is perfect
    rows = {name: ci for name, _, _, ci in metric_rows(r)}
    lo, hi = wilson_interval(30, 30)
    assert 0.85 < lo < 0.9 and hi == 1.0
    assert rows["accuracy"] == f"[{lo:.4f}, 1.0000] (Wilson)"
    assert rows["f1_macro"].endswith("(collapsed)")
    path = write_html_report(r, tmp_path / "r.html", meta={"dataset": "telco.csv", "decision threshold": 0.35234234234234234})
    html = path.read_text(encoding="utf-8")
    assert "not certainty" in html
    assert ">15<" in html and "15.0000" not in html  # support per class
    assert html.count("0.3523") == 1 and "0.352342" not in html
    assert "<td>threshold</td>" not in html
