"""ServePanel: start and stop `mlcore serve` on this workspace, and watch its requests and latency.

The server is its own process (QProcess), so neither a training job in the window nor a burst of
requests slows the other; the panel reads ``/api/ml/server/stats`` once a second with Qt's
asynchronous network manager — the UI thread never waits on the server.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from PySide6.QtCore import QProcess, QTimer, QUrl, Signal
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest
from PySide6.QtWidgets import (
    QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QPushButton, QSpinBox, QVBoxLayout,
    QWidget,
)

from desktop.services import Services

POLL_MS = 1000
STOP_GRACE_MS = 5000


def _ms(value: Any) -> str:
    return "—" if value is None else f"{float(value):.1f} ms"


class ServePanel(QWidget):
    """Start/Stop, the address, live request count, p50/p99 latency and the last errors."""

    sig_state_changed = Signal(str)  # "starting", "running", "stopping", "stopped"

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.ws = services.workspace
        self.process: QProcess | None = None
        self.state = "stopped"
        self.stats: dict[str, Any] = {}
        self._output = ""
        self._started_at = 0.0
        self._network: QNetworkAccessManager | None = None  # made on the first start, not with every window
        self._pending: QNetworkReply | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

        box = QGroupBox("Serve the REST API (/api/ml/…) to other programs on this machine")
        form = QFormLayout(box)
        self.host_edit = QLineEdit("127.0.0.1")
        self.host_edit.setReadOnly(True)
        self.host_edit.setToolTip("The window serves this machine only; to serve a network, run "
                                  "`mlcore serve --host ... --token-file ...` from a terminal.")
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1024, 65535)
        self.port_spin.setValue(int(services.recall("serve/port", 8765, int)))
        self.start_button = QPushButton("Start server")
        self.start_button.setObjectName("primary")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        self.status_label = QLabel("stopped")
        self.address_label = QLabel("—")
        self.address_label.setOpenExternalLinks(True)
        self.address_label.setTextInteractionFlags(self.address_label.textInteractionFlags())
        self.requests_label = QLabel("—")
        self.latency_label = QLabel("—")
        self.jobs_label = QLabel("—")
        form.addRow("Host", self.host_edit)
        form.addRow("Port", self.port_spin)
        form.addRow(buttons)
        form.addRow("Status", self.status_label)
        form.addRow("Address", self.address_label)
        form.addRow("Requests", self.requests_label)
        form.addRow("Latency", self.latency_label)
        form.addRow("Running jobs", self.jobs_label)

        self.errors_list = QListWidget()
        self.errors_list.setAlternatingRowColors(True)
        errors_box = QGroupBox("Last errors")
        QVBoxLayout(errors_box).addWidget(self.errors_list)
        layout = QVBoxLayout(self)
        layout.addWidget(box)
        layout.addWidget(errors_box, 1)
        self._set_state("stopped")

    # -- state --------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host_edit.text()}:{self.port_spin.value()}"

    def _set_state(self, state: str, detail: str = "") -> None:
        self.state = state
        running = state in ("starting", "running")
        self.start_button.setEnabled(state == "stopped")
        self.stop_button.setEnabled(running)
        self.port_spin.setEnabled(state == "stopped")
        self.status_label.setText(state + (f" — {detail}" if detail else ""))
        if state == "running":
            self.address_label.setText(f'<a href="{self.base_url}/docs">{self.base_url}</a>  (API docs at /docs)')
        elif state == "stopped":
            self.address_label.setText("—")
        self.sig_state_changed.emit(state)

    # -- start / stop ---------------------------------------------------------------------
    def start(self) -> None:
        if self.process is not None:
            return
        self.services.remember("serve/port", self.port_spin.value())
        self._output = ""
        self.stats = {}
        self.errors_list.clear()
        process = QProcess(self)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.readyReadStandardOutput.connect(self._on_process_output)
        process.finished.connect(self._on_process_finished)
        process.errorOccurred.connect(self._on_process_error)
        self.process = process
        self._started_at = time.monotonic()
        self._set_state("starting")
        process.start(sys.executable, ["-m", "mlcore", "serve", "--home", str(self.ws.home),
                                       "--host", self.host_edit.text(), "--port", str(self.port_spin.value())])
        self._timer.start()

    def stop(self) -> None:
        if self.process is None:
            return
        self._set_state("stopping")
        self.process.terminate()  # SIGTERM: uvicorn finishes requests, cancels jobs, writes queued logs
        QTimer.singleShot(STOP_GRACE_MS, self._kill_if_running)

    def _kill_if_running(self) -> None:
        if self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning:
            self.process.kill()

    def shutdown(self) -> None:
        """Stop the server with the window (waits at most a few seconds)."""
        self._timer.stop()
        if self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning:
            self.process.terminate()
            if not self.process.waitForFinished(STOP_GRACE_MS):
                self.process.kill()
                self.process.waitForFinished(2000)

    # -- process events -------------------------------------------------------------------
    def _on_process_output(self) -> None:
        if self.process is not None:
            self._output = (self._output + bytes(self.process.readAllStandardOutput()).decode(errors="replace"))[-4000:]

    def _on_process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._on_process_finished(-1, QProcess.ExitStatus.CrashExit)

    def _on_process_finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        self._timer.stop()
        if self._pending is not None:
            self._pending.abort()
        expected = self.state == "stopping"
        self.process = None
        if not expected and code != 0:
            lines = [line for line in self._output.splitlines() if line.strip()]
            message = lines[-1] if lines else f"the server exited with code {code}"
            self.errors_list.insertItem(0, f"server: {message}")
            self._set_state("stopped", f"exited with code {code}")
        else:
            self._set_state("stopped")

    # -- statistics -----------------------------------------------------------------------
    def _poll(self) -> None:
        if self._pending is not None:
            return  # the previous answer has not come yet
        if self._network is None:
            self._network = QNetworkAccessManager(self)
        request = QNetworkRequest(QUrl(f"{self.base_url}/api/ml/server/stats"))
        request.setTransferTimeout(2000)
        self._pending = self._network.get(request)
        self._pending.finished.connect(self._on_stats_reply)

    def _on_stats_reply(self) -> None:
        reply, self._pending = self._pending, None
        if reply is None:
            return
        try:
            if reply.error() != QNetworkReply.NetworkError.NoError:
                if self.state == "running":
                    self._set_state("running", f"not answering: {reply.errorString()}")
                return
            stats = json.loads(bytes(reply.readAll()).decode())
        except ValueError:
            return
        finally:
            reply.deleteLater()
        if self.state == "starting":
            self._set_state("running")
        self.show_stats(stats)

    def show_stats(self, stats: dict[str, Any]) -> None:
        self.stats = stats
        self.requests_label.setText(f"{stats.get('requests', 0)} ({stats.get('failed', 0)} failed)")
        self.latency_label.setText(f"p50 {_ms(stats.get('latency_ms_p50'))}   p99 {_ms(stats.get('latency_ms_p99'))}"
                                   f"   (last {stats.get('latency_window', 0)} requests)")
        self.jobs_label.setText(str(stats.get("running_jobs", 0)))
        errors = stats.get("last_errors") or []
        self.errors_list.clear()
        for e in errors:
            stamp = time.strftime("%H:%M:%S", time.localtime(e.get("time", 0)))
            self.errors_list.addItem(f"{stamp}  {e.get('status')}  {e.get('method')} {e.get('path')}  "
                                     f"{e.get('message') or ''}")
