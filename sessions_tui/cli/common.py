"""What every command shares: opening the store, error reporting, output helpers."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from ..store import SessionStore, StoreError


@dataclass
class AppContext:
    """Global options, and the store opened lazily by the first command that needs it."""

    store_path: str | None = None
    demo: bool = False
    theme: str | None = None
    _store: SessionStore | None = field(default=None, repr=False)

    @property
    def resolved_store_path(self) -> Path:
        from ..config import default_store_path, demo_store_path

        if self.demo:
            return demo_store_path()
        return Path(self.store_path).expanduser() if self.store_path else default_store_path()

    def open_store(self) -> SessionStore:
        if self._store is None:
            if self.demo:
                from ..demo_store import ensure_demo_store

                self._store = ensure_demo_store(self.resolved_store_path)
            else:
                self._store = SessionStore(self.resolved_store_path)
        return self._store


pass_app = click.make_pass_decorator(AppContext)


class CommandError(click.ClickException):
    """An expected failure: printed as ``sessions-tui: <message>`` with exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"sessions-tui: {self.format_message()}", err=True)


@contextmanager
def app_errors() -> Iterator[None]:
    """Turn the store's own errors and OS errors into one clear line and exit status 1."""
    try:
        yield
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other Unix tools do.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except (StoreError, OSError) as exc:
        message = str(exc) if isinstance(exc, StoreError) else _os_message(exc)
        raise CommandError(message) from None
    except KeyboardInterrupt:
        click.echo("sessions-tui: interrupted", err=True)
        sys.exit(130)


def _os_message(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def human_bytes(n: int | float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
