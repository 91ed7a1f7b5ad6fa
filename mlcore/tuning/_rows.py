"""The recipe's row-level steps in model selection: outlier rows removed, balanced sample weights.

Workspace.train drops outlier training rows (``outlier_action="remove"``) and, for
``class_weight="balanced"``, weights the training rows of an estimator without a native
``class_weight``. Compare and tune do the same inside every fold: the outlier mask is computed
on the fold's training rows only (its scoring rows are never removed) and the weights on the
fold's kept training labels; the tune refit does both on all the rows it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from mlcore.models import AlgorithmSpec
    from mlcore.tuning._deadline import DeadlineFit
    from mlcore.prep import PrepRecipe

NATIVE = "estimator class_weight='balanced'"
WEIGHTS = "balanced sample weights"
IGNORED = "ignored (the estimator accepts no sample weights)"


@dataclass(frozen=True)
class RowPolicy:
    """Outlier removal (method/threshold, "none": keep every row) and whether class_weight='balanced' is asked."""

    outlier_method: str = "none"
    outlier_threshold: float = 3.0
    balanced: bool = False

    @classmethod
    def from_recipe(cls, recipe: "PrepRecipe | None", task: str) -> "RowPolicy":
        """The row steps ``recipe`` asks for (None: none)."""
        if recipe is None:
            return cls()
        remove = recipe.outlier_method != "none" and recipe.outlier_action == "remove"
        return cls(recipe.outlier_method if remove else "none", float(recipe.outlier_threshold),
                   recipe.class_weight == "balanced" and task == "classification")

    @property
    def removes_outliers(self) -> bool:
        return self.outlier_method != "none"

    def keep(self, X: Any) -> np.ndarray:
        """Mask of the rows of ``X`` to fit on (the same rule as Workspace.train's outlier removal)."""
        if not self.removes_outliers:
            return np.ones(len(X), dtype=bool)
        import pandas as pd

        from mlcore.prep import outlier_row_mask

        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(
            np.asarray(X), columns=[f"x{i}" for i in range(np.asarray(X).shape[1])])
        return np.asarray(outlier_row_mask(frame, self.outlier_method, self.outlier_threshold), dtype=bool)

    def trim_folds(self, X: Any, folds: list[tuple[np.ndarray, np.ndarray]]
                   ) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[int]]:
        """(folds whose training rows lost their outliers, rows removed per fold); scoring rows untouched."""
        if not self.removes_outliers:
            return folds, [0] * len(folds)
        from mlcore.tuning._cv import take

        out, removed = [], []
        for train, test in folds:
            keep = self.keep(take(X, train))
            out.append((train[keep], test))
            removed.append(int((~keep).sum()))
        return out, removed

    def class_weight_how(self, spec: "AlgorithmSpec") -> str | None:
        """How class_weight='balanced' reaches ``spec`` (None: not asked), as Workspace.train does it."""
        if not self.balanced:
            return None
        if spec.abilities.class_weight:
            return NATIVE
        return WEIGHTS if spec.abilities.sample_weight else IGNORED

    def weighted(self, spec: "AlgorithmSpec") -> bool:
        """True when ``spec``'s fits take balanced sample weights."""
        return self.class_weight_how(spec) == WEIGHTS

    def describe(self, removed: list[int] | None = None) -> dict[str, Any]:
        """The outlier step as recorded in results (rows removed per fold when given)."""
        if not self.removes_outliers:
            return {"outlier_method": "none"}
        out: dict[str, Any] = {"outlier_method": self.outlier_method, "outlier_threshold": self.outlier_threshold}
        if removed is not None:
            out["removed_outlier_rows_per_fold"] = list(removed)
        return out


def class_weight_note(name: str, how: str | None) -> str | None:
    """One line for the results' notes (None when class_weight='balanced' was not asked)."""
    if how is None:
        return None
    if how == IGNORED:
        return f"{name}: class_weight='balanced' ignored: it accepts no sample weights"
    return f"{name}: class_weight='balanced' applied as {how}"


def outlier_note(policy: RowPolicy, removed: list[int]) -> str | None:
    """One line for the results' notes on the outlier rows removed from each fold's training rows."""
    if not policy.removes_outliers:
        return None
    return (f"outlier rows ({policy.outlier_method}, threshold {policy.outlier_threshold:g}) removed from each "
            f"fold's training rows: {', '.join(str(n) for n in removed)}; scoring rows keep them")


def fit_model(model: Any, X: Any, y: np.ndarray, weighted: bool, deadline: "DeadlineFit | None" = None) -> Any:
    """``model.fit(X, y)``, with balanced sample weights of ``y`` when ``weighted`` (Pipeline: ``model__``).

    ``deadline``: the model stops growing (trees, rounds) when it passes (``deadline.hit`` tells).
    """
    extra: dict[str, Any] = {}
    if weighted:
        from mlcore.prep import balanced_sample_weight

        key = f"{model.steps[-1][0]}__sample_weight" if hasattr(model, "steps") else "sample_weight"
        extra[key] = balanced_sample_weight(y)
    if deadline is not None:
        return deadline.fit(model, X, y, **extra)
    return model.fit(X, y, **extra)
