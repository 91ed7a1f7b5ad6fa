"""Library versions recorded with every job and model, for reproducibility."""

from __future__ import annotations

import platform
from importlib import metadata

_PACKAGES = ("mlworkbench", "scikit-learn", "xgboost", "lightgbm", "optuna", "pandas", "numpy", "scipy", "joblib")


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
