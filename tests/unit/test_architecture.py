"""The core never imports Textual: the CLI stays fast and the core stays usable as a library."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "sessions_tui",
    "sessions_tui.models",
    "sessions_tui.store",
    "sessions_tui.importers",
    "sessions_tui.search",
    "sessions_tui.export",
    "sessions_tui.cleanup",
    "sessions_tui.cli",
]


def test_core_does_not_import_textual() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError as exc:\n"
        "        if exc.name != name: raise\n"
        "from sessions_tui.importers import load_all; load_all()\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"core imported Textual: {result.stdout.strip()}"
