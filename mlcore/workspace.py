"""Workspace: the facade the GUI, the CLI, the SDK and the REST server call.

A workspace is a folder: ``workbench.db`` (SQLite, unless ``MLWB_DB_URL`` says otherwise),
``datasets/`` (imported data as Parquet), ``jobs/<id>/`` (trained pipelines), ``models/``
(deployed versions), ``optuna.db``, ``reports/`` and ``logs/``. A team shares one database and
one artifact store (``workspace.json``, see :mod:`mlcore.connection`): then ``datasets/``,
``jobs/`` and ``models/`` live in the store, and the home keeps a cache of what it downloaded.

The work is done by the services of :mod:`mlcore.service`, built here with their collaborators
(read ``__init__`` to follow a value from import to prediction). Every public method below
forwards to one service method, with that method's signature and docstring.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from mlcore.artifacts import ArtifactStore
from mlcore.connection import Connection, resolve_connection
from mlcore.paths import resolve_home
from mlcore.registry import Registry
from mlcore.service import (
    ABService,
    DatasetService,
    EvaluationService,
    ExportService,
    JobRunner,
    JobService,
    ModelHandles,
    ModelService,
    PredictionService,
    PreparationService,
    SelectionService,
    TrainingService,
)

if TYPE_CHECKING:
    from mlcore.jobs import JobContext
    from mlcore.registry import JobInfo

log = logging.getLogger(__name__)

__all__ = ["Workspace"]


def _to(service: str, method: Callable[..., Any]) -> Callable[..., Any]:
    """A facade method that calls ``self.<service>.<method>`` (same name, signature and docstring)."""
    name = method.__name__

    @functools.wraps(method)
    def forward(self: "Workspace", *args: Any, **kwargs: Any) -> Any:
        return getattr(getattr(self, service), name)(*args, **kwargs)

    return forward


class Workspace:
    """All operations of the seed's API, on one workspace folder."""

    def __init__(self, home: str | os.PathLike | None = None, db_url: str | None = None,
                 store_url: str | None = None, cache_dir: str | os.PathLike | None = None) -> None:
        self.home: Path = resolve_home(home)
        for sub in ("datasets", "jobs", "models", "reports", "logs"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        self.connection: Connection = resolve_connection(self.home, db_url, store_url, cache_dir)
        self.store = ArtifactStore(self.connection.store_url, self.connection.cache_dir)
        db_path = self.home / "workbench.db"
        url = self.connection.db_url
        self.registry = Registry(url, db_path if url.startswith("sqlite") else None)
        self.db = self.registry.db
        runner = JobRunner(self.registry.jobs, self.store)
        self.runner = runner
        self.datasets = DatasetService(self.store, self.registry.datasets)
        self.jobs = JobService(self.store, self.registry.jobs)
        self.preparation = PreparationService(self.datasets, self.registry.recipes, runner)
        self.training = TrainingService(self.datasets, self.preparation, self.jobs, runner)
        self.selection = SelectionService(self.datasets, self.preparation, self.jobs, self.registry.jobs, runner,
                                          self.optuna_storage, home=self.home, db_url=url if db_url else None,
                                          store_url=self.connection.store_url if store_url else None)
        self.models = ModelService(self.home, self.store, self.registry.models, self.jobs, self.datasets)
        self.handles = ModelHandles(self.datasets, self.jobs, self.models)
        self.evaluation = EvaluationService(self.handles, self.models, runner)
        self.export = ExportService(self.handles, runner)
        self.prediction = PredictionService(self.models, self.registry.ab, runner)
        self.ab = ABService(self.models, self.registry.ab)
        runner.mark_interrupted()
        self.selection.recover_interrupted()  # opens Optuna only for a run that needs it
        self.models.sweep()

    def automl(self, dataset_id: str, target_column: str | None = None, task_type: str | None = None,
               time_budget: float = 60, metric: str | None = None, seed: int = 42, recipe: str | None = None,
               test_size: float = 0.2, ctx: "JobContext | None" = None) -> "JobInfo":
        """Best model in one click: AutoML under ``time_budget`` seconds as an "automl" job."""
        return self.selection.automl(dataset_id, target_column, task_type, time_budget, metric, seed, recipe,
                                     test_size, ctx)

    @property
    def optuna_storage(self) -> str:
        # per home even on a shared database: Optuna's own alembic table would collide with ours
        return f"sqlite:///{self.home / 'optuna.db'}"

    def close(self) -> None:
        self.registry.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.home)!r})"

    # -- datasets -------------------------------------------------------------------
    inspect_file = _to("datasets", DatasetService.inspect_file)
    import_dataset = _to("datasets", DatasetService.import_dataset)
    list_samples = _to("datasets", DatasetService.list_samples)
    import_sample = _to("datasets", DatasetService.import_sample)
    list_datasets = _to("datasets", DatasetService.list_datasets)
    get_dataset = _to("datasets", DatasetService.get_dataset)
    find_dataset = _to("datasets", DatasetService.find_dataset)
    load_frame = _to("datasets", DatasetService.load_frame)
    open_pages = _to("datasets", DatasetService.open_pages)
    set_target = _to("datasets", DatasetService.set_target)
    delete_dataset = _to("datasets", DatasetService.delete_dataset)

    # -- preparation ----------------------------------------------------------------
    clean = _to("preparation", PreparationService.clean)
    select_features = _to("preparation", PreparationService.select_features)
    split = _to("preparation", PreparationService.split)
    save_recipe = _to("preparation", PreparationService.save_recipe)
    get_recipe = _to("preparation", PreparationService.get_recipe)
    list_recipes = _to("preparation", PreparationService.list_recipes)
    delete_recipe = _to("preparation", PreparationService.delete_recipe)

    # -- jobs, training, selection ----------------------------------------------------
    get_job = _to("jobs", JobService.get_job)
    list_jobs = _to("jobs", JobService.list_jobs)
    load_job_pipeline = _to("jobs", JobService.load_job_pipeline)
    job_split = _to("jobs", JobService.job_split)
    list_experiments = _to("jobs", JobService.list_experiments)
    train = _to("training", TrainingService.train)
    list_algorithms = _to("training", TrainingService.list_algorithms)
    detect_task = _to("training", TrainingService.detect_task)
    compare = _to("selection", SelectionService.compare)
    tune = _to("selection", SelectionService.tune)
    join_tune = _to("selection", SelectionService.join_tune)

    # -- registry -------------------------------------------------------------------
    get_model = _to("models", ModelService.get_model)
    production_model = _to("models", ModelService.production_model)
    list_models = _to("models", ModelService.list_models)
    load_model = _to("models", ModelService.load_model)
    model_metadata = _to("models", ModelService.model_metadata)
    deploy = _to("models", ModelService.deploy)
    register_model = _to("models", ModelService.register_model)
    import_model_file = _to("models", ModelService.import_model_file)
    promote = _to("models", ModelService.promote)
    promote_to_production = promote
    stage = _to("models", ModelService.stage)
    demote = _to("models", ModelService.demote)
    archive = _to("models", ModelService.archive)
    rollback = _to("models", ModelService.rollback)
    history = _to("models", ModelService.history)
    delete_model = _to("models", ModelService.delete_model)
    set_model_threshold = _to("evaluation", EvaluationService.set_model_threshold)
    export_model = _to("export", ExportService.export_model)

    # -- evaluation -----------------------------------------------------------------
    evaluate = _to("evaluation", EvaluationService.evaluate)
    choose_threshold = _to("evaluation", EvaluationService.choose_threshold)
    set_threshold = _to("evaluation", EvaluationService.set_threshold)
    write_report = _to("evaluation", EvaluationService.write_report)
    save_plots = _to("evaluation", EvaluationService.save_plots)
    compare_versions = _to("evaluation", EvaluationService.compare_versions)

    # -- prediction and A/B tests -----------------------------------------------------
    predict = _to("prediction", PredictionService.predict)
    predict_file = _to("prediction", PredictionService.predict_file)
    predict_dataset = _to("prediction", PredictionService.predict_dataset)
    create_ab_test = _to("ab", ABService.create_ab_test)
    setup_ab_test = create_ab_test
    get_ab_test = _to("ab", ABService.get_ab_test)
    list_ab_tests = _to("ab", ABService.list_ab_tests)
    stop_ab_test = _to("ab", ABService.stop_ab_test)
    record_outcomes = _to("ab", ABService.record_outcomes)
    record_outcomes_file = _to("ab", ABService.record_outcomes_file)
    analyse_ab_test = _to("ab", ABService.analyse_ab_test)
    promote_ab_winner = _to("ab", ABService.promote_ab_winner)
