"""Streaming import of a file larger than memory into a folder of Parquet parts.

The file is read in record batches (``pyarrow.csv.open_csv`` or ``ParquetFile.iter_batches``)
and written part by part, each part at most ``chunk_rows`` rows, so the memory used is about
one read block plus one part's row group, whatever the file's size. The column types are the
ones arrow infers from the first block; a later value that does not fit them is reported with
its column, never as a traceback.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from mlcore.errors import DataImportError, JobCancelled

DEFAULT_CHUNK_ROWS = 250_000
DEFAULT_BLOCK_BYTES = 16 << 20  # bytes of text arrow parses at a time
# files at least this big are imported partitioned unless the caller says otherwise
PARTITION_THRESHOLD_BYTES = 1 << 30


@dataclass
class PartitionedTable:
    """What a streamed import wrote: the parts, and a profile built while streaming."""

    parts: list[Path]
    rows: int
    column_names: list[str]
    dtypes: dict[str, str]
    missing_values: dict[str, int]
    content_hash: str
    memory_bytes: int  # the in-memory (arrow) size of all rows, for the "does it fit" check
    format: str
    delimiter: str | None = None
    warnings: list[str] = field(default_factory=list)

    def profile(self, target: str | None) -> dict[str, Any]:
        """The dataset profile a partitioned dataset can afford: no per-column statistics."""
        return {"rows": self.rows, "columns": len(self.column_names), "column_names": list(self.column_names),
                "dtypes": dict(self.dtypes), "missing_values": dict(self.missing_values),
                "numeric_stats": {}, "categorical_stats": {}, "datetime_stats": {}, "target_column": target,
                "partitioned": True, "partitions": len(self.parts), "memory_bytes": self.memory_bytes}


def _pandas_dtypes(schema: Any) -> dict[str, str]:
    """The dtypes pandas gives these columns when the parts are read back."""
    frame = schema.empty_table().to_pandas()
    return {str(name): str(dtype) for name, dtype in frame.dtypes.items()}


def _batches(path: Path, fmt: str, delimiter: str | None, block_bytes: int, pool: Any) -> Iterator[Any]:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if fmt == "parquet":
        try:
            # pre_buffer would fetch every row group of the file up front: read one at a time
            source = pq.ParquetFile(path, memory_map=False, pre_buffer=False)
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataImportError(f"{path.name}: not a readable Parquet file ({exc}).") from None
        for group in range(source.num_row_groups):
            yield from source.iter_batches(batch_size=65_536, row_groups=[group], use_threads=False)
        return
    try:
        reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=block_bytes),
                                parse_options=pacsv.ParseOptions(delimiter=delimiter or ","),
                                convert_options=pacsv.ConvertOptions(strings_can_be_null=True), memory_pool=pool)
    except pa.ArrowInvalid as exc:
        raise DataImportError(f"{path.name}: cannot be read as delimited text ({exc}).") from None
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as exc:
            # e.g. "In CSV column #3: CSV conversion error to int64: invalid value 'x'"
            raise DataImportError(
                f"{path.name}: a value further into the file does not fit the column types inferred from its "
                f"first {block_bytes >> 20} MB ({exc}). Clean the column or import a Parquet file.") from None


def _format_of(path: Path, delimiter: str | None) -> tuple[str, str | None]:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet", None
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv", delimiter or ("\t" if suffix == ".tsv" else ",")
    raise DataImportError(f"{path.name}: a partitioned import reads CSV/TSV/TXT or Parquet files, not {suffix!r}.")


def stream_to_parts(path: str | os.PathLike, out_dir: str | os.PathLike, *, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                    delimiter: str | None = None, block_bytes: int = DEFAULT_BLOCK_BYTES, memory_pool: Any = None,
                    progress: Callable[[float, str], None] | None = None,
                    cancelled: Callable[[], bool] | None = None) -> PartitionedTable:
    """Write ``path`` into ``out_dir/part-NNNNN.parquet`` files of at most ``chunk_rows`` rows each."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path, out_dir = Path(path), Path(out_dir)
    if chunk_rows < 1:
        raise DataImportError(f"chunk_rows must be at least 1, got {chunk_rows}.")
    if not path.is_file():
        raise DataImportError(f"{path}: no such file.")
    fmt, delimiter = _format_of(path, delimiter)
    size = max(path.stat().st_size, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    parts: list[Path] = []
    schema = None
    writer = None
    in_part = rows = memory = 0
    missing: dict[str, int] = {}
    done_bytes = 0
    try:
        for batch in _batches(path, fmt, delimiter, block_bytes, memory_pool):
            if cancelled is not None and cancelled():
                raise JobCancelled("import cancelled")
            if schema is None:
                schema = batch.schema
                missing = {name: 0 for name in schema.names}
            for name, column in zip(batch.schema.names, batch.columns):
                missing[name] += column.null_count
            memory += batch.nbytes
            done_bytes += batch.nbytes
            start = 0
            while start < batch.num_rows:
                if writer is None:
                    parts.append(out_dir / f"part-{len(parts):05d}.parquet")
                    writer = pq.ParquetWriter(parts[-1], schema, memory_pool=memory_pool)
                take = min(chunk_rows - in_part, batch.num_rows - start)
                writer.write_batch(batch.slice(start, take))
                start += take
                in_part += take
                rows += take
                if in_part >= chunk_rows:
                    writer.close()
                    writer, in_part = None, 0
            if progress is not None:
                progress(min(0.99, done_bytes / size), f"{rows:,} rows written")
    except pa.ArrowInvalid as exc:
        raise DataImportError(f"{path.name}: the rows do not share one schema ({exc}).") from None
    finally:
        if writer is not None:
            writer.close()
    if rows == 0 or schema is None:
        raise DataImportError(f"{path.name}: the table has no data rows.")
    return PartitionedTable(parts=parts, rows=rows, column_names=list(schema.names),
                            dtypes=_pandas_dtypes(schema),
                            missing_values=missing, content_hash=parts_hash(parts), memory_bytes=int(memory),
                            format=fmt, delimiter=delimiter)


def parts_hash(parts: list[Path]) -> str:
    """sha256 over the parts' bytes, in order: the content hash of a partitioned dataset."""
    digest = hashlib.sha256(b"partitioned-parquet-v1")
    for part in parts:
        with open(part, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


__all__ = ["PartitionedTable", "stream_to_parts", "parts_hash", "DEFAULT_CHUNK_ROWS", "PARTITION_THRESHOLD_BYTES"]
