"""ModelHandle: a trained model resolved once, from a job id or a model version id.

It carries what evaluation, thresholds, export and deployment need — the pipeline (loaded on
first use, checksum verified), input schema, task, target, threshold, curve history — and a
:class:`RowRef` to the rows it was trained and tested on. "Drop the rows without a target,
then apply the stored split by position" is written once, in :meth:`RowRef.rows`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from mlcore import vocab
from mlcore.errors import ConfigError, DataValidationError, NotFoundError
from mlcore.service.datasets import DatasetService
from mlcore.service.jobs import JobService

if TYPE_CHECKING:
    import pandas as pd

    from mlcore.service.models import ModelService


@dataclass
class RowRef:
    """The labelled rows of a model's dataset, and the split its job stored (when there is one)."""

    datasets: DatasetService
    jobs: JobService
    dataset_id: str | None
    target: str | None
    job_id: str | None
    owner: str  # the model's name, for messages

    def rows(self, split: str = "all", dataset_id: str | None = None) -> "pd.DataFrame":
        """Rows with a target value; of ``split`` when they are the model's own data and its job stored a split."""
        if split not in vocab.SPLITS:
            raise ConfigError(f"split must be one of {list(vocab.SPLITS)}, not {split!r}.")
        ds = dataset_id or self.dataset_id
        if ds is None:
            raise ConfigError(f"{self.owner}: say which dataset to evaluate on (its training dataset is gone).")
        frame = self.datasets.labelled_frame(
            ds, self.target, missing=f"The dataset has no column {self.target!r}, the model's target.")
        if split != "all" and self.is_own(dataset_id) and self.job_id:
            idx = self.jobs.job_split(self.job_id).get(split)
            if idx is None or len(idx) == 0:
                raise DataValidationError(f"The {split} split of {self.owner} has no rows.")
            if idx.min() < 0 or idx.max() >= len(frame):
                raise DataValidationError(f"The {split} split of {self.owner} names rows up to {int(idx.max())}, "
                                          f"but its dataset has {len(frame)} labelled rows: was the data changed?")
            return frame.iloc[idx]
        return frame

    def is_own(self, dataset_id: str | None) -> bool:
        return dataset_id is None or dataset_id == self.dataset_id

    def sample(self, n: int) -> "pd.DataFrame | None":
        """Up to ``n`` input rows (no target) read from the start of the dataset file, not the whole of it."""
        import pyarrow.parquet as pq

        if self.dataset_id is None:
            return None
        try:
            info = self.datasets.get_dataset(self.dataset_id)
            path = self.datasets.data_file(info)
        except NotFoundError:
            return None
        columns = [c for c in info.column_names if c != self.target]
        with pq.ParquetFile(path) as file:
            batch = next(file.iter_batches(batch_size=max(5 * n, 1000), columns=columns), None)
        if batch is None:
            return None
        frame = batch.to_pandas()
        return frame.sample(min(n, len(frame)), random_state=0)


@dataclass
class ModelHandle:
    """One trained model: a completed train/tune job (``kind='job'``) or a registered version (``'model'``)."""

    kind: str
    id: str
    job_id: str | None
    name: str
    task: str
    target: str | None
    dataset_id: str | None
    threshold: float | None
    schema: dict[str, Any] | None
    rows: RowRef
    history: list[dict[str, Any]] = field(default_factory=list)
    _load: Callable[[], Any] | None = field(default=None, repr=False)
    _pipeline: Any = field(default=None, repr=False)

    @property
    def pipeline(self) -> Any:
        """The fitted pipeline, loaded (and its checksum verified) on first use."""
        if self._pipeline is None and self._load is not None:
            self._pipeline = self._load()
        return self._pipeline


class ModelHandles:
    """Resolves job ids and version keys into :class:`ModelHandle` objects."""

    def __init__(self, datasets: DatasetService, jobs: JobService, models: "ModelService") -> None:
        self.datasets = datasets
        self.jobs = jobs
        self.models = models

    def of_job(self, job_id: str) -> ModelHandle:
        job = self.jobs.get_job(job_id)
        if job.status != "completed":
            raise ConfigError(f"Job {job.id[:8]} is {job.status}; only a completed job can be evaluated.")
        results = job.results or {}
        name = f"job {job.id[:8]} ({job.config.get('algorithm')})"
        target = job.config.get("target_column")
        return ModelHandle(
            kind="job", id=job.id, job_id=job.id, name=name, task=results.get("task_type"), target=target,
            dataset_id=job.dataset_id, threshold=results.get("threshold"), schema=results.get("input_schema"),
            rows=RowRef(self.datasets, self.jobs, job.dataset_id, target, job.id, name),
            history=results.get("training_history") or [], _load=lambda: self.jobs.load_job_pipeline(job.id))

    def of_version(self, key: str) -> ModelHandle:
        info = self.models.get_model(key)
        history: list[dict[str, Any]] = []
        if info.job_id:
            try:
                history = (self.jobs.get_job(info.job_id).results or {}).get("training_history") or []
            except NotFoundError:
                history = []
        name = f"{info.name} {info.version}"
        return ModelHandle(
            kind="model", id=info.id, job_id=info.job_id, name=name, task=info.task_type, target=info.target_name,
            dataset_id=info.dataset_id, threshold=info.threshold, schema=info.input_schema,
            rows=RowRef(self.datasets, self.jobs, info.dataset_id, info.target_name, info.job_id, name),
            history=history, _load=lambda: self.models.load_model(info.id)[0])

    def resolve(self, key: str) -> ModelHandle:
        """A job id, else a model version key (the CLI and the window accept either)."""
        try:
            self.jobs.get_job(key)
        except NotFoundError:
            return self.of_version(key)
        return self.of_job(key)
