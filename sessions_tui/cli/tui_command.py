"""Launching the TUI from the command line (imports Textual only here, keeping the CLI fast)."""

from __future__ import annotations

from .common import AppContext


def run_tui(ctx: AppContext) -> None:
    from ..tui.app import make_app

    store = ctx.open_store()
    app = make_app(store, theme=ctx.theme)
    app.run()
