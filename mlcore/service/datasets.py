"""DatasetService: import files and samples, store frames as Parquet, read them back."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlcore.artifacts import ArtifactStore
from mlcore.errors import (
    ConfigError,
    ConflictError,
    DataImportError,
    DataTooLargeError,
    DataValidationError,
    NotFoundError,
)
from mlcore.jobs import JobContext
from mlcore.registry import DatasetInfo, DatasetStore

if TYPE_CHECKING:
    import pandas as pd

    from mlcore.data import ParquetPages


@dataclass
class FileSniff:
    """What the importer detected in a file, for the import-options dialog."""

    format: str
    delimiter: str | None
    encoding: str | None
    decimal: str | None
    sheet: str | None
    sheets: list[str]
    unsure: bool
    warnings: list[str]
    rows: int
    preview: "pd.DataFrame"


def _sheet_names(path: Path, fmt: str) -> list[str]:
    try:
        if fmt == "xlsx":
            import openpyxl

            wb = openpyxl.load_workbook(path, read_only=True)
            try:
                return list(wb.sheetnames)
            finally:
                wb.close()
        if fmt == "xls":
            import xlrd

            return list(xlrd.open_workbook(path, on_demand=True).sheet_names())
    except Exception:  # the read itself succeeded; sheet names are a nicety
        return []
    return []


def require_column(info: DatasetInfo, column: str | None, what: str = "target column") -> str:
    if not column:
        raise ConfigError(f"Dataset {info.name!r}: no {what} given and none is set on the dataset.")
    if column not in info.column_names:
        raise DataValidationError(
            f"Dataset {info.name!r} has no column {column!r}; columns are {info.column_names}."
        )
    return column


def is_partitioned(info: DatasetInfo) -> bool:
    """A dataset stored as a folder of Parquet parts (imported with ``--partitioned``)."""
    return bool((info.import_info or {}).get("partitioned"))


def _require_fits(info: DatasetInfo, columns: list[str] | None) -> None:
    """Refuse to load a partitioned dataset that would not fit in half of the free memory."""
    import psutil

    need = int((info.import_info or {}).get("memory_bytes") or 0)
    if columns is not None and info.column_names:
        need = need * len(columns) // max(1, len(info.column_names))
    free = psutil.virtual_memory().available
    if need > free // 2:
        raise DataTooLargeError(
            f"Dataset {info.name!r} is partitioned ({info.rows:,} rows, about {need / 2**30:.1f} GiB in memory) and "
            f"does not fit in this machine's free memory ({free / 2**30:.1f} GiB). Train and predict it on Dask: "
            f"`mlcore train --dataset {info.name} --dask local` (or --dask tcp://scheduler:8786).")


class DatasetService:
    """Datasets of a workspace: Parquet files under ``datasets/`` of the artifact store, their rows in ``store``."""

    def __init__(self, files: ArtifactStore, store: DatasetStore) -> None:
        self.files = files
        self.store = store

    # -- import -------------------------------------------------------------------
    def inspect_file(self, path: str | os.PathLike, *, sep: str | None = None, encoding: str | None = None,
                     decimal: str | None = None, sheet: str | int | None = None) -> FileSniff:
        """Detect format, delimiter, encoding and sheets of a file without importing it."""
        from mlcore.data import ImportOptions, read_table

        path = Path(path)
        loaded = read_table(path, ImportOptions(sep=sep, encoding=encoding, decimal=decimal, sheet=sheet))
        return FileSniff(
            format=loaded.format, delimiter=loaded.delimiter, encoding=loaded.encoding, decimal=loaded.decimal,
            sheet=loaded.sheet, sheets=_sheet_names(path, loaded.format), unsure=loaded.unsure,
            warnings=list(loaded.warnings), rows=len(loaded.frame), preview=loaded.frame.head(50),
        )

    def import_dataset(self, path: str | os.PathLike, name: str | None = None, target: str | None = None, *,
                       sep: str | None = None, encoding: str | None = None, decimal: str | None = None,
                       sheet: str | int | None = None, partitioned: bool | None = None,
                       chunk_rows: int | None = None, ctx: JobContext | None = None) -> DatasetInfo:
        """Read a CSV/TSV/TXT/Excel/Parquet file and store it in the workspace (seed: upload).

        ``partitioned`` streams the file into Parquet parts of ``chunk_rows`` rows with bounded
        memory (for files larger than RAM); None decides by size (PARTITION_THRESHOLD_BYTES).
        """
        from mlcore.data import PARTITION_THRESHOLD_BYTES, ImportOptions, read_table

        ctx = ctx or JobContext()
        path = Path(path)
        if partitioned is None:
            partitioned = chunk_rows is not None or (
                path.is_file() and path.stat().st_size >= PARTITION_THRESHOLD_BYTES
                and path.suffix.lower() in (".csv", ".tsv", ".txt", ".parquet", ".pq"))
        if partitioned:
            return self.import_partitioned(path, name, target, sep=sep, chunk_rows=chunk_rows, ctx=ctx)
        ctx.progress(0.0, f"reading {path.name}")
        loaded = read_table(path, ImportOptions(sep=sep, encoding=encoding, decimal=decimal, sheet=sheet))
        ctx.check_cancelled()
        info = {
            "format": loaded.format,
            "encoding": loaded.encoding,
            "delimiter": loaded.delimiter,
            "decimal": loaded.decimal,
            "sheet": loaded.sheet,
            "renamed_columns": loaded.renamed_columns,
            "conversions": loaded.conversions,
            "warnings": loaded.warnings,
        }
        return self.store_frame(loaded.frame, name or path.name, target, source_path=str(path.resolve()),
                                import_info=info, ctx=ctx.sub(0.6, 1.0))

    def import_partitioned(self, path: str | os.PathLike, name: str | None = None, target: str | None = None, *,
                           sep: str | None = None, chunk_rows: int | None = None,
                           ctx: JobContext | None = None) -> DatasetInfo:
        """Stream a CSV/TSV/TXT/Parquet file into a folder of Parquet parts (bounded memory) and register it."""
        import shutil

        from mlcore.data import stream_to_parts

        ctx = ctx or JobContext()
        path = Path(path)
        name = name or path.name
        dataset_id = str(uuid.uuid4())
        rel = f"datasets/{dataset_id}"
        final = self._local_folder(rel, name)
        tmp = final.with_name(dataset_id + ".tmp")
        try:
            table = stream_to_parts(path, tmp, chunk_rows=chunk_rows or 250_000, delimiter=sep,
                                    progress=ctx.sub(0.0, 0.9).progress, cancelled=lambda: ctx.cancel_requested)
            if target is not None and target not in table.column_names:
                raise DataValidationError(f"{name}: target column {target!r} is not in the data; "
                                          f"columns are {table.column_names}.")
            existing = self.store.by_hash(table.content_hash)
            if existing is not None:
                shutil.rmtree(tmp, ignore_errors=True)
                return self._reuse(existing, target)
            os.replace(tmp, final)
            import_info = {"format": table.format, "delimiter": table.delimiter, "encoding": "utf-8",
                           "partitioned": True, "partitions": len(table.parts), "chunk_rows": chunk_rows or 250_000,
                           "memory_bytes": table.memory_bytes, "warnings": table.warnings}
            info, created = self.store.add_import(
                id=dataset_id, name=name, source_path=str(path.resolve()), file_path=str(rel),
                content_hash=table.content_hash, rows=table.rows, columns=len(table.column_names),
                column_names=table.column_names, dtypes=table.dtypes, missing_values=table.missing_values,
                profile=table.profile(target), import_info=import_info, target_column=target,
                parent_id=None, lineage=None)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(final, ignore_errors=True)
            raise
        if not created:
            shutil.rmtree(final, ignore_errors=True)
            return self._reuse(info, target)
        ctx.progress(1.0, f"imported {table.rows:,} rows in {len(table.parts)} parts")
        return info

    def list_samples(self):
        from mlcore.data import list_samples

        return list_samples()

    def import_sample(self, name: str, ctx: JobContext | None = None) -> DatasetInfo:
        """Import one of the bundled sample datasets in one step."""
        from mlcore.data import load_sample

        frame, target = load_sample(name)
        return self.store_frame(frame, name, target, source_path=f"sample:{name}",
                                import_info={"format": "sample", "warnings": []}, ctx=ctx)

    def store_frame(self, frame: "pd.DataFrame", name: str, target: str | None, *, source_path: str | None,
                    import_info: dict[str, Any], parent_id: str | None = None,
                    lineage: dict[str, Any] | None = None, ctx: JobContext | None = None) -> DatasetInfo:
        """Write a frame as Parquet and register it; a failure leaves neither file nor row."""
        from mlcore.data import ROW_GROUP_ROWS, frame_hash, profile_frame

        ctx = ctx or JobContext()
        if len(frame) == 0:
            raise DataImportError(f"{name}: the table has no data rows.")
        if target is not None and target not in frame.columns:
            raise DataValidationError(
                f"{name}: target column {target!r} is not in the data; columns are {list(map(str, frame.columns))}."
            )
        digest = frame_hash(frame)
        existing = self.store.by_hash(digest) if parent_id is None else None
        if existing is not None:
            return self._reuse(existing, target)
        ctx.progress(0.2, "profiling")
        profile = profile_frame(frame, target)
        ctx.check_cancelled()
        from mlcore.artifacts import sha256_file

        dataset_id = str(uuid.uuid4())
        rel = f"datasets/{dataset_id}.parquet"
        final = self.files.local_path(rel)
        tmp = final.with_suffix(".parquet.tmp")
        ctx.progress(0.5, "writing parquet")
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            frame.to_parquet(tmp, index=False, row_group_size=ROW_GROUP_ROWS)
            os.replace(tmp, final)
            file_sha256 = sha256_file(final)
            self.files.put(final, rel)
            values = dict(
                id=dataset_id, name=name, source_path=source_path, file_path=rel, file_sha256=file_sha256,
                content_hash=digest,
                rows=int(profile["rows"]), columns=int(profile["columns"]),
                column_names=list(profile["column_names"]), dtypes=profile["dtypes"],
                missing_values=profile["missing_values"], profile=profile, import_info=import_info,
                target_column=target, parent_id=parent_id, lineage=lineage,
            )
            info, created = self.store.add_import(**values) if parent_id is None else (self.store.add(**values), True)
        except BaseException:
            tmp.unlink(missing_ok=True)
            self.files.delete(rel)
            raise
        if not created:  # another process imported the same content a moment earlier
            self.files.delete(rel)
            return self._reuse(info, target)
        ctx.progress(1.0, "imported")
        return info

    def _reuse(self, existing: DatasetInfo, target: str | None) -> DatasetInfo:
        """The same content again: reuse it, but honour a newly requested target."""
        info = existing
        if target is not None and target != info.target_column:
            info = self.set_target(existing.id, target)
        info.import_info = dict(info.import_info, duplicate_of=existing.id)
        return info

    # -- read ---------------------------------------------------------------------
    def list_datasets(self) -> list[DatasetInfo]:
        return self.store.list()

    def get_dataset(self, dataset_id: str) -> DatasetInfo:
        return self.store.get(dataset_id)

    def find_dataset(self, key: str) -> DatasetInfo:
        """A dataset by id, id prefix or exact name (CLI convenience)."""
        return self.store.find(key)

    def data_file(self, info: DatasetInfo, needed_by: str = "") -> Path:
        """The dataset's Parquet file (or folder of parts, when partitioned), local: downloaded from the
        store and checked when needed.

        A missing file raises NotFoundError naming the file, the dataset and ``needed_by``.
        """
        what = f"dataset {info.name!r}" + (f" (needed by {needed_by})" if needed_by else "")
        if is_partitioned(info):
            path = self._local_folder(info.file_path, info.name)
            if not path.is_dir():
                raise NotFoundError(f"The folder {path} of {what} is missing.")
            return path
        return self.files.fetch(info.file_path, info.file_sha256, what)

    def data_path(self, info: DatasetInfo) -> Path:
        """Where a dataset's Parquet file (or folder of parts, when partitioned) lies; it must exist."""
        return self.data_file(info)

    def partition_paths(self, dataset_id: str) -> list[Path]:
        """The Parquet files of a dataset, in order: its parts, or its one file."""
        path = self.data_path(self.get_dataset(dataset_id))
        return sorted(path.glob("part-*.parquet")) if path.is_dir() else [path]

    def _local_folder(self, rel: str, name: str) -> Path:
        """A partitioned dataset's folder: it lives in the store's own folder, so the store must be local."""
        if not self.files.is_local:
            raise ConfigError(
                f"Dataset {name!r}: partitioned datasets need a folder store (file://…) that every Dask worker can "
                f"read; this workspace's store is {self.files.location('')}.")
        return Path(self.files.root) / rel

    def load_frame(self, dataset_id: str, columns: list[str] | None = None) -> "pd.DataFrame":
        import pandas as pd

        info = self.get_dataset(dataset_id)
        path = self.data_file(info)
        if is_partitioned(info):
            _require_fits(info, columns)
        return pd.read_parquet(path, columns=columns)

    def open_pages(self, dataset_id: str) -> "ParquetPages":
        """The dataset's rows by position, a page at a time (the preview never loads the whole file)."""
        from mlcore.data import ParquetPages

        info = self.get_dataset(dataset_id)
        path = self.data_file(info, needed_by="the preview")
        if is_partitioned(info):
            return ParquetPages(sorted(path.glob("part-*.parquet"))[0])  # the first part's rows
        return ParquetPages(path)

    def labelled_frame(self, dataset_id: str, target: str, *, missing: str = "") -> "pd.DataFrame":
        """The dataset's rows that have a target value, renumbered 0..n-1: the rows a stored split indexes."""
        frame = self.load_frame(dataset_id)
        if target not in frame.columns:
            name = self.get_dataset(dataset_id).name
            raise DataValidationError(missing or f"Target column {target!r} is not in dataset {name!r}; "
                                      f"columns are {list(frame.columns)}.")
        return frame[frame[target].notna()].reset_index(drop=True)

    def set_target(self, dataset_id: str, column: str | None) -> DatasetInfo:
        from mlcore.data import profile_frame

        info = self.get_dataset(dataset_id)
        if column is not None and column not in info.column_names:
            raise DataValidationError(
                f"Dataset {info.name!r} has no column {column!r}; columns are {info.column_names}."
            )
        if is_partitioned(info):  # its profile has no statistics to recompute
            return self.store.update(dataset_id, target_column=column, profile=dict(info.profile, target_column=column))
        profile = profile_frame(self.load_frame(dataset_id), column)
        return self.store.update(dataset_id, target_column=column, profile=profile)

    def delete_dataset(self, dataset_id: str, force: bool = False) -> None:
        """Delete a dataset's row and file; refuse while model versions use it, unless forced."""
        info = self.get_dataset(dataset_id)
        n_models, n_jobs = self.store.usage(dataset_id)
        if (n_models or n_jobs) and not force:
            raise ConflictError(
                f"Dataset {info.name!r} is used by {n_models} model version(s) and {n_jobs} trained job(s); "
                "delete with force to remove it anyway (the models keep working, their lineage loses it)."
            )
        self.store.delete(dataset_id)
        self.files.delete(info.file_path, recursive=is_partitioned(info))
