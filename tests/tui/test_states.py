"""What the screen says when there is nothing to show, something cannot be shown, or the
user moved on: empty stores, empty results, damaged files, zoom, find, hit positions."""

from __future__ import annotations

from sessions_tui.demo import BASE_TIME
from sessions_tui.store import SessionStore
from sessions_tui.tui.app import make_app

from .helpers import main_screen, settle, sync, type_query


@sync
async def test_an_empty_first_run_says_where_it_looked_and_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "home" / ".claude").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    store = SessionStore(tmp_path / "store")
    app = make_app(store, open_search_index=False, auto_import=True, now=lambda: BASE_TIME)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = main_screen(pilot)
        for _ in range(50):
            await settle(pilot)
            if "Looked for" in screen.session_list.empty_text and not screen.import_state:
                break
        text = screen.session_list.empty_text
        assert "No sessions yet." in text
        assert "~/.claude/projects" in text and "~/.codex/sessions" in text
        assert "not found" in text
        assert "sessions-tui import PATH" in text and "sessions-tui --demo" in text
        # An empty store has no transcript to show: the guidance gets the whole height.
        assert not screen.query_one("#transcript-pane").region.height
        height = screen.session_list.scrollable_content_region.height
        drawn = "\n".join(screen.session_list.render_line(y).text for y in range(height))
        assert "No sessions yet." in drawn and "sessions-tui --demo" in drawn
    store.close()


@sync
async def test_no_results_are_explained_and_the_old_transcript_goes(make_demo_app):
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        assert screen.transcript.session is not None
        await type_query(pilot, "tool:claude-code is:error after:today")
        assert screen.session_list.source.count() == 0
        text = screen.session_list.empty_text
        assert text.startswith("No sessions match tool:claude-code is:error after:today")
        assert "F clears the filters" in text
        assert screen.transcript.session is None
        assert "No sessions match" in screen.session_list.render_line(2).text


@sync
async def test_searching_from_a_zoomed_transcript_brings_the_list_back(make_demo_app):
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        panes = screen.query_one("#panes")
        await pilot.press("enter", "z")
        await settle(pilot)
        assert panes.has_class("-zoom-transcript")
        assert screen.session_list.region.height == 0  # hidden by the zoom
        await pilot.click("#search")
        await pilot.press(*"compression")
        await settle(pilot)
        assert not panes.has_class("-zoom-transcript")
        assert screen.session_list.region.height > 0
        # Esc from a zoomed transcript returns to a list that can be seen.
        await pilot.press("escape", "enter", "z")
        await settle(pilot)
        assert panes.has_class("-zoom-transcript")
        await pilot.press("escape")
        assert not panes.has_class("-zoom-transcript")
        assert app.focused is screen.session_list and screen.session_list.region.height > 0


@sync
async def test_esc_closes_the_find_bar_and_moving_away_forgets_the_hit(make_demo_app):
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        view = screen.transcript
        pane = screen.query_one("#transcript-pane")
        find = screen.query_one("#find")
        await pilot.press("enter", "slash", *"retry", "enter")
        await settle(pilot)
        assert app.focused is view and view.hit is not None
        assert pane.border_subtitle.startswith("hit 1 of ")
        await pilot.press("g")
        await settle(pilot)
        assert view.hit is None and not pane.border_subtitle.startswith("hit ")
        await pilot.press("escape")  # first Esc: the find bar and its highlights go
        await settle(pilot)
        assert not find.has_class("-shown") and find.value == ""
        assert view.matcher is None and app.focused is view
        await pilot.press("escape")  # second Esc: back to the list
        assert app.focused is screen.session_list


@sync
async def test_hit_position_counts_matching_messages_and_names_the_title(make_demo_app):
    app = make_demo_app(search=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        await type_query(pilot, "compression")
        rows = [screen.session_list.source.row(i) for i in range(3)]
        titled = next(r for r in rows if r.title_match and "compression" in r.title.lower())
        assert titled.snippet.lower() != titled.title.lower()  # the title is not repeated
        index = rows.index(titled)
        second_line = screen.session_list.render_line(1 + index * 2 + 1).text
        assert "title matches" in second_line
        assert titled.title not in second_line
        await pilot.press("escape")
        screen.session_list.cursor = index
        await pilot.press("enter")
        await settle(pilot)
        view = screen.transcript
        assert view.hit is not None and view.hit[0] == 0  # the header holds the title
        subtitle = screen.query_one("#transcript-pane").border_subtitle
        assert subtitle.startswith(f"hit 1 of {len(view.matching_entries())}")
        assert "title" in subtitle and "message 0" not in subtitle
        await pilot.press("n")
        if len(view.matching_entries()) > 1:
            assert screen.query_one("#transcript-pane").border_subtitle.startswith("hit 2 of")


@sync
async def test_a_typo_notice_is_shown_once(make_demo_app):
    app = make_demo_app(search=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        await type_query(pilot, "jitered")
        status = screen.query_one("#status").plain
        assert screen.session_list.source.count() > 0
        assert status.lower().count("no exact matches") == 1, status
        assert status.index("matching session") < status.lower().index("no exact matches")


@sync
async def test_the_transcript_title_is_the_lists_title_for_untitled_sessions(
    make_demo_app, demo_store
):
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = main_screen(pilot)
        await type_query(pilot, "tool:aider")
        await pilot.press("escape")
        await settle(pilot)
        row = screen.session_list.current
        assert demo_store.get(row.session_id).title == ""  # untitled at the source
        assert row.title != "(untitled)"
        head = screen.query_one("#transcript-title").render()
        assert str(head) == row.title
        assert screen.transcript.laid(0).lines[0].text.strip() == row.title


@sync
async def test_a_damaged_session_explains_itself_in_the_pane_without_piling_up_toasts(
    make_demo_app, demo_store
):
    victim = demo_store.list()[1]
    path = demo_store.path_of(victim.id)
    path.write_bytes(b"\x28\xb5\x2f\xfd not really zstd")
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        for key in ("down", "up", "down", "up", "down"):
            await pilot.press(key)
            await settle(pilot)
        assert screen.session_list.current.session_id == victim.id
        assert screen.transcript.session is None
        text = screen.transcript.placeholder_text
        assert "cannot be read" in text and "sessions-tui verify --repair" in text
        assert str(path) in text
        assert str(screen.query_one("#transcript-title").render()).startswith("Cannot open")
        assert not [n for n in app._notifications if "Cannot open" in (n.title or n.message)]
        drawn = "\n".join(screen.transcript.render_line(y).text for y in range(1, 8))
        assert "verify --repair" in drawn


@sync
async def test_80x24_keeps_the_list_usable_the_footer_whole_and_dialogs_unwrapped(
    make_demo_app,
):
    from textual.widgets._footer import FooterKey

    app = make_demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        assert screen.session_list.scrollable_content_region.height - 1 >= 7  # rows shown
        assert screen.transcript.scrollable_content_region.height >= 7
        assert screen.session_list.border_subtitle == "sorted by updated ▼"
        await pilot.press("o")  # messages: a column the narrow list does not show
        await settle(pilot)
        assert "Msgs" not in screen.session_list.render_line(0).text
        assert screen.session_list.border_subtitle == "sorted by msgs ▼"
        keys = {k.description: k for k in screen.query(FooterKey)}
        assert {"Open", "Search", "Delete", "Help"} <= set(keys)
        for key in keys.values():
            assert key.region.right <= 80, key.description  # none cut at the edge
        source = screen.session_list.source
        long = max(range(1, source.count()), key=lambda i: len(source.row(i).title))
        assert len(source.row(long).title) > 60  # wider than the dialog
        screen.session_list.cursor = long
        await pilot.press("space", "space", "d")
        await settle(pilot)
        items = app.screen.query_one("#dialog-items")
        assert items.region.height == 2  # one line per title, cut rather than wrapped
        assert "…" in "".join(items.render_line(y).text for y in range(2))


@sync
async def test_keys_typed_in_one_burst_after_slash_go_to_the_search_bar(make_demo_app):
    """A terminal delivers '/tool:gemini' typed fast (or pasted) as one burst: every key
    after '/' belongs to the search bar, none to the list ('o' sort, 'e' export, 'i' …)."""
    from textual import events

    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        app.post_message(events.Key("slash", "/"))
        for char in "tool:gemini":
            app.post_message(events.Key(char if char != ":" else "colon", char))
        await settle(pilot)
        assert screen.search_input.value == "tool:gemini"
        assert app.screen is screen and screen.session_list.sort_key == "updated"
        app.post_message(events.Key("escape", None))
        for char in "/x":
            app.post_message(events.Key("slash" if char == "/" else char, char))
        await settle(pilot)
        assert screen.search_input.value.endswith("x")


@sync
async def test_slash_is_typed_inside_the_search_and_find_bars(make_demo_app):
    app = make_demo_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        await type_query(pilot, "src/store")
        assert screen.search_input.value == "src/store"
        screen.search_input.value = ""
        await settle(pilot)
        await pilot.press("escape", "enter", "slash")  # in the transcript: find
        assert app.focused is screen.query_one("#find")
        await pilot.press(*"a/b")
        assert screen.query_one("#find").value == "a/b"


@sync
async def test_a_subagent_row_points_at_its_parent_only_when_it_is_the_row_above(tmp_path):
    from datetime import timedelta

    from sessions_tui.models import Message, Session, TextBlock

    def session(sid: str, title: str, minutes_ago: int, parent: str | None = None) -> Session:
        return Session(
            id=sid,
            title=title,
            source="claude-code",
            updated=BASE_TIME - timedelta(minutes=minutes_ago),
            parent_session_id=parent,
            messages=[Message(id=f"{sid}-u", role="user", content=[TextBlock(text=title)])],
        )

    store = SessionStore(tmp_path / "store")
    store.save_many(
        [
            session("claude-code-p", "Parent session", 1),
            session("claude-code-p.agent-1", "First helper", 2, "claude-code-p"),
            session("claude-code-p.agent-2", "Second helper", 3, "claude-code-p"),
            session("claude-code-q", "Unrelated session", 4),
            session("claude-code-p.agent-3", "Late helper", 5, "claude-code-p"),
        ]
    )
    app = make_app(store, open_search_index=False, now=lambda: BASE_TIME)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        rows = main_screen(pilot).session_list
        titles = [rows.render_line(y).text[3:40].strip() for y in range(1, 6)]
        assert titles == [
            "Parent session",
            "↳ First helper",
            "↳ Second helper",  # its sibling is between it and the parent
            "Unrelated session",
            "subagent: Late helper",  # '↳' would put it under 'Unrelated session'
        ]
    store.close()


def _one_session_app(tmp_path, messages):
    """A store holding one Claude Code session of ``messages``, and the app on it."""
    from sessions_tui.models import Session

    store = SessionStore(tmp_path / "store")
    store.save(
        Session(
            id="claude-code-one",
            title="one session",
            source="claude-code",
            updated=BASE_TIME,
            messages=messages,
        )
    )
    return store, make_app(store, open_search_index=False, now=lambda: BASE_TIME)


@sync
async def test_n_reaches_every_counted_hit_even_past_a_collapsed_summary(tmp_path):
    from sessions_tui.models import Message, TextBlock, ToolCallBlock

    long_command = "cd /srv/app && " + "x " * 80 + "run quokka"  # the word past the cut
    store, app = _one_session_app(
        tmp_path,
        [
            Message(id="m1", role="user", content=[TextBlock(text="find the quokka")]),
            Message(
                id="m2",
                role="assistant",
                content=[ToolCallBlock(id="c1", name="Bash", input={"command": long_command})],
            ),
            Message(id="m3", role="assistant", content=[TextBlock(text="quokka found")]),
        ],
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        await pilot.press("enter", "slash", *"quokka", "enter")
        await settle(pilot)
        view = screen.transcript
        counted = len(view.matching_entries())
        visited = set()
        for _ in range(counted):
            visited.add(view.hit[0])
            await pilot.press("n")
        assert len(visited) == counted == 3  # the call's summary line is cut before the word
    store.close()


@sync
async def test_enter_on_a_message_opens_all_its_blocks_then_closes_them(tmp_path):
    from sessions_tui.models import Message, TextBlock, ThinkingBlock, ToolCallBlock

    store, app = _one_session_app(
        tmp_path,
        [
            Message(id="m1", role="user", content=[TextBlock(text="go")]),
            Message(
                id="m2",
                role="assistant",
                content=[
                    ThinkingBlock(text="let me think"),
                    ToolCallBlock(id="c1", name="Bash", input={"command": "ls"}),
                ],
            ),
        ],
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "T")  # open the transcript; thinking shown by default
        await settle(pilot)
        view = main_screen(pilot).transcript
        view.cursor = 2
        assert sorted(view.laid(2).open_blocks.values()) == [False, True]  # tool closed
        await pilot.press("enter")
        assert list(view.laid(2).open_blocks.values()) == [True, True]  # all open, none shut
        await pilot.press("enter")
        assert list(view.laid(2).open_blocks.values()) == [False, False]
    store.close()
