"""Workspace database: migrations give the ORM schema; unknown schemas are refused."""

import sqlite3

import pytest
from sqlalchemy import inspect, text

from mlcore.errors import SchemaError
from mlcore.registry.db import Database, head_revision
from mlcore.registry.orm import Base


def test_migrating_empty_database_gives_exactly_the_orm_schema(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    db = Database(f"sqlite:///{tmp_path / 'w.db'}", tmp_path / "w.db")
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []
    tables = set(inspect(db.engine).get_table_names())
    assert {"ml_datasets", "ml_training_jobs", "ml_experiments", "ml_model_versions", "ml_prediction_logs",
            "ml_feature_store", "ml_ab_tests", "ml_stage_transitions", "alembic_version"} <= tables
    db.dispose()


def test_sqlite_pragmas_are_set(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'w.db'}", tmp_path / "w.db")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar().lower() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    db.dispose()


def test_newer_unknown_schema_revision_is_refused(tmp_path):
    path = tmp_path / "w.db"
    Database(f"sqlite:///{path}", path).dispose()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.commit()
    con.close()
    with pytest.raises(SchemaError, match="9999_from_the_future.*does not know"):
        Database(f"sqlite:///{path}", path)


def test_reopening_a_current_database_keeps_data_and_makes_no_backup(tmp_path):
    path = tmp_path / "w.db"
    db = Database(f"sqlite:///{path}", path)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO ml_feature_store (id, name, kind, definition, created_at, updated_at) "
                          "VALUES ('1', 'r', 'recipe', '{}', '2026-01-01', '2026-01-01')"))
    db.dispose()
    db = Database(f"sqlite:///{path}", path)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM ml_feature_store")).scalar() == "r"
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
    assert not list(tmp_path.glob("w.db.bak-*"))
    db.dispose()


def test_foreign_tables_without_revision_are_refused(tmp_path):
    path = tmp_path / "w.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE ml_datasets (id TEXT)")
    con.commit()
    con.close()
    with pytest.raises(SchemaError, match="no schema revision"):
        Database(f"sqlite:///{path}", path)


def test_upgrade_from_0001_keeps_duplicate_imports_and_keys_the_oldest(tmp_path):
    from alembic import command

    from mlcore.registry.db import _alembic_config, make_engine

    path = tmp_path / "w.db"
    engine = make_engine(f"sqlite:///{path}")
    command.upgrade(_alembic_config(engine), "0001_initial")
    with engine.begin() as conn:
        for i, stamp in enumerate(("2026-01-02", "2026-01-01", "2026-01-03")):
            conn.execute(text(
                "INSERT INTO ml_datasets (id, name, file_path, content_hash, rows, columns, column_names, dtypes, "
                "missing_values, profile, import_info, created_at) VALUES "
                f"('d{i}', 'n', 'f', 'h', 1, 1, '[]', '{{}}', '{{}}', '{{}}', '{{}}', '{stamp}')"))
    engine.dispose()
    db = Database(f"sqlite:///{path}", path)
    with db.engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT id, import_key FROM ml_datasets")).all())
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
    assert keys == {"d0": None, "d1": "h", "d2": None}
    db.dispose()
