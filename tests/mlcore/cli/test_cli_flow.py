"""`mlcore demo` runs the whole flow; the registry commands work on its workspace."""

import json
from pathlib import Path

import pandas as pd

from mlcore.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_then_registry_commands(capsys, tmp_path):
    code, out, err = run(capsys, "--json", "-q", "demo", "--output", str(tmp_path / "demo"), "--algorithm",
                         "random_forest")
    assert code == 0, err
    demo = json.loads(out)
    assert Path(demo["report"]).read_text(encoding="utf-8").count("<img") >= 5
    assert len(pd.read_csv(demo["predictions"])) == 25
    assert demo["onnx"]["label_agreement"] == 1.0
    home = demo["workspace"]

    code, out, _ = run(capsys, "--home", home, "--json", "models", "list", "--status", "production")
    models = json.loads(out)["models"]
    assert len(models) == 1 and models[0]["status"] == "production"
    name = models[0]["name"]

    code, out, _ = run(capsys, "--home", home, "--json", "-q", "models", "deploy", demo["job_id"], "--name", name,
                       "--version", "2.0.0", "--promote")
    assert json.loads(out)["model"]["version"] == "2.0.0"
    code, out, _ = run(capsys, "--home", home, "--json", "models", "rollback", name)
    assert json.loads(out)["model_id"] == demo["model_id"]
    code, out, _ = run(capsys, "--home", home, "--json", "models", "history", name)
    assert [h["to_status"] for h in json.loads(out)["history"]][-2:] == ["archived", "production"]

    code, out, _ = run(capsys, "--home", home, "--json", "-q", "evaluate", demo["model_id"], "--split", "validation",
                       "--bootstrap", "100")
    assert json.loads(out)["metrics"]["accuracy"] > 0.8

    code, out, _ = run(capsys, "--home", home, "--json", "ab", "create", "t1", "--model-a", f"{name}:1.0.0",
                       "--model-b", f"{name}:2.0.0", "--split", "0.5")
    assert json.loads(out)["config"]["split_ratio"] == 0.5
    rows = pd.read_csv(Path(demo["predictions"])).drop(columns=[c for c in pd.read_csv(demo["predictions"]).columns
                                                                if c.startswith(("prediction", "proba_"))])
    rows.assign(uid=range(len(rows))).to_csv(tmp_path / "u.csv", index=False)
    code, out, err = run(capsys, "--home", home, "--json", "-q", "predict", "--ab-test", "t1", "--user-column", "uid",
                         "--input", str(tmp_path / "u.csv"), "--output", str(tmp_path / "p.parquet"))
    assert code == 0, err
    assert set(pd.read_parquet(tmp_path / "p.parquet")["arm"]) <= {"A", "B"}
    code, out, _ = run(capsys, "--home", home, "--json", "ab", "show", "t1")
    shown = json.loads(out)
    assert shown["rows"]["A"] + shown["rows"]["B"] == 25

    code, out, err = run(capsys, "--home", home, "export", demo["model_id"], "--format", "card",
                         "--output", str(tmp_path / "card.md"))
    assert code == 0 and "## " in (tmp_path / "card.md").read_text(encoding="utf-8")
    code, _, err = run(capsys, "--home", home, "models", "promote", "nope")
    assert code == 1 and "nope" in err and "Traceback" not in err
