"""Frame hashing and import of timezone-aware timestamps."""

def test_timezone_aware_columns_hash_and_import(tmp_path):
    import pandas as pd

    from mlcore.data import frame_hash
    from mlcore.workspace import Workspace

    stamps = pd.Series(pd.to_datetime(["2024-03-01T10:00:00Z", None, "2024-03-02T11:30:00Z"], utc=True))
    a = pd.DataFrame({"ts": stamps, "v": [1, 2, 3]})
    b = a.assign(ts=a["ts"].dt.tz_convert("Europe/Paris"))
    assert frame_hash(a) == frame_hash(a.copy())
    assert frame_hash(a) != frame_hash(b)  # same instants, another zone shown to the user
    assert frame_hash(a) != frame_hash(a.assign(ts=a["ts"] + pd.Timedelta(seconds=1)))
    path = tmp_path / "tz.csv"
    path.write_text("ts,v,y\n" + "".join(f"2024-03-{i % 28 + 1:02d}T10:00:00Z,{i},{'ab'[i % 2]}\n"
                                         for i in range(40)), encoding="utf-8")
    with Workspace(tmp_path / "ws") as ws:
        info = ws.import_dataset(path, target="y")
        assert info.rows == 40 and "datetime" in info.dtypes["ts"]
