"""PagesModel: the preview reads the first page only, and pages the rest in as the view scrolls."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from desktop.widgets.pages_model import LOADING, PagesModel
from mlcore.data import ParquetPages

ROWS = 300_000


@pytest.fixture(scope="module")
def parquet_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("pages") / "d.parquet"
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "i": np.arange(ROWS),
        "x": np.where(np.arange(ROWS) % 7 == 0, np.nan, rng.normal(size=ROWS)),
        "s": pd.Series([f"row{k}" for k in range(ROWS)], dtype="str"),
    })
    frame.to_parquet(path, index=False, row_group_size=65_536)
    return path, frame


@pytest.fixture
def model(qtbot):
    model = PagesModel()
    yield model
    model.shutdown()


def test_opening_reads_the_first_page_only_and_scrolling_to_the_end_reads_the_last(qtbot, model, parquet_file):
    path, frame = parquet_file
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(600, 300)
    view.show()
    with qtbot.waitSignal(model.sig_opened, timeout=10000):
        model.open(lambda: ParquetPages(path))
    assert model.rowCount() == ROWS and model.columnCount() == 3
    assert model.headerData(2, Qt.Orientation.Horizontal) == "s"
    qtbot.wait(50)  # the view paints its first screenful
    assert model.pages_received == [0]
    assert model.data(model.index(3, 2)) == "row3"
    assert model.data(model.index(7, 1)) == "NaN" and model.data(model.index(7, 1), Qt.ItemDataRole.ForegroundRole)

    last_page = ParquetPages(path).page_count - 1
    with qtbot.waitSignal(model.sig_page_loaded, timeout=10000) as loaded:
        view.scrollToBottom()
        qtbot.wait(1)
    assert loaded.args == [last_page] and model.pages_received == [0, last_page]
    end = ROWS - 1
    assert model.data(model.index(end, 0)) == str(end)
    assert model.data(model.index(end, 2)) == f"row{end}"
    assert model.data(model.index(end - 5, 1)) == f"{frame['x'].iloc[end - 5]:.6g}"


def test_a_missing_page_shows_loading_then_its_value_and_old_pages_are_evicted(qtbot, model, parquet_file):
    path, frame = parquet_file
    model.max_pages = 2
    with qtbot.waitSignal(model.sig_opened, timeout=10000):
        model.open(lambda: ParquetPages(path))
    row = 150_000
    with qtbot.waitSignal(model.sig_page_loaded, timeout=10000):
        assert model.data(model.index(row, 2)) == LOADING
    assert model.data(model.index(row, 2)) == f"row{row}"
    with qtbot.waitSignal(model.sig_page_loaded, timeout=10000):
        model.data(model.index(ROWS - 1, 0))
    assert not model.is_loaded(0) and model.is_loaded(row) and model.is_loaded(ROWS - 1)  # LRU of 2 pages
    with qtbot.waitSignal(model.sig_page_loaded, timeout=10000):
        assert model.data(model.index(1, 0)) == LOADING
    assert model.value(1, 0) == 1


def test_a_newer_open_wins_and_a_broken_file_is_reported(qtbot, model, parquet_file, tmp_path):
    path, _ = parquet_file
    small = tmp_path / "small.parquet"
    pd.DataFrame({"a": [1, 2, 3]}).to_parquet(small, index=False)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 nope")
    with qtbot.waitSignal(model.sig_failed, timeout=10000) as failed:
        model.open(lambda: ParquetPages(broken))
    assert "broken.parquet" in str(failed.args[0])
    model.open(lambda: ParquetPages(path))
    with qtbot.waitSignal(model.sig_opened, timeout=10000):
        model.open(lambda: ParquetPages(small))
    qtbot.wait(100)  # the first open's answer, if any, is stale and ignored
    assert model.rowCount() == 3 and model.data(model.index(2, 0)) == "3"
    with qtbot.waitSignal(model.sig_sample, timeout=10000) as sample:
        model.request_sample(10)
    assert sample.args[0]["a"].tolist() == [1, 2, 3]
