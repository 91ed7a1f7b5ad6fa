"""The vocabulary is defined once: mlcore.vocab. No other file lists metric names or default models."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from mlcore import vocab
from mlcore.jobs import RecordingContext

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "mlcore" / "models" / "_catalog.py"  # the algorithms' own home lists every algorithm
# AutoML searches its own model families (with their search spaces), not the catalog's defaults
AUTOML_FAMILIES = ROOT / "mlcore" / "tuning" / "_automl_space.py"
METRIC_NAMES = set(vocab.METRICS)
MODEL_NAMES = {name for names in vocab.DEFAULT_MODELS.values() for name in names}


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _literals(tree: ast.AST):
    """(line, names) of every word list: a tuple/list/set of strings, or a dict of strings to constants.

    A dict of computed values keyed by metric name (a result) is not a word list.
    """
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts and all(map(_is_text, node.elts)):
            yield node.lineno, {i.value for i in node.elts}
        elif isinstance(node, ast.Dict) and node.keys and all(k is not None and _is_text(k) for k in node.keys) \
                and all(isinstance(v, ast.Constant) for v in node.values):
            yield node.lineno, {k.value for k in node.keys}


def _copies() -> list[str]:
    found = []
    for path in sorted([*ROOT.joinpath("mlcore").rglob("*.py"), *ROOT.joinpath("desktop").rglob("*.py")]):
        if path == ROOT / "mlcore" / "vocab.py":
            continue
        for line, names in _literals(ast.parse(path.read_text(encoding="utf-8"))):
            rel = f"{path.relative_to(ROOT)}:{line}"
            if len(names & METRIC_NAMES) >= 3:
                found.append(f"{rel} lists metrics {sorted(names & METRIC_NAMES)}")
            if len(names & MODEL_NAMES) >= 2 and path not in (CATALOG, AUTOML_FAMILIES):
                found.append(f"{rel} lists default models {sorted(names & MODEL_NAMES)}")
    return found


def test_no_file_outside_vocab_lists_metric_names_or_default_models():
    assert _copies() == []


def test_the_grep_finds_a_copy(tmp_path):
    tree = ast.parse('HEADLINE = ("accuracy", "r2", "rmse")\nMODELS = ["random_forest", "ridge"]\n'
                     'LABELS = {"accuracy": "Acc", "f1": "F1", "mae": "MAE"}\nOUT = {"r2": r2(y), "mae": m, "f1": f}\n')
    hits = [names for _, names in _literals(tree)]
    assert hits == [{"accuracy", "r2", "rmse"}, {"random_forest", "ridge"}, {"accuracy", "f1", "mae"}]


@pytest.mark.parametrize("name, kind", [("log_loss", "loss"), ("rmse", "loss"), ("mlogloss", "loss"),
                                        ("accuracy", "score"), ("r2", "score"), ("roc_auc", "score")])
def test_metric_events_carry_the_kind(name, kind):
    ctx = RecordingContext()
    ctx.metric(3, name, 0.5, "train")
    assert ctx.metrics[0].kind == kind
    assert vocab.higher_is_better(name) is (kind == "score")


def test_one_default_model_list_is_used_by_compare_the_selector_and_ensembles():
    from mlcore.models import get_algorithm
    from mlcore.tuning import selector

    assert selector.DEFAULT_MODELS is vocab.DEFAULT_MODELS
    voting = get_algorithm("voting", "classification")
    members = next(p for p in voting.params if p.name == "estimators")
    assert tuple(members.default) == vocab.DEFAULT_MODELS["classification"]


def test_selection_metrics_agree_with_the_engine():
    from mlcore.tuning._metrics import resolve_metric

    for task, names in vocab.SELECTION_METRICS.items():
        assert resolve_metric(None, task) == names[0]
        assert all(resolve_metric(n, task) == n for n in names)


def test_vocab_is_import_light():
    code = "import sys, mlcore.vocab; print(sorted(m for m in ('numpy', 'pandas', 'sklearn', 'sqlalchemy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
