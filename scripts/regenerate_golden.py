"""Regenerate tests/transfer/golden.json (run after an intended change of the numbers).

    .venv/bin/python scripts/regenerate_golden.py

It builds the same tiny library as the test suite (tiny preset, four sources, seed 0)
in a temporary folder and runs the golden case of tests/transfer/golden_case.py.
"""

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.library import Library  # noqa: E402
from core.pretrain.builder import BuildConfig, build_library  # noqa: E402
from tests.conftest import TINY_SOURCES  # noqa: E402
from tests.transfer.golden_case import golden_numbers  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tiny"
        build_library(BuildConfig(out=out, preset="tiny", sources=TINY_SOURCES), progress=lambda line: None)
        numbers = golden_numbers([Library(out)])
    path = ROOT / "tests" / "transfer" / "golden.json"
    path.write_text(json.dumps(numbers, indent=1) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
