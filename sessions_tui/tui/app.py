"""Placeholder app until the TUI issue lands: lists the store's sessions."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from ..store import SessionStore


class SessionsApp(App[None]):
    TITLE = "sessions-tui"

    def __init__(self, store: SessionStore, theme: str | None = None) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"{self.store.count()} sessions in {self.store.root}", markup=False)
        yield Footer()


def make_app(store: SessionStore, theme: str | None = None) -> SessionsApp:
    return SessionsApp(store, theme=theme)
