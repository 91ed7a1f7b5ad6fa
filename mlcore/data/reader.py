"""read_table: one entry point that recognises a file's format and returns a typed DataFrame."""

from __future__ import annotations

import os
from pathlib import Path

from mlcore.data.sniff import SAMPLE_BYTES, TEXT_FORMATS, format_from_extension, format_from_magic, read_sample
from mlcore.data.table import ImportOptions, LoadedTable
from mlcore.errors import DataImportError

_KIND = {"xlsx": "an Excel workbook (.xlsx)", "xls": "an Excel 97-2003 workbook (.xls)", "parquet": "a Parquet file"}


def _read_parquet(path: Path) -> LoadedTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from mlcore.data.arrow import arrow_to_frame
    from mlcore.data.columns import clean_column_names

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataImportError(f"{path.name}: not a readable Parquet file (truncated or corrupt: {exc})") from None
    if table.num_columns == 0:
        raise DataImportError(f"{path.name}: the Parquet file has no columns")
    if table.num_rows == 0:
        raise DataImportError(f"{path.name}: has a header ({table.num_columns} columns) but no data rows")
    # stored types are kept: only names are cleaned and dates normalised, text is not re-inferred
    names = table.column_names
    clean, renames = clean_column_names(names)
    if clean != names:
        table = table.rename_columns(clean)
    table = _dates_to_timestamps(table)
    warnings = []
    if renames:
        warnings.append("renamed columns: " + ", ".join(f"{o!r} -> {n!r}" for o, n in renames.items()))
    return LoadedTable(frame=arrow_to_frame(table), format="parquet", renamed_columns=renames, warnings=warnings)


def _dates_to_timestamps(table):  # noqa: ANN001, ANN202 - pyarrow types are imported lazily
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        if pa.types.is_date(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(pa.timestamp("s")))
    return table


def read_table(path: str | os.PathLike[str], options: ImportOptions | None = None) -> LoadedTable:
    """Read a CSV/TSV/TXT, Excel or Parquet file into a typed DataFrame with a report of what was done."""
    options = options or ImportOptions()
    path = Path(path)
    declared = format_from_extension(path)
    if not path.exists():
        raise DataImportError(f"{path.name}: file not found ({path})")
    if path.is_dir():
        raise DataImportError(f"{path.name}: is a folder, not a file")
    size = path.stat().st_size
    if size == 0:
        raise DataImportError(f"{path.name}: the file is empty (0 bytes)")
    try:
        sample = read_sample(path)
    except OSError as exc:
        raise DataImportError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    truncated = size > SAMPLE_BYTES
    actual = format_from_magic(sample)
    warnings: list[str] = []

    if declared == "parquet" and actual != "parquet":
        raise DataImportError(f"{path.name}: not a Parquet file (it does not start with the Parquet marker)")
    if declared in ("xlsx", "xls") and actual is None:
        # a text file saved with an Excel extension (common for exported "Excel" reports): read it as text
        fmt = "csv"
        warnings.append(f"{path.name} is not an Excel workbook but plain text; it was read as a delimited text file")
    elif actual is not None and actual != declared and not (declared in ("xlsx", "xls") and actual in ("xlsx", "xls")):
        fmt = actual
        warnings.append(f"{path.name} is really {_KIND[actual]}; it was read as such")
    elif actual in ("xlsx", "xls"):
        fmt = actual
    else:
        fmt = declared

    if fmt in TEXT_FORMATS:
        from mlcore.data.text import read_delimited

        loaded = read_delimited(path, fmt, options, sample, truncated)
        if declared in ("xlsx", "xls"):
            loaded.unsure = True
    elif fmt in ("xlsx", "xls"):
        from mlcore.data.excel import read_excel

        loaded = read_excel(path, fmt, options)
    else:
        loaded = _read_parquet(path)
    loaded.warnings = warnings + loaded.warnings
    return loaded
