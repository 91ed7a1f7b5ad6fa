"""PreparationService: the seed's /data endpoints — clean, select features, split — and saved recipes."""

from __future__ import annotations

from typing import Any

from mlcore.errors import ConfigError
from mlcore.jobs import JobContext
from mlcore.registry import RecipeInfo, RecipeStore
from mlcore.service.datasets import DatasetService, require_column
from mlcore.service.results import CleanResult
from mlcore.service.runner import JobRun, JobRunner


class PreparationService:
    def __init__(self, datasets: DatasetService, recipes: RecipeStore, runner: JobRunner) -> None:
        self.datasets = datasets
        self.recipes = recipes
        self.runner = runner

    # -- clean (a job: it writes a new dataset) -----------------------------------
    def clean(self, dataset_id: str, missing_strategy: str = "mean", outlier_method: str = "none",
              outlier_threshold: float = 3.0, *, save: bool = True, name: str | None = None,
              ctx: JobContext | None = None) -> CleanResult:
        """Clean a dataset as a "clean" job; with ``save`` the result becomes a new dataset with recorded lineage."""
        info = self.datasets.get_dataset(dataset_id)
        params = {"missing_strategy": missing_strategy, "outlier_method": outlier_method,
                  "outlier_threshold": outlier_threshold}
        self.datasets.data_file(info, needed_by="cleaning")  # a missing file fails here, before the job row

        def body(run: JobRun) -> CleanResult:
            from mlcore.prep import clean_frame

            run.progress(0.05, "loading")
            frame = self.datasets.load_frame(info.id)
            run.progress(0.3, "cleaning")
            cleaned, report = clean_frame(frame, target=info.target_column, **params)
            run.check_cancelled()
            result = CleanResult(original_rows=int(report.get("original_rows", len(frame))),
                                 cleaned_rows=int(report.get("cleaned_rows", len(cleaned))), report=report)
            if save:
                new = self.datasets.store_frame(
                    cleaned.reset_index(drop=True), name or f"{info.name} (cleaned)", info.target_column,
                    source_path=info.source_path, import_info={"format": "derived", "warnings": []},
                    parent_id=info.id, lineage={"operation": "clean", "parent_id": info.id,
                                                "parent_hash": info.content_hash, "parameters": params},
                    ctx=run.sub(0.6, 1.0),
                )
                result.cleaned_dataset_id = new.id
            run.progress(1.0, "cleaned")
            return result

        return self.runner.run("clean", dict(params, dataset_id=info.id, save=save, name=name), body, ctx=ctx,
                               dataset=info)

    # -- select features ----------------------------------------------------------
    def select_features(self, dataset_id: str, target_column: str | None = None, method: str = "tree_importance",
                        n_features: int = 10, task_type: str | None = None, seed: int = 42,
                        ctx: JobContext | None = None) -> dict[str, Any]:
        """Rank input columns against the target and keep the best ``n_features``."""
        from mlcore.models import detect_task, validate_target
        from mlcore.prep import select_features

        ctx = ctx or JobContext()
        info = self.datasets.get_dataset(dataset_id)
        target = require_column(info, target_column or info.target_column)
        frame = self.datasets.labelled_frame(info.id, target)
        y = frame[target]
        task = task_type or detect_task(y)
        validate_target(y, task, target)
        ctx.progress(0.2, f"scoring features ({method})")
        selected, importance = select_features(frame.drop(columns=[target]), y, method=method,
                                               n_features=int(n_features), task=task, seed=seed)
        ctx.progress(1.0, "done")
        return {"status": "success", "task_type": task, "method": method,
                "selected_features": list(selected), "feature_importance": list(importance)}

    # -- split --------------------------------------------------------------------
    def split(self, dataset_id: str, target_column: str | None = None, test_size: float = 0.2,
              validation_size: float = 0.1, stratify: bool = True, time_column: str | None = None,
              seed: int = 42) -> dict[str, Any]:
        """Compute the train/validation/test split counts (seed: /data/split)."""
        from mlcore.models import detect_task
        from mlcore.prep import split_frame

        info = self.datasets.get_dataset(dataset_id)
        target = require_column(info, target_column or info.target_column)
        frame = self.datasets.labelled_frame(info.id, target)
        if time_column:
            require_column(info, time_column, "time column")
        task = detect_task(frame[target])
        stratified = bool(stratify and task == "classification" and not time_column)
        result = split_frame(frame, target, test_size=test_size, validation_size=validation_size,
                             stratify=stratified, seed=seed, time_column=time_column)
        return {"status": "success", "train_samples": int(len(result.train_index)),
                "validation_samples": int(len(result.validation_index)),
                "test_samples": int(len(result.test_index)), "stratified": stratified, "time_column": time_column}

    # -- recipes (MLFeatureStore) -------------------------------------------------
    def save_recipe(self, name: str, recipe: dict[str, Any], description: str | None = None) -> RecipeInfo:
        """Save (or replace) a named preparation recipe for reuse by training jobs."""
        from mlcore.prep import PrepRecipe

        name = (name or "").strip()
        if not name:
            raise ConfigError("A recipe needs a name.")
        if not isinstance(recipe, dict):
            raise ConfigError(f"A recipe is a mapping of preparation options, not {recipe!r}.")
        parsed = PrepRecipe.from_dict(dict(recipe))
        parsed.validate()
        return self.recipes.save(name, parsed.to_dict(), description)

    def get_recipe(self, name: str) -> RecipeInfo:
        return self.recipes.get(name)

    def list_recipes(self) -> list[RecipeInfo]:
        return self.recipes.list()

    def delete_recipe(self, name: str) -> None:
        self.recipes.delete(name)

    def resolve_recipe(self, name: str | None):
        """The validated PrepRecipe saved as ``name`` (None: the defaults)."""
        from mlcore.prep import PrepRecipe

        prep = PrepRecipe.from_dict(dict(self.get_recipe(name).recipe)) if name else PrepRecipe()
        prep.validate()
        return prep
