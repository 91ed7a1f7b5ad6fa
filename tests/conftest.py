"""Shared fixtures. Qt must be told it has no screen before anything imports it."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")
# the workspace under test never touches the user's real one
os.environ.pop("MLWB_HOME", None)
os.environ.pop("MLWB_DB_URL", None)

import pytest  # noqa: E402


@pytest.fixture
def home(tmp_path):
    """An empty workspace folder."""
    return tmp_path / "workspace"


@pytest.fixture
def workspace(home):
    from mlcore.workspace import Workspace

    ws = Workspace(home)
    yield ws
    ws.close()
