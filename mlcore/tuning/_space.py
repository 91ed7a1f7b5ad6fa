"""Catalog search spaces and grids as Optuna suggestions; the defaults as a first (baseline) trial."""

from __future__ import annotations

from typing import Any

from mlcore.models import AlgorithmSpec, ParamSpec

NONE_SUFFIX = "__is_none"  # helper parameter of a nullable number: True means "None" (e.g. unlimited depth)


def _distinct(values: list) -> list:
    out: list = []
    for v in values:
        if not any(v is w or (type(v) is type(w) and v == w) for w in out):
            out.append(v)
    return out


def suggest(trial: Any, space: dict[str, ParamSpec]) -> dict[str, Any]:
    """One value per ``model__...`` key of ``space`` from an Optuna trial."""
    out: dict[str, Any] = {}
    for key, p in space.items():
        if p.nullable and p.kind in ("int", "float"):
            if trial.suggest_categorical(key + NONE_SUFFIX, [False, True]):
                out[key] = None
                continue
        if p.kind == "int":
            log = bool(p.log and p.low is not None and p.low >= 1)
            out[key] = trial.suggest_int(key, int(p.low), int(p.high), log=log)
        elif p.kind == "float":
            log = bool(p.log and p.low is not None and p.low > 0)
            out[key] = trial.suggest_float(key, float(p.low), float(p.high), log=log)
        elif p.kind == "bool":
            out[key] = trial.suggest_categorical(key, [False, True])
        elif p.kind == "choice":
            out[key] = trial.suggest_categorical(key, list(p.choices or ()))
        # multichoice (ensemble members) is not searched: members are chosen by the user
    return out


def searchable(space: dict[str, ParamSpec]) -> dict[str, ParamSpec]:
    return {k: p for k, p in space.items() if p.kind in ("int", "float", "bool", "choice")}


def default_values(spec: AlgorithmSpec, keys: list[str]) -> dict[str, Any]:
    """The catalog default of every ``model__...`` key."""
    return {key: spec.param(spec.strip_key(key)).default for key in keys}


def default_trial(spec: AlgorithmSpec, space: dict[str, ParamSpec]) -> dict[str, Any]:
    """Optuna parameters that reproduce the catalog defaults (clipped into the search range)."""
    fixed: dict[str, Any] = {}
    for key, default in default_values(spec, list(space)).items():
        p = space[key]
        if p.nullable and p.kind in ("int", "float"):
            fixed[key + NONE_SUFFIX] = default is None
            if default is None:
                continue
        if default is None:
            continue
        if p.kind in ("int", "float"):
            value = min(max(default, p.low), p.high)
            fixed[key] = int(value) if p.kind == "int" else float(value)
        elif p.kind == "choice" and default in (p.choices or ()):
            fixed[key] = default
        elif p.kind == "bool":
            fixed[key] = bool(default)
    return fixed


def grid_space(spec: AlgorithmSpec, grid: dict[str, list] | None = None) -> tuple[dict[str, ParamSpec], list[dict]]:
    """(categorical space, combinations) of a grid; the defaults come first when not already in it."""
    from sklearn.model_selection import ParameterGrid

    grid = {k: list(v) for k, v in (grid if grid is not None else spec.grid).items()}
    if not grid:
        return {}, [{}]
    defaults = default_values(spec, list(grid))
    space = {k: ParamSpec(k, "choice", defaults[k], choices=tuple(_distinct([*v, defaults[k]])))
             for k, v in grid.items()}
    combos = [dict(c) for c in ParameterGrid(grid)]
    if not any(all(c[k] is defaults[k] or c[k] == defaults[k] for k in grid) for c in combos):
        combos.insert(0, defaults)
    return space, combos
