"""The throwaway PostgreSQL of the tests: reachable on loopback, one fresh database per request."""

import pytest


def test_each_request_gets_a_fresh_database_on_loopback(pg_server):
    import psycopg

    first, second = pg_server.create_database(), pg_server.create_database()
    assert first != second and "@127.0.0.1:" in first
    name = first.rsplit("/", 1)[1]
    with psycopg.connect(f"host=127.0.0.1 port={pg_server.port} user=postgres dbname={name}") as conn:
        tables = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema='public'").fetchone()
        listen = conn.execute("SHOW listen_addresses").fetchone()
    assert tables == (0,) and listen == ("127.0.0.1",)


@pytest.mark.usefixtures("on_each_db")
def test_the_workspace_opens_on_each_database(home, db_url):
    from mlcore.workspace import Workspace

    with Workspace(home) as ws:
        ds = ws.import_sample("iris")
        assert [d.id for d in ws.list_datasets()] == [ds.id]
        assert ws.registry.db.engine.dialect.name == ("sqlite" if db_url is None else "postgresql")
