"""Delimited text import: delimiters, encodings, decimal commas, typing of text columns, names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlcore.data import ImportOptions, read_table


def write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("delimiter", "suffix"), [(",", ".csv"), (";", ".csv"), ("\t", ".tsv"), ("|", ".txt"), ("\t", ".txt")]
)
def test_delimiter_is_sniffed(tmp_path, delimiter, suffix):
    rows = ["id,name,score", "1,ann,2.5", "2,bob,3.5", "3,cy,4.0"]
    path = write(tmp_path / f"t{suffix}", "\n".join(r.replace(",", delimiter) for r in rows) + "\n")
    loaded = read_table(path)
    assert loaded.delimiter == delimiter
    assert list(loaded.frame.columns) == ["id", "name", "score"]
    assert loaded.frame["score"].tolist() == [2.5, 3.5, 4.0]
    assert loaded.frame["name"].tolist() == ["ann", "bob", "cy"]
    assert not loaded.unsure


def test_quoted_delimiters_do_not_confuse_the_sniffer(tmp_path):
    path = write(tmp_path / "q.csv", 'city;note\n"Paris";"a, b, c"\n"Rome";"d, e"\n"Oslo";"f, g, h, i"\n')
    loaded = read_table(path)
    assert loaded.delimiter == ";"
    assert loaded.frame["note"].tolist() == ["a, b, c", "d, e", "f, g, h, i"]


def test_quoted_newlines_are_kept_inside_the_value(tmp_path):
    path = write(tmp_path / "nl.csv", 'id,text\n1,"line one\nline two"\n2,plain\n')
    loaded = read_table(path)
    assert loaded.frame["text"].tolist() == ["line one\nline two", "plain"]


def test_european_csv_comes_out_numeric(tmp_path):
    path = write(
        tmp_path / "eu.csv",
        "Produkt;Preis;Menge;Umsatz\nÄpfel;1,25;10;1.234,50\nBirnen;0,99;7;2.001,00\nKiwi;12,5;3;999,75\n",
    )
    loaded = read_table(path)
    frame = loaded.frame
    assert (loaded.delimiter, loaded.decimal) == (";", ",")
    assert frame["Preis"].tolist() == [1.25, 0.99, 12.5]
    assert frame["Menge"].tolist() == [10, 7, 3]
    assert frame["Umsatz"].tolist() == [1234.5, 2001.0, 999.75]
    assert frame["Produkt"].tolist() == ["Äpfel", "Birnen", "Kiwi"]
    assert loaded.conversions["Umsatz"] == "thousands"
    assert loaded.conversions["Preis"] == "decimal_comma"


def test_forced_decimal_point_leaves_comma_numbers_as_text(tmp_path):
    path = write(tmp_path / "eu.csv", "a;b\n1,5;x\n2,5;y\n")
    loaded = read_table(path, ImportOptions(decimal="."))
    assert loaded.decimal == "."
    assert loaded.frame["a"].tolist() == ["1,5", "2,5"]


def test_thousands_percent_boolean_and_dates(tmp_path):
    text = (
        "amount,share,active,flag,joined,when_eu,stamp,mixed\n"
        '"1,234",12%,yes,TRUE,2024-01-05,31/12/2023,2024-01-05 10:30:00,12\n'
        '"12,345,678",7.5%,No,false,2024-02-29,01/02/2024,2024-03-01 00:00:00,abc\n'
        '999,100%,YES,True,2023-12-31,15/06/2022,2023-07-04 23:59:59,3\n'
    )
    loaded = read_table(write(tmp_path / "types.csv", text))
    frame = loaded.frame
    assert frame["amount"].tolist() == [1234, 12345678, 999]
    assert frame["amount"].dtype == np.int64
    assert frame["share"].tolist() == pytest.approx([0.12, 0.075, 1.0])
    assert frame["active"].tolist() == [True, False, True]
    assert frame["flag"].tolist() == [True, False, True]
    assert frame["joined"].tolist() == list(pd.to_datetime(["2024-01-05", "2024-02-29", "2023-12-31"]))
    assert frame["when_eu"].tolist() == list(pd.to_datetime(["2023-12-31", "2024-02-01", "2022-06-15"]))
    assert frame["stamp"].iloc[0] == pd.Timestamp("2024-01-05 10:30:00")
    assert pd.api.types.is_string_dtype(frame["mixed"].dtype)
    assert frame["mixed"].tolist() == ["12", "abc", "3"]
    assert loaded.conversions == {
        "amount": "thousands",
        "share": "percent",
        "active": "boolean",
        "flag": "boolean",
        "joined": "datetime",
        "when_eu": "datetime",
        "stamp": "datetime",
    }


def test_booleans_with_missing_values_use_nullable_dtype(tmp_path):
    loaded = read_table(write(tmp_path / "b.csv", "x,ok\n1,yes\n2,\n3,no\n"))
    column = loaded.frame["ok"]
    assert str(column.dtype) == "boolean"
    assert column.isna().tolist() == [False, True, False]
    assert column.iloc[0] and not column.iloc[2]


def test_column_that_is_mostly_dates_but_not_all_stays_text(tmp_path):
    rows = "\n".join(f"{i},2024-01-{i % 28 + 1:02d}" for i in range(3000))
    text = "i,day\n" + rows + "\n3000,not a date\n"
    loaded = read_table(write(tmp_path / "late.csv", text))
    assert pd.api.types.is_string_dtype(loaded.frame["day"].dtype)
    assert loaded.frame["day"].iloc[-1] == "not a date"
    assert "day" not in loaded.conversions


def test_mixed_thousands_column_with_a_late_stray_value_stays_text(tmp_path):
    rows = "\n".join(f'{i},"{i + 1000:,}"' for i in range(5000))
    text = "i,n\n" + rows + '\n5000,"about 7,000"\n'
    loaded = read_table(write(tmp_path / "late.csv", text))
    assert pd.api.types.is_string_dtype(loaded.frame["n"].dtype)
    assert loaded.frame["n"].iloc[0] == "1,000"


def test_missing_value_markers_become_nan(tmp_path):
    loaded = read_table(write(tmp_path / "na.csv", "a,b\n1,x\nNA,\n3,n/a\n,NULL\n"))
    assert loaded.frame["a"].isna().tolist() == [False, True, False, True]
    assert loaded.frame["b"].isna().tolist() == [False, True, True, True]


def test_all_empty_column_is_float_nan(tmp_path):
    loaded = read_table(write(tmp_path / "e.csv", "a,b\n1,\n2,\n"))
    assert loaded.frame["b"].dtype == np.float64
    assert loaded.frame["b"].isna().all()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_unicode_encodings(tmp_path, encoding):
    text = "name,city\nJosé,Zürich\nRenée,Kraków\nŁukasz,Ærø\n"
    loaded = read_table(write(tmp_path / "u.csv", text, encoding))
    assert list(loaded.frame.columns) == ["name", "city"]  # no BOM glued to the first name
    assert loaded.frame["city"].tolist() == ["Zürich", "Kraków", "Ærø"]
    assert loaded.encoding == encoding
    assert not loaded.warnings


def test_utf16_without_bom_is_recognised(tmp_path):
    text = "name,n\nJosé,1\nRenée,2\n"
    loaded = read_table(write(tmp_path / "u16.txt", text, "utf-16-le"))
    assert loaded.frame["name"].tolist() == ["José", "Renée"]


def test_cp1252_fallback_warns_and_reads_correctly(tmp_path):
    text = "name;price\nCafé;3,50\nCrème brûlée;5,00\nEuro €;1,00\n"
    loaded = read_table(write(tmp_path / "w.csv", text, "cp1252"))
    assert loaded.encoding == "cp1252"
    assert loaded.frame["name"].tolist() == ["Café", "Crème brûlée", "Euro €"]
    assert loaded.frame["price"].tolist() == [3.5, 5.0, 1.0]
    assert loaded.unsure
    assert any("not valid UTF-8" in w and "cp1252" in w for w in loaded.warnings)


def test_non_utf8_bytes_after_the_sniffed_sample_still_fall_back(tmp_path):
    head = "id,name\n" + "".join(f"{i},plain{i}\n" for i in range(20000))  # > 64 KiB of ASCII
    path = tmp_path / "late.csv"
    path.write_bytes(head.encode("ascii") + "20000,Müller\n".encode("cp1252"))
    loaded = read_table(path)
    assert loaded.frame["name"].iloc[-1] == "Müller"
    assert loaded.encoding == "cp1252"
    assert loaded.warnings


def test_latin1_when_cp1252_cannot_decode(tmp_path):
    path = tmp_path / "l1.csv"
    path.write_bytes(b"a,b\n1,x\x81y\n2,caf\xe9\n")
    loaded = read_table(path)
    assert loaded.encoding == "latin-1"
    assert loaded.frame["b"].tolist() == ["x\x81y", "café"]


def test_forced_encoding_is_used(tmp_path):
    path = write(tmp_path / "f.csv", "a,b\n1,ß\n", "latin-1")
    loaded = read_table(path, ImportOptions(encoding="latin-1"))
    assert loaded.frame["b"].tolist() == ["ß"]
    assert not loaded.warnings


def test_forced_separator(tmp_path):
    path = write(tmp_path / "f.csv", "a;b,c\n1;2,3\n")
    assert list(read_table(path, ImportOptions(sep=",")).frame.columns) == ["a;b", "c"]
    assert list(read_table(path, ImportOptions(sep=";")).frame.columns) == ["a", "b,c"]


def test_duplicate_and_blank_names_are_renamed_and_reported(tmp_path):
    path = write(tmp_path / "names.csv", "col,col,,x, col ,\n1,2,3,4,5,6\n")
    loaded = read_table(path)
    assert list(loaded.frame.columns) == ["col", "col_2", "column_3", "x", "col_3", "column_6"]
    assert loaded.renamed_columns == {
        "col": "col_2",
        "<blank #3>": "column_3",
        "col #5": "col_3",
        "<blank #6>": "column_6",
    }
    assert loaded.frame["column_3"].tolist() == [3]
    assert any("renamed columns" in w for w in loaded.warnings)


def test_single_column_file(tmp_path):
    loaded = read_table(write(tmp_path / "one.txt", "value\n1\n2\n3\n"))
    assert loaded.frame["value"].tolist() == [1, 2, 3]


def test_ambiguous_delimiter_is_marked_unsure(tmp_path):
    loaded = read_table(write(tmp_path / "amb.csv", "a,b;c\n1,2;3\n4,5;6\n"))
    assert loaded.unsure


def test_excel_sep_hint_line(tmp_path):
    loaded = read_table(write(tmp_path / "hint.csv", "sep=;\na;b\n1,5;x\n2,5;y\n"))
    assert loaded.delimiter == ";"
    assert list(loaded.frame.columns) == ["a", "b"]
    assert loaded.frame["a"].tolist() == [1.5, 2.5]


def test_types_are_widened_when_values_beyond_the_sample_do_not_fit(tmp_path):
    # the first 64 KiB say "integers" and "dates"; the last rows say otherwise
    body = "".join(f"{i},{i % 7},2024-01-{i % 28 + 1:02d},{i % 2 == 0}\n" for i in range(20000))
    text = "id,n,day,flag\n" + body + "20000,2.5,2024-02-01 10:30:00,maybe\n"
    loaded = read_table(write(tmp_path / "wide.csv", text))
    frame = loaded.frame
    assert frame["n"].dtype == np.float64 and frame["n"].iloc[-1] == 2.5 and frame["n"].iloc[3] == 3.0
    assert pd.api.types.is_datetime64_any_dtype(frame["day"].dtype)
    assert frame["day"].iloc[-1] == pd.Timestamp("2024-02-01 10:30:00")
    assert frame["flag"].tolist()[-2:] == ["False", "maybe"]
    assert len(frame) == 20001


def test_crlf_line_endings_and_quoted_header(tmp_path):
    loaded = read_table(write(tmp_path / "crlf.csv", '"first name","age"\r\n"Ann",30\r\n"Bob",41\r\n'))
    assert list(loaded.frame.columns) == ["first name", "age"]
    assert loaded.frame["age"].tolist() == [30, 41]


def test_trailing_delimiter_makes_an_empty_named_column(tmp_path):
    loaded = read_table(write(tmp_path / "trail.csv", "a,b,\n1,2,\n3,4,\n"))
    assert list(loaded.frame.columns) == ["a", "b", "column_3"]
    assert loaded.frame["column_3"].isna().all()
    assert loaded.renamed_columns == {"<blank #3>": "column_3"}


def test_currency_amounts_become_numbers(tmp_path):
    text = 'price,fee,label\n"$1,234.50",5 €,$ sign\n$7,12 €,x\n-$3.25,0 €,y\n'
    loaded = read_table(write(tmp_path / "money.csv", text))
    assert loaded.frame["price"].tolist() == [1234.5, 7.0, -3.25]
    assert loaded.frame["fee"].tolist() == [5, 12, 0]
    assert loaded.frame["label"].tolist() == ["$ sign", "x", "y"]
    assert loaded.conversions["price"] == "currency" and loaded.conversions["fee"] == "currency"


@pytest.mark.parametrize(
    ("sep", "encoding", "decimal"),
    [(",", "utf-8", "."), (";", "utf-8-sig", ","), ("\t", "utf-16", "."), ("|", "cp1252", ".")],
)
def test_round_trip_of_an_awkward_frame(tmp_path, sep, encoding, decimal):
    rng = np.random.default_rng(7)
    n = 3000
    words = np.array(["plain", "with, comma", 'with "quotes"', "semi;colon", "Zürich", "naïve café", "pipe|d"])
    frame = pd.DataFrame(
        {
            "f": rng.normal(0, 1000, n).round(4),
            "i": rng.integers(-5000, 5000, n),
            "s": pd.Series(words[rng.integers(0, len(words), n)], dtype="str"),
            "d": pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 2000, n), unit="D"),
        }
    )
    frame.loc[rng.random(n) < 0.05, "f"] = np.nan
    frame.loc[rng.random(n) < 0.05, "s"] = None
    path = tmp_path / "round.csv"
    frame.to_csv(path, sep=sep, encoding=encoding, decimal=decimal, index=False)
    loaded = read_table(path)
    assert (loaded.delimiter, loaded.decimal) == (sep, decimal)
    np.testing.assert_allclose(loaded.frame["f"].to_numpy(), frame["f"].to_numpy())
    assert loaded.frame["i"].tolist() == frame["i"].tolist()
    assert loaded.frame["s"].isna().tolist() == frame["s"].isna().tolist()
    assert loaded.frame["s"].dropna().tolist() == frame["s"].dropna().tolist()
    assert loaded.frame["d"].tolist() == frame["d"].tolist()


def test_version_numbers_are_not_dates(tmp_path):
    loaded = read_table(write(tmp_path / "v.csv", "pkg,version\na,1.2.3\nb,2.10.1\nc,1.0.12\n"))
    assert loaded.frame["version"].tolist() == ["1.2.3", "2.10.1", "1.0.12"]
    assert "version" not in loaded.conversions


def test_us_dates_and_two_digit_years(tmp_path):
    text = "us,short,named\n12/31/2023,31.12.23,05 Jan 2024\n1/2/2024,01.02.24,17 Mar 2023\n"
    loaded = read_table(write(tmp_path / "d.csv", text))
    assert loaded.frame["us"].tolist() == list(pd.to_datetime(["2023-12-31", "2024-01-02"]))
    assert loaded.frame["short"].tolist() == list(pd.to_datetime(["2023-12-31", "2024-02-01"]))
    assert loaded.frame["named"].tolist() == list(pd.to_datetime(["2024-01-05", "2023-03-17"]))
    # "1/2/2024" alone would fit both orders; "12/31/2023" settles it, and nobody is told otherwise
    assert not any("would also fit" in w for w in loaded.warnings)


def test_ambiguous_day_month_order_is_reported(tmp_path):
    loaded = read_table(write(tmp_path / "amb.csv", "day,n\n01/02/2024,1\n03/04/2024,2\n"))
    assert loaded.frame["day"].tolist() == list(pd.to_datetime(["2024-01-02", "2024-03-04"]))
    assert any("'day'" in w and "would also fit %d/%m/%Y" in w for w in loaded.warnings)


def test_comment_lines_above_the_header_are_skipped(tmp_path):
    text = "# exported by SomeTool 3.1\n# 2024-05-01, all regions\nregion;sales\nnorth;1,5\nsouth;2,5\n"
    loaded = read_table(write(tmp_path / "c.csv", text))
    assert list(loaded.frame.columns) == ["region", "sales"]
    assert loaded.frame["sales"].tolist() == [1.5, 2.5]
    assert any("skipped 2 comment line(s)" in w for w in loaded.warnings)


def test_quoted_newlines_far_beyond_the_sample_across_parser_blocks(tmp_path):
    head = "".join(f"{i},plain text {i}\n" for i in range(60000))
    middle = "".join(f'{i},"multi\nline {i}"\n' for i in range(60000, 60050))
    tail = "".join(f"{i},plain text {i}\n" for i in range(60050, 120000))
    loaded = read_table(write(tmp_path / "nl.csv", "id,text\n" + head + middle + tail))
    frame = loaded.frame
    assert frame.shape == (120000, 2)
    assert frame["id"].tolist() == list(range(120000))
    assert frame["text"].iloc[60049] == "multi\nline 60049"
