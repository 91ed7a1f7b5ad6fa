"""`mlcore datasets ...` and `mlcore data ...` from the command line: JSON shapes and clean errors."""

import json
import subprocess
import sys

from mlcore.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_list_show_delete_with_json(capsys, tmp_path):
    home = str(tmp_path / "ws")
    csv = tmp_path / "d.csv"
    csv.write_text("x,y,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n", encoding="utf-8")
    code, out, _ = run(capsys, "--home", home, "--json", "-q", "datasets", "import", str(csv), "--target", "label")
    assert code == 0
    payload = json.loads(out)
    assert {"dataset_id", "name", "rows", "columns", "column_names", "missing_values"} <= payload.keys()
    assert payload["rows"] == 4 and payload["column_names"] == ["x", "y", "label"]
    ds = payload["dataset_id"]
    code, out, _ = run(capsys, "datasets", "list", "--home", home, "--json")
    assert [d["dataset_id"] for d in json.loads(out)["datasets"]] == [ds]
    code, out, _ = run(capsys, "--home", home, "--json", "datasets", "show", ds[:8])
    shown = json.loads(out)
    assert shown["numeric_stats"]["x"]["max"] == 7 and shown["dtypes"]["label"]
    code, out, _ = run(capsys, "--home", home, "datasets", "delete", ds)
    assert code == 0 and "deleted" in out


def test_bad_input_exits_1_with_one_line_naming_the_file(capsys, tmp_path):
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 20)
    code, out, err = run(capsys, "--home", str(tmp_path / "ws"), "datasets", "import", str(garbage))
    assert code == 1
    assert err.count("\n") == 1 and "garbage.csv" in err and "Traceback" not in err
    code, _, err = run(capsys, "--home", str(tmp_path / "ws"), "datasets", "import", str(tmp_path / "none.csv"))
    assert code == 1 and "none.csv" in err


def test_samples_and_data_commands(capsys, tmp_path):
    home = str(tmp_path / "ws")
    code, out, _ = run(capsys, "--home", home, "--json", "datasets", "samples")
    assert "penguins" in {s["name"] for s in json.loads(out)["samples"]}
    code, out, _ = run(capsys, "--home", home, "--json", "-q", "datasets", "sample", "penguins")
    ds = json.loads(out)["dataset_id"]
    code, out, _ = run(capsys, "--home", home, "--json", "-q", "data", "clean", "--dataset", ds,
                       "--missing-strategy", "drop")
    cleaned = json.loads(out)
    assert code == 0 and cleaned["cleaned_rows"] < cleaned["original_rows"] and cleaned["cleaned_dataset_id"]
    code, out, _ = run(capsys, "--home", home, "--json", "data", "split", "--dataset", ds,
                       "--test-size", "0.2", "--validation-size", "0.1")
    split = json.loads(out)
    assert split["train_samples"] + split["validation_samples"] + split["test_samples"] > 300
    code, out, _ = run(capsys, "--home", home, "--json", "-q", "data", "select-features", "--dataset", ds,
                       "--method", "mutual_info", "--n-features", "3")
    sel = json.loads(out)
    assert len(sel["selected_features"]) == 3 and sel["feature_importance"][0]["score"] >= sel[
        "feature_importance"][-1]["score"]
    code, _, err = run(capsys, "--home", home, "data", "split", "--dataset", ds, "--test-size", "0.7",
                       "--validation-size", "0.4")
    assert code == 1 and "1" in err and "Traceback" not in err


def test_console_script_is_installed(tmp_path):
    out = subprocess.run([sys.executable, "-m", "mlcore", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "datasets" in out.stdout


def test_model_import_goes_through_the_skops_audit(capsys, tmp_path):
    from sklearn.datasets import load_iris
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    from mlcore.deployment.export import export_skops
    from mlcore.prep._transformers import ToFloat

    X, y = load_iris(return_X_y=True, as_frame=True)
    pipe = Pipeline([("cast", ToFloat()), ("scale", StandardScaler()), ("tree", DecisionTreeClassifier())]).fit(X, y)
    path = export_skops(pipe, tmp_path / "outside.skops")
    home = str(tmp_path / "ws")
    code, _, err = run(capsys, "--home", home, "models", "import", str(path), "--name", "ext", "--task",
                       "classification")
    assert code == 1 and "ToFloat" in err and "Traceback" not in err
    code, out, err = run(capsys, "--home", home, "--json", "models", "import", str(path), "--name", "ext", "--task",
                         "classification", "--trust",
                         "mlcore.prep._transformers.ToFloat,sklearn.tree._tree.Tree")
    assert code == 0, err
    assert json.loads(out)["model"]["status"] == "staged"
