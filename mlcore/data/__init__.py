"""Dataset import and profiling: read CSV/TSV/TXT, Excel and Parquet files into typed DataFrames.

Pure functions; the Workspace stores what they return.
"""

from __future__ import annotations

from mlcore._lazy import lazy_exports

from mlcore.data.table import ImportOptions, LoadedTable

__all__ = [
    "ImportOptions",
    "LoadedTable",
    "ParquetPages",
    "ROW_GROUP_ROWS",
    "SampleInfo",
    "frame_hash",
    "PartitionedTable",
    "stream_to_parts",
    "parts_hash",
    "PARTITION_THRESHOLD_BYTES",
    "list_samples",
    "load_sample",
    "profile_frame",
    "read_table",
    "release_all_memory",
    "suggest_target",
    "suggest_target_for",
]

_LAZY = {
    "read_table": "mlcore.data.reader",
    "release_all_memory": "mlcore.data.arrow",
    "ParquetPages": "mlcore.data.pages",
    "ROW_GROUP_ROWS": "mlcore.data.pages",
    "profile_frame": "mlcore.data.profile",
    "frame_hash": "mlcore.data.hashing",
    "PartitionedTable": "mlcore.data.partitioned",
    "stream_to_parts": "mlcore.data.partitioned",
    "parts_hash": "mlcore.data.partitioned",
    "PARTITION_THRESHOLD_BYTES": "mlcore.data.partitioned",
    "SampleInfo": "mlcore.data.samples",
    "list_samples": "mlcore.data.samples",
    "load_sample": "mlcore.data.samples",
    "suggest_target": "mlcore.data.target",
    "suggest_target_for": "mlcore.data.target",
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
