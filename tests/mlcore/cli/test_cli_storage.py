"""`mlcore tune --storage URL` with a URL that cannot be opened: one line, exit 1."""

from __future__ import annotations

import pytest

from mlcore.cli import main


@pytest.mark.parametrize("url", ["sqlite:////nonexistent/folder/x.db", "postgresql://u:secret@localhost/db",
                                 "nonsense://x"])
@pytest.mark.parametrize("study_name", [None, "s1"])
def test_a_bad_optuna_storage_is_one_line(tmp_path, capsys, url, study_name):
    home = str(tmp_path / "ws")
    assert main(["--home", home, "-q", "datasets", "sample", "iris"]) == 0
    capsys.readouterr()
    argv = ["--home", home, "-q", "tune", "--dataset", _dataset(home), "--algorithm", "logistic",
            "--method", "optuna", "--n-trials", "1", "--cv", "2", "--storage", url]
    if study_name:
        argv += ["--study-name", study_name]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert "Optuna storage" in err and "secret" not in err, err


def _dataset(home):
    from mlcore.workspace import Workspace

    with Workspace(home) as ws:
        return ws.list_datasets()[0].id
