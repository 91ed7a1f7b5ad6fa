"""Which column to predict when a dataset has no saved target: a well-named candidate, or none.

The window never falls back to the first or last column silently: a dataset's saved target
wins; otherwise a column named like a target (``target``, ``label``, ``class``, ``y`` ...) or a
two-valued column named like an outcome (``churn``, ``attrition``, ``default`` ...) is offered
as a *suggestion*; otherwise nothing, and the user is asked to choose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

# A column with exactly one of these names (case, spaces and underscores aside) is a target.
TARGET_NAMES = ("target", "label", "labels", "class", "y", "outcome", "response", "churn", "churned",
                "attrition", "survived", "default", "is_fraud", "fraud", "diagnosis", "species")
# A two-valued column whose name contains one of these words reads as an outcome.
OUTCOME_WORDS = ("target", "label", "class", "outcome", "churn", "attrition", "survive", "default",
                 "fraud", "converted", "conversion", "purchased", "clicked", "cancel", "left", "result")


def _normal(name: str) -> str:
    return re.sub(r"[\s\-.]+", "_", name.strip().lower())


def _is_binary(name: str, dtypes: Mapping[str, str], profile: Mapping[str, Any]) -> bool:
    if str(dtypes.get(name, "")).startswith("bool"):
        return True
    categorical = (profile.get("categorical_stats") or {}).get(name)
    if categorical is not None:
        return categorical.get("cardinality") == 2
    numeric = (profile.get("numeric_stats") or {}).get(name)
    integer = str(dtypes.get(name, "")).lower().lstrip("u").startswith("int")
    return bool(integer and numeric and numeric.get("min") == 0 and numeric.get("max") == 1)


def suggest_target(column_names: Sequence[str], dtypes: Mapping[str, str] | None = None,
                   profile: Mapping[str, Any] | None = None) -> str | None:
    """A column to propose as the target, or ``None`` when no column is named like one."""
    dtypes = dtypes or {}
    profile = profile or {}
    by_normal = {_normal(c): c for c in reversed(list(column_names))}  # first spelling wins
    for name in TARGET_NAMES:
        if name in by_normal:
            return by_normal[name]
    for column in column_names:
        words = _normal(column)
        if any(word in words for word in OUTCOME_WORDS) and _is_binary(column, dtypes, profile):
            return column
    return None


def suggest_target_for(info: Any) -> str | None:
    """``suggest_target`` for a ``DatasetInfo`` (its column names, dtypes and profile)."""
    return suggest_target(list(info.column_names), dict(info.dtypes or {}), dict(info.profile or {}))
