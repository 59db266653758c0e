"""Launching the TUI from the command line (imports Textual only here, keeping the CLI fast)."""

from __future__ import annotations

from .common import AppContext


def run_tui(ctx: AppContext) -> None:
    from ..config import load_settings
    from ..tui.app import make_app

    store = ctx.open_store(create=True)
    try:
        settings = load_settings()
        auto_import, auto_cleanup = settings.auto_import, settings.auto_cleanup
    except Exception:  # the app reports a bad settings file itself, once it is on screen
        auto_import = auto_cleanup = False
    # Never import the user's real history into the demo store, nor clean the demo up.
    app = make_app(
        store,
        theme=ctx.theme,
        auto_import=auto_import and not ctx.demo,
        auto_cleanup=auto_cleanup and not ctx.demo,
    )
    app.run()
