"""frame_hash: a sha256 of a DataFrame's content that is stable across runs and processes."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

_VERSION = b"mlwb-frame-hash-1"


def _string_digest(series: pd.Series) -> bytes:
    """Hash text as lengths (-1 for missing) plus the concatenated UTF-8 bytes, chunking-independent."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lengths_hash, data_hash = hashlib.sha256(), hashlib.sha256()
    values = pa.array(series, type=pa.large_string(), from_pandas=True) if series.dtype == object else pa.array(series)
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    for chunk in chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            chunk = chunk.cast(pa.large_string())
        lengths = pc.binary_length(chunk).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        lengths_hash.update(lengths.tobytes())
        offsets_buffer, data_buffer = chunk.buffers()[1], chunk.buffers()[2]
        if data_buffer is None or len(chunk) == 0:
            continue
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(offsets_buffer, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
        data_hash.update(memoryview(data_buffer)[int(offsets[0]) : int(offsets[-1])])
    return lengths_hash.digest() + data_hash.digest()


def _column_digest(series: pd.Series) -> bytes:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        h = hashlib.sha256(_string_digest(pd.Series(dtype.categories.astype(str), dtype=object)))
        h.update(np.ascontiguousarray(series.cat.codes.to_numpy(dtype=np.int64)).tobytes())
        return h.digest()
    if isinstance(dtype, pd.StringDtype) or dtype == object:
        if dtype == object and pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
            hashed = pd.util.hash_array(series.astype(str).where(series.notna(), None).to_numpy(dtype=object))
            return hashlib.sha256(hashed.tobytes()).digest()
        return _string_digest(series)
    if isinstance(dtype, pd.DatetimeTZDtype):
        # the instants (UTC nanoseconds, NaT as its int sentinel) plus the zone the user sees
        instants = series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().view(np.int64)
        h = hashlib.sha256(str(dtype.tz).encode())
        h.update(np.ascontiguousarray(instants).tobytes())
        return h.digest()
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        mask = series.isna().to_numpy()
        data = series.to_numpy(dtype="float64", na_value=0.0) if dtype.kind in "iufb" else series.astype(str).to_numpy()
        h = hashlib.sha256(np.packbits(mask).tobytes())
        h.update(np.ascontiguousarray(data).tobytes() if data.dtype != object else "\x00".join(data).encode())
        return h.digest()
    values = series.to_numpy()
    if values.dtype.kind in "mM":
        values = values.view(np.int64)
    elif values.dtype.kind == "f":
        values = np.where(np.isnan(values), np.nan, values)  # one bit pattern for every NaN
    return hashlib.sha256(np.ascontiguousarray(values).view(np.uint8)).digest()


def frame_hash(df: pd.DataFrame) -> str:
    """sha256 over shape, column names, dtypes and values (not the index); equal content, equal hash."""
    top = hashlib.sha256(_VERSION)
    top.update(f"{df.shape[0]}x{df.shape[1]}".encode())
    series = [df.iloc[:, i] for i in range(df.shape[1])]
    # hashlib releases the GIL on large buffers, so columns hash in parallel
    with ThreadPoolExecutor(max_workers=min(8, max(1, len(series)))) as pool:
        digests = list(pool.map(_column_digest, series))
    for name, s, digest in zip(df.columns, series, digests):
        top.update(repr(str(name)).encode() + b"\x00" + str(s.dtype).encode() + b"\x00" + digest)
    return top.hexdigest()
