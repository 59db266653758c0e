"""The transcript viewer: a virtual view over a session's messages.

Messages are laid out lazily (only those on screen, then cached in an LRU), with a cheap height
estimate for the rest; when a laid-out message turns out taller or shorter than guessed, the
scroll position is corrected so the text under the reader's eyes does not jump. A session of
10,000 messages therefore opens as fast as one of ten.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import tzinfo
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...models import Session
from .styling import READABLE, resolved_style
from .transcript_layout import (
    TOOL_MODES,
    Laid,
    Layout,
    Options,
    Styles,
    ToolMode,
    estimate,
    header_text,
    visible_text,
)

Matcher = Callable[[str], list[tuple[int, int]]]
#: Sessions up to this many messages show their hit count as soon as a search is typed.
COUNT_EAGERLY = 2000


def words_matcher(words: Iterable[str]) -> Matcher | None:
    """Case-insensitive matcher for any of ``words`` (longest first so overlaps prefer them)."""
    unique = sorted({w for w in words if w.strip()}, key=len, reverse=True)
    if not unique:
        return None
    pattern = re.compile("|".join(re.escape(w) for w in unique), re.IGNORECASE)
    return lambda text: [m.span() for m in pattern.finditer(text) if m.end() > m.start()]


def highlight_strip(strip: Strip, spans: list[tuple[int, int]], style: Style) -> Strip:
    """``strip`` with the characters in ``spans`` (indices into ``strip.text``) restyled."""
    if not spans:
        return strip
    out: list[Segment] = []
    pos = 0
    spans = sorted(spans)
    for segment in strip:
        text, seg_style, control = segment
        if control:
            out.append(segment)
            continue
        start, end = pos, pos + len(text)
        cuts = {0, len(text)}
        for a, b in spans:
            if b <= start or a >= end:
                continue
            cuts.add(max(a, start) - start)
            cuts.add(min(b, end) - start)
        points = sorted(cuts)
        for a, b in itertools.pairwise(points):
            piece = text[a:b]
            hit = any(sa <= start + a and start + b <= sb for sa, sb in spans)
            out.append(
                Segment(
                    piece, (seg_style + style) if hit and seg_style else style if hit else seg_style
                )
            )
        pos = end
    return Strip(out, strip.cell_length)


class TranscriptView(ScrollView, can_focus=True):
    """Shows one session. Entry 0 is the session's header, entries 1.. its messages."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "scroll_lines(-1)", "Up", show=False),
        Binding("down,j", "scroll_lines(1)", "Down", show=False),
        Binding("pageup,b", "page(-1)", "Page up", show=False),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("home,g", "top", "Top", show=False),
        Binding("end,G", "bottom", "Bottom", show=False),
        Binding(
            "left_square_bracket,p", "message(-1)", "Prev msg", show=False, id="transcript.prev"
        ),
        Binding("right_square_bracket", "message(1)", "Next msg", show=False, id="transcript.next"),
        Binding("enter", "toggle_blocks", "Expand", id="transcript.toggle"),
        Binding("t", "cycle_tools", "Tools", id="transcript.tools"),
        Binding("T", "toggle_thinking", "Thinking", id="transcript.thinking"),
        Binding("n", "next_hit(1)", "Next hit", id="transcript.next_hit"),
        Binding("N", "next_hit(-1)", "Prev hit", show=False, id="transcript.prev_hit"),
    ]

    DEFAULT_CSS = """
    TranscriptView { overflow-x: hidden; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transcript--user",
        "transcript--assistant",
        "transcript--system",
        "transcript--tool",
        "transcript--error",
        "transcript--dim",
        "transcript--thinking",
        "transcript--meta",
        "transcript--title",
        "transcript--gutter-user",
        "transcript--gutter-assistant",
        "transcript--gutter-cursor",
        "transcript--match",
        "transcript--current-match",
        "transcript--code",
        "transcript--quote",
        "transcript--heading",
        "transcript--link",
        "transcript--key",
    }

    class StatusChanged(Message):
        """Hit position or display mode changed (for the pane's title bar)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session: Session | None = None
        self.entries: list = []  # [None (header), Message, ...]
        self.options = Options(tz=tz)
        self.resume_command: str | None = None
        self._laid: LRUCache[int, Laid] = LRUCache(600)
        self._heights: list[int] = []
        self._offsets: list[int] = [0]
        self._exact: list[bool] = []
        self._layout: Layout | None = None
        self._strips: LRUCache[tuple, Strip] = LRUCache(2000)
        self._style_cache: dict[str, Style] = {}
        self._placeholder: Sequence[Sequence[tuple[str, str]]] = ()
        self._placeholder_lines: tuple[int, list[Strip]] | None = None
        self._correcting = False
        self.cursor = 0  # entry with the gutter highlight: the one actions apply to
        self.matcher: Matcher | None = None
        self._matching: list[int] | None = None
        self._matching_set: set[int] = set()
        self.hit: tuple[int, int] | None = None  # (entry, line) of the current hit
        self.find_text = ""

    # -- content -----------------------------------------------------------------------

    def show(self, session: Session | None, resume: str | None = None) -> None:
        """Show ``session`` from its top; the same session again (reloaded after a star or a
        tag) keeps the reader's place, the cursor and the blocks they opened."""
        same = (
            session is not None
            and self.session is not None
            and session.id == self.session.id
            and len(session.transcript) >= len(self.entries) - 1
        )
        self.session = session
        self.resume_command = resume
        self.entries = [None, *(session.transcript if session else [])] if session else []
        self._placeholder = ()
        self._matching = None
        if same:
            # Heights of unchanged messages are still right; _relayout keeps the anchor.
            self.cursor = min(self.cursor, len(self.entries) - 1)
            self._relayout()
        else:
            self.options.toggled.clear()
            self.cursor = 0
            self.hit = None
            self._relayout(reset_heights=True)
            self.scroll_to(y=0, animate=False, immediate=True)
        self._ensure_laid_out()
        self.refresh()

    def show_placeholder(self, lines: Sequence[Sequence[tuple[str, str]]]) -> None:
        """No session: show ``lines`` instead (why there is none, what to do).

        Each line is (part, text) pieces; a part is ``""`` (muted), ``"title"``, ``"key"`` (a
        command or key to type) or ``"error"``.
        """
        self.show(None)
        self._placeholder = lines
        self._placeholder_lines = None
        self.refresh()

    @property
    def placeholder_text(self) -> str:
        return "\n".join("".join(t for _p, t in line) for line in self._placeholder)

    def _placeholder_line(self, y: int, width: int) -> Strip:
        if self._placeholder_lines is None or self._placeholder_lines[0] != width:
            parts = {"": "dim", "title": "title", "key": "key", "error": "error"}
            strips: list[Strip] = []
            for line in self._placeholder:
                text = Text()
                for part, piece in line:
                    text.append(piece, self._style(parts.get(part, "dim")))
                options = self.app.console.options.update_width(max(10, width - 2))
                strips += [
                    Strip([Segment("  "), *segments])
                    for segments in self.app.console.render_lines(text, options, pad=False)
                ]
            self._placeholder_lines = (width, strips)
        strips = self._placeholder_lines[1]
        if not 1 <= y <= len(strips):
            return Strip.blank(width, self.rich_style)
        return strips[y - 1].adjust_cell_length(width).apply_style(self.rich_style)

    def set_matcher(self, matcher: Matcher | None) -> None:
        """Highlight what ``matcher`` finds in every drawn line; n/N step through the hits."""
        self.matcher = matcher
        self.hit = None
        self._matching = None
        self._strips.clear()
        self.refresh()
        self.post_message(self.StatusChanged(self.status_text))

    def may_match(self, entry: int) -> bool:
        """Whether ``entry`` shows any hit, judged on its text without laying it out."""
        if self.matcher is None or not 0 <= entry < len(self.entries):
            return False
        message = self.entries[entry]
        if message is None:
            assert self.session is not None
            text = header_text(self.session, self.resume_command)
        else:
            text = visible_text(entry, message, self.options)
        return bool(self.matcher(text))

    def matching_entries(self) -> list[int]:
        """The entries (0: the header) that show a hit, in order; cached per matcher and
        display options. A regex over each message's text: fast even for 10,000 messages."""
        if self._matching is None:
            self._matching = [e for e in range(len(self.entries)) if self.may_match(e)]
            self._matching_set = set(self._matching)
        return self._matching

    def _style(self, name: str) -> Style:
        """Component class ``transcript--NAME`` with colours resolved (see styling.py)."""
        style = self._style_cache.get(name)
        if style is None:
            # Gutter bars are decoration, drawn as faint as the theme asks.
            minimum = 1.0 if name.startswith("gutter") else READABLE
            style = resolved_style(self, f"transcript--{name}", minimum=minimum)
            self._style_cache[name] = style
        return style

    def _styles(self) -> Styles:
        get = self._style
        dark = self.app.current_theme.dark if self.app.current_theme else True
        return Styles(
            user=get("user"),
            assistant=get("assistant"),
            system=get("system"),
            tool=get("tool"),
            error=get("error"),
            dim=get("dim"),
            thinking=get("thinking"),
            meta=get("meta"),
            title=get("title"),
            code_theme="monokai" if dark else "friendly",
            background=self.background_colors[1].hex,
            markdown={
                "markdown.code": get("code"),
                "markdown.block_quote": get("quote"),
                "markdown.list": get("dim"),
                "markdown.item.number": get("dim"),
                "markdown.hr": get("dim"),
                "markdown.h1": get("heading") + Style(underline=True),
                "markdown.h2": get("heading"),
                "markdown.h3": get("heading"),
                "markdown.h4": get("heading") + Style(italic=True),
                "markdown.link": get("link"),
                "markdown.link_url": get("link") + Style(underline=True),
                "markdown.table.border": get("dim"),
                "markdown.table.header": get("heading"),
                "markdown.kbd": get("code"),
            },
        )

    def _relayout(self, reset_heights: bool = False) -> None:
        """Forget laid-out lines (width, theme or display options changed), keep the place."""
        anchor = self._anchor()
        width = self._text_width()
        self._layout = Layout(self.app.console, width, self._styles(), self.options)
        self._laid.clear()
        self._strips.clear()
        n = len(self.entries)
        if reset_heights or len(self._heights) != n:
            self._heights = [6] + [estimate(m, width) for m in self.entries[1:]] if n else []
        self._exact = [False] * n
        self._recount()
        if not reset_heights and anchor is not None:
            self._ensure_laid_out()
            self._restore(anchor)

    def _recount(self) -> None:
        self._offsets = [0, *itertools.accumulate(self._heights)]
        self.virtual_size = Size(self.scrollable_content_region.width, self._offsets[-1])

    def _anchor(self) -> tuple[int, int] | None:
        if not self.entries or len(self._offsets) != len(self.entries) + 1:
            return None
        y = int(self.scroll_y)
        entry = self.entry_at(y)
        return entry, y - self._offsets[entry]

    def _restore(self, anchor: tuple[int, int]) -> None:
        entry, delta = anchor
        delta = min(delta, max(0, self._heights[entry] - 1))
        self._correcting = True
        try:
            self.scroll_to(y=self._offsets[entry] + delta, animate=False, immediate=True)
        finally:
            self._correcting = False

    def entry_at(self, y: int) -> int:
        return max(0, min(len(self.entries) - 1, bisect.bisect_right(self._offsets, y) - 1))

    def laid(self, entry: int) -> Laid:
        laid = self._laid.get(entry)
        if laid is None:
            assert self._layout is not None
            session = self.session
            if entry == 0 and session is not None:
                laid = self._layout.session_header(session, self.resume_command)
            else:
                laid = self._layout.message(entry, self.entries[entry])
            self._laid.set(entry, laid)
            if len(laid.lines) != self._heights[entry]:
                self._heights[entry] = len(laid.lines)
                self._exact[entry] = True
                self._recount()
            self._exact[entry] = True
        return laid

    def _ensure_laid_out(self) -> None:
        """Lay out the entries on screen; correct the scroll position if heights changed."""
        if not self.entries or self._layout is None:
            return
        height = max(1, self.scrollable_content_region.height)
        for _ in range(8):
            anchor = self._anchor()
            before = self._offsets[-1]
            first = self.entry_at(int(self.scroll_y))
            last = self.entry_at(int(self.scroll_y) + height)
            for entry in range(first, last + 1):
                self.laid(entry)
            if self._offsets[-1] == before:
                break
            if anchor is not None:
                self._restore(anchor)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if not self._correcting:
            self._ensure_laid_out()
            top = self.entry_at(int(self.scroll_y))
            bottom = self.entry_at(int(self.scroll_y) + self.scrollable_content_region.height - 1)
            if not top <= self.cursor <= bottom:
                self.cursor = top
                self._strips.clear()

    def _text_width(self) -> int:
        """Columns for text: the pane less the gutter and the vertical scrollbar, counted even
        before it appears (it appears once laid-out messages outgrow the pane, which sends no
        resize: text laid out for the wider pane would be cut at its right edge)."""
        width = self.scrollable_content_region.width
        if not self.show_vertical_scrollbar:
            width -= self.styles.scrollbar_size_vertical
        return max(10, width - 2)

    def on_resize(self, event: events.Resize) -> None:
        if self._layout is None or self._layout.width != self._text_width():
            self._relayout()
        self._ensure_laid_out()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_cache.clear()
        self._placeholder_lines = None
        if self.is_mounted and self.entries:
            self._relayout()
            self.refresh()

    # -- drawing -----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if not self.entries and self._placeholder:
            return self._placeholder_line(y, width)
        if not self.entries or self._layout is None:
            return Strip.blank(width, self.rich_style)
        gy = y + int(self.scroll_y)
        if gy >= self._offsets[-1]:
            return Strip.blank(width, self.rich_style)
        entry = self.entry_at(gy)
        key = (gy, entry == self.cursor, self.hit)
        cached = self._strips.get(key)
        if cached is not None:
            return cached
        laid = self.laid(entry)
        line = gy - self._offsets[entry]
        strip = laid.lines[line] if line < len(laid.lines) else Strip.blank(width)
        if self.matcher is not None:
            spans = self.matcher(strip.text)
            if spans:
                current = self.hit == (entry, line)
                name = "current-match" if current else "match"
                strip = highlight_strip(strip, spans, self._style(name))
        strip = Strip.join([self._gutter(entry), strip])
        strip = strip.adjust_cell_length(width).apply_style(self.rich_style)
        self._strips.set(key, strip)
        return strip

    def _gutter(self, entry: int) -> Strip:
        message = self.entries[entry]
        if entry == self.cursor:
            name = "gutter-cursor"
        elif message is not None and message.role == "user":
            name = "gutter-user"
        elif message is not None and message.role in ("assistant", "tool"):
            name = "gutter-assistant"
        else:
            return Strip([Segment("  ")], 2)
        return Strip([Segment("▌", self._style(name)), Segment(" ")], 2)

    def refresh_all(self) -> None:
        self._strips.clear()
        self.refresh()

    # -- navigation ----------------------------------------------------------------------

    def action_scroll_lines(self, n: int) -> None:
        self.scroll_to(y=self.scroll_y + n, animate=False, immediate=True)

    def action_page(self, n: int) -> None:
        self.scroll_to(
            y=self.scroll_y + n * max(1, self.scrollable_content_region.height - 2),
            animate=False,
            immediate=True,
        )

    def action_top(self) -> None:
        self._forget_hit()
        self.scroll_to(y=0, animate=False, immediate=True)

    def action_bottom(self) -> None:
        self._forget_hit()
        # Lay out from the end so the last page is exact before scrolling there.
        for entry in range(len(self.entries) - 1, max(-1, len(self.entries) - 40), -1):
            self.laid(entry)
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

    def go_to_entry(self, entry: int, line: int = 0) -> None:
        """Put ``entry`` (its ``line``) at the top of the view and the cursor on it."""
        if not self.entries:
            return
        entry = max(0, min(len(self.entries) - 1, entry))
        self.laid(entry)
        self.cursor = entry
        self._scroll_exact(self._offsets[entry] + line)
        self._ensure_laid_out()
        self._strips.clear()
        self.refresh()

    def _scroll_exact(self, y: int) -> None:
        self._correcting = True
        try:
            self.scroll_to(y=max(0, y), animate=False, immediate=True)
        finally:
            self._correcting = False

    def go_to_message(self, message_id: str | None) -> bool:
        for entry, message in enumerate(self.entries):
            if message is not None and message.id == message_id:
                self.go_to_entry(entry)
                return True
        return False

    def action_message(self, delta: int) -> None:
        self._forget_hit()
        self.go_to_entry(self.cursor + delta)

    def action_toggle_blocks(self) -> None:
        """Open every tool/thinking block of the message under the cursor, or close them all
        when all are open (whatever `t` and `T` made the default for each kind)."""
        laid = self.laid(self.cursor)
        if not laid.open_blocks:
            return
        closed = [b for b, shown in laid.open_blocks.items() if not shown]
        flip = closed or list(laid.open_blocks)
        self.options.toggled.symmetric_difference_update((self.cursor, b) for b in flip)
        self._relayout_entry(self.cursor)

    def _relayout_entry(self, entry: int) -> None:
        self._matching = None  # a block opened or closed: what shows changed
        anchor = self._anchor()
        self._laid.discard(entry)
        self._strips.clear()
        self.laid(entry)
        if anchor is not None:
            self._restore(anchor)
        self._ensure_laid_out()
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self.entries:
            return
        gy = offset.y + int(self.scroll_y)
        entry = self.entry_at(gy)
        laid = self.laid(entry)
        block = laid.toggles.get(gy - self._offsets[entry])
        self.cursor = entry
        if block is not None:
            self.options.toggled.symmetric_difference_update({(entry, block)})
            self._relayout_entry(entry)
        else:
            self.refresh_all()

    def action_cycle_tools(self) -> None:
        mode: ToolMode = TOOL_MODES[
            (TOOL_MODES.index(self.options.tool_mode) + 1) % len(TOOL_MODES)
        ]
        self.options.tool_mode = mode
        self.options.toggled.clear()
        self._matching = None
        self._relayout()
        self.refresh()
        self.post_message(self.StatusChanged(self.status_text))

    def action_toggle_thinking(self) -> None:
        self.options.show_thinking = not self.options.show_thinking
        self._matching = None
        self._relayout()
        self.refresh()
        self.post_message(self.StatusChanged(self.status_text))

    @property
    def status_text(self) -> str:
        bits = [
            f"tools {self.options.tool_mode}",
            f"thinking {'on' if self.options.show_thinking else 'off'}",
        ]
        # Counting hits reads every message: at once for ordinary sessions, but for a huge
        # one only once the reader asks for a hit (not on every keystroke of a search).
        if (
            self.matcher is not None
            and self.entries
            and (
                self.hit is not None
                or self._matching is not None
                or len(self.entries) <= COUNT_EAGERLY
            )
        ):
            matching = self.matching_entries()
            if self.hit is not None and self.hit[0] in self._matching_set:
                entry, line = self.hit
                where = f"hit {bisect.bisect_left(matching, entry) + 1} of {len(matching)}"
                lines = self.hit_lines(entry)
                if len(lines) > 1 and line in lines:
                    where += f" (line {lines.index(line) + 1}/{len(lines)})"
                if entry == 0:
                    where += " · title"
                bits.insert(0, where)
            elif matching:
                n = len(matching)
                bits.insert(0, f"{n} hit{'s' if n != 1 else ''} · n: next")
            else:
                hidden = self._hidden_hits()
                bits.insert(
                    0,
                    f"0 hits shown, {hidden} hidden (t: tools, T: thinking)"
                    if hidden
                    else "no hits",
                )
        elif self.matcher is not None and self.entries:
            bits.insert(0, "n: next hit")
        return " · ".join(bits)

    def _hidden_hits(self) -> int:
        """Messages that would show a hit with every tool block and thinking expanded: the
        search matched them (its snippet says so) where the reader cannot see it yet."""
        if self.matcher is None:
            return 0
        everything = Options(tool_mode="full", show_thinking=True, tz=self.options.tz)
        return sum(
            1
            for entry, message in enumerate(self.entries)
            if message is not None and self.matcher(visible_text(entry, message, everything))
        )

    def _forget_hit(self) -> None:
        """The reader moved away on their own: the hit no longer says where they are."""
        if self.hit is not None:
            self.hit = None
            self._strips.clear()
            self.post_message(self.StatusChanged(self.status_text))

    # -- hits ------------------------------------------------------------------------------

    def hit_lines(self, entry: int) -> list[int]:
        if self.matcher is None:
            return []
        if self._matching is not None and entry not in self._matching_set:
            return []
        if self._matching is None and not self.may_match(entry):
            return []
        return [i for i, strip in enumerate(self.laid(entry).lines) if self.matcher(strip.text)]

    def action_next_hit(self, direction: int) -> None:
        if self.matcher is None or not self.entries:
            self.notify("Nothing to find: search, or press / to find in this transcript", timeout=2)
            return
        entry, line = (
            self.hit if self.hit is not None else (self.cursor, -1 if direction > 0 else 1 << 30)
        )
        n = len(self.entries)
        for step in range(n + 1):
            e = (entry + direction * step) % n
            lines = self._landing_lines(e)
            if step == 0:
                lines = [x for x in lines if (x > line if direction > 0 else x < line)]
            if lines:
                target = lines[0] if direction > 0 else lines[-1]
                self.hit = (e, target)
                if (e < entry and direction > 0) or (e > entry and direction < 0):
                    self.notify("Search wrapped", timeout=1)
                self._go_to_line(e, target)
                self.post_message(self.StatusChanged(self.status_text))
                return
        self.notify("No matches in this transcript", timeout=2)

    def _landing_lines(self, entry: int) -> list[int]:
        """Where `n` stops in ``entry``: its hit lines; or, for a message counted as a hit
        whose word is past the cut of a one-line summary (a collapsed tool call), its top,
        so no counted hit is skipped."""
        lines = self.hit_lines(entry)
        if not lines:
            self.matching_entries()  # fills the set
            if entry in self._matching_set:
                return [0]
        return lines

    def first_hit_in(self, entry: int) -> bool:
        lines = self._landing_lines(entry)
        if not lines:
            return False
        self.hit = (entry, lines[0])
        self._go_to_line(entry, lines[0])
        self.post_message(self.StatusChanged(self.status_text))
        return True

    def _go_to_line(self, entry: int, line: int) -> None:
        """Bring a hit into view, a third of the way down, unless it is already visible."""
        self.laid(entry)
        self.cursor = entry
        height = self.scrollable_content_region.height
        for _ in range(3):
            y = self._offsets[entry] + line
            if self.scroll_y <= y < self.scroll_y + height:
                break
            self._scroll_exact(y - height // 3)
            self._ensure_laid_out()
        self._strips.clear()
        self.refresh()
