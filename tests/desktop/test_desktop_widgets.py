"""Widgets on their own: the lazy table model, the hyperparameter form, live curves."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QHeaderView, QSpinBox, QTableView

from desktop.plots import LivePlot
from desktop.tabs.training.param_form import ParamForm
from desktop.widgets.frame_model import DataFrameModel


def test_ten_million_rows_open_and_scroll(qtbot):
    n = 10_000_000
    frame = pd.DataFrame({"x": np.arange(n, dtype=np.float64) / 7, "k": np.arange(n, dtype=np.int64)})
    model = DataFrameModel()
    view = QTableView()
    qtbot.addWidget(view)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.setModel(model)
    view.resize(600, 400)
    view.show()
    t0 = time.perf_counter()
    model.set_frame(frame)
    view.scrollToBottom()
    qtbot.wait(10)
    view.scrollToTop()
    view.verticalScrollBar().setValue(n // 2)
    qtbot.wait(10)
    elapsed = time.perf_counter() - t0
    assert model.rowCount() == n
    assert model.data(model.index(n - 1, 1)) == str(n - 1)
    assert model.data(model.index(n - 1, 0)) == f"{(n - 1) / 7:.6g}"
    assert elapsed < 2.0
    assert len(model._blocks) < 50  # only what was looked at was read


def test_missing_values_are_shown_and_greyed(qtbot):
    model = DataFrameModel(pd.DataFrame({"a": [1.5, np.nan], "s": pd.array(["x", None], dtype="str")}))
    assert model.data(model.index(1, 0)) == "NaN"
    assert model.data(model.index(1, 1)) == "NaN"
    assert model.data(model.index(1, 0), Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(model.index(0, 1)) == "x"
    model.set_highlight_column("s")
    assert model.headerData(1, Qt.Orientation.Horizontal) == "s (target)"


@dataclass
class Spec:
    name: str
    kind: str
    default: object
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple | None = None
    help: str = ""
    nullable: bool = False


def test_param_form_builds_typed_editors_from_specs(qtbot):
    form = ParamForm()
    qtbot.addWidget(form)
    form.set_specs([
        Spec("n_estimators", "int", 200, 10, 2000, True, help="Number of trees."),
        Spec("max_depth", "int", None, 1, 100, nullable=True, help="Depth; empty = unlimited."),
        Spec("learning_rate", "float", 0.1, 0.001, 1.0, True, help="Shrinkage."),
        Spec("criterion", "choice", "gini", choices=("gini", "entropy")),
        Spec("bootstrap", "bool", True),
    ])
    ne, md, lr, cr, bs = (form.editors[k] for k in ("n_estimators", "max_depth", "learning_rate", "criterion", "bootstrap"))
    assert isinstance(ne, QSpinBox) and (ne.minimum(), ne.maximum(), ne.value()) == (10, 2000, 200)
    assert "Number of trees." in ne.toolTip() and "10" in ne.toolTip()
    assert isinstance(lr, QDoubleSpinBox) and lr.minimum() == 0.001 and lr.decimals() >= 3
    assert isinstance(cr, QComboBox) and isinstance(bs, QCheckBox)
    assert form.values() == {"n_estimators": 200, "max_depth": None, "learning_rate": 0.1,
                             "criterion": "gini", "bootstrap": True}
    form.set_values({"max_depth": 7, "criterion": "entropy", "bootstrap": False, "n_estimators": 5000})
    values = form.values()
    assert values["max_depth"] == 7 and values["criterion"] == "entropy" and values["bootstrap"] is False
    assert values["n_estimators"] == 2000  # clamped to the spec's range
    form.reset()
    assert form.values()["max_depth"] is None


def test_live_curve_grows_by_doubling_and_redraws_only_when_dirty(qtbot):
    plot = LivePlot("t", "loss")
    qtbot.addWidget(plot)
    for i in range(5000):
        plot.add_point("train", i, 1.0 / (i + 1))
    curve = plot.curves["train"]
    x, y = curve.data()
    assert len(curve) == 5000 and x[-1] == 4999 and y[0] == 1.0
    assert len(curve._x) == 8192
    assert curve.dirty
    plot.redraw_if_dirty()
    count = plot.redraw_count
    plot.redraw_if_dirty()
    assert plot.redraw_count == count and not curve.dirty
    assert len(curve.item.xData) == 5000
    plot.stop()


def test_profile_of_a_big_column_samples_instead_of_scanning(qtbot):
    from types import SimpleNamespace

    from desktop.tabs.datasets.profile import HISTOGRAM_SAMPLE, ColumnProfile

    n = 3_000_000
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=n), "c": pd.Series(rng.choice(["a", "b", "c"], n), dtype="str")})
    info = SimpleNamespace(rows=n, column_names=["x", "c"], dtypes={"x": "float64", "c": "str"},
                           missing_values={"x": 0, "c": 0}, target_column="c",
                           profile={"numeric_stats": {"x": {"count": n, "mean": 0.0}},
                                    "categorical_stats": {"c": {"cardinality": 3, "top_values": [["a", 1]]}}})
    profile = ColumnProfile()
    qtbot.addWidget(profile)
    t0 = time.perf_counter()
    profile.show_dataset(info, frame)
    profile.select_column("c")
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0
    assert sum(profile.chart.values) == HISTOGRAM_SAMPLE and len(profile.chart.values) == 3
    profile.select_column("x")
    assert sum(profile.chart.values) == HISTOGRAM_SAMPLE
    assert "sample of" in profile.chart.getPlotItem().titleLabel.text


def test_bar_chart_with_error_bars_and_scatter_curves(qtbot):
    from desktop.plots import BarChart

    chart = BarChart()
    qtbot.addWidget(chart)
    chart.set_bars(["a", "b"], [0.9, 0.8], errors=[0.02, 0.05])
    assert chart.values == [0.9, 0.8] and chart._errors is not None
    chart.set_bars(["a"], [0.5])
    assert chart._errors is None
    plot = LivePlot("trials", "score")
    qtbot.addWidget(plot)
    plot.curve("trial", points=True)
    plot.add_points("trial", [0, 1, 2], [0.5, 0.7, 0.6])
    plot.redraw_if_dirty()
    item = plot.curves["trial"].item
    assert item.opts["symbol"] == "o" and item.opts["pen"] is None
    assert list(item.yData) == [0.5, 0.7, 0.6]
    plot.stop()


def test_metric_axes_show_values_without_si_prefixes(qtbot):
    plot = LivePlot("t", "log_loss")
    qtbot.addWidget(plot)
    plot.add_points("validation log_loss", list(range(50)), [0.35 + 0.004 * i for i in range(50)])
    plot.redraw_if_dirty()
    plot.getPlotItem().getViewBox().updateAutoRange()
    qtbot.wait(50)
    left = plot.getAxis("left")
    assert 0.3 < left.range[0] < 0.6
    assert left.autoSIPrefixScale == 1.0 and "x0.001" not in left.labelString()
    plot.stop()
