"""Writing and reading pipeline artifacts with a recorded sha256."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from mlcore.errors import ArtifactIntegrityError


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_artifact(obj: Any, path: Path) -> str:
    """Dump ``obj`` with joblib atomically; return the file's sha256."""
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    joblib.dump(obj, tmp)
    os.replace(tmp, path)
    return sha256_file(path)


def load_artifact(path: Path, expected_sha256: str) -> Any:
    """Load a workspace artifact after checking it is byte-for-byte what was saved."""
    import joblib

    verify_artifact(path, expected_sha256)
    return joblib.load(path)


def verify_artifact(path: Path, expected_sha256: str, actual: str | None = None) -> None:
    """Refuse a missing artifact or one whose sha256 (``actual`` when already computed) is not ``expected``."""
    if not path.exists():
        raise ArtifactIntegrityError(f"The model file {path} is missing.")
    actual = actual or sha256_file(path)
    if actual != expected_sha256:
        raise ArtifactIntegrityError(
            f"The model file {path} was changed after it was saved (sha256 {actual[:12]}… "
            f"instead of {expected_sha256[:12]}…); refusing to load it."
        )
