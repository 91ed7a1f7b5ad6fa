"""The text report of the seed's ModelEvaluator and a self-contained HTML report."""

from __future__ import annotations

import base64
import datetime as _dt
import html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlcore import vocab
from mlcore.evaluation._errors import prediction_examples, worst_predictions
from mlcore.evaluation._figures import FIGURE_TITLES, available_figure_kinds, figure_png, make_figure

SECTIONS = ("Summary", "Metrics", "Figures", "Per-class report", "Error analysis", "Prediction examples", "Metadata")

METRIC_LABELS = {name: m.label for name, m in vocab.METRICS.items()}
_TABLE_METRICS = vocab.REPORT_METRICS


def _fmt(value: Any, metric: str = "") -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    if metric == "mape":
        return f"{100 * value:.2f}%"
    if isinstance(value, (float, np.floating)):
        return f"{value:.4f}" if abs(value) < 1e5 else f"{value:.4g}"
    return str(value)


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion: it does not collapse to a point at 0 or n successes."""
    from scipy.stats import norm

    if n <= 0:
        return (0.0, 1.0)
    z = float(norm.ppf(0.5 + level / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low, high = centre - half, centre + half
    # at 0 or n successes one end is exactly 0 or 1; floating point lands a hair inside
    return (0.0 if successes == 0 else max(0.0, float(low)), 1.0 if successes == n else min(1.0, float(high)))


def _collapsed(lo: Any, hi: Any) -> bool:
    return lo is not None and hi is not None and np.isfinite(lo) and np.isfinite(hi) and abs(hi - lo) < 1e-12


def metric_rows(result: Any) -> list[tuple[str, str, str, str]]:
    """(name, label, value, interval) for each metric worth a row in a table."""
    rows = []
    for m in _TABLE_METRICS[result.kind]:
        if m not in result.metrics:
            continue
        lo, hi = result.intervals.get(m, (None, None))
        ci = f"[{_fmt(lo, m)}, {_fmt(hi, m)}]" if lo is not None else ""
        if _collapsed(lo, hi):
            if m == "accuracy" and result.n_rows:
                # a proportion of rows: Wilson's interval says how uncertain a perfect small test set is
                n = int(result.n_rows)
                w_lo, w_hi = wilson_interval(int(round(result.metrics[m] * n)), n, result.level)
                ci = f"[{_fmt(w_lo, m)}, {_fmt(w_hi, m)}] (Wilson)"
            else:
                ci += " (collapsed)"
        rows.append((m, METRIC_LABELS.get(m, m), _fmt(result.metrics[m], m), ci))
    return rows


def _notes(result: Any) -> list[str]:
    notes = [str(v) for k, v in result.metrics.items() if k.endswith("_note")]
    collapsed = [m for m in _TABLE_METRICS[result.kind]
                 if m in result.metrics and _collapsed(*result.intervals.get(m, (None, None)))]
    if collapsed:
        notes.append(
            f"Every bootstrap resample of the {result.n_rows} test rows scored the same for {', '.join(collapsed)}: "
            "a collapsed interval reflects a small or easy test set, not certainty. Accuracy's interval is "
            "Wilson's score interval instead, which does not collapse.")
    return notes


def _confusion_frame(result: Any) -> pd.DataFrame:
    labels = [str(v) for v in result.metrics["labels"]]
    return pd.DataFrame(result.metrics["confusion_matrix"], index=labels, columns=labels)


def _per_class_text(result: Any) -> str:
    from sklearn.metrics import classification_report

    labels = result.metrics["labels"]
    return classification_report(
        result.y_true, result.y_pred, labels=labels, target_names=[str(v) for v in labels], digits=4, zero_division=0
    )


def text_report(result: Any) -> str:
    """Plain-text report: headline metrics with intervals, confusion matrix, per-class report."""
    pct = int(round(result.level * 100))
    lines = ["Model evaluation report", "=" * 23, _summary(result), ""]
    rows = metric_rows(result)
    width = max(len(r[1]) for r in rows) + 2
    lines.append(f"{'Metric':<{width}}{'Value':>12}   {pct}% CI")
    lines += [f"{label:<{width}}{value:>12}   {ci}" for _, label, value, ci in rows]
    lines += [f"Note: {n}" for n in _notes(result)]
    if result.task == "classification":
        lines += ["", "Confusion matrix (rows: actual, columns: predicted)", _confusion_frame(result).to_string()]
        lines += ["", "Per-class report", _per_class_text(result).rstrip()]
    return "\n".join(lines) + "\n"


def _summary(result: Any) -> str:
    kind = f" ({result.kind})" if result.task == "classification" else ""
    parts = [f"Task: {result.task}{kind}, {result.n_rows} rows"]
    if result.is_binary and result.threshold is not None:
        parts.append(f"decision threshold {result.threshold:.3f} for class {result.classes[1]!s}")
    n_boot = result.meta.get("bootstrap_resamples")
    if n_boot:
        parts.append(f"intervals: percentile bootstrap, {n_boot} resamples")
    return ", ".join(parts)


# -- HTML -----------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{border-bottom:2px solid #4c72b0}h2{margin-top:1.6em;color:#2d4a7a}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:3px 8px}
th{background:#eef2f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{display:inline-block;margin:.5em;vertical-align:top}img{max-width:100%;border:1px solid #ddd}
.note{color:#8a5a00}.scroll{overflow-x:auto}
"""


def _meta_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"  # a threshold of 0.35234234234234234 reads as 0.3523
    return str(value)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def html_table(df: pd.DataFrame, max_rows: int = 50, index: bool = False) -> str:
    """An HTML table with every header and cell escaped."""
    df = df.head(max_rows)
    head = ([_e(df.index.name or "")] if index else []) + [_e(c) for c in df.columns]
    out = ["<div class='scroll'><table><thead><tr>", "".join(f"<th>{h}</th>" for h in head), "</tr></thead><tbody>"]
    for idx, row in zip(df.index, df.itertuples(index=False)):
        cells = [f"<th>{_e(idx)}</th>"] if index else []
        for v in row:
            num = isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
            text = _fmt(v) if isinstance(v, (float, np.floating)) else str(v)
            cells.append(f"<td class='num'>{_e(text)}</td>" if num else f"<td>{_e(text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _rows(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with its index labelled as the row id (so a reader can find the row in the data)."""
    return df.rename_axis("row")


def _figures_html(result, history, importance) -> list[str]:
    parts = []
    for kind in available_figure_kinds(result, history=history, importance=importance):
        title = FIGURE_TITLES[kind]
        try:
            fig = make_figure(kind, result, history=history, importance=importance)
            data = base64.b64encode(figure_png(fig)).decode("ascii")
        except Exception as exc:  # noqa: BLE001 - one failed figure must not lose the report
            parts.append(f"<p class='note'>{_e(title)}: could not be drawn ({_e(exc)})</p>")
            continue
        parts.append(
            f"<figure id='fig-{_e(kind)}'><img alt='{_e(title)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{_e(title)}</figcaption></figure>"
        )
    return parts


def write_html_report(
    result: Any,
    path: str | Path,
    *,
    title: str = "Model evaluation report",
    history: list[dict] | None = None,
    importance: pd.DataFrame | None = None,
    worst: pd.DataFrame | None = None,
    examples: dict[str, pd.DataFrame] | None = None,
    meta: dict | None = None,
) -> Path:
    """Write one self-contained HTML file with metrics, intervals, figures and error analysis."""
    pct = int(round(result.level * 100))
    if worst is None:
        worst = worst_predictions(None, result.y_true, result.y_pred, result.proba, result.classes, result.task, n=20)
    if examples is None:
        examples = prediction_examples(None, result.y_true, result.y_pred, n=5, task=result.task)
    body = [f"<h1>{_e(title)}</h1>", f"<h2>{SECTIONS[0]}</h2>", f"<p>{_e(_summary(result))}</p>"]
    metrics_df = pd.DataFrame([r[1:] for r in metric_rows(result)], columns=["Metric", "Value", f"{pct}% CI"])
    body += [f"<h2>{SECTIONS[1]}</h2>", html_table(metrics_df, max_rows=100)]
    body += [f"<p class='note'>{_e(n)}</p>" for n in _notes(result)]
    body += [f"<h2>{SECTIONS[2]}</h2>", *(_figures_html(result, history, importance) or ["<p>No figures.</p>"])]
    body.append(f"<h2>{SECTIONS[3]}</h2>")
    if result.task == "classification":
        per_class = pd.DataFrame(result.metrics["per_class"]).T
        per_class.index.name = "class"
        if "support" in per_class.columns:  # row counts: never "1035.0000"
            per_class["support"] = per_class["support"].astype("int64")
        body += ["<h3>Confusion matrix (rows: actual, columns: predicted)</h3>",
                 html_table(_confusion_frame(result).rename_axis("actual"), max_rows=200, index=True),
                 html_table(per_class, max_rows=200, index=True)]
    else:
        body.append("<p>Not applicable to regression.</p>")
    body += [f"<h2>{SECTIONS[4]}</h2>", f"<p>The {len(worst)} rows with the largest "
             f"{'absolute error' if result.task == 'regression' else 'loss'}.</p>", html_table(_rows(worst), max_rows=200, index=True)]
    body.append(f"<h2>{SECTIONS[5]}</h2>")
    for name, frame in examples.items():
        body += [f"<h3>{_e(name.capitalize())}</h3>", html_table(_rows(frame), index=True) if len(frame) else "<p>None.</p>"]
    info = {"task": result.task, "rows": result.n_rows, "classes": result.classes, "threshold": result.threshold,
            "confidence level": result.level, **result.meta, **(meta or {}),
            "generated": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
    if "decision threshold" in info:  # the caller's name for the same number: show it once
        info["decision threshold"] = info.pop("threshold") if info["decision threshold"] is None else info["decision threshold"]
        info.pop("threshold", None)
    meta_df = pd.DataFrame({"key": list(info), "value": [_meta_value(v) for v in info.values()]})
    body += [f"<h2>{SECTIONS[6]}</h2>", html_table(meta_df.astype(str), max_rows=200)]
    doc = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
           f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc, encoding="utf-8")
    return path
