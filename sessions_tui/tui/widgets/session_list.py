"""The session list: a virtual table that draws only the rows on screen.

Textual's DataTable and OptionList build every row up front (seconds at 100k rows); this
`ScrollView` sets a virtual size and formats a row only in `render_line`, with an LRU cache of
drawn strips, so opening and scrolling cost the same at 100 or 100,000 sessions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...safety import visible_controls
from ..formatting import human_size, one_line, relative_time, short_project
from .sources import Row, RowSource, SearchSource
from .styling import resolved_style


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # the sort key understood by the metadata index
    label: str
    width: int  # 0 = takes the remaining width
    priority: int  # columns with the highest number are dropped first when narrow
    right: bool = False


#: Widths leave room for the label and its sort arrow; Updated fits ``2025-05-12``.
COLUMNS = (
    Column("title", "Title", 0, 0),
    Column("source", "Tool", 11, 1),
    Column("model", "Model", 18, 4),
    Column("project", "Project", 14, 3),
    Column("updated", "Updated", 10, 2),
    Column("messages", "Msgs", 6, 5, right=True),
    Column("size", "Size", 6, 6, right=True),
)
MARK_WIDTH = 3  # selection mark, star, error mark
#: How far up a subagent's row looks, past its siblings, for its parent's row.
_SIBLINGS_LOOKED_AT = 50
MIN_TITLE = 24
WIDE_TITLE = 48  # past this title width, the Model column grows to show dated names whole
MODEL_MAX = 26


class SessionList(ScrollView, can_focus=True):
    """Sessions as rows; in search mode each row carries its highlighted snippet underneath."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "jump(0)", "First", show=False),
        Binding("end,G", "jump(-1)", "Last", show=False),
        Binding("shift+up", "extend(-1)", "Select up", show=False),
        Binding("shift+down", "extend(1)", "Select down", show=False),
        Binding("space", "toggle_select", "Select", id="session_list.select"),
        Binding("ctrl+a", "select_all", "Select all", show=False, id="session_list.select_all"),
        Binding("escape", "clear_selection", "Clear selection", show=False),
        Binding("enter", "open", "Open", id="session_list.open"),
        Binding("o", "cycle_sort", "Sort", show=False, id="session_list.sort"),
        Binding("O", "reverse_sort", "Reverse sort", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "session-list--header",
        "session-list--sorted",
        "session-list--cursor",
        "session-list--cursor-blurred",
        "session-list--selected",
        "session-list--mark",
        "session-list--dim",
        "session-list--snippet",
        "session-list--match",
        "session-list--star",
        "session-list--error",
        "session-list--tool",
        "session-list--empty",
        "session-list--empty-title",
        "session-list--empty-key",
    }

    DEFAULT_CSS = """
    SessionList { height: 1fr; overflow-x: hidden; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        """The cursor moved to another session (sent often: replaceable)."""

        def __init__(self, session_id: str | None, row: Row | None) -> None:
            super().__init__()
            self.session_id = session_id
            self.row = row

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, SessionList.Highlighted)

    class Opened(Message):
        """Enter on a row: open its transcript (scrolled to the search hit if any)."""

        def __init__(self, session_id: str, row: Row) -> None:
            super().__init__()
            self.session_id = session_id
            self.row = row

    class SortChanged(Message):
        def __init__(self, key: str, descending: bool) -> None:
            super().__init__()
            self.key = key
            self.descending = descending

    class SelectionChanged(Message):
        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    class NeedMore(Message):
        """Search mode: the cursor is near the last loaded result and more exist."""

    def __init__(
        self,
        source: RowSource,
        *,
        now: Callable[[], datetime],
        sort: str = "updated",
        descending: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.source = source
        self.now = now
        self.sort_key = sort
        self.descending = descending
        self.selected: set[str] = set()
        self._anchor: int | None = None
        self._cache: LRUCache[tuple, Strip] = LRUCache(1024)
        self._layout_width = -1
        self._columns: list[tuple[Column, int, int]] = []  # column, x, width
        self._now_cache: datetime | None = None
        self._styles: dict[tuple[str, Color | None], Style] = {}
        self._empty: Sequence[Sequence[tuple[str, str]]] | None = None
        self._empty_lines: tuple[int, list[Text]] | None = None

    # -- data --------------------------------------------------------------------------

    def set_source(
        self, source: RowSource, *, keep: str | None = None, at: int | None = None
    ) -> None:
        """Show rows from ``source`` with the cursor on session ``keep`` if it is still there,
        else on row ``at`` (the next row once the one under the cursor is gone), else on top.

        The scroll position stays put while the cursor row remains visible, so starring or
        tagging a session does not move anything on screen.
        """
        self.source = source
        self._cache.clear()
        self._now_cache = None
        count = source.count()
        index = self._find(keep) if keep is not None else None
        if index is None:
            index = at if at is not None else 0
        self._update_virtual_size()
        self.cursor = min(max(0, index), max(0, count - 1))
        height = max(1, self.scrollable_content_region.height - 1)
        top = self.cursor * self.row_height
        visible = self.scroll_y <= top and top + self.row_height <= self.scroll_y + height
        self.scroll_to_cursor(center=not visible)
        self.refresh()

    def _find(self, session_id: str) -> int | None:
        index_of = getattr(self.source, "index_of", None)
        if index_of is not None:
            return index_of(session_id)
        return self.source.locate(session_id, self.cursor)

    def reload(self) -> None:
        """Redraw everything (after a star, a tag or a theme change)."""
        self._cache.clear()
        self.refresh()

    @property
    def row_height(self) -> int:
        return self.source.row_height

    @property
    def current(self) -> Row | None:
        return self.source.row(self.cursor)

    @property
    def target_ids(self) -> list[str]:
        """What bulk actions act on: the selection, or else the row under the cursor."""
        if self.selected:
            return sorted(self.selected)
        row = self.current
        return [row.session_id] if row else []

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(
            self.scrollable_content_region.width, 1 + self.source.count() * self.row_height
        )

    def on_mount(self) -> None:
        self._update_virtual_size()
        row = self.current
        self.post_message(self.Highlighted(row.session_id if row else None, row))

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._cache.clear()

    # -- cursor and selection ------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        row = self.source.row(new)
        self.post_message(self.Highlighted(row.session_id if row else None, row))
        source = self.source
        if isinstance(source, SearchSource) and source.more and new >= source.count() - 20:
            self.post_message(self.NeedMore())
        self.scroll_to_cursor()
        self.refresh()

    def scroll_to_cursor(self, center: bool = False) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        top = self.cursor * self.row_height
        bottom = top + self.row_height
        y = self.scroll_y
        if center:
            y = top - (height - self.row_height) // 2
        elif top < y:
            y = top
        elif bottom > y + height:
            y = bottom - height
        self.scroll_to(y=max(0, y), animate=False, immediate=True)

    def _move(self, index: int) -> None:
        count = self.source.count()
        if count:
            self.cursor = max(0, min(count - 1, index))

    def action_cursor(self, delta: int) -> None:
        self._anchor = None
        self._move(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        rows = max(1, (self.scrollable_content_region.height - 1) // self.row_height)
        self._anchor = None
        self._move(self.cursor + direction * rows)

    def action_jump(self, where: int) -> None:
        self._anchor = None
        self._move(0 if where == 0 else self.source.count() - 1)

    def action_extend(self, delta: int) -> None:
        """Shift+arrows: select the range from where the extension started to the cursor."""
        if self._anchor is None:
            self._anchor = self.cursor
        self._move(self.cursor + delta)
        lo, hi = sorted((self._anchor, self.cursor))
        for i in range(lo, hi + 1):
            row = self.source.row(i)
            if row:
                self.selected.add(row.session_id)
        self._selection_changed()

    def action_toggle_select(self) -> None:
        row = self.current
        if row is None:
            return
        self.selected.symmetric_difference_update({row.session_id})
        self._anchor = None
        self._selection_changed()
        self._move(self.cursor + 1)

    def action_select_all(self) -> None:
        """Select every session matching the current query (not only the ones drawn)."""
        ids = self.source.all_ids()
        if ids and set(ids) <= self.selected:
            self.selected.difference_update(ids)
        else:
            self.selected.update(ids)
        self._selection_changed()

    def action_clear_selection(self) -> None:
        if self.selected:
            self.selected.clear()
            self._selection_changed()

    def _selection_changed(self) -> None:
        self._cache.clear()
        self.refresh()
        self.post_message(self.SelectionChanged(len(self.selected)))

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Opened(row.session_id, row))

    def action_cycle_sort(self) -> None:
        keys = [c.key for c in COLUMNS]
        key = (
            keys[(keys.index(self.sort_key) + 1) % len(keys)] if self.sort_key in keys else keys[0]
        )
        self.set_sort(key, key not in ("title", "source", "model", "project"))

    def action_reverse_sort(self) -> None:
        self.set_sort(self.sort_key, not self.descending)

    def set_sort(self, key: str, descending: bool) -> None:
        if not self.source.sortable:
            self.notify("Search results are ordered by relevance", timeout=2)
            return
        self.sort_key, self.descending = key, descending
        self._cache.clear()
        self.post_message(self.SortChanged(key, descending))

    # -- mouse -----------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            for column, x, width in self._columns:
                if x <= offset.x < x + width:
                    if column.key == self.sort_key:
                        self.set_sort(column.key, not self.descending)
                    else:
                        self.set_sort(column.key, column.key in ("updated", "messages", "size"))
            return
        index = (offset.y - 1 + int(self.scroll_y)) // self.row_height
        if index < self.source.count():
            if event.shift:
                self._anchor = self.cursor if self._anchor is None else self._anchor
                self._move(index)
                self.action_extend(0)
            elif event.ctrl:
                row = self.source.row(index)
                if row:
                    self.selected.symmetric_difference_update({row.session_id})
                    self._selection_changed()
            elif index == self.cursor and event.chain >= 2:
                self.action_open()
            else:
                self._anchor = None
                self._move(index)

    # -- drawing ---------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._cache.clear()
        self._empty_lines = None

    def _style(self, name: str, under: Color | None = None) -> Style:
        """Component class ``session-list--NAME``, its colours resolved over ``under``."""
        key = (name, under)
        style = self._styles.get(key)
        if style is None:
            style = resolved_style(self, f"session-list--{name}", under)
            self._styles[key] = style
        return style

    def _layout_columns(self, width: int) -> None:
        if width == self._layout_width:
            return
        self._layout_width = width
        columns = list(COLUMNS)
        while len(columns) > 1:
            fixed = sum(c.width + 1 for c in columns if c.width)
            if width - MARK_WIDTH - fixed >= MIN_TITLE:
                break
            columns.remove(max(columns, key=lambda c: c.priority))
        fixed = sum(c.width + 1 for c in columns if c.width)
        spare = width - MARK_WIDTH - fixed - 1 - WIDE_TITLE
        x = MARK_WIDTH
        self._columns = []
        for column in columns:
            w = column.width
            if column.key == "model" and spare > 0:
                w += min(spare, MODEL_MAX - w)  # a wide list shows dated model names whole
            self._columns.append((column, x, w))
        fixed = sum(w + 1 for c, _x, w in self._columns if c.width)
        laid: list[tuple[Column, int, int]] = []
        for column, _x, w in self._columns:
            w = w or max(8, width - MARK_WIDTH - fixed - 1)
            laid.append((column, x, w))
            x += w + 1
        self._columns = laid

    def _now(self) -> datetime:
        if self._now_cache is None:
            self._now_cache = self.now()
        return self._now_cache

    def set_empty(self, lines: Sequence[Sequence[tuple[str, str]]] | None) -> None:
        """What to draw when there are no rows: why, and what to do about it.

        Each line is a list of (part, text) pieces; a part is ``""`` (plain), ``"title"`` or
        ``"key"`` (a command or key to type), styled by ``session-list--empty[-PART]``.
        """
        self._empty = lines
        self._empty_lines = None
        self.refresh()

    @property
    def empty_text(self) -> str:
        """The empty-state message as plain text (for tests and screen readers)."""
        return "\n".join("".join(t for _p, t in line) for line in self._empty or [])

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        self._layout_columns(width)
        if y == 0:
            return self._header(width)
        if not self.source.count():
            return self._empty_line(y - 1, width)
        line = y - 1 + int(self.scroll_y)
        index, part = divmod(line, self.row_height)
        if index >= self.source.count():
            return Strip.blank(width, self.rich_style)
        row = self.source.row(index)
        selected = row is not None and row.session_id in self.selected
        key = (index, part, width, index == self.cursor, selected, self.has_focus)
        strip = self._cache.get(key)
        if strip is None:
            nested = part == 0 and self._under_its_parent(index, row)
            strip = self._draw(row, part, width, index == self.cursor, selected, nested)
            self._cache.set(key, strip)
        return strip

    def _under_its_parent(self, index: int, row: Row | None) -> bool:
        """Whether a subagent's row follows its parent's (perhaps after its siblings'): only
        then does '↳' point at the session it belongs to."""
        parent = row.summary.parent_session_id if row and row.summary else None
        if not parent:
            return False
        for above in range(index - 1, max(-1, index - 1 - _SIBLINGS_LOOKED_AT), -1):
            prev = self.source.row(above)
            if prev is None or prev.summary is None:
                return False
            if prev.session_id == parent:
                return True
            if prev.summary.parent_session_id != parent:
                return False
        return False

    def _empty_line(self, y: int, width: int) -> Strip:
        if not self._empty:
            return Strip.blank(width, self.rich_style)
        if self._empty_lines is None or self._empty_lines[0] != width:
            wrapped: list[Text] = []
            for line in self._empty:
                text = Text()
                for part, piece in line:
                    text.append(piece, self._style(f"empty-{part}" if part else "empty"))
                wrapped.extend(text.wrap(self.app.console, max(10, width - 4)) or [Text()])
            self._empty_lines = (width, wrapped)
        lines = self._empty_lines[1]
        if not 1 <= y <= len(lines):
            return Strip.blank(width, self.rich_style)
        text = Text("  ", end="")
        text.append_text(lines[y - 1])
        return self._strip(text, width, Style())

    def _header(self, width: int) -> Strip:
        style = self._style("header")
        sorted_style = self._style("sorted")
        text = Text(" " * MARK_WIDTH, style=style, no_wrap=True, end="")
        for column, _x, w in self._columns:
            label = column.label
            is_sorted = self.source.sortable and column.key == self.sort_key
            if is_sorted:
                arrow = "▼" if self.descending else "▲"
                label = f"{label} {arrow}"  # after its label: never beside a neighbour's
            cell = label[:w].rjust(w) if column.right else label[:w].ljust(w)
            text.append(cell, sorted_style if is_sorted else style)
            text.append(" ", style)
        return self._strip(text, width, style)

    def _strip(self, text: Text, width: int, base: Style) -> Strip:
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = list(text.render(self.app.console))
        return Strip(Segment.apply_style(segments, self.rich_style + base), width).simplify()

    def _draw(
        self, row: Row | None, part: int, width: int, cursor: bool, selected: bool, nested: bool
    ) -> Strip:
        if cursor:
            # One readable colour pair for the whole row: cell colours chosen for the list's
            # background can vanish on the cursor's.
            base = self._style("cursor" if self.has_focus else "cursor-blurred")
        elif selected:
            base = self._style("selected")
        else:
            base = Style()
        under = base.bgcolor and Color.from_rich_color(base.bgcolor)

        def cell_style(name: str) -> Style:
            return Style() if cursor else self._style(name, under)

        if row is None:
            return self._strip(Text("…", style=base), width, base)
        if part == 1:
            return self._snippet(row, width, base, cell_style)
        s = row.summary
        dim = cell_style("dim")
        text = Text(no_wrap=True, end="")
        text.append("●" if selected else " ", cell_style("mark"))
        if s is not None and s.starred:
            text.append("★", cell_style("star"))
        else:
            text.append(" ")
        if s is not None and s.has_error:
            text.append("!", cell_style("error"))
        else:
            text.append(" ")
        now = self._now()
        for column, _x, w in self._columns:
            style = Style()
            value = ""
            if column.key == "title":
                value = one_line(row.title) or "(untitled)"
                if s is not None and s.parent_session_id:
                    value = ("↳ " if nested else "subagent: ") + value
                if s is not None and s.tags:
                    value += "  " + " ".join("#" + one_line(t, 30) for t in s.tags)
            elif column.key == "source":
                value = row.source
                style = cell_style("tool")
            elif s is None:
                value = ""
            elif column.key == "model":
                value, style = one_line(s.model, 60), dim
            elif column.key == "project":
                value, style = one_line(short_project(s.project), 60), dim
            elif column.key == "updated":
                value = relative_time(s.updated, now)
            elif column.key == "messages":
                value = str(s.message_count)
            elif column.key == "size":
                value, style = human_size(s.bytes), dim
            cell = Text(value, style=style, no_wrap=True, end="")
            cell.truncate(w, overflow="ellipsis")
            if column.right:
                cell.pad_left(w - cell.cell_len)
            else:
                cell.pad_right(w - cell.cell_len)
            text.append_text(cell)
            text.append(" ")
        return self._strip(text, width, base)

    def _snippet(
        self, row: Row, width: int, base: Style, cell_style: Callable[[str], Style]
    ) -> Strip:
        """The second line of a search result: the hit's fragment with matches highlighted."""
        match_style = self._style("match")
        text = Text(" " * (MARK_WIDTH + 1), no_wrap=True, end="")
        fragment = Text(no_wrap=True, end="", style=cell_style("snippet"))
        raw = row.snippet or ""
        pos = 0
        for start, end in sorted(row.ranges):
            if start < pos or start >= len(raw):
                continue
            fragment.append(_flat(raw[pos:start]))
            fragment.append(_flat(raw[start:end]), match_style)
            pos = end
        fragment.append(_flat(raw[pos:]))
        more = row.hits - 1 if raw else row.hits
        notes = []
        if row.title_match:
            notes.append("title matches")
        if more > 0:
            notes.append(
                f"+{more} more message{'s' if more != 1 else ''}"
                if raw
                else f"{more} matching message{'s' if more != 1 else ''}"
            )
        if notes:
            fragment.append(("  " if raw else "") + "(" + ", ".join(notes) + ")", cell_style("dim"))
        text.append_text(fragment)
        return self._strip(text, width, base)


def _flat(text: str) -> str:
    """Untrusted snippet text on one line, same length so highlight ranges stay aligned."""
    return visible_controls(text).replace("\n", " ").replace("\t", " ")
