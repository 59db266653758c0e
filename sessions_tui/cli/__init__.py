"""The command line: ``sessions-tui [--store PATH] COMMAND``. No command opens the TUI.

Each group of commands lives in its own module and registers itself on `main` below. Every
expected failure is one line on stderr and a non-zero exit, never a traceback (see `app_errors`).
"""

from __future__ import annotations

import os
import sys

import click

from .common import AppContext, CommandError, app_errors, pass_app

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class AppGroup(click.Group):
    """Runs every command inside `app_errors`, so no expected failure prints a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        with app_errors():
            return super().invoke(ctx)


@click.group(cls=AppGroup, invoke_without_command=True, context_settings=CONTEXT_SETTINGS)
@click.option(
    "--store",
    "store_path",
    type=click.Path(file_okay=False, path_type=str),
    envvar="SESSIONS_TUI_STORE",
    show_envvar=True,
    help="Store directory (default: the user data directory).",
)
@click.option("--demo", is_flag=True, help="Use the built-in demo store (generated on first use).")
@click.option("--theme", help="TUI theme: sessions-dark, sessions-light or a Textual theme.")
@click.version_option(package_name="sessions-tui")
@click.pass_context
def main(ctx: click.Context, store_path: str | None, demo: bool, theme: str | None) -> None:
    """Browse, search, export and clean up your AI chat and coding-agent sessions."""
    ctx.obj = AppContext(store_path=store_path, demo=demo, theme=theme)
    if os.environ.get("NO_COLOR"):  # https://no-color.org: any non-empty value
        ctx.color = False
    if ctx.invoked_subcommand is None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            # A full-screen app would write escape codes into a pipe or wait on a file.
            raise CommandError(
                "the TUI needs a terminal (stdin and stdout); "
                "for output a script can read, try `sessions-tui list`"
            )
        from .tui_command import run_tui

        run_tui(ctx.obj)


def _register() -> None:
    from . import (
        cleanup_commands,
        export_commands,
        import_commands,
        search_commands,
        store_commands,
    )

    for module in (
        store_commands,
        import_commands,
        search_commands,
        export_commands,
        cleanup_commands,
    ):
        for command in module.COMMANDS:
            main.add_command(command)


_register()

__all__ = ["AppContext", "app_errors", "main", "pass_app"]
