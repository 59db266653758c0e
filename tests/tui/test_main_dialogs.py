"""The export, import and cleanup dialogs opened from the main screen with its keys and its
palette: they receive the focus, the selection and the query, and the list follows what
they did (with undo after a cleanup)."""

from __future__ import annotations

import shutil

from textual.widgets._toast import Toast

from sessions_tui.tui.dialogs.cleanup_dialog import CleanupDialog
from sessions_tui.tui.dialogs.confirm import ConfirmDialog
from sessions_tui.tui.dialogs.export_dialog import ExportDialog
from sessions_tui.tui.dialogs.import_dialog import ImportDialog

from .helpers import close_dialog, main_screen, settle, settle_store, sync, type_query

SIZE = (120, 36)


def _ids(screen) -> list[str]:
    source = screen.session_list.source
    return [source.row(i).session_id for i in range(source.count())]


@sync
async def test_e_exports_the_selection_focus_or_query_and_says_where(make_demo_app, tmp_path):
    app = make_demo_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = main_screen(pilot)
        await type_query(pilot, "tool:codex-cli")
        await pilot.press("escape", "space")  # select the first row; the cursor moves on
        await settle(pilot)
        listed = _ids(screen)
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert dialog.selected_ids == [listed[0]] and dialog.focused_id == listed[1]
        assert dialog.query_text == "tool:codex-cli"
        assert dialog.scopes == ["selected", "focused", "query"]
        # A path that reads as markup: the toast must show it as written, not as bold text
        # (or, with [@click=...], a link that runs an action).
        out = tmp_path / "[b]picked[/b].md"
        path = dialog.query_one("#export-path")
        path.value = str(out)
        await settle(pilot)
        await pilot.press("ctrl+s")
        for _ in range(50):
            await settle(pilot)
            if dialog.has_class("-done"):
                break
        await close_dialog(pilot, "escape")
        assert out.is_file() and out.read_text(encoding="utf-8").startswith("# ")
        await settle(pilot)
        shown = [toast.render().plain for toast in app.screen.query(Toast)]
        assert any(f"Exported 1 session to {out}" in text for text in shown), shown


@sync
async def test_i_opens_the_import_dialog_and_the_list_shows_what_it_imported(
    make_demo_app, demo_store, realdata, tmp_path
):
    source = realdata / "claude-code" / "codemie-ai-codemie-code" / "-tmp-private"
    folder = tmp_path / "to-import"
    shutil.copytree(source, folder)
    app = make_demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        before = screen.session_list.source.count()
        await pilot.press("i")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ImportDialog)
        dialog.query_one("#import-path").value = str(folder)
        await pilot.press("ctrl+s")
        for _ in range(50):
            await settle(pilot)
            if dialog.has_class("-done"):
                break
        await close_dialog(pilot, "escape")
        await settle_store(pilot)
        assert demo_store.count() > before
        assert screen.session_list.source.count() == demo_store.count()


@sync
async def test_shift_c_cleans_up_the_query_and_u_undoes_it(make_demo_app, demo_store):
    app = make_demo_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(pilot)
        await type_query(pilot, "tool:aider")
        await pilot.press("escape")
        aider = set(_ids(screen))
        assert aider
        await pilot.press("C")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CleanupDialog)
        assert dialog.initial_query == "tool:aider"
        await pilot.press(*"20d")  # older than 20 days, among the aider sessions
        for _ in range(20):
            await settle(pilot)
            if dialog.plan is not None:
                break
        gone = set(dialog.plan.ids)
        assert gone and gone < aider
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await close_dialog(pilot, "y")
        assert dialog.has_class("-done")
        await close_dialog(pilot, "escape")
        await settle_store(pilot)
        assert set(_ids(screen)) == aider - gone
        assert any("Press u to undo" in n.message for n in app._notifications)
        await pilot.press("u")
        await settle_store(pilot)
        assert set(_ids(screen)) == aider
        assert all(demo_store.exists(i) for i in gone)


@sync
async def test_the_palette_offers_the_dialogs_and_shows_every_key(make_demo_app):
    from textual.command import CommandList

    from sessions_tui.tui.commands import COMMANDS, command_keys

    keys = command_keys()
    for name, _help, action in COMMANDS:
        if action in ("export", "import_dialog", "cleanup", "star", "delete", "undo", "zoom"):
            assert keys.get(action), name
    assert (keys["export"], keys["import_dialog"], keys["cleanup"]) == ("e", "i", "C")
    assert keys["editor"] == "E" and keys["list:select_all"] == "ctrl+a"
    assert keys["trash"] == "D"
    assert (keys["transcript:next_hit(1)"], keys["transcript:message(1)"]) == ("n", "]")

    app = make_demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"export")
        await settle(pilot)
        options = app.screen.query_one(CommandList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        first = next(p for p in prompts if "export: sessions" in p)
        assert first.splitlines()[0] == "export: sessions…  e"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExportDialog)


@sync
async def test_palette_commands_run_their_action(make_demo_app, demo_store):
    """Palette entries named after screen, list and transcript actions really run them."""
    app = make_demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        sid = screen.session_list.current.session_id
        was = demo_store.summary(sid).starred
        for query in ("star / unstar", "select: all matching", "view: toggle thinking"):
            await pilot.press("ctrl+p")
            await settle(pilot)
            await pilot.press(*query)
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
        await settle_store(pilot)
        assert demo_store.summary(sid).starred is (not was)
        assert len(screen.session_list.selected) == demo_store.count()
        assert screen.transcript.options.show_thinking
        before = screen.transcript.cursor
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"view: next message", "enter")
        await settle(pilot)
        assert screen.transcript.cursor > before
