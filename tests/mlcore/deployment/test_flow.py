"""The deployment functions chained as the Workspace chains them: schema -> file -> check -> predict -> output."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from mlcore.deployment.onnx_export import export_onnx
from mlcore.deployment.predict import predict_frame, write_output
from mlcore.deployment.schema import build_schema, check_frame, drift_report
from mlcore.jobs import RecordingContext


@pytest.fixture(scope="module")
def trained():
    from mlcore.prep import PrepRecipe, build_preprocessor

    rng = np.random.default_rng(11)
    n = 600
    X = pd.DataFrame({"income": rng.normal(50, 12, n).round(2), "visits": rng.integers(0, 12, n),
                      "city": rng.choice(["Lyon", "Paris", "Nice"], n), "member": rng.random(n) > 0.6})
    y = np.where(X["income"] / 10 + (X["city"] == "Paris") * 2 + rng.normal(0, 1, n) > 6, "churn", "stay")
    pipe = Pipeline([("prep", build_preprocessor(PrepRecipe(), X, "classification")),
                     ("model", LogisticRegression(max_iter=1000))]).fit(X, y)
    return pipe, X, build_schema(X, "label")


def test_file_with_french_numbers_extra_and_unseen_columns_predicts_like_the_original(tmp_path, trained):
    pipe, X, schema = trained
    rows = X.head(120).copy()
    delivered = rows.assign(income=rows["income"].map(lambda v: f"{v:.2f}".replace(".", ",")),
                            comment="=cmd|' /C calc'!A0")[["comment", "member", "city", "visits", "income"]]
    delivered.loc[delivered.index[:5], "city"] = "Berlin"
    delivered.to_csv(tmp_path / "new.csv", index=False)

    incoming = pd.read_csv(tmp_path / "new.csv")
    check = check_frame(incoming, schema, source="new.csv")
    assert check.extra_columns == ["comment"] and check.unseen_categories == {"city": 5}
    assert "income" in check.converted_columns
    ctx = RecordingContext()
    preds = predict_frame(pipe, check.frame, ctx=ctx, chunk_rows=50)
    expected_rows = rows.copy()
    expected_rows.loc[expected_rows.index[:5], "city"] = "Berlin"
    np.testing.assert_allclose(preds["proba_churn"].to_numpy(), pipe.predict_proba(expected_rows)[:, 0])
    assert (preds["prediction"].to_numpy() == pipe.predict(expected_rows)).all()
    assert [round(f, 2) for f, _ in ctx.progress_events] == [0.0, 0.33, 0.67, 1.0]
    assert all(r["psi"] < 1.0 for r in drift_report(check.frame, schema))

    out = write_output(pd.concat([incoming, preds.reset_index(drop=True)], axis=1), tmp_path / "scored.xlsx")
    back = pd.read_excel(out)
    assert back["comment"].iloc[0].startswith("'=")
    assert back["prediction"].tolist() == preds["prediction"].tolist()

    report = export_onnx(pipe, check.frame, tmp_path / "model.onnx", task="classification")
    assert report["ok"] and report["label_agreement"] == 1.0, report
