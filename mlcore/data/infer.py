"""Column-wise type inference for text columns: thousands, percent, decimal comma, booleans, dates.

Each check runs vectorised (pyarrow compute) on a sample of the column; only a column whose
sample passes is converted whole, and a conversion that fails on any value outside the sample
leaves the column as text ("mixed columns stay text").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SAMPLE_SIZE = 2000

TRUE_WORDS = ("yes", "true")
FALSE_WORDS = ("no", "false")

_DOT_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_COMMA_NUMBER = r"^[+-]?\d+(?:,\d+)?$"
_THOUSANDS_COMMA = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"
_THOUSANDS_DOT = r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$"
_THOUSANDS_SPACE_DOT = r"^[+-]?\d{1,3}(?:[ \x{00a0}\x{202f}']\d{3})+(?:\.\d+)?$"
_THOUSANDS_SPACE_COMMA = r"^[+-]?\d{1,3}(?:[ \x{00a0}\x{202f}]\d{3})+(?:,\d+)?$"
_PERCENT = r"^[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)\s*%$"
_CURRENCY = r"^[+-]?\s*[$€£¥]\s*[+-]?[\d.,' ]*\d$|^[+-]?\d[\d.,' ]*\s*[$€£¥]$"
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
_YEAR_FIRST_DATE = r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}" + _TIME
_YEAR_LAST_DATE = r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}" + _TIME
# two-digit years only when day and month are zero-padded: "1.2.3" is a version, not a date
_SHORT_YEAR_DATE = r"^\d{2}[-/.]\d{2}[-/.]\d{2}" + _TIME
_NAMED_MONTH_DATE = r"^(?:\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{2,4}|[A-Za-z]{3,9} \d{1,2},? \d{4})$"

_DATE_FORMATS_YEAR_FIRST = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
_DATE_FORMATS_DAY_FIRST = ["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"]
_DATE_FORMATS_MONTH_FIRST = ["%m/%d/%Y", "%m-%d-%Y"]
_DATE_FORMATS_SHORT_DAY_FIRST = ["%d/%m/%y", "%d.%m.%y"]
_DATE_FORMATS_SHORT_MONTH_FIRST = ["%m/%d/%y"]
_DATE_FORMATS_NAMED = ["%d %b %Y", "%d-%b-%Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%d-%b-%y"]
_TIME_SUFFIXES = ["", " %H:%M:%S", " %H:%M", "T%H:%M:%S", "T%H:%M"]


@dataclass
class Inferred:
    """A converted column, the name of the conversion, and an optional note for the user."""

    array: pa.ChunkedArray
    conversion: str
    note: str | None = None


def _sample(column: pa.ChunkedArray) -> pa.Array:
    """Up to SAMPLE_SIZE non-null values spread evenly over the column, trimmed."""
    n = len(column)
    if n > SAMPLE_SIZE:
        idx = np.linspace(0, n - 1, SAMPLE_SIZE).astype(np.int64)
        column = column.take(pa.array(idx))
    values = pc.drop_null(column)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pc.utf8_trim_whitespace(values)


def _all_match(values: pa.Array, pattern: str) -> bool:
    return len(values) > 0 and pc.all(pc.match_substring_regex(values, pattern)).as_py()


def _any_match(values: pa.Array, pattern: str) -> bool:
    return pc.any(pc.match_substring_regex(values, pattern)).as_py() or False


def _same_nulls(before: pa.ChunkedArray, after: pa.ChunkedArray | pa.Array) -> bool:
    return after.null_count == before.null_count


def _to_number(text: pa.ChunkedArray, integral: bool) -> pa.ChunkedArray | None:
    """Strict cast of cleaned number text; None when any value is not a number."""
    try:
        return pc.cast(text, pa.int64() if integral else pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _infer_boolean(column: pa.ChunkedArray, sample_lower: pa.Array) -> Inferred | None:
    words = pa.array(TRUE_WORDS + FALSE_WORDS)
    if not pc.all(pc.is_in(sample_lower, value_set=words)).as_py():
        return None
    # decide on the few distinct spellings, then map the column with one hash lookup
    distinct = pc.drop_null(pc.unique(column))
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(distinct))
    if not pc.all(pc.is_in(lowered, value_set=words)).as_py():
        return None
    true_spellings = pc.filter(distinct, pc.is_in(lowered, value_set=pa.array(TRUE_WORDS)))
    truth = pc.is_in(column, value_set=true_spellings)
    if column.null_count:
        truth = pc.if_else(pc.is_null(column), pa.scalar(None, pa.bool_()), truth)
    return Inferred(truth, "boolean")


def _infer_number(column: pa.ChunkedArray, sample: pa.Array, decimal: str, decimal_forced: bool) -> Inferred | None:
    if _all_match(sample, _PERCENT):
        text = pc.replace_substring(pc.utf8_trim_whitespace(column), "%", "")
        text = pc.utf8_trim_whitespace(pc.replace_substring(text, ",", ".") if decimal == "," or not decimal_forced else text)
        number = _to_number(text, integral=False)
        if number is None:
            return None
        return Inferred(pc.divide(number, 100.0), "percent")
    if _all_match(sample, _CURRENCY):
        def strip(values):  # noqa: ANN001, ANN202
            return pc.utf8_trim_whitespace(pc.replace_substring_regex(values, r"[$€£¥]", ""))

        plain = _infer_plain_number(strip(column), strip(sample), decimal, decimal_forced)
        return None if plain is None else Inferred(plain.array, "currency")
    return _infer_plain_number(pc.utf8_trim_whitespace(column), sample, decimal, decimal_forced)


def _infer_plain_number(text: pa.ChunkedArray, sample: pa.Array, decimal: str, decimal_forced: bool) -> Inferred | None:
    if decimal == ".":
        grouped = _any_match(sample, _THOUSANDS_COMMA) or _any_match(sample, _THOUSANDS_SPACE_DOT)
        if grouped and _all_match(sample, f"{_DOT_NUMBER}|{_THOUSANDS_COMMA}|{_THOUSANDS_SPACE_DOT}"):
            for sep in (",", " ", "\u00a0", "\u202f", "'"):
                text = pc.replace_substring(text, sep, "")
            integral = not _any_match(sample, r"\.")
            return _wrap(_to_number(text, integral), "thousands")
        if not decimal_forced and _all_match(sample, _COMMA_NUMBER) and _any_match(sample, r",(\d{1,2}|\d{4,})$"):
            # a decimal comma inside a comma-separated file (quoted "1,5"); never "1,234"-style groups
            return _wrap(_to_number(pc.replace_substring(text, ",", "."), integral=False), "decimal_comma")
    else:
        grouped = _any_match(sample, _THOUSANDS_DOT) or _any_match(sample, _THOUSANDS_SPACE_COMMA)
        if grouped and _all_match(sample, f"{_COMMA_NUMBER}|{_THOUSANDS_DOT}|{_THOUSANDS_SPACE_COMMA}"):
            for sep in (".", " ", "\u00a0", "\u202f"):
                text = pc.replace_substring(text, sep, "")
            integral = not _any_match(sample, ",")
            return _wrap(_to_number(pc.replace_substring(text, ",", "."), integral), "thousands")
        if _all_match(sample, _COMMA_NUMBER) and _any_match(sample, ","):
            return _wrap(_to_number(pc.replace_substring(text, ",", "."), integral=False), "decimal_comma")
    if _all_match(sample, _DOT_NUMBER):
        # numbers the parser left as text (e.g. padded with spaces, or dots in a decimal-comma file)
        integral = not _any_match(sample, r"[.eE]")
        return _wrap(_to_number(text, integral), "numeric_text")
    return None


def _wrap(array: pa.ChunkedArray | None, conversion: str) -> Inferred | None:
    return None if array is None else Inferred(array, conversion)


def _date_candidates(sample: pa.Array, dayfirst: bool) -> list[str]:
    if _all_match(sample, _NAMED_MONTH_DATE):
        bases = _DATE_FORMATS_NAMED
    elif _all_match(sample, _YEAR_FIRST_DATE):
        bases = _DATE_FORMATS_YEAR_FIRST
    elif _all_match(sample, _YEAR_LAST_DATE):
        day, month = _DATE_FORMATS_DAY_FIRST, _DATE_FORMATS_MONTH_FIRST
        bases = day + month if dayfirst else month + day
    elif _all_match(sample, _SHORT_YEAR_DATE):
        day, month = _DATE_FORMATS_SHORT_DAY_FIRST, _DATE_FORMATS_SHORT_MONTH_FIRST
        bases = day + month if dayfirst else month + day
    else:
        return []
    has_time = _any_match(sample, r"\d:\d\d")
    suffixes = _TIME_SUFFIXES[1:] if has_time else [""]
    return [base + suffix for base in bases for suffix in suffixes]


def _parses_all(values: pa.Array | pa.ChunkedArray, fmt: str) -> pa.Array | pa.ChunkedArray | None:
    try:
        parsed = pc.strptime(values, format=fmt, unit="s", error_is_null=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return parsed if parsed.null_count == values.null_count else None


def _infer_datetime(column: pa.ChunkedArray, sample: pa.Array, dayfirst: bool) -> Inferred | None:
    candidates = _date_candidates(sample, dayfirst)
    fitting = [fmt for fmt in candidates if _parses_all(sample, fmt) is not None]
    if not fitting:
        return None
    text = pc.utf8_trim_whitespace(column)
    for fmt in fitting:
        parsed = _parses_all(text, fmt)
        if parsed is not None:
            note = None
            if any(f.startswith("%m") for f in fitting) and any(f.startswith("%d") for f in fitting):
                alternative = next(f for f in fitting if f[:2] != fmt[:2])
                note = f"dates read as {fmt}; they would also fit {alternative}"
            return Inferred(parsed, "datetime", note)
    return None


def infer_text_column(
    column: pa.ChunkedArray, decimal: str = ".", decimal_forced: bool = False
) -> Inferred | None:
    """Convert a string column to booleans, numbers or datetimes when every value fits; else None."""
    if len(column) == column.null_count:
        return None
    sample = _sample(column)
    if len(sample) == 0:
        return None
    lower = pc.utf8_lower(sample)
    if _all_match(lower, r"^[a-z]+$"):
        return _infer_boolean(column, lower)
    if not _any_match(sample, r"\d"):
        return None
    result = _infer_number(column, sample, decimal, decimal_forced)
    if result is not None:
        return result
    return _infer_datetime(column, sample, dayfirst=decimal == ",")
