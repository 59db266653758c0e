"""Where ``import --auto`` (and the app on start) looks for aider histories: never deep below
wherever it was launched (nu-report #5), always in the places aider itself writes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessions_tui.importers.aider import HISTORY_NAME, AiderImporter
from sessions_tui.importers.runner import auto_import
from sessions_tui.store import SessionStore

HISTORY = """
# aider chat started at 2025-01-02 10:00:00

#### {prompt}¶

Done.
"""


def write(path: Path, prompt: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HISTORY.format(prompt=prompt).replace("¶", "  "))
    return path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "AIDER_CHAT_HISTORY_FILE", "GEMINI_DIR"):
        monkeypatch.delenv(name, raising=False)
    return home


def imported(tmp_path: Path) -> set[str]:
    store = SessionStore(tmp_path / "store")
    summary = auto_import(store)
    assert summary.exit_code() == 0, summary.failures
    return {store.get(r.id).messages[0].text for r in store.list()}


def test_launching_from_a_scratch_folder_sweeps_nothing_below_it(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"  # like /tmp: other people's test copies, deep down
    write(scratch / "pytest-of-root" / "p1" / "t" / HISTORY_NAME, "stray deep copy")
    write(scratch / "a" / HISTORY_NAME, "stray one level down")
    write(scratch / HISTORY_NAME, "history right here")
    monkeypatch.chdir(scratch)
    assert imported(tmp_path) == {"history right here"}


def test_the_git_root_of_the_current_folder_is_searched(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "work" / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo / HISTORY_NAME, "in the repository root")
    write(repo / "notes" / "aider-old-chat.md", "renamed copy in a subfolder")
    write(repo / "src" / "pkg" / "aider.chat.history 2023-10-02.md", "renamed copy here")
    monkeypatch.chdir(repo / "src" / "pkg")
    assert imported(tmp_path) == {"in the repository root", "renamed copy here"}


def test_the_home_is_searched_two_levels_deep_and_the_configured_file_is_read(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(home / "code" / "app" / HISTORY_NAME, "in a project under ~/code")
    write(home / "a" / "b" / "c" / HISTORY_NAME, "too deep under the home")
    configured = write(tmp_path / "elsewhere" / "my-chat.md", "the configured file")
    monkeypatch.setenv("AIDER_CHAT_HISTORY_FILE", str(configured))
    monkeypatch.chdir(tmp_path)
    assert imported(tmp_path) == {"in a project under ~/code", "the configured file"}


def test_the_locations_are_listed_for_the_import_dialog(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    locations = AiderImporter().default_locations()
    assert locations[0] == home
    assert repo / "sub" / HISTORY_NAME in locations and repo / HISTORY_NAME in locations
    assert repo / "sub" not in locations and repo not in locations  # files, not folders


def test_a_deleted_working_directory_is_no_error(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert AiderImporter().default_locations()[0] == home
