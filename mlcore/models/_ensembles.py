"""Ensembles of catalog models: voting, stacking and bagging, as catalog entries and as functions."""

from __future__ import annotations

from typing import Any, Sequence

from mlcore.errors import ConfigError
from mlcore.models._spec import Abilities, AlgorithmSpec, ParamSpec, make_spec
from mlcore.vocab import DEFAULT_MODELS

CLS, REG = "classification", "regression"
ENSEMBLE_NAMES = ("voting", "stacking", "bagging")


def _members(models: Sequence[Any], task: str, seed: int, n_jobs: int) -> list[tuple[str, Any]]:
    """``[(name, estimator)]`` from catalog names, estimators or ``(name, estimator)`` pairs."""
    from mlcore.models._catalog import get_algorithm

    out: list[tuple[str, Any]] = []
    seen: dict[str, int] = {}
    for item in models:
        if isinstance(item, str):
            if item in ENSEMBLE_NAMES:
                raise ConfigError(f"ensemble member '{item}' must be a single model, not another ensemble")
            name, est = item, get_algorithm(item, task).build(seed=seed, n_jobs=n_jobs)
        elif isinstance(item, tuple) and len(item) == 2:
            name, est = item
        else:
            name, est = type(item).__name__.lower(), item
        seen[name] = seen.get(name, 0) + 1
        out.append((name if seen[name] == 1 else f"{name}_{seen[name]}", est))
    if len(out) < 2:
        raise ConfigError(f"an ensemble needs at least 2 models, got {len(out)}")
    return out


def create_voting_ensemble(
    models: Sequence[Any], voting: str = "soft", task: str = CLS, seed: int = 0, n_jobs: int = 1
) -> Any:
    """A VotingClassifier (soft/hard) or an averaging VotingRegressor over catalog models."""
    from sklearn.ensemble import VotingClassifier, VotingRegressor

    members = _members(models, task, seed, n_jobs)
    if task == REG:
        return VotingRegressor(members)
    if voting not in ("soft", "hard"):
        raise ConfigError(f"voting must be 'soft' or 'hard', got {voting!r}")
    return VotingClassifier(members, voting=voting)


def create_stacking_ensemble(
    base_models: Sequence[Any], meta_model: Any = None, cv: int = 5, task: str = CLS, seed: int = 0,
    n_jobs: int = 1, passthrough: bool = False,
) -> Any:
    """A Stacking model: base models' out-of-fold predictions feed ``meta_model`` (logistic / ridge)."""
    from sklearn.ensemble import StackingClassifier, StackingRegressor
    from sklearn.model_selection import KFold, StratifiedKFold

    from mlcore.models._catalog import get_algorithm

    members = _members(base_models, task, seed, n_jobs)
    if meta_model is None:
        meta_model = "logistic" if task == CLS else "ridge"
    meta = get_algorithm(meta_model, task).build(seed=seed, n_jobs=n_jobs) if isinstance(meta_model, str) else meta_model
    if int(cv) < 2:
        raise ConfigError(f"stacking cv must be at least 2, got {cv}")
    if task == CLS:
        folds = StratifiedKFold(int(cv), shuffle=True, random_state=seed)
        return StackingClassifier(members, final_estimator=meta, cv=folds, passthrough=passthrough)
    folds = KFold(int(cv), shuffle=True, random_state=seed)
    return StackingRegressor(members, final_estimator=meta, cv=folds, passthrough=passthrough)


def create_bagging_ensemble(
    base: Any = "decision_tree", n_estimators: int = 10, max_samples: float = 1.0, max_features: float = 1.0,
    bootstrap: bool = True, task: str = CLS, seed: int = 0, n_jobs: int = 1,
) -> Any:
    """Bagging of any catalog model (name) or estimator."""
    from sklearn.ensemble import BaggingClassifier, BaggingRegressor

    from mlcore.models._catalog import get_algorithm

    if isinstance(base, str):
        if base in ENSEMBLE_NAMES:
            raise ConfigError(f"bagging base '{base}' must be a single model, not an ensemble")
        base = get_algorithm(base, task).build(seed=seed, n_jobs=1)
    cls = BaggingClassifier if task == CLS else BaggingRegressor
    return cls(base, n_estimators=n_estimators, max_samples=max_samples, max_features=max_features,
               bootstrap=bootstrap, random_state=seed, n_jobs=n_jobs)


def _voting(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    return create_voting_ensemble(v["estimators"], v.get("voting", "soft"), task, seed, n_jobs)


def _stacking(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    return create_stacking_ensemble(v["estimators"], v["final_estimator"], v["cv"], task, seed, n_jobs,
                                    v["passthrough"])


def _bagging(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    return create_bagging_ensemble(v["base"], v["n_estimators"], v["max_samples"], v["max_features"],
                                   v["bootstrap"], task, seed, n_jobs)


def ensemble_specs(member_names: dict[str, list[str]]) -> list[AlgorithmSpec]:
    """Voting, stacking and bagging entries for both tasks; ``member_names[task]`` are the choices."""
    out = []
    for task in (CLS, REG):
        names = tuple(member_names[task])
        linear = "logistic" if task == CLS else "ridge"
        members = ParamSpec("estimators", "multichoice", DEFAULT_MODELS[task], low=2, choices=names,
                            help="Catalog models to combine (two or more).")
        voting_params = [members]
        if task == CLS:
            voting_params.append(ParamSpec("voting", "choice", "soft", choices=("soft", "hard"),
                                           help="Average probabilities (soft) or count votes (hard)."))
        out.append(make_spec(
            "voting", task, "Voting Ensemble" if task == CLS else "Averaging Ensemble", voting_params, _voting,
            Abilities(probabilities=task == CLS, sample_weight=False),
            search=["voting"] if task == CLS else [], grid={"voting": ["soft", "hard"]} if task == CLS else {},
        ))
        stack_members = ParamSpec("estimators", "multichoice", DEFAULT_MODELS[task][:2], low=2, choices=names,
                                  help="Base models whose out-of-fold predictions feed the meta model.")
        out.append(make_spec(
            "stacking", task, "Stacking Ensemble",
            [stack_members,
             ParamSpec("final_estimator", "choice", linear, choices=names, help="Meta model trained on base predictions."),
             ParamSpec("cv", "int", 5, 2, 10, help="Folds used to produce out-of-fold predictions."),
             ParamSpec("passthrough", "bool", False, help="Also give the original features to the meta model.")],
            _stacking,
            Abilities(probabilities=task == CLS, sample_weight=False),
            search=["passthrough"], grid={"passthrough": [False, True]},
        ))
        n_est = ParamSpec("n_estimators", "int", 10, 2, 500, log=True, help="Number of bagged copies.")
        max_samples = ParamSpec("max_samples", "float", 1.0, 0.1, 1.0, help="Fraction of rows drawn for each copy.")
        max_features = ParamSpec("max_features", "float", 1.0, 0.1, 1.0, help="Fraction of features for each copy.")
        out.append(make_spec(
            "bagging", task, "Bagging Ensemble",
            [ParamSpec("base", "choice", "decision_tree", choices=names, help="Catalog model that is bagged."),
             n_est, max_samples, max_features,
             ParamSpec("bootstrap", "bool", True, help="Draw rows with replacement.")],
            _bagging,
            Abilities(probabilities=task == CLS, sample_weight=False),
            search={"n_estimators": ParamSpec("n_estimators", "int", 10, 5, 100, log=True),
                    "max_samples": ParamSpec("max_samples", "float", 1.0, 0.3, 1.0),
                    "max_features": ParamSpec("max_features", "float", 1.0, 0.3, 1.0)},
            grid={"n_estimators": [10, 30], "max_samples": [0.5, 1.0]},
        ))
    return out
