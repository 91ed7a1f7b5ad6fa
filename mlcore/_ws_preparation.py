"""Workspace operations of the seed's /data endpoints: clean, select features, split, recipes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from mlcore.errors import ConfigError, DataValidationError, NotFoundError
from mlcore.jobs import JobContext
from mlcore.registry import orm, store
from mlcore.registry.entities import DatasetInfo, RecipeInfo


def require_column(info: DatasetInfo, column: str | None, what: str = "target column") -> str:
    if not column:
        raise ConfigError(f"Dataset {info.name!r}: no {what} given and none is set on the dataset.")
    if column not in info.column_names:
        raise DataValidationError(
            f"Dataset {info.name!r} has no column {column!r}; columns are {info.column_names}."
        )
    return column


class PreparationOps:
    # -- clean --------------------------------------------------------------------
    def clean(self, dataset_id: str, missing_strategy: str = "mean", outlier_method: str = "none",
              outlier_threshold: float = 3.0, *, save: bool = True, name: str | None = None,
              ctx: JobContext | None = None) -> dict[str, Any]:
        """Clean a dataset; with ``save`` the result becomes a new dataset with recorded lineage."""
        from mlcore.prep import clean_frame

        ctx = ctx or JobContext()
        info = self.get_dataset(dataset_id)
        ctx.progress(0.05, "loading")
        frame = self.load_frame(dataset_id)
        ctx.progress(0.3, "cleaning")
        cleaned, report = clean_frame(frame, missing_strategy=missing_strategy, outlier_method=outlier_method,
                                      outlier_threshold=outlier_threshold, target=info.target_column)
        ctx.check_cancelled()
        params = {"missing_strategy": missing_strategy, "outlier_method": outlier_method,
                  "outlier_threshold": outlier_threshold}
        result: dict[str, Any] = {
            "status": "success",
            "cleaned_dataset_id": None,
            "original_rows": int(report.get("original_rows", len(frame))),
            "cleaned_rows": int(report.get("cleaned_rows", len(cleaned))),
            "report": report,
        }
        if save:
            new = self._store_frame(
                cleaned.reset_index(drop=True), name or f"{info.name} (cleaned)", info.target_column,
                source_path=info.source_path, import_info={"format": "derived", "warnings": []},
                parent_id=info.id, lineage={"operation": "clean", "parent_id": info.id,
                                            "parent_hash": info.content_hash, "parameters": params},
                ctx=ctx.sub(0.6, 1.0),
            )
            result["cleaned_dataset_id"] = new.id
        ctx.progress(1.0, "cleaned")
        return result

    # -- select features ----------------------------------------------------------
    def select_features(self, dataset_id: str, target_column: str | None = None, method: str = "tree_importance",
                        n_features: int = 10, task_type: str | None = None, seed: int = 42,
                        ctx: JobContext | None = None) -> dict[str, Any]:
        """Rank input columns against the target and keep the best ``n_features``."""
        from mlcore.models import detect_task, validate_target
        from mlcore.prep import select_features

        ctx = ctx or JobContext()
        info = self.get_dataset(dataset_id)
        target = require_column(info, target_column or info.target_column)
        frame = self.load_frame(dataset_id)
        frame = frame[frame[target].notna()]
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

        info = self.get_dataset(dataset_id)
        target = require_column(info, target_column or info.target_column)
        frame = self.load_frame(dataset_id)
        frame = frame[frame[target].notna()].reset_index(drop=True)
        if time_column:
            require_column(info, time_column, "time column")
        task = detect_task(frame[target])
        result = split_frame(frame, target, test_size=test_size, validation_size=validation_size,
                             stratify=stratify and task == "classification" and not time_column,
                             seed=seed, time_column=time_column)
        return {"status": "success", "train_samples": int(len(result.train_index)),
                "validation_samples": int(len(result.validation_index)),
                "test_samples": int(len(result.test_index)), "stratified": bool(stratify and task == "classification"
                                                                                and not time_column),
                "time_column": time_column}

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
        definition = parsed.to_dict()
        with self.db.session() as s:
            row = s.scalars(select(orm.MLFeatureStore).where(orm.MLFeatureStore.name == name)).first()
            if row is None:
                row = orm.MLFeatureStore(id=str(uuid.uuid4()), name=name, kind="recipe", definition=definition,
                                         description=description)
                s.add(row)
            else:
                row.definition = definition
                row.description = description
            s.flush()
            return store.recipe(row)

    def get_recipe(self, name: str) -> RecipeInfo:
        with self.db.session() as s:
            row = s.scalars(select(orm.MLFeatureStore).where(orm.MLFeatureStore.name == name)).first()
            if row is None:
                names = s.scalars(select(orm.MLFeatureStore.name)).all()
                raise NotFoundError(f"No recipe named {name!r}; saved recipes: {sorted(names) or 'none'}.")
            return store.recipe(row)

    def list_recipes(self) -> list[RecipeInfo]:
        with self.db.session() as s:
            return [store.recipe(r) for r in s.scalars(select(orm.MLFeatureStore).order_by(orm.MLFeatureStore.name))]

    def delete_recipe(self, name: str) -> None:
        with self.db.session() as s:
            row = s.scalars(select(orm.MLFeatureStore).where(orm.MLFeatureStore.name == name)).first()
            if row is None:
                raise NotFoundError(f"No recipe named {name!r}.")
            s.delete(row)
