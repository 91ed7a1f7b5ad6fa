"""`mlworkbench --samples`: a first start on an empty workspace has data to try at once."""

from desktop.app import SAMPLES_AT_FIRST_START, default_home, import_samples_if_empty


def test_samples_are_imported_on_an_empty_workspace_only(qtbot, make_window, workspace):
    window = make_window(workspace)
    started = import_samples_if_empty(window)
    assert started == list(SAMPLES_AT_FIRST_START)
    qtbot.waitUntil(lambda: len(workspace.list_datasets()) == len(started) and not window.jobs.running(),
                    timeout=60000)
    assert {d.name for d in workspace.list_datasets()} == set(started)
    assert all(d.target_column for d in workspace.list_datasets())
    assert import_samples_if_empty(window) == []  # never again once there is data
    assert window.errors_seen == []


def test_the_app_and_the_command_line_share_the_default_workspace(monkeypatch, tmp_path):
    from mlcore.paths import resolve_home

    monkeypatch.delenv("MLWB_HOME", raising=False)
    assert default_home() == resolve_home(None)
    monkeypatch.setenv("MLWB_HOME", str(tmp_path))
    assert default_home() == resolve_home(None) == tmp_path.resolve()
