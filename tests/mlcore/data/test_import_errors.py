"""Files the importer must refuse with a DataImportError that names the file and the problem."""

from __future__ import annotations

import os

import pytest

from mlcore.data import ImportOptions, read_table
from mlcore.errors import DataImportError, MLWorkbenchError


def refuse(path, pattern, options=None):
    with pytest.raises(DataImportError, match=pattern) as info:
        read_table(path, options)
    assert isinstance(info.value, MLWorkbenchError)
    return str(info.value)


def test_missing_file(tmp_path):
    refuse(tmp_path / "nope.csv", r"nope\.csv: file not found")


def test_empty_file(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    refuse(tmp_path / "empty.csv", r"empty\.csv: the file is empty")


def test_blank_lines_only(tmp_path):
    (tmp_path / "blank.csv").write_text("\n \n\n")
    refuse(tmp_path / "blank.csv", r"blank\.csv: the file is empty")


@pytest.mark.parametrize("content", ["a,b,c\n", "a,b,c", "a;b;c\r\n"])
def test_header_only(tmp_path, content):
    (tmp_path / "head.csv").write_text(content)
    refuse(tmp_path / "head.csv", r"head\.csv: has a header \(3 columns\) but no data rows")


def test_binary_garbage(tmp_path):
    (tmp_path / "garbage.csv").write_bytes(os.urandom(4096))
    refuse(tmp_path / "garbage.csv", r"garbage\.csv: looks like binary data")


def test_binary_without_zero_bytes(tmp_path):
    data = bytes(b for b in os.urandom(8192) if b != 0)
    (tmp_path / "noise.txt").write_bytes(data)
    refuse(tmp_path / "noise.txt", r"noise\.txt: looks like binary data")


def test_undecodable_text_in_forced_encoding(tmp_path):
    (tmp_path / "latin.csv").write_bytes("a,b\n1,café\n".encode("latin-1"))
    refuse(tmp_path / "latin.csv", r"latin\.csv: the text cannot be decoded as utf-8", ImportOptions(encoding="utf-8"))


def test_undecodable_after_the_sample_in_forced_encoding(tmp_path):
    data = ("a,b\n" + "1,x\n" * 30000).encode() + "2,café\n".encode("latin-1")
    (tmp_path / "late.csv").write_bytes(data)
    refuse(tmp_path / "late.csv", r"late\.csv: the text cannot be decoded as utf-8", ImportOptions(encoding="utf-8"))


def test_broken_utf16(tmp_path):
    (tmp_path / "u16.csv").write_bytes(b"\xff\xfe" + "a,b\n1,2\n".encode("utf-16-le") + b"\x00\xd8\x41")
    refuse(tmp_path / "u16.csv", r"u16\.csv: .*cannot be decoded")


def test_unknown_encoding_name(tmp_path):
    (tmp_path / "a.csv").write_text("a\n1\n")
    refuse(tmp_path / "a.csv", r"a\.csv: unknown encoding 'klingon'", ImportOptions(encoding="klingon"))


def test_unsupported_extension(tmp_path):
    (tmp_path / "data.json").write_text("{}")
    refuse(tmp_path / "data.json", r"data\.json: unsupported file type \.json; supported types are .*\.csv")


def test_ragged_rows_name_the_delimiter(tmp_path):
    (tmp_path / "ragged.csv").write_text("a,b\n1,2\n3,4,5\n")
    refuse(tmp_path / "ragged.csv", r"ragged\.csv: rows have different numbers of fields with the delimiter ','")


def test_bad_decimal_option(tmp_path):
    (tmp_path / "a.csv").write_text("a;b\n1;2\n")
    refuse(tmp_path / "a.csv", r"a\.csv: the decimal mark must be", ImportOptions(decimal="x"))
    refuse(tmp_path / "a.csv", r"a\.csv: the decimal mark and the delimiter", ImportOptions(sep=",", decimal=","))


def test_folder_instead_of_file(tmp_path):
    (tmp_path / "dir.csv").mkdir()
    refuse(tmp_path / "dir.csv", r"dir\.csv: is a folder")


def test_garbage_with_excel_extension(tmp_path):
    (tmp_path / "junk.xlsx").write_bytes(b"\x00\x01\x02" * 1000)
    refuse(tmp_path / "junk.xlsx", r"junk\.xlsx: looks like binary data")


@pytest.mark.parametrize("ending", ["\n", ""])
def test_a_header_only_csv_with_200000_columns_is_counted_right(tmp_path, ending):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(200_000)) + ending, encoding="utf-8")
    with pytest.raises(DataImportError, match=r"wide\.csv: has a header \(200000 columns\) but no data rows"):
        read_table(path)


def test_one_8_mb_line_is_read_not_refused_with_pyarrows_wording(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("id,text\n1," + "x" * (8 * 1024 * 1024) + "\n2,short\n", encoding="utf-8")
    loaded = read_table(path)
    assert loaded.frame.shape == (2, 2) and len(loaded.frame["text"].iloc[0]) == 8 * 1024 * 1024
    assert loaded.frame["text"].iloc[1] == "short"
