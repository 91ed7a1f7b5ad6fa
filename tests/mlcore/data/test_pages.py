"""ParquetPages: rows by position a page at a time, from files with small or one huge row group."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from mlcore.data import ROW_GROUP_ROWS, ParquetPages
from mlcore.errors import DataImportError


def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "i": np.arange(n),
        "x": rng.normal(size=n),
        "s": pd.Series([f"r{k}" for k in range(n)], dtype="str"),
        "c": pd.Categorical(rng.choice(["a", "b"], n)),
    })


@pytest.mark.parametrize("row_group_size", [1000, 10_000_000])  # many groups; one huge legacy group
def test_pages_cover_every_row_once_with_the_stored_types(tmp_path, row_group_size):
    frame = _frame(5000)
    path = tmp_path / "d.parquet"
    frame.to_parquet(path, index=False, row_group_size=row_group_size)
    pages = ParquetPages(path, page_rows=700)
    assert pages.rows == 5000 and pages.columns == ["i", "x", "s", "c"]
    seen = []
    for p in range(pages.page_count):
        start, end = pages.page_span(p)
        page = pages.read_page(p)
        assert len(page) == end - start <= 700
        assert page["i"].tolist() == list(range(start, end))
        seen.extend(page["i"])
    assert seen == list(range(5000))
    last = pages.read_page(pages.page_of(4999))
    assert last["s"].iloc[-1] == "r4999" and last["x"].iloc[-1] == frame["x"].iloc[-1]
    assert last.dtypes.to_dict() == pd.read_parquet(path).dtypes.to_dict()
    with pytest.raises(IndexError, match="row 5000"):
        pages.page_of(5000)
    pages.close()


def test_sample_draws_rows_from_groups_spread_over_the_file(tmp_path):
    path = tmp_path / "d.parquet"
    _frame(100_000).to_parquet(path, index=False, row_group_size=1000)
    pages = ParquetPages(path)
    sample = pages.sample(5000)
    assert len(sample) == 5000 and sample["i"].is_unique
    assert sample["i"].min() < 1000 and sample["i"].max() >= 99_000  # first and last group
    small = ParquetPages(path).sample(200_000)
    assert small["i"].tolist() == list(range(100_000))  # no more rows than asked: the whole file


def test_import_writes_row_groups_of_bounded_size(workspace, tmp_path):
    n = ROW_GROUP_ROWS * 2 + 10
    path = tmp_path / "big.parquet"
    _frame(n).to_parquet(path, index=False)  # pyarrow's default: one group of every row
    assert pq.ParquetFile(path).metadata.num_row_groups == 1
    info = workspace.import_dataset(path)
    stored = pq.ParquetFile(workspace.home / info.file_path).metadata
    assert [stored.row_group(g).num_rows for g in range(stored.num_row_groups)] == [ROW_GROUP_ROWS, ROW_GROUP_ROWS, 10]
    pages = workspace.open_pages(info.id)
    assert pages.rows == n and pages.read_page(pages.page_count - 1)["i"].tolist() == list(range(n - 10, n))


def test_a_broken_file_is_named(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(DataImportError, match="broken.parquet"):
        ParquetPages(path)
