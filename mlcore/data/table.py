"""The importer's inputs and outputs: ImportOptions and LoadedTable."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class ImportOptions:
    """Overrides for what the importer would otherwise detect."""

    sep: str | None = None  # force delimiter ("\\t" or "tab" for a tab)
    encoding: str | None = None  # force encoding
    decimal: str | None = None  # force decimal mark: "." or ","
    sheet: str | int | None = None  # Excel sheet name or 0-based index


@dataclass
class LoadedTable:
    """A parsed table plus what the importer detected, converted, renamed and doubted."""

    frame: pd.DataFrame
    format: str  # "csv" | "tsv" | "txt" | "xlsx" | "xls" | "parquet"
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    sheet: str | None = None
    renamed_columns: dict[str, str] = field(default_factory=dict)
    conversions: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    unsure: bool = False
