"""Which sessions an export or a cleanup applies to: ids, a search query, or metadata filters.

A query goes to the full-text index (`sessions_tui.search`) when it is usable. Two safety rules
hold for both export and cleanup:

* a search that matched nothing and fell back to a *looser* reading (typo-tolerant, prefixes)
  counts as no match: a cleanup must never delete what the user did not ask for;
* without a usable search index the query is matched against titles only, and the result says
  so in ``note`` so the front end can tell the user.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..store import ListQuery, SessionNotFound, SessionStore

#: Results fetched per page when collecting every match of a query.
_PAGE = 1000


@dataclass(slots=True)
class Scope:
    """Resolved session ids (in a stable order) and an optional note for the user."""

    ids: list[str]
    note: str | None = None


def query_ids(
    store: SessionStore,
    query: str,
    progress: Callable[[int, int], None] | None = None,
) -> Scope:
    """Every session matching a search query (all pages), or a title match as a fallback."""
    from ..search import SearchIndex

    with SearchIndex.open(store) as index:
        index.catch_up(progress)
        if index.state == "empty" and store.count() > 0:
            rows = store.list(ListQuery(title_contains=query))
            return Scope(
                [r.id for r in rows],
                "the search index is not available: matched the query against titles only",
            )
        ids: list[str] = []
        note = None
        while True:
            page = index.search(query, limit=_PAGE, offset=len(ids))
            if page.looser:
                return Scope(
                    [],
                    f"nothing matches {query!r} exactly; looser matches "
                    f"({page.looser!r}) are never used to select sessions",
                )
            note = page.notice or note
            ids += [r.session_id for r in page.results]
            if not page.results or len(ids) >= page.total:
                break
    return Scope([i for i in dict.fromkeys(ids) if store.exists(i)], note)


def resolve(
    store: SessionStore,
    ids: Sequence[str] = (),
    *,
    query: str | None = None,
    filters: ListQuery | None = None,
    everything: bool = False,
) -> Scope:
    """The sessions named by ids, and/or matching a query and metadata filters.

    Ids are checked to exist (a missing one is a `SessionNotFound`). With a query and filters,
    a session must match both. With nothing at all, the scope is empty unless ``everything``.
    """
    for sid in ids:
        if not store.exists(sid):
            raise SessionNotFound(sid)
    chosen: list[str] = list(dict.fromkeys(ids))
    note = None
    if query:
        found = query_ids(store, query)
        note = found.note
        matched = found.ids
        if filters is not None:
            allowed = {r.id for r in store.list(filters)}
            matched = [i for i in matched if i in allowed]
        have = set(chosen)
        chosen += [i for i in matched if i not in have]
    elif filters is not None and (everything or _has_filters(filters)):
        have = set(chosen)
        chosen += [r.id for r in store.list(filters) if r.id not in have]
    elif everything:
        have = set(chosen)
        chosen += [r.id for r in store.list(ListQuery()) if r.id not in have]
    return Scope(chosen, note)


def _has_filters(q: ListQuery) -> bool:
    return bool(
        q.sources
        or q.models
        or q.projects
        or q.tags
        or q.ids is not None
        or q.starred is not None
        or q.has_error is not None
        or q.updated_after_ms is not None
        or q.updated_before_ms is not None
        or q.title_contains
    )
