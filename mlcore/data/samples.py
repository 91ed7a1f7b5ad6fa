"""Sample datasets that work offline: scikit-learn's bundled tables and the CSVs in mlcore/resources/samples."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mlcore.errors import DataImportError, NotFoundError


@dataclass(frozen=True)
class SampleInfo:
    """What a sample is, before loading it."""

    name: str
    title: str
    description: str
    target: str
    task: str  # "classification" | "regression"
    rows: int


def samples_dir() -> Path:
    """The folder holding the shipped sample files: package data inside ``mlcore/resources/samples``."""
    from mlcore.paths import resources_dir

    folder = resources_dir() / "samples"
    if not (folder / "penguins.csv").is_file():
        raise DataImportError(f"the sample data folder {folder} is missing; reinstall the mlworkbench package")
    return folder


def _sklearn_frame(loader_name: str, target: str, labelled: bool) -> pd.DataFrame:
    from sklearn import datasets

    bunch = getattr(datasets, loader_name)(as_frame=True)
    frame = bunch.data.copy()
    if labelled:
        names = list(bunch.target_names)
        frame[target] = pd.Series([names[i] for i in bunch.target], dtype="str", index=frame.index)
    else:
        frame[target] = bunch.target.astype("float64")
    return frame


def _file_frame(filename: str) -> pd.DataFrame:
    from mlcore.data.reader import read_table

    return read_table(samples_dir() / filename).frame


_SAMPLES: dict[str, tuple[SampleInfo, Callable[[], pd.DataFrame]]] = {
    "iris": (
        SampleInfo("iris", "Iris flowers", "Sepal and petal measurements of three iris species (Fisher, 1936).",
                   "species", "classification", 150),
        lambda: _sklearn_frame("load_iris", "species", True),
    ),
    "wine": (
        SampleInfo("wine", "Wine cultivars", "Chemical analysis of wines from three cultivars in one region of Italy.",
                   "cultivar", "classification", 178),
        lambda: _sklearn_frame("load_wine", "cultivar", True),
    ),
    "breast_cancer": (
        SampleInfo("breast_cancer", "Breast cancer (Wisconsin diagnostic)",
                   "Cell-nucleus features from breast mass images, labelled malignant or benign.",
                   "diagnosis", "classification", 569),
        lambda: _sklearn_frame("load_breast_cancer", "diagnosis", True),
    ),
    "diabetes": (
        SampleInfo("diabetes", "Diabetes progression",
                   "Ten baseline measurements of diabetes patients and disease progression one year later.",
                   "disease_progression", "regression", 442),
        lambda: _sklearn_frame("load_diabetes", "disease_progression", False),
    ),
    "penguins": (
        SampleInfo("penguins", "Palmer penguins",
                   "Size measurements of three penguin species on three islands; text categories and missing values.",
                   "species", "classification", 344),
        lambda: _file_frame("penguins.csv"),
    ),
    "churn": (
        SampleInfo("churn", "Customer churn (synthetic)",
                   "Subscription customers with signup date, plan, usage and support calls; did they leave?",
                   "churned", "classification", 1000),
        lambda: _file_frame("churn.csv"),
    ),
}  # fmt: skip


def list_samples() -> list[SampleInfo]:
    """Every sample dataset, in menu order."""
    return [info for info, _ in _SAMPLES.values()]


def load_sample(name: str) -> tuple[pd.DataFrame, str]:
    """(frame, target column) of the sample called ``name``."""
    try:
        _, load = _SAMPLES[name]
    except KeyError:
        raise NotFoundError(f"no sample dataset named {name!r}; available: {', '.join(_SAMPLES)}") from None
    return load(), _SAMPLES[name][0].target
