"""The entry point: fast start without heavy libraries, screenshots, command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.app import parse_args

ROOT = Path(__file__).resolve().parents[2]


def _run(args, tmp_path, timeout=120):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    # settings of these runs go to a temp folder, never the user's
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    return subprocess.run([sys.executable, "-m", "desktop.app", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)


def test_window_appears_before_heavy_libraries_are_imported(tmp_path):
    result = _run(["--home", str(tmp_path / "ws"), "--quit-after-show"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert "shown_at" in lines
    heavy = lines.get("heavy_modules", "").strip()
    assert heavy == "", f"imported before the window showed: {heavy}"
    # building every tab after the window showed still leaves the heavy libraries for later
    assert "tabs_built_in_process" in lines
    for name in ("sklearn", "xgboost", "lightgbm", "skops", "skl2onnx"):
        assert name not in lines.get("heavy_modules_after_tabs", "").split(",")


def test_screenshot_writes_a_png_of_the_chosen_tab(tmp_path):
    out = tmp_path / "shot.png"
    result = _run(["--home", str(tmp_path / "ws"), "--screenshot", str(out), "--tab", "preparation",
                   "--size", "1000x700"], tmp_path)
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert (image.width(), image.height()) == (1000, 700)


def test_command_line_options():
    args = parse_args(["--home", "/tmp/x", "--tab", "training", "--screenshot", "a.png", "--demo-train"])
    assert (str(args.home), args.tab, str(args.screenshot), args.demo_train) == ("/tmp/x", "training", "a.png", True)
    with pytest.raises(SystemExit):
        parse_args(["--tab", "nonsense"])


def test_parallel_first_jobs_do_not_break_each_others_imports(tmp_path, workspace):
    """Clean, rank and split start at once in a fresh process: all three must succeed."""
    workspace.import_sample("penguins")
    workspace.close()
    out = tmp_path / "prep.png"
    result = _run(["--home", str(workspace.home), "--screenshot", str(out), "--tab", "preparation", "--demo"],
                  tmp_path)
    assert result.returncode == 0, result.stderr
    log = workspace.home / "logs" / "desktop.log"
    assert not log.exists() or "Traceback" not in log.read_text(), log.read_text()
    assert out.stat().st_size > 5000


def test_a_damaged_workspace_database_is_one_message_in_a_dialog(tmp_path, monkeypatch, capsys):
    from PySide6.QtWidgets import QMessageBox

    from desktop.app import open_workspace

    home = tmp_path / "ws"
    (home / "datasets").mkdir(parents=True)
    (home / "datasets" / "old.parquet").write_bytes(b"PAR1")
    (home / "workbench.db").write_bytes(b"")
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append((title, text)))
    assert open_workspace(home) is None
    assert shown and shown[0][0] == "Cannot open the workspace"
    assert str(home / "workbench.db") in shown[0][1] and "0 bytes" in shown[0][1]
    assert capsys.readouterr().err.strip().splitlines() == [f"error: {shown[0][1]}"]
