"""Typed descriptions of algorithms: hyperparameter specs, abilities, and the estimator factory."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from mlcore.errors import ConfigError

PARAM_KINDS = ("int", "float", "choice", "bool", "multichoice")


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def resolve_n_jobs(n_jobs: int | None = None) -> int:
    """Threads for one fit: None (the default) or -1 = every usable core; -2 = all but one; k > 0 = k.

    A fit used to get ``n_jobs=1`` unless a caller passed more, so the app trained on one core
    where a script (lightgbm/xgboost default to all cores) used every one.
    """
    cores = usable_cores()
    if n_jobs is None:
        return cores
    n = int(n_jobs)
    if n == 0:
        raise ConfigError("n_jobs must not be 0: use None or -1 for every core, or a positive count")
    if n < 0:
        return max(1, cores + 1 + n)
    return n


@dataclass(frozen=True)
class ParamSpec:
    """One hyperparameter: type, default, range or choices, and a one-line help for the GUI form.

    ``kind`` is "int", "float", "choice", "bool" or "multichoice" (a list of values taken from
    ``choices``; used by ensembles to name their member algorithms). ``nullable`` allows ``None``
    (e.g. ``max_depth=None`` means unlimited).
    """

    name: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple | None = None
    help: str = ""
    nullable: bool = False
    path: str = ""  # set_params name relative to the built estimator when it differs from ``name``

    def validate(self, value: Any, algorithm: str = "") -> Any:
        """Return ``value`` coerced to this parameter's type, or raise ConfigError naming it."""
        where = f"{algorithm} parameter '{self.name}'" if algorithm else f"parameter '{self.name}'"
        if value is None:
            if self.nullable or (self.kind == "choice" and None in (self.choices or ())):
                return None
            raise ConfigError(f"{where} must not be empty (allowed: {self.allowed()})")
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        if self.kind in ("int", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{where} must be a number ({self.allowed()}), got {value!r}")
            if self.kind == "int":
                if isinstance(value, float) and not value.is_integer():
                    raise ConfigError(f"{where} must be a whole number ({self.allowed()}), got {value!r}")
                value = int(value)
            else:
                value = float(value)
                if not math.isfinite(value):
                    raise ConfigError(f"{where} must be finite ({self.allowed()}), got {value!r}")
            if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
                raise ConfigError(f"{where} = {value!r} is out of range; allowed: {self.allowed()}")
            return value
        if self.kind == "choice":
            if value not in (self.choices or ()):
                raise ConfigError(f"{where} = {value!r} is not allowed; allowed: {self.allowed()}")
            return value
        if self.kind == "multichoice":
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            values = list(value)
            bad = [v for v in values if v not in (self.choices or ())]
            if bad or not values:
                raise ConfigError(
                    f"{where} = {value!r} is not allowed; pick one or more of: {self.allowed()}"
                )
            lo = int(self.low) if self.low is not None else 1
            if len(values) < lo:
                raise ConfigError(f"{where} needs at least {lo} entries, got {len(values)}")
            return values
        raise ConfigError(f"{where} has unknown kind {self.kind!r}")

    def allowed(self) -> str:
        """A short human description of the accepted values."""
        if self.kind in ("int", "float"):
            lo = "-inf" if self.low is None else f"{self.low:g}"
            hi = "inf" if self.high is None else f"{self.high:g}"
            text = f"{self.kind} in [{lo}, {hi}]"
            return text + (" or empty" if self.nullable else "")
        if self.kind == "bool":
            return "true or false"
        return ", ".join(repr(c) for c in (self.choices or ()))


@dataclass(frozen=True)
class Abilities:
    """What an algorithm can do; the GUI and the training job read these."""

    probabilities: bool = False
    iterative: bool = False
    needs_scaling: bool = False
    handles_missing: bool = False
    class_weight: bool = False  # a native ``class_weight`` parameter exists in ``params``
    sample_weight: bool = True  # ``fit`` accepts ``sample_weight``
    native_categorical: bool = False  # splits on category codes itself (many-level text keeps its levels)


@dataclass(frozen=True)
class AlgorithmSpec:
    """A catalog entry: names, typed parameters, search spaces, abilities and a factory.

    ``param_prefix`` is the path from the estimator that ``build`` returns to the object that
    owns the parameters (e.g. ``"estimator__"`` when a wrapper holds the real model); the
    search space and grid keys already include it, after ``model__``.
    """

    name: str
    task: str
    label: str
    params: tuple[ParamSpec, ...]
    search_space: dict
    grid: dict[str, list]
    abilities: Abilities
    factory: Callable[..., Any] = field(repr=False, compare=False, default=None)  # type: ignore[assignment]
    param_prefix: str = ""
    description: str = ""

    def param(self, name: str) -> ParamSpec:
        """The spec of one parameter; ConfigError listing valid names if unknown."""
        for p in self.params:
            if p.name == name:
                return p
        raise ConfigError(
            f"unknown parameter '{name}' for {self.task} algorithm '{self.name}'; "
            f"valid: {', '.join(p.name for p in self.params)}"
        )

    @property
    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def validate_params(self, params: dict | None) -> dict[str, Any]:
        """Defaults overlaid with ``params``, each checked against its spec."""
        merged = self.defaults
        for key, value in (params or {}).items():
            key = self.strip_key(key)
            merged[key] = self.param(key).validate(value, self.name)
        return merged

    def strip_key(self, key: str) -> str:
        """Accept ``n_estimators``, ``model__n_estimators`` or ``model__<path>`` and return the name."""
        if key.startswith("model__"):
            key = key[len("model__"):]
        for p in self.params:
            if p.path and key == p.path:
                return p.name
        return key

    def model_key(self, name: str) -> str:
        """The Pipeline ``set_params`` name of one parameter (``model__...``)."""
        p = self.param(name)
        return f"model__{p.path or p.name}"

    def params_from_search(self, values: dict[str, Any]) -> dict[str, Any]:
        """Turn ``{"model__...": v}`` (a search result) back into ``build`` parameter names."""
        return {self.strip_key(k): v for k, v in values.items()}

    def build(self, params: dict | None = None, seed: int = 0, n_jobs: int | None = None) -> Any:
        """A fresh, unfitted estimator with validated ``params``; ``seed`` drives every random_state.

        ``n_jobs`` None (default) uses every usable core; see ``resolve_n_jobs``.
        """
        values = self.validate_params(params)
        return self.factory(values, seed=int(seed), n_jobs=resolve_n_jobs(n_jobs), task=self.task)


def make_spec(
    name: str,
    task: str,
    label: str,
    params: list[ParamSpec],
    factory: Callable[..., Any],
    abilities: Abilities,
    search: list[str] | dict[str, ParamSpec] | None = None,
    grid: dict[str, list] | None = None,
    param_prefix: str = "",
    description: str = "",
) -> AlgorithmSpec:
    """Build a spec whose search space and grid use ``model__<prefix><param>`` keys.

    ``search`` names the tunable parameters (their ParamSpec ranges are used) or maps a name to
    a narrower ParamSpec.
    """
    if param_prefix:
        params = [p if p.path else replace(p, path=param_prefix + p.name) for p in params]
    by_name = {p.name: p for p in params}
    space: dict[str, ParamSpec] = {}
    if isinstance(search, dict):
        items = list(search.items())
    else:
        items = [(n, by_name[n]) for n in (search or [])]
    for pname in [n for n, _ in items] + list(grid or {}):
        if pname not in by_name:
            raise ValueError(f"search/grid parameter {pname} of {name} is not a declared parameter")
    for pname, pspec in items:
        space[f"model__{by_name[pname].path or pname}"] = pspec
    grid_keys = {f"model__{by_name[k].path or k}": list(v) for k, v in (grid or {}).items()}
    return AlgorithmSpec(
        name=name,
        task=task,
        label=label,
        params=tuple(params),
        search_space=space,
        grid=grid_keys,
        abilities=abilities,
        factory=factory,
        param_prefix=param_prefix,
        description=description,
    )
