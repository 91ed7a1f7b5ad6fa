"""`mlcore train`, `mlcore jobs ...` and `mlcore recipes ...`."""

from __future__ import annotations

import argparse

from mlcore import vocab
from mlcore.cli._common import add_dask_arguments, dask_options, emit, make_ctx, open_workspace, parse_json_option, table
from mlcore.training import DEFAULT_ALGORITHM, DEFAULT_EARLY_STOPPING, DEFAULT_PATIENCE, DEFAULT_REFIT


def register(sub, common) -> None:
    p = sub.add_parser("train", parents=[common], help="train one model (live progress)")
    p.add_argument("--dataset", required=True)
    p.add_argument("--target")
    p.add_argument("--task", choices=vocab.TASKS)
    p.add_argument("--algorithm", default=DEFAULT_ALGORITHM,
                   help=f"catalog name (default {DEFAULT_ALGORITHM}; see `mlcore algorithms`)")
    p.add_argument("--params", help="hyperparameters as JSON, e.g. '{\"n_estimators\": 200}'")
    p.add_argument("--test-size", type=float, default=0.2)
    p.add_argument("--validation-size", type=float, default=0.1)
    p.add_argument("--no-stratify", dest="stratify", action="store_false")
    p.add_argument("--time-column")
    p.add_argument("--scaling", choices=vocab.SCALINGS)
    p.add_argument("--feature-selection", metavar="METHOD:N", help="e.g. tree_importance:10")
    p.add_argument("--early-stopping", action=argparse.BooleanOptionalAction, default=DEFAULT_EARLY_STOPPING,
                   help="stop boosting when the validation loss stops improving (default: on)")
    p.add_argument("--patience", type=int, default=DEFAULT_PATIENCE,
                   help=f"rounds without improvement before stopping (default {DEFAULT_PATIENCE})")
    p.add_argument("--refit", action=argparse.BooleanOptionalAction, default=DEFAULT_REFIT,
                   help="refit on train+validation with the rounds found, scaled to the rows (default: on)")
    p.add_argument("--class-weight", choices=["balanced"])
    p.add_argument("--recipe", help="name of a saved preparation recipe")
    p.add_argument("--prep", help="preparation options as JSON (override the recipe)")
    p.add_argument("--seed", type=int, default=42)
    add_dask_arguments(p, "train lightgbm/xgboost")
    p.add_argument("--dask-external-memory", choices=["auto", "on", "off"], default="auto",
                   help="XGBoost on Dask: train from per-worker external memory (on), in memory (off), or choose by "
                        "the data's size against the workers' memory (auto, default)")
    p.set_defaults(func=cmd_train)

    jobs = sub.add_parser("jobs", parents=[common], help="training and tuning jobs")
    jsub = jobs.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = jsub.add_parser("list", parents=[common], help="list jobs (filter by kind or status)")
    p.add_argument("--kind")
    p.add_argument("--status")
    p.set_defaults(func=cmd_jobs_list)
    p = jsub.add_parser("show", parents=[common], help="details and results of a job")
    p.add_argument("job_id")
    p.set_defaults(func=cmd_jobs_show)

    rec = sub.add_parser("recipes", parents=[common], help="saved preparation recipes")
    rsub = rec.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = rsub.add_parser("save", parents=[common], help="save preparation options as a named recipe")
    p.add_argument("name")
    p.add_argument("--options", required=True, help="recipe options as JSON")
    p.add_argument("--description")
    p.set_defaults(func=cmd_recipe_save)
    p = rsub.add_parser("list", parents=[common], help="list saved recipes")
    p.set_defaults(func=cmd_recipe_list)
    p = rsub.add_parser("show", parents=[common], help="the options of a recipe")
    p.add_argument("name")
    p.set_defaults(func=cmd_recipe_show)

    p = sub.add_parser("algorithms", parents=[common], help="list the algorithm catalog")
    p.add_argument("--task", choices=vocab.TASKS)
    p.set_defaults(func=cmd_algorithms)


def _ws(args):
    return open_workspace(args)


def _feature_selection(raw: str | None) -> dict | None:
    from mlcore.errors import ConfigError

    if not raw:
        return None
    method, _, n = raw.partition(":")
    if not n.isdigit():
        raise ConfigError(f"--feature-selection wants METHOD:N, e.g. tree_importance:10, got {raw!r}.")
    return {"method": method, "n_features": int(n)}


def train_config_from_args(args: argparse.Namespace, dataset_id: str) -> dict:
    return {
        "dataset_id": dataset_id, "target_column": args.target, "task_type": args.task,
        "algorithm": args.algorithm, "hyperparameters": parse_json_option(args.params, "--params") or {},
        "test_size": args.test_size, "validation_size": args.validation_size, "stratify": args.stratify,
        "time_column": args.time_column, "scaling_method": args.scaling,
        "feature_selection": _feature_selection(args.feature_selection),
        "early_stopping": args.early_stopping, "early_stopping_patience": args.patience, "refit": args.refit,
        "class_weight": args.class_weight, "recipe": args.recipe,
        "preparation": parse_json_option(args.prep, "--prep"), "seed": args.seed,
    }


def describe_job(job) -> str:
    lines = [f"job {job.id} ({job.kind}): {job.status}"]
    if job.error:
        lines.append(f"  error: {job.error.splitlines()[0]}")
    results = job.results or {}
    summary = results.get("training_summary") or {}
    if summary:
        lines.append(f"  {summary.get('algorithm')} on {summary.get('task_type')}: "
                     f"{summary.get('n_iterations', '-')} iterations, best {summary.get('best_iteration', '-')}, "
                     f"stopped early: {summary.get('stopped_early')}, fit {summary.get('fit_seconds', 0):.2f}s")
        if (summary.get("refit") or {}).get("scheme"):
            lines.append(f"  {summary['refit']['scheme']}")
    for split, ev in (results.get("evaluation") or {}).items():
        metrics = ev.get("metrics", {})
        shown = {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        text = ", ".join(f"{k} {v:.4f}" for k, v in list(shown.items())[:6])
        lines.append(f"  {split}: {text}")
    return "\n".join(lines)


def cmd_train(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        ds = ws.find_dataset(args.dataset)
        ctx = make_ctx(args)
        options = dask_options(args)
        if args.dask and args.dask_external_memory != "auto":
            options = {**(options or {}), "external_memory": args.dask_external_memory == "on"}
        job = ws.train(train_config_from_args(args, ds.id), ctx=ctx, dask=args.dask, dask_options=options)
        ctx.finish()
    emit(args, job.record(), describe_job(job))
    return 0


def cmd_jobs_list(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        jobs = ws.list_jobs(kind=args.kind, status=args.status)
    rows = [[j.id[:8], j.kind, j.status, j.config.get("algorithm", ""), j.created_at.strftime("%Y-%m-%d %H:%M")]
            for j in jobs]
    emit(args, {"jobs": [j.record() | {"results": None} for j in jobs]},
         table(rows, ["id", "kind", "status", "algorithm", "created"]) if jobs else "no jobs yet")
    return 0


def cmd_jobs_show(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        job = ws.get_job(args.job_id)
    emit(args, job.record(), describe_job(job))
    return 0


def cmd_recipe_save(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        info = ws.save_recipe(args.name, parse_json_option(args.options, "--options"), args.description)
    emit(args, info.to_dict(), f"saved recipe {info.name!r}")
    return 0


def cmd_recipe_list(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        recipes = ws.list_recipes()
    emit(args, {"recipes": [r.to_dict() for r in recipes]},
         "\n".join(r.name for r in recipes) or "no recipes yet")
    return 0


def cmd_recipe_show(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        info = ws.get_recipe(args.name)
    emit(args, info.to_dict())
    return 0


def cmd_algorithms(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        specs = ws.list_algorithms(args.task)
    rows = [[s.name, s.task, s.label, ", ".join(p.name for p in s.params)] for s in specs]
    emit(args, {"algorithms": [{"name": s.name, "task": s.task, "label": s.label,
                                "params": [vars(p) if hasattr(p, "__dict__") else p for p in s.params]}
                               for s in specs]},
         table(rows, ["name", "task", "label", "parameters"]))
    return 0
