"""From a parsed Arrow table (or a spreadsheet's DataFrame) to the final typed, well-named DataFrame."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc

import pandas as pd
import pyarrow as pa

from mlcore.data.columns import clean_column_names
from mlcore.data.infer import infer_text_column

_CONVERSION_NOTES = {
    "thousands": "numbers with thousands separators",
    "percent": "percentages (stored as fractions: 12% -> 0.12)",
    "decimal_comma": "numbers with a decimal comma",
    "numeric_text": "numbers stored as text",
    "currency": "amounts with a currency symbol",
    "boolean": "yes/no or true/false values",
    "datetime": "dates",
}


def _malloc_trim() -> "ctypes._CFuncPtr | None":
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


_TRIM = _malloc_trim()
# Arrow's own allocator (mimalloc) keeps freed pages; where glibc can hand pages back
# (malloc_trim), a table that is freed a column at a time while pandas fills its columns is
# parsed into the system allocator instead, so that the import's peak stays near the frame
PARSE_POOL = pa.system_memory_pool() if _TRIM is not None else pa.default_memory_pool()
_TRIM_EVERY = 4 << 20


def release_memory() -> None:
    """Give freed heap pages back to the system (glibc's malloc_trim); a no-op elsewhere."""
    if _TRIM is not None:
        _TRIM(0)


def release_all_memory() -> None:
    """Give everything freed back to the OS (a Dask worker's RSS is what its memory limit watches):
    Python's garbage, Arrow's default pool, and glibc's free lists."""
    gc.collect()
    try:
        pa.default_memory_pool().release_unused()
    except AttributeError:  # an older pyarrow: nothing to release
        pass
    release_memory()


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def finish_arrow_table(
    table: pa.Table, decimal: str = ".", decimal_forced: bool = False
) -> tuple[pa.Table, dict[str, str], dict[str, str], list[str]]:
    """(table, conversions, renames, notes): type text columns, normalise dates, clean names."""
    names, renames = clean_column_names(table.column_names)
    conversions: dict[str, str] = {}
    notes: list[str] = []
    for i, name in enumerate(names):
        column = table.column(i)
        kind = column.type
        new: pa.ChunkedArray | None = None
        if _is_text(kind):
            inferred = infer_text_column(column, decimal, decimal_forced)
            if inferred is not None:
                new, conversions[name] = inferred.array, inferred.conversion
                if inferred.note:
                    notes.append(f"column {name!r}: {inferred.note}")
        elif pa.types.is_null(kind):
            new = column.cast(pa.float64())  # an all-empty column: missing numbers, like pandas
        elif pa.types.is_date(kind):
            new, conversions[name] = column.cast(pa.timestamp("s")), "datetime"
        elif pa.types.is_timestamp(kind):
            conversions[name] = "datetime"
        elif pa.types.is_boolean(kind):
            conversions[name] = "boolean"
        elif decimal == "," and pa.types.is_floating(kind):
            conversions[name] = "decimal_comma"
        if new is not None:
            table = table.set_column(i, name, new)
    if names != table.column_names:
        table = table.rename_columns(names)
    if renames:
        shown = ", ".join(f"{old!r} -> {new!r}" for old, new in renames.items())
        notes.insert(0, f"renamed columns: {shown}")
    converted = [
        f"{name} ({_CONVERSION_NOTES[kind]})"
        for name, kind in conversions.items()
        if kind in ("thousands", "percent", "numeric_text", "currency")
    ]
    if converted:
        notes.append("converted text to numbers: " + ", ".join(converted))
    return table, conversions, renames, notes


def arrow_to_frame(table: pa.Table | list[pa.Table]) -> pd.DataFrame:
    """Arrow -> pandas without a consolidation copy; booleans with gaps become pandas 'boolean'.

    Given a one-item list holding the only reference to a table, the table is taken out of it
    and converted a column at a time, each column's Arrow memory handed back before the next
    (the peak is the frame plus one column, not the frame plus the table):
    ``box = [table]; del table; frame = arrow_to_frame(box)``.
    """
    if not isinstance(table, list):
        return _to_pandas(table)
    table = table.pop()
    if table.num_rows == 0 or table.num_columns <= 1 or table.schema.metadata:
        return _to_pandas(table)  # pandas metadata (index, dtypes) is honoured by a whole-table conversion
    names = table.column_names
    columns: dict[str, pd.Series] = {}
    freed = 0
    for name in names:
        column = table.column(0)
        table = table.remove_column(0)
        freed += column.nbytes
        columns[name] = _to_pandas(pa.table({name: column}))[name]
        del column
        if freed >= _TRIM_EVERY:  # the converted columns' Arrow pages go back before the next ones
            release_memory()
            freed = 0
    release_memory()
    return pd.DataFrame(columns, copy=False)


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    nullable_bools = [
        name for name, column in zip(table.column_names, table.columns)
        if pa.types.is_boolean(column.type) and column.null_count
    ]  # fmt: skip
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    for name in nullable_bools:
        frame[name] = frame[name].astype("boolean")
    return frame


def finish_frame(
    frame: pd.DataFrame, decimal: str = "."
) -> tuple[pd.DataFrame, dict[str, str], dict[str, str], list[str]]:
    """The spreadsheet counterpart of finish_arrow_table, for a DataFrame whose header is row 0."""
    names, renames = clean_column_names(list(frame.columns))
    frame = frame.set_axis(names, axis=1)
    conversions: dict[str, str] = {}
    notes: list[str] = []
    mixed: list[str] = []
    for name in names:
        series = frame[name]
        if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
            kind = pd.api.types.infer_dtype(series, skipna=True)
            if kind == "empty":
                frame[name] = series.astype("float64")
                continue
            if kind == "boolean":
                frame[name] = series.astype("boolean") if series.isna().any() else series.astype(bool)
                conversions[name] = "boolean"
                continue
            if kind != "string":
                mixed.append(name)
                frame[name] = series.where(series.isna(), series.astype(str)).astype("str")
                continue
            column = pa.chunked_array([pa.array(series, type=pa.string(), from_pandas=True)])
            inferred = infer_text_column(column, decimal, False)
            if inferred is None:
                if series.dtype == object:
                    frame[name] = series.astype("str")
                continue
            conversions[name] = inferred.conversion
            frame[name] = arrow_to_frame(pa.table({name: inferred.array}))[name].set_axis(frame.index)
            if inferred.note:
                notes.append(f"column {name!r}: {inferred.note}")
        elif pd.api.types.is_datetime64_any_dtype(series.dtype):
            conversions[name] = "datetime"
        elif pd.api.types.is_bool_dtype(series.dtype):
            conversions[name] = "boolean"
    if renames:
        shown = ", ".join(f"{old!r} -> {new!r}" for old, new in renames.items())
        notes.insert(0, f"renamed columns: {shown}")
    if mixed:
        notes.append("columns mixing numbers and text were kept as text: " + ", ".join(mixed))
    return frame, conversions, renames, notes

