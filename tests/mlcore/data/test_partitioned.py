"""Partitioned import: a file streamed into Parquet parts with bounded memory, registered as one dataset."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mlcore.data import stream_to_parts
from mlcore.errors import DataImportError, DataTooLargeError


def _frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.random(n), "b": rng.integers(0, 5, n),
                         "c": rng.choice(np.array(["x", "y", None], dtype=object), n), "y": rng.integers(0, 2, n)})


def test_parts_hold_every_row_once_in_order(tmp_path):
    frame = _frame(2500)
    frame.to_csv(tmp_path / "f.csv", index=False)
    table = stream_to_parts(tmp_path / "f.csv", tmp_path / "parts", chunk_rows=1000, block_bytes=16 << 10)
    assert [pq.ParquetFile(p).metadata.num_rows for p in table.parts] == [1000, 1000, 500]
    back = pd.concat([pd.read_parquet(p) for p in table.parts], ignore_index=True)
    np.testing.assert_allclose(back["a"], frame["a"])
    assert back["c"].isna().sum() == frame["c"].isna().sum() == table.missing_values["c"]
    assert table.rows == 2500 and table.dtypes["b"] == "int64" and table.dtypes["c"] == "str"


def test_memory_stays_bounded_by_the_block_not_the_file(tmp_path):
    _frame(400_000).to_csv(tmp_path / "big.csv", index=False)  # ~10 MB of text, ~11 MB in memory
    pool = pa.proxy_memory_pool(pa.default_memory_pool())
    table = stream_to_parts(tmp_path / "big.csv", tmp_path / "parts", chunk_rows=50_000, block_bytes=256 << 10,
                            memory_pool=pool)
    assert table.rows == 400_000 and len(table.parts) == 8
    assert pool.max_memory() < table.memory_bytes / 3, (pool.max_memory(), table.memory_bytes)


def test_a_late_value_of_another_type_names_the_file(tmp_path):
    rows = ["a,b"] + [f"{i},{i}" for i in range(5000)] + ["oops,1"]
    (tmp_path / "bad.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(DataImportError, match="bad.csv.*column"):
        stream_to_parts(tmp_path / "bad.csv", tmp_path / "parts", chunk_rows=1000, block_bytes=4 << 10)


def test_the_content_hash_ignores_the_file_name_but_not_the_chunking(tmp_path):
    _frame(3000).to_csv(tmp_path / "one.csv", index=False)
    _frame(3000).to_csv(tmp_path / "two.csv", index=False)
    h1 = stream_to_parts(tmp_path / "one.csv", tmp_path / "p1", chunk_rows=1000).content_hash
    h2 = stream_to_parts(tmp_path / "two.csv", tmp_path / "p2", chunk_rows=1000).content_hash
    h3 = stream_to_parts(tmp_path / "two.csv", tmp_path / "p3", chunk_rows=700).content_hash
    assert h1 == h2 != h3


def test_workspace_registers_reuses_and_deletes_a_partitioned_dataset(workspace, tmp_path):
    _frame(3000).to_csv(tmp_path / "f.csv", index=False)
    info = workspace.import_dataset(tmp_path / "f.csv", target="y", chunk_rows=1000)
    assert info.rows == 3000 and info.import_info["partitioned"] and info.import_info["partitions"] == 3
    assert info.profile["partitioned"] and info.column_names == ["a", "b", "c", "y"]
    assert len(workspace.datasets.partition_paths(info.id)) == 3
    assert workspace.import_dataset(tmp_path / "f.csv", chunk_rows=1000).id == info.id
    assert len(workspace.load_frame(info.id)) == 3000  # small enough: loads like any dataset
    folder = workspace.home / info.file_path
    workspace.delete_dataset(info.id)
    assert not folder.exists()
    assert not list((workspace.home / "datasets").iterdir())


def test_a_partitioned_dataset_too_big_for_memory_is_refused_by_name(workspace, tmp_path, monkeypatch):
    import psutil

    _frame(2000).to_csv(tmp_path / "f.csv", index=False)
    info = workspace.import_dataset(tmp_path / "f.csv", name="clicks", target="y", chunk_rows=500)
    real = psutil.virtual_memory()
    monkeypatch.setattr(psutil, "virtual_memory", lambda: real._replace(available=10_000))
    with pytest.raises(DataTooLargeError, match="'clicks' is partitioned.*--dask"):
        workspace.load_frame(info.id)
    with pytest.raises(DataTooLargeError):
        workspace.train({"dataset_id": info.id, "algorithm": "lightgbm"})


def test_a_parquet_source_is_read_one_row_group_at_a_time(tmp_path):
    from mlcore.data.partitioned import _batches

    rng = np.random.default_rng(1)
    writer = None
    for _ in range(24):  # 24 row groups of ~4.4 MB each in memory
        table = pa.table({f"x{i}": rng.random(50_000) for i in range(11)})
        writer = writer or pq.ParquetWriter(tmp_path / "src.parquet", table.schema)
        writer.write_table(table)
    writer.close()
    base = pa.total_allocated_bytes()
    held = 0
    for batch in _batches(tmp_path / "src.parquet", "parquet", None, 1 << 20, None):
        held = max(held, pa.total_allocated_bytes() - base)
        del batch
    assert held < 24 * 50_000 * 11 * 8 / 3, held  # not the whole file at once (pre_buffer reads it all)
