"""A yes/no question, answered with y/n, Enter/Esc or the mouse."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, Static


class ConfirmDialog(ModalScreen[bool]):
    """Dismisses with True only for an explicit yes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(
        self,
        title: str,
        body: str,
        yes: str = "Yes",
        danger: bool = False,
        items: list[str] | None = None,
    ) -> None:
        """``items`` (e.g. the titles of what is deleted) are listed one per line, cut to the
        dialog's width rather than wrapped; ``body`` follows them and wraps."""
        super().__init__(classes="dialog")
        self.title_text = title
        self.body = body
        self.items = items or []
        self.yes = yes
        self.danger = danger

    def compose(self) -> ComposeResult:
        yield Footer()  # the keys this dialog answers to
        with Vertical(id="dialog-box"):
            yield Label(self.title_text, id="dialog-title", markup=False)
            if self.items:
                listed = Text("\n".join(self.items), no_wrap=True, overflow="ellipsis")
                yield Static(listed, id="dialog-items")
            yield Static(self.body, id="dialog-body", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button(
                    f"{self.yes} (y)", id="yes", variant="error" if self.danger else "primary"
                )
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
