"""Serve panel: starts `mlcore serve` as its own process, shows live requests and errors, stops it."""

from __future__ import annotations

import os
import socket

import httpx
from PySide6.QtCore import QProcess, Qt


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_panel_start_count_errors_stop(qtbot, make_window, tmp_path):
    from mlcore.workspace import Workspace

    with Workspace(tmp_path / "ws") as ws:
        window = make_window(ws)
        window.registry_tab.show_view("serve")
        panel = window.registry_tab.serve
        port = _free_port()
        panel.port_spin.setValue(port)
        assert panel.state == "stopped" and not panel.stop_button.isEnabled()
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
        assert panel.state == "starting" and not panel.start_button.isEnabled()
        qtbot.waitUntil(lambda: panel.state == "running", timeout=60_000)
        assert f"127.0.0.1:{port}" in panel.address_label.text()
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/api/ml/datasets", timeout=10, trust_env=False).json() == []
        assert httpx.get(f"{base}/api/ml/datasets/nope", timeout=10, trust_env=False).status_code == 404
        qtbot.waitUntil(lambda: panel.stats.get("requests") == 2, timeout=10_000)
        assert panel.requests_label.text() == "2 (1 failed)"
        assert "p50" in panel.latency_label.text() and "ms" in panel.latency_label.text()
        assert panel.errors_list.count() == 1 and "404" in panel.errors_list.item(0).text()
        if os.environ.get("MLWB_SAVE_SCREENSHOTS"):
            window.resize(1100, 700)
            panel.grab().save(os.environ["MLWB_SAVE_SCREENSHOTS"])
        process = panel.process
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.state == "stopped", timeout=20_000)
        assert panel.process is None and process.state() == QProcess.ProcessState.NotRunning
        assert panel.start_button.isEnabled()


def test_a_server_that_cannot_start_is_reported(qtbot, make_window, tmp_path):
    from mlcore.workspace import Workspace

    with socket.socket() as busy, Workspace(tmp_path / "ws") as ws:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        window = make_window(ws)
        panel = window.registry_tab.serve
        panel.port_spin.setValue(busy.getsockname()[1])
        panel.start()
        qtbot.waitUntil(lambda: panel.state == "stopped", timeout=60_000)
        assert "exited with code" in panel.status_label.text()
        assert panel.errors_list.count() == 1 and panel.errors_list.item(0).text().startswith("server:")
