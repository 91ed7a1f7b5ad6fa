"""DatasetService: import files and samples, store frames as Parquet, read them back."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlcore.errors import ConfigError, ConflictError, DataImportError, DataValidationError, NotFoundError
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


class DatasetService:
    """Datasets of a workspace: Parquet files under ``home/datasets`` and their rows in ``store``."""

    def __init__(self, home: Path, store: DatasetStore) -> None:
        self.home = home
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
                       sheet: str | int | None = None, ctx: JobContext | None = None) -> DatasetInfo:
        """Read a CSV/TSV/TXT/Excel/Parquet file and store it in the workspace (seed: upload)."""
        from mlcore.data import ImportOptions, read_table

        ctx = ctx or JobContext()
        path = Path(path)
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
        dataset_id = str(uuid.uuid4())
        rel = Path("datasets") / f"{dataset_id}.parquet"
        final = self.home / rel
        tmp = final.with_suffix(".parquet.tmp")
        ctx.progress(0.5, "writing parquet")
        try:
            frame.to_parquet(tmp, index=False, row_group_size=ROW_GROUP_ROWS)
            os.replace(tmp, final)
            values = dict(
                id=dataset_id, name=name, source_path=source_path, file_path=str(rel), content_hash=digest,
                rows=int(profile["rows"]), columns=int(profile["columns"]),
                column_names=list(profile["column_names"]), dtypes=profile["dtypes"],
                missing_values=profile["missing_values"], profile=profile, import_info=import_info,
                target_column=target, parent_id=parent_id, lineage=lineage,
            )
            info, created = self.store.add_import(**values) if parent_id is None else (self.store.add(**values), True)
        except BaseException:
            tmp.unlink(missing_ok=True)
            final.unlink(missing_ok=True)
            raise
        if not created:  # another process imported the same content a moment earlier
            final.unlink(missing_ok=True)
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

    def load_frame(self, dataset_id: str, columns: list[str] | None = None) -> "pd.DataFrame":
        import pandas as pd

        info = self.get_dataset(dataset_id)
        path = self.home / info.file_path
        if not path.exists():
            raise NotFoundError(f"The data file of dataset {info.name!r} is missing: {path}")
        return pd.read_parquet(path, columns=columns)

    def open_pages(self, dataset_id: str) -> "ParquetPages":
        """The dataset's rows by position, a page at a time (the preview never loads the whole file)."""
        from mlcore.data import ParquetPages

        info = self.get_dataset(dataset_id)
        path = self.home / info.file_path
        if not path.exists():
            raise NotFoundError(f"The data file of dataset {info.name!r} is missing: {path}")
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
        (self.home / info.file_path).unlink(missing_ok=True)
