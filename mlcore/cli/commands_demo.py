"""`mlcore demo`: the whole flow in a temporary workspace, step by step."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from mlcore.cli._common import emit, make_ctx


def register(sub, common) -> None:
    p = sub.add_parser("demo", parents=[common], help="run the whole flow on a sample dataset and show the outputs")
    p.add_argument("--sample", default="penguins", help="sample dataset (default: penguins)")
    p.add_argument("--algorithm", default="lightgbm")
    p.add_argument("--output", help="folder for the demo workspace and outputs (default: a new temp folder)")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from mlcore.workspace import Workspace

    root = Path(args.output) if args.output else Path(tempfile.mkdtemp(prefix="mlworkbench-demo-"))
    root.mkdir(parents=True, exist_ok=True)
    out = root / "outputs"
    out.mkdir(exist_ok=True)
    steps: dict = {"workspace": str(root / "workspace")}
    say = (lambda *a: None) if args.json else print

    with Workspace(root / "workspace") as ws:
        say(f"1. workspace {root / 'workspace'}")
        ds = ws.import_sample(args.sample)
        say(f"2. imported sample {args.sample!r}: {ds.rows} rows x {ds.columns} columns, target {ds.target_column!r}, "
            f"{sum(ds.missing_values.values())} missing values")
        cleaned = ws.clean(ds.id, missing_strategy="median", outlier_method="iqr", outlier_threshold=3.0)
        say(f"3. cleaned (median fill, IQR outliers): {cleaned['original_rows']} -> {cleaned['cleaned_rows']} rows, "
            f"new dataset {cleaned['cleaned_dataset_id'][:8]}")
        say(f"4. training {args.algorithm} with early stopping ...")
        ctx = make_ctx(args)
        job = ws.train({"dataset_id": cleaned["cleaned_dataset_id"], "algorithm": args.algorithm,
                        "early_stopping": True, "early_stopping_patience": 10}, ctx=ctx)
        ctx.finish()
        summary = job.results["training_summary"]
        test_metrics = job.results["evaluation"]["test"]["metrics"]
        headline = "accuracy" if "accuracy" in test_metrics else "r2"
        say(f"   job {job.id[:8]}: {summary.get('n_iterations')} iterations (best {summary.get('best_iteration')}), "
            f"test {headline} {test_metrics[headline]:.4f}")
        bundle = ws.evaluate(job.id)
        report = ws.write_report(bundle, out / "evaluation_report.html")
        plots = ws.save_plots(bundle, out / "plots")
        low, high = bundle.result.intervals.get(headline, (None, None))
        say(f"5. evaluated on the test split: {headline} {bundle.result.metrics[headline]:.4f} "
            f"(95% CI {low:.4f}–{high:.4f}); report {report}; {len(plots)} plots in {out / 'plots'}")
        model = ws.deploy(job.id, f"{args.sample}-model", description="mlcore demo", tags=["demo"])
        model = ws.promote(model.id)
        say(f"6. deployed {model.name} {model.version} and promoted it to {model.status}")
        frame = ws.load_frame(ds.id).drop(columns=[ds.target_column]).sample(25, random_state=1)
        frame.to_csv(out / "new_rows.csv", index=False)
        predicted = ws.predict_file(out / "new_rows.csv", out / "predictions.csv", name=model.name)
        say(f"7. predicted {predicted['rows']} rows of {out / 'new_rows.csv'} with the production model -> "
            f"{predicted['output_path']}")
        onnx = ws.export_model(model.id, "onnx", out)
        say(f"8. exported ONNX {onnx['path']}: label agreement {onnx['label_agreement']:.3f}, "
            f"max probability difference {onnx.get('max_proba_diff')}")
        card = ws.export_model(model.id, "card", out)
        say(f"   model card {card['path']}")
    steps.update(dataset_id=ds.id, cleaned_dataset_id=cleaned["cleaned_dataset_id"], job_id=job.id,
                 test_metrics=test_metrics, report=str(report), plots=[str(p) for p in plots], model_id=model.id,
                 predictions=predicted["output_path"], onnx=onnx, model_card=card["path"])
    if args.json:
        emit(args, steps)
    else:
        print(f"done. Everything is in {root}")
    return 0
