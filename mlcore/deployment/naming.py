"""Validation of model names and semantic versions, and proposing the next version."""

from __future__ import annotations

import re

from mlcore.errors import ConfigError

__all__ = ["validate_name", "validate_version", "next_version", "parse_version"]

# A name becomes a folder under models/: letters, digits, dot, dash, underscore only.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_VERSION_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def validate_name(name: object) -> str:
    """Return the stripped model name or raise ConfigError saying what is wrong with it."""
    if name is None or not isinstance(name, str):
        raise ConfigError(f"model name must be text, got {name!r}")
    text = name.strip()
    if not text:
        raise ConfigError("model name is empty")
    if "/" in text or "\\" in text:
        raise ConfigError(f"model name {text!r} contains a path separator ('/' or '\\')")
    if ".." in text:
        raise ConfigError(f"model name {text!r} contains '..'")
    if not _NAME_RE.match(text):
        bad = sorted({c for c in text if not (c.isascii() and (c.isalnum() or c in "._-"))})
        detail = (f"characters {''.join(bad)!r} are not allowed" if bad
                  else "it must start with a letter or digit and be at most 128 characters")
        raise ConfigError(f"model name {text!r} is invalid: {detail} (use letters, digits, '.', '-', '_')")
    if text.endswith("."):
        # Windows drops a trailing dot from folder names: 'trail.' and 'trail' would share a folder
        raise ConfigError(f"model name {text!r} ends with '.', which Windows drops from folder names; "
                          f"use {text.rstrip('.')!r} or another name")
    if text.split(".")[0].lower() in _WINDOWS_RESERVED:
        raise ConfigError(f"model name {text!r} is a reserved file name on Windows")
    return text


def parse_version(version: object) -> tuple[int, int, int]:
    """Return (major, minor, patch) of a valid semantic version."""
    text = validate_version(version)
    major, minor, patch = (int(p) for p in text.split("."))
    return major, minor, patch


def validate_version(version: object) -> str:
    """Return the version as 'MAJOR.MINOR.PATCH' text or raise ConfigError."""
    if version is None or isinstance(version, bool):
        raise ConfigError(f"model version must be text like '1.2.3', got {version!r}")
    text = str(version).strip()
    if not text:
        raise ConfigError("model version is empty")
    if "/" in text or "\\" in text:
        raise ConfigError(f"model version {text!r} contains a path separator ('/' or '\\')")
    if ".." in text:
        raise ConfigError(f"model version {text!r} contains '..'")
    if text[:1] in "vV" and _VERSION_RE.match(text[1:]):
        text = text[1:]
    if not _VERSION_RE.match(text):
        raise ConfigError(f"model version {text!r} is not semantic: expected MAJOR.MINOR.PATCH such as '1.2.3'")
    return text


def next_version(existing: list[str], bump: str = "minor") -> str:
    """Propose the version after the highest of `existing` ('1.0.0' when there is none)."""
    if bump not in ("major", "minor", "patch"):
        raise ConfigError(f"version bump must be 'major', 'minor' or 'patch', got {bump!r}")
    parsed = [parse_version(v) for v in existing]
    if not parsed:
        return "1.0.0"
    major, minor, patch = max(parsed)
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"
