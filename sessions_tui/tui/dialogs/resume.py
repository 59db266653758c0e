"""Shows the command that resumes a session in its own tool, with a copy button."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, Static

from ...safety import visible_controls


class ResumeDialog(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("c,y", "copy", "Copy"),
    ]

    def __init__(self, title: str, command: str, note: str | None = None) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.command = command
        self.note = note

    def compose(self) -> ComposeResult:
        yield Footer()  # the keys this dialog answers to
        with Vertical(id="dialog-box"):
            yield Label("Resume in its own tool", id="dialog-title")
            yield Static(visible_controls(self.title_text), id="dialog-body", markup=False)
            yield Static(visible_controls(self.command), id="resume-command", markup=False)
            if self.note:
                yield Static(self.note, id="resume-note", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Copy (c)", id="copy", variant="primary")
                yield Button("Close (esc)", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.dismiss(None)

    def action_copy(self) -> None:
        send = getattr(self.app, "send_to_clipboard", None)
        if send is not None:
            send(self.command, "The resume command", "select it with the mouse instead")
        else:
            self.app.copy_to_clipboard(self.command)
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
