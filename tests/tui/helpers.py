"""Helpers for driving the app in tests: wait until debounces, workers and refreshes settle."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from sessions_tui.tui.screens.main import (
    PREVIEW_DEBOUNCE,
    STORE_REFRESH_DELAY,
    MainScreen,
)
from sessions_tui.tui.widgets.transcript import TranscriptView


async def settle(pilot: Pilot) -> None:
    """Let timers fire, workers finish and the screen repaint (no fixed sleeps for results)."""
    app = pilot.app
    for _ in range(3):
        await pilot.pause(PREVIEW_DEBOUNCE + 0.02)
        # A worker the app cancels meanwhile (typing cancels the preview's load) is done too.
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
    await pilot.pause()


async def settle_store(pilot: Pilot) -> None:
    """Settle after a store change: the list refreshes once a burst of changes is over."""
    await settle(pilot)
    await pilot.pause(STORE_REFRESH_DELAY + 0.05)
    await settle(pilot)


def main_screen(pilot: Pilot) -> MainScreen:
    return next(s for s in pilot.app.screen_stack if isinstance(s, MainScreen))


async def open_first_transcript(pilot: Pilot) -> TranscriptView:
    """Open the list's first session (Enter) and return the transcript showing it."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    return main_screen(pilot).transcript


async def type_query(pilot: Pilot, text: str) -> None:
    await pilot.press("slash")
    await pilot.press(*[_key(c) for c in text])
    await settle(pilot)


def _key(char: str) -> str:
    names = {" ": "space", ":": "colon", "-": "minus", "/": "slash", '"': "quotation_mark"}
    return names.get(char, char)


def sync(test: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test body with asyncio.run (no pytest async plugin is a dependency)."""

    @functools.wraps(test)
    def wrapper(*args: object, **kwargs: object) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


async def close_dialog(pilot: Pilot, *keys: str) -> None:
    """Press ``keys`` on a modal and wait until it is gone.

    `Pilot.press` waits for every widget of the current screen to drain its queue; a dialog
    that dismisses itself on the last key can be torn down in the middle of that wait, which
    then never completes. So the last key is posted directly and we wait for the dismissal.
    """
    app = pilot.app
    dialog = app.screen
    if keys[:-1]:
        await pilot.press(*keys[:-1])
    app.simulate_key(keys[-1])
    for _ in range(500):
        if dialog not in app.screen_stack:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError(f"{dialog!r} did not close after {keys!r}")
    await settle(pilot)


async def still(pilot: Pilot) -> None:
    """Settle, then stop cursor blinking so a snapshot does not depend on when it is taken."""
    from textual.widgets import Input

    await settle(pilot)
    for screen in pilot.app.screen_stack:
        for widget in screen.query(Input):
            widget.cursor_blink = False
    await pilot.pause()
