"""TUI fixtures: the deterministic demo store in a temp dir and the app as users run it,
with the clock, the time zone and the search index pinned so screens are reproducible."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import pytest

from sessions_tui.demo import BASE_TIME
from sessions_tui.demo_store import build_demo_store
from sessions_tui.store import SessionStore
from sessions_tui.tui.app import SessionsApp, make_app


@pytest.fixture
def demo_store(tmp_path: Path) -> SessionStore:
    store = build_demo_store(tmp_path / "store")
    yield store
    store.close()


@pytest.fixture
def make_demo_app(demo_store: SessionStore) -> Callable[..., SessionsApp]:
    """``make_demo_app(theme=..., search=False)``: the real app on the demo store."""

    def factory(theme: str = "sessions-dark", search: bool = False) -> SessionsApp:
        return make_app(
            demo_store,
            theme=theme,
            now=lambda: BASE_TIME,
            tz=UTC,
            open_search_index=search,
            show_timings=False,
        )

    return factory
