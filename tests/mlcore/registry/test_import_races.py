"""Importing the same file at once from several threads or processes stores it once."""

import multiprocessing as mp
import threading

import numpy as np
import pandas as pd

from mlcore.workspace import Workspace
import pytest

pytestmark = pytest.mark.usefixtures("on_each_db")  # SQLite and PostgreSQL


def _table(path):
    rng = np.random.default_rng(3)
    pd.DataFrame({"a": rng.normal(size=3000), "b": rng.choice(["x", "y"], 3000),
                  "y": rng.integers(0, 2, 3000)}).to_csv(path, index=False)


def test_four_threads_importing_one_file_make_one_dataset(workspace, tmp_path):
    _table(tmp_path / "t.csv")
    ids, errors = [], []
    barrier = threading.Barrier(4)

    def work():
        barrier.wait()
        try:
            ids.append(workspace.import_dataset(tmp_path / "t.csv", target="y").id)
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert len(set(ids)) == 1 and len(workspace.list_datasets()) == 1
    assert [p.name for p in (workspace.home / "datasets").iterdir()] == [f"{ids[0]}.parquet"]


def _import(home, path, barrier):
    ws = Workspace(home)
    barrier.wait()
    ws.import_dataset(path)
    ws.close()


def test_three_processes_importing_one_file_make_one_dataset(home, tmp_path):
    _table(tmp_path / "t.csv")
    Workspace(home).close()
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(3)
    procs = [ctx.Process(target=_import, args=(str(home), str(tmp_path / "t.csv"), barrier)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    with Workspace(home) as ws:
        assert len(ws.list_datasets()) == 1
