"""Prediction of a partitioned dataset on a Dask cluster: partition by partition, written as Parquet parts.

The pipeline (a local sklearn Pipeline, whatever trained it) is broadcast to the workers once;
each part is one task that reads it a batch at a time, checks each batch against the version's
input schema and predicts it with the same :func:`predict_frame` as a file (so the output columns
are the same), appending to its own output part. Memory per worker is one batch plus the model,
whatever the size of a part or of the data. Per-row schema warnings and drift reports are not
gathered.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mlcore.data import release_all_memory
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


def _predict_file(path: str, out_path: str, pipeline: Any, schema: dict[str, Any] | None, threshold: float | None,
                  keep_input: bool, batch_rows: int) -> int:
    """One part, batch by batch: read ``batch_rows`` rows, predict, append to ``out_path``; rows written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = pq.ParquetFile(path, memory_map=False, pre_buffer=False)
    writer = None
    rows = 0
    try:
        for group in range(source.num_row_groups):
            for batch in source.iter_batches(batch_size=batch_rows, row_groups=[group], use_threads=False):
                frame = batch.to_pandas()
                preds = _predict_part(frame, pipeline, schema, threshold, False).reset_index(drop=True)
                table = pa.Table.from_pandas(preds, preserve_index=False)
                if keep_input:  # the input columns as read (arrow), then the prediction columns
                    both = pa.Table.from_batches([batch])
                    both = both.drop_columns([c for c in both.column_names if c in table.column_names])
                    for name, column in zip(table.column_names, table.columns):
                        both = both.append_column(name, column)
                    table = both
                if writer is None:
                    writer = pq.ParquetWriter(out_path, table.schema)
                elif table.schema != writer.schema:
                    table = table.cast(writer.schema)
                writer.write_table(table)
                rows += table.num_rows
                del frame, preds, table, batch
    finally:
        if writer is not None:
            writer.close()
        release_all_memory()
    return rows


def predict_parts_dask(parts: list[Path], output_dir: str | os.PathLike, pipeline: Any, *,
                       schema: dict[str, Any] | None = None, threshold: float | None = None,
                       address: str = "local", cluster: dict[str, Any] | None = None, keep_input: bool = True,
                       batch_rows: int = 65_536, ctx: JobContext | None = None) -> dict[str, Any]:
    """Predict every row of the Parquet ``parts`` on Dask; write ``output_dir/part.NNNNN.parquet``; rows and parts.

    One task per part, each streaming its part ``batch_rows`` rows at a time into its own output
    file: a worker holds one batch and the model, whatever the size of the data; nothing is
    gathered here but the row counts.
    """
    from mlcore.training import dask_client

    ctx = ctx or JobContext()
    out = Path(output_dir)
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"The output folder {out} is not empty; choose a new folder for the predictions.")
    out.mkdir(parents=True, exist_ok=True)
    options = {k: v for k, v in (cluster or {}).items() if k not in ("external_memory", "batch_bytes")}
    with dask_client(address, **options) as client:
        ctx.progress(0.05, f"predicting {len(parts)} part(s) on {len(client.scheduler_info()['workers'])} worker(s), "
                           f"{batch_rows:,} rows at a time")
        client.run(release_all_memory)  # a worker's allocators may still hold an earlier job's memory
        model = client.scatter(pipeline, broadcast=True)
        futures = [client.submit(_predict_file, str(part), str(out / f"part.{i:05d}.parquet"), model, schema, threshold,
                                 keep_input, batch_rows, pure=False, key=f"mlwb-predict-{i}-{os.urandom(6).hex()}")
                   for i, part in enumerate(parts)]
        try:
            done = 0
            while done < len(futures):
                if ctx.cancel_requested:
                    client.cancel(futures)
                    ctx.check_cancelled()
                _wait(futures, 0.2)
                now = sum(f.done() for f in futures)
                if now != done:
                    done = now
                    ctx.progress(0.05 + 0.9 * done / len(futures), f"{done}/{len(futures)} part(s) predicted")
            rows = sum(client.gather(futures))
        finally:
            client.cancel(futures)
    files = sorted(out.glob("*.parquet"))
    ctx.progress(1.0, f"{rows:,} rows predicted")
    return {"rows": int(rows), "parts": len(files), "output_path": str(out)}


def _wait(future: Any, seconds: float) -> None:
    from distributed import wait

    try:
        wait(future, timeout=seconds)
    except TimeoutError:
        pass


__all__ = ["predict_parts_dask"]
