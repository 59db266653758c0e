"""Store commands: list, show, stats, verify, migrate, trash."""

from __future__ import annotations

import shlex
import sys
from datetime import datetime
from pathlib import Path

import click

from ..export.render import to_markdown, to_text
from ..safety import visible_controls
from ..store import ListQuery, SessionStore
from ..store.metaindex import SORT_KEYS, to_ms
from .common import (
    AppContext,
    CommandError,
    echo_json,
    human_bytes,
    iso_utc,
    pass_app,
    plural,
)


def _parse_date(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return to_ms(datetime.fromisoformat(value))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2025-01-31") from None


def _clip(text: str, width: int) -> str:
    text = visible_controls(" ".join(text.split()))
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of objects.")
@click.option("--tool", "sources", multiple=True, help="Only this source tool (repeatable).")
@click.option("--model", "models", multiple=True, help="Only sessions that used this model.")
@click.option("--project", "projects", multiple=True, help="Only this project directory.")
@click.option("--tag", "tags", multiple=True, help="Only sessions with this tag.")
@click.option("--starred", is_flag=True, default=None, help="Only starred sessions.")
@click.option("--after", help="Updated on or after this date (YYYY-MM-DD).")
@click.option("--before", help="Updated before this date (YYYY-MM-DD).")
@click.option("--sort", type=click.Choice(sorted(SORT_KEYS)), default="updated", show_default=True)
@click.option("--asc", is_flag=True, help="Ascending order (default: descending).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many sessions.")
@pass_app
def list_command(
    app: AppContext,
    as_json: bool,
    sources,
    models,
    projects,
    tags,
    starred,
    after,
    before,
    sort,
    asc,
    limit,
) -> None:
    """List sessions, newest first (from the metadata index: fast at any size)."""
    store = app.open_store()
    query = ListQuery(
        sources=sources,
        models=models,
        projects=projects,
        tags=tags,
        starred=starred,
        updated_after_ms=_parse_date(after),
        updated_before_ms=_parse_date(before),
        sort=sort,
        descending=not asc,
        limit=limit,
    )
    if as_json:
        # Rendered by the index (one pre-built JSON object per row): fast at 100k sessions.
        store.refresh_index()
        sys.stdout.flush()
        listing = store.index.query_json(query)
        sys.stdout.buffer.write(listing + b"\n")
        sys.stdout.buffer.flush()
        if listing == b"[]":
            _explain_empty(store, query)
        return
    rows = store.list(query)
    if not rows:
        click.echo("No sessions." if store.count() == 0 else "No sessions match.", err=True)
        _explain_empty(store, query)
        return
    for r in rows:
        star = "★" if r.starred else " "
        click.echo(
            f"{star} {iso_utc(r.updated)}  {r.source:<11.11} "
            f"{_clip(r.title, 48):<48}  {r.message_count:>5} msg  {human_bytes(r.bytes):>8}  "
            f"{r.id}"
        )
    _warn_problems(store)


def _explain_empty(store: SessionStore, query: ListQuery) -> None:
    """Name each filter value that matches nothing (a typo), with the known values."""
    for note in store.index.unmatched(query):
        click.echo(f"note: {visible_controls(note)}", err=True)


def _warn_problems(store: SessionStore) -> None:
    problems = store.problems()
    if problems:
        click.echo(
            f"warning: {plural(len(problems), 'unreadable session file')}; "
            "run `sessions-tui verify` for details",
            err=True,
        )


@click.command("show")
@click.argument("session_id")
@click.option("--json", "as_json", is_flag=True, help="The session in the store's JSON form.")
@click.option("--markdown", "as_markdown", is_flag=True, help="Markdown instead of plain text.")
@click.option("--all-branches", is_flag=True, help="Include abandoned branches (edits, retries).")
@pass_app
def show_command(
    app: AppContext, session_id: str, as_json: bool, as_markdown: bool, all_branches: bool
) -> None:
    """Print one session's transcript. SESSION_ID may be any unique beginning of the id,
    or the session's id in its own tool (the one `claude --resume` takes)."""
    store = app.open_store()
    session = store.get(store.resolve_id(session_id))
    if as_json:
        click.echo(session.model_dump_json(indent=2))
    elif as_markdown:
        click.echo(
            visible_controls(to_markdown(session, include_alternates=all_branches)), nl=False
        )
    else:
        click.echo(visible_controls(to_text(session, include_alternates=all_branches)), nl=False)


@click.command("stats")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def stats_command(app: AppContext, as_json: bool) -> None:
    """Totals: sessions, messages, tool calls, bytes, per source tool."""
    stats = app.open_store().stats()
    if as_json:
        echo_json(stats)
        return
    click.echo(f"Store:      {stats['store']} (format v{stats['format_version']})")
    click.echo(f"Sessions:   {stats['sessions']:,}")
    click.echo(f"Messages:   {stats['messages']:,}")
    click.echo(f"Tool calls: {stats['tool_calls']:,}")
    click.echo(f"On disk:    {human_bytes(stats['bytes'])}")
    for source, n in stats["by_source"].items():
        click.echo(f"  {source:<12} {n:>7,}")
    if stats["problems"]:
        click.echo(f"Unreadable: {plural(stats['problems'], 'file')} (see `sessions-tui verify`)")
    if stats["trash"]:
        click.echo(f"In trash:   {stats['trash']}")


@click.command("verify")
@click.option("--repair", is_flag=True, help="Move unreadable files to quarantine/.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def verify_command(app: AppContext, repair: bool, as_json: bool) -> None:
    """Read every session file and check its checksum; exit 1 if any is bad."""
    store = app.open_store()
    report = store.verify(repair=repair)
    recovery = _recovery(app, store, report.recoverable) if report.quarantined else {}
    if as_json:
        echo_json(
            {
                "checked": report.checked,
                "problems": [{"path": str(p), "reason": r} for p, r in report.problems],
                "quarantined": [str(p) for p in report.quarantined],
                "recovery": [
                    {"quarantined": str(p), "session_id": sid, "source": src, "command": cmd}
                    for p, (sid, src, cmd) in recovery.items()
                ],
                "newer_version": [str(p) for p in report.newer_version],
            }
        )
    else:
        for path, reason in report.problems:
            click.echo(f"BAD  {visible_controls(str(path))}: {visible_controls(reason)}")
        for path in report.quarantined:
            click.echo(f"moved to {path}")
            sid, source, command = recovery[path]
            if command:
                click.echo(f"  {sid} was imported from {visible_controls(source or '')}")
                click.echo(f"  get it back with: {visible_controls(command)}")
            else:
                click.echo(
                    f"  {sid}: no import source is known; the damaged file stays in "
                    "quarantine/ for inspection"
                )
        for path in report.newer_version:
            click.echo(f"note {path}: written by a newer format version (read-only)")
        click.echo(
            f"{plural(report.checked, 'file')} checked, {len(report.problems)} bad"
            + (f", {len(report.quarantined)} quarantined" if repair else "")
        )
        if report.problems and not repair:
            click.echo(
                "Run `sessions-tui verify --repair` to move the bad files to quarantine/; "
                "it then says how to re-import each session from its source."
            )
    if report.problems and not repair:
        sys.exit(1)


def _recovery(
    app: AppContext, store: SessionStore, recoverable: dict
) -> dict[Path, tuple[str, str | None, str | None]]:
    """Per quarantined file: (session id, source path, the command that re-imports it).

    The import-state cache knows which file each imported session came from (and its tool);
    the metadata index knew the session's own source path. An import of that file restores the
    session (a quarantined session is not one the user deleted)."""
    from ..importers.state import ImportState

    state_path = store.layout.index_dir / "imports.sqlite3"
    state = ImportState(state_path) if state_path.exists() else None
    out: dict[Path, tuple[str, str | None, str | None]] = {}
    try:
        for dst, (sid, indexed) in recoverable.items():
            found = state.source_of(sid) if state is not None else None
            source, tool = found if found else (indexed, "")
            command = None
            if source and Path(source).exists():
                words = ["sessions-tui"]
                if app.store_path:
                    words += ["--store", str(store.root)]
                words += ["import"]
                if tool:
                    words += ["--from", tool]
                command = shlex.join([*words, source])
            out[dst] = (sid, source, command)
    finally:
        if state is not None:
            state.close()
    return out


@click.command("migrate")
@pass_app
def migrate_command(app: AppContext) -> None:
    """Rewrite files of older format versions in the current one (after a backup)."""
    report = app.open_store().migrate()
    if report.backup:
        click.echo(f"Backup: {report.backup}")
    click.echo(
        f"{report.migrated} migrated, {report.current} already current, "
        f"{len(report.skipped_newer)} newer (left alone), {len(report.problems)} unreadable"
    )
    for path, reason in report.problems:
        click.echo(f"BAD  {path}: {reason}", err=True)
    if report.problems:
        sys.exit(1)


@click.group("trash")
def trash_group() -> None:
    """Deleted sessions: list, restore, empty."""


@trash_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def trash_list(app: AppContext, as_json: bool) -> None:
    """List the trash, newest deletion first."""
    store = app.open_store()
    entries = store.trash(details=True)
    if as_json:
        echo_json(
            [
                {
                    "name": e.name,
                    "session_id": e.session_id,
                    "title": e.title,
                    "source": e.source,
                    "deleted": iso_utc(e.deleted),
                    "bytes": e.bytes,
                }
                for e in entries
            ]
        )
        return
    if not entries:
        click.echo("The trash is empty.", err=True)
    for e in entries:
        click.echo(
            f"{iso_utc(e.deleted)}  {e.source:<11.11} {_clip(e.title, 48):<48}  "
            f"{human_bytes(e.bytes):>8}  {e.session_id}"
        )
    if entries:
        total = sum(e.bytes for e in entries)
        click.echo(
            f"{plural(len(entries), 'session')} in the trash, {human_bytes(total)}; "
            "`sessions-tui trash restore ID` brings one back",
            err=True,
        )


@trash_group.command("restore")
@click.argument("ids", nargs=-1)
@click.option("--all", "restore_all", is_flag=True, help="Restore everything in the trash.")
@pass_app
def trash_restore(app: AppContext, ids: tuple[str, ...], restore_all: bool) -> None:
    """Restore sessions (by id, a unique prefix of one, or trash entry name) byte-identical."""
    if not ids and not restore_all:
        raise click.UsageError("name session ids to restore, or --all")
    store = app.open_store()
    if restore_all:
        report = store.restore(None)
    else:
        entries = store.trash()
        report = store.restore(list(dict.fromkeys(store.resolve_trashed(t, entries) for t in ids)))
    click.echo(f"{plural(len(report.restored), 'session')} restored")
    for sid in report.conflicts:
        click.echo(f"not restored: {sid} exists in the store again", err=True)
    for sid in report.missing:
        click.echo(f"not in trash: {sid}", err=True)
    if report.conflicts or report.missing:
        sys.exit(1)


@trash_group.command("empty")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def trash_empty(app: AppContext, yes: bool) -> None:
    """Delete everything in the trash for good."""
    store = app.open_store()
    entries = store.trash()
    if not entries:
        click.echo("The trash is already empty.")
        return
    if not yes:
        if not sys.stdin.isatty():
            raise CommandError("refusing to empty the trash without --yes (no terminal)")
        click.confirm(f"Permanently delete {plural(len(entries), 'session')}?", abort=True)
    click.echo(f"{plural(store.empty_trash(entries), 'session')} deleted for good")


@click.command("delete")
@click.argument("ids", nargs=-1, required=True)
@pass_app
def delete_command(app: AppContext, ids: tuple[str, ...]) -> None:
    """Move sessions to the trash (restore with `trash restore`).

    Each ID is a session id, a unique prefix of one, or its tool's own id, as for `show`."""
    store = app.open_store()
    entries = store.delete(list(dict.fromkeys(store.resolve_id(text) for text in ids)))
    click.echo(f"{plural(len(entries), 'session')} moved to the trash")


COMMANDS = [
    list_command,
    show_command,
    stats_command,
    verify_command,
    migrate_command,
    trash_group,
    delete_command,
]
