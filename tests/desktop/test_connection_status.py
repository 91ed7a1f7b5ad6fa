"""The status bar says where the work is kept: this home, or a shared database and artifact store."""

import os

from mlcore.workspace import Workspace


def _shot(window, name):
    folder = os.environ.get("MLWB_SCREENSHOTS")
    if folder:
        window.resize(1100, 700)
        window.statusBar().grab().save(os.path.join(folder, name))
        window.grab().save(os.path.join(folder, "window_" + name))


def test_a_local_workspace_says_so(make_window, workspace):
    window = make_window(workspace)
    assert window.connection_label.text() == f"Local workspace · {workspace.home}"
    assert "Local cache: " in window.connection_label.toolTip()
    _shot(window, "status_local.png")


def test_a_shared_workspace_shows_database_and_store_without_the_password(make_window, pg_server, tmp_path):
    url = pg_server.create_database().replace("postgres@", "postgres:s3cret@")
    store = (tmp_path / "team" / "ml").as_uri()
    ws = Workspace(tmp_path / "home", db_url=url, store_url=store)
    try:
        window = make_window(ws)
        text = window.connection_label.text()
        assert text == f"Shared: {url.replace('s3cret', '***')} · {store}"
        assert "s3cret" not in text and "s3cret" not in window.connection_label.toolTip()
        assert f"Local cache: {tmp_path / 'home' / 'cache'}" in window.connection_label.toolTip()
        _shot(window, "status_shared.png")
    finally:
        ws.close()
