"""The vocabularies the Preparation tab offers (the values mlcore's cleaning and PrepRecipe accept).

Kept here rather than imported so that the window does not import the preparation package
(and with it scikit-learn) at start.
"""

MISSING_STRATEGIES = ["mean", "median", "mode", "drop", "forward_fill", "backward_fill"]
OUTLIER_METHODS = ["none", "iqr", "zscore"]
OUTLIER_ACTIONS = ["remove", "clip"]
SELECTION_METHODS = ["tree_importance", "correlation", "mutual_info", "rfe", "statistical", "chi2"]
SCALINGS = ["standard", "minmax", "robust", "none"]
ENCODINGS = ["onehot", "ordinal", "frequency"]
NUMERIC_IMPUTATIONS = ["median", "mean", "most_frequent", "constant", "none"]
CATEGORICAL_IMPUTATIONS = ["most_frequent", "constant"]
CLASS_WEIGHTS = ["none", "balanced"]
