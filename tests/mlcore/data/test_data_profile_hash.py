"""profile_frame's summary values and frame_hash's stability."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from mlcore.data import frame_hash, profile_frame, read_table
from mlcore.errors import DataValidationError


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "x": [1.0, 2.0, np.nan, 4.0, 5.0],
            "n": np.array([10, 20, 30, 40, 50], dtype=np.int64),
            "city": pd.Series(["a", "b", "a", None, "a"], dtype="str"),
            "ok": [True, False, True, True, False],
            "day": pd.to_datetime(["2024-01-01", None, "2024-03-01", "2024-01-05", "2023-12-31"]),
            "label": pd.Series(["yes", "no", "yes", "yes", "no"], dtype="str"),
        }
    )


def test_profile_values(frame):
    profile = profile_frame(frame)
    assert profile["rows"] == 5 and profile["columns"] == 6
    assert profile["column_names"] == ["x", "n", "city", "ok", "day", "label"]
    assert profile["dtypes"]["n"] == "int64" and profile["dtypes"]["city"] == "str"
    assert profile["missing_values"] == {"x": 1, "n": 0, "city": 1, "ok": 0, "day": 1, "label": 0}
    x = profile["numeric_stats"]["x"]
    assert x["count"] == 4 and x["mean"] == 3.0 and x["min"] == 1.0 and x["max"] == 5.0
    assert x["50%"] == 3.0 and x["25%"] == 1.75 and x["75%"] == 4.25
    assert x["std"] == pytest.approx(np.std([1, 2, 4, 5], ddof=1))
    assert profile["numeric_stats"]["n"]["mean"] == 30.0
    assert set(profile["numeric_stats"]) == {"x", "n"}
    assert profile["categorical_stats"]["city"] == {"cardinality": 2, "top_values": [["a", 3], ["b", 1]]}
    assert profile["categorical_stats"]["ok"] == {"cardinality": 2, "top_values": [[True, 3], [False, 2]]}
    assert profile["datetime_stats"]["day"] == {"count": 4, "min": "2023-12-31T00:00:00", "max": "2024-03-01T00:00:00"}
    assert profile["target_column"] is None and "target_summary" not in profile
    json.dumps(profile, allow_nan=False)  # plain JSON: no numpy types, no NaN


def test_profile_numeric_stats_match_pandas_describe(frame):
    stats = profile_frame(frame)["numeric_stats"]["x"]
    described = frame["x"].describe()
    for key in ("count", "mean", "std", "min", "25%", "50%", "75%", "max"):
        assert stats[key] == pytest.approx(described[key])


def test_profile_target_summaries(frame):
    categorical = profile_frame(frame, target="label")["target_summary"]
    assert categorical["kind"] == "categorical"
    assert categorical["class_counts"] == [["yes", 3], ["no", 2]]
    numeric = profile_frame(frame, target="x")["target_summary"]
    assert numeric["kind"] == "numeric" and numeric["mean"] == 3.0 and numeric["missing"] == 1
    few_ints = profile_frame(pd.DataFrame({"y": [0, 1, 1, 2]}), target="y")["target_summary"]
    assert few_ints["kind"] == "categorical" and few_ints["class_counts"] == [[1, 2], [0, 1], [2, 1]]


def test_profile_top_values_are_capped_at_ten():
    frame = pd.DataFrame({"c": pd.Series([f"v{i % 25}" for i in range(100)] + ["v3"], dtype="str")})
    stats = profile_frame(frame)["categorical_stats"]["c"]
    assert stats["cardinality"] == 25
    assert len(stats["top_values"]) == 10 and stats["top_values"][0] == ["v3", 5]


def test_profile_all_missing_numeric_column_is_json_safe():
    profile = profile_frame(pd.DataFrame({"a": [np.nan, np.nan], "b": [1, 2]}))
    assert profile["numeric_stats"]["a"]["count"] == 0 and profile["numeric_stats"]["a"]["mean"] is None
    json.dumps(profile, allow_nan=False)


def test_profile_unknown_target(frame):
    with pytest.raises(DataValidationError, match="'price' is not in the dataset"):
        profile_frame(frame, target="price")


def test_hash_is_content_based(frame):
    same = frame.copy(deep=True)
    assert frame_hash(frame) == frame_hash(same)
    assert frame_hash(frame) == frame_hash(same.set_axis(range(10, 15)))  # the index is not content
    changed = frame.copy()
    changed.loc[2, "city"] = "c"
    assert frame_hash(changed) != frame_hash(frame)
    renamed = frame.rename(columns={"x": "y"})
    assert frame_hash(renamed) != frame_hash(frame)
    retyped = frame.astype({"n": "float64"})
    assert frame_hash(retyped) != frame_hash(frame)
    # moving a value between adjacent strings must change the hash
    a = pd.DataFrame({"s": pd.Series(["ab", "c"], dtype="str")})
    b = pd.DataFrame({"s": pd.Series(["a", "bc"], dtype="str")})
    assert frame_hash(a) != frame_hash(b)
    assert frame_hash(pd.DataFrame({"s": pd.Series(["", None], dtype="str")})) != frame_hash(
        pd.DataFrame({"s": pd.Series([None, ""], dtype="str")})
    )


def test_hash_survives_parquet_and_chunking(tmp_path, frame):
    frame.to_parquet(tmp_path / "f.parquet")
    again = read_table(tmp_path / "f.parquet").frame
    assert frame_hash(again) == frame_hash(frame)
    sliced = pd.concat([frame.iloc[:2], frame.iloc[2:]], ignore_index=True)
    assert frame_hash(sliced) == frame_hash(frame)


def test_hash_is_stable_across_processes(tmp_path):
    (tmp_path / "d.csv").write_text("a,b,c\n1,x,2024-01-01\n2,y,2024-01-02\n3,,2024-01-03\n")
    code = f"from mlcore.data import read_table, frame_hash; print(frame_hash(read_table({str(tmp_path / 'd.csv')!r}).frame))"
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout for _ in range(2)}
    assert len(runs) == 1
    assert runs.pop().strip() == frame_hash(read_table(tmp_path / "d.csv").frame)


def test_same_csv_content_gives_same_hash_in_other_layouts(tmp_path):
    (tmp_path / "a.csv").write_text("a,b\n1,x\n2,y\n")
    (tmp_path / "b.csv").write_bytes("a;b\r\n1;x\r\n2;y\r\n".encode("utf-16"))
    assert frame_hash(read_table(tmp_path / "a.csv").frame) == frame_hash(read_table(tmp_path / "b.csv").frame)
