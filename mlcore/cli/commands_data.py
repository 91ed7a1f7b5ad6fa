"""`mlcore datasets ...` and `mlcore data ...`: import, inspect and prepare datasets."""

from __future__ import annotations

import argparse

from mlcore import vocab
from mlcore.cli._common import emit, make_ctx, open_workspace, table


def register(sub, common) -> None:
    ds = sub.add_parser("datasets", parents=[common], help="import, list, show and delete datasets")
    dsub = ds.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = dsub.add_parser("import", parents=[common], help="import a CSV/TSV/TXT/Excel/Parquet file")
    p.add_argument("file")
    p.add_argument("--name")
    p.add_argument("--target")
    p.add_argument("--sheet", help="Excel sheet name or 0-based index")
    p.add_argument("--sep", help="force the delimiter (use '\\t' for tab)")
    p.add_argument("--encoding", help="force the text encoding, e.g. utf-8, cp1252")
    p.add_argument("--decimal", help="force the decimal mark: '.' or ','")
    p.add_argument("--partitioned", action=argparse.BooleanOptionalAction, default=None,
                   help="stream a CSV/TSV/TXT/Parquet file into Parquet parts with bounded memory (default: "
                        "files of 1 GiB and more)")
    p.add_argument("--chunk-rows", type=int, help="rows per part of a partitioned import (default 250000)")
    p.set_defaults(func=cmd_import)

    p = dsub.add_parser("list", parents=[common], help="list datasets")
    p.set_defaults(func=cmd_list)
    p = dsub.add_parser("show", parents=[common], help="details and statistics of a dataset")
    p.add_argument("dataset_id")
    p.set_defaults(func=cmd_show)
    p = dsub.add_parser("delete", parents=[common], help="delete a dataset")
    p.add_argument("dataset_id")
    p.add_argument("--force", action="store_true", help="delete even if trained models use it")
    p.set_defaults(func=cmd_delete)
    p = dsub.add_parser("samples", parents=[common], help="list the bundled sample datasets")
    p.set_defaults(func=cmd_samples)
    p = dsub.add_parser("sample", parents=[common], help="import a bundled sample dataset")
    p.add_argument("name")
    p.set_defaults(func=cmd_sample)
    p = dsub.add_parser("target", parents=[common], help="set the target column of a dataset")
    p.add_argument("dataset_id")
    p.add_argument("column")
    p.set_defaults(func=cmd_target)

    data = sub.add_parser("data", parents=[common], help="clean, select features, split")
    dsub = data.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = dsub.add_parser("clean", parents=[common], help="clean a dataset into a new dataset")
    p.add_argument("--dataset", required=True)
    p.add_argument("--missing-strategy", default="mean",
                   choices=vocab.MISSING_STRATEGIES)
    p.add_argument("--outlier-method", default="none", choices=vocab.OUTLIER_METHODS)
    p.add_argument("--outlier-threshold", type=float, default=3.0)
    p.add_argument("--name", help="name of the cleaned dataset")
    p.add_argument("--dry-run", action="store_true", help="report the counts without saving")
    p.set_defaults(func=cmd_clean)
    p = dsub.add_parser("select-features", parents=[common], help="rank features against the target")
    p.add_argument("--dataset", required=True)
    p.add_argument("--target")
    p.add_argument("--method", default="tree_importance",
                   choices=vocab.SELECTION_METHODS)
    p.add_argument("--n-features", type=int, default=10)
    p.add_argument("--task", choices=vocab.TASKS)
    p.set_defaults(func=cmd_select)
    p = dsub.add_parser("split", parents=[common], help="train/validation/test counts")
    p.add_argument("--dataset", required=True)
    p.add_argument("--target")
    p.add_argument("--test-size", type=float, default=0.2)
    p.add_argument("--validation-size", type=float, default=0.1)
    p.add_argument("--no-stratify", dest="stratify", action="store_false")
    p.add_argument("--time-column", help="split in time order by this column (no shuffling)")
    p.set_defaults(func=cmd_split)


def _ws(args):
    return open_workspace(args)


def _sep(raw: str | None) -> str | None:
    return {"\\t": "\t", "tab": "\t"}.get(raw, raw) if raw else raw


def cmd_import(args: argparse.Namespace) -> int:
    sheet = int(args.sheet) if args.sheet is not None and args.sheet.isdigit() else args.sheet
    with _ws(args) as ws:
        info = ws.import_dataset(args.file, name=args.name, target=args.target, sep=_sep(args.sep),
                                 encoding=args.encoding, decimal=args.decimal, sheet=sheet,
                                 partitioned=args.partitioned, chunk_rows=args.chunk_rows, ctx=make_ctx(args))
    payload = dict(info.summary(), import_info=info.import_info)
    lines = [f"imported {info.name!r} as {info.id}: {info.rows} rows x {info.columns} columns"]
    if info.import_info.get("partitioned"):
        lines.append(f"  partitioned: {info.import_info['partitions']} Parquet part(s); train and predict it "
                     "with --dask when it does not fit in memory")
    if info.import_info.get("duplicate_of"):
        lines.append("  (identical content was already imported; reusing that dataset)")
    for old, new in (info.import_info.get("renamed_columns") or {}).items():
        lines.append(f"  renamed column {old!r} -> {new!r}")
    for col, what in (info.import_info.get("conversions") or {}).items():
        lines.append(f"  column {col!r}: {what}")
    lines += [f"  warning: {w}" for w in info.import_info.get("warnings") or []]
    emit(args, payload, "\n".join(lines))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        infos = ws.list_datasets()
    rows = [[i.id[:8], i.name, i.rows, i.columns, i.target_column or "", i.created_at.strftime("%Y-%m-%d %H:%M")]
            for i in infos]
    emit(args, {"datasets": [i.summary() for i in infos]},
         table(rows, ["id", "name", "rows", "cols", "target", "created"]) if infos else "no datasets yet")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        info = ws.find_dataset(args.dataset_id)
    details = info.details()
    lines = [f"{info.name} ({info.id})", f"rows {info.rows}, columns {info.columns}, target {info.target_column}"]
    rows = []
    for col in info.column_names:
        stats = details["numeric_stats"].get(col) or {}
        cat = details["categorical_stats"].get(col) or {}
        summary = (f"mean {stats.get('mean'):.4g}  min {stats.get('min')}  max {stats.get('max')}"
                   if stats.get("mean") is not None else
                   f"{cat.get('cardinality')} levels" if cat else "")
        rows.append([col, info.dtypes.get(col), info.missing_values.get(col, 0), summary])
    lines.append(table(rows, ["column", "dtype", "missing", "summary"]))
    emit(args, details, "\n".join(lines))
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        info = ws.find_dataset(args.dataset_id)
        ws.delete_dataset(info.id, force=args.force)
    emit(args, {"status": "success", "deleted": info.id}, f"deleted {info.name!r} ({info.id})")
    return 0


def cmd_samples(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        samples = ws.list_samples()
    rows = [[s.name, s.task, s.rows, s.target, s.title] for s in samples]
    emit(args, {"samples": [vars(s) if not hasattr(s, "to_dict") else s.to_dict() for s in samples]},
         table(rows, ["name", "task", "rows", "target", "title"]))
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        info = ws.import_sample(args.name, ctx=make_ctx(args))
    emit(args, info.summary(), f"imported sample {args.name!r} as {info.id}: {info.rows} rows x {info.columns} "
                               f"columns, target {info.target_column!r}")
    return 0


def cmd_target(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        info = ws.set_target(ws.find_dataset(args.dataset_id).id, args.column)
    emit(args, info.summary(), f"target of {info.name!r} is now {info.target_column!r}")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        ds = ws.find_dataset(args.dataset)
        result = ws.clean(ds.id, args.missing_strategy, args.outlier_method, args.outlier_threshold,
                          save=not args.dry_run, name=args.name, ctx=make_ctx(args))
    text = f"{result['original_rows']} rows -> {result['cleaned_rows']} rows"
    if result["cleaned_dataset_id"]:
        text += f"; saved as dataset {result['cleaned_dataset_id']}"
    emit(args, result, text)
    return 0


def cmd_select(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        ds = ws.find_dataset(args.dataset)
        result = ws.select_features(ds.id, args.target, args.method, args.n_features, args.task, ctx=make_ctx(args))
    rows = [[r["feature"], f"{r['score']:.4g}", "yes" if r["feature"] in result["selected_features"] else ""]
            for r in result["feature_importance"]]
    emit(args, result, table(rows, ["feature", "score", "selected"]))
    return 0


def cmd_split(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        ds = ws.find_dataset(args.dataset)
        result = ws.split(ds.id, args.target, args.test_size, args.validation_size, args.stratify, args.time_column)
    emit(args, result, f"train {result['train_samples']}, validation {result['validation_samples']}, "
                       f"test {result['test_samples']}" + (" (stratified)" if result["stratified"] else ""))
    return 0
