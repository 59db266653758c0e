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
            yield BarButton(
                label + " ▾" if key != "starred" else label,
                id=f"pick-{key}",
                classes="picker",
                compact=True,
            )
        yield Static("", id="chips-gap")

    def set_filters(self, filters: list[Filter]) -> None:
        for chip in self.query(".chip"):
            chip.remove()
        self._chips = {}
        chips = []
        for i, f in enumerate(filters):
            label = Text(
                f"{f.key}:{visible_controls(f.value)} ✕", no_wrap=True, overflow="ellipsis"
            )
            chip_id = f"chip-{i}"
            self._chips[chip_id] = f
            chips.append(BarButton(label, id=chip_id, classes="chip", compact=True))
        if chips:
            self.mount_all(chips)
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

    def show(self, *parts: str) -> None:
        self.update(
            Text(
                "  ·  ".join(visible_controls(p) for p in parts if p),
                no_wrap=True,
                overflow="ellipsis",
            )
        )
