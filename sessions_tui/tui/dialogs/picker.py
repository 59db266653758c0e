"""Quick pickers: choose one value from a list (filter values with counts, menu entries).

Typing narrows the list; Enter picks the highlighted entry; Esc cancels. A picker may also
accept free input (a custom date, a new tag), returned as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from ...safety import visible_controls


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str
    detail: str = ""


class PickerDialog(ModalScreen[str | None]):
    """Dismisses with the chosen value, the typed text (if ``free_input``), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
    ]

    def __init__(
        self,
        title: str,
        choices: list[Choice],
        *,
        placeholder: str = "Type to narrow…",
        free_input: bool = False,
        hint: str = "",
    ) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.choices = choices
        self.placeholder = placeholder
        self.free_input = free_input
        self.hint = hint

    def compose(self) -> ComposeResult:
        yield Footer()  # the keys this dialog answers to
        with Vertical(id="dialog-box", classes="picker"):
            yield Label(self.title_text, id="dialog-title", markup=False)
            yield Input(placeholder=self.placeholder, id="picker-input")
            yield OptionList(id="picker-options")
            if self.hint:
                yield Label(self.hint, id="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, needle: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        needle = needle.lower()
        shown = [c for c in self.choices if needle in c.label.lower() or needle in c.value.lower()]
        for choice in shown[:500]:
            label = Text(visible_controls(choice.label), no_wrap=True, overflow="ellipsis")
            if choice.detail:
                label.append(f"  {choice.detail}", style="dim")
            options.add_option(Option(label, id=choice.value))
        if shown:
            options.highlighted = 0

    @on(Input.Changed, "#picker-input")
    def _narrow(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#picker-input")
    def _submit(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None and options.option_count:
            self.dismiss(options.get_option_at_index(options.highlighted).id)
        elif self.free_input and event.value.strip():
            self.dismiss(event.value.strip())

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + delta))

    def action_cancel(self) -> None:
        self.dismiss(None)
