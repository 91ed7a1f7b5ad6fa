"""What a non-editable install ships: the run-time files live inside the packages."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import mlcore
from mlcore.data.samples import samples_dir

ROOT = Path(__file__).resolve().parents[1]


def _package_data(package: str) -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["setuptools"]["package-data"][package]


def _shipped(package_dir: Path, path: Path, patterns: list[str]) -> bool:
    relative = path.relative_to(package_dir).as_posix()
    # setuptools' "**" also matches zero folders; fnmatch's "*" crosses "/"
    return any(fnmatch.fnmatch(relative, pattern.replace("**/", "")) or fnmatch.fnmatch(relative, pattern)
               for pattern in patterns)


def test_sample_files_are_package_data_of_mlcore():
    package_dir = Path(mlcore.__file__).resolve().parent
    folder = samples_dir()
    assert folder.is_relative_to(package_dir), f"{folder} is outside the mlcore package: a wheel would not ship it"
    files = sorted(p for p in folder.iterdir() if p.is_file())
    assert {"penguins.csv", "churn.csv"} <= {p.name for p in files}
    patterns = _package_data("mlcore")
    assert all(_shipped(package_dir, p, patterns) for p in files), patterns


def test_ci_builds_the_wheel_and_runs_the_demo_from_elsewhere():
    script = (ROOT / ".ci" / "run").read_text()
    assert "pip wheel" in script and "venv" in script
    assert "mlcore\" demo" in script or "mlcore demo" in script
