"""ONNX converters for estimators: xgboost / lightgbm (through onnxmltools), label wrappers, float32 casts."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["register_model_converters", "register_wrapper", "ensure_float_input", "inner_classifier", "registered"]

registered: set[type] = set()  # classes whose converter is registered in this process


def _floats_out(shape_fn: Any) -> Any:
    """A shape calculator whose float64 outputs become float32 (the model runs on a float32 cast of its input)."""

    def shape(operator: Any) -> None:
        from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

        shape_fn(operator)
        for out in operator.outputs:
            if isinstance(out.type, DoubleTensorType):
                out.type = FloatTensorType(out.type.shape)

    return shape


def _float_input_converter(raw_alias: str, convert: Any) -> Any:
    """Wrap a converter: a float64 input is cast to float32 first (what tree models do to their input)."""

    def converter(scope: Any, operator: Any, container: Any) -> None:
        from onnx import TensorProto
        from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

        source = operator.inputs[0]
        if len(operator.inputs) != 1 or not isinstance(source.type, DoubleTensorType):
            convert(scope, operator, container)
            return
        as_float = scope.declare_local_variable("model_input", FloatTensorType(source.type.shape))
        container.add_node("Cast", [source.full_name], as_float.onnx_name, to=TensorProto.FLOAT,
                           name=scope.get_unique_operator_name("CastToFloat"))
        sub = scope.declare_local_operator(raw_alias, operator.raw_operator)
        sub.inputs.append(as_float)
        for i, out in enumerate(operator.outputs):
            kind = FloatTensorType if isinstance(out.type, (FloatTensorType, DoubleTensorType)) else type(out.type)
            var = scope.declare_local_variable(f"model_output{i}", kind())
            sub.outputs.append(var)
            container.add_node("Identity", [var.onnx_name], out.full_name,
                               name=scope.get_unique_operator_name("Identity"))

    return converter


def _register_float_input(cls: type, alias: str, convert: Any, options: Any, shape: Any) -> None:
    """Register `cls` under `alias`: the original converter/shape behind a float32 cast of float64 input."""
    from skl2onnx import update_registered_converter
    from skl2onnx.common._registration import register_converter, register_shape_calculator

    raw_alias = f"{alias}Float32"
    register_converter(raw_alias, convert, overwrite=True, options=options)
    register_shape_calculator(raw_alias, shape, overwrite=True)
    update_registered_converter(cls, alias, _floats_out(shape), _float_input_converter(raw_alias, convert),
                                options=options)
    registered.add(cls)


def _register_booster(cls: type, alias: str, convert: Any, classifier: bool) -> None:
    from skl2onnx.common.shape_calculator import (calculate_linear_classifier_output_shapes,
                                                  calculate_linear_regressor_output_shapes)

    if classifier:
        options = {"nocl": [True, False], "zipmap": [True, False, "columns"]}
        shape = calculate_linear_classifier_output_shapes
    else:
        options = {"split": None} if alias.startswith("LightGbm") else None
        shape = calculate_linear_regressor_output_shapes
    _register_float_input(cls, alias, convert, options, shape)


def ensure_float_input(cls: type) -> None:
    """Put any skl2onnx-supported estimator behind a float32 cast in float64 graphs (idempotent)."""
    from skl2onnx._supported_operators import sklearn_operator_name_map
    from skl2onnx.common._registration import get_converter, get_shape_calculator

    if cls in registered or cls not in sklearn_operator_name_map:
        return
    alias = sklearn_operator_name_map[cls]
    original = get_converter(alias)
    _register_float_input(cls, f"MLWorkbench{cls.__name__}", original._fct, original.get_allowed_options(),
                          get_shape_calculator(alias))


def _register_boosters() -> None:
    """Teach skl2onnx the xgboost / lightgbm estimators through onnxmltools' converters (once)."""
    try:
        from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
        from xgboost import XGBClassifier, XGBRegressor

        if XGBClassifier not in registered:
            _register_booster(XGBClassifier, "XGBoostXGBClassifier", convert_xgboost, True)
            _register_booster(XGBRegressor, "XGBoostXGBRegressor", convert_xgboost, False)
    except ImportError:  # pragma: no cover - xgboost is a dependency
        pass
    try:
        from lightgbm import LGBMClassifier, LGBMRegressor
        from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm

        if LGBMClassifier not in registered:
            _register_booster(LGBMClassifier, "LightGbmLGBMClassifier", convert_lightgbm, True)
            _register_booster(LGBMRegressor, "LightGbmLGBMRegressor", convert_lightgbm, False)
    except ImportError:  # pragma: no cover
        pass


_SKLEARN_TREES = ("DecisionTreeClassifier", "DecisionTreeRegressor", "RandomForestClassifier",
                  "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
                  "GradientBoostingClassifier", "GradientBoostingRegressor", "HistGradientBoostingClassifier",
                  "HistGradientBoostingRegressor")


def _register_sklearn_trees() -> None:
    """scikit-learn's trees compare float32 features too: in a float64 graph they get a cast in front."""
    import sklearn.ensemble
    import sklearn.tree

    for name in _SKLEARN_TREES:
        ensure_float_input(getattr(sklearn.tree, name, None) or getattr(sklearn.ensemble, name))


def inner_classifier(estimator: Any) -> Any | None:
    """The fitted inner model of a label-encoding wrapper (attribute ``estimator_``), if it is one."""
    inner = getattr(estimator, "estimator_", None)
    classes = getattr(estimator, "classes_", None)
    if inner is None or classes is None or not hasattr(inner, "predict_proba"):
        return None
    inner_classes = np.asarray(getattr(inner, "classes_", []))
    if len(inner_classes) != len(classes) or not np.array_equal(inner_classes, np.arange(len(classes))):
        return None
    return inner


def _label_wrapper_converter(scope: Any, operator: Any, container: Any) -> None:
    """Convert the inner model, then map its 0..k-1 labels back to the wrapper's classes with Gather."""
    from onnx import TensorProto
    from skl2onnx._supported_operators import sklearn_operator_name_map
    from skl2onnx.common.data_types import Int64TensorType

    wrapper = operator.raw_operator
    inner = wrapper.estimator_
    sub = scope.declare_local_operator(sklearn_operator_name_map[type(inner)], inner)
    sub.inputs = operator.inputs
    inner_label = scope.declare_local_variable("inner_label", Int64TensorType())
    inner_proba = scope.declare_local_variable("inner_proba", operator.outputs[1].type.__class__())
    sub.outputs.append(inner_label)
    sub.outputs.append(inner_proba)
    classes = np.asarray(wrapper.classes_)
    name = scope.get_unique_variable_name("original_classes")
    if classes.dtype.kind in "OUS":
        container.add_initializer(name, TensorProto.STRING, [len(classes)], [str(c).encode("utf-8") for c in classes])
    elif np.all(np.mod(classes.astype(float), 1) == 0):
        container.add_initializer(name, TensorProto.INT64, [len(classes)], [int(c) for c in classes])
    else:
        raise RuntimeError(f"{type(wrapper).__name__} has fractional class labels {list(classes)[:5]}; "
                           "ONNX labels must be integers or text")
    container.add_node("Gather", [name, inner_label.onnx_name], operator.outputs[0].full_name, axis=0,
                       name=scope.get_unique_operator_name("GatherLabels"))
    container.add_node("Identity", [inner_proba.onnx_name], operator.outputs[1].full_name,
                       name=scope.get_unique_operator_name("IdentityProba"))


def register_wrapper(cls: type) -> None:
    """Register a label-encoding wrapper class (final step exposing ``estimator_`` and ``classes_``)."""
    from skl2onnx import update_registered_converter

    if cls in registered:
        return
    from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes

    update_registered_converter(cls, f"MLWorkbench{cls.__name__}",
                                _floats_out(calculate_linear_classifier_output_shapes), _label_wrapper_converter,
                                options={"nocl": [True, False], "zipmap": [True, False, "columns"]})
    registered.add(cls)


def _register_project_transformers() -> None:
    try:
        from mlcore.deployment.onnx_converters import register_project_converters
    except ImportError:  # pragma: no cover - optional module
        return
    register_project_converters(registered)


def _patch_hist_gradient_boosting_leaves() -> None:
    """skl2onnx 1.20 writes a leaf's missing-value flag as a Python bool, which onnx >= 1.17 refuses in an
    integer attribute ("Expected an int, got a boolean"), so every HistGradientBoosting model failed to
    convert. The flag is passed on as the integer it stands for; the parity check at export verifies the graph."""
    import skl2onnx.common.tree_ensemble as tree_ensemble

    add_node = getattr(tree_ensemble, "add_node", None)
    if add_node is None or getattr(add_node, "_mlwb_int_flags", False):
        return

    def add_node_with_int_flags(*args: Any, nodes_missing_value_tracks_true: Any = 0, **kwargs: Any) -> Any:
        return add_node(*args, nodes_missing_value_tracks_true=int(nodes_missing_value_tracks_true), **kwargs)

    add_node_with_int_flags._mlwb_int_flags = True  # type: ignore[attr-defined]
    tree_ensemble.add_node = add_node_with_int_flags


def categorical_split_members(pipeline: Any) -> list[str]:
    """Paths of HistGradientBoosting models that split on categories: skl2onnx converts only numeric splits."""
    from mlcore.deployment.onnx_export import iter_steps

    found = []
    for path, step in iter_steps(pipeline):
        flags = getattr(step, "is_categorical_", None)
        if type(step).__name__.startswith("HistGradientBoosting") and flags is not None and np.any(flags):
            found.append(path)
    return found


def register_model_converters() -> None:
    """Register boosters and the project's transformers with skl2onnx (idempotent; call under a lock)."""
    _patch_hist_gradient_boosting_leaves()
    _register_boosters()
    _register_sklearn_trees()
    _register_project_transformers()
