"""PrepRecipe: every option of the data preparation, validated and JSON round-trippable."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from mlcore.errors import ConfigError

from mlcore.vocab import (  # noqa: F401 - re-exported: the preparation options
    CATEGORICAL_IMPUTATIONS,
    CLASS_WEIGHTS,
    DATETIME_PARTS,
    ENCODINGS,
    HIGH_CARDINALITY_ENCODINGS,
    NUMERIC_IMPUTATIONS,
    OUTLIER_ACTIONS,
    OUTLIER_METHODS,
    SCALINGS,
    SELECTION_METHODS,
)


def _choice(name: str, value: Any, allowed: tuple) -> None:
    if value not in allowed:
        shown = ", ".join("None" if a is None else str(a) for a in allowed)
        raise ConfigError(f"preparation option {name}={value!r} is not valid; allowed: {shown}")


@dataclass
class PrepRecipe:
    """Every option of the preparation a training job applies (fitted on training rows only).

    ``outlier_threshold`` is used as given: the z limit for ``zscore``, the IQR multiplier for
    ``iqr`` (3.0 = Tukey's "far out" fences, 1.5 = the classic fences). ``outlier_action``
    ``remove`` drops training rows (see :func:`outlier_row_mask`); ``clip`` adds a clipping
    step that also applies at prediction time.
    """

    numeric_imputation: str = "median"
    categorical_imputation: str = "constant"  # a missing value is a level of its own ("missing")
    fill_value_numeric: float = 0.0
    fill_value_categorical: str = "missing"
    encoding: str = "onehot"
    high_cardinality_encoding: str = "ordinal"  # keeps each level's identity (trees split on it)
    max_onehot_levels: int = 20
    datetime_parts: list[str] = field(default_factory=lambda: ["year", "month", "day", "weekday", "hour", "days"])
    scaling: str = "standard"
    feature_selection: str | None = None
    n_features: int | None = None
    outlier_method: str = "none"
    outlier_threshold: float = 3.0
    outlier_action: str = "remove"
    drop_id_columns: bool = True
    drop_columns: list[str] = field(default_factory=list)
    class_weight: str | None = None

    def validate(self) -> None:
        """Raise ConfigError naming the first invalid option and its allowed values."""
        _choice("numeric_imputation", self.numeric_imputation, NUMERIC_IMPUTATIONS)
        _choice("categorical_imputation", self.categorical_imputation, CATEGORICAL_IMPUTATIONS)
        _choice("encoding", self.encoding, ENCODINGS)
        _choice("high_cardinality_encoding", self.high_cardinality_encoding, HIGH_CARDINALITY_ENCODINGS)
        _choice("scaling", self.scaling, SCALINGS)
        _choice("feature_selection", self.feature_selection, (None,) + SELECTION_METHODS)
        _choice("outlier_method", self.outlier_method, OUTLIER_METHODS)
        _choice("outlier_action", self.outlier_action, OUTLIER_ACTIONS)
        _choice("class_weight", self.class_weight, CLASS_WEIGHTS)
        try:
            float(self.fill_value_numeric)
        except (TypeError, ValueError):
            raise ConfigError(
                f"preparation option fill_value_numeric={self.fill_value_numeric!r} must be a number"
            ) from None
        if not isinstance(self.fill_value_categorical, str):
            raise ConfigError(
                f"preparation option fill_value_categorical={self.fill_value_categorical!r} must be text"
            )
        if isinstance(self.max_onehot_levels, bool) or not isinstance(self.max_onehot_levels, int) \
                or self.max_onehot_levels < 1:
            raise ConfigError(
                f"preparation option max_onehot_levels={self.max_onehot_levels!r} must be an integer >= 1"
            )
        if not isinstance(self.datetime_parts, (list, tuple)):
            raise ConfigError(f"preparation option datetime_parts={self.datetime_parts!r} must be a list")
        if not self.datetime_parts:
            raise ConfigError("preparation option datetime_parts is empty; pick at least one of "
                              + ", ".join(DATETIME_PARTS) + " (or list the date columns in drop_columns)")
        for part in self.datetime_parts:
            _choice("datetime_parts", part, DATETIME_PARTS)
        if self.n_features is not None and (
            isinstance(self.n_features, bool) or not isinstance(self.n_features, int) or self.n_features < 1
        ):
            raise ConfigError(f"preparation option n_features={self.n_features!r} must be an integer >= 1 or None")
        if self.n_features is not None and self.feature_selection is None:
            raise ConfigError(
                f"preparation option n_features={self.n_features} needs feature_selection; allowed: "
                + ", ".join(SELECTION_METHODS)
            )
        if self.feature_selection == "chi2" and self.scaling in ("standard", "robust"):
            raise ConfigError(
                f"feature_selection='chi2' needs non-negative features but scaling={self.scaling!r} makes "
                "negative values; use scaling 'minmax' or 'none', or feature_selection 'statistical'"
            )
        try:
            threshold = float(self.outlier_threshold)
        except (TypeError, ValueError):
            threshold = float("nan")
        if not threshold > 0:
            raise ConfigError(
                f"preparation option outlier_threshold={self.outlier_threshold!r} must be a number > 0"
            )
        if not isinstance(self.drop_columns, (list, tuple)) or not all(isinstance(c, str) for c in self.drop_columns):
            raise ConfigError(f"preparation option drop_columns={self.drop_columns!r} must be a list of column names")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict of every option."""
        d = dataclasses.asdict(self)
        d["datetime_parts"] = list(self.datetime_parts)
        d["drop_columns"] = list(self.drop_columns)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "PrepRecipe":
        """Build and validate a recipe from a dict; unknown keys raise ConfigError."""
        d = dict(d or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(
                f"unknown preparation option(s) {', '.join(unknown)}; known options: {', '.join(sorted(known))}"
            )
        for key in ("datetime_parts", "drop_columns"):
            if isinstance(d.get(key), tuple):
                d[key] = list(d[key])
        recipe = cls(**d)
        recipe.validate()
        return recipe
