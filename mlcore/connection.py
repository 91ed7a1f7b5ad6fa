"""Which database and artifact store a workspace uses: ``workspace.json`` in its home, env vars, defaults.

A single user needs none of it: the home holds ``workbench.db`` and is its own artifact store.
A team points every home at one database and one store (``mlcore workspace connect``); each
home keeps its own cache of downloaded files.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlcore.errors import ConfigError

CONFIG_NAME = "workspace.json"
DEFAULT_CACHE = "cache"  # under the home, when the store is elsewhere


def store_url_of(value: str) -> str:
    """A store URL as given (``file://``, ``s3://`` …); a plain folder path becomes its ``file://`` URL."""
    if "://" in value:
        return value
    return Path(value).expanduser().resolve().as_uri()


@dataclass
class Connection:
    """The database URL, artifact-store URL and cache folder of one workspace home."""

    home: Path
    db_url: str
    store_url: str
    cache_dir: Path
    sources: dict[str, str] = field(default_factory=dict)  # db/store -> default | workspace.json | env var | argument

    @property
    def is_default_db(self) -> bool:
        return self.db_url == default_db_url(self.home)

    def describe(self) -> str:
        """``db · store`` with passwords masked, for a status bar or a log line."""
        return f"{safe_db_url(self.db_url)} · {safe_store_url(self.store_url)}"

    def to_dict(self) -> dict[str, Any]:
        return {"home": str(self.home), "db_url": safe_db_url(self.db_url),
                "store_url": safe_store_url(self.store_url), "cache_dir": str(self.cache_dir),
                "sources": dict(self.sources)}


def default_db_url(home: Path) -> str:
    return f"sqlite:///{home / 'workbench.db'}"


def safe_db_url(url: str) -> str:
    from mlcore.registry import hide_password

    return hide_password(url)


def safe_store_url(url: str) -> str:
    from mlcore.artifacts import hide_url_password

    return hide_url_password(url)


def read_config(home: Path) -> dict[str, Any]:
    """The saved ``workspace.json`` of ``home`` ({} when there is none)."""
    path = home / CONFIG_NAME
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"The workspace file {path} cannot be read ({exc}); fix or delete it.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"The workspace file {path} must hold a JSON object, not {type(data).__name__}.")
    return data


def resolve_connection(home: Path, db_url: str | None = None, store_url: str | None = None,
                       cache_dir: str | os.PathLike | None = None) -> Connection:
    """Arguments, else ``MLWB_DB_URL``/``MLWB_STORE_URL``, else ``workspace.json``, else the home itself."""
    saved = read_config(home)
    sources: dict[str, str] = {}

    def pick(key: str, given: str | None, env: str, default: str) -> str:
        for source, value in (("argument", given), (env, os.environ.get(env)), (CONFIG_NAME, saved.get(key))):
            if value:
                sources[key.removesuffix("_url")] = source
                return str(value)
        sources[key.removesuffix("_url")] = "default"
        return default

    db = pick("db_url", db_url, "MLWB_DB_URL", default_db_url(home))
    store = store_url_of(pick("store_url", store_url, "MLWB_STORE_URL", home.as_uri()))
    in_home = store == home.as_uri()
    cache = cache_dir or saved.get("cache_dir") or (home if in_home else home / DEFAULT_CACHE)
    return Connection(home, db, store, Path(cache).expanduser().resolve(), sources)


def save_connection(home: Path, db_url: str, store_url: str, cache_dir: str | os.PathLike | None = None) -> Path:
    """Write ``workspace.json`` (the database URL is kept as given: it is the home owner's file)."""
    home.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {"db_url": db_url, "store_url": store_url_of(store_url)}
    if cache_dir:
        data["cache_dir"] = str(Path(cache_dir).expanduser().resolve())
    path = home / CONFIG_NAME
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    try:
        path.chmod(0o600)  # it may hold a database password
    except OSError:
        pass
    return path
