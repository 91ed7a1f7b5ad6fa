"""`mlcore compare`, `mlcore tune`, `mlcore worker` and `mlcore experiments list`."""

from __future__ import annotations

import argparse

from mlcore import vocab
from mlcore.cli._common import emit, fmt_value, make_ctx, open_workspace, table


def register(sub, common) -> None:
    p = sub.add_parser("compare", parents=[common], help="cross-validate several models (live progress)")
    p.add_argument("--dataset", required=True)
    p.add_argument("--target")
    p.add_argument("--task", choices=vocab.TASKS)
    p.add_argument("--models", required=True, help="comma-separated algorithm names, e.g. logistic,knn,xgboost")
    p.add_argument("--cv", type=int, default=5, help="number of cross-validation folds")
    p.add_argument("--cv-kind", default="auto", choices=vocab.CV_KINDS,
                   help="auto: stratified for classification, kfold for regression")
    p.add_argument("--group-column", help="with --cv-kind group: rows sharing this column's value stay in one fold")
    p.add_argument("--metric", help="primary metric (accuracy, roc_auc, f1_macro, balanced_accuracy, log_loss; "
                                    "r2, rmse, mae)")
    p.add_argument("--recipe", help="name of a saved preparation recipe")
    p.add_argument("--seed", type=int, default=42)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("tune", parents=[common], help="tune one algorithm's hyperparameters (live trials)")
    p.add_argument("--dataset", required=True)
    p.add_argument("--target")
    p.add_argument("--task", choices=vocab.TASKS)
    p.add_argument("--algorithm", required=True)
    p.add_argument("--method", default="optuna", choices=vocab.TUNING_METHODS)
    p.add_argument("--n-trials", type=int, default=50)
    p.add_argument("--timeout", type=float, help="stop starting new trials after this many seconds")
    p.add_argument("--cv", type=int, default=5)
    p.add_argument("--cv-kind", default="auto", choices=vocab.CV_KINDS,
                   help="auto: stratified for classification, kfold for regression")
    p.add_argument("--group-column", help="with --cv-kind group: rows sharing this column's value stay in one fold")
    p.add_argument("--metric")
    p.add_argument("--storage", help="Optuna storage URL (default: optuna.db in the workspace)")
    p.add_argument("--study-name")
    p.add_argument("--no-pruning", dest="pruning", action="store_false")
    p.add_argument("--test-size", type=float, default=0.2)
    p.add_argument("--recipe", help="name of a saved preparation recipe")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--workers", type=int, help="processes on one shared study (n-trials and timeout are for the "
                                               "whole study); others may join with `mlcore worker --job ID`")
    p.set_defaults(func=cmd_tune)

    p = sub.add_parser("worker", parents=[common], help="join a running tune job's study as one more worker")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--job", help="the id of a tune job started with --workers")
    which.add_argument("--study", help="the Optuna study name of such a job (with --storage)")
    p.add_argument("--storage", help="Optuna storage URL (default: the job's, or optuna.db in the workspace)")
    p.add_argument("--worker-index", type=int, help="this worker's number (its sampler seed is the job's seed + it)")
    p.set_defaults(func=cmd_worker)

    exp = sub.add_parser("experiments", parents=[common], help="tuning runs (MLExperiment rows)")
    esub = exp.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = esub.add_parser("list", parents=[common], help="list tuning runs with their best score")
    p.add_argument("--job")
    p.set_defaults(func=cmd_experiments_list)


def _ws(args):
    return open_workspace(args)


def _live_ctx(args: argparse.Namespace):
    """The CLI's progress bar, plus one line per finished trial or compared model."""
    from mlcore.jobs import ConsoleContext

    class LiveConsole(ConsoleContext):
        def _on_event(self, kind: str, data: dict) -> None:
            if kind == "trial":
                by = "" if data.get("worker") is None else f" (worker {data['worker']})"
                self.log(f"trial {data.get('number')}{by}: {data.get('state')} value {fmt_value(data.get('value'))} "
                         f"best {fmt_value(data.get('best'))} {data.get('params')}")
            elif kind == "compare_row":
                reason = f" ({data['error']})" if data.get("error") else ""
                self.log(f"{data.get('model')}: {data.get('status')} mean {fmt_value(data.get('mean_score'))} "
                         f"± {fmt_value(data.get('std_score'))}{reason}")

    base = make_ctx(args)
    return LiveConsole(stream=base.stream, quiet=base.quiet)


def cmd_compare(args: argparse.Namespace) -> int:
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    with _ws(args) as ws:
        ds = ws.find_dataset(args.dataset)
        ctx = _live_ctx(args)
        out = ws.compare(ds.id, target_column=args.target, task_type=args.task, models=models, cv=args.cv,
                         metric=args.metric, recipe=args.recipe, seed=args.seed, ctx=ctx,
                         cv_kind=args.cv_kind, group_column=args.group_column)
        ctx.finish()
    rows = [[r.get("rank") or "-", r["model"], r["status"], fmt_value(r.get("mean_score")), fmt_value(r.get("std_score")),
             fmt_value(r.get("p_value"), 3), fmt_value(r.get("fit_time"), 2), r.get("error") or ""]
            for r in out["comparison"]]
    text = (f"{out.get('metric')} over {out.get('cv')}-fold CV (p: corrected t-test vs the best)\n"
            + table(rows, ["rank", "model", "status", "mean", "std", "p", "fit s", "error"]))
    emit(args, out, text)
    return 0


def cmd_tune(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        ds = ws.find_dataset(args.dataset)
        ctx = _live_ctx(args)
        job = ws.tune(ds.id, target_column=args.target, task_type=args.task, algorithm=args.algorithm,
                      tuning_method=args.method, n_trials=args.n_trials, timeout=args.timeout, cv=args.cv,
                      metric=args.metric, storage=args.storage, study_name=args.study_name, pruning=args.pruning,
                      recipe=args.recipe, test_size=args.test_size, seed=args.seed, ctx=ctx,
                      cv_kind=args.cv_kind, group_column=args.group_column, workers=args.workers)
        ctx.finish()
    results = job.results or {}
    summary = results.get("training_summary") or {}
    lines = [f"job {job.id} (tune): {job.status}",
             f"  {summary.get('algorithm')} by {summary.get('method')}: {summary.get('n_trials')} trials "
             f"({summary.get('n_complete')} complete, {summary.get('n_pruned')} pruned, {summary.get('n_failed')} failed)",
             f"  best CV {summary.get('metric')} {fmt_value(results.get('best_score'))} (trial {summary.get('best_trial')})",
             f"  best params {results.get('best_params')}"]
    test = ((results.get("evaluation") or {}).get("test") or {}).get("metrics") or {}
    shown = {k: v for k, v in test.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    if shown:
        lines.append("  test: " + ", ".join(f"{k} {v:.4f}" for k, v in list(shown.items())[:6]))
    emit(args, dict(job.record(), status=job.status), "\n".join(lines))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        ctx = _live_ctx(args)
        out = ws.join_tune(job_id=args.job, study_name=args.study, storage=args.storage,
                           worker_index=args.worker_index, ctx=ctx)
        ctx.finish()
    text = (f"worker {out['worker']} on study {out['study_name']} (job {out['job_id']}): {out['n_trials']} trials "
            f"({out['n_complete']} complete, {out['n_pruned']} pruned, {out['n_failed']} failed) "
            f"in {out['seconds']:.1f} s" + "".join(f"\n  {n}" for n in out["notes"]))
    emit(args, out, text)
    return 0


def cmd_experiments_list(args: argparse.Namespace) -> int:
    with _ws(args) as ws:
        rows = ws.list_experiments(job_id=args.job)
    emit(args, {"experiments": [r.to_dict() for r in rows]},
         table([[r.id[:8], r.algorithm, r.method, r.status, fmt_value(r.best_score), len(r.trials or [])] for r in rows],
               ["id", "algorithm", "method", "status", "best", "trials"]) if rows else "no experiments yet")
    return 0
