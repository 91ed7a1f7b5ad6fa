"""A damaged, emptied or missing workspace database is refused in one line that says what to restore."""

from __future__ import annotations

import sqlite3

import pytest

from mlcore.cli import main
from mlcore.errors import SchemaError
from mlcore.registry.db import Database


def _workspace_with_a_dataset(tmp_path):
    home = tmp_path / "ws"
    csv = tmp_path / "d.csv"
    csv.write_text("x,label\n1,a\n2,b\n3,a\n4,b\n", encoding="utf-8")
    assert main(["--home", str(home), "-q", "datasets", "import", str(csv), "--target", "label"]) == 0
    return home


def test_a_corrupt_database_is_one_line_naming_the_file_and_the_backup(tmp_path, capsys):
    home = _workspace_with_a_dataset(tmp_path)
    db = home / "workbench.db"
    backup = home / "workbench.db.bak-20260101-120000"
    backup.write_bytes(db.read_bytes())
    for side in ("-wal", "-shm"):
        (home / f"workbench.db{side}").unlink(missing_ok=True)
    db.write_bytes(b"this is not a database, just garbage " * 200)
    capsys.readouterr()
    code = main(["--home", str(home), "datasets", "list"])
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.strip().splitlines()) == 1, err
    assert str(db) in err and str(backup) in err and "Traceback" not in err


def test_an_empty_database_over_existing_datasets_is_refused_not_recreated(tmp_path, capsys):
    home = _workspace_with_a_dataset(tmp_path)
    db = home / "workbench.db"
    for side in ("-wal", "-shm"):
        (home / f"workbench.db{side}").unlink(missing_ok=True)
    db.write_bytes(b"")
    capsys.readouterr()
    assert main(["--home", str(home), "datasets", "list"]) == 1
    err = capsys.readouterr().err
    assert "0 bytes" in err and str(db) in err and "orphan" in err and len(err.strip().splitlines()) == 1
    assert db.stat().st_size == 0  # nothing was written over it


def test_an_empty_database_in_an_empty_folder_starts_fresh(tmp_path):
    path = tmp_path / "w.db"
    path.write_bytes(b"")
    Database(f"sqlite:///{path}", path).dispose()
    assert path.stat().st_size > 0


def _set_revision(path, revision):
    Database(f"sqlite:///{path}", path).dispose()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    con.commit()
    con.close()


def test_an_unknown_older_revision_is_not_called_newer(tmp_path):
    path = tmp_path / "w.db"
    _set_revision(path, "0000_dev_build")
    with pytest.raises(SchemaError) as refused:
        Database(f"sqlite:///{path}", path)
    assert "older revision" in str(refused.value) and "newer" not in str(refused.value)


def test_an_unknown_newer_revision_says_upgrade(tmp_path):
    path = tmp_path / "w.db"
    _set_revision(path, "9999_future")
    with pytest.raises(SchemaError, match="written by a newer version: upgrade"):
        Database(f"sqlite:///{path}", path)


@pytest.mark.parametrize("url", ["sqlite:////nonexistent/folder/x.db", "postgresql+nosuchdriver://u:secret@localhost/db",
                                 "not a url"])
def test_a_bad_database_url_is_one_line(tmp_path, monkeypatch, capsys, url):
    monkeypatch.setenv("MLWB_DB_URL", url)
    assert main(["--home", str(tmp_path / "ws"), "datasets", "list"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "secret" not in err, err


def test_a_sqlite_url_elsewhere_is_not_judged_by_the_workspace_file(tmp_path, monkeypatch):
    from mlcore.workspace import Workspace

    home = tmp_path / "ws"
    (home / "datasets").mkdir(parents=True)
    (home / "datasets" / "kept.parquet").write_bytes(b"PAR1")  # artifacts, but the database is shared
    monkeypatch.setenv("MLWB_DB_URL", f"sqlite:///{tmp_path / 'shared.db'}")
    with Workspace(home) as ws:
        assert ws.list_datasets() == []
    assert (tmp_path / "shared.db").stat().st_size > 0 and not (home / "workbench.db").exists()
