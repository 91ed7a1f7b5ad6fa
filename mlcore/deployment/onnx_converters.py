"""ONNX converters for the project's own preparation transformers (mlcore.prep) so whole pipelines export."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["register_project_converters"]


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
    from skl2onnx.common.data_types import FloatTensorType

    operator.outputs[0].type = FloatTensorType([_n_rows(operator), _n_cols(operator)])


def _to_float_convert(scope: Any, operator: Any, container: Any) -> None:
    from onnx import TensorProto

    source = _single_input(scope, operator, container)
    container.add_node("Cast", [source], operator.outputs[0].full_name, to=TensorProto.FLOAT,
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
        out = scope.get_unique_variable_name(f"freq_out{j}")
        container.add_node("LabelEncoder", [column], out, op_domain="ai.onnx.ml", op_version=2,
                           keys_strings=keys or [""], values_floats=[float(table[k]) for k in keys] or [0.0],
                           default_float=0.0, name=scope.get_unique_operator_name("FrequencyEncoder"))
        encoded.append(out)
    if len(encoded) == 1:
        container.add_node("Identity", encoded, operator.outputs[0].full_name,
                           name=scope.get_unique_operator_name("Identity"))
    else:
        container.add_node("Concat", encoded, operator.outputs[0].full_name, axis=1,
                           name=scope.get_unique_operator_name("Concat"))


# -- OutlierClipper -----------------------------------------------------------------------------------

def _clipper_convert(scope: Any, operator: Any, container: Any) -> None:
    from onnx import TensorProto

    clipper = operator.raw_operator
    source = _single_input(scope, operator, container)
    cast = scope.get_unique_variable_name("clip_in")
    container.add_node("Cast", [source], cast, to=TensorProto.FLOAT, name=scope.get_unique_operator_name("Cast"))
    low = scope.get_unique_variable_name("clip_low")
    high = scope.get_unique_variable_name("clip_high")
    container.add_initializer(low, TensorProto.FLOAT, [1, len(clipper.lower_)], [float(v) for v in clipper.lower_])
    container.add_initializer(high, TensorProto.FLOAT, [1, len(clipper.upper_)], [float(v) for v in clipper.upper_])
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
    from skl2onnx.common.data_types import FloatTensorType

    kind = type(operator.inputs[0].type) if len(operator.inputs) == 1 else FloatTensorType
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

    imputer = operator.raw_operator
    marker = imputer.missing_values
    text_nan = isinstance(marker, float) and np.isnan(marker) or marker is None
    if not (all(isinstance(v.type, StringTensorType) for v in operator.inputs) and text_nan):
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


def _parser_for(alias: str, output_type: str | None):
    """A parser declaring the output's real type up front, so the steps after it are typed right."""

    def parse(scope: Any, model: Any, inputs: list[Any], custom_parsers: Any = None) -> list[Any]:
        from skl2onnx.common.data_types import FloatTensorType, StringTensorType, guess_tensor_type

        operator = scope.declare_local_operator(alias, model)
        operator.inputs = inputs
        kind = {"string": StringTensorType(), "float": FloatTensorType()}.get(output_type or "")
        variable = scope.declare_local_variable("variable", kind or guess_tensor_type(inputs[0].type))
        operator.outputs.append(variable)
        return operator.outputs

    return parse


def register_project_converters(registered: set[type]) -> None:
    """Register the converters once; `registered` records the classes already done."""
    from skl2onnx import update_registered_converter

    from mlcore.prep._selector import FeatureSelector
    from mlcore.prep._transformers import AsText, FrequencyEncoder, OutlierClipper, ToFloat

    table = [
        (AsText, _as_text_shape, _as_text_convert, "string"),
        (ToFloat, _float_shape, _to_float_convert, "float"),
        (FrequencyEncoder, _float_shape, _frequency_convert, "float"),
        (OutlierClipper, _same_float_shape, _clipper_convert, "float"),
        (FeatureSelector, _selector_shape, _selector_convert, None),
    ]
    from sklearn.impute import SimpleImputer
    from skl2onnx.shape_calculators.imputer import calculate_sklearn_imputer_output_shapes

    if SimpleImputer not in registered:
        update_registered_converter(SimpleImputer, "SklearnSimpleImputer", calculate_sklearn_imputer_output_shapes,
                                    _imputer_convert)
        registered.add(SimpleImputer)
    for cls, shape, convert, output_type in table:
        if cls not in registered:
            alias = f"MLWorkbench{cls.__name__}"
            update_registered_converter(cls, alias, shape, convert, parser=_parser_for(alias, output_type))
            registered.add(cls)
