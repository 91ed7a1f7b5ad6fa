"""The one error handler of the desktop: a clear dialog for the user, a traceback in the log."""

from __future__ import annotations

import datetime as _dt
import logging
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from mlcore.errors import MLWorkbenchError


def log_path_for(home: Path) -> Path:
    return Path(home) / "logs" / "desktop.log"


class ErrorHandler(QObject):
    """Every failure (worker or UI slot) comes here; user errors show their own message."""

    sig_error_shown = Signal(str, str)  # title, text

    def __init__(self, log_path: Path, parent_widget: QWidget | None = None) -> None:
        super().__init__(parent_widget)
        self.log_path = Path(log_path)
        self.parent_widget = parent_widget
        self.show_dialogs = True
        self.last_message: str | None = None
        self._boxes: list[QMessageBox] = []
        self._logger = logging.getLogger("mlworkbench.desktop")

    def handle(self, error: BaseException, tb_text: str = "") -> None:
        """Show ``error``: its message when the user can fix it, else 'unexpected' plus the log."""
        if not tb_text:
            tb_text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        if isinstance(error, MLWorkbenchError):
            title, text = "Cannot do that", str(error)
            self._write_log(f"{type(error).__name__}: {error}")
            icon = QMessageBox.Icon.Warning
        else:
            title = "Unexpected error"
            text = (
                f"An unexpected error occurred: {type(error).__name__}: {error}\n\n"
                f"The details were written to {self.log_path}."
            )
            self._write_log(tb_text)
            icon = QMessageBox.Icon.Critical
        self.last_message = text
        self.sig_error_shown.emit(title, text)
        if self.show_dialogs:
            self._show(icon, title, text)

    def _show(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self.parent_widget)
        # open(), not exec(): a failing worker must never block the event loop (or a test)
        box.finished.connect(lambda *_: self._boxes.remove(box) if box in self._boxes else None)
        self._boxes.append(box)
        box.open()

    def close_dialogs(self) -> None:
        for box in list(self._boxes):
            box.close()
        self._boxes.clear()

    def _write_log(self, text: str) -> None:
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            stamp = _dt.datetime.now().isoformat(timespec="seconds")
            with self.log_path.open("a", encoding="utf-8") as fh:
                fh.write(f"[{stamp}] {text.rstrip()}\n")
        except OSError:
            self._logger.exception("cannot write %s", self.log_path)
