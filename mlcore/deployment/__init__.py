"""Deployment without the database: names and versions, input schema checks and drift, prediction on
files, A/B statistics, and export (joblib, skops, ONNX, model card).

The registry (tables, stages, A/B test rows) lives in mlcore.registry; the Workspace joins the two.
Names resolve lazily so ``import mlcore.deployment`` loads neither scikit-learn nor onnx.
"""

from __future__ import annotations

from mlcore._lazy import lazy_exports

_LAZY = {
    "validate_name": "mlcore.deployment.naming",
    "validate_version": "mlcore.deployment.naming",
    "next_version": "mlcore.deployment.naming",
    "parse_version": "mlcore.deployment.naming",
    "InputSchema": "mlcore.deployment.schema",
    "SchemaCheck": "mlcore.deployment.schema",
    "build_schema": "mlcore.deployment.schema",
    "check_frame": "mlcore.deployment.schema",
    "drift_report": "mlcore.deployment.schema",
    "predict_frame": "mlcore.deployment.predict",
    "predict_prepared": "mlcore.deployment.predict",
    "compile_preparation": "mlcore.deployment.compiled",
    "CompiledPreparation": "mlcore.deployment.compiled",
    "direct_estimator_copy": "mlcore.deployment.direct",
    "write_output": "mlcore.deployment.predict",
    "output_bytes": "mlcore.deployment.predict",
    "OUTPUT_FORMATS": "mlcore.deployment.predict",
    "neutralise_formulas": "mlcore.deployment.predict",
    "proba_column": "mlcore.deployment.predict",
    "predict_parts_dask": "mlcore.deployment.dask_predict",
    "assign_arm": "mlcore.deployment.ab",
    "sample_ratio_mismatch": "mlcore.deployment.ab",
    "two_proportion_ztest": "mlcore.deployment.ab",
    "welch_ttest": "mlcore.deployment.ab",
    "analyse_outcomes": "mlcore.deployment.ab",
    "export_joblib": "mlcore.deployment.export",
    "load_joblib": "mlcore.deployment.export",
    "export_skops": "mlcore.deployment.export",
    "import_skops": "mlcore.deployment.export",
    "audit_skops": "mlcore.deployment.export",
    "export_onnx": "mlcore.deployment.onnx_export",
    "model_card": "mlcore.deployment.card",
    "sha256_file": "mlcore.deployment.export",
    "write_json": "mlcore.deployment.export",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
