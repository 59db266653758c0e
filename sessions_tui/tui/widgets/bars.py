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

    def set_filters(self, filters: list[Filter]) -> None:
        self._chips = {}
        for i in range(MAX_CHIPS):
            chip = self.query_one(f"#chip-{i}", BarButton)
            if i < len(filters):
                f = filters[i]
                label = Text(f"{f.key}:{visible_controls(f.value)} ✕", no_wrap=True)
                chip.label = label
                chip.display = True
                chip.refresh(layout=True)  # a new label does not resize a Button by itself
                self._chips[f"chip-{i}"] = f
            else:
                chip.display = False
        more = len(filters) - MAX_CHIPS
        self.query_one("#chips-more", Static).update(f"+{more} more" if more > 0 else "")
        self.set_class(bool(filters), "-filtered")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button_id = event.button.id or ""
        if button_id.startswith("pick-"):
            self.post_message(self.PickerRequested(button_id.removeprefix("pick-")))
        elif button_id in self._chips:
            self.post_message(self.ChipRemoved(self._chips[button_id]))


class StatusLine(Static):
    """Sessions shown / total, active filters, selection, index state (never markup)."""

    plain = ""

    def show(self, *parts: str) -> None:
        self.plain = "  ·  ".join(visible_controls(p) for p in parts if p)
        self.update(
            Text(
                "  ·  ".join(visible_controls(p) for p in parts if p),
                no_wrap=True,
                overflow="ellipsis",
            )
        )
