"""Prediction of a partitioned dataset on a Dask cluster: partition by partition, written as Parquet parts.

The pipeline (a local sklearn Pipeline, whatever trained it) travels to the workers inside the
task graph; each partition is checked against the version's input schema and predicted with the
same :func:`predict_frame` as a file, so the output columns are the same. Memory per worker is
one partition plus the model. Per-row schema warnings and drift reports are not gathered.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mlcore.errors import ConfigError
from mlcore.jobs import JobContext


def _predict_part(frame: Any, pipeline: Any, schema: dict[str, Any] | None, threshold: float | None,
                  keep_input: bool) -> Any:
    import pandas as pd

    from mlcore.deployment.predict import predict_frame
    from mlcore.deployment.schema import InputSchema, check_frame

    checked = check_frame(frame, InputSchema.from_dict(schema), source="partition").frame if schema else frame
    preds = predict_frame(pipeline, checked, threshold=threshold)
    if not keep_input:
        return preds.set_axis(frame.index)
    return pd.concat([frame.reset_index(drop=True), preds.reset_index(drop=True)], axis=1).set_axis(frame.index)


def predict_parts_dask(parts: list[Path], output_dir: str | os.PathLike, pipeline: Any, *,
                       schema: dict[str, Any] | None = None, threshold: float | None = None,
                       address: str = "local", cluster: dict[str, Any] | None = None, keep_input: bool = True,
                       ctx: JobContext | None = None) -> dict[str, Any]:
    """Predict every row of the Parquet ``parts`` on Dask; write ``output_dir/part.N.parquet``; rows and parts."""
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    from mlcore.training import dask_client

    ctx = ctx or JobContext()
    out = Path(output_dir)
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"The output folder {out} is not empty; choose a new folder for the predictions.")
    with dask_client(address, **(cluster or {})) as client:
        ctx.progress(0.05, f"predicting {len(parts)} part(s) on {len(client.scheduler_info()['workers'])} worker(s)")
        ddf = dd.read_parquet([str(p) for p in parts])
        meta = _predict_part(ddf.head(20), pipeline, schema, threshold, keep_input).iloc[:0]
        ctx.check_cancelled()
        predicted = ddf.map_partitions(_predict_part, pipeline, schema, threshold, keep_input, meta=meta)
        future = client.compute(predicted.to_parquet(str(out), write_index=False, compute=False))
        while not future.done():
            if ctx.cancel_requested:
                future.cancel()
                ctx.check_cancelled()
            _wait(future, 0.2)
        future.result()
    files = sorted(out.glob("*.parquet"))
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    ctx.progress(1.0, f"{rows:,} rows predicted")
    return {"rows": int(rows), "parts": len(files), "output_path": str(out)}


def _wait(future: Any, seconds: float) -> None:
    from distributed import wait

    try:
        wait(future, timeout=seconds)
    except TimeoutError:
        pass


__all__ = ["predict_parts_dask"]
