"""The README's two set-up commands are the contract with new users and with CI."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _first_block() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```(?:bash|sh)?\n(.*?)```", text, re.S).group(1)
    return [line for line in block.strip().splitlines() if line.strip() and not line.startswith("#")]


def test_exactly_two_commands_app_then_tests():
    commands = _first_block()
    assert len(commands) == 2
    assert commands[0].endswith("streamlit run app.py")
    assert "pytest" in commands[1] and "--dev" in commands[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert r"bash scripts/setup\.sh --dev && " in ci
    assert _first_block()[1].startswith("bash scripts/setup.sh --dev && ")
