"""The filter bar (quick pickers and removable chips) and the status line."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Static

from ...safety import visible_controls
from ..querystring import Filter

PICKERS = (
    ("tool", "Tool"),
    ("model", "Model"),
    ("project", "Project"),
    ("date", "Date"),
    ("starred", "★ Starred"),
    ("tag", "Tag"),
)


MAX_CHIPS = 12
#: A chip shows at most this much of its value (the search bar holds all of it).
CHIP_VALUE_CHARS = 28


class BarButton(Button, can_focus=False):
    """Mouse-only buttons: the keyboard reaches the same pickers with ``f``."""


class FilterBar(Horizontal):
    """Pickers on the left, then one chip per active filter; clicking a chip removes it."""

    class PickerRequested(Message):
        def __init__(self, picker: str) -> None:
            super().__init__()
            self.picker = picker

    class ChipRemoved(Message):
        def __init__(self, filter: Filter) -> None:
            super().__init__()
            self.filter = filter

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._chips: dict[str, Filter] = {}
        self._filters: list[Filter] = []
        self._ignored: list[Filter] = []

    def compose(self) -> ComposeResult:
        for key, label in PICKERS:
            text = label if key == "starred" else label + " ▾"
            yield BarButton(text, id=f"pick-{key}", classes="picker", compact=True)
        yield Static("", id="chips-gap")
        # A fixed pool of chips, shown and hidden: no widget churn on every keystroke.
        for i in range(MAX_CHIPS):
            chip = BarButton("", id=f"chip-{i}", classes="chip", compact=True)
            chip.display = False
            yield chip
        yield Static("", id="chips-more")

    def set_filters(self, filters: list[Filter], ignored: list[Filter] | None = None) -> None:
        """Chips for ``filters``; those in ``ignored`` (a value that means nothing) are
        marked, since the list does not follow them."""
        self._filters = list(filters)
        self._ignored = list(ignored or [])
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Show every chip that fits on the one line. When pickers and chips together do not
        fit, the pickers give way (``f`` still opens them): the active filters matter more.
        Chips that still do not fit are counted in a "+N more" the user can read."""
        filters = self._filters
        labels = [_chip_label(f) for f in filters[:MAX_CHIPS]]
        # a compact button is its label plus a cell each side, then a cell of margin
        widths = [label.cell_len + 3 for label in labels]
        room = self.size.width - 2 or 10_000  # padding; unsized (not mounted yet): no limit
        pickers = sum(len(label) + (3 if key == "starred" else 5) for key, label in PICKERS)
        crowded = bool(filters) and pickers + 2 + sum(widths) > room
        self.set_class(crowded, "-crowded")
        if crowded:
            room -= len(_more_hint(len(filters))) + 1
        else:
            room -= pickers + 2
        self._chips = {}
        used = 0
        shown = 0
        for i in range(MAX_CHIPS):
            chip = self.query_one(f"#chip-{i}", BarButton)
            fits = (
                i < len(labels) and shown == i and (used + widths[i] <= room or shown == 0)
            )  # in order: none after the first that does not fit
            if fits:
                chip.label = labels[i]
                chip.set_class(filters[i] in self._ignored, "-ignored")
                chip.tooltip = (
                    "Ignored: a value this filter does not know"
                    if filters[i] in self._ignored
                    else None
                )
                chip.display = True
                chip.refresh(layout=True)  # a new label does not resize a Button by itself
                self._chips[f"chip-{i}"] = filters[i]
                used += widths[i]
                shown += 1
            else:
                chip.display = False
        more = len(filters) - shown
        self.query_one("#chips-more", Static).update(_more_hint(more) if more > 0 else "")
        self.set_class(bool(filters), "-filtered")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button_id = event.button.id or ""
        if button_id.startswith("pick-"):
            self.post_message(self.PickerRequested(button_id.removeprefix("pick-")))
        elif button_id in self._chips:
            self.post_message(self.ChipRemoved(self._chips[button_id]))


class StatusLine(Static):
    """Sessions shown / total, active filters, selection, index state (never markup).

    The line is cut at the terminal's right edge; hovering shows all of it, and a click
    puts all of it in a notification, where it wraps.
    """

    plain = ""

    def show(self, *parts: str) -> None:
        self.plain = "  ·  ".join(visible_controls(p) for p in parts if p)
        self.update(Text(self.plain, no_wrap=True, overflow="ellipsis"))
        self.tooltip = Text(self.plain)

    def on_click(self) -> None:
        if self.plain:
            self.notify(self.plain, timeout=10)


def _more_hint(hidden: int) -> str:
    """Where the filters without a chip are: the search bar holds the whole query."""
    return f"+{hidden} more in the search bar"


def _chip_label(f: Filter) -> Text:
    value = visible_controls(f.value)
    if len(value) > CHIP_VALUE_CHARS:
        value = value[: CHIP_VALUE_CHARS - 1] + "…"
    return Text(f"{'-' if f.negated else ''}{f.key}:{value} ✕", no_wrap=True)
