"""The core stays free of Qt: nothing under mlcore/ imports PySide6, pyqtgraph or desktop."""

import ast
from pathlib import Path

import mlcore

FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "desktop")


def test_mlcore_imports_no_gui_module():
    root = Path(mlcore.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_importing_the_workspace_does_not_load_heavy_libraries():
    import subprocess
    import sys

    code = ("import sys, mlcore.workspace; "
            "print(sorted(m for m in ('sklearn','xgboost','lightgbm','optuna','matplotlib','skops','skl2onnx') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
