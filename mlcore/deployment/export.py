"""Model files: joblib bundle, skops with a type audit, checksums; ONNX and model card re-exported here."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from mlcore.errors import ArtifactIntegrityError, ConfigError, DataImportError

from mlcore.deployment.card import model_card
from mlcore.deployment.onnx_export import export_onnx

_THRESHOLD_KEYS = ("decision_threshold", "threshold")

__all__ = [
    "export_joblib",
    "load_joblib",
    "export_skops",
    "import_skops",
    "audit_skops",
    "export_onnx",
    "model_card",
    "sha256_file",
    "write_json",
]


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _json_default(value: Any) -> Any:
    from mlcore.jsonsafe import json_safe

    return json_safe(value)


def write_json(data: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write `data` as indented UTF-8 JSON (numpy values, dates and paths made plain)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default), encoding="utf-8")
    return target


def _prepare_target(path: str | os.PathLike[str], suffix: str) -> Path:
    target = Path(path)
    if target.suffix.lower() != suffix:
        raise ConfigError(f"'{target.name}': the file name must end in {suffix}")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _with_threshold(pipeline: Any, metadata: dict[str, Any] | None, threshold: float | None) -> dict[str, Any]:
    """`metadata` plus "decision_threshold": `threshold`, else the metadata's threshold, else None (argmax)."""
    meta = dict(metadata or {})
    if threshold is None:
        threshold = next((meta[k] for k in _THRESHOLD_KEYS if meta.get(k) is not None), None)
    if threshold is not None:
        try:
            threshold = float(threshold)
        except (TypeError, ValueError):
            raise ConfigError(f"decision threshold must be a number between 0 and 1, got {threshold!r}") from None
        if not 0.0 < threshold < 1.0:
            raise ConfigError(f"decision threshold must be between 0 and 1, got {threshold}")
        steps = getattr(pipeline, "steps", None)
        classes = getattr(steps[-1][1] if steps else pipeline, "classes_", None)
        if classes is None or len(classes) != 2:
            raise ConfigError("a decision threshold applies only to binary classifiers")
    meta["decision_threshold"] = threshold
    return meta


def export_joblib(pipeline: Any, metadata: dict[str, Any], path: str | os.PathLike[str], *,
                  threshold: float | None = None) -> Path:
    """Write {"pipeline", "metadata"} to one .joblib file and the metadata as JSON beside it (<name>.json).

    The metadata always carries "decision_threshold": `threshold`, else metadata["decision_threshold"] or
    metadata["threshold"] (a registry ModelVersionInfo.to_dict()), else None (the most probable class wins).
    """
    import joblib

    target = _prepare_target(path, ".joblib")
    meta = _with_threshold(pipeline, metadata, threshold)
    tmp = target.with_name(f".{target.name}.partial")
    try:
        joblib.dump({"pipeline": pipeline, "metadata": meta}, tmp, compress=3)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    write_json(meta, target.with_suffix(".json"))
    return target


def load_joblib(path: str | os.PathLike[str], expected_sha256: str | None = None) -> dict[str, Any]:
    """Load a bundle written by export_joblib, refusing it when its sha256 differs from the recorded one.

    joblib unpickles: use this only for the workspace's own artifacts, whose checksum the registry holds;
    files from elsewhere go through :func:`import_skops`.
    """
    import joblib

    source = Path(path)
    if not source.is_file():
        raise DataImportError(f"model file '{source}' does not exist")
    if expected_sha256 is not None:
        actual = sha256_file(source)
        if actual != expected_sha256:
            raise ArtifactIntegrityError(
                f"model file '{source}' was changed after it was saved "
                f"(sha256 {actual[:12]}... instead of {expected_sha256[:12]}...); refusing to load it")
    bundle = joblib.load(source)
    if not isinstance(bundle, dict) or "pipeline" not in bundle:
        raise ArtifactIntegrityError(f"'{source}' is not a model bundle written by ML Workbench")
    return bundle


def export_skops(pipeline: Any, path: str | os.PathLike[str], metadata: dict[str, Any] | None = None, *,
                 threshold: float | None = None) -> Path:
    """Write the pipeline in skops format (loadable without unpickling arbitrary code) and <name>.json beside it.

    The JSON holds `metadata` plus "decision_threshold", found as in :func:`export_joblib`: the skops file holds
    the pipeline alone, whose predict() uses 0.5, so consumers must read the threshold from there.
    """
    import skops.io as sio

    target = _prepare_target(path, ".skops")
    meta = _with_threshold(pipeline, metadata, threshold)
    tmp = target.with_name(f".{target.name}.partial")
    try:
        sio.dump(pipeline, tmp)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    write_json(meta, target.with_suffix(".json"))
    return target


def audit_skops(path: str | os.PathLike[str]) -> list[str]:
    """The types in a .skops file that skops does not trust by default (read without loading anything)."""
    import skops.io as sio

    source = Path(path)
    if not source.is_file():
        raise DataImportError(f"model file '{source}' does not exist")
    try:
        return sorted(sio.get_untrusted_types(file=source))
    except Exception as exc:  # skops raises a variety of errors on corrupt or foreign files
        raise DataImportError(f"'{source.name}' is not a readable skops file: {exc}") from exc


def import_skops(path: str | os.PathLike[str], trusted: list[str] | None = None) -> tuple[Any, list[str]]:
    """Load a .skops file; refuse (ArtifactIntegrityError listing them) types not explicitly in `trusted`."""
    import skops.io as sio

    source = Path(path)
    untrusted = audit_skops(source)
    allowed = set(trusted or [])
    refused = [t for t in untrusted if t not in allowed]
    if refused:
        raise ArtifactIntegrityError(
            f"'{source.name}' contains {len(refused)} type(s) that are not trusted by default: {', '.join(refused)}. "
            "Inspect them and pass them explicitly as trusted to load the file")
    try:
        model = sio.load(source, trusted=untrusted)
    except Exception as exc:
        raise DataImportError(f"'{source.name}' could not be loaded: {exc}") from exc
    return model, untrusted
