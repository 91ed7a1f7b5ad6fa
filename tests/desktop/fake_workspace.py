"""A small in-memory stand-in for mlcore.workspace.Workspace with the same method contract.

Widgets and tests are developed against it so they do not wait on the engine; the
end-to-end test uses the real Workspace. Its train() emits one metric per iteration per
split and polls cancellation, like the real one.
"""

from __future__ import annotations

import datetime as _dt
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlcore.errors import ConflictError, DataImportError, NotFoundError
from mlcore.jobs import JobContext


@dataclass
class SampleInfo:
    name: str
    title: str
    description: str
    target: str
    task: str
    rows: int


@dataclass
class DatasetInfo:
    id: str
    name: str
    rows: int
    columns: int
    column_names: list[str]
    dtypes: dict[str, str]
    missing_values: dict[str, int]
    target_column: str | None
    content_hash: str
    parent_id: str | None
    lineage: dict
    created_at: str
    profile: dict


@dataclass
class FileSniff:
    format: str
    delimiter: str | None
    encoding: str | None
    decimal: str | None
    sheets: list[str]
    unsure: bool
    warnings: list[str]
    preview: pd.DataFrame


@dataclass
class ParamSpec:
    name: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple = ()
    help: str = ""


@dataclass
class Abilities:
    iterative: bool = False


@dataclass
class AlgorithmSpec:
    name: str
    label: str
    params: tuple
    abilities: Abilities = field(default_factory=Abilities)


@dataclass
class RecipeInfo:
    name: str
    recipe: dict
    created_at: str


@dataclass
class JobInfo:
    id: str
    kind: str
    status: str
    created_at: str
    started_at: str | None
    completed_at: str | None
    config: dict
    results: dict
    error: str | None = None


def _now() -> str:
    return _dt.datetime.now().isoformat(timespec="seconds")


def _flowers(n: int = 150, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    species = np.repeat(np.array(["setosa", "versicolor", "virginica"]), n // 3)
    base = np.repeat(np.arange(3), n // 3)
    frame = pd.DataFrame({
        "sepal_length": 5.0 + base * 0.8 + rng.normal(0, 0.3, n),
        "sepal_width": 3.4 - base * 0.3 + rng.normal(0, 0.3, n),
        "petal_length": 1.5 + base * 2.0 + rng.normal(0, 0.3, n),
        "petal_width": 0.2 + base * 0.8 + rng.normal(0, 0.2, n),
        "species": species,
    })
    frame.loc[[3, 17, 40], "sepal_width"] = np.nan
    frame.loc[[5], "petal_length"] = 40.0  # an outlier
    return frame


class FakeWorkspace:
    """Same methods as Workspace, data in memory; ``iterations``/``step_delay`` shape train()."""

    def __init__(self, home: Path | str) -> None:
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self._frames: dict[str, pd.DataFrame] = {}
        self._infos: dict[str, DatasetInfo] = {}
        self._recipes: dict[str, RecipeInfo] = {}
        self._jobs: dict[str, JobInfo] = {}
        self.iterations = 40
        self.step_delay = 0.0
        self.used_by_models: set[str] = set()
        self.closed = False

    def close(self) -> None:
        self.closed = True

    # -- datasets --------------------------------------------------------------------------
    def list_samples(self) -> list[SampleInfo]:
        return [SampleInfo("flowers", "Flowers", "150 flowers, 3 species", "species", "classification", 150)]

    def import_sample(self, name: str, ctx: JobContext | None = None) -> DatasetInfo:
        if name != "flowers":
            raise NotFoundError(f"no sample dataset called {name!r}")
        return self._add(name, _flowers(), target="species")

    def inspect_file(self, path: Any, *, sep: str | None = None, encoding: str | None = None,
                     decimal: str | None = None, sheet: str | None = None) -> FileSniff:
        path = Path(path)
        if not path.exists():
            raise DataImportError(f"file {path} does not exist")
        frame = pd.read_csv(path, sep=sep or ",", nrows=20)
        return FileSniff("csv", sep or ",", encoding or "utf-8", decimal or ".", [], sep is None and path.suffix == ".txt", [], frame)

    def import_dataset(self, path: Any, name: str | None = None, target: str | None = None, *,
                       sep: str | None = None, encoding: str | None = None, decimal: str | None = None,
                       sheet: str | None = None, ctx: JobContext | None = None) -> DatasetInfo:
        path = Path(path)
        try:
            frame = pd.read_csv(path, sep=sep or ",", decimal=decimal or ".")
        except Exception as exc:
            raise DataImportError(f"cannot read {path}: {exc}") from exc
        return self._add(name or path.stem, frame, target=target)

    def add_frame(self, name: str, frame: pd.DataFrame, target: str | None = None) -> DatasetInfo:
        """Test helper: register a frame directly."""
        return self._add(name, frame, target)

    def _add(self, name: str, frame: pd.DataFrame, target: str | None, parent: str | None = None) -> DatasetInfo:
        dataset_id = uuid.uuid4().hex
        numeric = {c: {k: float(v) for k, v in frame[c].describe().items()}
                   for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])}
        categorical = {c: {"cardinality": int(frame[c].nunique()),
                           "top_values": [[str(k), int(v)] for k, v in frame[c].value_counts().head(10).items()]}
                       for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])}
        info = DatasetInfo(
            id=dataset_id, name=name, rows=len(frame), columns=frame.shape[1],
            column_names=[str(c) for c in frame.columns],
            dtypes={str(c): str(t) for c, t in frame.dtypes.items()},
            missing_values={str(c): int(v) for c, v in frame.isna().sum().items()},
            target_column=target, content_hash=dataset_id[:16], parent_id=parent,
            lineage={"parent_id": parent} if parent else {}, created_at=_now(),
            profile={"numeric_stats": numeric, "categorical_stats": categorical},
        )
        self._frames[dataset_id] = frame
        self._infos[dataset_id] = info
        return info

    def list_datasets(self) -> list[DatasetInfo]:
        return list(self._infos.values())

    def get_dataset(self, dataset_id: str) -> DatasetInfo:
        try:
            return self._infos[dataset_id]
        except KeyError:
            raise NotFoundError(f"no dataset with id {dataset_id}") from None

    def load_frame(self, dataset_id: str) -> pd.DataFrame:
        self.get_dataset(dataset_id)
        return self._frames[dataset_id]

    def set_target(self, dataset_id: str, column: str) -> DatasetInfo:
        info = self.get_dataset(dataset_id)
        info.target_column = column
        return info

    def delete_dataset(self, dataset_id: str, force: bool = False) -> None:
        self.get_dataset(dataset_id)
        if dataset_id in self.used_by_models and not force:
            raise ConflictError(f"dataset {dataset_id} is used by models; delete them first")
        del self._infos[dataset_id], self._frames[dataset_id]

    # -- preparation -------------------------------------------------------------------------
    def clean(self, dataset_id: str, missing_strategy: str = "mean", outlier_method: str = "none",
              outlier_threshold: float = 3.0, save: bool = True, name: str | None = None,
              ctx: JobContext | None = None) -> dict:
        frame = self.load_frame(dataset_id).copy()
        numeric = frame.select_dtypes("number").columns
        if missing_strategy == "drop":
            frame = frame.dropna()
        else:
            frame[numeric] = frame[numeric].fillna(frame[numeric].mean())
        if outlier_method == "zscore":
            z = ((frame[numeric] - frame[numeric].mean()) / frame[numeric].std()).abs()
            frame = frame[(z <= outlier_threshold).all(axis=1)]
        info = self.get_dataset(dataset_id)
        new_id = None
        if save:
            new_id = self._add(name or f"{info.name}_clean", frame.reset_index(drop=True), info.target_column, dataset_id).id
        return {"status": "success", "cleaned_dataset_id": new_id, "original_rows": info.rows,
                "cleaned_rows": len(frame), "report": {"missing_strategy": missing_strategy}}

    def select_features(self, dataset_id: str, target_column: str, method: str, n_features: int,
                        task_type: str | None = None, ctx: JobContext | None = None) -> dict:
        frame = self.load_frame(dataset_id)
        numeric = [c for c in frame.select_dtypes("number").columns if c != target_column]
        codes = frame[target_column].astype("category").cat.codes
        scores = {c: abs(float(frame[c].corr(codes))) for c in numeric}
        ranked = sorted(scores, key=scores.get, reverse=True)
        return {"status": "success", "selected_features": ranked[:n_features],
                "feature_importance": [{"feature": c, "score": scores[c]} for c in ranked]}

    def split(self, dataset_id: str, target_column: str, test_size: float = 0.2,
              validation_size: float = 0.1, stratify: bool = True, time_column: str | None = None) -> dict:
        n = self.get_dataset(dataset_id).rows
        test = int(round(n * test_size))
        val = int(round(n * validation_size))
        return {"status": "success", "train_samples": n - test - val, "validation_samples": val, "test_samples": test}

    def save_recipe(self, name: str, recipe: dict) -> RecipeInfo:
        info = RecipeInfo(name, dict(recipe), _now())
        self._recipes[name] = info
        return info

    def list_recipes(self) -> list[RecipeInfo]:
        return list(self._recipes.values())

    def get_recipe(self, name: str) -> RecipeInfo:
        try:
            return self._recipes[name]
        except KeyError:
            raise NotFoundError(f"no recipe called {name!r}") from None

    # -- training ------------------------------------------------------------------------------
    def detect_task(self, dataset_id: str, target: str) -> str:
        frame = self.load_frame(dataset_id)
        col = frame[target]
        return "regression" if pd.api.types.is_float_dtype(col) and col.nunique() > 20 else "classification"

    def list_algorithms(self, task: str) -> list[AlgorithmSpec]:
        boosting = AlgorithmSpec("gradient_boosting", "Gradient boosting", (
            ParamSpec("n_estimators", "int", 100, 10, 2000, False, (), "Number of boosting rounds"),
            ParamSpec("learning_rate", "float", 0.1, 0.001, 1.0, True, (), "Shrinkage per round"),
            ParamSpec("loss", "choice", "log_loss", choices=("log_loss", "exponential"), help="Loss function"),
            ParamSpec("warm_start", "bool", False, help="Reuse the previous fit"),
        ), Abilities(iterative=True))
        forest = AlgorithmSpec("random_forest", "Random forest", (
            ParamSpec("n_estimators", "int", 100, 10, 1000, False, (), "Number of trees"),
            ParamSpec("max_depth", "int", 0, 0, 64, False, (), "0 = unlimited"),
        ), Abilities(iterative=True))
        return [boosting, forest]

    def train(self, config: dict, ctx: JobContext | None = None) -> JobInfo:
        ctx = ctx or JobContext()
        job = JobInfo(uuid.uuid4().hex, "train", "running", _now(), _now(), None, dict(config), {})
        self._jobs[job.id] = job
        n = int(config.get("hyperparameters", {}).get("n_estimators", self.iterations))
        n = min(n, self.iterations) if self.iterations else n
        try:
            for step in range(1, n + 1):
                ctx.check_cancelled()
                loss = 1.0 / step
                ctx.metric(step, "logloss", loss, "train")
                ctx.metric(step, "logloss", loss * 1.2, "validation")
                ctx.metric(step, "accuracy", 1.0 - loss / 2, "validation")
                ctx.progress(step / n, f"iteration {step}/{n}")
                if self.step_delay:
                    time.sleep(self.step_delay)
        except BaseException:
            job.status = "cancelled"
            raise
        job.status = "completed"
        job.completed_at = _now()
        job.results = {"evaluation": {"accuracy": 0.95}, "training_history": [], "training_summary": {"iterations": n}}
        return job

    def list_jobs(self) -> list[JobInfo]:
        return list(self._jobs.values())

    def get_job(self, job_id: str) -> JobInfo:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise NotFoundError(f"no job with id {job_id}") from None

    # -- registry (issue 8's tabs read these at start; the fake has no models) ----------------
    def list_models(self, name: str | None = None, status: str | None = None) -> list:
        return []

    def list_ab_tests(self, *args: Any, **kwargs: Any) -> list:
        return []

    def history(self, name: str) -> list:
        return []
