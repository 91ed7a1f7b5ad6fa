"""The task of a dataset's target is read once and shared by the views that ask at the same time."""

from __future__ import annotations

import threading

import pandas as pd

from desktop.task_cache import TaskCache
from mlcore.workspace import Workspace


def test_concurrent_views_share_one_detection_and_a_new_version_is_detected_again(tmp_path, monkeypatch):
    ws = Workspace(tmp_path / "ws")
    try:
        path = tmp_path / "d.csv"
        pd.DataFrame({"x": range(40), "label": ["a", "b"] * 20, "amount": [i * 0.5 for i in range(40)]}).to_csv(
            path, index=False)
        info = ws.import_dataset(path)
        real = ws.detect_task
        calls: list[str] = []
        gate = threading.Event()

        def counting(dataset_id: str, target: str) -> str:
            calls.append(target)
            gate.wait(5)  # hold the first read until every view has asked
            return real(dataset_id, target)

        monkeypatch.setattr(ws, "detect_task", counting)
        cache = TaskCache(ws)
        answers: list[str] = []
        views = [threading.Thread(target=lambda: answers.append(cache.detect(info.id, "label"))) for _ in range(3)]
        for view in views:
            view.start()
        gate.set()
        for view in views:
            view.join(10)
        assert answers == ["classification"] * 3
        assert calls == ["label"]
        assert cache.detect(info.id, "amount") == "regression"
        assert cache.detect(info.id, "label") == "classification"
        assert calls == ["label", "amount"]
        cache.forget(info.id)
        assert cache.detect(info.id, "label") == "classification"
        assert calls == ["label", "amount", "label"]
    finally:
        ws.close()
