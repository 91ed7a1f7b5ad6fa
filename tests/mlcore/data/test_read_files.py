"""Excel and Parquet import, and content that does not match its extension."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from mlcore.data import ImportOptions, read_table
from mlcore.errors import DataImportError

FIXTURES = Path(__file__).parent / "fixtures"


def make_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Cover"  # no data: the importer must skip it by default
    data = book.create_sheet("Sales")
    data.append(["region", "units", "price", "share", "active", "when", "region", None])
    data.append(["north", 10, 2.5, "12%", "yes", pd.Timestamp("2024-01-02").to_pydatetime(), "n", 1])
    data.append(["south", 20, None, "7.5%", "no", pd.Timestamp("2024-02-03").to_pydatetime(), "s", 2])
    data.append(["east", 30, 4.0, "100%", "yes", pd.Timestamp("2024-03-04").to_pydatetime(), "e", 3])
    other = book.create_sheet("Other")
    other.append(["k", "v"])
    other.append(["a", "mixed"])
    other.append(["b", 3])
    book.save(path)
    return path


def test_xlsx_default_sheet_is_first_with_data(tmp_path):
    loaded = read_table(make_workbook(tmp_path / "book.xlsx"))
    frame = loaded.frame
    assert loaded.format == "xlsx" and loaded.sheet == "Sales"
    assert list(frame.columns) == ["region", "units", "price", "share", "active", "when", "region_2", "column_8"]
    assert frame["units"].tolist() == [10, 20, 30]
    assert frame["price"].isna().tolist() == [False, True, False]
    assert frame["share"].tolist() == pytest.approx([0.12, 0.075, 1.0])
    assert frame["active"].tolist() == [True, False, True]
    assert frame["when"].tolist() == list(pd.to_datetime(["2024-01-02", "2024-02-03", "2024-03-04"]))
    assert loaded.renamed_columns == {"region": "region_2", "<blank #8>": "column_8"}
    assert loaded.conversions["share"] == "percent"


@pytest.mark.parametrize("sheet", ["Other", 2, "other"])
def test_xlsx_sheet_by_name_or_index(tmp_path, sheet):
    loaded = read_table(make_workbook(tmp_path / "book.xlsx"), ImportOptions(sheet=sheet))
    assert loaded.sheet == "Other"
    # a column mixing text and numbers stays text
    assert loaded.frame["v"].tolist() == ["mixed", "3"]
    assert pd.api.types.is_string_dtype(loaded.frame["v"].dtype)


def test_xlsx_missing_sheet_lists_available_ones(tmp_path):
    with pytest.raises(DataImportError, match=r"book\.xlsx.*no sheet named 'Nope'.*'Cover', 'Sales', 'Other'"):
        read_table(make_workbook(tmp_path / "book.xlsx"), ImportOptions(sheet="Nope"))
    with pytest.raises(DataImportError, match=r"no sheet number 7.*'Cover', 'Sales', 'Other'"):
        read_table(tmp_path / "book.xlsx", ImportOptions(sheet=7))


def test_xlsx_with_only_a_header_row(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["a", "b"])
    book.save(tmp_path / "head.xlsx")
    with pytest.raises(DataImportError, match=r"head\.xlsx.*header \(2 columns\) but no data rows"):
        read_table(tmp_path / "head.xlsx")


def test_empty_workbook(tmp_path):
    openpyxl.Workbook().save(tmp_path / "empty.xlsx")
    with pytest.raises(DataImportError, match=r"empty\.xlsx.*empty"):
        read_table(tmp_path / "empty.xlsx")


def test_truncated_xlsx(tmp_path):
    data = make_workbook(tmp_path / "book.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataImportError, match=r"cut\.xlsx.*not a readable Excel workbook"):
        read_table(tmp_path / "cut.xlsx")


def test_xls_via_xlrd():
    loaded = read_table(FIXTURES / "two_sheets.xls")
    assert loaded.format == "xls" and loaded.sheet == "Data"
    assert list(loaded.frame.columns) == ["name", "score", "passed", "when", "name_2"]
    assert loaded.frame["score"].tolist()[:2] == [1.5, 2.25]
    assert loaded.frame["passed"].tolist() == [True, False, True]
    assert loaded.frame["when"].iloc[1] == pd.Timestamp("2024-02-03")


def test_xlsx_that_is_really_a_csv_is_read_as_text_with_a_warning(tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_text("a;b\n1,5;x\n2,5;y\n", encoding="utf-8")
    loaded = read_table(path)
    assert loaded.format == "csv"
    assert loaded.frame["a"].tolist() == [1.5, 2.5]
    assert loaded.unsure
    assert "not an Excel workbook" in loaded.warnings[0]


def test_csv_that_is_really_a_workbook_is_read_as_excel(tmp_path):
    data = make_workbook(tmp_path / "book.xlsx").read_bytes()
    (tmp_path / "book.csv").write_bytes(data)
    loaded = read_table(tmp_path / "book.csv")
    assert loaded.format == "xlsx" and loaded.sheet == "Sales"
    assert "really an Excel workbook" in loaded.warnings[0]


def test_parquet_round_trip_keeps_types(tmp_path):
    frame = pd.DataFrame(
        {
            "x": [1.5, None, 3.0],
            "n": [1, 2, 3],
            "s": pd.Series(["a", None, "c"], dtype="str"),
            "d": pd.to_datetime(["2024-01-01", "2024-01-02", None]),
            "b": [True, False, True],
        }
    )
    frame.to_parquet(tmp_path / "t.parquet")
    loaded = read_table(tmp_path / "t.parquet")
    assert loaded.format == "parquet"
    pd.testing.assert_frame_equal(loaded.frame, frame, check_dtype=False)
    assert loaded.frame["n"].dtype == "int64" and loaded.frame["b"].dtype == bool


def test_truncated_parquet(tmp_path):
    pd.DataFrame({"a": range(1000)}).to_parquet(tmp_path / "t.parquet")
    data = (tmp_path / "t.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(data[: len(data) - 40])
    with pytest.raises(DataImportError, match=r"cut\.parquet.*not a readable Parquet file"):
        read_table(tmp_path / "cut.parquet")


def test_parquet_extension_on_a_csv(tmp_path):
    (tmp_path / "fake.parquet").write_text("a,b\n1,2\n")
    with pytest.raises(DataImportError, match=r"fake\.parquet.*not a Parquet file"):
        read_table(tmp_path / "fake.parquet")


def test_parquet_with_no_rows(tmp_path):
    pd.DataFrame({"a": pd.Series([], dtype=float)}).to_parquet(tmp_path / "none.parquet")
    with pytest.raises(DataImportError, match=r"none\.parquet.*no data rows"):
        read_table(tmp_path / "none.parquet")


def test_xlsx_title_line_above_the_header_is_skipped(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Quarterly report"])
    sheet.append([])
    sheet.append(["item", "qty"])
    sheet.append(["bolts", 3])
    sheet.append(["nuts", 5])
    book.save(tmp_path / "report.xlsx")
    loaded = read_table(tmp_path / "report.xlsx")
    assert list(loaded.frame.columns) == ["item", "qty"]
    assert loaded.frame["qty"].tolist() == [3, 5]
    assert "skipped 1 title line" in loaded.warnings[0]


def test_xlsx_prose_first_sheet_is_passed_over_for_the_first_table_and_sheets_are_listed(tmp_path):
    book = openpyxl.Workbook()
    readme = book.active
    readme.title = "Read me"
    for line in ("HR attrition extract", "Exported from the HR system on 2024-05-01.",
                 "One row per employee; Attrition says whether they left.", "Questions: hr-data@example.com"):
        readme.append([line])
    data = book.create_sheet("Employees")
    data.append(["age", "department", "monthly_income", "Attrition"])
    for i in range(6):
        data.append([25 + i, "sales" if i % 2 else "r&d", 3000 + 100 * i, "Yes" if i % 3 == 0 else "No"])
    path = tmp_path / "hr.xlsx"
    book.save(path)
    loaded = read_table(path)
    assert loaded.sheet == "Employees" and list(loaded.frame.columns) == ["age", "department", "monthly_income", "Attrition"]
    assert len(loaded.frame) == 6
    assert loaded.warnings[0].startswith("the workbook has 2 sheets ('Read me', 'Employees'); read 'Employees'")


def test_xlsx_without_any_table_like_sheet_warns_with_the_names(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    for line in ("first note", "second note", "third note"):
        book.active.append([line])
    book.create_sheet("Empty")
    path = tmp_path / "notes.xlsx"
    book.save(path)
    loaded = read_table(path)
    assert loaded.sheet == "Notes"
    assert "no sheet looks like a table" in loaded.warnings[0] and "'Notes', 'Empty'" in loaded.warnings[0]
