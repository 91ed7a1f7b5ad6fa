"""The composition root: parse the command line, build the Workspace and the MainWindow.

``mlworkbench [--home DIR] [--samples] [--screenshot FILE] [--tab NAME] [--demo-train]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Sequence

ORGANIZATION = "MLWorkbench"
APPLICATION = "ML Workbench"
TAB_CHOICES = ("datasets", "preparation", "training", "evaluation", "registry")
HEAVY_MODULES = ("sklearn", "xgboost", "lightgbm", "skops", "skl2onnx", "onnxruntime", "matplotlib", "optuna")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mlworkbench", description="ML Workbench desktop application")
    parser.add_argument("--home", type=Path, default=None,
                        help="workspace folder (default: $MLWB_HOME or the user data folder)")
    parser.add_argument("--screenshot", type=Path, default=None,
                        help="render the window to this PNG file and exit")
    parser.add_argument("--tab", choices=TAB_CHOICES, default=None, help="the tab to show")
    parser.add_argument("--demo-train", "--demo", dest="demo_train", action="store_true",
                        help="with --screenshot: fill the tab with real results first (Preparation: clean, rank, "
                             "split; other tabs: start a training on the newest dataset and grab mid-training)")
    parser.add_argument("--samples", action="store_true",
                        help="on an empty workspace, import the bundled sample datasets so there is data to try")
    parser.add_argument("--size", default="1360x860", help="window size for --screenshot, WIDTHxHEIGHT")
    parser.add_argument("--quit-after-show", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def default_home() -> Path:
    """The same workspace the ``mlcore`` command uses: $MLWB_HOME, else the user data folder."""
    from mlcore.paths import resolve_home

    return resolve_home(None)


def open_workspace(home: Path, show_dialog: bool = True) -> Any:
    """The Workspace at ``home``, or None after telling the user why it cannot be opened.

    A damaged or emptied database, an unknown schema or a bad ``MLWB_DB_URL`` is one message
    (naming the file and the backup to restore) in a dialog and on stderr, never a traceback.
    """
    from mlcore.errors import MLWorkbenchError
    from mlcore.workspace import Workspace

    try:
        return Workspace(home)
    except MLWorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        if show_dialog:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.critical(None, "Cannot open the workspace", str(exc))
        return None


SAMPLES_AT_FIRST_START = ("penguins", "churn", "iris", "breast_cancer", "diabetes")


def import_samples_if_empty(window: Any) -> list[str]:
    """Start importing the bundled samples (in workers) when the workspace has no dataset yet."""
    if window.workspace.list_datasets():
        return []
    available = {s.name for s in window.workspace.list_samples()}
    names = [n for n in SAMPLES_AT_FIRST_START if n in available]
    window.ensure_tabs()
    for name in names:
        window.datasets_tab.import_sample(name)
    return names


def create_application(argv: Sequence[str] | None = None) -> Any:
    """The QApplication with names (for QSettings) and the style sheet."""
    from PySide6.QtWidgets import QApplication

    # a worker thread running Python hands the GIL to the UI thread every 1 ms instead of 5 ms:
    # a repaint that needs the GIL a dozen times no longer waits 5 ms each time
    sys.setswitchinterval(0.001)
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    apply_style(app)
    return app


def apply_style(app: Any) -> None:
    from PySide6.QtGui import QIcon

    resources = Path(__file__).parent / "resources"
    qss = resources / "style.qss"
    if qss.exists():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
    icon = resources / "icon.png"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))


def heavy_modules_loaded() -> list[str]:
    return [m for m in HEAVY_MODULES if m in sys.modules]


def _report_startup(app: Any, window: Any, t0: float) -> None:
    """For benchmarks and tests: when the window showed, and what was imported by then."""
    print(f"shown_at {time.time():.6f} in_process {time.perf_counter() - t0:.4f}", flush=True)
    print("heavy_modules " + ",".join(heavy_modules_loaded()), flush=True)
    window.ensure_tabs()
    app.processEvents()
    print(f"tabs_built_in_process {time.perf_counter() - t0:.4f}", flush=True)
    print("heavy_modules_after_tabs " + ",".join(heavy_modules_loaded()), flush=True)
    window.close_without_asking()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the application (or render a screenshot)."""
    t0 = time.perf_counter()
    args = parse_args(argv)
    if args.screenshot is not None or args.quit_after_show:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = create_application()

    from PySide6.QtCore import QTimer

    from desktop.main_window import MainWindow

    offscreen = os.environ.get("QT_QPA_PLATFORM") == "offscreen"
    workspace = open_workspace(args.home or default_home(), show_dialog=not offscreen)
    if workspace is None:
        return 1
    # interactive start: show the window first, build the tabs right after
    window = MainWindow(workspace, lazy_tabs=args.screenshot is None)
    if args.tab:
        window.select_tab(args.tab)
    try:
        if args.screenshot is not None:
            from desktop.screenshot import render_screenshot

            width, height = (int(v) for v in args.size.lower().split("x"))
            window.resize(width, height)
            return render_screenshot(app, window, args.screenshot, demo_train=args.demo_train)
        window.show()
        app.processEvents()  # exposed and painted: the window is on screen
        if args.quit_after_show:
            _report_startup(app, window, t0)
            return 0
        QTimer.singleShot(0, window.ensure_tabs)
        if args.samples:
            QTimer.singleShot(0, lambda: import_samples_if_empty(window))
        return int(app.exec())
    finally:
        workspace.close()


if __name__ == "__main__":
    raise SystemExit(main())
