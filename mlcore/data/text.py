"""Reading delimited text (CSV/TSV/TXT) with the pyarrow parser, then typing its text columns."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from mlcore.data.arrow import PARSE_POOL, arrow_to_frame, finish_arrow_table, release_memory
from mlcore.data.sniff import TextSniff, count_header_fields, sniff_text
from mlcore.data.table import ImportOptions, LoadedTable
from mlcore.errors import DataImportError

# pandas' default missing-value markers, so the importer agrees with pandas.read_csv
NULL_VALUES = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
]  # fmt: skip


def _parse(
    source: Path | io.BytesIO,
    sniff: TextSniff,
    newlines_in_values: bool,
    column_types: dict[str, pa.DataType] | None = None,
    block_size: int | None = None,
) -> pa.Table:
    codec = "utf8" if sniff.codec == "utf-8" else sniff.codec
    sized = {"block_size": block_size} if block_size else {}
    options = dict(
        read_options=pacsv.ReadOptions(encoding=codec, skip_rows=sniff.skip_rows, **sized),
        parse_options=pacsv.ParseOptions(
            delimiter=sniff.delimiter, quote_char='"', double_quote=True, newlines_in_values=newlines_in_values
        ),
        convert_options=pacsv.ConvertOptions(
            null_values=NULL_VALUES,
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            decimal_point=sniff.decimal,
            column_types=column_types,
        ),
    )
    if column_types and isinstance(source, Path) and codec == "utf8" and not block_size:
        if newlines_in_values:
            return _parse_streamed(source, options)
        return _parse_in_ranges(source, options)
    return pacsv.read_csv(source, **options)


# the typed parse reads the file in ranges of whole lines: each range is parsed in parallel, and
# only one range's parse buffers exist next to the table built so far
RANGE_BYTES = 8 << 20


def _parse_in_ranges(path: Path, options: dict) -> pa.Table:
    """Parse a file without quoted line breaks in ranges of whole lines, with known column types.

    A value that does not fit its type raises (as ``read_csv`` would) and the caller parses again
    with full inference.
    """
    tables: list[pa.Table] = []
    read_options = options["read_options"]
    convert = options["convert_options"]
    carry = b""
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(RANGE_BYTES)
            data = carry + chunk if carry else chunk
            if chunk:
                cut = data.rfind(b"\n") + 1
                if cut == 0:  # no line end yet: a line longer than a range
                    carry = data
                    continue
                carry = data[cut:]
                data = memoryview(data)[:cut]  # no copy
            else:
                carry = b""
            if tables and not bytes(data[-4096:]).strip() and not bytes(data).strip():
                break
            table = pacsv.read_csv(pa.BufferReader(pa.py_buffer(data)), read_options=read_options, parse_options=options["parse_options"],
                                   convert_options=convert, memory_pool=PARSE_POOL)
            del data
            if not tables:  # the next ranges have no header and must come out with these types
                read_options = pacsv.ReadOptions(encoding=read_options.encoding, column_names=table.column_names,
                                                 block_size=read_options.block_size)
                convert = pacsv.ConvertOptions(
                    null_values=convert.null_values, strings_can_be_null=True, quoted_strings_can_be_null=True,
                    decimal_point=convert.decimal_point, column_types=dict(zip(table.column_names, table.schema.types)))
            tables.append(table)
            release_memory()  # this range's parse buffers
            if not chunk:
                break
    return pa.concat_tables(tables)


def _parse_streamed(path: Path, options: dict) -> pa.Table:
    """Parse with known column types block by block: no whole-file parse buffers next to the table.

    Slower than ``_parse_in_ranges`` (one thread), for files whose quoted values hold line breaks.
    """
    reader = pacsv.open_csv(path, memory_pool=PARSE_POOL, **options)
    batches = []
    for i, batch in enumerate(reader):
        batches.append(batch)
        if i % 16 == 15:
            release_memory()  # the parser's freed block buffers
    release_memory()
    return pa.Table.from_batches(batches, schema=reader.schema)


def _sample_types(sample: bytes, truncated: bool, sniff: TextSniff) -> dict[str, pa.DataType] | None:
    """Column types inferred from the sample's complete lines, or None when that is not possible.

    Parsing the whole file with known types needs less than half the memory of letting pyarrow
    infer them (it keeps every parsed block until inference settles); a value that does not fit
    makes the typed parse fail, and the caller then parses again with full inference.
    """
    if sniff.codec != "utf-8":
        return None
    cut = sample[: sample.rfind(b"\n") + 1] if truncated else sample
    if not cut.strip():
        return None
    try:
        head = _parse(io.BytesIO(cut), sniff, sniff.quoted_newlines)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    names = head.column_names
    if len(set(names)) != len(names) or head.num_rows == 0:
        return None
    typed = {
        name: kind for name, kind in zip(names, head.schema.types)
        if not (pa.types.is_null(kind) or pa.types.is_binary(kind))
    }  # fmt: skip
    return typed or None


def _explain(path: Path, sniff: TextSniff, error: Exception) -> DataImportError:
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if "Empty CSV file" in message:
        # the sample had text, so this is a lone header line without a line break
        fields = count_header_fields(path, sniff.delimiter, sniff.codec, sniff.skip_rows, sniff.header_fields)
        return DataImportError(f"{path.name}: has a header ({fields} columns) but no data rows")
    if "Expected" in message and "columns" in message:
        shown = "tab" if sniff.delimiter == "\t" else repr(sniff.delimiter)
        return DataImportError(
            f"{path.name}: rows have different numbers of fields with the delimiter {shown} "
            f"({message.removeprefix('CSV parse error: ')}); check the delimiter or the file"
        )
    return DataImportError(f"{path.name}: cannot be parsed as a {sniff.delimiter!r}-delimited table: {message}")


# pyarrow parses in 1 MB blocks and fails on a line longer than one block ("straddling object",
# or "Empty CSV file or block" for a long header line): such files are parsed again in big blocks
LONG_LINE_BLOCK = 64 * 1024 * 1024


def _line_longer_than_a_block(exc: Exception) -> bool:
    return "straddl" in str(exc) or "Empty CSV file or block" in str(exc)


def _parse_checked(path: Path, sniff: TextSniff, column_types: dict[str, pa.DataType] | None = None) -> pa.Table:
    """Parse (in big blocks when a line outgrows pyarrow's default block), else ``_parse_once``."""
    try:
        return _parse_once(path, sniff, column_types)
    except DataImportError as error:
        cause = error.__context__ if error.__context__ is not None else error
        if not _line_longer_than_a_block(cause) or path.stat().st_size <= (1 << 20):
            raise
    try:
        return _parse(path, sniff, True, block_size=LONG_LINE_BLOCK)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        if "straddl" in str(exc):
            raise DataImportError(f"{path.name}: a line is longer than {LONG_LINE_BLOCK >> 20} MB; "
                                  "is this a table (one row per line)?") from None
        raise _explain(path, sniff, exc) from None


def _parse_once(path: Path, sniff: TextSniff, column_types: dict[str, pa.DataType] | None = None) -> pa.Table:
    """Parse, retrying once with quoted newlines allowed; parser errors become DataImportError."""
    if column_types:
        try:
            return _parse(path, sniff, sniff.quoted_newlines, column_types)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
            pass  # a value beyond the sample does not fit its type: infer over the whole file
    try:
        return _parse(path, sniff, sniff.quoted_newlines)
    except UnicodeDecodeError:
        raise
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        if sniff.quoted_newlines:
            raise _explain(path, sniff, exc) from None
        try:
            return _parse(path, sniff, True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise _explain(path, sniff, exc) from None


def _has_undecoded_bytes(table: pa.Table) -> bool:
    return any(pa.types.is_binary(t) or pa.types.is_large_binary(t) for t in table.schema.types)


def _fallback_8bit(path: Path, sniff: TextSniff) -> pa.Table:
    """Re-read a file that is not valid UTF-8 as cp1252, or Latin-1 where cp1252 has gaps."""
    for codec in ("cp1252", "latin-1"):
        sniff.codec = sniff.encoding = codec
        try:
            table = _parse_checked(path, sniff)
        except UnicodeDecodeError:
            continue
        sniff.warnings = [w for w in sniff.warnings if "is not valid UTF-8" not in w]
        sniff.warnings.append(
            f"{path.name} is not valid UTF-8; it was read as {codec}. If accented letters look wrong, "
            "choose the file's encoding in the import options"
        )
        sniff.unsure = True
        return table
    raise DataImportError(f"{path.name}: the text cannot be decoded (not UTF-8, cp1252 or Latin-1)")


def read_delimited(path: Path, fmt: str, options: ImportOptions, sample: bytes, truncated: bool) -> LoadedTable:
    """Parse a delimited text file into a typed DataFrame."""
    sniff = sniff_text(path.name, sample, truncated, fmt, options.sep, options.encoding, options.decimal)
    try:
        table = _parse_checked(path, sniff, _sample_types(sample, truncated, sniff))
    except UnicodeDecodeError as exc:
        if options.encoding or sniff.codec not in ("utf-8", "cp1252"):
            raise DataImportError(
                f"{path.name}: the text cannot be decoded as {sniff.encoding} (byte {exc.start} of a block); "
                "choose another encoding"
            ) from None
        table = _fallback_8bit(path, sniff)
    if _has_undecoded_bytes(table):
        if options.encoding:
            raise DataImportError(f"{path.name}: the text cannot be decoded as {options.encoding}; choose another encoding")
        table = _fallback_8bit(path, sniff)
    if table.num_columns == 0:
        raise DataImportError(f"{path.name}: the file is empty (no header, no rows)")
    if table.num_rows == 0:
        raise DataImportError(f"{path.name}: has a header ({table.num_columns} columns) but no data rows")
    table, conversions, renames, notes = finish_arrow_table(
        table, decimal=sniff.decimal, decimal_forced=bool(options.decimal)
    )
    box = [table]
    del table  # arrow_to_frame holds the only reference and frees each column once converted
    frame = arrow_to_frame(box)
    return LoadedTable(
        frame=frame,
        format=fmt,
        encoding=sniff.encoding,
        delimiter=sniff.delimiter,
        decimal=sniff.decimal,
        sheet=None,
        renamed_columns=renames,
        conversions=conversions,
        warnings=sniff.warnings + notes,
        unsure=sniff.unsure,
    )
