"""ONNX export of a fitted pipeline (skl2onnx + onnxmltools) with a parity check on onnxruntime."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

from mlcore.deployment.onnx_models import (categorical_split_members, ensure_float_input, inner_classifier,
                                           register_model_converters, register_wrapper)
from mlcore.errors import ConfigError, DataValidationError, MLWorkbenchError

__all__ = ["export_onnx", "onnx_input_signature", "iter_steps", "TARGET_OPSET", "PROBA_TOLERANCE"]

TARGET_OPSET = {"": 18, "ai.onnx.ml": 3}
PROBA_TOLERANCE = 1e-3  # largest probability difference still called "agrees"
REGRESSION_RTOL = 1e-4  # regression: tolerance relative to the largest |prediction| (float32 arithmetic)
MAX_CHECK_ROWS = 2000
_CONTAINERS = {"Pipeline", "ColumnTransformer", "FeatureUnion"}
_lock = threading.Lock()


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
    members = getattr(estimator, "named_estimators_", None)
    if members is not None:  # a fitted voting ensemble: each member by its name
        for name, member in members.items():
            if not isinstance(member, str) and member is not None:
                yield from iter_steps(member, f"{path} > {name}" if path else name)
        return
    inner = inner_classifier(estimator)
    if inner is not None:
        yield from iter_steps(inner, f"{path} > estimator_")


def _unconvertible_steps(pipeline: Any) -> list[tuple[str, str]]:
    from skl2onnx._supported_operators import sklearn_operator_name_map

    bad = []
    for path, step in iter_steps(pipeline):
        if type(step) in sklearn_operator_name_map:
            continue
        if inner_classifier(step) is not None and type(inner_classifier(step)) in sklearn_operator_name_map:
            register_wrapper(type(step))
            continue
        bad.append((path, type(step).__name__))
    return bad


# -- inputs -----------------------------------------------------------------------------------------

def onnx_input_signature(sample: pd.DataFrame, precision: str = "float") -> list[dict[str, Any]]:
    """One graph input per column: float (or double) for real numbers and booleans, int64 for integers, string for text."""
    signature = []
    real = "double" if precision == "double" else "float"
    for name in sample.columns:
        dtype = sample[name].dtype
        if pd.api.types.is_datetime64_any_dtype(dtype):
            raise ConfigError(f"ONNX export is not possible: column '{name}' holds dates, and ONNX graphs take "
                              "numbers or text; convert it to numbers (e.g. year, month) before training")
        if pd.api.types.is_bool_dtype(dtype):
            kind = real
        elif pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
            kind = "int64"
        elif pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
            kind = real
        else:
            kind = "string"
        signature.append({"column": str(name), "input": str(name), "type": kind, "shape": [None, 1]})
    return signature


def _initial_types(signature: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType, Int64TensorType, StringTensorType

    types = {"float": FloatTensorType, "double": DoubleTensorType, "int64": Int64TensorType,
             "string": StringTensorType}
    return [(s.get("column") or s["input"], types[s["type"]](list(s["shape"]))) for s in signature]


def _feed(sample: pd.DataFrame, signature: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    feeds: dict[str, np.ndarray] = {}
    for s in signature:
        if "columns" in s:  # one matrix input holding several columns
            feeds[s["input"]] = sample[s["columns"]].apply(pd.to_numeric, errors="coerce").to_numpy(
                np.float64 if s["type"] == "double" else np.float32)
            continue
        col = sample[s["column"]]
        if s["type"] in ("float", "double"):
            dtype = np.float64 if s["type"] == "double" else np.float32
            feeds[s["input"]] = pd.to_numeric(col, errors="coerce").astype(float).to_numpy(dtype).reshape(-1, 1)
        elif s["type"] == "int64":
            feeds[s["input"]] = col.to_numpy(np.int64).reshape(-1, 1)
        else:  # ONNX string tensors have no missing value: an empty string stands for it
            feeds[s["input"]] = col.astype(object).where(col.notna(), "").astype(str).to_numpy(object).reshape(-1, 1)
    return feeds


# -- export -----------------------------------------------------------------------------------------

def _final(pipeline: Any) -> Any:
    steps = getattr(pipeline, "steps", None)
    return steps[-1][1] if steps else pipeline


def _failing_final_step(pipeline: Any) -> str | None:
    """Name the final estimator when it alone fails to convert (the error message may not name it)."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    steps = getattr(pipeline, "steps", None)
    final = steps[-1][1] if steps else pipeline
    width = getattr(final, "n_features_in_", None)
    if width is None:
        return None
    try:
        with _lock:
            convert_sklearn(final, initial_types=[("x", FloatTensorType([None, int(width)]))],
                            target_opset=TARGET_OPSET)
    except Exception:
        name = steps[-1][0] if steps else type(final).__name__
        return f"step '{name}' ({type(final).__name__})"
    return None


def _retry_in_double(pipeline: Any) -> bool:
    """Whether a float64 graph is tried after a float32 one drifts (always; a seam for tests)."""
    return True


def _drift_hint(pipeline: Any) -> str:
    names = [type(step).__name__ for _, step in iter_steps(pipeline)]
    scalers = [n for n in names if n.endswith("Scaler")]
    trees = [n for n in names if n.startswith(("XGB", "LGBM")) or "Tree" in n or "Forest" in n or "Boost" in n]
    if scalers and trees:
        return (f" ({scalers[0]} before {trees[0]}: ONNX scales in float32 while scikit-learn scales in "
                "float64, so values near a tree split land on the other side)")
    return " (float32 arithmetic in ONNX versus float64 in scikit-learn)"


def _splits_columns(pipeline: Any) -> bool:
    """True when the first step is a ColumnTransformer (it takes one input per column)."""
    first = pipeline
    while getattr(first, "steps", None):
        first = first.steps[0][1]
    return type(first).__name__ == "ColumnTransformer"


@contextlib.contextmanager
def _conversion_settings(pipeline: Any) -> Iterator[None]:
    """Flip settings skl2onnx cannot convert but prediction ignores; restored afterwards."""
    changed = []
    for _, step in iter_steps(pipeline):
        # VotingClassifier.flatten_transform shapes transform() only; skl2onnx refuses True
        if type(step).__name__ == "VotingClassifier" and getattr(step, "flatten_transform", False):
            changed.append((step, "flatten_transform", True))
            step.flatten_transform = False
    try:
        yield
    finally:
        for step, attr, value in changed:
            setattr(step, attr, value)


def _convert(pipeline: Any, sample: pd.DataFrame, task: str, precision: str) -> tuple[Any, list[dict[str, Any]]]:
    """The ONNX model and its input signature, computing numeric preparation in `precision`."""
    from skl2onnx import convert_sklearn

    from mlcore.deployment.onnx_converters import set_precision

    signature = onnx_input_signature(sample, precision)
    if precision == "double" and not _splits_columns(pipeline) and all(
            e["type"] in ("double", "int64") for e in signature):
        # skl2onnx joins separate inputs with FeatureVectorizer, which is float32 only: one matrix input instead
        signature = [{"columns": [e["column"] for e in signature], "input": "features", "type": "double",
                      "shape": [None, len(signature)]}]
    final = _final(pipeline)
    options = {id(final): {"zipmap": False}} if task == "classification" else None
    with _lock, _conversion_settings(pipeline):
        if precision == "double":  # preparation in float64, the model itself on a float32 cast
            ensure_float_input(type(final))
        set_precision(precision)
        try:
            onx = convert_sklearn(pipeline, initial_types=_initial_types(signature), target_opset=TARGET_OPSET,
                                  options=options)
        finally:
            set_precision("float")
    graph_inputs = [i.name for i in onx.graph.input]
    if len(graph_inputs) != len(signature):
        raise ConfigError(f"ONNX export produced {len(graph_inputs)} inputs for {len(signature)} columns")
    for entry, name in zip(signature, graph_inputs):
        entry["input"] = name
    return onx, signature


def _relabel_with_threshold(onx: Any, classes: Any, threshold: float) -> None:
    """Rewire the graph's label output: classes[1] where probabilities[:, 1] >= threshold, else classes[0]."""
    from onnx import TensorProto, helper, numpy_helper

    graph = onx.graph
    label_out, proba_out = graph.output[0], graph.output[1]
    taken = {n for node in graph.node for n in (*node.input, *node.output)} | {i.name for i in graph.initializer}

    def fresh(stem: str) -> str:
        name, i = stem, 0
        while name in taken:
            i += 1
            name = f"{stem}_{i}"
        taken.add(name)
        return name

    argmax = fresh(f"{label_out.name}_argmax")
    for node in graph.node:  # the converter's argmax label becomes an unused intermediate
        for field in (node.input, node.output):
            for k, name in enumerate(field):
                if name == label_out.name:
                    field[k] = argmax
    label_type = label_out.type.tensor_type.elem_type
    if label_type == TensorProto.STRING:
        values = np.asarray([str(c) for c in classes], dtype=object)
    elif label_type == TensorProto.INT64:
        values = np.asarray(classes).astype(np.int64)
    else:
        raise ConfigError(f"the graph's label output has ONNX type {label_type}, which cannot be relabelled")
    proba_type = proba_out.type.tensor_type.elem_type
    real = np.float64 if proba_type == TensorProto.DOUBLE else np.float32
    column, cut, table = fresh("positive_column"), fresh("decision_threshold"), fresh("class_labels")
    p1, below = fresh("positive_proba"), fresh("below_threshold")
    above, position = fresh("at_or_above_threshold"), fresh("class_position")
    graph.initializer.extend([numpy_helper.from_array(np.asarray(1, dtype=np.int64), column),
                              numpy_helper.from_array(np.asarray(threshold, dtype=real), cut),
                              numpy_helper.from_array(values, table)])
    graph.node.extend([
        helper.make_node("Gather", [proba_out.name, column], [p1], axis=1, name=fresh("ThresholdGather")),
        # Not(Less) rather than GreaterOrEqual, which needs opset 12 (skl2onnx may pick an older one)
        helper.make_node("Less", [p1, cut], [below], name=fresh("ThresholdCompare")),
        helper.make_node("Not", [below], [above], name=fresh("ThresholdNot")),
        helper.make_node("Cast", [above], [position], to=TensorProto.INT64, name=fresh("ThresholdCast")),
        helper.make_node("Gather", [table, position], [label_out.name], axis=0, name=fresh("ThresholdLabel")),
    ])


def _thresholded(pipeline: Any, sample: pd.DataFrame, threshold: float) -> np.ndarray:
    """The labels the app predicts: classes[1] where P(classes[1]) >= threshold (as predict_frame does)."""
    proba = np.asarray(pipeline.predict_proba(sample), dtype=float)
    return np.asarray(_final(pipeline).classes_)[(proba[:, 1] >= float(threshold)).astype(np.int64)]


def _parity(pipeline: Any, payload: bytes, sample: pd.DataFrame, signature: list[dict[str, Any]],
            task: str, threshold: float | None = None) -> dict[str, Any]:
    """Run onnxruntime on the sample rows and compare with scikit-learn (labels cut at `threshold` when given)."""
    import onnxruntime as ort

    session = ort.InferenceSession(payload, providers=["CPUExecutionProvider"])
    outputs = session.run(None, _feed(sample, signature))
    report: dict[str, Any] = {"outputs": [o.name for o in session.get_outputs()], "rows_checked": int(len(sample)),
                              "label_agreement": None, "max_proba_diff": None, "max_abs_diff": None,
                              "ok": True, "warning": None}
    if task == "classification":
        expected_label = (np.asarray(pipeline.predict(sample)) if threshold is None
                          else _thresholded(pipeline, sample, threshold))
        onnx_label = np.asarray(outputs[0]).ravel()
        if expected_label.dtype.kind in "iufb" and onnx_label.dtype.kind in "iufb":
            agree = expected_label.astype(float) == onnx_label.astype(float)
        else:
            agree = expected_label.astype(str) == onnx_label.astype(str)
        proba_diff = float(np.max(np.abs(np.asarray(outputs[1], dtype=float) - pipeline.predict_proba(sample))))
        report["label_agreement"] = float(agree.mean())
        report["max_proba_diff"] = proba_diff
        report["ok"] = bool(agree.all() and proba_diff < PROBA_TOLERANCE)
        if not report["ok"]:
            rule = "" if threshold is None else f" (labels cut at the decision threshold {threshold:g})"
            report["warning"] = (f"ONNX and scikit-learn disagree on {int((~agree).sum())} of {len(agree)} sample "
                                 f"rows' labels{rule}; largest probability difference {proba_diff:.3g}")
    else:
        expected = np.asarray(pipeline.predict(sample), dtype=float).ravel()
        got = np.asarray(outputs[0], dtype=float).ravel()
        diff = float(np.max(np.abs(got - expected)))
        scale = max(1.0, float(np.max(np.abs(expected))))
        report["max_abs_diff"] = diff
        report["ok"] = bool(diff <= REGRESSION_RTOL * scale)
        if not report["ok"]:
            report["warning"] = (f"ONNX predictions differ from scikit-learn by up to {diff:.3g} "
                                 f"(predictions reach {scale:.3g})")
    return report


def _better(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """True when report `second` agrees with scikit-learn better than `first`."""
    if second["ok"] != first["ok"]:
        return bool(second["ok"])
    if first["label_agreement"] is not None:
        return (second["label_agreement"], -second["max_proba_diff"]) > (first["label_agreement"],
                                                                          -first["max_proba_diff"])
    return second["max_abs_diff"] < first["max_abs_diff"]


def _check_threshold(threshold: float | None, final: Any, is_classifier: bool) -> float | None:
    """The decision threshold as a float, refused unless it is in (0, 1) and the model is a binary classifier."""
    if threshold is None:
        return None
    if not is_classifier or len(final.classes_) != 2:
        raise ConfigError("a decision threshold applies only to binary classifiers")
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        raise ConfigError(f"decision threshold must be a number between 0 and 1, got {threshold!r}") from None
    if not 0.0 < value < 1.0:
        raise ConfigError(f"decision threshold must be between 0 and 1, got {threshold}")
    return value


def _build(pipeline: Any, sample: pd.DataFrame, task: str, precision: str,
           threshold: float | None) -> tuple[Any, list[dict[str, Any]], str | None]:
    """Convert in `precision`; with a threshold, relabel the graph (third item: why that failed, else None)."""
    onx, signature = _convert(pipeline, sample, task, precision)
    if threshold is None:
        return onx, signature, None
    try:
        _relabel_with_threshold(onx, _final(pipeline).classes_, threshold)
    except Exception as exc:  # the argmax graph stands; export_onnx says so
        onx, signature = _convert(pipeline, sample, task, precision)
        return onx, signature, str(exc) or type(exc).__name__
    return onx, signature, None


def export_onnx(pipeline: Any, sample: pd.DataFrame, path: str | os.PathLike[str], *, task: str,
                strict: bool = False, threshold: float | None = None) -> dict[str, Any]:
    """Convert to ONNX, save, run onnxruntime on `sample` and report agreement with scikit-learn.

    `sample` holds input rows as the pipeline sees them (e.g. ``check_frame(...).frame``). With
    ``strict=True`` a disagreement is refused: no file is written and ConfigError says why.

    Numeric preparation runs in float32; when that drifts from scikit-learn (typically a scaler in front of
    trees), a float64 graph (inputs typed double, cast to float32 only at the model, as tree models do
    themselves) is tried and kept if it agrees better. The report's "inputs" is the graph's input signature.

    A binary classifier's decision `threshold` (as predictions in the app use it) is built into the graph: its
    "label" output is classes[1] where probabilities[:, 1] >= threshold, and parity compares those labels with
    the thresholded scikit-learn ones. The threshold is stored in the model's metadata ("decision_threshold").
    """
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
    threshold = _check_threshold(threshold, final, is_classifier)
    expected_columns = getattr(pipeline, "feature_names_in_", None)
    if expected_columns is not None:
        missing = [c for c in expected_columns if c not in sample.columns]
        if missing:
            raise DataValidationError(f"the sample rows lack column(s) the model needs: {', '.join(map(str, missing))}")
        sample = sample[list(expected_columns)]
    sample = sample.head(MAX_CHECK_ROWS)
    onnx_input_signature(sample)  # refuses date columns before any work
    with _lock:
        register_model_converters()
        bad = _unconvertible_steps(pipeline)
    if bad:
        listed = "; ".join(f"step '{p}' ({c})" for p, c in bad)
        raise ConfigError(f"ONNX export is not possible: no ONNX converter for {listed}")
    categorical = categorical_split_members(pipeline)
    if categorical:
        listed = "; ".join(f"'{p}'" for p in categorical[:5]) + (" and more" if len(categorical) > 5 else "")
        raise ConfigError(f"ONNX export is not possible: HistGradientBoosting model(s) {listed} split on text "
                          "categories, and skl2onnx converts only numeric splits; train without "
                          "HistGradientBoosting (or encode many-level text as 'frequency') to export to ONNX")
    try:
        onx, signature, unlabelled = _build(pipeline, sample, task, "float", threshold)
    except MLWorkbenchError:
        raise
    except Exception as exc:  # skl2onnx raises many kinds; name the step when the message allows it
        message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        culprit = next((f"step '{p}' ({type(s).__name__})" for p, s in iter_steps(pipeline)
                        if type(s).__name__ in message and type(s).__name__ not in _CONTAINERS), None)
        culprit = culprit or _failing_final_step(pipeline) or "the pipeline"
        raise ConfigError(f"ONNX export is not possible: {culprit} could not be converted: {message}") from exc
    payload = onx.SerializeToString()
    try:
        parity = _parity(pipeline, payload, sample, signature, task, threshold)
    except MLWorkbenchError:
        raise
    except Exception as exc:  # onnxruntime lacks a kernel, or scikit-learn cannot predict the sample
        first_line = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"ONNX export is not possible: the converted model could not be checked: {first_line}") from exc
    precision = "float"
    if not parity["ok"] and unlabelled is None and _retry_in_double(pipeline):
        try:
            onx64, signature64, unlabelled64 = _build(pipeline, sample, task, "double", threshold)
            payload64 = onx64.SerializeToString()
            parity64 = _parity(pipeline, payload64, sample, signature64, task, threshold)
        except Exception:  # the float32 graph stands; its drift is reported below
            parity64 = None
        if parity64 is not None and unlabelled64 is None and _better(parity, parity64):
            onx, signature, payload, parity, precision = onx64, signature64, payload64, parity64, "double"
    if unlabelled is not None:  # the graph's label output is argmax: say so, whatever the sample showed
        parity["ok"] = False
        parity["warning"] = (f"the ONNX graph's \"label\" output uses the 0.5 (argmax) rule, not this model's "
                             f"decision threshold {threshold:g} (the threshold could not be built in: {unlabelled}); "
                             f"consumers must apply it themselves: label = {final.classes_[1]!s} where "
                             f"probabilities[:, 1] >= {threshold:g}, else {final.classes_[0]!s}")
    elif parity["warning"]:
        parity["warning"] += _drift_hint(pipeline) if precision == "float" else " (even with float64 preparation)"
    if parity["warning"] and strict:
        raise ConfigError(f"ONNX export refused: {parity['warning']}")
    meta = {"mlworkbench.task": task, "mlworkbench.input_signature": json.dumps(signature),
            "mlworkbench.precision": precision}
    if is_classifier:
        meta["mlworkbench.classes"] = json.dumps([str(c) for c in final.classes_])
    if threshold is not None:
        meta["decision_threshold"] = repr(threshold)
        meta["mlworkbench.label_rule"] = ("argmax" if unlabelled is not None else
                                          f"classes[1] where probabilities[:, 1] >= {threshold!r}")
    for key, value in meta.items():
        prop = onx.metadata_props.add()
        prop.key, prop.value = key, value
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(onx.SerializeToString())
    return {"path": str(target), "task": task, "opset": dict(TARGET_OPSET), "precision": precision,
            "decision_threshold": threshold, "inputs": signature, **parity}
