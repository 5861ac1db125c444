"""Rules about the code base itself."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_streamlit_in_source():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "core").rglob("*.py") if "streamlit" in _imports(p)]
    assert offenders == []


def test_core_never_imports_streamlit_at_run_time():
    code = ("import sys, core, core.cli, core.datasets, core.features, core.validation, core.tables; "
            "import pkgutil, importlib\n"
            "for m in pkgutil.walk_packages(core.__path__, 'core.'):\n"
            "    importlib.import_module(m.name)\n"
            "print('streamlit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_no_pickle_loading_anywhere():
    pattern_hits = []
    for path in list((ROOT / "core").rglob("*.py")) + list((ROOT / "pages").rglob("*.py")) + [ROOT / "app.py"]:
        if not path.exists():
            continue
        text = path.read_text()
        for bad in ("pickle.load", "read_pickle", "torch.load(", "joblib.load"):
            if bad in text:
                pattern_hits.append(f"{path.relative_to(ROOT)}: {bad}")
    assert pattern_hits == []
