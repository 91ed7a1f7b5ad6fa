"""`mlcore models ...`, `mlcore ab ...`, `mlcore predict`, `mlcore export`."""

from __future__ import annotations

import argparse

from mlcore import vocab
from mlcore.errors import ConfigError
from mlcore.cli._common import add_dask_arguments, dask_options, emit, make_ctx, open_workspace, table


def register(sub, common) -> None:
    models = sub.add_parser("models", parents=[common], help="model versions and stages")
    msub = models.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = msub.add_parser("deploy", parents=[common], help="register a completed job as a model version")
    p.add_argument("job_id")
    p.add_argument("--name", required=True)
    p.add_argument("--version", help="semantic version; default: the next minor version")
    p.add_argument("--description")
    p.add_argument("--tags", help="comma-separated")
    p.add_argument("--promote", action="store_true", help="make it the production version")
    p.set_defaults(func=cmd_deploy)
    p = msub.add_parser("list", parents=[common], help="list model versions (filter by name or stage)")
    p.add_argument("--name")
    p.add_argument("--status", choices=vocab.MODEL_STATUSES)
    p.set_defaults(func=cmd_list)
    p = msub.add_parser("show", parents=[common], help="details, metrics and schema of a model version")
    p.add_argument("model")
    p.set_defaults(func=cmd_show)
    for action, helptext in (("promote", "make production"), ("demote", "production→staged→training"),
                             ("archive", "archive a version")):
        p = msub.add_parser(action, parents=[common], help=helptext)
        p.add_argument("model")
        p.add_argument("--reason")
        p.set_defaults(func=cmd_stage, stage_action=action)
    p = msub.add_parser("rollback", parents=[common], help="make an earlier version production again")
    p.add_argument("name")
    p.add_argument("--to-version", help="default: the previous production version")
    p.add_argument("--reason")
    p.set_defaults(func=cmd_rollback)
    p = msub.add_parser("history", parents=[common], help="stage transitions of a model name")
    p.add_argument("name")
    p.set_defaults(func=cmd_history)
    p = msub.add_parser("compare", parents=[common], help="evaluate versions side by side on a dataset")
    p.add_argument("models", nargs="+")
    p.add_argument("--dataset", required=True)
    p.set_defaults(func=cmd_compare_versions)

    p = msub.add_parser("import", parents=[common], help="register a .skops model file (type-audited)")
    p.add_argument("file")
    p.add_argument("--name", required=True)
    p.add_argument("--version")
    p.add_argument("--task", required=True, choices=vocab.TASKS)
    p.add_argument("--trust", help="comma-separated types to trust after reading the audit")
    p.set_defaults(func=cmd_import_model)

    ab = sub.add_parser("ab", parents=[common], help="A/B tests between model versions")
    asub = ab.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = asub.add_parser("create", parents=[common], help="start an A/B test between two model versions")
    p.add_argument("name")
    p.add_argument("--model-a", required=True)
    p.add_argument("--model-b", required=True)
    p.add_argument("--split", type=float, default=0.5, help="share of users sent to model A")
    p.set_defaults(func=cmd_ab_create)
    p = asub.add_parser("show", parents=[common], help="counts per arm and the outcome analysis")
    p.add_argument("name")
    p.set_defaults(func=cmd_ab_show)
    p = asub.add_parser("list", parents=[common], help="list A/B tests")
    p.set_defaults(func=cmd_ab_list)
    p = asub.add_parser("outcomes", parents=[common], help="record outcomes from a file")
    p.add_argument("name")
    p.add_argument("file", help="columns prediction_id or user_id, and outcome")
    p.set_defaults(func=cmd_ab_outcomes)
    p = asub.add_parser("stop", parents=[common], help="stop an A/B test")
    p.add_argument("name")
    p.set_defaults(func=cmd_ab_stop)
    p = asub.add_parser("promote-winner", parents=[common], help="promote the winning arm to production")
    p.add_argument("name")
    p.add_argument("--arm", choices=["A", "B"], help="promote this arm even without a significant result")
    p.set_defaults(func=cmd_ab_promote)

    p = sub.add_parser("predict", parents=[common], help="predict every row of a file")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--model", help="model id or NAME:VERSION")
    who.add_argument("--name", help="use the production version of this model name")
    who.add_argument("--ab-test", help="route rows through an A/B test")
    p.add_argument("--user-column", help="user-id column for --ab-test (sticky assignment)")
    p.add_argument("--input", required=True, help="a file; with --dask, a dataset (id or name)")
    p.add_argument("--output", required=True, help=".csv, .xlsx or .parquet; with --dask, a new folder of Parquet parts")
    add_dask_arguments(p, "predict a dataset's partitions")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("export", parents=[common], help="export a model version")
    p.add_argument("model")
    p.add_argument("--format", required=True, choices=vocab.EXPORT_FORMATS)
    p.add_argument("--output", required=True, help="file or folder")
    p.set_defaults(func=cmd_export)


def _ws(args):
    return open_workspace(args)


def _line(m) -> str:
    return f"{m.name} {m.version} [{m.status}] ({m.algorithm}, id {m.id})"


def cmd_deploy(args: argparse.Namespace) -> int:
    tags = [t.strip() for t in args.tags.split(",") if t.strip()] if args.tags else []
    with _ws(args) as ws:
        m = ws.deploy(args.job_id, args.name, args.version, args.description, tags, args.promote)
    emit(args, {"status": "success", "model_id": m.id, "message": "Model deployed successfully",
                "model": m.summary()}, f"deployed {_line(m)}")
    return 0


def cmd_import_model(args: argparse.Namespace) -> int:
    trusted = [t.strip() for t in args.trust.split(",") if t.strip()] if args.trust else None
    with _ws(args) as ws:
        m = ws.import_model_file(args.file, name=args.name, version=args.version, task_type=args.task,
                                 trusted=trusted)
    emit(args, {"status": "success", "model_id": m.id, "model": m.summary()}, f"imported {_line(m)}")
    return 0


def _at_default(metrics: dict, key: str) -> str:
    """' (0.5: x)' when ``key`` is shown at a chosen threshold and differs at the usual 0.5."""
    before = (metrics.get("at_default_threshold") or {}).get(key)
    return f" at {metrics['threshold']:.3g} (0.5: {before:.4f})" if isinstance(before, (int, float)) \
        and isinstance(metrics.get("threshold"), (int, float)) else ""


def cmd_list(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        models = ws.list_models(args.name, args.status)
    rows = []
    for m in models:
        headline = next((f"{k} {v:.4f}" + _at_default(m.metrics, k) for k, v in m.metrics.items()
                         if k in vocab.HEADLINE_METRICS and isinstance(v, float)), "")
        rows.append([m.id[:8], m.name, m.version, m.status, m.algorithm, headline,
                     m.created_at.strftime("%Y-%m-%d %H:%M")])
    emit(args, {"status": "success", "models": [m.summary() for m in models]},
         table(rows, ["id", "name", "version", "status", "algorithm", "metric", "created"]) if rows
         else "no model versions")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        m = ws.get_model(args.model)
    emit(args, m.to_dict())
    return 0


def cmd_stage(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        m = getattr(ws, args.stage_action)(args.model, reason=args.reason)
    emit(args, {"status": "success", "message": f"Model {args.stage_action}d", "model": m.summary()}, _line(m))
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        m = ws.rollback(args.name, args.to_version, args.reason)
    emit(args, {"status": "success", "model_id": m.id, "message": f"Rolled back to model {m.id}"},
         f"rolled back: {_line(m)}")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        steps = ws.history(args.name)
    rows = [[t.created_at.strftime("%Y-%m-%d %H:%M:%S"), t.version, t.from_status or "-", t.to_status,
             t.reason or ""] for t in steps]
    emit(args, {"name": args.name, "history": [t.to_dict() for t in steps]},
         table(rows, ["when", "version", "from", "to", "reason"]))
    return 0


def cmd_compare_versions(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        rows = ws.compare_versions(args.models, ws.find_dataset(args.dataset).id, ctx=make_ctx(args))
    shown = []
    for r in rows:
        key = "accuracy" if "accuracy" in r["metrics"] else "r2"
        shown.append([r["name"], r["version"], r["status"], f"{key} {r['metrics'][key]:.4f}",
                      f"{r['latency_ms_per_row']:.4f} ms"])
    emit(args, {"comparison": rows}, table(shown, ["name", "version", "status", "metric", "latency/row"]))
    return 0


def cmd_ab_create(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        t = ws.create_ab_test(args.model_a, args.model_b, args.name, args.split)
    emit(args, {"status": "success", "config": t.to_dict()},
         f"A/B test {t.name!r}: A={t.model_a_id[:8]} B={t.model_b_id[:8]}, {t.split_ratio:.0%} of users to A")
    return 0


def _analysis_text(a: dict) -> str:
    lines = [f"A/B test {a['test_name']} ({a['status']}): rows A {a['rows']['A']}, B {a['rows']['B']}; "
             f"outcomes A {a['outcomes']['A']}, B {a['outcomes']['B']}"]
    if a.get("test"):
        lift = "n/a" if a["lift"] is None else f"{a['lift']:+.2%}"
        lines.append(f"  {a['test']}: {a['metric']} A {a['value_a']:.4f}, B {a['value_b']:.4f}, "
                     f"p = {a['p_value']:.4g}, lift {lift}")
        lines.append(f"  winner: {a['winner'] or 'none (not significant)'}")
    if a["srm"].get("mismatch"):
        lines.append(f"  WARNING sample ratio mismatch (p = {a['srm']['p_value']:.3g})")
    if a.get("note"):
        lines.append(f"  note: {a['note']}")
    return "\n".join(lines)


def cmd_ab_show(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        analysis = ws.analyse_ab_test(args.name)
        info = ws.get_ab_test(args.name)
    analysis["config"] = info.to_dict()
    emit(args, analysis, _analysis_text(analysis))
    return 0


def cmd_ab_list(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        tests = ws.list_ab_tests()
    rows = [[t.name, t.status, f"{t.split_ratio:.2f}", t.counts.get("A", 0), t.counts.get("B", 0)] for t in tests]
    emit(args, {"ab_tests": [t.to_dict() for t in tests]}, table(rows, ["name", "status", "split", "A", "B"]))
    return 0


def cmd_ab_outcomes(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        result = ws.record_outcomes_file(args.name, args.file)
    emit(args, result, f"{result['matched_predictions']} prediction(s) matched from {result['rows']} outcome row(s)")
    return 0


def cmd_ab_stop(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        t = ws.stop_ab_test(args.name)
    emit(args, {"status": "success", "config": t.to_dict()}, f"A/B test {t.name!r} stopped")
    return 0


def cmd_ab_promote(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        m = ws.promote_ab_winner(args.name, args.arm)
    emit(args, {"status": "success", "model": m.summary()}, f"promoted the winner: {_line(m)}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    if args.dask:
        if args.ab_test:
            raise ConfigError("--ab-test is not available with --dask; predict with --model or --name.")
        with _ws(args) as ws:
            ds = ws.find_dataset(args.input)
            result = ws.predict_dataset(ds.id, args.output, model_id=args.model, name=args.name, dask=args.dask,
                                        dask_options=dask_options(args), ctx=make_ctx(args))
        emit(args, result.to_dict(), f"predicted {result.rows} rows -> {result.output_path}")
        return 0
    with _ws(args) as ws:
        result = ws.predict_file(args.input, args.output, model_id=args.model, name=args.name,
                                 ab_test_name=args.ab_test, user_column=args.user_column, ctx=make_ctx(args))
    lines = [f"predicted {result.rows} rows -> {result.output_path}"]
    if result.arms:
        lines.append(f"  arms: A {result.arms['A']}, B {result.arms['B']}")
    lines += [f"  warning: {w}" for w in result.warnings]
    emit(args, dict(result.to_dict(), preview=result.preview.head(5).to_dict(orient="records")), "\n".join(lines))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        result = ws.export_model(args.model, args.format, args.output, ctx=make_ctx(args))
    text = f"exported {args.format} to {result['path']}"
    if args.format == "onnx":
        text += (f"\n  parity on {result.get('rows_checked')} rows: label agreement "
                 f"{result.get('label_agreement')}, max probability difference {result.get('max_proba_diff')}")
        if result.get("warning"):
            text += f"\n  warning: {result['warning']}"
    emit(args, result, text)
    return 0
