"""``sessions-tui import`` and ``sessions-tui watch``: bring every tool's history into the store.

Exit status of ``import``: 0 when every file was imported or deliberately skipped (a file with
some unreadable lines still counts as imported: its other lines are in the store and the bad
ones are listed; ``--strict`` makes them fail too), 1 when a file or session failed or the store
was busy, 2 for a usage error.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from ..safety import visible_controls
from .common import AppContext, echo_json, human_bytes, iso_utc, pass_app

#: Failures and bad lines listed one by one before "... and N more".
LIST_LIMIT = 20


def _safe(text: str) -> str:
    return visible_controls(text)


def _progress_bar(enabled: bool):
    """A click progress bar on stderr while an import runs, only on a terminal."""
    if not enabled or not sys.stderr.isatty():
        return None, None
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            if total < (1 << 20):
                return  # too small to be worth a bar
            bar = click.progressbar(
                length=total,
                label="Importing",
                file=sys.stderr,
                show_pos=False,
                show_percent=True,
                show_eta=True,
            )
            bar.__enter__()
            state["bar"] = bar
            state["done"] = 0
        bar.update(done - state["done"])
        state["done"] = done

    def finish() -> None:
        bar = state.pop("bar", None)
        if bar is not None:
            bar.__exit__(None, None, None)

    return update, finish


def _print_summary(summary, *, verbose: bool, out=None) -> None:
    def say(text: str = "") -> None:
        click.echo(text, file=out)

    say(
        f"Sessions: {summary.new} new, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {summary.failed} failed"
        + (f", {summary.kept_deleted} kept deleted" if summary.kept_deleted else "")
    )
    say(
        f"Files:    {summary.files_parsed} read ({human_bytes(summary.bytes_parsed)}), "
        f"{summary.files_unchanged} unchanged since last import, "
        f"{summary.files_not_transcripts} not transcripts"
        + (f", {summary.files_empty} without sessions" if summary.files_empty else "")
    )
    if summary.by_source:
        say("Sources:  " + ", ".join(f"{k} {v}" for k, v in sorted(summary.by_source.items())))
    if summary.unknown_types:
        items = summary.unknown_types.most_common()
        shown = ", ".join(f"{_safe(k)} ×{v}" for k, v in items[:10])
        more = f" and {len(items) - 10} more" if len(items) > 10 else ""
        say(f"Unknown entry types (kept where readable): {shown}{more}")
    if verbose and summary.skipped_types:
        shown = ", ".join(f"{_safe(k)} ×{v}" for k, v in summary.skipped_types.most_common())
        say(f"Skipped bookkeeping: {shown}")
    if summary.bad_lines:
        say(f"Unreadable lines ({len(summary.bad_lines):,}; the rest of each file was imported):")
        limit = len(summary.bad_lines) if verbose else LIST_LIMIT
        for where, reason in summary.bad_lines[:limit]:
            say(f"  {_safe(where)}: {_safe(reason)}")
        if len(summary.bad_lines) > limit:
            say(f"  ... and {len(summary.bad_lines) - limit} more (--verbose lists all)")
    if summary.same_id:
        say(f"Files giving a session id already seen ({len(summary.same_id)}):")
        limit = len(summary.same_id) if verbose else LIST_LIMIT
        for where, sid, action in summary.same_id[:limit]:
            say(f"  {_safe(where)}: {_safe(sid)}: {_safe(action)}")
        if len(summary.same_id) > limit:
            say(f"  ... and {len(summary.same_id) - limit} more (--verbose lists all)")
    if summary.failures:
        say(f"Failed ({len(summary.failures)}):")
        limit = len(summary.failures) if verbose else LIST_LIMIT
        for failure in summary.failures[:limit]:
            say(f"  {_safe(failure.path)}: {_safe(failure.reason)}")
        if len(summary.failures) > limit:
            say(f"  ... and {len(summary.failures) - limit} more (--verbose lists all)")
    if summary.kept_deleted:
        say(
            "Note: sessions you deleted in sessions-tui were not re-imported "
            "(--restore-deleted brings them back)."
        )
    if summary.interrupted:
        say("Interrupted: what was read so far is saved; run again to continue.")


@click.command("import")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--auto", is_flag=True, help="Import every tool's default location on this machine.")
@click.option(
    "--from",
    "source",
    metavar="SOURCE",
    help="Read PATHS as this source (claude-code, codex-cli, gemini-cli, aider, chatgpt, "
    "claude-ai, or sessions-tui for its own JSON export) instead of detecting the format.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--force", is_flag=True, help="Re-read files even if unchanged since last import.")
@click.option(
    "--restore-deleted", is_flag=True, help="Bring back sessions you deleted in sessions-tui."
)
@click.option("--strict", is_flag=True, help="Exit 1 if any line of any file was unreadable.")
@click.option("-v", "--verbose", is_flag=True, help="List every bad line and skipped type.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing unless something failed.")
@pass_app
def import_command(
    app: AppContext,
    paths: tuple[Path, ...],
    auto: bool,
    source: str | None,
    as_json: bool,
    force: bool,
    restore_deleted: bool,
    strict: bool,
    verbose: bool,
    quiet: bool,
) -> None:
    """Import sessions from files, folders or export zips (format detected), or --auto.

    \b
    Examples:
      sessions-tui import --auto
      sessions-tui import ~/.claude/projects ~/Downloads/chatgpt-export.zip
      sessions-tui import --from aider notes/old-chat.md
    """
    from ..importers.runner import UnknownSource, auto_import, import_paths, importers_for

    if not paths and not auto:
        raise click.UsageError("name files or folders to import, or use --auto")
    if auto and source:
        raise click.UsageError("--from applies to named paths, not to --auto")
    if source:
        try:
            importers_for(source)
        except UnknownSource as exc:
            raise click.BadParameter(str(exc), param_hint="--from") from None
    store = app.open_store(create=True)
    update, finish = _progress_bar(not as_json and not quiet)
    try:
        from ..importers.runner import ImportSummary

        summary = ImportSummary()
        if paths:
            summary.merge(
                import_paths(
                    store,
                    paths,
                    source=source,
                    progress=update,
                    force=force,
                    restore_deleted=restore_deleted,
                )
            )
        if auto:
            summary.merge(auto_import(store, progress=update, force=force))
    finally:
        if finish:
            finish()
    code = summary.exit_code(strict)
    if as_json:
        echo_json(summary.to_json() | {"exit_code": code})
    elif not quiet or code:
        _print_summary(summary, verbose=verbose, out=sys.stdout if not code else sys.stderr)
    sys.exit(code)


@click.command("watch")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--from", "source", metavar="SOURCE", help="Read PATHS as this source.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.2),
    default=5.0,
    show_default=True,
    help="Seconds between checks.",
)
@click.option(
    "--max-delay",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Import a file that keeps growing at least this often (seconds).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON summary line per change.")
@pass_app
def watch_command(
    app: AppContext,
    paths: tuple[Path, ...],
    source: str | None,
    interval: float,
    max_delay: float,
    as_json: bool,
) -> None:
    """Import new and growing sessions as tools write them (default: every tool's location).

    Runs until Ctrl+C, then prints a summary. Nothing a tool writes is lost once seen here,
    even if the tool later deletes it.
    """
    import json

    from ..importers.runner import UnknownSource, default_locations
    from ..importers.watch import watch

    try:
        from ..importers.runner import importers_for

        importers_for(source)
    except UnknownSource as exc:
        raise click.BadParameter(str(exc), param_hint="--from") from None
    store = app.open_store(create=True)
    if paths:
        where = ", ".join(_safe(str(p)) for p in paths)
    else:
        found = default_locations()
        where = ", ".join(f"{_safe(str(loc))} ({imp.source})" for imp, loc in found) or (
            "no tool folders yet (checked every tick)"
        )
    if not as_json:
        click.echo(f"Watching {where}; Ctrl+C to stop.", err=True)

    def on_tick(summary) -> None:
        if not (summary.changed or summary.failures or summary.bad_lines):
            return
        if as_json:
            data = summary.to_json()
            data["time"] = iso_utc(datetime.now(UTC))
            click.echo(json.dumps(data, ensure_ascii=False))
            return
        stamp = iso_utc(datetime.now(UTC))
        parts = []
        if summary.new:
            parts.append(f"{summary.new} new")
        if summary.updated:
            parts.append(f"{summary.updated} updated")
        if summary.failures:
            parts.append(f"{summary.failed} failed")
        if summary.bad_lines:
            parts.append(f"{len(summary.bad_lines)} unreadable lines")
        click.echo(f"{stamp}  {', '.join(parts)}")
        for failure in summary.failures:
            click.echo(f"    {_safe(failure.path)}: {_safe(failure.reason)}", err=True)
        for where, reason in summary.bad_lines[:LIST_LIMIT]:
            click.echo(f"    {_safe(where)}: {_safe(reason)}", err=True)
        if len(summary.bad_lines) > LIST_LIMIT:
            click.echo(f"    ... and {len(summary.bad_lines) - LIST_LIMIT} more", err=True)

    total = watch(
        store,
        list(paths) or None,
        source,
        interval=interval,
        max_delay=max_delay,
        on_tick=on_tick,
    )
    if as_json:
        click.echo(json.dumps({"total": total.to_json()}, ensure_ascii=False))
    else:
        click.echo(
            f"Stopped. {total.new} new, {total.updated} updated, {total.failed} failed "
            "while watching.",
            err=True,
        )
    sys.exit(1 if total.failures else 0)


COMMANDS = [import_command, watch_command]
