"""Snapshots of every screen and dialog at a fixed size on the demo store (frozen clock and
time zone). Regenerate with ``pytest tests/tui --snapshot-update`` and look at the report."""

from __future__ import annotations

from sessions_tui.tui.widgets.transcript import TranscriptView

from .helpers import main_screen, settle, still, type_query

SIZE = (120, 36)


def _tool_entry(view: TranscriptView) -> int:
    return next(i for i, m in enumerate(view.entries) if m is not None and m.tool_calls)


async def _open_first(pilot) -> None:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


def test_main_screen(snap_compare, make_demo_app):
    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=still)


def test_main_screen_80x24(snap_compare, make_demo_app):
    assert snap_compare(make_demo_app(), terminal_size=(80, 24), run_before=still)


def test_main_screen_wide(snap_compare, make_demo_app):
    assert snap_compare(make_demo_app(), terminal_size=(170, 40), run_before=still)


def test_light_theme(snap_compare, make_demo_app):
    async def run_before(pilot) -> None:
        await _open_first(pilot)
        await still(pilot)

    app = make_demo_app(theme="sessions-light")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_search_results_with_highlights(snap_compare, make_demo_app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await type_query(pilot, "retry backoff")
        await pilot.press("escape")
        await settle(pilot)
        await still(pilot)

    assert snap_compare(make_demo_app(search=True), terminal_size=SIZE, run_before=run_before)


def test_transcript_opened_at_search_hit(snap_compare, make_demo_app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await type_query(pilot, "timeout")
        await pilot.press("escape", "down", "enter")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await still(pilot)

    assert snap_compare(make_demo_app(search=True), terminal_size=SIZE, run_before=run_before)


def test_transcript_tool_calls_collapsed(snap_compare, make_demo_app):
    async def run_before(pilot) -> None:
        await _open_first(pilot)
        view = main_screen(pilot).transcript
        view.go_to_entry(_tool_entry(view))
        await settle(pilot)
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


def test_transcript_tool_calls_expanded_and_thinking_shown(snap_compare, make_demo_app):
    async def run_before(pilot) -> None:
        await _open_first(pilot)
        await pilot.press("t", "t", "T")  # tool output: full; thinking: shown
        view = main_screen(pilot).transcript
        view.go_to_entry(_tool_entry(view))
        await settle(pilot)
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


def test_filter_menu(snap_compare, make_demo_app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


def test_tool_picker_narrowed(snap_compare, make_demo_app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.click("#pick-model")
        await settle(pilot)
        await pilot.press(*"claude")
        await settle(pilot)
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


def test_filtered_listing_with_chips(snap_compare, make_demo_app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await type_query(pilot, "tool:claude-code after:30d is:starred")
        await pilot.press("escape")
        await settle(pilot)
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, make_demo_app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


def test_command_palette(snap_compare, make_demo_app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"view")
        await settle(pilot)
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


def test_delete_confirmation(snap_compare, make_demo_app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("space", "space", "d")
        await settle(pilot)
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


def test_resume_dialog(snap_compare, make_demo_app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)


def test_tag_dialog(snap_compare, make_demo_app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("plus")
        await settle(pilot)
        await still(pilot)

    assert snap_compare(make_demo_app(), terminal_size=SIZE, run_before=run_before)
