"""build_preprocessor: one unfitted sklearn Pipeline holding every preparation step of a recipe."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlcore.errors import ConfigError, DataValidationError
from mlcore.prep._recipe import PrepRecipe
from mlcore.prep._roles import ColumnRoles, detect_column_roles

TASKS = ("classification", "regression")


def column_plan(recipe: PrepRecipe, X_train: pd.DataFrame) -> dict[str, Any]:
    """Which input columns go to which branch, and which are excluded and why."""
    missing = [c for c in recipe.drop_columns if c not in X_train.columns]
    if missing:
        raise ConfigError(
            f"drop_columns names column(s) {missing} that are not in the data; columns: {list(X_train.columns)}"
        )
    roles: ColumnRoles = detect_column_roles(X_train, max_levels=recipe.max_onehot_levels)
    excluded: dict[str, str] = {}
    for c in recipe.drop_columns:
        excluded[c] = "dropped by the recipe"
    if recipe.drop_id_columns:
        for c in roles.id_like:
            excluded.setdefault(c, "ID-like (unique per row)")
    for c in roles.empty:
        excluded.setdefault(c, "all values missing in the training rows")

    def keep(cols: list[str]) -> list[str]:
        return [c for c in cols if c not in excluded]

    low = [c for c in roles.categorical if c not in roles.high_cardinality]
    return {
        "numeric": keep(roles.numeric),
        "categorical": keep(low),
        "high_cardinality": keep(roles.high_cardinality),
        "datetime": keep(roles.datetime),
        "boolean": keep(roles.boolean),
        "excluded": excluded,
        "roles": roles.to_dict(),
    }


def _scaler(name: str):
    from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

    return {"standard": StandardScaler, "minmax": MinMaxScaler, "robust": RobustScaler}[name]()


# a many-level text column's ordinal codes go to a native-categorical model (LightGBM,
# HistGradientBoosting) as categories when it has at most this many levels; above it (near-ID
# columns) categorical splits overfit and the codes stay plain numbers. HistGradientBoosting's
# own limit is 255 bins minus the missing one.
NATIVE_CATEGORICAL_MAX_LEVELS = 250


def _categorical_steps(recipe: PrepRecipe, encoding: str, native: bool = False) -> list[tuple[str, Any]]:
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

    from mlcore.prep._transformers import AsText, FrequencyEncoder, onehot_name

    if recipe.categorical_imputation == "constant":
        imputer = SimpleImputer(strategy="constant", fill_value=recipe.fill_value_categorical,
                                keep_empty_features=True)
    else:
        imputer = SimpleImputer(strategy="most_frequent", keep_empty_features=True)
    steps: list[tuple[str, Any]] = [("text", AsText()), ("impute", imputer)]
    if encoding == "onehot":
        steps.append(("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False,
                                              feature_name_combiner=onehot_name)))
        return steps  # 0/1 indicators are not scaled
    if encoding == "ordinal":
        steps.append(("encode", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)))
    else:
        steps.append(("encode", FrequencyEncoder()))
    if native and encoding == "ordinal":
        return steps  # category codes for a model that splits on categories: scaling would break them
    if recipe.scaling != "none":  # codes and shares are numbers: scale them like numeric columns
        steps.append(("scale", _scaler(recipe.scaling)))
    return steps


def build_preprocessor(recipe: PrepRecipe, X_train: pd.DataFrame, task: str, seed: int = 0,
                       native_categorical: bool = False):
    """Unfitted Pipeline (column transformer + optional feature selection) for ``recipe`` on X_train's columns.

    Only the column names and roles are read from ``X_train``; nothing is fitted here.
    ``native_categorical``: the model splits on categories itself (LightGBM, HistGradientBoosting),
    so many-level text encoded ``ordinal`` keeps its unscaled codes; :func:`native_categorical_mask`
    then says which prepared columns they are.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline

    from mlcore.prep._selector import FeatureSelector
    from mlcore.prep._transformers import DatetimeParts, OutlierClipper, ToFloat

    recipe.validate()
    if task not in TASKS:
        raise ConfigError(f"task {task!r} is not valid; allowed: {', '.join(TASKS)}")
    if recipe.class_weight == "balanced" and task != "classification":
        raise ConfigError("class_weight='balanced' applies to classification only; this task is regression")
    if not isinstance(X_train, pd.DataFrame):
        raise DataValidationError("build_preprocessor needs the training features as a pandas DataFrame")
    plan = column_plan(recipe, X_train)

    def scaled(steps: list) -> list:
        return steps + ([("scale", _scaler(recipe.scaling))] if recipe.scaling != "none" else [])

    branches = []
    if plan["numeric"]:
        steps: list[tuple[str, Any]] = [("float", ToFloat())]
        if recipe.outlier_method != "none" and recipe.outlier_action == "clip":
            steps.append(("clip", OutlierClipper(recipe.outlier_method, float(recipe.outlier_threshold))))
        if recipe.numeric_imputation != "none":  # "none": missing values reach models that handle them
            steps.append(("impute", SimpleImputer(strategy=recipe.numeric_imputation,
                                                  fill_value=float(recipe.fill_value_numeric),
                                                  keep_empty_features=True)))
        branches.append(("numeric", Pipeline(scaled(steps)), plan["numeric"]))
    if plan["categorical"]:
        branches.append(("categorical", Pipeline(_categorical_steps(recipe, recipe.encoding)), plan["categorical"]))
    if plan["high_cardinality"]:
        branches.append(("high_cardinality", Pipeline(_categorical_steps(recipe, recipe.high_cardinality_encoding,
                                                                       native=native_categorical)),
                         plan["high_cardinality"]))
    if plan["datetime"]:
        steps = [("parts", DatetimeParts(parts=tuple(recipe.datetime_parts))),
                 ("impute", SimpleImputer(strategy="median", keep_empty_features=True))]
        branches.append(("datetime", Pipeline(scaled(steps)), plan["datetime"]))
    if plan["boolean"]:
        steps = [("float", ToFloat()), ("impute", SimpleImputer(strategy="most_frequent", keep_empty_features=True))]
        branches.append(("boolean", Pipeline(steps), plan["boolean"]))
    if not branches:
        raise DataValidationError(
            f"no usable feature columns: every column was excluded ({plan['excluded']})"
        )
    columns = ColumnTransformer(branches, remainder="drop", sparse_threshold=0.0,
                                verbose_feature_names_out=False)
    steps = [("columns", columns)]
    if recipe.feature_selection is not None:
        steps.append(("select", FeatureSelector(method=recipe.feature_selection, n_features=recipe.n_features,
                                                task=task, random_state=seed)))
    return Pipeline(steps)


def native_categorical_mask(fitted_preprocessor) -> "np.ndarray | None":
    """Which prepared columns are category codes a native-categorical model should split on as categories.

    They are the many-level text columns encoded ``ordinal`` without scaling (see
    ``build_preprocessor(native_categorical=True)``) that have at most
    ``NATIVE_CATEGORICAL_MAX_LEVELS`` levels. None when there are none, or when a feature selection
    step reorders the columns.
    """
    from sklearn.preprocessing import OrdinalEncoder

    columns, select = _columns_step(fitted_preprocessor)
    if select is not None:
        return None
    where = getattr(columns, "output_indices_", {}).get("high_cardinality")
    if where is None or where.stop <= where.start:
        return None
    branch = columns.named_transformers_["high_cardinality"]
    encoder = branch.named_steps.get("encode")
    if not isinstance(encoder, OrdinalEncoder) or "scale" in branch.named_steps:
        return None
    n_out = max(s.stop for s in columns.output_indices_.values())
    mask = np.zeros(n_out, dtype=bool)
    for k, levels in zip(range(where.start, where.stop), encoder.categories_):
        mask[k] = len(levels) <= NATIVE_CATEGORICAL_MAX_LEVELS
    return mask if mask.any() else None


def _columns_step(fitted):
    from sklearn.pipeline import Pipeline

    if isinstance(fitted, Pipeline):
        if "prep" in fitted.named_steps:  # the whole model pipeline was passed
            return _columns_step(fitted.named_steps["prep"])
        select = fitted.named_steps.get("select")
        return fitted.named_steps["columns"], (select if hasattr(select, "support_") else None)
    raise ConfigError("expected the fitted preprocessor built by build_preprocessor")


def _encoded_input_columns(columns) -> list[str]:
    """For each output column of the fitted ColumnTransformer, the input column it came from."""
    from sklearn.preprocessing import OneHotEncoder

    origin: list[str] = []
    for _, pipe, cols in columns.transformers_:
        if pipe == "drop" or len(cols) == 0:
            continue
        encoder = pipe.named_steps.get("encode")
        parts = pipe.named_steps.get("parts")
        if isinstance(encoder, OneHotEncoder):
            counts = [len(c) for c in encoder.categories_]
        elif parts is not None:
            counts = [len(parts.parts)] * len(cols)
        else:
            counts = [1] * len(cols)
        for col, k in zip(cols, counts):
            origin.extend([col] * k)
    return origin


def input_feature_names(fitted_preprocessor) -> dict[str, str]:
    """Map each output feature name (after selection) to the input column it was made from."""
    columns, select = _columns_step(fitted_preprocessor)
    names = list(columns.get_feature_names_out())
    origin = _encoded_input_columns(columns)
    if len(origin) != len(names):  # defensive: fall back on name prefixes
        origin = [n.split("=")[0].rsplit(".", 1)[0] if n not in columns.feature_names_in_ else n for n in names]
    pairs = list(zip(names, origin))
    if select is not None:
        pairs = [p for p, keep in zip(pairs, select.support_) if keep]
    return dict(pairs)


def selected_features(fitted_preprocessor) -> list[dict[str, Any]]:
    """Scores of the selection step, best first: [{"feature", "score", "selected"}]; empty without one."""
    columns, select = _columns_step(fitted_preprocessor)
    if select is None:
        return []
    names = list(columns.get_feature_names_out())
    rows = [{"feature": n, "score": float(s), "selected": bool(k)}
            for n, s, k in zip(names, select.scores_, select.support_)]
    order = np.argsort(-np.asarray(select.scores_), kind="stable")
    return [rows[i] for i in order]
