"""``sessions-tui cleanup`` (preview, confirm, move to the trash, undo) and ``retention``."""

from __future__ import annotations

import json
import sys

import click

from ..safety import visible_controls
from .common import AppContext, CommandError, echo_json, human_bytes, iso_utc, pass_app, plural


def _clip(text: str, width: int) -> str:
    text = visible_controls(" ".join(text.split()))
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command("cleanup")
@click.option("--older-than", metavar="AGE", help="Not updated for this long: 90d, 12h, 6mo, 1y.")
@click.option("--keep-newest", type=click.IntRange(min=0), metavar="N", help="Keep the newest N.")
@click.option("--larger-than", metavar="SIZE", help="Session files larger than this: 5MB, 500k.")
@click.option("--tool", "sources", multiple=True, help="Only sessions of this tool (repeatable).")
@click.option("--project", "projects", multiple=True, help="Only this project (repeatable).")
@click.option("--query", "-q", help="Only sessions matching this search query.")
@click.option("--empty", "trivial", is_flag=True, help="Empty, or no assistant reply.")
@click.option("--duplicates", is_flag=True, help="Exact duplicates (the first copy is kept).")
@click.option("--expired", is_flag=True, help="Past the store's retention period.")
@click.option(
    "--any",
    "match_any",
    is_flag=True,
    help="A session goes if ANY criterion holds (default: all must hold).",
)
@click.option(
    "--no-subagents",
    is_flag=True,
    help="Judge subagent transcripts on their own (default: they follow their parent).",
)
@click.option("--dry-run", "-n", is_flag=True, help="Only show what would go; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (for scripts).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan (and result) as JSON.")
@click.option(
    "--show",
    type=click.IntRange(min=0),
    default=25,
    show_default=True,
    help="How many of the sessions to list in the preview.",
)
@click.option("--undo", is_flag=True, help="Restore the sessions removed by the last cleanup.")
@pass_app
def cleanup_command(
    app: AppContext,
    older_than: str | None,
    keep_newest: int | None,
    larger_than: str | None,
    sources: tuple[str, ...],
    projects: tuple[str, ...],
    query: str | None,
    trivial: bool,
    duplicates: bool,
    expired: bool,
    match_any: bool,
    no_subagents: bool,
    dry_run: bool,
    yes: bool,
    as_json: bool,
    show: int,
    undo: bool,
) -> None:
    """Move sessions matching a policy to the trash, after a preview.

    Criteria (--older-than, --larger-than, --empty, --duplicates, --expired) must all hold,
    or any of them with --any; --tool, --project and --query limit which sessions are
    considered; --keep-newest protects the N most recent. Starred sessions are never removed.
    Everything removed stays in the trash until `sessions-tui trash empty`.

    \b
    Examples:
      sessions-tui cleanup --older-than 90d --tool aider --dry-run
      sessions-tui cleanup --empty --duplicates --any --yes
      sessions-tui cleanup --undo
    """
    from ..cleanup import CleanupPolicy, PolicyError, apply, parse_age, parse_size, preview

    store = app.open_store()
    if undo:
        _undo(store, as_json)
        return
    try:
        policy = CleanupPolicy(
            older_than_days=parse_age(older_than) if older_than else None,
            keep_newest=keep_newest,
            larger_than=parse_size(larger_than) if larger_than else None,
            sources=sources,
            projects=projects,
            query=query,
            trivial=trivial,
            duplicates=duplicates,
            expired=expired,
            match_any=match_any,
            with_subagents=not no_subagents,
        )
    except PolicyError as exc:
        raise click.BadParameter(str(exc)) from None
    if policy.is_empty:
        raise click.UsageError(
            "name a policy: --older-than, --keep-newest, --larger-than, --empty, --duplicates, "
            "--expired, --tool, --project or --query"
        )
    if expired and not (store.settings.persistence and store.settings.retention_days):
        click.echo(
            "note: the store has no retention period (see `sessions-tui retention`); "
            "--expired selects nothing",
            err=True,
        )

    plan = preview(store, policy)
    if as_json and (dry_run or not plan.candidates):
        echo_json(plan.to_json())
        return
    if not as_json:
        _print_plan(plan, show)
    if dry_run or not plan.candidates:
        return
    if not yes:
        if not sys.stdin.isatty():
            raise CommandError(
                "refusing to clean up without confirmation: no terminal to ask on; "
                "run with --dry-run to preview, or --yes to go ahead"
            )
        click.confirm(
            f"Move {plural(plan.count, 'session')} ({human_bytes(plan.bytes)}) to the trash?",
            abort=True,
            err=True,
        )
    result = apply(store, plan)
    if as_json:
        echo_json(
            plan.to_json()
            | {
                "removed": result.removed,
                "bytes_freed": result.bytes_freed,
                "changed": result.changed,
                "missing": result.missing,
            }
        )
        return
    click.echo(
        f"Moved {plural(len(result.removed), 'session')}, {human_bytes(result.bytes_freed)}, "
        "to the trash. Undo with `sessions-tui cleanup --undo`; free the space with "
        "`sessions-tui trash empty`."
    )
    for sid in result.changed:
        click.echo(f"kept {sid}: it changed after the preview", err=True)
    for sid in result.missing:
        click.echo(f"gone {sid}: already removed by someone else", err=True)


def _print_plan(plan, show: int) -> None:
    click.echo(f"Policy: {visible_controls(plan.policy.describe())}")
    if plan.note:
        click.echo(f"note: {visible_controls(plan.note)}", err=True)
    if not plan.candidates:
        click.echo(f"Nothing to clean up ({plural(plan.considered, 'session')} considered).")
    else:
        for c in plan.candidates[:show]:
            click.echo(
                f"  {iso_utc(c.updated)}  {c.source:<11.11} {_clip(c.title, 40):<40}"
                f"  {human_bytes(c.bytes):>8}  {_clip('; '.join(c.reasons), 40)}  {c.id}"
            )
        if plan.count > show:
            click.echo(f"  … and {plan.count - show} more (--show N to list more)")
        click.echo(
            f"{plural(plan.count, 'session')} would go, {human_bytes(plan.bytes)} "
            f"(of {plan.considered} considered)."
        )
    if plan.protected_starred:
        click.echo(f"{plural(plan.protected_starred, 'starred session')} kept (never cleaned up).")
    for sid, reason in plan.skipped:
        click.echo(f"skipped {sid}: {reason}", err=True)


def _undo(store, as_json: bool) -> None:
    from ..cleanup import last_cleanup

    entry = last_cleanup(store)
    if entry is None:
        raise CommandError("no cleanup in the operations log to undo")
    ids = [i for i in entry.get("ids", []) if not store.exists(i)]
    if not ids and not as_json:
        click.echo(
            f"Nothing to undo: every session removed by the cleanup of "
            f"{_stamp(entry.get('time'))} is in the store again."
        )
        return
    report = store.restore(ids) if ids else None
    restored = report.restored if report else []
    if as_json:
        echo_json({"cleanup": _stamp(entry.get("time")), "restored": restored})
        return
    click.echo(
        f"Restored {plural(len(restored), 'session')} removed by the cleanup of "
        f"{_stamp(entry.get('time'))}."
    )
    if report:
        for sid in report.missing:
            click.echo(f"not in the trash any more: {sid}", err=True)


def _stamp(value: object) -> str | None:
    """A time from the operations log in the format every command prints."""
    from datetime import datetime

    if not isinstance(value, str):
        return None
    try:
        return iso_utc(datetime.fromisoformat(value))
    except ValueError:
        return visible_controls(value)


@click.command("retention")
@click.argument("period", required=False)
@click.option(
    "--persistence/--no-persistence",
    default=None,
    help="Turn retention stamps (persistedUntil) on or off for the whole store.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def retention_command(
    app: AppContext, period: str | None, persistence: bool | None, as_json: bool
) -> None:
    """Show or set the store's retention period: `retention 90d`, `retention off`.

    New sessions are then stamped to be kept until that long from now; `cleanup --expired`
    (or the app on start, with auto_cleanup = true in the settings) moves sessions past both
    their stamp and the period to the trash. Starred sessions are always kept.
    """
    from ..cleanup import PolicyError, parse_age

    store = app.open_store()
    changes: dict[str, object] = {}
    if period is not None:
        if period.lower() in ("off", "none", "forever", "0"):
            changes["retention_days"] = None
        else:
            try:
                days = parse_age(period)
            except PolicyError as exc:
                raise click.BadParameter(str(exc)) from None
            if days < 1:
                raise click.BadParameter("a retention period is at least one day")
            changes["retention_days"] = round(days)
    if persistence is not None:
        changes["persistence"] = persistence
    settings = store.update_settings(**changes) if changes else store.settings
    if changes:
        store.log_operation("retention", **{k: v for k, v in changes.items()})
    if as_json:
        click.echo(
            json.dumps(
                {"retention_days": settings.retention_days, "persistence": settings.persistence}
            )
        )
        return
    if not settings.persistence:
        click.echo("Retention: off (persistence disabled: nothing ever expires)")
    elif settings.retention_days:
        click.echo(f"Retention: {settings.retention_days} days")
    else:
        click.echo("Retention: none (sessions are kept forever)")


COMMANDS = [cleanup_command, retention_command]
