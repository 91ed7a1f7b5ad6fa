"""Sniffing a file from a small sample of its bytes: container format, encoding, delimiter, decimal mark."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mlcore.errors import DataImportError

SAMPLE_BYTES = 64 * 1024

EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "txt",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".parquet": "parquet",
    ".pq": "parquet",
}
TEXT_FORMATS = ("csv", "tsv", "txt")
DELIMITERS = (",", ";", "\t", "|")

_MAGIC = {
    b"PK\x03\x04": "xlsx",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "xls",
    b"PAR1": "parquet",
}
# bytes that cp1252 leaves undefined: their presence means Latin-1 is the better guess
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
# a quoted field, with "" as an escaped quote inside; may span lines
_QUOTED = re.compile(r'"(?:[^"]|"")*"')
_DECIMAL_COMMA = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})*,\d+$|^[+-]?\d+,\d+$")
_DECIMAL_DOT = re.compile(r"^[+-]?\d+\.\d+$")


@dataclass
class TextSniff:
    """What the sample of a delimited text file says about how to parse it."""

    encoding: str  # name reported to the user (e.g. "utf-8-sig", "cp1252")
    codec: str  # name given to the parser
    delimiter: str
    decimal: str
    quoted_newlines: bool
    header_fields: int = 0
    skip_rows: int = 0  # Excel's "sep=;" hint line and "#" comment lines above the header
    warnings: list[str] = field(default_factory=list)
    unsure: bool = False


def format_from_extension(path: Path) -> str:
    """The declared format of ``path`` from its extension; raises for unsupported ones."""
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        supported = ", ".join(sorted(EXTENSIONS))
        shown = path.suffix or "(no extension)"
        raise DataImportError(f"{path.name}: unsupported file type {shown}; supported types are {supported}")
    return fmt


def format_from_magic(head: bytes) -> str | None:
    """The binary container format the first bytes announce, or None for (probably) text."""
    for magic, fmt in _MAGIC.items():
        if head.startswith(magic):
            return fmt
    return None


def read_sample(path: Path, size: int = SAMPLE_BYTES) -> bytes:
    """The first ``size`` bytes of the file."""
    with open(path, "rb") as fh:
        return fh.read(size)


def _bom_encoding(sample: bytes) -> tuple[str, str] | None:
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", "utf-8"
    if sample.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32", "utf-32"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "utf-16"
    return None


def _utf16_without_bom(sample: bytes) -> str | None:
    """Recognise BOM-less UTF-16 of mostly-ASCII text by its pattern of zero bytes."""
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_zeros, odd_zeros = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_zeros > 0.4 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.4 and odd_zeros < 0.05:
        return "utf-16-be"
    return None


def _decodes(sample: bytes, codec: str, truncated: bool) -> str | None:
    """The sample decoded with ``codec``, tolerating a character cut at the sample's end."""
    try:
        return sample.decode(codec)
    except UnicodeDecodeError as exc:
        if truncated and exc.start >= len(sample) - 4:
            try:
                return sample[: exc.start].decode(codec)
            except UnicodeDecodeError:
                return None
        return None
    except LookupError:
        return None


def detect_encoding(
    name: str, sample: bytes, truncated: bool, forced: str | None = None
) -> tuple[str, str, str, list[str], bool]:
    """(reported encoding, parser codec, decoded sample, warnings, unsure) for a text sample."""
    if forced:
        try:
            codec = _canonical_codec(forced)
        except LookupError:
            raise DataImportError(f"{name}: unknown encoding {forced!r}") from None
        head = sample
        if codec in ("utf-16", "utf-32") or codec.startswith("utf-16") or codec.startswith("utf-32"):
            head = sample[: len(sample) - len(sample) % (4 if "32" in codec else 2)]
        text = _decodes(head, "utf-8-sig" if codec == "utf-8" else codec, truncated)
        if text is None:
            raise DataImportError(f"{name}: the text cannot be decoded as {forced}; choose another encoding")
        return forced, codec, text, [], False

    bom = _bom_encoding(sample)
    if bom is not None:
        reported, codec = bom
        step = 4 if codec == "utf-32" else 2 if codec == "utf-16" else 1
        head = sample[: len(sample) - len(sample) % step]
        text = _decodes(head, "utf-8-sig" if codec == "utf-8" else codec, truncated)
        if text is None:
            raise DataImportError(f"{name}: starts with a {reported} byte-order mark but the text cannot be decoded as {reported}")
        return reported, codec, text, [], False

    utf16 = _utf16_without_bom(sample)
    if utf16 is not None:
        text = _decodes(sample[: len(sample) - len(sample) % 2], utf16, truncated)
        if text is not None:
            return utf16, utf16, text, [], False

    if b"\x00" in sample:
        raise DataImportError(f"{name}: looks like binary data, not a text table (it contains zero bytes)")

    text = _decodes(sample, "utf-8", truncated)
    if text is not None:
        return "utf-8", "utf-8", text, [], False

    codec = "latin-1" if _CP1252_UNDEFINED.intersection(sample) else "cp1252"
    text = sample.decode(codec)
    warning = (
        f"{name} is not valid UTF-8; it was read as {codec}. If accented letters look wrong, "
        "choose the file's encoding in the import options"
    )
    return codec, codec, text, [warning], True


def _canonical_codec(encoding: str) -> str:
    import codecs

    canonical = codecs.lookup(encoding).name  # raises LookupError for unknown names
    return {"utf-8-sig": "utf-8"}.get(canonical, canonical)


def check_text_like(name: str, text: str) -> None:
    """Raise when decoded text is mostly control characters, i.e. binary garbage."""
    if not text:
        return
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\r\f\v") + text[:20000].count("\x7f")
    if controls / min(len(text), 20000) > 0.01:
        raise DataImportError(f"{name}: looks like binary data, not a text table")


def _sample_lines(text: str, truncated: bool, limit: int = 200) -> list[str]:
    lines = _QUOTED.sub('""', text).splitlines()
    if truncated and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle
    return [line for line in lines if line.strip()][:limit]


def sniff_delimiter(text: str, truncated: bool, fmt: str) -> tuple[str, bool]:
    """(delimiter, unsure): the candidate whose count per line is non-zero and most consistent."""
    lines = _sample_lines(text, truncated)
    default = "\t" if fmt == "tsv" else ","
    if not lines:
        return default, True
    header, body = lines[0], lines[1:] or lines[:1]
    scored = []
    for order, delim in enumerate(DELIMITERS):
        n = header.count(delim)
        if n == 0:
            continue
        consistency = sum(1 for line in body if line.count(delim) == n) / len(body)
        preferred = 1 if (fmt == "tsv" and delim == "\t") else 0
        scored.append((consistency, preferred, n, -order, delim))
    if not scored:
        return default, len(lines) > 1 and any(" " in line for line in lines)
    scored.sort(reverse=True)
    best = scored[0]
    unsure = best[0] < 0.9 or (len(scored) > 1 and scored[1][0] == best[0] and scored[1][1] == best[1])
    return best[4], unsure


def sniff_decimal(text: str, truncated: bool, delimiter: str) -> tuple[str, bool]:
    """(decimal mark, unsure): ',' when numbers in the sample are written with a decimal comma."""
    if delimiter == ",":
        return ".", False
    commas = dots = 0
    for line in _sample_lines(text, truncated)[1:]:
        for value in line.split(delimiter):
            value = value.strip()
            if _DECIMAL_COMMA.match(value):
                commas += 1
            elif _DECIMAL_DOT.match(value):
                dots += 1
    if commas > dots:
        return ",", dots > 0
    return ".", commas > 0


def sniff_text(
    name: str,
    sample: bytes,
    truncated: bool,
    fmt: str,
    sep: str | None = None,
    encoding: str | None = None,
    decimal: str | None = None,
) -> TextSniff:
    """Everything needed to parse a delimited text file, from its first bytes and the user's overrides."""
    reported, codec, text, warnings, unsure = detect_encoding(name, sample, truncated, encoding)
    check_text_like(name, text)
    if not text.strip():
        raise DataImportError(f"{name}: the file is empty (no header, no rows)")
    skip_rows = 0
    hint = re.match(r"\A[ \t]*sep=(.)[ \t]*\r?\n", text)
    if hint:
        # Excel writes "sep=;" as a first line to announce the delimiter
        text, skip_rows = text[hint.end() :], 1
    comments = re.match(r"\A(?:[ \t]*#[^\n]*\n)+", text)
    if comments:
        lines = comments.group(0).count("\n")
        text, skip_rows = text[comments.end() :], skip_rows + lines
        warnings = warnings + [f"skipped {lines} comment line(s) starting with '#' above the header"]
    if skip_rows and not text.strip():
        raise DataImportError(f"{name}: the file is empty (no header, no rows)")
    if sep:
        delimiter = "\t" if sep in ("\\t", "tab", "TAB") else sep
        if len(delimiter) != 1:
            raise DataImportError(f"{name}: the delimiter must be one character, got {sep!r}")
    elif hint:
        delimiter = hint.group(1)
    else:
        delimiter, delim_unsure = sniff_delimiter(text, truncated, fmt)
        unsure = unsure or delim_unsure
    if decimal:
        if decimal not in (".", ","):
            raise DataImportError(f"{name}: the decimal mark must be '.' or ',', got {decimal!r}")
        mark = decimal
        if mark == delimiter:
            raise DataImportError(f"{name}: the decimal mark and the delimiter cannot both be {mark!r}")
    else:
        mark, dec_unsure = sniff_decimal(text, truncated, delimiter)
        unsure = unsure or dec_unsure
    quoted_newlines = any("\n" in m.group(0) or "\r" in m.group(0) for m in _QUOTED.finditer(text))
    lines = _sample_lines(text, truncated=False, limit=1)
    header_fields = lines[0].count(delimiter) + 1 if lines else 0
    return TextSniff(reported, codec, delimiter, mark, quoted_newlines, header_fields, skip_rows, warnings, unsure)


def count_header_fields(path: Path, delimiter: str, codec: str, skip_rows: int = 0, fallback: int = 0) -> int:
    """Fields of the header line, read through to its end (the sample may cut a very wide header)."""
    if codec.replace("-", "").lower() not in ("utf8", "cp1252", "latin1", "iso88591", "ascii"):
        return fallback  # a multi-byte encoding: the sample's count is the best cheap answer
    mark = delimiter.encode(codec)
    fields, lines_seen = 1, 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            while lines_seen < skip_rows:
                end = chunk.find(b"\n")
                if end < 0:
                    break
                chunk, lines_seen = chunk[end + 1:], lines_seen + 1
            if lines_seen < skip_rows:
                continue
            end = chunk.find(b"\n")
            fields += chunk[: end if end >= 0 else len(chunk)].count(mark)
            if end >= 0:
                break
    return fields
