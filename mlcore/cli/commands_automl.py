"""`mlcore automl`: the best model in one command, under a time budget (live leaderboard lines)."""

from __future__ import annotations

import argparse

from mlcore import vocab
from mlcore.cli._common import emit, fmt_value, make_ctx, open_workspace, table


def register(sub, common) -> None:
    p = sub.add_parser("automl", parents=[common],
                       help="search model families under a time budget and keep the best model or ensemble")
    p.add_argument("--dataset", required=True)
    p.add_argument("--target")
    p.add_argument("--task", choices=["classification", "regression"])
    p.add_argument("--time-budget", type=float, default=60.0,
                   help="seconds for the whole job, search, ensemble and test evaluation included (default 60)")
    p.add_argument("--metric", help="default: ROC-AUC (binary), log-loss (multiclass), R² (regression); any of "
                                    + "; ".join(", ".join(m) for m in vocab.SELECTION_METRICS.values()))
    p.add_argument("--recipe", help="name of a saved preparation recipe (default: one suited to each family)")
    p.add_argument("--test-size", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=42)
    p.set_defaults(func=cmd_automl)


def _live_ctx(args: argparse.Namespace):
    from mlcore.jobs import ConsoleContext

    class LiveConsole(ConsoleContext):
        def _on_event(self, kind: str, data: dict) -> None:
            if kind == "automl_trial":
                extra = f" ({data['error']})" if data.get("error") else ""
                self.log(f"trial {data.get('trial')}: {data.get('model')} {fmt_value(data.get('score'))} "
                         f"± {fmt_value(data.get('score_std'))} at {data.get('elapsed', 0):.1f}s{extra}")

    base = make_ctx(args)
    return LiveConsole(stream=base.stream, quiet=base.quiet)


def cmd_automl(args: argparse.Namespace) -> int:

    with open_workspace(args) as ws:
        ds = ws.find_dataset(args.dataset)
        ctx = _live_ctx(args)
        job = ws.automl(ds.id, target_column=args.target, task_type=args.task, time_budget=args.time_budget,
                        metric=args.metric, seed=args.seed, recipe=args.recipe, test_size=args.test_size, ctx=ctx)
        ctx.finish()
    results = job.results or {}
    auto = results.get("automl") or {}
    summary = results.get("training_summary") or {}
    board = sorted((r for r in auto.get("leaderboard", []) if r.get("status") == "ok"),
                   key=lambda r: r["score"], reverse=vocab.higher_is_better(auto.get("metric", "")))
    rows = [[r["trial"], r["model"], fmt_value(r["score"]), fmt_value(r["score_std"]), fmt_value(r["fit_seconds"], 2),
             fmt_value(r["predict_ms_per_1k_rows"], 1), fmt_value(r["ensemble_weight"], 2) if r["ensemble_weight"] else ""]
            for r in board[:15]]
    what = f"ensemble of {len(auto.get('ensemble', []))}" if auto.get("used_ensemble") else summary.get("best_model")
    lines = [f"job {job.id} (automl): {job.status} in {summary.get('seconds')} s of {summary.get('time_budget')}",
             f"  {summary.get('n_trials')} candidates, {auto.get('validation')}; {auto.get('metric')} "
             f"out of fold {fmt_value(auto.get('final_score'))}: {what}",
             table(rows, ["trial", "model", "score", "std", "fit s", "ms/1k rows", "weight"])]
    test = ((results.get("evaluation") or {}).get("test") or {}).get("metrics") or {}
    shown = {k: v for k, v in test.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    if shown:
        lines.append("  test: " + ", ".join(f"{k} {v:.4f}" for k, v in list(shown.items())[:6]))
    emit(args, dict(job.record(), status=job.status), "\n".join(lines))
    return 0
