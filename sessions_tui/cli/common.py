"""What every command shares: opening the store, error reporting, output helpers."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
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

    def open_store(self, *, create: bool = False) -> SessionStore:
        """The store, opened once. Only commands that write sessions into it (import, watch,
        the TUI) pass ``create``: a read-only command on a path where no store exists (a typo
        in ``--store``) says so instead of leaving an empty store behind."""
        if self._store is None:
            if self.demo:
                from ..demo_store import ensure_demo_store

                self._store = ensure_demo_store(self.resolved_store_path)
            else:
                path = self.resolved_store_path
                if not create and not (path / "store.json").exists():
                    if path.is_dir() and any(path.iterdir()):
                        raise CommandError(f"{path}: not a sessions-tui store (no store.json)")
                    hint = (
                        ""
                        if path.exists()
                        else f"; `sessions-tui --store {shlex.quote(str(path))} import --auto`"
                        " creates it"
                    )
                    raise CommandError(f"no store at {path}{hint}")
                self._store = SessionStore(path)
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


def iso_utc(moment: datetime) -> str:
    """The one timestamp format every command prints, in tables and in ``--json`` alike:
    ISO-8601 in UTC with milliseconds and ``Z`` (``2026-11-23T18:47:26.599Z``): unambiguous,
    sortable as text, and what JavaScript's ``Date.toISOString`` writes."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """``1 session``, ``12 sessions``, ``1,024 files`` (``nouns`` for irregular plurals)."""
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"


class WordsCommand(click.Command):
    """A command whose free words may start with ``-``: search exclusions such as ``-flaky``.

    click would take ``-flaky`` for the short options ``-f -l -a -k -y``. Here the command's
    own options (``--limit 3``, ``--tool=x``, ``-h``) are recognised wherever they are, with
    their values, and moved before a ``--``; every other argument is a word, in its order. An
    unknown ``--long`` option is still reported (usually a typo of a real one); after a
    ``--`` typed by the user everything is a word, as usual.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value: dict[str, bool] = {}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not (param.is_flag or param.count)
        options: list[str] = []
        words: list[str] = []
        rest = iter(args)
        for arg in rest:
            if arg == "--":
                words.extend(rest)
                break
            name = arg.split("=", 1)[0] if arg.startswith("--") else arg
            if name in takes_value:
                options.append(arg)
                value = next(rest, None) if takes_value[name] and "=" not in arg else None
                if value is not None:
                    options.append(value)
            elif arg.startswith("--") and len(arg) > 2:
                options.append(arg)
            else:
                words.append(arg)
        return super().parse_args(ctx, [*options, "--", *words])
