"""RecipeStore: named preparation recipes (the seed's MLFeatureStore), as RecipeInfo entities."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from mlcore.errors import NotFoundError
from mlcore.registry import _convert as conv
from mlcore.registry import orm
from mlcore.registry.db import Database
from mlcore.registry.entities import RecipeInfo


class RecipeStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(self, name: str, definition: dict[str, Any], description: str | None) -> RecipeInfo:
        """Create or replace the recipe ``name``."""
        with self._db.session() as s:
            row = s.scalars(select(orm.MLFeatureStore).where(orm.MLFeatureStore.name == name)).first()
            if row is None:
                row = orm.MLFeatureStore(id=str(uuid.uuid4()), name=name, kind="recipe", definition=definition,
                                         description=description)
                s.add(row)
            else:
                row.definition = definition
                row.description = description
            s.flush()
            return conv.recipe(row)

    def get(self, name: str) -> RecipeInfo:
        with self._db.session() as s:
            row = s.scalars(select(orm.MLFeatureStore).where(orm.MLFeatureStore.name == name)).first()
            if row is None:
                names = s.scalars(select(orm.MLFeatureStore.name)).all()
                raise NotFoundError(f"No recipe named {name!r}; saved recipes: {sorted(names) or 'none'}.")
            return conv.recipe(row)

    def list(self) -> list[RecipeInfo]:
        with self._db.session() as s:
            return [conv.recipe(r) for r in s.scalars(select(orm.MLFeatureStore).order_by(orm.MLFeatureStore.name))]

    def delete(self, name: str) -> None:
        with self._db.session() as s:
            row = s.scalars(select(orm.MLFeatureStore).where(orm.MLFeatureStore.name == name)).first()
            if row is None:
                raise NotFoundError(f"No recipe named {name!r}.")
            s.delete(row)
