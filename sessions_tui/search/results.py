"""What a search returns: sessions (not messages), each with its best highlighted snippets.

These plain dataclasses are the contract between the search core and its front ends (the TUI and
the CLI). Ranges are ``(start, end)`` *character* offsets into ``fragment``, end exclusive, so a
front end can highlight with ``fragment[start:end]`` without knowing how the index tokenizes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

#: What the index is doing, for a status line: "ready" (in step with the store as far as it
#: knows), "stale" (changes are waiting: a writer was busy or catch_up has not run),
#: "building" (a catch-up or rebuild is running; results may be partial), "empty" (nothing
#: indexed yet).
IndexState = Literal["ready", "stale", "building", "empty"]

#: Fields `SearchIndex.suggest` completes.
SuggestField = Literal["word", "model", "project", "tool", "tag"]


@dataclass(slots=True)
class SearchHit:
    """One matching message of a session, as a short fragment with match ranges.

    ``message_id`` is "" and ``role`` is "title" when the session matched on its title (or
    other session metadata) rather than on a message.
    """

    message_id: str
    role: str
    fragment: str
    ranges: list[tuple[int, int]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "role": self.role,
            "fragment": self.fragment,
            "ranges": [list(r) for r in self.ranges],
        }


@dataclass(slots=True)
class SessionResult:
    """A matching session: listed once, with its best hits first."""

    session_id: str
    title: str
    source: str
    updated: datetime
    score: float
    hits: list[SearchHit] = field(default_factory=list)
    project: str | None = None
    #: Messages of this session that matched (counted among the documents examined; a lower
    #: bound for very common words).
    matched_messages: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "title": self.title,
            "source": self.source,
            "updated": self.updated.isoformat(),
            "score": round(self.score, 4),
            "hits": [h.to_json() for h in self.hits],
        }


@dataclass(slots=True)
class SearchResults:
    """A page of sessions matching ``query``.

    ``total`` counts matching sessions; see ``total_is_estimate``. ``notice`` explains
    anything the parser had to reinterpret (an unclosed quote, an unknown filter, a bad date)
    or that the results come from a looser reading. ``looser`` is set when
    the query as typed matched nothing: it is the looser query that was run instead (prefix and
    typo-tolerant words), whose results are in ``results``.
    """

    query: str
    total: int = 0
    results: list[SessionResult] = field(default_factory=list)
    notice: str | None = None
    looser: str | None = None
    elapsed_ms: float = 0.0
    offset: int = 0
    #: ``total`` is an estimate (show it as "about N"): the query matched too many messages to
    #: count their sessions quickly. It is exact when every match was examined, for filter-only
    #: queries, and whenever the page ends the results.
    total_is_estimate: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "query": self.query,
            "total": self.total,
            "results": [r.to_json() for r in self.results],
        }
        if self.total_is_estimate:
            out["total_is_estimate"] = True
        if self.notice:
            out["notice"] = self.notice
        if self.looser:
            out["looser"] = self.looser
        return out
