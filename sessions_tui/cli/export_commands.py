"""``sessions-tui export``: sessions to Markdown, HTML, text, JSON or JSONL; one file, a
directory, or a zip; redacted by default when the output is meant for sharing."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from ..store import ListQuery
from .common import AppContext, CommandError, human_bytes, pass_app, plural

#: The export dialog's names for two formats, accepted here too.
_FORMAT_NAMES = {"markdown": "md", "text": "txt"}


def _date_ms(value: str | None) -> int | None:
    from datetime import datetime

    from ..store.metaindex import to_ms

    if not value:
        return None
    try:
        return to_ms(datetime.fromisoformat(value))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2025-01-31") from None


@click.command("export")
@click.argument("ids", nargs=-1)
@click.option(
    "--format",
    "fmt_name",
    type=click.Choice(["md", "html", "json", "jsonl", "txt", "markdown", "text"]),
    callback=lambda _ctx, _param, value: _FORMAT_NAMES.get(value, value),
    help="Output format (default: from the --out extension); markdown and text as the TUI "
    "names them are md and txt.",
)
@click.option(
    "--out",
    "-o",
    required=True,
    help="Output file, directory (--per-session), zip (--zip), or - for stdout.",
)
@click.option("--query", "-q", help="Export every session matching this search query.")
@click.option("--all", "everything", is_flag=True, help="Export every session in the store.")
@click.option("--tool", "sources", multiple=True, help="Only sessions of this tool (repeatable).")
@click.option("--project", "projects", multiple=True, help="Only this project (repeatable).")
@click.option("--after", help="Only sessions updated on or after this date (YYYY-MM-DD).")
@click.option("--before", help="Only sessions updated before this date (YYYY-MM-DD).")
@click.option("--per-session", is_flag=True, help="One file per session in the --out directory.")
@click.option("--zip", "as_zip", is_flag=True, help="One file per session, in a zip at --out.")
@click.option(
    "--redact/--no-redact",
    default=None,
    help="Redact secrets (default: on for md/html/txt, off for json/jsonl).",
)
@click.option("--redact-emails", is_flag=True, help="Also redact email addresses.")
@click.option("--redact-paths", is_flag=True, help="Also redact home-directory paths (to ~).")
@click.option(
    "--redact-entropy",
    is_flag=True,
    help="Also redact secret-looking assignments and long random tokens (more false positives).",
)
@click.option(
    "--redact-pattern",
    "patterns",
    multiple=True,
    help="Also redact matches of this regular expression (repeatable).",
)
@click.option("--all-branches", is_flag=True, help="Include abandoned branches (md/html/txt).")
@click.option("--force", "-f", is_flag=True, help="Overwrite existing files.")
@click.option("--quiet", is_flag=True, help="No progress or summary.")
@pass_app
def export_command(
    app: AppContext,
    ids: tuple[str, ...],
    fmt_name: str | None,
    out: str,
    query: str | None,
    everything: bool,
    sources: tuple[str, ...],
    projects: tuple[str, ...],
    after: str | None,
    before: str | None,
    per_session: bool,
    as_zip: bool,
    redact: bool | None,
    redact_emails: bool,
    redact_paths: bool,
    redact_entropy: bool,
    patterns: tuple[str, ...],
    all_branches: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Export sessions: by id, by --query, by filters, or --all.

    \b
    Examples:
      sessions-tui export 3f2a… --out chat.html
      sessions-tui export --query 'retry tool:aider' --zip --out retries.zip
      sessions-tui export --all --format json --per-session --out backup/
    """
    from ..config import load_settings
    from ..export import ExportError, InvalidPattern, format_for, redaction_for
    from ..export.exporter import Exporter
    from ..export.scope import resolve

    if per_session and as_zip:
        raise click.UsageError("--per-session and --zip are alternatives; choose one")
    to_stdout = out == "-"
    if to_stdout and (per_session or as_zip):
        raise click.UsageError("--per-session and --zip need a path, not -")
    out_path = None if to_stdout else Path(out).expanduser()
    fmt_path = out_path if not (per_session or as_zip) else None
    try:
        fmt = format_for(fmt_name, fmt_path)
    except ExportError as exc:
        raise CommandError(str(exc)) from None

    filters = ListQuery(
        sources=sources,
        projects=projects,
        updated_after_ms=_date_ms(after),
        updated_before_ms=_date_ms(before),
    )
    has_filters = bool(sources or projects or after or before)
    if not (ids or query or everything or has_filters):
        raise click.UsageError("name session ids, or use --query, a filter, or --all")

    store = app.open_store()
    scope = resolve(
        store,
        [store.resolve_id(sid) for sid in ids],  # a unique beginning of an id is enough
        query=query,
        filters=filters if (has_filters or query) else None,
        everything=everything,
    )
    if scope.note and not quiet:
        click.echo(f"note: {scope.note}", err=True)

    if redact is False and (redact_emails or redact_paths or redact_entropy or patterns):
        raise click.UsageError("--no-redact contradicts the --redact-… options")
    try:
        redaction = redaction_for(
            fmt,
            redact,
            emails=redact_emails,
            home_paths=redact_paths,
            entropy=redact_entropy,
            patterns=patterns,
        )
        if redaction is not None:
            # patterns from the settings file apply whenever redaction is on
            configured = list(load_settings().redact_patterns)
            if configured:
                redaction = replace(redaction, patterns=[*configured, *redaction.patterns])
        layout = "zip" if as_zip else "per-session" if per_session else "file"
        show_progress = not quiet and not to_stdout and sys.stderr.isatty() and len(scope.ids) > 1
        with _progress(show_progress, len(scope.ids)) as progress:
            exporter = Exporter(
                store,
                scope.ids,
                fmt,
                sys.stdout if to_stdout else out_path,  # type: ignore[arg-type]
                layout=layout,
                redaction=redaction,
                force=force,
                include_alternates=all_branches,
                progress=progress,
            )
            report = exporter.run()
    except (ExportError, InvalidPattern) as exc:
        raise CommandError(str(exc)) from None

    for sid, reason in report.skipped:
        click.echo(f"skipped {sid}: {reason}", err=True)
    if not quiet:
        where = "stdout" if to_stdout else str(out_path)
        click.echo(
            f"Exported {plural(report.sessions, 'session')} as {fmt.name} to {where}"
            + ("" if to_stdout else f" ({human_bytes(report.bytes)})"),
            err=True,
        )
        if report.redacted:
            click.echo(f"Redaction: {report.redactions.summary()}", err=True)
        elif fmt.redact_by_default:
            click.echo("Redaction: off (--no-redact)", err=True)
    if report.skipped:
        sys.exit(1)


class _progress:
    """A click progress bar on a terminal; a no-op otherwise."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = enabled
        self.total = total
        self.bar = None

    def __enter__(self):
        if not self.enabled:
            return None
        self.bar = click.progressbar(
            length=self.total, label="Exporting", file=sys.stderr, show_pos=True
        )
        self.bar.__enter__()
        done = [0]

        def update(n: int, _total: int) -> None:
            self.bar.update(n - done[0])
            done[0] = n

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


COMMANDS = [export_command]
