"""Where the session list's rows come from: a paged listing of the metadata index, or the
results of a full-text search. The list asks for rows by position only when it draws them."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from ...store import ListQuery, SessionStore, SessionSummary

PAGE = 200


@dataclass(slots=True)
class Row:
    """One row of the list: the session summary, plus a search snippet in search mode."""

    summary: SessionSummary | None
    session_id: str
    title: str
    source: str
    snippet: str = ""
    ranges: list[tuple[int, int]] = field(default_factory=list)
    hit_message_id: str | None = None
    hits: int = 0  # messages of the session that matched
    title_match: bool = False


class RowSource(Protocol):
    row_height: int
    sortable: bool

    def count(self) -> int: ...
    def row(self, index: int) -> Row | None: ...
    def all_ids(self) -> list[str]: ...
    def locate(self, session_id: str, near: int = 0) -> int | None: ...


class ListingSource:
    """Pages of `SessionSummary` from the metadata index, fetched on demand and kept in an LRU."""

    row_height = 1
    sortable = True

    def __init__(self, store: SessionStore, query: ListQuery, max_pages: int = 64) -> None:
        self.store = store
        self.query = query
        self._pages: OrderedDict[int, list[SessionSummary]] = OrderedDict()
        self._max_pages = max_pages
        self._count: int | None = None

    def with_sort(self, key: str, descending: bool) -> ListingSource:
        return ListingSource(self.store, replace(self.query, sort=key, descending=descending))

    def count(self) -> int:
        if self._count is None:
            self._count = self.store.count(self.query)
        return self._count

    def _page(self, number: int) -> list[SessionSummary]:
        page = self._pages.get(number)
        if page is None:
            page = self.store.index.query(replace(self.query, offset=number * PAGE, limit=PAGE))
            self._pages[number] = page
            if len(self._pages) > self._max_pages:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page

    def row(self, index: int) -> Row | None:
        if index < 0 or index >= self.count():
            return None
        page = self._page(index // PAGE)
        offset = index % PAGE
        if offset >= len(page):
            return None
        s = page[offset]
        return Row(s, s.id, s.title, s.source)

    def index_of(self, session_id: str) -> int | None:
        """Position of ``session_id`` among the pages already fetched (None if unknown)."""
        for number, page in self._pages.items():
            for i, s in enumerate(page):
                if s.id == session_id:
                    return number * PAGE + i
        return None

    def locate(self, session_id: str, near: int = 0) -> int | None:
        """Position of ``session_id`` in the whole listing, or None if it is not in it.

        Called from a worker: after a star, a tag or a delete the session is almost always
        on the page it was on before (``near``), so that page and its neighbours are fetched
        first; only a session that moved far (another sort key changed) costs a scan of ids.
        """
        found = self.index_of(session_id)
        if found is not None:
            return found
        count = self.count()
        if not count:
            return None
        page = min(max(0, near), count - 1) // PAGE
        for number in (page, page - 1, page + 1):
            if 0 <= number * PAGE < count:
                for i, s in enumerate(self._page(number)):
                    if s.id == session_id:
                        return number * PAGE + i
        ids = self.all_ids()
        try:
            return ids.index(session_id)
        except ValueError:
            return None

    def all_ids(self) -> list[str]:
        return self.store.index.ids(replace(self.query, offset=0, limit=None))


class SearchSource:
    """Search results grouped by session; more are fetched as the user scrolls near the end."""

    row_height = 2
    sortable = False

    def __init__(self, store: SessionStore, results: Any, fetch_more: Any = None) -> None:
        self.store = store
        self.results = results
        self.total: int = results.total
        self.rows: list[Row] = [self._row(r) for r in results.results]
        self._fetch_more = fetch_more

    def _row(self, result: Any) -> Row:
        """A result's row: its snippet is its best hit in a message; a session that matched
        on its title alone says so instead of repeating the title under itself."""
        summary = self.store.summary(result.session_id)
        in_messages = [h for h in result.hits if h.role != "title" and h.message_id]
        hit = in_messages[0] if in_messages else None
        # The title "matches" when a word of the query is in it, not when the session's own
        # document stands in for it (a filter-only part of the query, a metadata line).
        title_hit = next((h for h in result.hits if h.role == "title" and h.ranges), None)
        return Row(
            summary,
            result.session_id,
            summary.title if summary else result.title,
            summary.source if summary else result.source,
            snippet=hit.fragment if hit else "",
            ranges=list(hit.ranges) if hit else [],
            hit_message_id=hit.message_id if hit else ("" if title_hit else None),
            hits=max(len(in_messages), getattr(result, "matched_messages", 0) or 0),
            title_match=title_hit is not None,
        )

    def extend(self, results: Any) -> None:
        known = {r.session_id for r in self.rows}
        self.rows.extend(self._row(r) for r in results.results if r.session_id not in known)

    def count(self) -> int:
        return len(self.rows)

    @property
    def more(self) -> bool:
        return len(self.rows) < self.total

    def row(self, index: int) -> Row | None:
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def locate(self, session_id: str, near: int = 0) -> int | None:
        """Position of ``session_id`` among the results loaded so far."""
        return next((i for i, r in enumerate(self.rows) if r.session_id == session_id), None)

    def all_ids(self) -> list[str]:
        return [r.session_id for r in self.rows]
