"""The registry's stores hand out entities (plain dataclasses), never ORM rows or sessions."""

from __future__ import annotations

import dataclasses

import pytest

from mlcore.errors import ConflictError, NotFoundError
from mlcore.registry import Registry


@pytest.fixture
def registry(tmp_path, db_url):
    reg = Registry(db_url or f"sqlite:///{tmp_path / 'r.db'}", None if db_url else tmp_path / "r.db")
    yield reg
    reg.close()


def _dataset(reg, name="d", digest="h1"):
    return reg.datasets.add(id=f"id-{name}", name=name, source_path=None, file_path=f"datasets/{name}.parquet",
                            content_hash=digest, rows=3, columns=2, column_names=["a", "y"], dtypes={}, missing_values={},
                            profile={}, import_info={}, target_column="y", parent_id=None, lineage=None)


def test_stores_return_entities(registry):
    info = _dataset(registry)
    assert dataclasses.is_dataclass(info) and type(info).__module__ == "mlcore.registry.entities"
    assert registry.datasets.by_hash("h1") == info and registry.datasets.find("d").id == info.id
    assert registry.datasets.update(info.id, target_column="a").target_column == "a"
    assert registry.datasets.usage(info.id) == (0, 0)
    registry.jobs.create(id="j1", kind="train", dataset_id=info.id, dataset_hash="h1", config={}, pid=None,
                         library_versions={})
    job = registry.jobs.get("j1")
    assert job.status == "pending" and dataclasses.is_dataclass(job)
    assert [j.id for j in registry.jobs.list(kind="train")] == ["j1"]
    recipe = registry.recipes.save("r", {"scaling": "none"}, None)
    assert recipe.recipe == {"scaling": "none"} and registry.recipes.list() == [recipe]
    with pytest.raises(NotFoundError, match="saved recipes: \\['r'\\]"):
        registry.recipes.get("other")


def test_model_store_keeps_one_production_version_per_name(registry):
    def add(version):
        return registry.models.add(dict(id=f"m-{version}", name="m", version=version, status="staged",
                                        task_type="classification", algorithm="x", tags=[], metrics={},
                                        hyperparameters={}, feature_names=[], artifact_path=f"models/m/{version}/a",
                                        artifact_sha256="0"), "registered")

    add("v1"), add("v2")
    registry.models.transition("m:v1", "production", "first")
    registry.models.transition("m:v2", "production", "second")
    assert {m.version: m.status for m in registry.models.list("m")} == {"v1": "archived", "v2": "production"}
    assert registry.models.previous_production("m") == ["v1"]
    assert [t.to_status for t in registry.models.history("m")] == ["staged", "staged", "production", "archived",
                                                                  "production"]
    with pytest.raises(ConflictError, match="in production"):
        registry.models.delete("m@production")
