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
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mlcore.errors import SchemaError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# folders of a workspace whose files only make sense with the database rows that describe them
ARTIFACT_FOLDERS = ("datasets", "jobs", "models")


def newest_backup(db_path: Path) -> Path | None:
    """The newest ``<db>.bak-<timestamp>`` copy next to ``db_path`` (made before each upgrade)."""
    backups = sorted(db_path.parent.glob(f"{db_path.name}.bak-*"))
    return backups[-1] if backups else None


def _restore_advice(db_path: Path) -> str:
    backup = newest_backup(db_path)
    if backup is not None:
        return f"restore the backup {backup} (copy it over {db_path.name}), or open another workspace"
    return f"no backup ({db_path.name}.bak-*) is next to it: restore it from your own backup, or open another workspace"


def _holds_artifacts(home: Path) -> bool:
    return any(any((home / name).iterdir()) for name in ARTIFACT_FOLDERS if (home / name).is_dir())


def check_sqlite_file(db_path: Path) -> None:
    """Refuse to start a fresh database over a folder whose datasets, jobs or models it would orphan."""
    empty = not db_path.exists() or db_path.stat().st_size == 0
    if empty and _holds_artifacts(db_path.parent):
        state = "is empty (0 bytes)" if db_path.exists() else "is missing"
        raise SchemaError(
            f"The workspace database {db_path} {state}, but {db_path.parent} holds datasets, jobs or models "
            f"that a fresh database would orphan; {_restore_advice(db_path)}."
        )


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _json_dumps(value: object) -> str:
    import json

    from mlcore.jsonsafe import json_safe

    return json.dumps(json_safe(value), allow_nan=False)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    is_sqlite = url.startswith("sqlite")
    kwargs = {"connect_args": {"timeout": 30, "check_same_thread": False}} if is_sqlite else {}
    # NaN/inf become null in every JSON column: PostgreSQL refuses them, and SQLite must read back the same
    engine = create_engine(url, future=True, json_serializer=_json_dumps, **kwargs)
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


def _revision_number(revision: str) -> int | None:
    digits = revision.split("_", 1)[0]
    return int(digits) if digits.isdigit() else None


def _unknown_revision_message(where: object, current: str, head: str) -> str:
    """Say whether an unknown revision is newer or older than ours; only the number prefix tells."""
    start = f"The workspace database {where} has schema revision {current!r}, which this version of " \
            f"ML Workbench does not know (newest known: {head!r}). "
    number, newest = _revision_number(current), _revision_number(head)
    if number is not None and newest is not None and number > newest:
        return start + "It was written by a newer version: upgrade ML Workbench, or open another workspace."
    if number is not None and newest is not None:
        return start + ("It is an older revision this version no longer carries (a development build?): "
                        "open it with the version that wrote it, or restore a backup.")
    return start + "Whether it is older or newer cannot be told: open it with the version that wrote it."


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
            raise SchemaError(_unknown_revision_message(db_path or engine.url, current, head))
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


def _sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (None for other databases, memory, or an unparsable URL)."""
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - reported when the engine is made
        return None
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).resolve()


def _safe_url(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL too broken to parse is shown as given
        return url


class Database:
    """Engine plus a session factory; ``session()`` commits or rolls back."""

    def __init__(self, url: str, db_path: Path | None = None) -> None:
        self.url = url
        if db_path is not None and _sqlite_file(url) == Path(db_path).resolve():
            check_sqlite_file(Path(db_path))  # only for the workspace's own file, not a URL elsewhere
        try:
            self.engine = make_engine(url)
        except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
            raise SchemaError(f"cannot use the database URL {_safe_url(url)!r}: {_first_line(exc)}") from None
        try:
            migrate(self.engine, db_path)
        except (DatabaseError, OperationalError) as exc:
            self.engine.dispose()
            if db_path is not None and Path(db_path).exists():
                raise SchemaError(f"The workspace database {db_path} cannot be read ({_first_line(exc)}); "
                                  f"{_restore_advice(Path(db_path))}.") from None
            raise SchemaError(f"cannot open the database {_safe_url(url)!r}: {_first_line(exc)}") from None
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
