"""The help screen: every key binding (read from the widgets, so it cannot drift) and the
query language."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ..querystring import FILTER_KEYS

#: Every operator of the query language (docs/query-language.md has the details).
QUERY_OPERATORS = [
    ("retry backoff", "both words, in one message (or one in the title)"),
    ('"connection reset"', "the exact phrase"),
    ("-flaky  NOT flaky", "no mention of the word anywhere in the session"),
    ("timeout OR deadline  a | b", "either word; (a OR b) c groups"),
    ("retr*", "words starting with retr"),
    ("retyr~  retyr~1  retyr~2", "the word with up to 1–2 typos"),
    ("in:title word", "words in the session title only"),
    ("role:user  role:assistant", "in your prompts, the answers (also role:tool, role:system)"),
    ("on:2026-03-04", "updated that day (also a month: on:2026-03)"),
    ("has:error", "a tool error or error message"),
    ("is:unstarred", "not starred"),
    ("-tool:aider", "any filter negated"),
    ("repo: label: since: until:", "aliases of project: tag: after: before:"),
]

QUERY_EXAMPLES = [
    ("retry backoff", "sessions mentioning both words"),
    ('"connection reset"', "an exact phrase"),
    ("retry -flaky", "retry, but not flaky"),
    ("tool:codex-cli after:7d", "Codex sessions of the last week (no text: plain listing)"),
    ("project:infra is:starred terraform", "filters and words together"),
]


def key_label(key: str) -> str:
    """A binding's keys as people write them: ``[``, ``?``, ``Space``, ``ctrl+a``."""
    names = {
        "left_square_bracket": "[",
        "right_square_bracket": "]",
        "slash": "/",
        "question_mark": "?",
        "plus": "+",
        "number_sign": "#",
        "space": "Space",
        "escape": "Esc",
        "enter": "Enter",
        "right": "→",
        "end": "End",
    }
    return ", ".join(names.get(k, k) for k in key.split(","))


def _two_columns(rows: list[tuple[str, str]], first_width: int) -> Table:
    """A borderless table: a bold first column (a query, a key) and what it means."""
    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold", min_width=first_width)
    table.add_column()
    for left, right in rows:
        table.add_row(Text(left), Text(right))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, sections: list[tuple[str, list[Binding]]]) -> None:
        super().__init__(classes="dialog")
        self.sections = sections

    def compose(self) -> ComposeResult:
        yield Footer()  # the keys this dialog answers to
        with VerticalScroll(id="help-box"):
            yield Static(
                Text("sessions-tui — keys and query language", style="bold"), id="help-title"
            )
            for title, bindings in self.sections:
                table = Table(box=None, show_header=False, padding=(0, 2), expand=False)
                table.add_column(style="bold", min_width=18)
                table.add_column()
                seen = set()
                for b in bindings:
                    if b.description and (b.key, b.description) not in seen:
                        seen.add((b.key, b.description))
                        table.add_row(Text(key_label(b.key)), Text(b.description))
                yield Static(Text(title, style="bold underline"), classes="help-heading")
                yield Static(table)
            yield Static(Text("Query language", style="bold underline"), classes="help-heading")
            yield Static(_two_columns([(f"{k}:", m) for k, m in FILTER_KEYS.items()], 18))
            yield Static(Text("Operators", style="bold underline"), classes="help-heading")
            yield Static(_two_columns(QUERY_OPERATORS, 30))
            yield Static(Text("Examples", style="bold underline"), classes="help-heading")
            yield Static(_two_columns(QUERY_EXAMPLES, 36))
            yield Static(Text("Dialogs and mouse", style="bold underline"), classes="help-heading")
            yield Static(
                Text(
                    "In the export, import and cleanup dialogs: ctrl+s runs, Esc stops a run or "
                    "closes, Tab moves between controls, Space ticks a box. In the trash: Space "
                    "marks, r restores, A restores all, x empties.\n"
                    "Mouse: click a row to show it, double-click to open, Shift/Ctrl+click to "
                    "select; click a column header to sort, a ▸ line to expand it, a filter "
                    "chip's ✕ to remove it, the status line to read it whole; the wheel scrolls."
                )
            )

    def action_close(self) -> None:
        self.dismiss(None)
