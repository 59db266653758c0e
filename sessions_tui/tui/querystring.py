"""The query language of the search bar: free text plus ``key:value`` filters.

``tool:claude-code model:gpt-5.4 project:infra after:2026-01-01 before:7d is:starred tag:keep
retry backoff`` means "sessions matching *retry backoff*, filtered". The search engine parses
the same string; the TUI parses it too, to show filters as chips, to list sessions from the
metadata index when there is no free text, and to add or remove one filter without retyping.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime

from ..search.query import parse_date as search_date
from ..store import ListQuery

#: Filter keys and what they mean, in the order the help screen lists them.
FILTER_KEYS: dict[str, str] = {
    "tool": "source tool or part of it: tool:claude (both Claude tools) (alias: source:)",
    "model": "model or part of it: model:sonnet; model:claude-sonnet-4-5* every version",
    "project": "project directory or its last part, e.g. project:infra",
    "after": "updated on or after a date: 2026-01-31, today, yesterday, 12h, 7d, 2w, 6mo, 1y",
    "before": "updated before a date (same forms as after:)",
    "is": "is:starred, is:unstarred, is:error, is:subagent",
    "tag": "a tag, e.g. tag:keep (repeat for several)",
}
_ALIASES = {
    "source": "tool",
    "repo": "project",
    "label": "tag",
    "from": "after",
    "since": "after",
    "until": "before",
}


class QueryError(ValueError):
    """A filter value the TUI cannot use (e.g. a bad date); shown to the user, never raised."""


@dataclass(frozen=True, slots=True)
class Filter:
    key: str
    value: str
    #: ``-key:value``: sessions without it.
    negated: bool = False

    def __str__(self) -> str:
        return f"{'-' if self.negated else ''}{self.key}:{quote(self.value)}"


@dataclass(slots=True)
class ParsedQuery:
    """A query split into its free text and its filters (in the order typed)."""

    text: str = ""
    filters: list[Filter] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def values(self, key: str) -> list[str]:
        """The values of the ``key`` filters that narrow (not the ``-key:`` exclusions)."""
        return [f.value for f in self.filters if f.key == key and not f.negated]

    def __str__(self) -> str:
        return " ".join([*(str(f) for f in self.filters), self.text]).strip()


def quote(value: str) -> str:
    """Quote a filter value if it holds spaces or quotes, so it survives a round trip."""
    if value and not re.search(r"[\s\"'\\]", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _split(query: str) -> list[str]:
    try:
        lexer = shlex.shlex(query, posix=True)
        lexer.whitespace_split = True
        lexer.commenters = ""
        return list(lexer)
    except ValueError:  # an unbalanced quote while typing: fall back to plain words
        return query.split()


def parse(query: str) -> ParsedQuery:
    parsed = ParsedQuery()
    words: list[str] = []
    for token in _split(query):
        negated = token.startswith("-")
        key, sep, value = token.removeprefix("-").partition(":")
        key = _ALIASES.get(key.lower(), key.lower())
        if key == "has" and value.lower() in ("error", "errors"):
            key = "is"  # has:error is is:error, as for search
        if sep and key in FILTER_KEYS and value:
            parsed.filters.append(Filter(key, value, negated))
        else:
            words.append(token)
    parsed.text = " ".join(words)
    return parsed


def with_filter(query: str, new: Filter, *, replace: bool = True) -> str:
    """``query`` with ``new`` added; ``replace`` drops other filters of the same key first."""
    parsed = parse(query)
    keep = [f for f in parsed.filters if not (replace and f.key == new.key) and f != new]
    parsed.filters = [*keep, new]
    return str(parsed)


def without_filter(query: str, gone: Filter) -> str:
    parsed = parse(query)
    parsed.filters = [f for f in parsed.filters if f != gone]
    return str(parsed)


KNOWN_IS_VALUES = ("starred", "star", "unstarred", "error", "errors", "subagent")


def ignored_filters(parsed: ParsedQuery, now: datetime) -> list[Filter]:
    """The filters whose value means nothing (``after:someday``, ``is:pinned``): searching
    and listing skip them, and their chips say so."""
    ignored = []
    for f in parsed.filters:
        if f.key == "is" and f.value.lower() not in KNOWN_IS_VALUES:
            ignored.append(f)
        elif f.key in ("after", "before"):
            try:
                parse_date(f.value, now)
            except QueryError:
                ignored.append(f)
    return ignored


def parse_date(value: str, now: datetime) -> datetime:
    """Where the date ``value`` names begins, as search reads it (`search.query.parse_date`:
    ``2026``, ``2026-01``, ``2026-01-31``, an ISO time, ``today``, ``yesterday``, ``7d``)."""
    span = search_date(value, now)
    if span is None:
        raise QueryError(f"{value!r} is not a date (try 2026-01-31, today, 7d)")
    return span[0]


def to_list_query(
    parsed: ParsedQuery, now: datetime, projects: list[str] | None = None
) -> ListQuery:
    """The metadata-index listing for ``parsed``'s filters. Bad values go to ``parsed.errors``.

    Tool, model, project and tag values are passed as typed: the index reads them as search
    does (``tool:claude`` both Claude tools, ``model:sonnet`` every Sonnet, ``project:infra``
    the project whose last path part is infra, ``value*`` a prefix), so a filter-only query
    lists exactly the sessions search finds for it. ``projects`` is no longer needed (the
    index resolves project names itself) and is ignored; it stays for existing callers.
    """
    del projects
    query = ListQuery(
        sources=parsed.values("tool"),
        models=parsed.values("model"),
        projects=parsed.values("project"),
        tags=parsed.values("tag"),
    )
    query.exclude = [
        (f.key, f.value)
        for f in parsed.filters
        if f.negated and f.key in ("tool", "model", "project", "tag")
    ]
    for f in parsed.filters:
        if f.key in ("after", "before"):
            try:
                ms = int(parse_date(f.value, now).timestamp() * 1000)
            except QueryError as exc:
                parsed.errors.append(str(exc))
                continue
            if (f.key == "after") != f.negated:  # -after:X is before:X
                query.updated_after_ms = ms
            else:
                query.updated_before_ms = ms
        elif f.key == "is":
            match f.value.lower():
                case "starred" | "star":
                    query.starred = not f.negated
                case "unstarred":
                    query.starred = f.negated
                case "error" | "errors":
                    query.has_error = not f.negated
                case "subagent":
                    query.subagents = not f.negated
                case _:
                    parsed.errors.append(
                        f"is:{f.value} is unknown "
                        "(use is:starred, is:unstarred, is:error or is:subagent)"
                    )
    return query
