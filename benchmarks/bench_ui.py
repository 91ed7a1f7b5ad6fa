"""UI responsiveness under a flood of metric events, and time to the first window.

1. A job emits >= 1000 metric events per second (train + validation loss, like a fast booster)
   while a 5 ms heartbeat QTimer on the UI thread records event-loop gaps. The desktop's path
   (QtJobContext batching every 30 ms -> LivePlot buffers -> 30 Hz redraw) is compared with a
   naive baseline (one queued signal and one setData per event).
   Targets: p99 gap <= 16 ms, max gap <= 100 ms.
2. Time from process start to the main window shown (``mlworkbench --quit-after-show``),
   median of a few runs. Target <= 1.0 s.

Run: ``python benchmarks/bench_ui.py [--seconds 3] [--rate 5000] [--starts 3]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QObject, QThread, QTimer, Signal  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.app import create_application  # noqa: E402
from desktop.plots import LivePlot  # noqa: E402
from desktop.workers import JobWorker  # noqa: E402


def flood_job(seconds: float, rate: float):
    """A job function emitting ``rate`` metric events per second for ``seconds``."""

    def run(ctx) -> int:
        t0 = time.perf_counter()
        step = 0
        while True:
            ctx.check_cancelled()
            elapsed = time.perf_counter() - t0
            if elapsed >= seconds:
                return step
            due = int(elapsed * rate / 2)
            while step < due:
                loss = 1.0 / (step + 1)
                ctx.metric(step, "loss", loss, "train")
                ctx.metric(step, "loss", loss * 1.1, "validation")
                step += 1
            ctx.progress(elapsed / seconds, f"step {step}")
            time.sleep(0.0005)

    return run


class Heartbeat:
    def __init__(self, interval_ms: int = 5) -> None:
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def gaps_ms(self) -> np.ndarray:
        t = np.asarray(self.ticks)
        return np.diff(t) * 1000 if len(t) > 1 else np.array([np.inf])


def _summary(label: str, gaps: np.ndarray, events: int, seconds: float, extra: str = "") -> dict:
    p50, p99, mx = np.percentile(gaps, 50), np.percentile(gaps, 99), gaps.max()
    ok = p99 <= 16 and mx <= 100
    print(f"{label:<28} events/s {events / seconds:8.0f}   gap p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
          f"max {mx:6.1f} ms   {'OK' if ok else 'over target'} {extra}")
    return {"p50": p50, "p99": p99, "max": mx, "events": events}


def bench_idle(app: QApplication, seconds: float) -> dict:
    """The machine's own noise floor: the heartbeat with no job at all."""
    beat = Heartbeat()
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    beat.timer.start()
    loop.exec()
    beat.timer.stop()
    return _summary("idle (no job)", beat.gaps_ms(), 0, seconds)


def bench_desktop_path(app: QApplication, seconds: float, rate: float) -> dict:
    plot = LivePlot("bench", "loss")
    plot.resize(800, 500)
    plot.show()
    batches = [0]
    events = [0]

    def on_metrics(batch) -> None:
        # as the Training tab does: one vectorised append per curve and batch
        batches[0] += 1
        events[0] += len(batch)
        grouped: dict[str, tuple[list, list]] = {}
        for e in batch:
            xs, ys = grouped.setdefault(f"{e.split} {e.name}", ([], []))
            xs.append(e.step)
            ys.append(e.value)
        for name, (xs, ys) in grouped.items():
            plot.add_points(name, xs, ys)

    beat = Heartbeat()
    worker = JobWorker("flood", flood_job(seconds, rate))
    worker.sig_metrics.connect(on_metrics)
    loop = QEventLoop()
    worker.sig_done.connect(loop.quit)
    t0 = time.perf_counter()
    beat.timer.start()
    worker.start()
    loop.exec()
    beat.timer.stop()
    worker.wait()
    elapsed = time.perf_counter() - t0
    points = sum(len(c) for c in plot.curves.values())
    assert points == events[0], "every event must reach the plot"
    result = _summary("desktop (batched, 30 Hz)", beat.gaps_ms(), events[0], elapsed,
                      f"[{batches[0]} signals, {plot.redraw_count} redraws, {plot.paint_ms:.1f} ms per paint, "
                      f"{plot.paint_cpu_ms:.1f} ms of it CPU]")
    plot.stop()
    plot.close()
    return result


class _NaiveEmitter(QObject):
    sig_metric = Signal(int, str, float, str)


class _NaiveThread(QThread):
    """Baseline: one queued signal per event."""

    def __init__(self, seconds: float, rate: float) -> None:
        super().__init__()
        self.emitter = _NaiveEmitter()
        self.seconds, self.rate = seconds, rate

    def run(self) -> None:
        t0 = time.perf_counter()
        step = 0
        while time.perf_counter() - t0 < self.seconds:
            due = int((time.perf_counter() - t0) * self.rate / 2)
            while step < due:
                self.emitter.sig_metric.emit(step, "loss", 1.0 / (step + 1), "train")
                self.emitter.sig_metric.emit(step, "loss", 1.1 / (step + 1), "validation")
                step += 1
            time.sleep(0.0005)


def bench_naive_path(app: QApplication, seconds: float, rate: float) -> dict:
    plot = LivePlot("naive", "loss")
    plot.stop()  # the naive path redraws on every event
    plot.resize(800, 500)
    plot.show()
    events = [0]

    def on_metric(step: int, name: str, value: float, split: str) -> None:
        events[0] += 1
        curve = plot.curve(f"{split} {name}")
        curve.append(step, value)
        curve.redraw()

    beat = Heartbeat()
    thread = _NaiveThread(seconds, rate)
    thread.emitter.sig_metric.connect(on_metric)
    loop = QEventLoop()
    thread.finished.connect(loop.quit)
    t0 = time.perf_counter()
    beat.timer.start()
    thread.start()
    loop.exec()
    thread.wait()
    backlog_t = time.perf_counter()
    app.processEvents()  # drain what is still queued
    drain = time.perf_counter() - backlog_t
    beat.timer.stop()
    elapsed = time.perf_counter() - t0
    result = _summary("naive (signal+setData/event)", beat.gaps_ms(), events[0], elapsed,
                      f"[backlog drained in {drain * 1000:.0f} ms]")
    plot.close()
    return result


def bench_startup(runs: int) -> None:
    times, inside = [], []
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        env["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        for _ in range(runs):
            t0 = time.time()
            out = subprocess.run([sys.executable, "-m", "desktop.app", "--home", str(Path(tmp) / "ws"),
                                  "--quit-after-show"], capture_output=True, text=True, env=env, cwd=ROOT,
                                 timeout=120)
            fields = dict(line.split(" ", 1) for line in out.stdout.splitlines() if " " in line)
            shown = fields.get("shown_at", "").split()
            if not shown:
                print("startup run failed:", out.stderr[-500:])
                continue
            times.append(float(shown[0]) - t0)
            inside.append(float(shown[2]))
            heavy = fields.get("heavy_modules", "").strip()
    if times:
        median = statistics.median(times)
        print(f"start to window shown        median {median:.2f} s over {len(times)} runs "
              f"(min {min(times):.2f}, in-process {statistics.median(inside):.2f} s)   "
              f"{'OK' if median <= 1.0 else 'over target'}   heavy libraries loaded: {heavy or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=5000.0, help="metric events per second")
    parser.add_argument("--starts", type=int, default=3)
    args = parser.parse_args()
    app = create_application()  # the application's own settings (style, GIL switch interval)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"UI heartbeat 5 ms while a job emits {args.rate:.0f} metric events/s for {args.seconds:.0f} s "
          f"(machine load average {load:.1f} on {os.cpu_count()} CPUs)")
    bench_idle(app, min(args.seconds, 2.0))
    ours = bench_desktop_path(app, args.seconds, args.rate)
    naive = bench_naive_path(app, args.seconds, args.rate)
    print(f"ratio naive/desktop: p99 {naive['p99'] / ours['p99']:.1f}x   max {naive['max'] / ours['max']:.1f}x")
    bench_startup(args.starts)


if __name__ == "__main__":
    main()
