"""Desktop fixtures: settings in a temp folder, a window factory that checks no thread is left."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_qsettings(tmp_path_factory):
    """Point every QSettings of the test process at a temp folder, never the user's."""
    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, str(folder))
    yield folder


@pytest.fixture
def qsettings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, qsettings, monkeypatch):
    """Build MainWindows; answers 'yes' to confirmations; on teardown closes them and checks threads."""
    from desktop.main_window import MainWindow

    monkeypatch.setattr("desktop.services.ask_yes_no", lambda *args: True)
    windows = []

    def factory(workspace):
        window = MainWindow(workspace, settings=qsettings)
        window.errors.show_dialogs = False
        window.errors_seen = []
        window.errors.sig_error_shown.connect(lambda title, text: window.errors_seen.append((title, text)))
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield factory
    for window in windows:
        window.close()
        workers = window.jobs.all()
        assert not [w.title for w in workers if w.isRunning()], "a QThread was left running"
