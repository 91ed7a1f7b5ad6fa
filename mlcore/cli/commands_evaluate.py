"""`mlcore evaluate`: metrics with intervals, plots, HTML report, decision threshold."""

from __future__ import annotations

import argparse

from mlcore import vocab
from mlcore.cli._common import emit, make_ctx, open_workspace, table


def register(sub, common) -> None:
    p = sub.add_parser("evaluate", parents=[common], help="evaluate a job or model version")
    p.add_argument("id", help="a completed job id, a model id, NAME:VERSION or NAME@production")
    p.add_argument("--dataset", help="evaluate on another dataset (all its rows)")
    p.add_argument("--split", default="test", choices=vocab.SPLITS)
    p.add_argument("--report", metavar="FILE.html", help="write the HTML report here")
    p.add_argument("--plots", metavar="DIR", help="save every figure as PNG here")
    p.add_argument("--threshold-by", metavar="f1|youden|precision=0.9|recall=0.8",
                   help="choose and store a decision threshold (binary classifiers), on the validation rows")
    p.add_argument("--threshold", type=float, help="store this decision threshold (binary classifiers)")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the 95%% intervals")
    p.set_defaults(func=cmd_evaluate)


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def cmd_evaluate(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        chosen = None
        if args.threshold_by:
            chosen = ws.choose_threshold(args.id, args.threshold_by)
        elif args.threshold is not None:
            ws.set_threshold(args.id, args.threshold)
        dataset = ws.find_dataset(args.dataset).id if args.dataset else None
        bundle = ws.evaluate(args.id, dataset_id=dataset, split=args.split, n_boot=args.bootstrap, ctx=make_ctx(args))
        payload = bundle.to_dict()
        if chosen:
            payload["threshold_choice"] = chosen
        if args.report:
            payload["report"] = str(ws.write_report(bundle, args.report))
        if args.plots:
            payload["plots"] = [str(p) for p in ws.save_plots(bundle, args.plots)]
    result = bundle.result
    rows = []
    for name, value in result.metrics.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            low, high = result.intervals.get(name, (None, None))
            ci = f"[{low:.4f}, {high:.4f}]" if low is not None and high is not None else ""
            rows.append([name, _fmt(value), ci])
    lines = [bundle.title, table(rows, ["metric", "value", "95% CI"])]
    if chosen:
        lines.append(f"decision threshold {chosen['threshold']:.4f} chosen by {args.threshold_by} "
                     f"on {chosen['chosen_on']}")
    if payload.get("report"):
        lines.append(f"report: {payload['report']}")
    if payload.get("plots"):
        lines.append(f"plots: {len(payload['plots'])} PNG files in {args.plots}")
    emit(args, payload, "\n".join(lines))
    return 0
