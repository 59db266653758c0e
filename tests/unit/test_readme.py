"""The README's two set-up commands exist, and CI runs exactly the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _sh_blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", text, re.S)]


def test_readme_opens_with_demo_and_test_commands() -> None:
    demo, tests = _sh_blocks()[:2]
    assert demo.endswith("sessions-tui --demo") and "\n" not in demo
    assert "pytest" in tests and "\n" not in tests


def test_ci_runs_the_readme_test_command() -> None:
    test_command = _sh_blocks()[1]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if line and not line.lstrip().startswith("#")]
    assert test_command in commands
