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
from textual.widgets import Static

from ..querystring import FILTER_KEYS

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
    }
    return ", ".join(names.get(k, k) for k in key.split(","))


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, sections: list[tuple[str, list[Binding]]]) -> None:
        super().__init__(classes="dialog")
        self.sections = sections

    def compose(self) -> ComposeResult:
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
            filters = Table(box=None, show_header=False, padding=(0, 2))
            filters.add_column(style="bold", min_width=18)
            filters.add_column()
            for key, meaning in FILTER_KEYS.items():
                filters.add_row(Text(f"{key}:"), Text(meaning))
            yield Static(filters)
            examples = Table(box=None, show_header=False, padding=(0, 2))
            examples.add_column(style="bold", min_width=36)
            examples.add_column()
            for query, meaning in QUERY_EXAMPLES:
                examples.add_row(Text(query), Text(meaning))
            yield Static(Text("Examples", style="bold underline"), classes="help-heading")
            yield Static(examples)

    def action_close(self) -> None:
        self.dismiss(None)
