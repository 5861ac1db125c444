"""Rules about the code base itself."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.compute.device import gpu_build

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
    for path in list((ROOT / "core").rglob("*.py")) + list((ROOT / "views").rglob("*.py")) + [ROOT / "app.py"]:
        if not path.exists():
            continue
        text = path.read_text()
        for bad in ("pickle.load", "read_pickle", "torch.load(", "joblib.load"):
            if bad in text:
                pattern_hits.append(f"{path.relative_to(ROOT)}: {bad}")
    assert pattern_hits == []


# ------------------------------------------------------------------ import direction
#: The floor of every package and top-level module of core (docs/ARCHITECTURE.md): a module
#: may import from its own floor or below, never from above.
FLOORS = {
    **dict.fromkeys(["cli", "work", "demo", "__main__"], 8),  # front doors
    **dict.fromkeys(["workspace", "learning"], 7),  # sessions
    "transfer": 6,
    "pretrain": 5,
    **dict.fromkeys(["library", "viz"], 4),
    **dict.fromkeys(["datasets", "tables", "validation"], 3),
    "features": 2,
    **dict.fromkeys(["cache", "paths", "registry", "domains", "compute", "jobs"], 1),
    **dict.fromkeys(["nets", "net_arrays", "columns", "metrics", "errors", "labels", "polymerize", "__init__"], 0),  # ground
}
#: Top-level names that core must never import: the app and what stands on it.
OUTSIDE = {"streamlit", "app", "app_state", "views", "bench", "scripts", "tests"}


def _unit(module: str) -> str:
    """The package or top-level module of core that ``module`` (dotted) belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _core_imports(path: Path, root: Path) -> list[tuple[str, int, str]]:
    """(imported unit of core, line, what the line imports) of every import in ``path``,
    including imports inside functions."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "core":  # a module of core, or a name of its __init__
            names = [f"core.{a.name}" if _is_module(root / "core", a.name) else "core" for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        out += [(_unit(name), node.lineno, name) for name in names if name.split(".")[0] == "core"]
    return out


def _is_module(package: Path, name: str) -> bool:
    return (package / name).is_dir() or (package / f"{name}.py").exists()


def upward_imports(root: Path) -> list[str]:
    """Every import in ``root``/core from a lower floor to a higher one, and every module
    of core without a floor."""
    problems = []
    for path in sorted((root / "core").rglob("*.py")):
        rel = path.relative_to(root)
        unit = _unit(".".join(rel.with_suffix("").parts)) if rel.parts[1:] != ("__init__.py",) else "__init__"
        if unit not in FLOORS:
            problems.append(f"{rel}: {unit!r} has no floor in FLOORS (docs/ARCHITECTURE.md)")
            continue
        for target, line, name in _core_imports(path, root):
            if target in FLOORS and FLOORS[target] > FLOORS[unit]:
                problems.append(f"{rel}:{line} imports {name} (floor {FLOORS[target]}) from floor {FLOORS[unit]}")
    return problems


def test_no_package_of_core_imports_from_a_higher_floor():
    assert upward_imports(ROOT) == []


def test_core_never_imports_the_app_or_what_stands_on_it():
    offenders = [f"{p.relative_to(ROOT)}: {sorted(_imports(p) & OUTSIDE)}" for p in (ROOT / "core").rglob("*.py")
                 if _imports(p) & OUTSIDE]
    assert offenders == []


def test_the_floor_rule_catches_an_upward_import_and_a_module_without_a_floor(tmp_path):
    core = tmp_path / "core"
    (core / "transfer").mkdir(parents=True)
    (core / "__init__.py").write_text("")
    (core / "transfer" / "__init__.py").write_text("")
    (core / "nets.py").write_text("import numpy\n\ndef f():\n    from core.transfer import screen\n")
    (core / "gadgets.py").write_text("from core import errors\n")
    (core / "errors.py").write_text("")
    (core / "pretrain.py").write_text("from core import transfer, errors\nimport core.nets\n")
    (core / "labels.py").write_text("from core import __version__\n")
    problems = upward_imports(tmp_path)
    assert problems == [
        "core/gadgets.py: 'gadgets' has no floor in FLOORS (docs/ARCHITECTURE.md)",
        "core/nets.py:4 imports core.transfer (floor 6) from floor 0",
        "core/pretrain.py:1 imports core.transfer (floor 6) from floor 5",
    ]


def test_the_first_page_needs_neither_torch_nor_scikit_learn():
    """What the Home page reads (workspace, datasets, libraries, the screen's settings) imports
    no torch and no scikit-learn: they cost seconds of every cold start (issue 15)."""
    code = ("import sys, core.workspace, core.datasets, core.library, core.transfer.config, core.jobs\n"
            "from core.library import open_libraries\n"
            "open_libraries(None)[0].models()\n"
            "print(sorted(m for m in ('torch', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(gpu_build(), reason="a GPU build of torch is imported to ask for the GPU")
def test_the_apps_first_run_imports_neither_torch_nor_scikit_learn(tmp_path):
    """The whole first run of the app (sidebar and Home page, as a browser's first visit
    runs it) imports no torch: the device it shows comes from torch's build file (a second
    of the cold start, issue 15)."""
    code = ("import sys\nfrom streamlit.testing.v1 import AppTest\n"
            "at = AppTest.from_file('app.py', default_timeout=60).run()\n"
            "assert not at.exception, at.exception\n"
            "print(sorted(m for m in ('torch', 'sklearn') if m in sys.modules))")
    env = {**os.environ, "MDL_RUNS": str(tmp_path / "runs")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip().splitlines()[-1] == "[]"
