"""Where things live: the workspace home and the shipped resources."""

from __future__ import annotations

import os
from pathlib import Path


def resolve_home(home: str | os.PathLike | None = None) -> Path:
    """``home`` if given, else ``$MLWB_HOME``, else the platform's user data folder."""
    if home is not None:
        return Path(home).expanduser().resolve()
    env = os.environ.get("MLWB_HOME")
    if env:
        return Path(env).expanduser().resolve()
    from platformdirs import user_data_dir

    return Path(user_data_dir("MLWorkbench", "MLWorkbench"))


def resources_dir() -> Path:
    """``mlcore/resources``: the files the engine needs at run time (shipped as package data)."""
    return Path(__file__).resolve().parent / "resources"
