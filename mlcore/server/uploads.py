"""Uploaded files: read from a multipart form into a private temporary file whose name we choose.

The client's file name is only used for its extension (from a fixed list) and as a display name;
it never becomes part of a path.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Iterator

from mlcore.errors import ConfigError

__all__ = ["TABLE_SUFFIXES", "display_name", "saved_upload"]

TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def display_name(filename: str | None, fallback: str = "upload") -> str:
    """The last component of a client's file name, without control characters, at most 200 chars."""
    raw = filename or ""
    base = PureWindowsPath(PurePosixPath(raw).name).name  # drop any folder part, either slash
    base = _UNSAFE.sub("", base).strip().strip(".")
    return base[:200] or fallback


def suffix_of(filename: str | None) -> str:
    suffix = Path(display_name(filename)).suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ConfigError(f"Upload a table file ({', '.join(TABLE_SUFFIXES)}); got {display_name(filename)!r}.")
    return suffix


@contextmanager
def saved_upload(upload, filename: str | None) -> Iterator[Path]:
    """Copy an UploadFile to ``<tmpdir>/upload<suffix>``; the folder is removed afterwards."""
    suffix = suffix_of(filename)
    folder = Path(tempfile.mkdtemp(prefix="mlwb-upload-"))
    try:
        path = folder / f"upload{suffix}"
        with open(path, "wb") as out:
            upload.file.seek(0)
            shutil.copyfileobj(upload.file, out, 1 << 20)
        if os.path.getsize(path) == 0:
            raise ConfigError(f"The uploaded file {display_name(filename)!r} is empty.")
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)
