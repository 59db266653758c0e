"""The main screen: search bar, filter bar, session list, transcript viewer, status line.

This screen is the only part of the TUI that talks to the store and the search index; widgets
receive data and post messages. Everything slow (searching, loading a session, indexing,
deleting or editing many sessions) runs in thread workers; results whose query is no longer
the search bar's value are dropped.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, get_current_worker

from ...export.render import block_markdown, message_heading, to_markdown
from ...models import Session
from ...safety import visible_controls
from ...search.query import is_word_start, left_out
from ...store import SessionStore, StoreError, StoreEvent
from ...store.errors import CorruptSessionFile, SessionNotFound
from ...store.metaindex import display_title
from ..dialogs.confirm import ConfirmDialog
from ..dialogs.picker import Choice, PickerDialog
from ..dialogs.resume import ResumeDialog
from ..dialogs.text_input import TextInputDialog
from ..formatting import human_size, one_line, short_model, short_project
from ..querystring import (
    Filter,
    ignored_filters,
    parse,
    parse_date,
    to_list_query,
    with_filter,
    without_filter,
)
from ..resume import for_summary, resume_note
from ..widgets.bars import FilterBar, StatusLine
from ..widgets.session_list import COLUMNS, SessionList
from ..widgets.sources import ListingSource, SearchSource
from ..widgets.suggest import CompletingInput, QuerySuggester
from ..widgets.transcript import TranscriptView, words_matcher

if TYPE_CHECKING:
    from ..app import SessionsApp

#: Sessions `y` copies at most when several are selected (more: export).
COPY_LIMIT = 200
PREVIEW_DEBOUNCE = 0.12
SEARCH_PAGE = 100
STORE_REFRESH_DELAY = 0.3
WIDE = 150  # columns from which the transcript sits beside the list instead of below it
SHORT = 32  # rows below which the layout is tightened (see on_resize)


class _Cancelled(Exception):
    """Raised from a progress callback to stop a core operation whose worker was cancelled."""


@dataclass(slots=True)
class _Applied:
    """What the list currently shows, for the status line."""

    query: str = ""
    shown: int = 0
    total: int = 0
    mode: str = "list"
    elapsed_ms: float = 0.0
    notice: str = ""


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: run while the app reads keys, so a burst typed after '/' (fast typing, a
        # paste) already goes to the search bar; in a text field '/' is typed as usual.
        # One key, two bindings, so the footer names what '/' does where focus is.
        Binding("slash", "slash_search", "Search", priority=True, id="main.search"),
        Binding("slash", "find", "Find", priority=True, id="main.find"),
        Binding("ctrl+f", "focus_search", "Search", show=False),
        Binding("f", "filter_menu", "Filter", id="main.filter"),
        Binding("F", "clear_filters", "Clear filters", show=False, id="main.clear_filters"),
        Binding("s", "star", "Star", id="main.star"),
        Binding("plus,number_sign", "tag", "Tag", show=False, id="main.tag"),
        Binding("d,delete", "delete", "Delete", id="main.delete"),
        Binding("u,ctrl+z", "undo", "Undo", show=False, id="main.undo"),
        Binding("y", "copy_session", "Copy", show=False, id="main.copy"),
        Binding("c", "copy_message", "Copy message", show=False, id="main.copy_message"),
        Binding("r", "resume", "Resume", show=False, id="main.resume"),
        Binding("v", "pager", "Pager", show=False, id="main.pager"),
        Binding("E", "editor", "Editor", show=False, id="main.editor"),
        Binding("e", "export", "Export", show=False, id="main.export"),
        Binding("i", "import_dialog", "Import", show=False, id="main.import"),
        Binding("C", "cleanup", "Clean up", show=False, id="main.cleanup"),
        Binding("D", "trash", "Trash", show=False, id="main.trash"),
        Binding("z", "zoom", "Zoom", show=False, id="main.zoom"),
        Binding("R", "reindex", "Re-index", show=False, id="main.reindex"),
    ]

    class StoreChanged(Message):
        def __init__(self, event: StoreEvent) -> None:
            super().__init__()
            self.event = event

    def __init__(self, store: SessionStore) -> None:
        super().__init__()
        self.store = store
        self.index: Any = None  # the SearchIndex, opened after the first paint
        self.index_state = "opening"
        self.sort = "updated"
        self.descending = True
        self.applied = _Applied()
        self._searches_running = 0  # searches started and not finished (see _search_changed)
        self._search_pending = False
        self._store_timer: Timer | None = None
        self.import_state = ""
        self._preview_timer: Timer | None = None
        self._undo: list[list[str]] = []
        self._shown_id: str | None = None
        self._pending_hit: tuple[str, str | None] | None = None
        self._find_active = False
        self._locations: list[tuple[str, str, bool]] | None = None

    @property
    def sessions_app(self) -> SessionsApp:
        return self.app  # type: ignore[return-value]

    # -- composition -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="search-row"):
            yield Static("/", id="search-icon")
            yield CompletingInput(
                placeholder="Search sessions…  tool: model: project: after: before: is: tag:",
                id="search",
                suggester=QuerySuggester(lambda: self.index),
            )
        yield FilterBar(id="filter-bar")
        with Container(id="panes"):
            yield SessionList(
                ListingSource(self.store, self._list_query(parse(""))),
                now=self.sessions_app.now,
                id="sessions",
            )
            with Vertical(id="transcript-pane"):
                with Horizontal(id="transcript-head"):
                    yield Static("", id="transcript-title")
                    yield Static("", id="transcript-meta")
                yield TranscriptView(tz=self.sessions_app.tz, id="transcript")
                yield Input(placeholder="Find in transcript (Enter: next, Esc: close)", id="find")
        yield StatusLine(id="status")
        yield Footer()

    @property
    def session_list(self) -> SessionList:
        return self.query_one("#sessions", SessionList)

    @property
    def transcript(self) -> TranscriptView:
        return self.query_one("#transcript", TranscriptView)

    @property
    def search_input(self) -> Input:
        return self.query_one("#search", Input)

    def on_mount(self) -> None:
        self.session_list.border_title = "Sessions"
        self.query_one("#transcript-pane").border_title = "Transcript"
        self.set_focus(self.session_list)
        self.store.listeners.append(self._on_store_event)
        if self.sessions_app.auto_import or self.sessions_app.auto_cleanup:
            self.call_after_refresh(self._start_up_work)
        if self.sessions_app.open_search_index:
            self.call_after_refresh(self._open_index)
        else:
            self.index_state = "off (titles only)"
            self.call_after_refresh(_freeze_start_up_objects)
        self._update_status()
        self._update_empty_state()
        self._show_sort()
        self.query_one("#transcript-pane").border_subtitle = self.transcript.status_text

    def on_unmount(self) -> None:
        with contextlib.suppress(ValueError):
            self.store.listeners.remove(self._on_store_event)

    def on_resize(self) -> None:
        self.set_class(self.size.width >= WIDE, "-wide")
        # A short terminal (80x24): the filter bar only while filters are on (f and the
        # chips reach the same pickers), the list as tall as the transcript, a compact footer.
        self.set_class(self.size.height < SHORT, "-short")
        self.query_one(Footer).compact = self.size.width < 120

    def _on_store_event(self, event: StoreEvent) -> None:
        # May be called from any thread (an import in a worker): post, never touch widgets.
        self.post_message(self.StoreChanged(event))

    def on_main_screen_store_changed(self, message: StoreChanged) -> None:
        # An import saves in batches: refresh the list once the burst settles, not per batch.
        if self._store_timer is not None:
            self._store_timer.stop()
        self._store_timer = self.set_timer(STORE_REFRESH_DELAY, lambda: self._rerun_query(True))

    # -- importing ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _start_up_work(self) -> None:
        """After the first paint: the auto-import, then the retention cleanup (both settings)."""
        if self.sessions_app.auto_import:
            self._import_now(get_current_worker())
        if self.sessions_app.auto_cleanup:
            self._apply_retention()

    def _apply_retention(self) -> None:
        from ...cleanup.retention import apply_retention_on_start
        from ...config import load_settings

        try:
            result = apply_retention_on_start(self.store, load_settings(auto_cleanup=True))
        except Exception as exc:  # a cleanup problem must not take the browser down
            self.app.call_from_thread(
                self.notify,
                f"Retention cleanup failed: {one_line(str(exc), 300)}",
                severity="error",
            )
            return
        if result is None or not result.removed:
            return
        n = len(result.removed)

        def done() -> None:
            self._undo.append(result.trash_names)
            self.notify(
                f"Retention: moved {n:,} expired session{'s' if n != 1 else ''} to the "
                "trash. Press u to undo.",
                timeout=8,
            )

        self.app.call_from_thread(done)

    def run_import(self) -> None:
        """Import new and changed sessions from every tool's default location, in a worker."""
        if any(w.group == "import" and w.is_running for w in self.workers):
            self.notify("An import is already running", timeout=2)
            return
        self._import()

    def cancel_import(self) -> None:
        for worker in self.workers:
            if worker.group == "import":
                worker.cancel()

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _import(self) -> None:
        self._import_now(get_current_worker())

    def _import_now(self, worker: Worker[None]) -> None:
        from ...importers.runner import auto_import, iter_failures

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:
                raise _Cancelled
            self.app.call_from_thread(self._set_import_state, f"importing {done:,}/{total:,}")

        try:
            summary = auto_import(self.store, progress)
        except _Cancelled:
            self.app.call_from_thread(self._set_import_state, "")
            self.app.call_from_thread(self.notify, "Import cancelled", timeout=3)
            return
        except Exception as exc:  # an importer bug must not take the browser down
            self.app.call_from_thread(self._set_import_state, "")
            self.app.call_from_thread(
                self.notify, f"Import failed: {one_line(str(exc), 300)}", severity="error"
            )
            return
        self.app.call_from_thread(self._set_import_state, "")
        if summary.new or summary.updated or summary.failures:
            note = f"Imported {summary.new:,} new, {summary.updated:,} updated sessions"
            failures = list(iter_failures(summary))
            if failures:
                note += f"; {len(failures):,} failed (run `sessions-tui import` for details)"
            severity = "warning" if failures else "information"
            self.app.call_from_thread(self.notify, note, severity=severity, timeout=6)

    def _set_import_state(self, state: str) -> None:
        self.import_state = state
        self._update_status()
        if not self.session_list.source.count():
            self._update_empty_state()

    # -- the search index --------------------------------------------------------------

    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def _open_index(self) -> None:
        worker = get_current_worker()
        try:
            from ...search import SearchIndex

            index = SearchIndex.open(self.store)
            index.attach()
        except Exception as exc:  # a broken index must not take the browser down
            self.app.call_from_thread(self._index_failed, exc)
            return
        self.app.call_from_thread(self._index_opened, index)

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:
                raise _Cancelled
            if done == total or done % 200 == 0:
                self.app.call_from_thread(self._set_index_state, f"indexing {done:,}/{total:,}")

        try:
            index.catch_up(progress)
        except _Cancelled:
            self.app.call_from_thread(self._set_index_state, "stale (indexing cancelled)")
            return
        except Exception as exc:
            self.app.call_from_thread(self._index_failed, exc)
            return
        self.app.call_from_thread(self._set_index_state, index.state)
        if self.search_input.value.strip():
            self.app.call_from_thread(self._rerun_query, True)

    def _index_opened(self, index: Any) -> None:
        self.index = index
        _freeze_start_up_objects()
        self._set_index_state(index.state)
        if parse(self.search_input.value).text:
            self._rerun_query(keep=True)

    def _index_failed(self, exc: Exception) -> None:
        self._set_index_state("unavailable")
        self.notify(f"Full-text search unavailable: {one_line(str(exc), 200)}", severity="error")

    def _set_index_state(self, state: str) -> None:
        self.index_state = state
        self._update_status()

    def action_reindex(self) -> None:
        if self.index is None:
            self.notify("The search index is not open yet", timeout=2)
            return
        self._open_index()

    def cancel_indexing(self) -> None:
        for worker in self.workers:
            if worker.group == "index":
                worker.cancel()

    # -- queries -------------------------------------------------------------------------

    def _list_query(self, parsed: Any) -> Any:
        query = to_list_query(parsed, self.sessions_app.now())
        query.sort, query.descending = self.sort, self.descending
        if parsed.text and (self.index is None or self.index_state == "unavailable"):
            query.title_contains = parsed.text  # until the full-text index is open
        return query

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        """Search at once on a keystroke; while a search runs, once it is done.

        Latest wins: at most one search runs at a time, and keys typed meanwhile are
        coalesced into one search for the text as it is when that one finishes. No fixed
        delay: a key typed after the results came costs only its own search.
        """
        self._unzoom_transcript()
        # No preview while typing: loading and painting a transcript would compete with the
        # next keystroke's search; the list's first result is previewed once typing stops.
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self.workers.cancel_group(self, "load")
        if self._searches_running:
            self._search_pending = True
        else:
            self._rerun_query()

    def _search_finished(self) -> None:
        self._searches_running -= 1
        if self._search_pending and not self._searches_running:
            self._search_pending = False
            self._rerun_query()

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self._rerun_query()
        self.set_focus(self.session_list)

    def _rerun_query(self, keep: bool | str = False) -> None:
        """List or search again for the search bar's text.

        ``keep``: True keeps the cursor on the session under it (or, if that one is gone, on
        the row that took its place); a session id keeps it on that session.
        """
        query = self.search_input.value
        current = self.session_list.current
        if isinstance(keep, str):
            self._run_query(query, keep, self.session_list.cursor)
        elif keep and current is not None:
            self._run_query(query, current.session_id, self.session_list.cursor)
        else:
            self._run_query(query, None, 0)

    def _run_query(self, query: str, keep: str | None, near: int) -> None:
        self._searches_running += 1
        self._query_worker(query, keep, near)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _query_worker(self, query: str, keep: str | None, near: int) -> None:
        try:
            self._query(query, keep, near)
        finally:
            self.app.call_from_thread(self._search_finished)

    def _query(self, query: str, keep: str | None, near: int) -> None:
        parsed = parse(query)
        worker = get_current_worker()
        # A lone first letter typed (no space after it) narrows nothing as a prefix and is
        # the slowest search there is: the list stays as it is until the second letter.
        lone = parsed.text if is_word_start(parsed.text) and query[-1:].strip() else ""
        searchable = self.index is not None and self.index_state != "unavailable"
        if parsed.text and searchable and not lone:
            try:
                results = self.index.search(query, limit=SEARCH_PAGE, typing=True)
            except Exception as exc:
                self.app.call_from_thread(self._apply_error, query, exc)
                return
            if worker.is_cancelled:
                return
            source: Any = SearchSource(self.store, results)
            applied = _Applied(
                query,
                source.count(),
                results.total,
                "search",
                results.elapsed_ms,
                _notice(results),
            )
        else:
            list_query = self._list_query(parsed)
            source = ListingSource(self.store, list_query)
            source.count()
            applied = _Applied(query, source.count(), self.store.count(), "list")
            notes = [*parsed.errors]
            if not source.count():
                notes += self.store.index.unmatched(list_query)  # name the value at fault
            if lone and searchable:
                notes.append(left_out(lone))
            elif parsed.text:
                notes.append("titles only until the search index is open")
            applied.notice = "; ".join(notes)
        # Find the kept session here, off the UI thread (it may mean paging the index).
        at = source.locate(keep, near) if keep is not None else None
        if not worker.is_cancelled:
            self.app.call_from_thread(
                self._apply, query, source, applied, parsed, at if at is not None else near
            )

    def _apply(self, query: str, source: Any, applied: _Applied, parsed: Any, at: int) -> None:
        if query != self.search_input.value:
            return  # stale: the user typed on while this ran
        self.applied = applied
        self.session_list.set_source(source, at=at)
        self._show_sort()
        self.query_one(FilterBar).set_filters(
            parsed.filters, ignored_filters(parsed, self.sessions_app.now())
        )
        self._update_transcript_matcher()
        self._update_status()
        self._update_empty_state()
        if not source.count() and self._shown_id is not None:
            # Nothing listed: do not keep showing a session the list no longer offers.
            if self._preview_timer is not None:
                self._preview_timer.stop()
            self._shown_id = None
            self.transcript.show(None)
            self._set_transcript_head("", "")

    # -- empty states --------------------------------------------------------------------

    def _update_empty_state(self) -> None:
        """Say why the list is empty and what to do: never a blank pane. An empty store has
        no transcript to show, so the list (and its guidance) takes the transcript's place."""
        self.query_one("#panes").set_class(
            not self.session_list.source.count() and not self.store.count(), "-no-sessions"
        )
        if self.session_list.source.count():
            self.session_list.set_empty(None)
            return
        parsed = parse(self.applied.query)
        if parsed.filters or parsed.text:
            self.session_list.set_empty(self._no_match_lines(parsed))
        elif self.import_state:
            self.session_list.set_empty(
                [[("title", "No sessions yet.")], [], [("", f"{self.import_state}…")]]
            )
        else:
            if self._locations is None and self.sessions_app.auto_import:
                self._locations = []
                self._find_locations()
            self.session_list.set_empty(self._first_run_lines())

    def _no_match_lines(self, parsed: Any) -> list[list[tuple[str, str]]]:
        lines: list[list[tuple[str, str]]] = [
            [("title", "No sessions match "), ("key", self.applied.query.strip())]
        ]
        if self.applied.notice:
            lines.append([("", self.applied.notice)])
        lines.append([])
        if parsed.filters:
            lines.append(
                [("key", "F"), ("", " clears the filters; a click on a chip removes one.")]
            )
        if parsed.text:
            lines.append(
                [
                    ("", "Every word must appear: try fewer words, a prefix like "),
                    ("key", "retr*"),
                    ("", ", or "),
                    ("key", "OR"),
                    ("", " between alternatives."),
                ]
            )
        lines.append(
            [
                ("key", "/"),
                ("", " edits the search; "),
                ("key", "?"),
                ("", " shows the query language."),
            ]
        )
        return lines

    def _first_run_lines(self) -> list[list[tuple[str, str]]]:
        lines: list[list[tuple[str, str]]] = [[("title", "No sessions yet.")], []]
        if self.sessions_app.auto_import:
            lines.append([("", "Looked for your tools' sessions in:")])
            for label, path, found in self._locations or []:
                state = "found, no sessions in it" if found else "not found"
                lines.append([("", f"  {label}: "), ("key", path), ("", f"  ({state})")])
        else:
            lines.append([("", "Automatic import is off (auto_import in the settings file).")])
        lines += [
            [],
            [("", "Import a transcript file, a folder or an export zip (ChatGPT, Claude.ai):")],
            [
                ("", "  "),
                ("key", "sessions-tui import PATH"),
                ("", "   or press "),
                ("key", "i"),
                ("", " here"),
            ],
            [("", "Explore the app on sample sessions first:")],
            [("", "  "), ("key", "sessions-tui --demo")],
        ]
        return lines

    @work(thread=True, exclusive=True, group="locations", exit_on_error=False)
    def _find_locations(self) -> None:
        """Each tool's default location (what auto-import looks at), for the empty state."""
        from ...importers.base import all_importers

        found: list[tuple[str, str, bool]] = []
        home = str(Path.home())
        for importer in all_importers().values():
            try:
                paths = importer.default_locations()
            except Exception:  # an importer's guess failing must not hide the others
                continue
            for path in paths:
                shown = str(path)
                if shown == home or shown.startswith(home + os.sep):
                    shown = "~" + shown[len(home) :]
                try:
                    exists = path.exists()
                except OSError:
                    exists = False
                found.append((importer.label, visible_controls(shown), exists))
        self.app.call_from_thread(self._locations_found, found)

    def _locations_found(self, found: list[tuple[str, str, bool]]) -> None:
        self._locations = found
        self._update_empty_state()

    def _apply_error(self, query: str, exc: Exception) -> None:
        if query == self.search_input.value:
            self.applied.notice = f"search failed: {one_line(str(exc), 200)}"
            self._update_status()

    @on(SessionList.NeedMore)
    def _need_more(self) -> None:
        source = self.session_list.source
        if isinstance(source, SearchSource) and source.more:
            self._fetch_more(self.search_input.value, source.count())

    @work(thread=True, exclusive=True, group="more", exit_on_error=False)
    def _fetch_more(self, query: str, offset: int) -> None:
        results = self.index.search(query, limit=SEARCH_PAGE, offset=offset, typing=True)

        def extend() -> None:
            source = self.session_list.source
            if query == self.search_input.value and isinstance(source, SearchSource):
                source.extend(results)
                self.applied.shown = source.count()
                self.session_list.set_source(
                    source,
                    keep=self.session_list.current.session_id
                    if self.session_list.current
                    else None,
                )
                self._update_status()

        self.app.call_from_thread(extend)

    @on(SessionList.SortChanged)
    def _sort_changed(self, message: SessionList.SortChanged) -> None:
        self.sort, self.descending = message.key, message.descending
        if isinstance(self.session_list.source, ListingSource):
            self._rerun_query(keep=True)  # the focused session stays focused, wherever it goes

    def _show_sort(self) -> None:
        """The order in the list's border: the sorted column may be one a narrow list hides."""
        if not self.session_list.source.sortable:
            self.session_list.border_subtitle = "by relevance"
            return
        label = next((c.label for c in COLUMNS if c.key == self.sort), self.sort)
        arrow = "▼" if self.descending else "▲"
        self.session_list.border_subtitle = f"sorted by {label.lower()} {arrow}"

    @on(SessionList.SelectionChanged)
    def _selection_changed(self) -> None:
        self._update_status()

    def _update_status(self) -> None:
        a = self.applied
        parsed = parse(a.query)
        if a.mode == "search":
            shown = f"{a.total:,} matching session{'' if a.total == 1 else 's'}"
            if self.sessions_app.show_timings:
                shown += f" ({a.elapsed_ms:.0f} ms)"
        else:
            total = a.total or self.store.count()
            shown = f"{self.session_list.source.count():,} of {total:,} sessions"
        filters = " ".join(str(f) for f in parsed.filters)
        selected = (
            f"{len(self.session_list.selected):,} selected" if self.session_list.selected else ""
        )
        # Most telling first: the line is cut at the right edge of a narrow terminal.
        self.query_one(StatusLine).show(
            self.import_state, shown, selected, a.notice, filters, f"index: {self.index_state}"
        )

    # -- filters ---------------------------------------------------------------------------

    def _set_query(self, query: str) -> None:
        self.search_input.value = query
        self._rerun_query()

    def add_filter(self, f: Filter, replace: bool = True) -> None:
        self._set_query(with_filter(self.search_input.value, f, replace=replace))

    @on(FilterBar.ChipRemoved)
    def _chip_removed(self, message: FilterBar.ChipRemoved) -> None:
        self._set_query(without_filter(self.search_input.value, message.filter))

    @on(FilterBar.PickerRequested)
    def _picker_requested(self, message: FilterBar.PickerRequested) -> None:
        self.open_picker(message.picker)

    def action_clear_filters(self) -> None:
        self._set_query(parse(self.search_input.value).text)

    def action_filter_menu(self) -> None:
        choices = [
            Choice("tool", "Tool", "source tool"),
            Choice("model", "Model"),
            Choice("project", "Project"),
            Choice("date", "Date range", "updated after / before"),
            Choice("starred", "Starred only"),
            Choice("error", "With errors only"),
            Choice("tag", "Tag"),
            Choice("clear", "Clear all filters"),
        ]

        def chosen(value: str | None) -> None:
            if value == "clear":
                self.action_clear_filters()
            elif value:
                self.open_picker(value)

        self.app.push_screen(PickerDialog("Filter by", choices), chosen)

    def open_picker(self, picker: str) -> None:
        """Show the quick picker for one filter; the pick is added to the query as a chip."""
        if picker == "starred":
            # is:starred replaces its opposite; other is: filters (is:error) stay
            query = without_filter(self.search_input.value, Filter("is", "unstarred"))
            self._set_query(with_filter(query, Filter("is", "starred"), replace=False))
            return
        if picker == "error":
            self.add_filter(Filter("is", "error"), replace=False)
            return
        if picker == "date":
            self._date_picker()
            return
        facet = {"tool": "source", "model": "model", "project": "project", "tag": "tag"}[picker]
        values = self.store.index.facet(facet)
        choices = [
            Choice(
                value,
                f"{short_project(value)}  {value}" if picker == "project" else value,
                f"{count:,}",
            )
            for value, count in values
            if value
        ]
        if picker == "model":
            choices = _model_families(values) + choices

        def chosen(value: str | None) -> None:
            if value:
                self.add_filter(Filter(picker, value), replace=picker != "tag")

        self.app.push_screen(
            PickerDialog(f"Filter by {picker}", choices, free_input=picker == "tag"), chosen
        )

    def _date_picker(self) -> None:
        now = self.sessions_app.now()
        presets = [
            Choice("after:today", "Today"),
            Choice("after:yesterday", "Since yesterday"),
            Choice("after:7d", "Last 7 days"),
            Choice("after:30d", "Last 30 days"),
            Choice("after:90d", "Last 90 days"),
            Choice(f"after:{now.year}-01-01", "This year"),
            Choice(f"after:{now.year - 1}-01-01 before:{now.year}-01-01", "Last year"),
            Choice("custom", "Custom range…", "after:DATE before:DATE"),
        ]

        def chosen(value: str | None) -> None:
            if value == "custom":
                self.app.push_screen(
                    TextInputDialog(
                        "Date range",
                        "e.g. after:2026-01-01 before:2026-02-01, or after:2w",
                        placeholder="after:YYYY-MM-DD before:YYYY-MM-DD",
                    ),
                    lambda text: text and self._apply_dates(text),
                )
            elif value:
                self._apply_dates(value)

        self.app.push_screen(PickerDialog("Updated", presets), chosen)

    def _apply_dates(self, text: str) -> None:
        query = self.search_input.value
        for f in parse(query).filters:
            if f.key in ("after", "before"):
                query = without_filter(query, f)
        for f in parse(text).filters:
            if f.key in ("after", "before"):
                try:
                    parse_date(f.value, self.sessions_app.now())
                except ValueError as exc:
                    self.notify(str(exc), severity="error")
                    return
                query = with_filter(query, f)
        self._set_query(query)

    # -- preview and transcript -------------------------------------------------------------

    @on(SessionList.Highlighted)
    def _highlighted(self, message: SessionList.Highlighted) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        if message.session_id and message.session_id != self._shown_id:
            sid = message.session_id
            self._preview_timer = self.set_timer(PREVIEW_DEBOUNCE, lambda: self._load(sid, None))

    @on(SessionList.Opened)
    def _opened(self, message: SessionList.Opened) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self.set_focus(self.transcript)
        if message.session_id == self._shown_id and self.transcript.session is not None:
            self._go_to_hit(message.row.hit_message_id)
        else:
            self._load(message.session_id, message.row.hit_message_id or "")

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self, session_id: str, hit: str | None) -> None:
        try:
            session = self.store.get(session_id)
        except StoreError as exc:
            self.app.call_from_thread(self._load_failed, session_id, exc)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, session, hit)

    def _load_failed(self, session_id: str, exc: StoreError) -> None:
        """Say in the pane why the session cannot be shown and what to do (no toast: moving
        the cursor over a damaged session must not stack one notification per visit)."""
        self._shown_id = None
        summary = self.store.summary(session_id)
        name = one_line(summary.title, 120) if summary else session_id
        self._set_transcript_head(f"Cannot open {name}", "", error=True)
        if isinstance(exc, SessionNotFound):
            lines = [
                [("error", "This session is no longer in the store.")],
                [("", "Another sessions-tui process may have deleted it; the list refreshes.")],
            ]
        else:
            reason = exc.reason if isinstance(exc, CorruptSessionFile) else str(exc)
            where = f"{exc.path}" if isinstance(exc, CorruptSessionFile) else ""
            lines = [
                [("error", "The session's file cannot be read: "), ("", one_line(reason, 300))],
                *([[("", where)]] if where else []),
                [],
                [
                    ("", "Run "),
                    ("key", "sessions-tui verify --repair"),
                    (
                        "",
                        " to move damaged files to quarantine/; it says how to re-import "
                        "each session from its tool.",
                    ),
                ],
            ]
        lines.append([("", f"id: {session_id}")])
        self.transcript.show_placeholder(lines)

    def _set_transcript_head(self, title: str, meta: str, *, error: bool = False) -> None:
        head = self.query_one("#transcript-title", Static)
        head.set_class(error, "-error")
        head.update(Text(title, no_wrap=True, overflow="ellipsis"))
        self.query_one("#transcript-meta", Static).update(Text(meta, no_wrap=True))

    def _show(self, session: Session, hit: str | None) -> None:
        self._shown_id = session.id
        summary = self.store.summary(session.id)
        resume = for_summary(summary) if summary else None
        self.transcript.show(session, resume)
        self.refresh_bindings()  # '/' may now find in it
        self._set_transcript_head(
            one_line(display_title(session, 300), 300),
            f"{session.source} · {len(session.transcript):,} messages",
        )
        self._update_transcript_matcher()
        if hit is not None:
            self._go_to_hit(hit)

    def _go_to_hit(self, message_id: str | None) -> None:
        view = self.transcript
        if message_id:
            for entry, message in enumerate(view.entries):
                if message is not None and message.id == message_id:
                    if not view.first_hit_in(entry):
                        view.go_to_entry(entry)
                    return
        if view.matcher is not None:
            view.hit = None
            view.cursor = 0
            view.action_next_hit(1)

    def _update_transcript_matcher(self) -> None:
        """Highlight the find text, or else the search words (with the forms the index matched)."""
        view = self.transcript
        if self._find_active and self.query_one("#find", Input).value:
            words = [self.query_one("#find", Input).value]
        else:
            words = _query_words(parse(self.search_input.value).text)
            row = self.session_list.current
            if words and row is not None and row.session_id == self._shown_id and row.snippet:
                words += [row.snippet[a:b] for a, b in row.ranges]
        view.set_matcher(words_matcher(words))

    @on(TranscriptView.StatusChanged)
    def _transcript_status(self, message: TranscriptView.StatusChanged) -> None:
        self.query_one("#transcript-pane").border_subtitle = message.text

    # -- find in transcript ----------------------------------------------------------------

    def open_find(self) -> None:
        find = self.query_one("#find", Input)
        find.add_class("-shown")
        self.set_focus(find)

    @on(Input.Changed, "#find")
    def _find_changed(self, event: Input.Changed) -> None:
        self._find_active = bool(event.value)
        self._update_transcript_matcher()

    @on(Input.Submitted, "#find")
    def _find_submitted(self, event: Input.Submitted) -> None:
        self._find_active = bool(event.value)
        self._update_transcript_matcher()
        self.transcript.action_next_hit(1)
        self.set_focus(self.transcript)

    def close_find(self) -> None:
        find = self.query_one("#find", Input)
        find.remove_class("-shown")
        find.value = ""
        self._find_active = False
        self._update_transcript_matcher()
        self.set_focus(self.transcript)

    # -- focus and layout ------------------------------------------------------------------

    # Focus moves use Screen.set_focus, which moves it at once (Widget.focus() defers it): with
    # the priority '/' binding, the rest of a burst of keys ('/tool:gemini' typed fast or
    # pasted) reaches the search bar instead of the list's bindings ('o' sort, 'e' export).

    def _finds_in_transcript(self) -> bool:
        return self.focused is self.transcript and self.transcript.session is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """'/' finds in a shown transcript and goes to the search bar elsewhere."""
        if action == "find":
            return self._finds_in_transcript()
        if action == "slash_search":
            return not self._finds_in_transcript()
        return True

    def action_find(self) -> None:
        self.open_find()

    def action_slash_search(self) -> None:
        self.action_focus_search()

    def action_focus_search(self) -> None:
        if isinstance(self.focused, Input):
            self.focused.insert_text_at_cursor("/")
        elif self._finds_in_transcript():
            self.open_find()
        else:
            self._unzoom_transcript()
            self.set_focus(self.search_input)

    def _unzoom_transcript(self) -> None:
        """Searching while the transcript fills the screen: bring the list back to show the
        results (a zoomed transcript would keep showing a session the search may not find)."""
        panes = self.query_one("#panes")
        if panes.has_class("-zoom-transcript"):
            panes.remove_class("-zoom-transcript")

    def on_key(self, event: Any) -> None:
        if event.key == "escape":
            find = self.query_one("#find", Input)
            if self.focused is self.search_input:
                self.set_focus(self.session_list)
                event.stop()
            elif self.focused is find or (
                self.focused is self.transcript and find.has_class("-shown")
            ):
                self.close_find()  # the first Esc closes the find bar and its highlights
                event.stop()
            elif self.focused is self.transcript:
                self._unzoom_transcript()  # the list is where focus goes: it must be seen
                self.set_focus(self.session_list)
                event.stop()

    def action_zoom(self) -> None:
        panes = self.query_one("#panes")
        if panes.has_class("-zoom-list") or panes.has_class("-zoom-transcript"):
            panes.remove_class("-zoom-list", "-zoom-transcript")
        elif self.focused is self.transcript:
            panes.add_class("-zoom-transcript")
        else:
            panes.add_class("-zoom-list")

    # -- actions on sessions -----------------------------------------------------------------

    def _targets(self) -> list[str]:
        if self.focused is self.transcript and self._shown_id:
            return [self._shown_id]
        return self.session_list.target_ids

    def action_star(self) -> None:
        ids = self._targets()
        if not ids:
            return
        summaries = [self.store.summary(i) for i in ids]
        starred = not all(s is not None and s.starred for s in summaries)
        self._edit(ids, starred=starred)

    @work(thread=True, exclusive=True, group="edit", exit_on_error=False)
    def _edit(
        self,
        ids: list[str],
        starred: bool | None = None,
        add: tuple[str, ...] = (),
        remove: tuple[str, ...] = (),
    ) -> None:
        try:
            if starred is not None:
                self.store.set_starred(ids, starred)
                verb = "Starred" if starred else "Unstarred"
                note = f"{verb} {len(ids):,} session{'s' if len(ids) != 1 else ''}"
            else:
                self.store.set_tags(ids, add=add, remove=remove)
                note = f"Tags updated on {len(ids):,} session{'s' if len(ids) != 1 else ''}"
        except StoreError as exc:
            self.app.call_from_thread(self.notify, one_line(str(exc), 300), severity="error")
            return
        self.app.call_from_thread(self.notify, note, timeout=2)
        if self._shown_id in ids:
            self.app.call_from_thread(self._reload_shown)

    def _reload_shown(self) -> None:
        if self._shown_id:
            self._load(self._shown_id, None)

    def action_tag(self) -> None:
        ids = self._targets()
        if not ids:
            return
        current = self.store.summary(ids[0])
        existing = " ".join(current.tags) if current and len(ids) == 1 else ""

        def done(text: str | None) -> None:
            if text is None:
                return
            words = text.split()
            add = tuple(w.lstrip("+") for w in words if not w.startswith("-") and w.lstrip("+"))
            remove = tuple(w[1:] for w in words if w.startswith("-") and len(w) > 1)
            if len(ids) == 1 and current is not None:
                # Editing one session's tags: what is no longer listed is removed.
                remove += tuple(t for t in current.tags if t not in add)
            if add or remove:
                self._edit(ids, add=add, remove=remove)

        hint = "Space-separated. -tag removes a tag." + (
            "" if len(ids) == 1 else f" Applies to {len(ids)} sessions."
        )
        self.app.push_screen(
            TextInputDialog("Tags", hint, value=existing, placeholder="keep work -old"), done
        )

    def action_delete(self) -> None:
        ids = self._targets()
        if not ids:
            return
        titles = []
        for sid in ids[:5]:
            s = self.store.summary(sid)
            titles.append("• " + (one_line(s.title, 200) if s else sid))
        if len(ids) > 5:
            titles.append(f"… and {len(ids) - 5:,} more")
        summaries = [s for i in ids[:2000] if (s := self.store.summary(i)) is not None]
        size = sum(s.bytes for s in summaries)
        body = f"{human_size(size)} will move to the trash. Undo with u."
        kept = [  # marks of care a user would not want to lose by a slip of the cursor
            f"{n:,} {what}"
            for n, what in (
                (sum(1 for s in summaries if s.starred), "starred"),
                (sum(1 for s in summaries if s.tags), "tagged"),
            )
            if n
        ]
        if kept:
            body += f" Among them: {' and '.join(kept)}."
        noun = f"{len(ids):,} session{'s' if len(ids) != 1 else ''}"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._delete(ids)

        self.app.push_screen(
            ConfirmDialog(f"Delete {noun}?", body, yes="Delete", danger=True, items=titles),
            confirmed,
        )

    @work(thread=True, exclusive=True, group="edit", exit_on_error=False)
    def _delete(self, ids: list[str]) -> None:
        try:
            entries = self.store.delete(ids, reason="tui-delete")
        except StoreError as exc:
            self.app.call_from_thread(
                self.notify, one_line(str(exc), 300), severity="error", title="Delete failed"
            )
            return

        def done() -> None:
            self._undo.append([e.name for e in entries])
            after = self._next_surviving(set(ids))
            self.session_list.selected.difference_update(ids)
            if self._shown_id in ids:
                self._shown_id = None
                self.transcript.show(None)
                self._set_transcript_head("", "")
            n = len({e.session_id for e in entries})
            self.notify(
                f"Moved {n:,} session{'s' if n != 1 else ''} to the trash. Press u to undo.",
                timeout=6,
            )
            if self._store_timer is not None:
                self._store_timer.stop()  # this refresh already includes the delete
            self._rerun_query(keep=after or True)

        self.app.call_from_thread(done)

    def _next_surviving(self, gone: set[str]) -> str | None:
        """The session the cursor should land on once ``gone`` leave the list: the first one
        left at or below the cursor, else the nearest one above it."""
        session_list = self.session_list
        source, cursor = session_list.source, session_list.cursor
        count = source.count()
        below = range(cursor, min(count, cursor + 1000))
        above = range(cursor - 1, max(-1, cursor - 1000), -1)
        for i in (*below, *above):
            row = source.row(i)
            if row is not None and row.session_id not in gone:
                return row.session_id
        return None

    def action_undo(self) -> None:
        if not self._undo:
            self.notify("Nothing to undo", timeout=2)
            return
        self._restore(self._undo.pop())

    @work(thread=True, exclusive=True, group="edit", exit_on_error=False)
    def _restore(self, names: list[str]) -> None:
        try:
            report = self.store.restore(names)
        except StoreError as exc:
            self.app.call_from_thread(self.notify, one_line(str(exc), 300), severity="error")
            return
        note = (
            f"Restored {len(report.restored):,} session{'s' if len(report.restored) != 1 else ''}"
        )
        if report.conflicts:
            note += f"; {len(report.conflicts)} already exist again"
        if report.missing:
            note += f"; {len(report.missing)} no longer in the trash"
        self.app.call_from_thread(self.notify, note, timeout=3)
        self.app.call_from_thread(self._rerun_query, True)

    def _session_for_action(self) -> Session | None:
        ids = self._targets()
        if not ids:
            return None
        if self.transcript.session is not None and self.transcript.session.id == ids[0]:
            return self.transcript.session
        try:
            return self.store.get(ids[0])
        except StoreError as exc:
            self.notify(one_line(str(exc), 300), severity="error")
            return None

    def action_copy_session(self) -> None:
        ids = self._targets()
        if len(ids) > 1:
            self._copy_sessions(ids)
            return
        session = self._session_for_action()
        if session is not None:
            self.sessions_app.send_to_clipboard(to_markdown(session), "The session as Markdown")

    @work(thread=True, exclusive=True, group="copy", exit_on_error=False)
    def _copy_sessions(self, ids: list[str]) -> None:
        """Several sessions as one Markdown text, read off the UI thread. A clipboard is no
        place for a whole store: past `COPY_LIMIT` sessions the user is pointed to export."""
        texts = []
        for sid in ids[:COPY_LIMIT]:
            with contextlib.suppress(StoreError):
                texts.append(to_markdown(self.store.get(sid)))
        what = f"{len(texts)} sessions as Markdown"
        if len(ids) > COPY_LIMIT:
            what += f" (the first {COPY_LIMIT} of {len(ids):,}: use e to export them all)"
        self.app.call_from_thread(
            self.sessions_app.send_to_clipboard, "\n\n---\n\n".join(texts), what
        )

    def action_copy_message(self) -> None:
        view = self.transcript
        if view.session is None:
            return
        message = view.entries[view.cursor] if view.cursor < len(view.entries) else None
        if message is None:
            self.action_copy_session()
            return
        body = "\n\n".join(filter(None, (block_markdown(b) for b in message.content)))
        self.sessions_app.send_to_clipboard(
            f"## {message_heading(message)}\n\n{body}\n", "The message as Markdown"
        )

    def action_resume(self) -> None:
        ids = self._targets()
        summary = self.store.summary(ids[0]) if ids else None
        if summary is None:
            return
        command = for_summary(summary)
        if command is None:
            self.notify(f"{summary.source} sessions cannot be resumed (no source id)", timeout=3)
            return
        note = resume_note(summary.source, summary.source_id, summary.parent_session_id)
        self.app.push_screen(ResumeDialog(summary.title, command, note))

    # -- export, import, cleanup dialogs -----------------------------------------------------

    def action_export(self) -> None:
        """Export the focused session, the selection, or everything the search bar matches."""
        from ..dialogs.export_dialog import ExportDialog

        focused = self._shown_id if self.focused is self.transcript else None
        if focused is None and self.session_list.current is not None:
            focused = self.session_list.current.session_id
        selected = self.session_list.selected
        ordered: list[str] = []
        if selected:  # in list order, as the user sees them
            listed = self.session_list.source.all_ids()
            ordered = [i for i in listed if i in selected]
            ordered += sorted(selected.difference(ordered))
        dialog = ExportDialog(
            self.store,
            focused=focused,
            selected=ordered,
            query=self.search_input.value.strip(),
            now=self.sessions_app.now,
        )
        self.app.push_screen(dialog, self._exported)

    def _exported(self, outcome: Any) -> None:
        if outcome is None:
            return
        n, where = len(outcome.ids), visible_controls(str(outcome.out))
        self.notify(f"Exported {n:,} session{'s' if n != 1 else ''} to {where}", timeout=5)

    def action_import_dialog(self) -> None:
        from ..dialogs.import_dialog import ImportDialog

        self.app.push_screen(ImportDialog(self.store), self._imported)

    def _imported(self, outcome: Any) -> None:
        if outcome is None:
            return
        self._rerun_query(keep=True)  # the store's events refresh too; this one is at once

    def action_cleanup(self) -> None:
        from ..dialogs.cleanup_dialog import CleanupDialog

        dialog = CleanupDialog(
            self.store, query=self.search_input.value.strip(), now=self.sessions_app.now
        )
        self.app.push_screen(dialog, self._cleaned_up)

    def action_trash(self) -> None:
        from ..dialogs.trash_dialog import TrashDialog

        dialog = TrashDialog(self.store, now=self.sessions_app.now, tz=self.sessions_app.tz)
        self.app.push_screen(dialog, self._trash_closed)

    def _trash_closed(self, restored: bool | None) -> None:
        if restored:
            self._rerun_query(keep=True)
            self._forget_restored_undos()

    def _forget_restored_undos(self) -> None:
        """Drop the undo steps whose sessions are no longer in the trash (restored from the
        trash dialog): `u` would otherwise restore nothing, and the toast inviting it lies."""
        try:
            in_trash = {e.name for e in self.store.trash()}
        except (StoreError, OSError):
            return
        kept = [names for names in self._undo if any(n in in_trash for n in names)]
        if len(kept) != len(self._undo):
            self._undo = kept
            self.app.clear_notifications()

    def _cleaned_up(self, outcome: Any) -> None:
        if outcome is None:
            return
        if outcome.restored:
            self._rerun_query(keep=True)
            return
        names = list(outcome.result.trash_names)
        if names:
            self._undo.append(names)
            n = len(outcome.result.removed)
            self.notify(
                f"Cleanup moved {n:,} session{'s' if n != 1 else ''} to the trash. "
                "Press u to undo.",
                timeout=8,
            )
        self.session_list.selected.difference_update(outcome.result.removed)
        self._rerun_query(keep=True)

    def action_pager(self) -> None:
        self._external(os.environ.get("PAGER") or "less", pager=True)

    def action_editor(self) -> None:
        self._external(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi", pager=False)

    def _external(self, program: str, pager: bool) -> None:
        """Show the session as Markdown in the user's pager or editor (the app is suspended)."""
        session = self._session_for_action()
        if session is None:
            return
        text = visible_controls(to_markdown(session))
        with tempfile.TemporaryDirectory(prefix="sessions-tui-") as tmp:
            path = Path(tmp) / f"{session.id}.md"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            try:
                with self.app.suspend():
                    subprocess.run([*shlex.split(program), str(path)], check=False)
            except Exception as exc:  # SuspendNotSupported, FileNotFoundError, ...
                self.notify(f"Cannot run {program}: {one_line(str(exc), 200)}", severity="error")
        self.app.refresh()


def _model_families(values: list[tuple[str, int]]) -> list[Choice]:
    """``claude-sonnet-4-5*`` for a model released under dated names: picking the plain
    ``claude-sonnet-4-5`` would leave out ``claude-sonnet-4-5-20250929`` (an exact value)."""
    families: dict[str, list[int]] = {}
    for value, _count in values:
        base = short_model(value)
        if base != value:
            families.setdefault(base, [])
    for value, count in values:
        base = short_model(value)
        if base in families:
            families[base].append(count)
    return [
        Choice(f"{base}*", f"{base}*  every version", f"{sum(counts):,}")
        for base, counts in sorted(families.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    ]


def _freeze_start_up_objects() -> None:
    """Take what start-up created (modules, widgets, the index) out of the garbage
    collector's view: they live until exit, and every full collection walking them paused
    the UI and the search thread for ~50 ms, one keystroke in eight of live search.

    Once per process: a later app in the same process (tests) must not pin what the
    earlier ones left for the collector.
    """
    if not gc.get_freeze_count():
        gc.freeze()


def _notice(results: Any) -> str:
    """What the search engine had to say, once (its notice already names a looser query)."""
    notice = getattr(results, "notice", None) or ""
    looser = getattr(results, "looser", None)
    if looser and looser not in notice:
        notice = "; ".join(filter(None, [f"No exact matches: showing {looser}", notice]))
    return notice


def _query_words(text: str) -> list[str]:
    """The words of a free-text query worth highlighting (operators and quotes removed)."""
    words = []
    for word in text.replace('"', " ").split():
        if word.startswith("-") or word.upper() in ("AND", "OR", "NOT"):
            continue
        word = word.strip("()*+")
        if ":" in word:
            word = word.split(":", 1)[1]
        if len(word) >= 2:
            words.append(word)
    return words
