"""Opening the workspace database: engine, SQLite pragmas, migrations, scoped sessions."""

from __future__ import annotations

import logging
import shutil
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from mlcore.errors import SchemaError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    is_sqlite = url.startswith("sqlite")
    kwargs = {"connect_args": {"timeout": 30, "check_same_thread": False}} if is_sqlite else {}
    engine = create_engine(url, future=True, **kwargs)
    if is_sqlite:
        event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def _alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, db_path: Path | None = None) -> None:
    """Bring the database to the head schema; refuse unknown (newer) revisions.

    An existing older database is copied to ``<db>.bak-<timestamp>`` before upgrading.
    """
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(engine)
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    current = current_revision(engine)
    if current == head:
        return
    if current is not None:
        known = {rev.revision for rev in script.walk_revisions()}
        if current not in known:
            raise SchemaError(
                f"The workspace database {db_path or engine.url} has schema revision {current!r}, "
                f"which this version of ML Workbench does not know (newest known: {head!r}). "
                "It was probably written by a newer version: upgrade ML Workbench, or open another workspace."
            )
        if db_path is not None and db_path.exists():
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            backup = db_path.with_name(f"{db_path.name}.bak-{stamp}")
            shutil.copy2(db_path, backup)
            log.info("backed up %s to %s before upgrading its schema", db_path, backup)
    elif inspect(engine).get_table_names():
        tables = [t for t in inspect(engine).get_table_names() if t.startswith("ml_")]
        if tables:
            raise SchemaError(
                f"The database {db_path or engine.url} has ML Workbench tables but no schema revision; "
                "it cannot be upgraded safely. Open another workspace or restore a backup."
            )
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


class Database:
    """Engine plus a session factory; ``session()`` commits or rolls back."""

    def __init__(self, url: str, db_path: Path | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        migrate(self.engine, db_path)
        self._factory = sessionmaker(self.engine, expire_on_commit=False, future=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self._factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
