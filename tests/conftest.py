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


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL for the session (skips without the binaries, unless MLWB_REQUIRE_PG=1)."""
    from pgserver import PostgresServer, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        message = "PostgreSQL binaries (initdb, pg_ctl, postgres) not found; set MLWB_PG_BIN or install postgresql-15"
        if os.environ.get("MLWB_REQUIRE_PG") == "1":
            pytest.fail(message + " (MLWB_REQUIRE_PG=1)")
        pytest.skip(message)
    import signal

    def stop_on_sigterm(signum, frame):  # a killed run (CI timeout) still stops its server
        raise SystemExit(128 + signum)

    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, stop_on_sigterm)
    server = PostgresServer(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if previous is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, previous)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request):
    """None (the home's own SQLite file) or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("pg_server").create_database()


@pytest.fixture
def on_each_db(db_url, monkeypatch):
    """Run a test once on SQLite and once on PostgreSQL: every Workspace it opens (and its child
    processes open) uses the database through MLWB_DB_URL."""
    if db_url is not None:
        monkeypatch.setenv("MLWB_DB_URL", db_url)
    return db_url
