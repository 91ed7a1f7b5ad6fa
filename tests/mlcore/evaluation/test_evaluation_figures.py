"""Every figure kind renders to a non-empty PNG for binary, multiclass and regression."""

import sys
import threading

import pytest

from mlcore.errors import ConfigError
from mlcore.evaluation import (
    FIGURE_KINDS,
    available_figure_kinds,
    evaluate_pipeline,
    feature_importance,
    make_figure,
    save_figure,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def results(binary_case, multiclass_case, regression_case):
    out = {}
    for name, (pipe, X, y), task in (
        ("binary", binary_case, "classification"),
        ("multiclass", multiclass_case, "classification"),
        ("regression", regression_case, "regression"),
    ):
        out[name] = (evaluate_pipeline(pipe, X, y, task, n_boot=50), feature_importance(pipe, X, y))
    return out


@pytest.mark.parametrize(
    "case,kind",
    [(c, k) for c in ("binary", "multiclass", "regression") for k in FIGURE_KINDS[c]],
)
def test_every_figure_kind_renders_a_png(results, history, tmp_path, case, kind):
    result, importance = results[case]
    assert result.kind == case
    fig = make_figure(kind, result, history=history, importance=importance)
    assert fig.axes, "figure has no axes"
    path = save_figure(fig, tmp_path / f"{case}_{kind}")
    assert path.suffix == ".png"
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 5000


def test_figures_do_not_touch_pyplot_state(results):
    result, _ = results["binary"]
    make_figure("roc", result)
    plt = sys.modules.get("matplotlib.pyplot")
    assert plt is None or plt.get_fignums() == []


def test_multiclass_roc_has_one_curve_per_class(results):
    result, _ = results["multiclass"]
    ax = make_figure("roc", result).axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    for cls in ("setosa", "versicolor", "virginica"):
        assert any(label.startswith(cls) for label in labels)


def test_loss_curves_draw_metric_on_twin_axis_and_learning_curve(history):
    from mlcore.evaluation._figures import loss_curves_figure

    fig = loss_curves_figure(history)
    titles = [ax.get_title() for ax in fig.axes]
    assert "Training curves" in titles and "Learning curve" in titles
    assert len(fig.axes) == 3  # iterations axis + its twin, learning-curve axis
    xlabels = {ax.get_xlabel() for ax in fig.axes}
    assert "training examples" in xlabels
    with pytest.raises(ConfigError):
        loss_curves_figure([])


def test_figure_in_worker_thread(results, tmp_path):
    result, _ = results["regression"]
    errors = []

    def work():
        try:
            save_figure(make_figure("residuals", result), tmp_path / "r.png")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=work)
    t.start()
    t.join(60)
    assert not errors and (tmp_path / "r.png").stat().st_size > 5000


def test_unavailable_kinds(results, history):
    result, importance = results["regression"]
    with pytest.raises(ConfigError, match="not available"):
        make_figure("roc", result)
    with pytest.raises(ConfigError, match="history"):
        make_figure("loss_curves", result)
    assert available_figure_kinds(result) == ["residuals", "predicted_vs_actual"]
    assert available_figure_kinds(result, history=history, importance=importance) == FIGURE_KINDS["regression"]


def test_learning_curve_records_from_the_training_engine_use_train_size():
    """mlcore.training records learning-curve points with a point index and a train_size."""
    from mlcore.evaluation._figures import loss_curves_figure

    recs = [
        {"iteration": i, "train_loss": 0.2, "val_loss": 0.6 - 0.1 * i, "train_metric": 0.95,
         "val_metric": 0.7 + 0.05 * i, "metric_name": "accuracy", "elapsed": 0.1, "train_size": size}
        for i, size in enumerate((30, 60, 120), start=1)
    ]
    fig = loss_curves_figure(recs)
    ax = fig.axes[0]
    assert ax.get_title() == "Learning curve" and ax.get_xlabel() == "training examples"
    assert list(ax.get_lines()[0].get_xdata()) == [30, 60, 120]
    labels = {ln.get_label() for a in fig.axes for ln in a.get_lines()}
    assert {"train loss", "val loss", "train accuracy", "val accuracy"} <= labels


def test_curves_are_refused_when_only_one_class_occurs():
    from mlcore.evaluation import evaluate_predictions

    r = evaluate_predictions("classification", [1, 1, 1], [1, 0, 1], [[0.2, 0.8], [0.6, 0.4], [0.1, 0.9]],
                             classes=[0, 1], n_boot=20)
    assert available_figure_kinds(r) == ["confusion_matrix", "confusion_matrix_normalized"]
    with pytest.raises(ConfigError, match="only one occurs"):
        make_figure("roc", r)
