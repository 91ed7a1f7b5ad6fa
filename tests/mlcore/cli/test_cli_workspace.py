"""`mlcore workspace connect|show|disconnect`: one home pointed at a shared database and store."""

from __future__ import annotations

import json

from mlcore.cli import main


def _json(capsys, *argv):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_connect_saves_the_urls_and_show_masks_the_password(pg_server, tmp_path, capsys, monkeypatch):
    home, store = str(tmp_path / "home"), tmp_path / "store"
    url = pg_server.create_database().replace("postgres@", "postgres:s3cret@")  # trust auth ignores it
    assert _json(capsys, "--home", home, "workspace", "show")["sources"] == {"db": "default", "store": "default"}

    out = _json(capsys, "--home", home, "workspace", "connect", "--db", url, "--store", str(store))
    assert out["db_url"] == url.replace("s3cret", "***") and out["store_url"] == store.resolve().as_uri()
    assert out["cache_dir"] == str((tmp_path / "home" / "cache").resolve()) and out["datasets"] == 0
    saved = json.loads((tmp_path / "home" / "workspace.json").read_text())
    assert saved == {"db_url": url, "store_url": store.resolve().as_uri()}

    assert main(["--home", home, "-q", "datasets", "sample", "iris"]) == 0
    capsys.readouterr()
    assert len(list((store / "datasets").glob("*.parquet"))) == 1  # the data went to the store

    shown = _json(capsys, "--home", home, "workspace", "show")
    assert "s3cret" not in json.dumps(shown) and shown["sources"] == {"db": "workspace.json", "store": "workspace.json"}
    monkeypatch.setenv("MLWB_STORE_URL", "file:///elsewhere/ml")
    shown = _json(capsys, "--home", home, "workspace", "show")
    assert shown["store_url"] == "file:///elsewhere/ml" and shown["sources"]["store"] == "MLWB_STORE_URL"
    monkeypatch.delenv("MLWB_STORE_URL")

    back = _json(capsys, "--home", home, "workspace", "disconnect")
    assert back["sources"] == {"db": "default", "store": "default"}
    assert not (tmp_path / "home" / "workspace.json").exists()


def test_a_connect_that_cannot_open_the_database_saves_nothing(tmp_path, capsys):
    home = tmp_path / "home"
    argv = ["--home", str(home), "workspace", "connect", "--db", "postgresql+psycopg://u:pw@127.0.0.1:1/x",
            "--store", str(tmp_path / "store")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "cannot open the database" in err and "u:***@127.0.0.1:1/x" in err and "pw@" not in err
    assert not (home / "workspace.json").exists()


def test_an_unknown_store_protocol_is_one_line(tmp_path, capsys):
    argv = ["--home", str(tmp_path / "home"), "workspace", "connect", "--db", f"sqlite:///{tmp_path / 's.db'}",
            "--store", "nosuch://bucket/ml"]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err == "error: cannot use the artifact store 'nosuch://bucket/ml': Protocol not known: nosuch"
