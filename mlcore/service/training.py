"""TrainingService: train one model as a job; the algorithm catalog."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlcore.errors import ConfigError
from mlcore.jobs import JobContext
from mlcore.registry import JobInfo
from mlcore.service.datasets import DatasetService
from mlcore.service.jobs import JobService
from mlcore.service.preparation import PreparationService
from mlcore.service.results import TrainResult
from mlcore.service.runner import JobRun, JobRunner

if TYPE_CHECKING:
    from mlcore.training import TrainConfig


class TrainingService:
    def __init__(self, datasets: DatasetService, preparation: PreparationService, jobs: JobService,
                 runner: JobRunner) -> None:
        self.datasets = datasets
        self.preparation = preparation
        self.jobs = jobs
        self.runner = runner

    def _train_config(self, config: "dict[str, Any] | TrainConfig") -> "TrainConfig":
        from mlcore.training import TrainConfig

        cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(dict(config))
        info = self.datasets.get_dataset(cfg.dataset_id)
        cfg.dataset_id = info.id
        cfg.target_column = cfg.target_column or info.target_column
        if not cfg.target_column:
            raise ConfigError(f"No target column given and dataset {info.name!r} has none set.")
        return cfg

    def train(self, config: "dict[str, Any] | TrainConfig", ctx: JobContext | None = None, *,
              dask: str | None = None, dask_options: dict[str, Any] | None = None) -> JobInfo:
        """Train one model as a job (seed: POST /models/train); blocks until done or cancelled.

        ``dask``: a scheduler address (``tcp://host:8786``) or ``"local"`` (a LocalCluster for this
        job, shaped by ``dask_options``: n_workers, threads_per_worker, memory_limit, processes)
        trains LightGBM/XGBoost on the dataset's Parquet parts without loading it here.
        """
        from mlcore.training import resolve_recipe, train_pipeline

        cfg = self._train_config(config)
        info = self.datasets.get_dataset(cfg.dataset_id)
        saved = self.preparation.get_recipe(cfg.recipe).recipe if cfg.recipe else None
        recipe = resolve_recipe(cfg, saved)
        self.datasets.data_file(info, needed_by="training")  # a missing file fails here, before the job row
        if dask:
            from mlcore.training import check_dask_request

            check_dask_request(cfg, recipe)

        def body(run: JobRun) -> TrainResult:
            run.progress(0.0, "loading data")
            if dask:
                from mlcore.training import train_pipeline_dask

                outcome = train_pipeline_dask(self.datasets.partition_paths(info.id), cfg, recipe, run,
                                              address=dask, rows=info.rows, cluster=dask_options,
                                              memory_bytes=(info.import_info or {}).get("memory_bytes"))
            else:
                outcome = train_pipeline(self.datasets.load_frame(info.id), cfg, recipe, run)
            run.save_pipeline(outcome.pipeline, outcome.split or None)
            return TrainResult(task_type=outcome.task, evaluation=outcome.evaluation,
                               training_history=outcome.history, training_summary=outcome.summary,
                               feature_names=outcome.feature_names_in, selected_features=outcome.selected_features,
                               input_schema=outcome.input_schema, classes=outcome.classes)

        job_config = dict(cfg.to_dict(), resolved_preparation=recipe.to_dict())
        if dask:
            job_config["dask"] = {"address": dask, **(dask_options or {})}
        outcome = self.runner.outcome("train", job_config, body, ctx=ctx, dataset=info)
        outcome.unwrap()
        return self.jobs.get_job(outcome.job_id)

    # -- catalog ------------------------------------------------------------------
    def list_algorithms(self, task: str | None = None):
        from mlcore.models import list_algorithms

        return list_algorithms(task)

    def detect_task(self, dataset_id: str, target: str) -> str:
        from mlcore.models import detect_task

        return detect_task(self.datasets.load_frame(dataset_id, columns=[target])[target].dropna())
