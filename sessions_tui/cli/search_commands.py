"""``sessions-tui search`` and ``sessions-tui reindex``: full-text search from the shell.

``search`` first catches the index up with the store (cheap when nothing changed), so sessions
just written by an import are found. Matches are highlighted on a terminal and printed plain
when piped; ``--json`` prints the documented object. Exit status: 0 when something matched,
1 when nothing did (as grep), 2 for a usage error.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from ..safety import visible_controls
from ..search import SearchIndex, SearchResults
from ..search.index import IndexBusy
from .common import AppContext, WordsCommand, human_bytes, iso_utc, pass_app

#: Don't show a progress bar for catch-ups smaller than this many sessions.
_BAR_MIN = 200


def _quote(value: str) -> str:
    value = value.replace('"', "")
    return f'"{value}"' if any(c.isspace() for c in value) or not value else value


def _filters(
    tools: tuple[str, ...],
    models: tuple[str, ...],
    projects: tuple[str, ...],
    roles: tuple[str, ...],
    tags: tuple[str, ...],
    after: str | None,
    before: str | None,
    starred: bool,
    has_error: bool,
) -> list[str]:
    """The filter flags as query syntax (repeated flags of one kind are alternatives)."""
    out: list[str] = []
    for key, values in (
        ("tool", tools),
        ("model", models),
        ("project", projects),
        ("role", roles),
        ("tag", tags),
    ):
        terms = [f"{key}:{_quote(v)}" for v in values]
        if len(terms) == 1:
            out.append(terms[0])
        elif terms:
            out.append("(" + " OR ".join(terms) + ")")
    if after:
        out.append(f"after:{_quote(after)}")
    if before:
        out.append(f"before:{_quote(before)}")
    if starred:
        out.append("is:starred")
    if has_error:
        out.append("has:error")
    return out


class _Bar:
    """A progress bar on stderr for long index updates; silent when not on a terminal."""

    def __init__(self, label: str, enabled: bool) -> None:
        self.label = label
        self.enabled = enabled and sys.stderr.isatty()
        self.bar: Any = None
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if total < _BAR_MIN:
                return
            self.bar = click.progressbar(
                length=total, label=self.label, file=sys.stderr, show_pos=True, show_eta=True
            )
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _highlight(fragment: str, ranges: list[tuple[int, int]]) -> str:
    """The fragment with matches styled; control characters made visible piece by piece, so
    ranges stay aligned."""
    out: list[str] = []
    pos = 0
    for start, end in ranges:
        if start < pos or end > len(fragment):
            continue
        out.append(visible_controls(fragment[pos:start]))
        out.append(click.style(visible_controls(fragment[start:end]), fg="yellow", bold=True))
        pos = end
    out.append(visible_controls(fragment[pos:]))
    return "".join(out)


def _print(results: SearchResults, limit: int) -> None:
    for result in results.results:
        title = visible_controls(" ".join(result.title.split())) or "(untitled)"
        when = result.updated.astimezone().strftime("%Y-%m-%d %H:%M")
        where = result.project.rstrip("/").rsplit("/", 1)[-1] if result.project else ""
        meta = " · ".join(p for p in (result.source, when, visible_controls(where)) if p)
        click.echo(click.style(title, bold=True) + "  " + click.style(meta, dim=True))
        click.echo("  " + click.style(result.session_id, fg="cyan"))
        for hit in result.hits:
            role = click.style(f"{hit.role}:", dim=True)
            click.echo(f"    {role} {_highlight(hit.fragment, hit.ranges)}")
        click.echo()
    shown = len(results.results)
    first = results.offset + 1
    n = results.total
    about = "about " if results.total_is_estimate else ""
    summary = (
        (f"{n} session matches" if n == 1 else f"{about}{n:,} sessions match")
        + (f" (showing {first}-{results.offset + shown})" if results.total > shown else "")
        + f" · {results.elapsed_ms:.0f} ms"
    )
    click.echo(click.style(summary, dim=True))


@click.command("search", cls=WordsCommand)
@click.argument("words", nargs=-1)
@click.option("--limit", type=click.IntRange(min=1, max=10_000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip this many sessions.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (documented).")
@click.option("--tool", "tools", multiple=True, help="Only this source tool (repeatable: any).")
@click.option("--model", "models", multiple=True, help="Only sessions that used this model.")
@click.option("--project", "projects", multiple=True, help="Only this project (name or path).")
@click.option("--role", "roles", multiple=True, help="Only messages by user/assistant/tool.")
@click.option("--tag", "tags", multiple=True, help="Only sessions with this tag.")
@click.option("--after", help="Updated on or after this date (2025-01-31, 2025-01, 7d, ...).")
@click.option("--before", help="Updated before this date.")
@click.option("--starred", is_flag=True, help="Only starred sessions.")
@click.option("--has-error", is_flag=True, help="Only sessions with a tool error.")
@click.option("--no-update", is_flag=True, help="Search the index as it is, without catching up.")
@pass_app
def search_command(
    app: AppContext,
    words: tuple[str, ...],
    limit: int,
    offset: int,
    as_json: bool,
    tools: tuple[str, ...],
    models: tuple[str, ...],
    projects: tuple[str, ...],
    roles: tuple[str, ...],
    tags: tuple[str, ...],
    after: str | None,
    before: str | None,
    starred: bool,
    has_error: bool,
    no_update: bool,
) -> None:
    """Search every session: words, "phrases", -exclude, OR, prefix*, typo~, filters.

    \b
    Examples:
      sessions-tui search retry backoff
      sessions-tui search '"No space left on device"' --tool claude-code
      sessions-tui search 'atomic.py OR fsync' after:2025-01 -flaky
      sessions-tui search CameraActivity --json

    The query language is described in docs/query-language.md. Exit status is 1 when nothing
    matched.
    """
    store = app.open_store()
    query = " ".join(
        [*words, *_filters(tools, models, projects, roles, tags, after, before, starred, has_error)]
    ).strip()
    index = SearchIndex.open(store)
    try:
        if index.rebuilt_reason and not as_json and store.count():
            click.echo(
                f"sessions-tui: building the search index ({index.rebuilt_reason})", err=True
            )
        if not no_update:
            bar = _Bar("Indexing", enabled=not as_json)
            try:
                index.catch_up(progress=bar)
            except IndexBusy as exc:
                click.echo(f"sessions-tui: {exc}; results may be out of date", err=True)
            finally:
                bar.close()
        for path, reason in index.problems[:5]:
            click.echo(f"sessions-tui: not indexed: {path}: {reason}", err=True)
        results = index.search(query, limit=limit, offset=offset)
    finally:
        index.close()
    if as_json:
        data = results.to_json()
        for item, result in zip(data["results"], results.results, strict=True):
            item["updated"] = iso_utc(result.updated)  # the one format of every command
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        if results.notice:
            click.echo(f"note: {visible_controls(results.notice)}", err=True)
        if results.results:
            _print(results, limit)
        else:
            click.echo("No sessions match." if store.count() else "The store is empty.", err=True)
    if not results.results:
        sys.exit(1)


@click.command("reindex")
@click.option("--quiet", is_flag=True, help="No progress bar or summary.")
@pass_app
def reindex_command(app: AppContext, quiet: bool) -> None:
    """Rebuild the full-text index from the session files.

    Never needed for correctness (the index follows the store and repairs itself), but
    available after an upgrade or to compact the index. Searches keep working meanwhile.
    """
    store = app.open_store()
    index = SearchIndex.open(store)
    bar = _Bar("Reindexing", enabled=not quiet)
    started = time.perf_counter()
    try:
        count = index.reindex(progress=bar)
    finally:
        bar.close()
        index.close()
    if quiet:
        return
    elapsed = time.perf_counter() - started
    stats = index.stats
    rate = stats.json_bytes / elapsed if elapsed > 0 else 0.0
    click.echo(
        f"Indexed {count} sessions ({stats.documents} documents, "
        f"{human_bytes(stats.json_bytes)} of JSON) in {elapsed:.1f}s ({human_bytes(rate)}/s)"
    )
    for path, reason in index.problems[:20]:
        click.echo(f"  not indexed: {visible_controls(path)}: {visible_controls(reason)}", err=True)


COMMANDS = [search_command, reindex_command]
