"""ONNX export of a fitted pipeline (skl2onnx + onnxmltools) with a parity check on onnxruntime."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

from mlcore.errors import ConfigError, DataValidationError, MLWorkbenchError

__all__ = ["export_onnx", "onnx_input_signature", "iter_steps", "TARGET_OPSET", "PROBA_TOLERANCE"]

TARGET_OPSET = {"": 18, "ai.onnx.ml": 3}
PROBA_TOLERANCE = 1e-3  # largest probability difference still called "agrees"
REGRESSION_RTOL = 1e-4  # regression: tolerance relative to the largest |prediction| (float32 arithmetic)
MAX_CHECK_ROWS = 2000
_CONTAINERS = {"Pipeline", "ColumnTransformer", "FeatureUnion"}
_lock = threading.Lock()
_registered: set[type] = set()


# -- converter registration -------------------------------------------------------------------------

def _register_boosters() -> None:
    """Teach skl2onnx the xgboost / lightgbm estimators through onnxmltools' converters (once)."""
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (calculate_linear_classifier_output_shapes,
                                                  calculate_linear_regressor_output_shapes)

    clf_options = {"nocl": [True, False], "zipmap": [True, False, "columns"]}
    try:
        from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
        from xgboost import XGBClassifier, XGBRegressor

        if XGBClassifier not in _registered:
            update_registered_converter(XGBClassifier, "XGBoostXGBClassifier",
                                        calculate_linear_classifier_output_shapes, convert_xgboost, options=clf_options)
            update_registered_converter(XGBRegressor, "XGBoostXGBRegressor",
                                        calculate_linear_regressor_output_shapes, convert_xgboost)
            _registered.update({XGBClassifier, XGBRegressor})
    except ImportError:  # pragma: no cover - xgboost is a dependency
        pass
    try:
        from lightgbm import LGBMClassifier, LGBMRegressor
        from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm

        if LGBMClassifier not in _registered:
            update_registered_converter(LGBMClassifier, "LightGbmLGBMClassifier",
                                        calculate_linear_classifier_output_shapes, convert_lightgbm,
                                        options=clf_options)
            update_registered_converter(LGBMRegressor, "LightGbmLGBMRegressor",
                                        calculate_linear_regressor_output_shapes, convert_lightgbm,
                                        options={"split": None})
            _registered.update({LGBMClassifier, LGBMRegressor})
    except ImportError:  # pragma: no cover
        pass


def _inner_classifier(estimator: Any) -> Any | None:
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
    else:
        container.add_initializer(name, TensorProto.INT64, [len(classes)], [int(c) for c in classes])
    container.add_node("Gather", [name, inner_label.onnx_name], operator.outputs[0].full_name, axis=0,
                       name=scope.get_unique_operator_name("GatherLabels"))
    container.add_node("Identity", [inner_proba.onnx_name], operator.outputs[1].full_name,
                       name=scope.get_unique_operator_name("IdentityProba"))


def _register_wrapper(cls: type) -> None:
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes

    if cls in _registered:
        return
    update_registered_converter(cls, f"MLWorkbench{cls.__name__}", calculate_linear_classifier_output_shapes,
                                _label_wrapper_converter, options={"nocl": [True, False],
                                                                   "zipmap": [True, False, "columns"]})
    _registered.add(cls)


def _register_project_transformers() -> None:
    try:
        from mlcore.deployment.onnx_converters import register_project_converters
    except ImportError:  # pragma: no cover - optional module
        return
    register_project_converters(_registered)


# -- walking the pipeline ---------------------------------------------------------------------------

def iter_steps(estimator: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Yield (path, estimator) for every step, depth first (containers before their parts)."""
    yield path or type(estimator).__name__, estimator
    steps = getattr(estimator, "steps", None)
    if steps is not None:
        for name, step in steps:
            if not isinstance(step, str) and step is not None:
                yield from iter_steps(step, f"{path} > {name}" if path else name)
        return
    transformers = getattr(estimator, "transformers_", None)
    if transformers is not None:
        for name, step, _cols in transformers:
            if not isinstance(step, str) and step is not None:
                yield from iter_steps(step, f"{path} > {name}" if path else name)
        return
    inner = _inner_classifier(estimator)
    if inner is not None:
        yield from iter_steps(inner, f"{path} > estimator_")


def _unconvertible_steps(pipeline: Any) -> list[tuple[str, str]]:
    from skl2onnx._supported_operators import sklearn_operator_name_map

    bad = []
    for path, step in iter_steps(pipeline):
        if type(step) in sklearn_operator_name_map:
            continue
        if _inner_classifier(step) is not None and type(_inner_classifier(step)) in sklearn_operator_name_map:
            _register_wrapper(type(step))
            continue
        bad.append((path, type(step).__name__))
    return bad


# -- inputs -----------------------------------------------------------------------------------------

def onnx_input_signature(sample: pd.DataFrame) -> list[dict[str, Any]]:
    """One graph input per column: float for real numbers and booleans, int64 for integers, string for text."""
    signature = []
    for name in sample.columns:
        dtype = sample[name].dtype
        if pd.api.types.is_datetime64_any_dtype(dtype):
            raise ConfigError(f"ONNX export is not possible: column '{name}' holds dates, and ONNX graphs take "
                              "numbers or text; convert it to numbers (e.g. year, month) before training")
        if pd.api.types.is_bool_dtype(dtype):
            kind = "float"
        elif pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
            kind = "int64"
        elif pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
            kind = "float"
        else:
            kind = "string"
        signature.append({"column": str(name), "input": str(name), "type": kind, "shape": [None, 1]})
    return signature


def _initial_types(signature: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType

    types = {"float": FloatTensorType, "int64": Int64TensorType, "string": StringTensorType}
    return [(s["column"], types[s["type"]]([None, 1])) for s in signature]


def _feed(sample: pd.DataFrame, signature: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    feeds: dict[str, np.ndarray] = {}
    for s in signature:
        col = sample[s["column"]]
        if s["type"] == "float":
            feeds[s["input"]] = pd.to_numeric(col, errors="coerce").astype(float).to_numpy(np.float32).reshape(-1, 1)
        elif s["type"] == "int64":
            feeds[s["input"]] = col.to_numpy(np.int64).reshape(-1, 1)
        else:  # ONNX string tensors have no missing value: an empty string stands for it
            feeds[s["input"]] = col.astype(object).where(col.notna(), "").astype(str).to_numpy(object).reshape(-1, 1)
    return feeds


# -- export -----------------------------------------------------------------------------------------

def _final(pipeline: Any) -> Any:
    steps = getattr(pipeline, "steps", None)
    return steps[-1][1] if steps else pipeline


def _drift_hint(pipeline: Any) -> str:
    names = [type(step).__name__ for _, step in iter_steps(pipeline)]
    scalers = [n for n in names if n.endswith("Scaler")]
    boosters = [n for n in names if n.startswith(("XGB", "LGBM"))]
    if scalers and boosters:
        return (f" ({scalers[0]} before {boosters[0]}: ONNX scales in float32 while scikit-learn scales in "
                "float64, so values near a tree split land on the other side)")
    return " (float32 arithmetic in ONNX versus float64 in scikit-learn)"


def export_onnx(pipeline: Any, sample: pd.DataFrame, path: str | os.PathLike[str], *, task: str) -> dict[str, Any]:
    """Convert to ONNX, save, run onnxruntime on `sample` and report agreement with scikit-learn."""
    import onnxruntime as ort
    from skl2onnx import convert_sklearn

    if task not in ("classification", "regression"):
        raise ConfigError(f"task must be 'classification' or 'regression', got {task!r}")
    target = Path(path)
    if target.suffix.lower() != ".onnx":
        raise ConfigError(f"'{target.name}': the file name must end in .onnx")
    if not isinstance(sample, pd.DataFrame) or sample.empty:
        raise DataValidationError("ONNX export needs sample rows (a non-empty DataFrame of input columns) to check parity")
    final = _final(pipeline)
    is_classifier = hasattr(final, "predict_proba") and hasattr(final, "classes_")
    if (task == "classification") != is_classifier:
        raise ConfigError(f"the model is a {'classifier' if is_classifier else 'regressor'} but task is {task!r}")
    expected_columns = getattr(pipeline, "feature_names_in_", None)
    if expected_columns is not None:
        missing = [c for c in expected_columns if c not in sample.columns]
        if missing:
            raise DataValidationError(f"the sample rows lack column(s) the model needs: {', '.join(map(str, missing))}")
        sample = sample[list(expected_columns)]
    sample = sample.head(MAX_CHECK_ROWS)
    signature = onnx_input_signature(sample)
    with _lock:
        _register_boosters()
        _register_project_transformers()
        bad = _unconvertible_steps(pipeline)
    if bad:
        listed = "; ".join(f"step '{p}' ({c})" for p, c in bad)
        raise ConfigError(f"ONNX export is not possible: no ONNX converter for {listed}")
    options = {id(final): {"zipmap": False}} if is_classifier else None
    try:
        with _lock:
            onx = convert_sklearn(pipeline, initial_types=_initial_types(signature), target_opset=TARGET_OPSET,
                                  options=options)
    except MLWorkbenchError:
        raise
    except Exception as exc:  # skl2onnx raises many kinds; name the step when the message allows it
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        culprit = next((f"step '{p}' ({type(s).__name__})" for p, s in iter_steps(pipeline)
                        if type(s).__name__ in message and type(s).__name__ not in _CONTAINERS), "the pipeline")
        raise ConfigError(f"ONNX export is not possible: {culprit} could not be converted: {message}") from exc
    graph_inputs = [i.name for i in onx.graph.input]
    if len(graph_inputs) != len(signature):
        raise ConfigError(f"ONNX export produced {len(graph_inputs)} inputs for {len(signature)} columns")
    for entry, name in zip(signature, graph_inputs):
        entry["input"] = name
    meta = {"mlworkbench.task": task, "mlworkbench.input_signature": json.dumps(signature)}
    if is_classifier:
        meta["mlworkbench.classes"] = json.dumps([str(c) for c in final.classes_])
    for key, value in meta.items():
        prop = onx.metadata_props.add()
        prop.key, prop.value = key, value
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = onx.SerializeToString()
    target.write_bytes(payload)

    session = ort.InferenceSession(payload, providers=["CPUExecutionProvider"])
    outputs = session.run(None, _feed(sample, signature))
    report: dict[str, Any] = {
        "path": str(target),
        "task": task,
        "opset": dict(TARGET_OPSET),
        "inputs": signature,
        "outputs": [o.name for o in session.get_outputs()],
        "rows_checked": int(len(sample)),
        "label_agreement": None,
        "max_proba_diff": None,
        "max_abs_diff": None,
        "ok": True,
        "warning": None,
    }
    if is_classifier:
        expected_label = np.asarray(pipeline.predict(sample))
        onnx_label = np.asarray(outputs[0]).ravel()
        if expected_label.dtype.kind in "if" and onnx_label.dtype.kind in "if":
            agree = expected_label.astype(float) == onnx_label.astype(float)
        else:
            agree = expected_label.astype(str) == onnx_label.astype(str)
        proba_diff = float(np.max(np.abs(np.asarray(outputs[1], dtype=float) - pipeline.predict_proba(sample))))
        report["label_agreement"] = float(agree.mean())
        report["max_proba_diff"] = proba_diff
        report["ok"] = bool(agree.all() and proba_diff < PROBA_TOLERANCE)
        if not report["ok"]:
            report["warning"] = (f"ONNX and scikit-learn disagree on {int((~agree).sum())} of {len(agree)} sample "
                                 f"rows' labels; largest probability difference {proba_diff:.3g}" + _drift_hint(pipeline))
    else:
        expected = np.asarray(pipeline.predict(sample), dtype=float).ravel()
        got = np.asarray(outputs[0], dtype=float).ravel()
        diff = float(np.max(np.abs(got - expected)))
        scale = max(1.0, float(np.max(np.abs(expected))))
        report["max_abs_diff"] = diff
        report["ok"] = bool(diff <= REGRESSION_RTOL * scale)
        if not report["ok"]:
            report["warning"] = (f"ONNX predictions differ from scikit-learn by up to {diff:.3g} "
                                 f"(predictions reach {scale:.3g})" + _drift_hint(pipeline))
    return report
