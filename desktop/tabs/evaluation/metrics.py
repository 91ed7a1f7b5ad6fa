"""The rows of the metrics table: headline metrics first, each with its 95% interval."""

from __future__ import annotations

from typing import Any

from desktop.tabs.registry.common import fmt_interval, fmt_number
from mlcore import vocab

SKIP = {"confusion_matrix", "labels", "per_class", "positive_label", "n_rows"}


def metric_rows(result: Any) -> list[tuple[str, str, str]]:
    """(metric, value, interval) for every scalar metric of an EvaluationResult, headline first."""
    metrics = result.metrics
    intervals = result.intervals or {}
    names = [m for m in result.headline]
    names += [m for m in metrics if m not in names and m not in SKIP]
    rows = []
    for name in names:
        value = metrics.get(name)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        rows.append((name, fmt_number(value), fmt_interval(intervals.get(name))))
    per_class = metrics.get("per_class") or {}
    for label, stats in per_class.items():
        for stat in vocab.PER_CLASS_METRICS:
            if isinstance(stats.get(stat), (int, float)):
                rows.append((f"{stat} [{label}]", fmt_number(stats[stat]), "—"))
    rows.append(("rows", str(metrics.get("n_rows", result.n_rows)), ""))
    return rows
