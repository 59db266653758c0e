"""The cleanup dialog on the demo store (clock frozen at the demo's BASE_TIME): the live
preview agrees with the core, bad values are explained, apply needs a confirmation, and undo
puts every file back byte for byte."""

from __future__ import annotations

import hashlib

from sessions_tui.cleanup import CleanupPolicy, preview
from sessions_tui.demo import BASE_TIME
from sessions_tui.store import SessionStore
from sessions_tui.tui.dialogs.cleanup_dialog import CleanupDialog, CleanupOutcome
from sessions_tui.tui.dialogs.confirm import ConfirmDialog

from .helpers import close_dialog, settle, still, sync

SIZE = (120, 36)
NOW_MS = int(BASE_TIME.timestamp() * 1000)


def _files(store: SessionStore) -> dict[str, str]:
    """Every session file of the store, by name, with the SHA-256 of its bytes."""
    out = {}
    for summary in store.list():
        for path in store.layout.existing_session_files(summary.id):
            out[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


async def _open(pilot, store: SessionStore, results: list | None = None) -> CleanupDialog:
    await settle(pilot)
    dialog = CleanupDialog(store)
    pilot.app.push_screen(dialog, results.append if results is not None else None)
    await settle(pilot)
    return dialog


# -- snapshots ------------------------------------------------------------------------------


def test_cleanup_dialog_preview(snap_compare, make_demo_app, demo_store):
    async def run_before(pilot) -> None:
        await _open(pilot, demo_store)
        await pilot.press(*"20d")
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


def test_cleanup_confirmation(snap_compare, make_demo_app, demo_store):
    async def run_before(pilot) -> None:
        await _open(pilot, demo_store)
        await pilot.press(*"45d")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


def test_cleanup_result_with_undo(snap_compare, make_demo_app, demo_store):
    async def run_before(pilot) -> None:
        await _open(pilot, demo_store)
        await pilot.press(*"45d")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await close_dialog(pilot, "y")
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


# -- flows ----------------------------------------------------------------------------------


@sync
async def test_the_live_preview_is_the_cores_and_bad_values_are_explained(
    make_demo_app, demo_store
):
    expected = preview(demo_store, CleanupPolicy(older_than_days=20), now_ms=NOW_MS)
    assert expected.count and expected.protected_starred == 1  # the demo stars an old one
    async with make_demo_app().run_test(size=SIZE) as pilot:
        dialog = await _open(pilot, demo_store)
        apply_button = dialog.query_one("#cleanup-apply")
        assert apply_button.disabled  # no policy yet: nothing to remove, never "everything"
        await pilot.press(*"20d")
        await settle(pilot)
        assert dialog.plan is not None and dialog.plan.ids == expected.ids
        assert dialog.query_one("#cleanup-table").row_count == expected.count
        summary = str(dialog.query_one("#cleanup-summary").content)
        assert f"Would move {expected.count} sessions" in summary
        assert "1 starred kept" in summary and "No criterion" not in summary
        assert not apply_button.disabled
        assert str(apply_button.label) == f"Move {expected.count} to trash (ctrl+s)"

        await pilot.press("backspace", "x")  # "20x"
        await settle(pilot)
        older = dialog.query_one("#cleanup-older")
        assert older.has_class("-invalid")
        assert "'20x' is not an age" in str(dialog.query_one("#cleanup-summary").content)
        assert dialog.plan is None and apply_button.disabled
        await pilot.press("ctrl+s")  # refused: no confirmation is even asked
        await settle(pilot)
        assert pilot.app.screen is dialog

        # Narrow by tool with the keyboard: the preview follows.
        await pilot.press("backspace", "backspace", "backspace")
        await pilot.click("#cleanup-tool")
        await settle(pilot)
        await pilot.press(*"aider", "enter")
        await settle(pilot)
        aider = {s.id for s in demo_store.list() if s.source == "aider"}
        assert dialog.plan is not None and set(dialog.plan.ids) == aider
        assert all(c.reasons == ["in scope"] for c in dialog.plan.candidates)
        summary = str(dialog.query_one("#cleanup-summary").content)
        assert "No criterion is set: every session in scope goes" in summary  # said in words
        await close_dialog(pilot, "escape")
    assert len(_files(demo_store)) == len(demo_store.list())  # the preview removed nothing


@sync
async def test_apply_after_confirmation_then_undo_is_byte_identical(make_demo_app, demo_store):
    before = _files(demo_store)
    expected = preview(demo_store, CleanupPolicy(older_than_days=45), now_ms=NOW_MS)
    results: list = []
    async with make_demo_app().run_test(size=SIZE) as pilot:
        dialog = await _open(pilot, demo_store, results)
        await pilot.press(*"45d")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await close_dialog(pilot, "n")  # "no" changes nothing
        assert _files(demo_store) == before and pilot.app.screen is dialog

        await pilot.press("ctrl+s")
        await settle(pilot)
        await close_dialog(pilot, "y")
        assert dialog.has_class("-done")
        assert not any(demo_store.exists(sid) for sid in expected.ids)
        trashed = {e.session_id for e in demo_store.trash()}
        assert set(expected.ids) <= trashed
        after = _files(demo_store)
        assert len(after) == len(before) - expected.count
        assert all(before[name] == digest for name, digest in after.items())
        result = str(dialog.query_one("#cleanup-summary").content)
        assert f"Moved {expected.count} sessions to the trash" in result

        await pilot.press("ctrl+z")
        await settle(pilot)
        assert "Restored" in str(dialog.query_one("#cleanup-summary").content)
        assert _files(demo_store) == before
        await close_dialog(pilot, "escape")
    [outcome] = results
    assert isinstance(outcome, CleanupOutcome)
    assert outcome.restored and outcome.result.removed == expected.ids


@sync
async def test_closing_after_apply_hands_back_what_to_undo(make_demo_app, demo_store):
    before = _files(demo_store)
    results: list = []
    async with make_demo_app().run_test(size=SIZE) as pilot:
        await _open(pilot, demo_store, results)
        await pilot.press(*"50d")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await close_dialog(pilot, "y")
        await close_dialog(pilot, "escape")
    [outcome] = results
    assert not outcome.restored and outcome.result.trash_names
    assert outcome.plan.policy == CleanupPolicy(older_than_days=50)
    # What the main screen's undo does with it:
    report = demo_store.restore(outcome.result.trash_names)
    assert sorted(report.restored) == sorted(outcome.result.removed)
    assert _files(demo_store) == before


@sync
async def test_closing_without_applying_returns_nothing(make_demo_app, demo_store):
    results: list = []
    async with make_demo_app().run_test(size=SIZE) as pilot:
        await _open(pilot, demo_store, results)
        await pilot.press(*"1d")
        await settle(pilot)
        await close_dialog(pilot, "escape")
    assert results == [None]
