"""Fixtures shared by every test: isolation from the real user's files, and the real data.

Every test runs with XDG/platformdirs paths, HOME, the settings file and the store location
pointed into its own tmp dir, so no test can read or write a developer's real history (the app
auto-imports from ~/.claude etc. on start).
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REALDATA = REPO.parent / "shared" / "realdata"


@pytest.fixture(autouse=True)
def _isolate_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("SESSIONS_TUI_CONFIG", str(home / "sessions-tui-config.toml"))
    monkeypatch.delenv("SESSIONS_TUI_STORE", raising=False)
    for var in list(__import__("os").environ):
        if var.startswith("SESSIONS_TUI_") and var not in ("SESSIONS_TUI_CONFIG",):
            monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def realdata() -> Path:
    """The real session files in ../shared/realdata; tests using it skip if it is absent."""
    if not REALDATA.is_dir():
        pytest.skip(f"real session files not found at {REALDATA}")
    return REALDATA
