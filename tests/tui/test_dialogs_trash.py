"""The trash dialog (D) on the demo store: it lists what was deleted, restores the marked
sessions byte for byte (and the main list shows them again), and empties only after a yes."""

from __future__ import annotations

import hashlib

from sessions_tui.store import SessionStore
from sessions_tui.tui.dialogs.confirm import ConfirmDialog
from sessions_tui.tui.dialogs.trash_dialog import TrashDialog

from .helpers import close_dialog, main_screen, settle, still, sync

SIZE = (120, 36)


def _delete_three(store: SessionStore) -> list[str]:
    ids = [s.id for s in store.list()][:3]
    for sid in ids:  # three deletions, so the trash has an order
        store.delete([sid])
    return ids


def _digests(store: SessionStore, ids: list[str]) -> dict[str, str]:
    return {
        sid: hashlib.sha256(store.path_of(sid).read_bytes()).hexdigest()
        for sid in ids
        if store.exists(sid)
    }


def test_trash_dialog_lists_deleted_sessions(snap_compare, make_demo_app, demo_store):
    _delete_three(demo_store)

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("D")
        await settle(pilot)
        await pilot.press("space")
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


@sync
async def test_restore_the_marked_session_then_the_list_shows_it(make_demo_app, demo_store):
    before = _digests(demo_store, [s.id for s in demo_store.list()])
    ids = _delete_three(demo_store)
    async with make_demo_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        listed = main_screen(pilot).session_list.source.all_ids()
        assert not set(ids) & set(listed)
        await pilot.press("D")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, TrashDialog)
        assert "3 sessions" in str(dialog.query_one("#trash-summary").content)
        newest = demo_store.trash()[0].session_id  # listed first
        await pilot.press("space", "r")
        await settle(pilot)
        assert "Restored 1 session" in str(dialog.query_one("#trash-status").content)
        assert demo_store.exists(newest) and len(demo_store.trash()) == 2
        await close_dialog(pilot, "escape")
        await settle(pilot)
        assert newest in main_screen(pilot).session_list.source.all_ids()
    assert _digests(demo_store, [newest]) == {newest: before[newest]}


@sync
async def test_empty_asks_first_and_no_changes_nothing(make_demo_app, demo_store):
    _delete_three(demo_store)
    async with make_demo_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("D")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await close_dialog(pilot, "n")
        assert len(demo_store.trash()) == 3
        await pilot.press("x")
        await settle(pilot)
        await close_dialog(pilot, "y")
        await settle(pilot)
        assert demo_store.trash() == []
        dialog = pilot.app.screen
        assert isinstance(dialog, TrashDialog)
        assert "empty" in str(dialog.query_one("#trash-summary").content)
    assert [e["op"] for e in demo_store.operations()][-1] == "empty-trash"


@sync
async def test_a_deletion_restored_in_the_trash_is_no_longer_offered_for_undo(make_demo_app):
    """Delete with d, restore it from the trash: `u` must not claim to restore it again."""
    async with make_demo_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        gone = screen.session_list.current.session_id
        await pilot.press("d")
        await settle(pilot)
        await close_dialog(pilot, "y")
        assert any("undo" in n.message for n in pilot.app._notifications)
        await pilot.press("D")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await close_dialog(pilot, "escape")
        assert gone in screen.session_list.source.all_ids()
        assert not any("undo" in n.message for n in pilot.app._notifications)
        await pilot.press("u")
        await settle(pilot)
        assert any(n.message == "Nothing to undo" for n in pilot.app._notifications)
