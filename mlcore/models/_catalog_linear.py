"""Linear, kernel, neighbour and Bayes catalog entries (none of them iterative for monitoring)."""

from __future__ import annotations

from typing import Any

from mlcore.models._spec import Abilities, AlgorithmSpec, ParamSpec, make_spec

CLS, REG = "classification", "regression"

_CLASS_WEIGHT = ParamSpec("class_weight", "choice", None, choices=(None, "balanced"),
                          help="Weight classes inversely to their frequency.")
_KERNEL = ParamSpec("kernel", "choice", "rbf", choices=("rbf", "linear", "poly", "sigmoid"), help="Kernel function.")
_GAMMA = ParamSpec("gamma", "choice", "scale", choices=("scale", "auto"), help="Kernel coefficient rule.")
_DEGREE = ParamSpec("degree", "int", 3, 2, 5, help="Degree of the polynomial kernel.")
_SVM_C = ParamSpec("C", "float", 1.0, 1e-3, 1e3, log=True, help="Inverse regularisation strength.")
_FIT_INTERCEPT = ParamSpec("fit_intercept", "bool", True, help="Fit an intercept term.")


def _alpha(default: float, low: float = 1e-5, high: float = 1e3) -> ParamSpec:
    return ParamSpec("alpha", "float", default, low, high, log=True, help="Regularisation strength.")


def _max_iter(default: int) -> ParamSpec:
    return ParamSpec("max_iter", "int", default, 50, 100000, log=True, help="Maximum solver iterations.")


# -- classification -----------------------------------------------------------------
def _logistic(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(**v, random_state=seed)


def _svm(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    # Probabilities by 3-fold Platt calibration of plain SVCs: three fits on 2/3 of the rows cost
    # about a third of SVC(probability=True), which runs an internal 5-fold CV plus a full fit.
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import SVC

    return CalibratedClassifierCV(SVC(**v, random_state=seed), method="sigmoid", cv=3, ensemble=True)


def _knn(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    cls = KNeighborsClassifier if task == CLS else KNeighborsRegressor
    return cls(**v, n_jobs=n_jobs)


def _naive_bayes(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    from sklearn.naive_bayes import GaussianNB

    return GaussianNB(**v)


def _knn_spec(task: str) -> AlgorithmSpec:
    params = [
        ParamSpec("n_neighbors", "int", 5, 1, 200, log=True, help="Number of neighbours that vote."),
        ParamSpec("weights", "choice", "uniform", choices=("uniform", "distance"), help="Neighbour weighting."),
        ParamSpec("p", "int", 2, 1, 2, help="Minkowski power: 1 = Manhattan, 2 = Euclidean."),
    ]
    return make_spec(
        "knn", task, "K-Nearest Neighbours", params, _knn,
        Abilities(probabilities=task == CLS, needs_scaling=True, sample_weight=False),
        search={"n_neighbors": ParamSpec("n_neighbors", "int", 5, 1, 100, log=True), "weights": params[1], "p": params[2]},
        grid={"n_neighbors": [3, 5, 11, 21], "weights": ["uniform", "distance"]},
    )


def _classification_specs() -> list[AlgorithmSpec]:
    logistic = make_spec(
        "logistic", CLS, "Logistic Regression",
        [ParamSpec("C", "float", 1.0, 1e-4, 1e4, log=True, help="Inverse regularisation strength."),
         _FIT_INTERCEPT, _max_iter(1000), _CLASS_WEIGHT],
        _logistic,
        Abilities(probabilities=True, needs_scaling=True, class_weight=True),
        search={"C": ParamSpec("C", "float", 1.0, 1e-3, 1e3, log=True)},
        grid={"C": [0.01, 0.1, 1.0, 10.0]},
    )
    svm = make_spec(
        "svm", CLS, "Support Vector Machine",
        [_SVM_C, _KERNEL, _GAMMA, _DEGREE, _CLASS_WEIGHT],
        _svm,
        Abilities(probabilities=True, needs_scaling=True, class_weight=True),
        search=["C", "kernel", "gamma"],
        grid={"C": [0.1, 1.0, 10.0], "kernel": ["rbf", "linear"]},
        param_prefix="estimator__",
        description="SVC inside CalibratedClassifierCV(cv=3) for probabilities.",
    )
    naive_bayes = make_spec(
        "naive_bayes", CLS, "Naive Bayes (Gaussian)",
        [ParamSpec("var_smoothing", "float", 1e-9, 1e-12, 1e-1, log=True, help="Variance added for stability.")],
        _naive_bayes,
        Abilities(probabilities=True),
        search=["var_smoothing"],
        grid={"var_smoothing": [1e-9, 1e-7, 1e-5]},
    )
    return [logistic, svm, _knn_spec(CLS), naive_bayes]


# -- regression ---------------------------------------------------------------------
def _ridge(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    from sklearn.linear_model import Ridge

    return Ridge(**v, random_state=seed)


def _lasso(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    from sklearn.linear_model import Lasso

    return Lasso(**v, random_state=seed)


def _elasticnet(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    from sklearn.linear_model import ElasticNet

    return ElasticNet(**v, random_state=seed)


def _svr(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    from sklearn.svm import SVR

    return SVR(**v)


def _regression_specs() -> list[AlgorithmSpec]:
    l1_ratio = ParamSpec("l1_ratio", "float", 0.5, 0.0, 1.0, help="Mix of L1 (1.0) and L2 (0.0) penalties.")
    ridge = make_spec(
        "ridge", REG, "Ridge Regression", [_alpha(1.0, 1e-4, 1e4), _FIT_INTERCEPT], _ridge,
        Abilities(needs_scaling=True),
        search={"alpha": ParamSpec("alpha", "float", 1.0, 1e-3, 1e3, log=True)},
        grid={"alpha": [0.01, 0.1, 1.0, 10.0, 100.0]},
    )
    lasso = make_spec(
        "lasso", REG, "Lasso Regression", [_alpha(1.0), _FIT_INTERCEPT, _max_iter(5000)], _lasso,
        Abilities(needs_scaling=True),
        search={"alpha": ParamSpec("alpha", "float", 1.0, 1e-4, 1e2, log=True)},
        grid={"alpha": [0.001, 0.01, 0.1, 1.0]},
    )
    elasticnet = make_spec(
        "elasticnet", REG, "Elastic Net", [_alpha(1.0), l1_ratio, _FIT_INTERCEPT, _max_iter(5000)], _elasticnet,
        Abilities(needs_scaling=True),
        search={"alpha": ParamSpec("alpha", "float", 1.0, 1e-4, 1e2, log=True), "l1_ratio": l1_ratio},
        grid={"alpha": [0.01, 0.1, 1.0], "l1_ratio": [0.2, 0.5, 0.8]},
    )
    svr = make_spec(
        "svr", REG, "Support Vector Regression",
        [_SVM_C, ParamSpec("epsilon", "float", 0.1, 0.0, 10.0, help="Width of the no-penalty tube."),
         _KERNEL, _GAMMA, _DEGREE],
        _svr,
        Abilities(needs_scaling=True),
        search={"C": _SVM_C, "epsilon": ParamSpec("epsilon", "float", 0.1, 1e-3, 1.0, log=True), "kernel": _KERNEL,
                "gamma": _GAMMA},
        grid={"C": [0.1, 1.0, 10.0], "epsilon": [0.01, 0.1]},
    )
    return [ridge, lasso, elasticnet, svr, _knn_spec(REG)]


def linear_specs() -> list[AlgorithmSpec]:
    """Every non-tree single-model entry for both tasks."""
    return _classification_specs() + _regression_specs()
