"""The option lists the Preparation tab offers, from ``mlcore.vocab`` with the tab's default first.

``mlcore.vocab`` imports nothing heavy, so reading it does not pull scikit-learn into the window's start.
"""

from mlcore import vocab


def _default_first(default: str, options: tuple) -> list[str]:
    return [default] + [o for o in options if o != default]


MISSING_STRATEGIES = list(vocab.MISSING_STRATEGIES)
OUTLIER_METHODS = _default_first("none", vocab.OUTLIER_METHODS)
OUTLIER_ACTIONS = list(vocab.OUTLIER_ACTIONS)
SELECTION_METHODS = _default_first("tree_importance", vocab.SELECTION_METHODS)
SCALINGS = list(vocab.SCALINGS)
ENCODINGS = list(vocab.ENCODINGS)
NUMERIC_IMPUTATIONS = _default_first("median", vocab.NUMERIC_IMPUTATIONS)
CATEGORICAL_IMPUTATIONS = list(vocab.CATEGORICAL_IMPUTATIONS)
CLASS_WEIGHTS = ["none" if w is None else w for w in vocab.CLASS_WEIGHTS]
