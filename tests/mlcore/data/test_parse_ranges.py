"""The typed CSV parse reads a file in ranges of whole lines: the result must not depend on the ranges."""

import numpy as np
import pandas as pd
import pytest

import mlcore.data.text as text
from mlcore.data import read_table
from mlcore.data.sniff import SAMPLE_BYTES


def _both(path, monkeypatch):
    """(frame read in one range, frame read in ranges of 64 bytes)."""
    whole = read_table(path)
    monkeypatch.setattr(text, "RANGE_BYTES", 64)
    ranged = read_table(path)
    return whole, ranged


CASES = {
    "plain": "id,x,city,flag,when\n" + "".join(
        f"{i},{i * 0.5},{['Oslo', 'Lima', ''][i % 3]},{['yes', 'no'][i % 2]},2024-01-{1 + i % 28:02d}\n" for i in range(400)),
    "crlf_and_comments": "# exported\r\n# by a tool\r\na;b\r\n" + "".join(f"{i};{i % 7},5\r\n" for i in range(300)),
    "no_final_newline_and_blank_tail": "a,b\n" + "\n".join(f"{i},t{i}" for i in range(300)) + "\n\n\n",
    "bom": "\ufeffa,b\n" + "".join(f"{i},{i * 2}\n" for i in range(300)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_ranges_give_the_frame_of_a_whole_file_parse(tmp_path, monkeypatch, name):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(CASES[name].encode("utf-8"))
    whole, ranged = _both(path, monkeypatch)
    pd.testing.assert_frame_equal(whole.frame, ranged.frame)
    assert whole.conversions == ranged.conversions and whole.warnings == ranged.warnings
    assert len(ranged.frame) == CASES[name].count("\n") - CASES[name][:40].count("#") - 1 - (
        2 if name == "no_final_newline_and_blank_tail" else 0)


def test_a_late_value_that_does_not_fit_the_sampled_type_widens_the_column(tmp_path, monkeypatch):
    path = tmp_path / "late.csv"
    rows = [f"{i},{i}" for i in range(SAMPLE_BYTES // 4)] + ["x,oops"]
    path.write_text("a,b\n" + "\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setattr(text, "RANGE_BYTES", 1 << 16)
    frame = read_table(path).frame
    assert frame["b"].iloc[-1] == "oops" and frame["b"].iloc[0] == "0" and len(frame) == len(rows)


def test_quoted_line_breaks_are_parsed_as_a_stream(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    path = tmp_path / "notes.csv"
    lines = [f'{i},"note {i}\nsecond line",{rng.integers(0, 9)}' for i in range(300)]
    path.write_text("id,note,n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    called = []
    original = text._parse_streamed
    monkeypatch.setattr(text, "_parse_streamed", lambda *a: called.append(1) or original(*a))
    frame = read_table(path).frame
    assert called and len(frame) == 300 and frame["note"].iloc[299] == "note 299\nsecond line"
