"""A Markdown model card from a model version's metadata."""

from __future__ import annotations

from typing import Any

__all__ = ["model_card"]


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return _cell(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return _cell(value)


# facts stored beside the metrics that are not scores: shown elsewhere on the card
NOT_METRICS = {"n_rows", "positive_label", "threshold", "decision_threshold", "labels", "classes"}


def _count(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _param_rows(params: dict[str, Any], m: dict[str, Any]) -> list[list[Any]]:
    """Hyperparameters; an early-stopped model shows the iteration it kept beside n_estimators."""
    summary = m.get("training_summary") or {}
    best = m.get("best_iteration", summary.get("best_iteration"))
    rows = []
    for key, value in sorted(params.items()):
        if best is not None and key.split("__")[-1] in ("n_estimators", "max_iter", "num_boost_round"):
            value = f"{value} (early stopping kept {best} iterations)"
        rows.append([key, value])
    if best is not None and not any("(early stopping" in str(v) for _, v in rows):
        rows.append(["best iteration (early stopping)", best])
    return rows


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _schema_rows(schema: dict[str, Any] | None) -> list[list[Any]]:
    rows = []
    for col in (schema or {}).get("columns", []):
        if col.get("categories") is not None:
            levels = col["categories"]
            detail = ", ".join(map(str, levels[:8])) + (f" … ({col.get('n_levels', len(levels))} levels)"
                                                         if len(levels) > 8 else "")
        elif col.get("stats"):
            s = col["stats"]
            detail = f"{_number(s.get('min'))} … {_number(s.get('max'))}" + (
                f", mean {_number(s['mean'])}" if "mean" in s else "")
        else:
            detail = ""
        rows.append([col.get("name"), col.get("dtype"), "yes" if col.get("nullable") else "no", detail])
    return rows


def _decision_rule(m: dict[str, Any]) -> list[str]:
    """Lines stating the decision threshold and that predictions use it (or that the most probable class wins)."""
    threshold = next((m[k] for k in ("decision_threshold", "threshold") if m.get(k) is not None), None)
    if threshold is None:
        if str(m.get("task") or "").startswith("classif"):
            return ["", "Decision rule: the most probable class is predicted (no decision threshold is set)."]
        return []
    classes = m.get("classes") or (m.get("metrics") or {}).get("labels")
    label = (m.get("metrics") or {}).get("positive_label")
    positive = (f"`{label}`" if label is not None else f"`{classes[1]}`"
                if isinstance(classes, (list, tuple)) and len(classes) == 2
                else "the positive class (the second of the two classes in sorted order)")
    return ["", f"Decision threshold: {_number(threshold)}. Predictions use it: {positive} is predicted when its "
                "probability is at or above it, otherwise the other class (not the usual 0.5). "
                "The exported model files record it as `decision_threshold` (ONNX: built into the `label` output; "
                "joblib/skops: in the metadata JSON beside the file, as the pipeline's own predict() uses 0.5)."]


def model_card(metadata: dict[str, Any]) -> str:
    """Markdown card: identity, data, metrics, parameters, input schema, threshold, libraries, intended use.

    Keys read (all optional): name, version, description, task/task_type, algorithm, stage/status, created_at, tags,
    artifact_sha256, dataset_name/dataset_id, dataset_hash, training_samples, target/target_name, feature_names, metrics
    (flat or one level nested), threshold/decision_threshold, hyperparameters, input_schema
    (InputSchema.to_dict()), library_versions, intended_use, limitations (text or list).
    """
    m = dict(metadata)
    # the registry's names for the same facts
    m.setdefault("task", m.get("task_type"))
    m.setdefault("target", m.get("target_name"))
    name, version = m.get("name", "model"), m.get("version", "")
    lines = [f"# Model card: {name} {version}".rstrip(), ""]
    if m.get("description"):
        lines += [str(m["description"]), ""]
    lines += ["## Model", ""]
    lines += _table(["Field", "Value"], [
        ["Name", name], ["Version", version], ["Task", m.get("task")], ["Algorithm", m.get("algorithm")],
        ["Stage", m.get("stage") or m.get("status")], ["Created", m.get("created_at")],
        ["Tags", ", ".join(map(str, m.get("tags") or []))], ["Artifact sha256", m.get("artifact_sha256")],
    ])
    lines += ["", "## Data", ""]
    metrics = m.get("metrics") or {}
    dataset = (f"{m['dataset_name']} ({m['dataset_id']})" if m.get("dataset_name") and m.get("dataset_id")
               else m.get("dataset_name") or m.get("dataset_id"))
    lines += _table(["Field", "Value"], [
        ["Dataset", dataset], ["Dataset hash", m.get("dataset_hash")],
        ["Training rows", m.get("training_samples")], ["Test rows", _count(metrics.get("n_rows"))],
        ["Target", m.get("target")], ["Features", len(m.get("feature_names") or []) or None],
    ])
    lines += ["", "## Metrics", ""]
    if metrics:
        flat: list[list[Any]] = []
        for key, value in metrics.items():
            if key in NOT_METRICS:
                continue
            if key == "at_default_threshold":  # the same metrics at 0.5, where the chosen threshold changes them
                flat += [[f"{k} (at threshold 0.5)", _number(v)] for k, v in value.items()]
            elif isinstance(value, dict):
                flat += [[f"{key}.{k}", _number(v)] for k, v in value.items() if not isinstance(v, (dict, list))]
            elif not isinstance(value, list):
                flat.append([key, _number(value)])
        lines += _table(["Metric", "Value"], flat)
    else:
        lines.append("No metrics recorded.")
    lines += _decision_rule(m)
    params = m.get("hyperparameters") or {}
    lines += ["", "## Hyperparameters", ""]
    param_rows = _param_rows(params, m)
    lines += _table(["Parameter", "Value"], param_rows) if param_rows else ["Library defaults."]
    schema_rows = _schema_rows(m.get("input_schema"))
    lines += ["", "## Input schema", ""]
    if schema_rows:
        lines += _table(["Column", "Kind", "Missing allowed", "Training range / levels"], schema_rows)
    else:
        lines.append("Not recorded.")
    libs = m.get("library_versions") or {}
    if libs:
        lines += ["", "## Library versions", ""]
        lines += _table(["Library", "Version"], [[k, v] for k, v in sorted(libs.items())])
    lines += ["", "## Intended use and limitations", ""]
    intended = m.get("intended_use") or (
        f"Predicting `{m.get('target', 'the target')}` for rows that resemble the training data "
        f"({m.get('training_samples', 'an unknown number of')} rows of {m.get('dataset_name') or 'the training dataset'}).")
    lines.append(str(intended))
    limits = m.get("limitations") or [
        "Predictions are reliable only within the ranges and categories seen in training (see the input schema); "
        "unseen categories are treated as unknown and out-of-range values are extrapolated.",
        "Performance was measured on a held-out split of the same dataset; monitor drift (PSI) on new data.",
        "The model reflects correlations in its training data, including any bias there; "
        "review it before decisions about people.",
    ]
    lines += [f"- {item}" for item in (limits if isinstance(limits, list) else [limits])]
    return "\n".join(lines) + "\n"
