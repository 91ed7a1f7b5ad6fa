"""Data preparation: recipes, column roles, the leakage-proof preprocessor, cleaning, splits, CV.

Everything a training job fits (imputation, encoding, scaling, clipping, feature selection) is
an sklearn transformer inside the Pipeline from :func:`build_preprocessor`, so it is fitted on
training rows only. Names resolve lazily so ``import mlcore.prep`` does not import scikit-learn.
"""

from __future__ import annotations

from mlcore._lazy import lazy_exports

_LAZY = {
    "PrepRecipe": "mlcore.prep._recipe",
    "ColumnRoles": "mlcore.prep._roles",
    "detect_column_roles": "mlcore.prep._roles",
    "build_preprocessor": "mlcore.prep._preprocessor",
    "column_plan": "mlcore.prep._preprocessor",
    "native_categorical_mask": "mlcore.prep._preprocessor",
    "selected_features": "mlcore.prep._preprocessor",
    "input_feature_names": "mlcore.prep._preprocessor",
    "outlier_row_mask": "mlcore.prep._clean",
    "balanced_sample_weight": "mlcore.prep._clean",
    "clean_frame": "mlcore.prep._clean",
    "select_features": "mlcore.prep._select_columns",
    "split_frame": "mlcore.prep._split",
    "SplitResult": "mlcore.prep._split",
    "make_cv": "mlcore.prep._split",
    "CVSplitter": "mlcore.prep._split",
    "FeatureSelector": "mlcore.prep._selector",
    "FrequencyEncoder": "mlcore.prep._transformers",
    "DatetimeParts": "mlcore.prep._transformers",
    "OutlierClipper": "mlcore.prep._transformers",
    "AsText": "mlcore.prep._transformers",
    "ToFloat": "mlcore.prep._transformers",
    "column_as_float": "mlcore.prep._transformers",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
