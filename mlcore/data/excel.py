"""Reading Excel workbooks (.xlsx with openpyxl, .xls with xlrd): sheet choice, header row, typing."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import pandas as pd

from mlcore.data.arrow import finish_frame
from mlcore.data.table import ImportOptions, LoadedTable
from mlcore.errors import DataImportError

ENGINES = {"xlsx": "openpyxl", "xls": "xlrd"}


def _open(path: Path, fmt: str) -> pd.ExcelFile:
    try:
        with warnings.catch_warnings():
            # pandas deprecates xlrd in favour of calamine, which this project does not ship
            warnings.filterwarnings("ignore", message="The xlrd engine is deprecated")
            return pd.ExcelFile(path, engine=ENGINES[fmt])
    except (zipfile.BadZipFile, KeyError, EOFError, ValueError, OSError, TypeError) as exc:
        raise DataImportError(f"{path.name}: not a readable Excel workbook (corrupt or truncated: {exc})") from None
    except Exception as exc:  # xlrd and openpyxl raise their own types for broken files
        raise DataImportError(f"{path.name}: not a readable Excel workbook ({type(exc).__name__}: {exc})") from None


def _resolve_sheet(path: Path, names: list[str], wanted: str | int) -> str:
    available = ", ".join(repr(n) for n in names)
    if isinstance(wanted, int) and not isinstance(wanted, bool):
        if 0 <= wanted < len(names):
            return names[wanted]
        raise DataImportError(
            f"{path.name}: has no sheet number {wanted} (sheets are numbered from 0); available sheets: {available}"
        )
    if wanted in names:
        return wanted
    folded = [n for n in names if n.casefold() == str(wanted).strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    if str(wanted).strip().isdigit() and int(str(wanted)) < len(names):
        return names[int(str(wanted))]
    raise DataImportError(f"{path.name}: has no sheet named {wanted!r}; available sheets: {available}")


def _parse_sheet(path: Path, book: pd.ExcelFile, sheet: str) -> pd.DataFrame:
    try:
        raw = pd.read_excel(book, sheet_name=sheet, header=None)
    except Exception as exc:
        raise DataImportError(f"{path.name}: sheet {sheet!r} cannot be read ({type(exc).__name__}: {exc})") from None
    return raw.dropna(how="all").dropna(axis=1, how="all")


def _looks_like_table(raw: pd.DataFrame) -> bool:
    """At least two columns, a header filling most of them, and most rows using two cells or more.

    A sheet of prose (notes, a read-me, one paragraph per row) fails this: its rows use one cell.
    """
    if raw.shape[0] < 2 or raw.shape[1] < 2:
        return False
    body, _ = _skip_title_rows(raw)
    filled = body.notna().sum(axis=1).to_numpy()
    return bool(filled[0] >= max(2, 0.5 * body.shape[1]) and (filled[1:] >= 2).mean() >= 0.5)


def _first_table_sheet(path: Path, book: pd.ExcelFile, names: list[str]) -> tuple[str, pd.DataFrame]:
    """The first sheet that looks like a table; else the first with rows; else one with a header."""
    with_rows = header_only = None
    for name in names:
        candidate = _parse_sheet(path, book, name)
        if _looks_like_table(candidate):
            return name, candidate
        if with_rows is None and candidate.shape[0] >= 2:
            with_rows = (name, candidate)
        if header_only is None and not candidate.empty:
            header_only = (name, candidate)  # reported by the caller if nothing better turns up
    found = with_rows or header_only
    if found is None:
        raise DataImportError(f"{path.name}: the workbook is empty (no sheet has data)")
    return found


def _sheet_note(names: list[str], sheet: str, table_like: bool) -> str:
    listed = ", ".join(repr(n) for n in names)
    why = "the first that looks like a table" if table_like else "no sheet looks like a table: check it is the right one"
    return f"the workbook has {len(names)} sheets ({listed}); read {sheet!r}, {why} (choose another with the sheet option)"


def _skip_title_rows(raw: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Drop lone-cell title lines ("Sales report 2024") above a wider header row."""
    skipped = 0
    filled = raw.notna().sum(axis=1).to_numpy()
    while raw.shape[1] > 1 and raw.shape[0] - skipped > 2 and filled[skipped] == 1 and filled[skipped + 1] > 1:
        skipped += 1
    return raw.iloc[skipped:], skipped


def _split_header(raw: pd.DataFrame) -> pd.DataFrame:
    """Row 0 of the used range is the header; the body gets its types inferred again."""
    header = list(raw.iloc[0])
    body = raw.iloc[1:].reset_index(drop=True)
    body.columns = range(body.shape[1])
    body = body.infer_objects()
    body.columns = header
    return body


def read_excel(path: Path, fmt: str, options: ImportOptions) -> LoadedTable:
    """Read one sheet: the one asked for, else the first that has data."""
    book = _open(path, fmt)
    with book:
        names = [str(n) for n in book.sheet_names]
        if not names:
            raise DataImportError(f"{path.name}: the workbook has no sheets")
        if options.sheet is not None:
            sheet = _resolve_sheet(path, names, options.sheet)
            raw = _parse_sheet(path, book, sheet)
            if raw.empty:
                raise DataImportError(f"{path.name}: sheet {sheet!r} is empty")
        else:
            sheet, raw = _first_table_sheet(path, book, names)
    if raw.shape[0] < 2:
        raise DataImportError(f"{path.name}: sheet {sheet!r} has a header ({raw.shape[1]} columns) but no data rows")
    raw, titles = _skip_title_rows(raw)
    frame, conversions, renames, notes = finish_frame(_split_header(raw))
    if titles:
        notes.insert(0, f"skipped {titles} title line(s) above the header row of sheet {sheet!r}")
    warnings = notes
    if options.sheet is None and len(names) > 1:
        warnings = [_sheet_note(names, sheet, table_like=_looks_like_table(raw))] + notes
    return LoadedTable(
        frame=frame,
        format=fmt,
        encoding=None,
        delimiter=None,
        decimal=None,
        sheet=sheet,
        renamed_columns=renames,
        conversions=conversions,
        warnings=warnings,
        unsure=False,
    )
