"""Pilot tests of what a user does: browse, filter, sort, select, delete and undo, read safely."""

from __future__ import annotations

import re

from textual.widgets._footer import FooterKey
from textual.widgets._toast import Toast

from sessions_tui.demo import demo_sessions
from sessions_tui.tui.widgets.session_list import SessionList
from sessions_tui.tui.widgets.sources import ListingSource
from sessions_tui.tui.widgets.transcript import TranscriptView

from .helpers import (
    close_dialog,
    main_screen,
    open_first_transcript,
    settle,
    settle_store,
    sync,
    type_query,
)

ESC, BEL, CSI8 = "\x1b", "\x07", "\x9b"


def _ids(session_list: SessionList) -> list[str]:
    source = session_list.source
    return [source.row(i).session_id for i in range(source.count())]


@sync
async def test_opens_on_the_newest_session_with_its_transcript(make_demo_app, demo_store):
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        newest = demo_store.list()[0]
        assert screen.session_list.current.session_id == newest.id
        assert screen.transcript.session is not None
        assert screen.transcript.session.id == newest.id
        assert "37 of 37 sessions" in screen.query_one("#status").plain


@sync
async def test_filter_by_tool_then_by_date(make_demo_app, demo_store):
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = main_screen(pilot)
        await pilot.press("f")  # filter menu
        await settle(pilot)
        await close_dialog(pilot, *"tool", "enter")  # narrow to "Tool", pick it
        await close_dialog(pilot, *"codex", "enter")  # the tool picker: codex-cli
        assert screen.search_input.value == "tool:codex-cli"
        rows = [
            screen.session_list.source.row(i) for i in range(screen.session_list.source.count())
        ]
        expected = {s.id for s in demo_store.list() if s.source == "codex-cli"}
        assert {r.session_id for r in rows} == expected and expected
        assert all(r.source == "codex-cli" for r in rows)

        # Dates: the last 7 days relative to the frozen clock (the demo's BASE_TIME).
        await pilot.press("f")
        await settle(pilot)
        await close_dialog(pilot, *"date", "enter")
        await close_dialog(pilot, *"7 days", "enter")
        assert screen.search_input.value == "tool:codex-cli after:7d"
        from datetime import timedelta

        from sessions_tui.demo import BASE_TIME

        recent = {
            s.id
            for s in demo_store.list()
            if s.source == "codex-cli" and s.updated >= BASE_TIME - timedelta(days=7)
        }
        assert set(_ids(screen.session_list)) == recent
        assert 0 < len(recent) < len(expected)
        chips = [str(c.label) for c in screen.query(".chip") if c.display]
        assert chips == ["tool:codex-cli ✕", "after:7d ✕"]

        # Clicking a chip removes that filter only.
        await pilot.click("#chip-0")
        await settle(pilot)
        assert screen.search_input.value == "after:7d"


@sync
async def test_chips_of_typed_filters_are_drawn_whole(make_demo_app):
    """A chip sized for 'tool:c' while typing was cut to 'tool:cla' once the value grew."""
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = main_screen(pilot)
        await type_query(pilot, "tool:claude-code is:starred")
        chips = [c for c in screen.query(".chip") if c.display]
        assert [str(c.label) for c in chips] == ["tool:claude-code ✕", "is:starred ✕"]
        for chip in chips:
            assert str(chip.label) in chip.render_line(0).text


@sync
async def test_an_excluded_tool_gets_a_chip_and_leaves_the_list(make_demo_app, demo_store):
    """`-tool:codex-cli` lists every other session as the plain listing, shows a chip that
    removes it, and `is:unstarred` narrows the listing."""
    app = make_demo_app(search=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        codex = {s.id for s in demo_store.list() if s.source == "codex-cli"}
        others = demo_store.count() - len(codex)
        assert codex and others
        await type_query(pilot, "-tool:codex-cli")
        listed = set(screen.session_list.source.all_ids())
        assert len(listed) == others and not listed & codex
        assert screen.applied.mode == "list"  # the plain listing, sortable, no hit labels
        chips = [c for c in screen.query(".chip") if c.display]
        assert [str(c.label) for c in chips] == ["-tool:codex-cli ✕"]
        await pilot.click(chips[0])
        await settle(pilot)
        assert screen.search_input.value == ""
        assert screen.session_list.source.count() == demo_store.count()

        await pilot.press(*"is:unstarred")  # the search bar still has the focus
        await settle(pilot)
        starred = {s.id for s in demo_store.list() if s.starred}
        listed = set(screen.session_list.source.all_ids())
        assert starred and len(listed) == demo_store.count() - len(starred)
        assert not listed & starred
        await pilot.click("#pick-starred")  # the opposite replaces it, not contradicts it
        await settle(pilot)
        assert screen.search_input.value == "is:starred"
        assert set(screen.session_list.source.all_ids()) == starred


@sync
async def test_typed_filters_and_unknown_values_are_explained(make_demo_app):
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = main_screen(pilot)
        await type_query(pilot, "after:someday is:starred")
        status = screen.query_one("#status").plain
        assert "'someday' is not a date" in status
        starred = sum(1 for s in screen.store.list() if s.starred)
        assert screen.session_list.source.count() == starred  # the date is skipped
        chips = {str(c.label): c.has_class("-ignored") for c in screen.query(".chip") if c.display}
        assert chips == {"after:someday ✕": True, "is:starred ✕": False}


@sync
async def test_sort_by_column_key_and_by_clicking_the_header(make_demo_app, demo_store):
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        sessions = screen.session_list
        # "o" cycles the sort column: updated -> messages.
        await pilot.press("o")
        await settle(pilot)
        counts = [sessions.source.row(i).summary.message_count for i in range(37)]
        assert sessions.sort_key == "messages"
        assert counts == sorted(counts, reverse=True)
        await pilot.press("O")  # reverse
        await settle(pilot)
        counts = [sessions.source.row(i).summary.message_count for i in range(37)]
        assert counts == sorted(counts)
        # Clicking the Title header sorts by title A→Z.
        title_x = next(x for c, x, _w in sessions._columns if c.key == "title")
        await pilot.click(SessionList, offset=(1 + title_x + 2, 1))  # inside the border
        await settle(pilot)
        titles = [sessions.source.row(i).title.lower() for i in range(37)]
        assert sessions.sort_key == "title" and titles == sorted(titles)


@sync
async def test_multi_select_delete_confirm_then_undo(make_demo_app, demo_store):
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        before = _ids(screen.session_list)
        await pilot.press("space")  # select row 0, cursor moves to row 1
        await pilot.press("down", "shift+down", "shift+down")  # range rows 2..4
        await settle(pilot)
        chosen = {before[0], *before[2:5]}
        assert screen.session_list.selected == chosen
        assert "4 selected" in screen.query_one("#status").plain

        await pilot.press("d")
        await settle(pilot)
        dialog = app.screen
        assert dialog.__class__.__name__ == "ConfirmDialog"
        assert "Delete 4 sessions?" in dialog.title_text
        starred = sum(1 for i in chosen if demo_store.summary(i).starred)
        tagged = sum(1 for i in chosen if demo_store.summary(i).tags)
        assert starred or tagged  # the demo's top rows include such sessions
        if starred:
            assert f"{starred} starred" in dialog.body  # said before they go
        if tagged:
            assert f"{tagged} tagged" in dialog.body
        await close_dialog(pilot, "n")  # cancel first: nothing happens
        assert set(_ids(screen.session_list)) == set(before)

        await pilot.press("d")
        await settle(pilot)
        await close_dialog(pilot, "y")
        after = _ids(screen.session_list)
        assert set(after) == set(before) - chosen
        assert all(not demo_store.exists(i) for i in chosen)
        assert {e.session_id for e in demo_store.trash()} == chosen
        assert not screen.session_list.selected

        await pilot.press("u")
        await settle(pilot)
        assert set(_ids(screen.session_list)) == set(before)
        assert all(demo_store.exists(i) for i in chosen)


@sync
async def test_select_all_matching_selects_every_listed_session(make_demo_app, demo_store):
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = main_screen(pilot)
        await type_query(pilot, "tool:chatgpt")
        await pilot.press("escape", "ctrl+a")
        await settle(pilot)
        expected = {s.id for s in demo_store.list() if s.source == "chatgpt"}
        assert screen.session_list.selected == expected


@sync
async def test_star_toggles_and_persists(make_demo_app, demo_store):
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        await pilot.press("down")
        sid = screen.session_list.current.session_id
        was = demo_store.summary(sid).starred
        await pilot.press("s")
        await settle(pilot)
        assert demo_store.summary(sid).starred is (not was)
        assert demo_store.get(sid).starred is (not was)


@sync
async def test_star_tag_and_delete_keep_the_cursor_on_its_row(make_demo_app, demo_store):
    """Editing a session never throws the cursor back to the top (G k k s on the demo)."""
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        sessions = screen.session_list
        await pilot.press("G", "k", "k")
        await settle(pilot)
        index, sid = sessions.cursor, sessions.current.session_id
        assert index == demo_store.count() - 3
        assert screen.transcript.session.id == sid
        top = sessions.scroll_y

        await pilot.press("s")
        await settle_store(pilot)
        assert demo_store.summary(sid).starred
        assert (sessions.cursor, sessions.current.session_id) == (index, sid)
        assert sessions.scroll_y == top  # nothing moved on screen
        assert screen.transcript.session.id == sid and screen.transcript.session.starred

        await pilot.press("plus")
        await settle(pilot)
        await close_dialog(pilot, *"later", "enter")
        await settle_store(pilot)
        assert "later" in demo_store.summary(sid).tags
        assert (sessions.cursor, sessions.current.session_id) == (index, sid)

        below = _ids(sessions)[index + 1]
        await pilot.press("d")
        await settle(pilot)
        await close_dialog(pilot, "y")
        await settle_store(pilot)
        assert not demo_store.exists(sid)
        assert (sessions.cursor, sessions.current.session_id) == (index, below)
        assert screen.transcript.session.id == below

        # Deleting the last row lands on the one above it.
        await pilot.press("G")
        await settle(pilot)
        last, above = _ids(sessions)[-1], _ids(sessions)[-2]
        await pilot.press("d")
        await settle(pilot)
        await close_dialog(pilot, "y")
        await settle_store(pilot)
        assert not demo_store.exists(last)
        assert sessions.current.session_id == above


@sync
async def test_star_keeps_the_readers_place_in_the_transcript(make_demo_app):
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_first_transcript(pilot)
        await pilot.press("pagedown", "pagedown")
        await settle(pilot)
        place = (view.scroll_y, view.cursor)
        assert place[0] > 0
        await pilot.press("s")
        await settle_store(pilot)
        assert (view.scroll_y, view.cursor) == place
        assert app.focused is view


@sync
async def test_transcript_tool_blocks_collapse_expand_and_thinking(make_demo_app, demo_store):
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_first_transcript(pilot)
        assert app.focused is view
        session = view.session
        call_entry = next(i for i, m in enumerate(view.entries) if m is not None and m.tool_calls)
        call = view.entries[call_entry].tool_calls[0]
        key, value = next(iter(call.input.items()))
        collapsed = [s.text for s in view.laid(call_entry).lines]
        assert any("▸ ⚙" in line for line in collapsed)
        assert not any(f"{key}: " in line for line in collapsed)
        await pilot.press("t")  # hidden -> truncated: inputs shown
        await settle(pilot)
        shown = [s.text for s in view.laid(call_entry).lines]
        if key == "command":  # a shell command is shown as itself, not as JSON
            assert any(line.strip() == value.splitlines()[0] for line in shown)
        else:
            assert any(f"{key}: {value}" in line for line in shown)
        # Thinking is collapsed by default and T shows it.
        think_entry = next(
            i
            for i, m in enumerate(view.entries)
            if m is not None and any(b.type == "thinking" for b in m.content)
        )
        thought = next(b.text for b in view.entries[think_entry].content if b.type == "thinking")
        flat = lambda e: " ".join(s.text.strip() for s in view.laid(e).lines)  # noqa: E731
        assert thought[:30] not in flat(think_entry)
        await pilot.press("T")
        await settle(pilot)
        assert thought[:30] in flat(think_entry)
        assert session is view.session


@sync
async def test_a_hit_only_in_collapsed_thinking_is_said_to_be_hidden(make_demo_app):
    """The search matched a message the reader cannot see yet: the pane says where it is
    instead of 'no hits', and T shows it."""
    from sessions_tui.tui.widgets.transcript import words_matcher

    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_first_transcript(pilot)
        thought = next(
            b.text for m in view.entries if m is not None for b in m.content if b.type == "thinking"
        )
        words = {w.strip(".,:;()'\"`") for w in thought.split()}
        for word in sorted(words, key=len, reverse=True):  # one only the thinking holds
            view.set_matcher(words_matcher([word]))
            if not view.matching_entries():
                break
        else:
            raise AssertionError("every word of the thinking is also in plain sight")
        assert re.match(
            r"0 hits shown, [1-9]\d* hidden \(t: tools, T: thinking\)", view.status_text
        )
        await pilot.press("T")
        await settle(pilot)
        assert re.match(r"[1-9]\d* hits? · n: next", view.status_text), view.status_text


@sync
async def test_find_in_transcript_highlights_and_n_moves(make_demo_app):
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)

        def footer() -> set[str]:
            return {key.description for key in screen.query(FooterKey)}

        assert "Search" in footer() and "Find" not in footer()
        await pilot.press("enter")
        await settle(pilot)
        assert "Find" in footer() and "Search" not in footer()  # what '/' does here
        await pilot.press("slash")
        assert app.focused.id == "find"
        await pilot.press(*"retry_with_backoff", "enter")
        await settle(pilot)
        view = screen.transcript
        assert app.focused is view
        first = view.hit
        assert first is not None
        line = view.laid(first[0]).lines[first[1]].text
        assert "retry_with_backoff" in line
        await pilot.press("n")
        second = view.hit
        assert second is not None and second > first
        await pilot.press("N")
        assert view.hit == first


@sync
async def test_hostile_text_is_shown_as_text_and_never_reaches_the_terminal(make_demo_app):
    hostile = demo_sessions()[5]
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = main_screen(pilot)
        await type_query(pilot, "tool:" + hostile.source)
        await pilot.press("escape")
        index = _ids(screen.session_list).index(hostile.id)
        screen.session_list.cursor = index
        await pilot.press("enter")
        await settle(pilot)
        view: TranscriptView = screen.transcript
        assert view.session.id == hostile.id
        drawn = [view.render_line(y) for y in range(view.scrollable_content_region.height)]
        text = "\n".join(strip.text for strip in drawn)
        assert "[bold]not bold[/bold]" in text
        assert "[@click=app.quit]click[/]" in text
        assert "␛]52;c;ZXZpbA==␇" in text  # made visible, not executed
        for strip in drawn:
            for segment in strip:
                assert ESC not in segment.text and BEL not in segment.text
                assert segment.style is None or not segment.style.meta.get("@click")
        exported = app.export_screenshot()
        assert ESC not in exported and BEL not in exported and CSI8 not in exported
        # The title in the list and the pane header are safe too; the app is still running.
        assert app.is_running


@sync
async def test_narrow_terminal_stacks_and_wide_puts_panes_side_by_side(make_demo_app):
    app = make_demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        assert not screen.has_class("-wide")
        titles = [c.label for c, _x, _w in screen.session_list._columns]
        assert "Title" in titles and "Size" not in titles  # low-priority columns dropped
    app = make_demo_app()
    async with app.run_test(size=(180, 40)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        assert screen.has_class("-wide")
        assert screen.session_list.region.y == screen.query_one("#transcript-pane").region.y
        # Text is laid out for the pane beside its scrollbar: nothing is cut at the edge.
        view = screen.transcript
        assert view.show_vertical_scrollbar
        room = view.scrollable_content_region.width - 2
        for entry in range(1, 5):
            assert max(s.cell_length for s in view.laid(entry).lines) <= room


@sync
async def test_resume_dialog_copies_the_command(make_demo_app, demo_store):
    app = make_demo_app()
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        summary = demo_store.summary(screen.session_list.current.session_id)
        await pilot.press("r")
        await settle(pilot)
        await close_dialog(pilot, "c")
        assert copied and summary.source_id in copied[0]
        assert any("(OSC 52)" in n.message for n in app._notifications)
        assert re.search(r"(claude --resume|codex resume|gemini --resume|https://)", copied[0])


@sync
async def test_a_subagent_resumes_its_parent_with_the_reason_beside_the_command(
    make_demo_app, demo_store
):
    app = make_demo_app()
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    sub = next(s for s in demo_store.iter_sessions() if s.parent_session_id)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = main_screen(pilot)
        await type_query(pilot, "is:subagent")
        await pilot.press("enter")  # to the list
        await settle(pilot)
        row = next(
            i
            for i in range(screen.session_list.source.count())
            if screen.session_list.source.row(i).session_id == sub.id
        )
        screen.session_list.cursor = row
        await settle(pilot)
        assert screen.session_list.current.session_id == sub.id
        await pilot.press("r")
        await settle(pilot)
        assert "not resumable on its own" in str(app.screen.query_one("#resume-note").render())
        await close_dialog(pilot, "c")
        assert copied[0].endswith(f"claude --resume {sub.source_ref.id}")  # pastes as is


@sync
async def test_copy_session_as_markdown(make_demo_app):
    app = make_demo_app()
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        title = screen.session_list.current.title
        await pilot.press("y")
        assert copied and copied[0].startswith(f"# {title}")
        assert "## User" in copied[0]
        # OSC 52 gets no answer: say it was sent, never that it arrived.
        notes = [n.message for n in app._notifications]
        assert any("sent to the terminal's clipboard (OSC 52)" in n for n in notes), notes
        assert not any("copied" in n.lower() for n in notes)


@sync
async def test_large_listing_draws_only_what_is_visible(demo_store, make_demo_app):
    """The list asks the index for one page, not for every session, when it paints."""
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        source = main_screen(pilot).session_list.source
        assert isinstance(source, ListingSource)
        assert list(source._pages) == [0]


@sync
async def test_search_open_result_and_step_through_hits(make_demo_app, demo_store):
    """Type a query, open a result at its hit, n/N move between highlighted hits."""
    app = make_demo_app(search=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        assert screen.index_state == "ready"
        await type_query(pilot, "timeout")
        source = screen.session_list.source
        assert source.row_height == 2 and source.count() > 1  # rows with their snippets
        for i in range(source.count()):
            row = source.row(i)
            assert any(row.snippet[a:b].lower().startswith("timeout") for a, b in row.ranges)
        await pilot.press("escape", "down")
        row = screen.session_list.current
        await pilot.press("enter")
        await settle(pilot)
        view = screen.transcript
        assert app.focused is view and view.session.id == row.session_id
        entry, line = view.hit
        if row.hit_message_id:
            assert view.entries[entry].id == row.hit_message_id
        assert "timeout" in view.laid(entry).lines[line].text.lower()
        # The hit is on screen and drawn with the match style.
        y = view._offsets[entry] + line - int(view.scroll_y)
        assert 0 <= y < view.scrollable_content_region.height
        match = view._style("current-match")
        assert any(seg.style and seg.style.bgcolor == match.bgcolor for seg in view.render_line(y))
        first = view.hit
        await pilot.press("n")
        assert view.hit != first
        assert "timeout" in view.laid(view.hit[0]).lines[view.hit[1]].text.lower()
        await pilot.press("N")
        assert view.hit == first


@sync
async def test_fast_typing_shows_only_the_last_querys_results(make_demo_app):
    app = make_demo_app(search=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        await pilot.press("slash", *"camera")
        await pilot.press(*["backspace"] * 6, *"terraform")
        await settle(pilot)
        assert screen.applied.query == "terraform"
        titles = [screen.session_list.source.row(i).title for i in range(3)]
        assert any("Terraform" in t for t in titles)


@sync
async def test_a_lone_first_letter_keeps_the_list_until_the_second(make_demo_app, demo_store):
    """'c' as a prefix matches nearly everything, slowest of all: the list stays, says why,
    and the second letter searches; 'c ' (finished) searches the word itself."""
    app = make_demo_app(search=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        await type_query(pilot, "c")
        assert screen.applied.mode == "list"
        assert screen.session_list.source.count() == demo_store.count()
        assert "'c' is left out until it has a second letter" in screen.query_one("#status").plain
        await pilot.press("a")
        await settle(pilot)
        assert screen.applied.mode == "search" and screen.applied.query == "ca"
        await pilot.press("backspace", "space")
        await settle(pilot)
        assert screen.applied.mode == "search" and screen.applied.query == "c "


@sync
async def test_keys_typed_while_a_search_runs_are_searched_together_after_it(make_demo_app):
    """Latest wins: one search at a time, and the keys typed meanwhile cost one search for
    the text as it then is, not one each (two cores must not run a queue of stale ones)."""
    import threading

    app = make_demo_app(search=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        searched: list[str] = []
        release = threading.Event()
        search = screen.index.search

        def slow_first(query: str, **kwargs: object) -> object:
            searched.append(query)
            if len(searched) == 1:
                release.wait(10)  # the first search runs until the other keys are typed
            return search(query, **kwargs)

        screen.index.search = slow_first
        await pilot.press("slash")
        screen.search_input.value = "ca"  # its search blocks until released
        await pilot.press(*"mera")
        await pilot.pause(0.2)  # longer than any debounce: nothing else starts meanwhile
        assert searched == ["ca"]
        release.set()
        await settle(pilot)
        assert searched == ["ca", "camera"]
        assert screen.applied.query == "camera"
        assert screen.transcript.session is not None  # previewed once typing stopped


@sync
async def test_auto_import_runs_in_the_background_and_the_list_follows(
    make_demo_app, demo_store, realdata, tmp_path, monkeypatch
):
    """With auto_import, sessions of a tool's default folder appear without a restart."""
    import shutil

    from sessions_tui.tui.app import make_app

    claude = tmp_path / "claude"
    source = realdata / "claude-code" / "codemie-ai-codemie-code" / "-tmp-private"
    target = claude / "projects" / "-tmp-private"
    target.mkdir(parents=True)
    transcript = "4c2ddfdc-b619-4525-8d03-1950fb1b0257.jsonl"
    shutil.copy(source / transcript, target / transcript)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(claude))
    before = demo_store.count()
    app = make_app(demo_store, open_search_index=False, auto_import=True)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = main_screen(pilot)
        for _ in range(100):  # the import and the debounced refresh run in the background
            await settle(pilot)
            if screen.session_list.source.count() > before:
                break
        assert demo_store.count() > before
        assert screen.session_list.source.count() == demo_store.count()
        assert any("4c2ddfdc" in sid for sid in screen.session_list.source.all_ids())
        assert screen.import_state == ""


@sync
async def test_auto_cleanup_on_start_moves_expired_sessions_to_the_trash_and_u_undoes(
    demo_store,
):
    """With auto_cleanup and a retention period, expired sessions go to the trash at start."""
    from datetime import UTC, datetime

    from sessions_tui.tui.app import make_app

    demo_store.update_settings(retention_days=30)
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    month_ms = 30 * 86_400_000
    expected = {
        s.id for s in demo_store.list() if s.updated_ms < now_ms - month_ms and not s.starred
    }
    assert expected and len(expected) < demo_store.count()  # the demo spans both sides
    before = demo_store.count()
    app = make_app(demo_store, open_search_index=False, auto_cleanup=True)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = main_screen(pilot)
        for _ in range(100):  # the cleanup and the debounced refresh run in the background
            await settle(pilot)
            if screen.session_list.source.count() < before:
                break
        assert {e.session_id for e in demo_store.trash()} == expected
        assert screen.session_list.source.count() == before - len(expected)
        await pilot.press("u")
        for _ in range(100):
            await settle(pilot)
            if screen.session_list.source.count() == before:
                break
        assert demo_store.count() == before and not demo_store.trash()


@sync
async def test_filter_only_queries_list_what_search_finds(make_demo_app, demo_store):
    """Partial values (tool:gemini, model:sonnet, project:payments-api) listed nothing
    ("0 of 37 sessions") although search found them: the listing now reads them the same."""
    app = make_demo_app(search=True)
    sessions = demo_store.list()
    cases = {
        "tool:gemini": {s.id for s in sessions if "gemini" in s.source},
        "tool:claude": {s.id for s in sessions if s.source in ("claude-code", "claude-ai")},
        "model:sonnet": {s.id for s in sessions if any("sonnet" in m for m in s.models)},
        "project:payments-api": {
            s.id for s in sessions if (s.project or "").endswith("/payments-api")
        },
    }
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        assert screen.index_state == "ready"
        for query, expected in cases.items():
            screen.search_input.value = ""
            await type_query(pilot, query)
            await pilot.press("escape")
            assert screen.applied.mode == "list"
            listed = set(_ids(screen.session_list))
            found = {r.session_id for r in screen.index.search(query, limit=500).results}
            assert expected and listed == expected == found, query
            status = screen.query_one("#status").plain
            assert status.startswith(f"{len(expected)} of {len(sessions)} sessions")
        screen.search_input.value = ""
        await type_query(pilot, "tool:nosuchtool")
        status = screen.query_one("#status").plain
        assert "no sessions have tool 'nosuchtool' (known: aider" in status


@sync
async def test_dated_model_names_are_shown_and_one_pick_covers_every_version(
    make_demo_app, demo_store
):
    """The Model column hid the date of claude-sonnet-4-5-20250929, and picking
    claude-sonnet-4-5 left those sessions out."""
    sessions = demo_store.list()
    dated = {s.id for s in sessions if "claude-sonnet-4-5-20250929" in s.models}
    plain = {s.id for s in sessions if "claude-sonnet-4-5" in s.models}
    assert dated and plain
    app = make_demo_app()
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        listed = screen.session_list
        drawn = [listed.render_line(1 + i).text for i in range(listed.source.count())]
        rows = dict(zip(_ids(listed), drawn, strict=True))
        assert all("claude-sonnet-4-5-20250929" in rows[i] for i in dated)  # shown whole
        assert all("claude-sonnet-4-5 " in rows[i] for i in plain)
        await pilot.click("#pick-model")
        await settle(pilot)
        picker = app.screen
        values = [c.value for c in picker.choices]
        assert values.index("claude-sonnet-4-5*") < values.index("claude-sonnet-4-5")
        await close_dialog(pilot, *"every version", "enter")
        assert screen.search_input.value == "model:claude-sonnet-4-5*"
        assert set(_ids(screen.session_list)) == dated | plain


@sync
async def test_the_search_bar_completes_words_and_filter_values(make_demo_app, demo_store):
    """Typing `tool:cl` offers `tool:claude-code` inline; → takes it and the list filters."""
    app = make_demo_app(search=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        await type_query(pilot, "tool:cl")
        search = screen.search_input
        assert search._suggestion == "tool:claude-code"
        await pilot.press("right")
        await settle(pilot)
        assert search.value == "tool:claude-code"
        listed = {screen.session_list.source.row(i).source for i in range(3)}
        assert listed == {"claude-code"}
        await pilot.press("space", *"backo")
        await settle(pilot)
        assert search._suggestion == "tool:claude-code backoff"
        await pilot.press("end")  # End takes it too, as the help says
        assert search.value == "tool:claude-code backoff"
        await pilot.press("home", "end")  # and only moves the cursor when nothing is offered
        assert search.value == "tool:claude-code backoff" and search.cursor_at_end


@sync
async def test_copying_several_sessions_reads_them_off_the_ui_thread(make_demo_app, monkeypatch):
    import sessions_tui.tui.screens.main as main_module

    monkeypatch.setattr(main_module, "COPY_LIMIT", 3)
    app = make_demo_app()
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+a", "y")
        await settle(pilot)
        [text] = copied
        assert text.count("\n---\n") == 2 and text.count("## User") >= 3
        notes = [n.message for n in app._notifications]
        assert any("3 sessions as Markdown (the first 3 of" in n for n in notes), notes


@sync
async def test_filter_chips_that_do_not_fit_give_way_in_order_and_are_counted(make_demo_app):
    """Six filters at 90 columns: the pickers make room, the chips shown are the first ones,
    every one of them is on screen (clickable), and the rest are counted."""
    app = make_demo_app()
    query = (
        "tool:claude-code model:claude-haiku* project:payments-api after:2025-01-01 "
        "tag:keep is:starred"
    )
    async with app.run_test(size=(90, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        screen.search_input.value = query
        await settle(pilot)
        bar = screen.query_one("#filter-bar")
        assert bar.has_class("-crowded")
        chips = [c for c in bar.query(".chip") if c.display]
        assert 1 <= len(chips) < 6
        labels = [str(c.label) for c in chips]
        expected = ["tool:claude-code ✕", "model:claude-haiku* ✕", "project:payments-api ✕"]
        assert labels == expected[: len(labels)]
        for chip in chips:
            assert chip.region.right <= bar.region.right
        more = str(bar.query_one("#chips-more").content)
        assert more.startswith(f"+{6 - len(chips)} more")
        await pilot.click(chips[0])
        await settle(pilot)
        assert "tool:claude-code" not in screen.search_input.value


@sync
async def test_a_status_line_cut_at_the_edge_is_read_whole_by_clicking_it(make_demo_app):
    """In a narrow terminal a notice does not fit the status line; a click shows all of it."""
    app = make_demo_app(search=True)
    async with app.run_test(size=(64, 24), notifications=True) as pilot:
        await settle(pilot)
        await type_query(pilot, "retry c")
        status = pilot.app.screen.query_one("#status")
        notice = "'c' is left out until it has a second letter"
        assert notice in status.plain
        shown = "".join(seg.text for seg in status.render_line(0))
        assert notice not in shown  # cut at the right edge
        await pilot.click("#status")
        await settle(pilot)
        toasts = [t.render().plain for t in pilot.app.screen.query(Toast)]
        assert any(notice in " ".join(t.split()) for t in toasts), toasts
