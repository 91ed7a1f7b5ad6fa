import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from mlcore.deployment.predict import predict_frame, write_output
from mlcore.errors import ConfigError, JobCancelled
from mlcore.jobs import RecordingContext


@pytest.fixture(scope="module")
def iris_model():
    X, y = load_iris(return_X_y=True, as_frame=True)
    y = y.map({0: "setosa", 1: "versicolor", 2: "virginica"})
    return Pipeline([("scale", StandardScaler()), ("model", LogisticRegression(max_iter=500))]).fit(X, y), X


def test_predict_frame_matches_pipeline_in_chunks(iris_model):
    pipe, X = iris_model
    ctx = RecordingContext()
    out = predict_frame(pipe, X, ctx=ctx, chunk_rows=40)
    assert list(out.columns) == ["prediction", "proba_setosa", "proba_versicolor", "proba_virginica"]
    assert (out["prediction"].to_numpy() == pipe.predict(X)).all()
    np.testing.assert_allclose(out.iloc[:, 1:].to_numpy(), pipe.predict_proba(X))
    assert out.index.equals(X.index)
    fractions = [f for f, _ in ctx.progress_events]
    assert len(fractions) == 5 and fractions[-1] == 1.0  # start + 4 chunks


def test_binary_threshold_applied():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    pipe = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression(max_iter=500))]).fit(X, y)
    out = predict_frame(pipe, X, threshold=0.9)
    expected = np.where(pipe.predict_proba(X)[:, 1] >= 0.9, 1, 0)
    assert (out["prediction"].to_numpy() == expected).all()
    assert (out["prediction"] != pipe.predict(X)).sum() > 0  # the threshold changed some rows


def test_threshold_refused_for_multiclass_and_regression(iris_model):
    pipe, X = iris_model
    with pytest.raises(ConfigError, match="binary"):
        predict_frame(pipe, X, threshold=0.5)
    Xd, yd = load_diabetes(return_X_y=True, as_frame=True)
    reg = LinearRegression().fit(Xd, yd)
    out = predict_frame(reg, Xd)
    assert list(out.columns) == ["prediction"]
    np.testing.assert_allclose(out["prediction"], reg.predict(Xd))


def test_empty_frame_gives_empty_output(iris_model):
    pipe, X = iris_model
    out = predict_frame(pipe, X.head(0))
    assert len(out) == 0 and list(out.columns)[0] == "prediction" and out.shape[1] == 4


def test_cancel_between_chunks(iris_model):
    pipe, X = iris_model
    ctx = RecordingContext(cancel_when=lambda c: len(c.progress_events) >= 2)
    with pytest.raises(JobCancelled):
        predict_frame(pipe, X, ctx=ctx, chunk_rows=10)
    assert len(ctx.progress_events) == 2


@pytest.fixture
def risky():
    return pd.DataFrame({
        "text": ["=HYPERLINK(\"x\")", "+33 6 12", "-1.5", "@SUM(A1)", "\tTAB", "plain", None],
        "number": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0],
        "level": pd.Categorical(["=1+1", "a", "b", "c", "d", "e", "f"]),
    })


def test_csv_neutralises_formulas_but_not_numbers(tmp_path, risky):
    path = write_output(risky, tmp_path / "out.csv")
    back = pd.read_csv(path, keep_default_na=True)
    assert back["text"].tolist()[:6] == ["'=HYPERLINK(\"x\")", "'+33 6 12", "-1.5", "'@SUM(A1)", "'\tTAB", "plain"]
    assert back["number"].tolist() == risky["number"].tolist()  # -1.5 stays a number
    assert back["level"].iloc[0] == "'=1+1"


def test_xlsx_round_trip_has_no_formulas(tmp_path, risky):
    path = write_output(risky, tmp_path / "out.xlsx")
    import openpyxl

    sheet = openpyxl.load_workbook(path).active
    values = [cell.value for cell in sheet["A"]][1:]
    assert values[0] == "'=HYPERLINK(\"x\")" and sheet["A2"].data_type == "s"
    assert [c.value for c in sheet["B"]][1:] == risky["number"].tolist()
    back = pd.read_excel(path)
    assert back.shape == risky.shape


def test_parquet_keeps_values_untouched(tmp_path, risky):
    path = write_output(risky, tmp_path / "sub" / "out.parquet")
    back = pd.read_parquet(path)
    assert back["text"].tolist()[:6] == risky["text"].tolist()[:6]
    assert back["number"].tolist() == risky["number"].tolist()


def test_unknown_extension_refused(tmp_path, risky):
    with pytest.raises(ConfigError, match=r"\.csv, \.xlsx or \.parquet"):
        write_output(risky, tmp_path / "out.json")


def test_partial_files_of_killed_writes_are_cleaned_on_the_next_run(tmp_path):
    import os

    import pandas as pd

    from mlcore.deployment.predict import write_output

    dead = tmp_path / ".pred.csv.999999999.partial"  # a killed write (no such process)
    old_style = tmp_path / ".other.xlsx.partial"
    alive = tmp_path / f".pred.csv.{os.getppid()}.partial"  # another process writing right now
    for path in (dead, old_style, alive):
        path.write_text("half a file")
    out = write_output(pd.DataFrame({"prediction": [1, 0]}), tmp_path / "pred.csv")
    assert out.read_text().splitlines() == ["prediction", "1", "0"]
    assert not dead.exists() and not old_style.exists() and alive.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, "pred.csv"])
