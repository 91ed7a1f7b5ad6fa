"""The input schema a model expects, the check of a prediction file against it, and drift (PSI)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mlcore.errors import DataValidationError, shown

__all__ = ["InputSchema", "SchemaCheck", "build_schema", "check_frame", "drift_report", "column_kind"]

MAX_CATEGORIES = 1000  # levels kept per text/category column
PSI_LEVELS = 50  # most frequent levels that get their own PSI bucket; the rest share "__other__"
PSI_BINS = 10  # quantile bins per numeric column
_EPS = 1e-4  # floor for a bucket's share in PSI (an empty bucket would make it infinite)
_OTHER = "__other__"
_NULL_TOKENS = {"", "na", "n/a", "nan", "null", "none", "-", "?", "#n/a"}
_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


@dataclass
class InputSchema:
    """Columns (name, kind, levels, nullability, stats, PSI reference), an example row and the target."""

    columns: list[dict[str, Any]]
    example_row: dict[str, Any]
    target: str

    @property
    def names(self) -> list[str]:
        return [c["name"] for c in self.columns]

    def column(self, name: str) -> dict[str, Any]:
        for col in self.columns:
            if col["name"] == name:
                return col
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"columns": [dict(c) for c in self.columns], "example_row": dict(self.example_row), "target": self.target}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "InputSchema":
        """Rebuild from :meth:`to_dict` output."""
        return cls(columns=[dict(c) for c in data["columns"]], example_row=dict(data.get("example_row") or {}),
                   target=str(data.get("target") or ""))


@dataclass
class SchemaCheck:
    """A frame aligned to the schema, with what was ignored, converted or unseen."""

    frame: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    unseen_categories: dict[str, int] = field(default_factory=dict)
    converted_columns: list[str] = field(default_factory=list)


def column_kind(series: pd.Series) -> str:
    """numeric | integer | boolean | datetime | category | text."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    return "text"


def _py(value: Any) -> Any:
    """A JSON-safe Python value (NaN/NaT -> None, numpy scalars -> Python, timestamps -> ISO text)."""
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return None if pd.isna(value) else pd.Timestamp(value).isoformat()
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (int, str)):
        return value
    return str(value)


def _as_float(series: pd.Series, kind: str) -> pd.Series:
    if kind == "datetime":
        values = pd.to_datetime(series, errors="coerce", utc=isinstance(series.dtype, pd.DatetimeTZDtype))
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        out = pd.Series(np.nan, index=series.index, dtype=float)
        ok = values.notna()
        out[ok] = values[ok].astype("datetime64[s]").astype("int64").astype(float)
        return out
    return pd.to_numeric(series, errors="coerce").astype(float)


def _numeric_reference(values: pd.Series) -> tuple[list[float], list[float]]:
    """Quantile cut points and the training share of each bin (bins are right-open)."""
    clean = values.dropna().to_numpy(dtype=float)
    if len(clean) == 0:
        return [], [1.0]
    distinct = np.unique(clean)
    if len(distinct) <= PSI_BINS:
        cuts = distinct[1:]  # one bin per value
    else:
        cuts = np.unique(np.quantile(clean, np.linspace(0, 1, PSI_BINS + 1)[1:-1]))
    counts = np.bincount(np.searchsorted(cuts, clean, side="right"), minlength=len(cuts) + 1)
    return [float(c) for c in cuts], [float(x) for x in counts / counts.sum()]


def _category_reference(values: pd.Series) -> tuple[list[str], list[float]]:
    counts = values.dropna().astype(str).value_counts()
    if counts.empty:
        return [], []
    top = counts.iloc[:PSI_LEVELS]
    shares = list(top / counts.sum())
    levels = [str(k) for k in top.index]
    if len(counts) > PSI_LEVELS:
        levels.append(_OTHER)
        shares.append(float(counts.iloc[PSI_LEVELS:].sum() / counts.sum()))
    return levels, [float(s) for s in shares]


def build_schema(X_train: pd.DataFrame, target: str) -> InputSchema:
    """Describe the training features (without the target) so prediction files can be checked against them."""
    columns: list[dict[str, Any]] = []
    features = X_train.drop(columns=[target]) if target in X_train.columns else X_train
    n = len(features)
    for name in features.columns:
        series = features[name]
        kind = column_kind(series)
        col: dict[str, Any] = {
            "name": str(name),
            "dtype": kind,
            "pandas_dtype": str(series.dtype),
            "nullable": bool(series.isna().any()),
            "null_share": float(series.isna().mean()) if n else 0.0,
        }
        if kind in ("numeric", "integer", "datetime", "boolean"):
            as_float = _as_float(series, kind) if kind != "boolean" else series.astype(float)
            if kind in ("numeric", "integer") and as_float.notna().any():
                col["stats"] = {"min": float(as_float.min()), "max": float(as_float.max()),
                                "mean": float(as_float.mean()), "std": float(as_float.std(ddof=0))}
            elif kind == "datetime" and series.notna().any():
                col["stats"] = {"min": _py(series.min()), "max": _py(series.max())}
            col["bins"], col["freqs"] = _numeric_reference(as_float)
        else:
            counts = series.dropna().astype(str).value_counts()
            col["categories"] = [str(k) for k in counts.index[:MAX_CATEGORIES]]
            col["n_levels"] = int(len(counts))
            col["categories_truncated"] = bool(len(counts) > MAX_CATEGORIES)
            col["bins"], col["freqs"] = _category_reference(series)
        columns.append(col)
    example: dict[str, Any] = {}
    if n:
        # the most complete row is the most useful example
        row_pos = int(np.argmin(features.isna().sum(axis=1).to_numpy())) if len(features.columns) else 0
        example = {str(k): _py(v) for k, v in features.iloc[row_pos].items()}
    return InputSchema(columns=columns, example_row=example, target=str(target))


# -- checking a prediction file ---------------------------------------------------------------------

def _normalise_number_text(text: str) -> str:
    """' 1.234,5 ' -> '1234.5'; '1,5' -> '1.5'; '1 000' -> '1000'; '12%' stays invalid."""
    t = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    if "," in t and "." in t:
        if t.rfind(",") > t.rfind("."):
            t = t.replace(".", "").replace(",", ".")
        else:
            t = t.replace(",", "")
    elif t.count(",") == 1:
        t = t.replace(",", ".")
    elif t.count(",") > 1:
        t = t.replace(",", "")
    return t


def _text_to_number(series: pd.Series, name: str, source: str) -> pd.Series:
    text = series.astype("str")
    lowered = text.str.strip().str.lower()
    null_like = series.isna() | lowered.isin(_NULL_TOKENS)
    normalised = text.where(null_like, text.map(_normalise_number_text, na_action="ignore"))
    numbers = pd.to_numeric(normalised.where(~null_like), errors="coerce")
    bad = numbers.isna() & ~null_like
    if bad.any():
        examples = series[bad]
        raise DataValidationError(
            f"{source}: column '{name}' must be numeric but {int(bad.sum())} value(s) are not numbers, "
            f"e.g. {str(examples.iloc[0])!r} (row {shown(examples.index[0])})")
    return numbers.astype(float)


def _to_numeric(series: pd.Series, col: dict[str, Any], source: str) -> tuple[pd.Series, bool]:
    kind = col["dtype"]
    if str(series.dtype) == col.get("pandas_dtype") and pd.api.types.is_numeric_dtype(series.dtype) \
            and not pd.api.types.is_bool_dtype(series.dtype):
        return series, False  # already what training saw: the fast path for large files
    if pd.api.types.is_bool_dtype(series.dtype):
        values, converted = series.astype(float), True
    elif pd.api.types.is_numeric_dtype(series.dtype):
        values, converted = series, False
    else:
        values, converted = _text_to_number(series, col["name"], source), True
    if kind == "integer":
        as_float = values.astype(float)
        whole = as_float.dropna()
        if values.notna().all() and bool((whole == np.round(whole)).all()):
            target_dtype = col.get("pandas_dtype") or "int64"
            try:
                cast = as_float.astype(target_dtype)
            except (TypeError, ValueError):
                cast = as_float.astype("int64")
            return cast, converted or str(series.dtype) != str(cast.dtype)
        return as_float, converted or not pd.api.types.is_float_dtype(series.dtype)
    if not pd.api.types.is_float_dtype(values.dtype):
        return values.astype(float), True
    return values, converted


def _to_boolean(series: pd.Series, name: str, source: str) -> tuple[pd.Series, bool]:
    if pd.api.types.is_bool_dtype(series.dtype):
        return series, False
    text = series.astype("str").str.strip().str.lower()
    null_like = series.isna() | text.isin(_NULL_TOKENS - {"-"})
    mapped = pd.Series(np.nan, index=series.index, dtype=float)
    mapped[text.isin(_TRUE)] = 1.0
    mapped[text.isin(_FALSE)] = 0.0
    bad = mapped.isna() & ~null_like
    if bad.any():
        example = series[bad].iloc[0]
        raise DataValidationError(f"{source}: column '{name}' must be true/false but holds {str(example)!r} "
                                  f"({int(bad.sum())} such value(s))")
    if mapped.isna().any():
        return mapped, True  # missing booleans stay as NaN in a float column the imputer can fill
    return mapped.astype(bool), True


def _to_datetime(series: pd.Series, col: dict[str, Any], source: str) -> tuple[pd.Series, bool]:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series, False
    parsed = pd.to_datetime(series, errors="coerce")
    bad = parsed.isna() & series.notna() & ~series.astype("str").str.strip().str.lower().isin(_NULL_TOKENS)
    if bad.any():
        raise DataValidationError(f"{source}: column '{col['name']}' must hold dates but holds "
                                  f"{str(series[bad].iloc[0])!r} ({int(bad.sum())} such value(s))")
    try:
        parsed = parsed.astype(col.get("pandas_dtype") or parsed.dtype)
    except (TypeError, ValueError):
        pass
    return parsed, True


def _to_text(series: pd.Series) -> tuple[pd.Series, bool]:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.astype("str"), True
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(series.dtype):
        return series, False
    if pd.api.types.is_float_dtype(series.dtype):
        # 3.0 read from a file is the level "3" seen in training
        whole = series.dropna()
        if bool((whole == np.round(whole)).all()):
            series = series.astype("Int64")
    return series.astype("str").where(series.notna()), True


def _unseen(series: pd.Series, col: dict[str, Any]) -> pd.Series:
    known = set(col.get("categories") or [])
    return series.notna() & ~series.astype("str").isin(known)


def check_frame(df: pd.DataFrame, schema: InputSchema, source: str = "input") -> SchemaCheck:
    """Align `df` to the schema: error on missing columns or bad values, convert, count unseen levels."""
    duplicated = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
    if duplicated:
        raise DataValidationError(f"{source}: column name(s) appear more than once: {', '.join(duplicated)}")
    given = {str(c): c for c in df.columns}
    stripped = {str(c).strip(): c for c in df.columns}
    mapping: dict[str, Any] = {}
    missing: list[str] = []
    for name in schema.names:
        if name in given:
            mapping[name] = given[name]
        elif name.strip() in stripped:
            mapping[name] = stripped[name.strip()]
        else:
            missing.append(name)
    if missing:
        raise DataValidationError(
            f"{source}: missing column(s) required by the model: {', '.join(missing)} "
            f"(the model expects {len(schema.names)} columns: {', '.join(schema.names[:20])}"
            f"{' ...' if len(schema.names) > 20 else ''})")
    used = set(mapping.values())
    extra = [str(c) for c in df.columns if c not in used]
    warnings: list[str] = []
    if extra:
        warnings.append(f"{source}: {len(extra)} column(s) not used by the model were ignored: "
                        f"{', '.join(extra[:20])}{' ...' if len(extra) > 20 else ''}")
    out: dict[str, pd.Series] = {}
    converted: list[str] = []
    unseen: dict[str, int] = {}
    for col in schema.columns:
        name, kind = col["name"], col["dtype"]
        series = df[mapping[name]]
        if kind in ("numeric", "integer"):
            values, changed = _to_numeric(series, col, source)
        elif kind == "boolean":
            values, changed = _to_boolean(series, name, source)
        elif kind == "datetime":
            values, changed = _to_datetime(series, col, source)
        else:
            values, changed = _to_text(series)
            if kind == "category":
                levels = list(col.get("categories") or [])
                extra_levels = sorted(set(values.dropna().unique()) - set(levels))
                changed = changed and not isinstance(series.dtype, pd.CategoricalDtype)
                values = values.astype(pd.CategoricalDtype(levels + extra_levels))
            if not col.get("categories_truncated"):
                mask = _unseen(values, col)
                if mask.any():
                    unseen[name] = int(mask.sum())
                    examples = ", ".join(repr(v) for v in pd.unique(values[mask].astype("str"))[:3])
                    warnings.append(f"{source}: column '{name}' has {unseen[name]} value(s) not seen in training "
                                    f"(e.g. {examples}); the model treats them as unknown")
        if changed:
            converted.append(name)
        n_null = int(values.isna().sum())
        if n_null and not col.get("nullable", True):
            warnings.append(f"{source}: column '{name}' has {n_null} missing value(s); training data had none")
        out[name] = values
    frame = pd.DataFrame(out, index=df.index)
    return SchemaCheck(frame=frame, warnings=warnings, extra_columns=extra, unseen_categories=unseen,
                       converted_columns=converted)


# -- drift --------------------------------------------------------------------------------------------

def _psi(expected: np.ndarray, actual: np.ndarray) -> float:
    e = np.clip(np.asarray(expected, dtype=float), _EPS, None)
    a = np.clip(np.asarray(actual, dtype=float), _EPS, None)
    return float(np.sum((a - e) * np.log(a / e)))


def _shares(col: dict[str, Any], series: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """Reference and observed shares over the same buckets (+ a null bucket), or None when not comparable."""
    kind, bins, freqs = col["dtype"], col.get("bins"), col.get("freqs")
    if bins is None or freqs is None:
        return None
    null_ref = float(col.get("null_share", 0.0))
    if kind in ("numeric", "integer", "datetime", "boolean"):
        values = _as_float(series, kind) if kind != "boolean" else pd.to_numeric(series, errors="coerce").astype(float)
        clean = values.dropna().to_numpy()
        counts = np.bincount(np.searchsorted(np.asarray(bins, dtype=float), clean, side="right"),
                             minlength=len(bins) + 1).astype(float)
        ref = np.asarray(freqs, dtype=float)
    else:
        if not bins:
            return None
        text = series.dropna().astype("str")
        has_other = bins[-1] == _OTHER
        levels = list(bins[:-1]) if has_other else list(bins)
        vc = text.value_counts()
        named = [float(vc.get(level, 0)) for level in levels]
        counts = np.array(named + [float(len(text)) - sum(named)])
        ref = np.asarray(list(freqs) if has_other else list(freqs) + [0.0], dtype=float)
    total = len(series)
    if total == 0:
        return None
    observed = counts / total
    reference = ref * (1.0 - null_ref)
    observed = np.append(observed, series.isna().sum() / total)
    reference = np.append(reference, null_ref)
    return reference, observed


def drift_report(df: pd.DataFrame, schema: InputSchema, threshold: float = 0.2) -> list[dict[str, Any]]:
    """PSI of each feature against its training distribution, largest first; rows above `threshold` carry a warning."""
    rows: list[dict[str, Any]] = []
    for col in schema.columns:
        name = col["name"]
        if name not in df.columns:
            continue
        shares = _shares(col, df[name])
        if shares is None:
            continue
        psi = _psi(*shares)
        drifted = psi > threshold
        rows.append({
            "feature": name,
            "kind": col["dtype"],
            "psi": psi,
            "drifted": bool(drifted),
            "warning": (f"feature '{name}' drifted from its training distribution (PSI {psi:.3f} > {threshold:g})"
                        if drifted else None),
        })
    rows.sort(key=lambda r: r["psi"], reverse=True)
    return rows
