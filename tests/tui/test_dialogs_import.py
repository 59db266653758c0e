"""The import dialog, on the demo store, with copies of the real tools' files planted in the
fake home's default locations (tests/conftest.py points HOME and XDG into a tmp dir; the real
home is never scanned)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sessions_tui.store import SessionStore
from sessions_tui.tui.dialogs.import_dialog import ImportDialog, ImportOutcome
from sessions_tui.tui.dialogs.operations import (
    ImportCancelled,
    detect_sources,
    import_sources,
)

from .helpers import close_dialog, settle, still, sync

SIZE = (120, 36)
#: Sessions in the planted files, by tool (see `planted`).
EXPECTED = {"claude-code": 7, "codex-cli": 2, "gemini-cli": 1, "aider": 1}
GEMINI = "session-2026-01-16T11-01-file-ops-37b7abef.json"


def _copy(src: Path, dst: Path) -> None:
    """Copy a file or a tree (contents only: the fixtures are read-only, the copies not)."""
    files = sorted(p for p in src.rglob("*") if p.is_file()) if src.is_dir() else [src]
    for file in files:
        target = dst / file.relative_to(src) if src.is_dir() else dst
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake home, with no tool configured elsewhere and an empty working directory in it
    (aider also looks in the working directory; inside the home it shows as ~/work)."""
    for var in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "AIDER_CHAT_HISTORY_FILE"):
        monkeypatch.delenv(var, raising=False)
    home = Path.home()
    (home / "work").mkdir()
    monkeypatch.chdir(home / "work")
    return home


@pytest.fixture
def planted(home: Path, realdata: Path) -> Path:
    """Real files in each tool's default location under the fake home."""
    _copy(realdata / "claude-code/marot-spotter", home / ".claude/projects/-home-user-spotter")
    _copy(
        realdata / "claude-code/codemie-ai-codemie-code/-tmp-private",
        home / ".claude/projects/-tmp-private",
    )
    _copy(realdata / "codex-cli/madshn-localpush", home / ".codex/sessions/2026/02/23")
    _copy(
        realdata / "gemini-cli/codemie-ai-codemie-code" / GEMINI,
        home / ".gemini/tmp/3f9c/chats" / GEMINI,
    )
    _copy(
        realdata / "aider/AndrewJacop-Simple-Calulator/.aider.chat.history.md",
        home / "src/calc/.aider.chat.history.md",
    )
    return home


def _sources(store: SessionStore, ids: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sid in ids:
        summary = store.summary(sid)
        assert summary is not None, sid
        counts[summary.source] = counts.get(summary.source, 0) + 1
    return counts


def _text(dialog, selector: str) -> str:
    return str(dialog.query_one(selector).content)


# -- snapshots ------------------------------------------------------------------------------


def test_import_dialog(snap_compare, make_demo_app, demo_store, planted):
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(ImportDialog(demo_store))
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


def test_import_dialog_summary(snap_compare, make_demo_app, demo_store, planted):
    notes = planted / "notes" / "todo.txt"
    notes.parent.mkdir()
    notes.write_text("buy milk\n")

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(ImportDialog(demo_store, path="~/notes/todo.txt"))
        await settle(pilot)
        await pilot.press("ctrl+s")
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


# -- flows ----------------------------------------------------------------------------------


@sync
async def test_detected_sources_then_import_only_the_ticked_ones(
    make_demo_app, demo_store, planted
):
    before = demo_store.count()
    results: list = []
    async with make_demo_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        pilot.app.push_screen(ImportDialog(demo_store), results.append)
        await settle(pilot)
        dialog = pilot.app.screen
        found = {s.source: s for s in dialog.sources if s.files}
        assert {k: v.files for k, v in found.items()} == {
            "claude-code": 7,
            "codex-cli": 2,
            "gemini-cli": 1,
            "aider": 1,
        }
        assert all(s.changed == s.files for s in found.values())  # nothing imported yet
        assert found["codex-cli"].bytes == sum(
            p.stat().st_size for p in (planted / ".codex/sessions").rglob("*.jsonl")
        )
        listing = dialog.query_one("#import-sources")
        assert len(listing.selected) == 4  # folders with transcripts are ticked
        codex = next(
            i
            for i in range(listing.option_count)
            if dialog.sources[listing.get_option_at_index(i).value].source == "codex-cli"
        )
        listing.focus()
        listing.highlighted = codex
        await pilot.press("space")  # untick Codex
        await pilot.press("ctrl+s")
        await settle(pilot)
        summary = _text(dialog, "#import-result-text")
        assert "9 new · 0 updated · 0 unchanged · 0 failed" in summary
        await close_dialog(pilot, "escape")
    [outcome] = results
    assert isinstance(outcome, ImportOutcome)
    assert _sources(demo_store, outcome.summary.new_ids) == {
        k: v for k, v in EXPECTED.items() if k != "codex-cli"
    }
    assert demo_store.count() == before + 9

    # A second look: what was imported is up to date, Codex still waits; importing the same
    # sources again reads nothing and reports their sessions as unchanged.
    results.clear()
    async with make_demo_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        pilot.app.push_screen(ImportDialog(demo_store), results.append)
        await settle(pilot)
        dialog = pilot.app.screen
        changed = {s.source: s.changed for s in dialog.sources if s.files}
        assert changed == {"claude-code": 0, "codex-cli": 2, "gemini-cli": 0, "aider": 0}
        listing = dialog.query_one("#import-sources")
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert any("Claude Code" in p and "up to date" in p for p in prompts)
        assert any("Codex CLI" in p and "2 new/changed" in p for p in prompts)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await close_dialog(pilot, "escape")
    assert results[0].summary.new == 2 and results[0].summary.unchanged == 9


@sync
async def test_a_path_is_imported_and_a_bad_one_is_named_with_its_reason(
    make_demo_app, demo_store, home, realdata
):
    export = home / "Downloads" / "claude-export" / "conversations.json"
    _copy(realdata / "claude-ai-export/idanmashaal-Now2ai-Claude-Export-Processor", export.parent)
    results: list = []
    async with make_demo_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        pilot.app.push_screen(ImportDialog(demo_store), results.append)
        await settle(pilot)
        dialog = pilot.app.screen
        # Nothing in the default locations: the dialog says where it looked.
        title = _text(dialog, "#import-sources-title")
        assert "No transcripts found" in title and "~/.claude/projects" in title
        assert dialog.focused is dialog.query_one("#import-path")
        await pilot.press(*"~/nowhere.zip", "enter")
        await settle(pilot)
        summary = _text(dialog, "#import-result-text")
        assert "1 failed" in summary and "~/nowhere.zip: no such file or directory" in summary
        # Back to the form with what was typed, to fix it rather than start over.
        assert dialog.focused is dialog.query_one("#import-run")
        await pilot.press("ctrl+s")
        await settle(pilot)
        path = dialog.query_one("#import-path")
        assert dialog.focused is path and path.value == "~/nowhere.zip"
        path.value = str(export.parent)
        await pilot.press("enter")
        await settle(pilot)
        assert "0 failed" in _text(dialog, "#import-result-text")
        await close_dialog(pilot, "escape")
    outcome = results[0]
    assert outcome.summary.failed == 0 and outcome.summary.new > 0
    assert set(_sources(demo_store, outcome.changed_ids)) == {"claude-ai"}


def test_an_import_stopped_midway_keeps_what_it_read_and_resumes(demo_store, planted):
    """The dialog's Stop: its progress callback raises ImportCancelled between files."""
    sources = [s for s in detect_sources(demo_store) if s.files]
    calls = 0

    def stop_after_first_file(done: int, total: int) -> None:
        nonlocal calls
        calls += 1
        if done:
            raise ImportCancelled

    first = import_sources(demo_store, sources, progress=stop_after_first_file)
    assert first.interrupted and calls == 2
    assert 1 <= first.new < sum(EXPECTED.values())
    assert all(demo_store.exists(sid) for sid in first.new_ids)

    rest = import_sources(demo_store, sources)
    assert not rest.interrupted and rest.failed == 0
    assert first.new + rest.new == sum(EXPECTED.values())
    assert _sources(demo_store, first.new_ids + rest.new_ids) == EXPECTED
