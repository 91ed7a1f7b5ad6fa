"""ONNX converters for the project's own preparation transformers (mlcore.prep) so whole pipelines export."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["register_project_converters", "set_precision", "get_precision"]

# "float" or "double": the type numeric values take between steps; export_onnx sets it under its lock
_state = {"precision": "float"}


def set_precision(precision: str) -> None:
    """Choose float32 or float64 arithmetic for the project's converters (the whole graph follows it)."""
    if precision not in ("float", "double"):
        raise ValueError(precision)
    _state["precision"] = precision


def get_precision() -> str:
    return _state["precision"]


def _onnx_float() -> int:
    from onnx import TensorProto

    return TensorProto.DOUBLE if _state["precision"] == "double" else TensorProto.FLOAT


def _tensor_float() -> Any:
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    return DoubleTensorType if _state["precision"] == "double" else FloatTensorType


def _n_rows(operator: Any) -> Any:
    return operator.inputs[0].get_first_dimension()


def _n_cols(operator: Any) -> int | None:
    total = 0
    for var in operator.inputs:
        dims = var.type.shape
        if len(dims) < 2 or not isinstance(dims[1], (int, np.integer)):
            return None
        total += int(dims[1])
    return total


def _single_input(scope: Any, operator: Any, container: Any) -> str:
    """One input name; several inputs (columns from a ColumnTransformer) are concatenated on axis 1."""
    if len(operator.inputs) == 1:
        return operator.inputs[0].full_name
    name = scope.get_unique_variable_name("concat_inputs")
    container.add_node("Concat", [v.full_name for v in operator.inputs], name, axis=1,
                       name=scope.get_unique_operator_name("Concat"))
    return name


# -- AsText -------------------------------------------------------------------------------------------

def _as_text_shape(operator: Any) -> None:
    from skl2onnx.common.data_types import StringTensorType

    operator.outputs[0].type = StringTensorType([_n_rows(operator), _n_cols(operator)])


def _as_text_convert(scope: Any, operator: Any, container: Any) -> None:
    from onnx import TensorProto
    from skl2onnx.common.data_types import StringTensorType

    source = _single_input(scope, operator, container)
    if all(isinstance(v.type, StringTensorType) for v in operator.inputs):
        container.add_node("Identity", [source], operator.outputs[0].full_name,
                           name=scope.get_unique_operator_name("AsText"))
    else:
        container.add_node("Cast", [source], operator.outputs[0].full_name, to=TensorProto.STRING,
                           name=scope.get_unique_operator_name("AsTextCast"))


# -- ToFloat ------------------------------------------------------------------------------------------

def _float_shape(operator: Any) -> None:
    operator.outputs[0].type = _tensor_float()([_n_rows(operator), _n_cols(operator)])


def _to_float_convert(scope: Any, operator: Any, container: Any) -> None:
    from onnx import TensorProto

    source = _single_input(scope, operator, container)
    container.add_node("Cast", [source], operator.outputs[0].full_name, to=_onnx_float(),
                       name=scope.get_unique_operator_name("ToFloat"))


# -- FrequencyEncoder ---------------------------------------------------------------------------------

def _frequency_convert(scope: Any, operator: Any, container: Any) -> None:
    from onnx import TensorProto

    encoder = operator.raw_operator
    source = _single_input(scope, operator, container)
    encoded = []
    for j, table in enumerate(encoder.frequencies_):
        index = scope.get_unique_variable_name(f"freq_col{j}")
        container.add_initializer(index, TensorProto.INT64, [1], [j])
        column = scope.get_unique_variable_name(f"freq_in{j}")
        container.add_node("Gather", [source, index], column, axis=1, name=scope.get_unique_operator_name("Gather"))
        keys = [k for k in table if isinstance(k, str) and k != "\0missing"]
        # level -> row of a lookup table; the table holds the shares in the graph's precision (float32 shares
        # would differ from scikit-learn's float64 ones); the last row (0.0) is for unseen levels
        codes = scope.get_unique_variable_name(f"freq_code{j}")
        container.add_node("LabelEncoder", [column], codes, op_domain="ai.onnx.ml", op_version=2,
                           keys_strings=keys or [""], values_int64s=list(range(len(keys))) or [0],
                           default_int64=len(keys), name=scope.get_unique_operator_name("FrequencyCode"))
        lookup = scope.get_unique_variable_name(f"freq_table{j}")
        values = [float(table[k]) for k in keys] + [0.0]
        container.add_initializer(lookup, _onnx_float(), [len(values)], values)
        out = scope.get_unique_variable_name(f"freq_out{j}")
        container.add_node("Gather", [lookup, codes], out, axis=0, name=scope.get_unique_operator_name("Gather"))
        encoded.append(out)
    joined = scope.get_unique_variable_name("freq_all")
    if len(encoded) == 1:
        container.add_node("Identity", encoded, joined, name=scope.get_unique_operator_name("Identity"))
    else:
        container.add_node("Concat", encoded, joined, axis=1, name=scope.get_unique_operator_name("Concat"))
    container.add_node("Cast", [joined], operator.outputs[0].full_name, to=_onnx_float(),
                       name=scope.get_unique_operator_name("Cast"))


# -- OutlierClipper -----------------------------------------------------------------------------------

def _clipper_convert(scope: Any, operator: Any, container: Any) -> None:
    from onnx import TensorProto

    clipper = operator.raw_operator
    source = _single_input(scope, operator, container)
    cast = scope.get_unique_variable_name("clip_in")
    kind = _onnx_float()
    container.add_node("Cast", [source], cast, to=kind, name=scope.get_unique_operator_name("Cast"))
    low = scope.get_unique_variable_name("clip_low")
    high = scope.get_unique_variable_name("clip_high")
    container.add_initializer(low, kind, [1, len(clipper.lower_)], [float(v) for v in clipper.lower_])
    container.add_initializer(high, kind, [1, len(clipper.upper_)], [float(v) for v in clipper.upper_])
    # Where keeps NaN as NaN (np.clip does); Max/Min alone would not promise that
    above = scope.get_unique_variable_name("clip_above")
    container.add_node("Max", [cast, low], above, name=scope.get_unique_operator_name("Max"))
    clipped = scope.get_unique_variable_name("clip_both")
    container.add_node("Min", [above, high], clipped, name=scope.get_unique_operator_name("Min"))
    isnan = scope.get_unique_variable_name("clip_isnan")
    container.add_node("IsNaN", [cast], isnan, name=scope.get_unique_operator_name("IsNaN"))
    container.add_node("Where", [isnan, cast, clipped], operator.outputs[0].full_name,
                       name=scope.get_unique_operator_name("Where"))


# -- FeatureSelector ----------------------------------------------------------------------------------

def _selector_shape(operator: Any) -> None:
    kind = type(operator.inputs[0].type) if len(operator.inputs) == 1 else _tensor_float()
    operator.outputs[0].type = kind([_n_rows(operator), int(np.sum(operator.raw_operator.support_))])


def _selector_convert(scope: Any, operator: Any, container: Any) -> None:
    from onnx import TensorProto

    source = _single_input(scope, operator, container)
    keep = np.flatnonzero(operator.raw_operator.support_)
    index = scope.get_unique_variable_name("selected")
    container.add_initializer(index, TensorProto.INT64, [len(keep)], [int(i) for i in keep])
    container.add_node("Gather", [source, index], operator.outputs[0].full_name, axis=1,
                       name=scope.get_unique_operator_name("SelectFeatures"))


def _same_float_shape(operator: Any) -> None:
    _float_shape(operator)


# -- SimpleImputer on text -------------------------------------------------------------------------

def _imputer_convert(scope: Any, operator: Any, container: Any) -> None:
    """skl2onnx's imputer refuses text with NaN as the missing marker; text arrives with "" for missing."""
    from onnx import TensorProto
    from skl2onnx.common.data_types import StringTensorType
    from skl2onnx.operator_converters.imputer_op import convert_sklearn_imputer

    from skl2onnx.common.data_types import DoubleTensorType

    imputer = operator.raw_operator
    marker = imputer.missing_values
    nan_marker = isinstance(marker, float) and np.isnan(marker) or marker is None
    if nan_marker and all(isinstance(v.type, DoubleTensorType) for v in operator.inputs):
        _impute_double(scope, operator, container)
        return
    if not (all(isinstance(v.type, StringTensorType) for v in operator.inputs) and nan_marker):
        convert_sklearn_imputer(scope, operator, container)
        return
    source = _single_input(scope, operator, container)
    flag = scope.get_unique_variable_name("missing_flag")
    container.add_node("LabelEncoder", [source], flag, op_domain="ai.onnx.ml", op_version=2,
                       keys_strings=["", "nan"], values_int64s=[1, 1], default_int64=0,
                       name=scope.get_unique_operator_name("MissingText"))
    mask = scope.get_unique_variable_name("missing_mask")
    container.add_node("Cast", [flag], mask, to=TensorProto.BOOL, name=scope.get_unique_operator_name("Cast"))
    fills = [("" if (isinstance(s, float) and np.isnan(s)) else str(s)) for s in imputer.statistics_]
    fill = scope.get_unique_variable_name("fill_values")
    container.add_initializer(fill, TensorProto.STRING, [1, len(fills)], [f.encode("utf-8") for f in fills])
    container.add_node("Where", [mask, fill, source], operator.outputs[0].full_name,
                       name=scope.get_unique_operator_name("ImputeText"))


def _impute_double(scope: Any, operator: Any, container: Any) -> None:
    """onnxruntime's Imputer takes float32 only; in float64 graphs missing values are filled with Where."""
    from onnx import TensorProto

    source = _single_input(scope, operator, container)
    mask = scope.get_unique_variable_name("nan_mask")
    container.add_node("IsNaN", [source], mask, name=scope.get_unique_operator_name("IsNaN"))
    fills = [float(v) for v in operator.raw_operator.statistics_]
    fill = scope.get_unique_variable_name("fill_values")
    container.add_initializer(fill, TensorProto.DOUBLE, [1, len(fills)], fills)
    container.add_node("Where", [mask, fill, source], operator.outputs[0].full_name,
                       name=scope.get_unique_operator_name("Impute"))


# -- OrdinalEncoder in float64 graphs -------------------------------------------------------------

def _ordinal_shape(operator: Any) -> None:
    from skl2onnx.common.data_types import FloatTensorType
    from skl2onnx.shape_calculators.ordinal_encoder import calculate_sklearn_ordinal_encoder_output_shapes

    calculate_sklearn_ordinal_encoder_output_shapes(operator)
    out = operator.outputs[0]
    if isinstance(out.type, FloatTensorType) and _state["precision"] == "double":
        out.type = _tensor_float()(out.type.shape)


def _ordinal_convert(scope: Any, operator: Any, container: Any) -> None:
    """skl2onnx's encoder always emits float32; a float64 graph gets its codes cast to double."""
    from onnx import TensorProto
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
    from skl2onnx.operator_converters.ordinal_encoder import convert_sklearn_ordinal_encoder

    if not isinstance(operator.outputs[0].type, DoubleTensorType):
        convert_sklearn_ordinal_encoder(scope, operator, container)
        return
    sub = scope.declare_local_operator("SklearnOrdinalEncoder", operator.raw_operator)
    for var in operator.inputs:
        sub.inputs.append(var)
    codes = scope.declare_local_variable("ordinal_codes", FloatTensorType())
    sub.outputs.append(codes)
    container.add_node("Cast", [codes.onnx_name], operator.outputs[0].full_name, to=TensorProto.DOUBLE,
                       name=scope.get_unique_operator_name("CastCodes"))


def _parser_for(alias: str, output_type: str | None):
    """A parser declaring the output's real type up front, so the steps after it are typed right."""

    def parse(scope: Any, model: Any, inputs: list[Any], custom_parsers: Any = None) -> list[Any]:
        from skl2onnx.common.data_types import FloatTensorType, StringTensorType, guess_tensor_type

        operator = scope.declare_local_operator(alias, model)
        operator.inputs = inputs
        kind = {"string": StringTensorType(), "float": _tensor_float()()}.get(output_type or "")
        variable = scope.declare_local_variable("variable", kind or guess_tensor_type(inputs[0].type))
        operator.outputs.append(variable)
        return operator.outputs

    return parse


def register_project_converters(registered: set[type]) -> None:
    """Register the converters once; `registered` records the classes already done."""
    from skl2onnx import update_registered_converter

    from mlcore.prep import AsText, FeatureSelector, FrequencyEncoder, OutlierClipper, ToFloat

    table = [
        (AsText, _as_text_shape, _as_text_convert, "string"),
        (ToFloat, _float_shape, _to_float_convert, "float"),
        (FrequencyEncoder, _float_shape, _frequency_convert, "float"),
        (OutlierClipper, _same_float_shape, _clipper_convert, "float"),
        (FeatureSelector, _selector_shape, _selector_convert, None),
    ]
    from sklearn.impute import SimpleImputer
    from skl2onnx.shape_calculators.imputer import calculate_sklearn_imputer_output_shapes

    from sklearn.preprocessing import OrdinalEncoder

    if OrdinalEncoder not in registered:
        update_registered_converter(OrdinalEncoder, "MLWorkbenchOrdinalEncoder", _ordinal_shape, _ordinal_convert)
        registered.add(OrdinalEncoder)
    if SimpleImputer not in registered:
        update_registered_converter(SimpleImputer, "SklearnSimpleImputer", calculate_sklearn_imputer_output_shapes,
                                    _imputer_convert)
        registered.add(SimpleImputer)
    for cls, shape, convert, output_type in table:
        if cls not in registered:
            alias = f"MLWorkbench{cls.__name__}"
            update_registered_converter(cls, alias, shape, convert, parser=_parser_for(alias, output_type))
            registered.add(cls)
