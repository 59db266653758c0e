"""The export dialog on the demo store: snapshots, and what a user does with it (choose a
format and scope, see the redacted preview, export, be refused an overwrite, stop a slow one)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

from sessions_tui.demo import BASE_TIME
from sessions_tui.models import Message, Session, TextBlock
from sessions_tui.store import SessionStore
from sessions_tui.tui.dialogs.export_dialog import ExportDialog, ExportOutcome

from .helpers import close_dialog, settle, still, sync

SIZE = (120, 36)
AWS_KEY = "AKIA" + "Q3EXAMPLEKEY7ABC"  # split so secret scanners do not flag this file
HOSTILE = "\x1b]52;c;eA==\x07[@click=app.quit][bold]x"


def _downloads() -> Path:
    downloads = Path.home() / "Downloads"  # HOME is a tmp dir (tests/conftest.py)
    downloads.mkdir(exist_ok=True)
    return downloads


def _secret_session(store: SessionStore) -> Session:
    """A session with a key, an email and a home path in it, newer than every demo session."""
    when = BASE_TIME - timedelta(minutes=1)
    session = Session(
        id="claude-code-secret-0001",
        title=HOSTILE,
        source="claude-code",
        project="/home/ana/src/payments-api",
        created=when,
        updated=when,
        messages=[
            Message(
                id="m1",
                role="user",
                timestamp=when,
                content=[
                    TextBlock(text=f"Why does boto fail with {AWS_KEY}? mail ana@example.org")
                ],
            ),
            Message(
                id="m2",
                role="assistant",
                timestamp=when,
                content=[TextBlock(text="Your config in /home/ana/.aws/config is stale.")],
            ),
        ],
    )
    store.save(session)
    return session


def _push(pilot, dialog: ExportDialog, results: list) -> None:
    pilot.app.push_screen(dialog, results.append)


def _ids(store: SessionStore) -> list[str]:
    return [s.id for s in store.list()]


# -- snapshots ------------------------------------------------------------------------------


def test_export_dialog(snap_compare, make_demo_app, demo_store):
    _downloads()
    ids = _ids(demo_store)

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(
            ExportDialog(demo_store, focused=ids[0], selected=ids[2:5], query="tool:aider")
        )
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


def test_export_dialog_redacted_preview(snap_compare, make_demo_app, demo_store):
    _downloads()
    secret = _secret_session(demo_store)

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(ExportDialog(demo_store, focused=secret.id))
        await settle(pilot)
        await pilot.click("#redact-paths")
        await pilot.click("#redact-emails")
        await settle(pilot)
        pilot.app.screen.query_one("#export-preview-scroll").scroll_end(animate=False)
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


def test_export_dialog_result(snap_compare, make_demo_app, demo_store):
    _downloads()
    secret = _secret_session(demo_store)

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(ExportDialog(demo_store, focused=secret.id))
        await settle(pilot)
        await pilot.click("#redact-paths")
        await pilot.click("#redact-emails")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


# -- flows ----------------------------------------------------------------------------------


@sync
async def test_selected_sessions_as_json_round_trip_their_ids(make_demo_app, demo_store, tmp_path):
    ids = _ids(demo_store)[3:6]
    target = tmp_path / "out" / "backup.json"
    results: list = []
    async with make_demo_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        _push(pilot, ExportDialog(demo_store, selected=ids, directory=tmp_path), results)
        await settle(pilot)
        await pilot.click("#fmt-json")
        await settle(pilot)
        dialog = pilot.app.screen
        # JSON is a lossless backup: not redacted unless asked.
        assert dialog.query_one("#redact-secrets").value is False
        path = dialog.query_one("#export-path")
        path.value = str(target)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Exported 3 sessions as JSON" in str(dialog.query_one("#export-result-text").content)
        await close_dialog(pilot, "escape")
    [outcome] = results
    assert isinstance(outcome, ExportOutcome)
    assert outcome.out == target and outcome.report.sessions == 3
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["session"]["id"] for line in lines] == ids
    assert target.stat().st_mode & 0o777 == 0o600


@sync
async def test_preview_and_export_are_redacted_with_counts(make_demo_app, demo_store):
    downloads = _downloads()
    secret = _secret_session(demo_store)
    results: list = []
    async with make_demo_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        _push(pilot, ExportDialog(demo_store, focused=secret.id), results)
        await settle(pilot)
        dialog = pilot.app.screen
        preview = str(dialog.query_one("#export-preview").content)
        assert AWS_KEY not in preview and "[REDACTED:aws-access-key]" in preview
        assert "ana@example.org" in preview  # emails only when asked
        await pilot.click("#redact-emails")
        await pilot.click("#redact-paths")
        await settle(pilot)
        preview = str(dialog.query_one("#export-preview").content)
        assert "ana@example.org" not in preview and "[REDACTED:email]" in preview
        assert "/home/ana" not in preview and "~/src/payments-api" in preview
        await pilot.press("ctrl+s")
        await settle(pilot)
        result = str(dialog.query_one("#export-result-text").content)
        assert "aws-access-key" in result and "email" in result and "home-path" in result
        await close_dialog(pilot, "escape")
    [outcome] = results
    written = outcome.out.read_text(encoding="utf-8")
    assert outcome.out.parent == downloads and outcome.out.suffix == ".md"
    assert AWS_KEY not in written and "ana@example.org" not in written
    assert "/home/ana" not in written
    counts = outcome.report.redactions.counts
    assert counts["aws-access-key"] == 1 and counts["email"] == 1 and counts["home-path"] >= 2


@sync
async def test_an_existing_file_is_never_overwritten_unless_asked(
    make_demo_app, demo_store, tmp_path
):
    target = tmp_path / "chat.md"
    target.write_text("keep me\n")
    first = _ids(demo_store)[0]
    results: list = []
    async with make_demo_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        _push(pilot, ExportDialog(demo_store, focused=first), results)
        await settle(pilot)
        dialog = pilot.app.screen
        dialog.query_one("#export-path").value = str(target)
        await settle(pilot)
        note = str(dialog.query_one("#export-path-note").content)
        assert "already exists" in note and "Replace existing" in note
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert target.read_text() == "keep me\n"
        assert not dialog.has_class("-done")  # still the form, with the refusal shown
        assert "already exists" in str(dialog.query_one("#export-path-note").content)

        await pilot.click("#export-force")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert dialog.has_class("-done")
        await close_dialog(pilot, "escape")
    assert target.read_text().startswith("# Fix flaky retry test")
    assert results[0].report.files == [target]


@sync
async def test_everything_matching_the_query_one_file_per_session(
    make_demo_app, demo_store, tmp_path
):
    aider = [s.id for s in demo_store.list() if s.source == "aider"]
    results: list = []
    async with make_demo_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        _push(pilot, ExportDialog(demo_store, query="tool:aider", directory=tmp_path), results)
        await settle(pilot)
        dialog = pilot.app.screen
        label = str(dialog.query_one("#query").label)
        assert f"({len(aider)} sessions)" in label
        await pilot.click("#layout-per-session")
        await pilot.click("#fmt-txt")
        await settle(pilot)
        folder = Path(dialog.query_one("#export-path").value).expanduser()
        assert folder.parent == tmp_path and folder.suffix == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        await close_dialog(pilot, "escape")
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{i}.txt" for i in aider)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert results[0].layout == "per-session"


@sync
async def test_a_running_export_can_be_stopped_and_leaves_no_file(
    make_demo_app, demo_store, tmp_path, monkeypatch
):
    ids = _ids(demo_store)
    entered, release = threading.Event(), threading.Event()
    armed = threading.Event()
    real_get = demo_store.get

    def slow_get(session_id: str):
        if armed.is_set() and threading.current_thread() is not threading.main_thread():
            entered.set()
            release.wait(10)
        return real_get(session_id)

    monkeypatch.setattr(demo_store, "get", slow_get)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "all.zip"
    results: list = []
    async with make_demo_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        _push(pilot, ExportDialog(demo_store, selected=ids), results)
        await settle(pilot)
        dialog = pilot.app.screen
        await pilot.click("#layout-zip")
        await settle(pilot)
        dialog.query_one("#export-path").value = str(target)
        await settle(pilot)
        armed.set()
        await pilot.press("ctrl+s")
        assert entered.wait(10)
        assert dialog.has_class("-running")
        await pilot.press("escape")  # stop, not close
        assert dialog in pilot.app.screen_stack
        release.set()
        await settle(pilot)
        assert not dialog.has_class("-running")
        assert "cancelled" in str(dialog.query_one("#export-path-note").content)
        await close_dialog(pilot, "escape")
    assert results == [None]
    assert list(out.iterdir()) == []  # neither the zip nor its temporary file


@sync
async def test_hostile_titles_stay_text(make_demo_app, demo_store):
    secret = _secret_session(demo_store)
    async with make_demo_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        pilot.app.push_screen(ExportDialog(demo_store, focused=secret.id))
        await settle(pilot)
        dialog = pilot.app.screen
        label = str(dialog.query_one("#focused").label)
        assert "[@click=app.quit]" in label and "[bold]" in label
        assert "\x1b" not in label and "\x07" not in label and "␛" in label
        title = str(dialog.query_one("#export-preview-title").content)
        assert "[@click=app.quit]" in title and "\x1b" not in title
        await pilot.click("#focused")  # clicking the label must not run the action
        await settle(pilot)
        assert pilot.app.is_running
        await close_dialog(pilot, "escape")
