"""`SearchIndex`: the full-text index of a store (skeleton; internals land in later commits)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .results import IndexState, SearchResults, SuggestField

if TYPE_CHECKING:
    from ..store import SessionStore

Progress = Callable[[int, int], None]


class SearchIndex:
    """Full-text search over a store. Thread-safe; see docs/search-index.md."""

    def __init__(self, store: SessionStore) -> None:
        self.store = store
        self._state: IndexState = "empty"

    @classmethod
    def open(cls, store: SessionStore) -> SearchIndex:
        """Open (or create) ``<store>/index/search``. Never raises for a missing, corrupt or
        other-version index: it starts over and `state` says so."""
        return cls(store)

    @property
    def state(self) -> IndexState:
        return self._state

    def attach(self, store: SessionStore | None = None) -> None:
        """Follow the store's saves and deletes (indexed in the background, in batches)."""

    def detach(self) -> None:
        """Stop following the store; pending updates are written first."""

    def catch_up(self, progress: Progress | None = None) -> int:
        """Index every session changed since it was indexed; drop deleted ones."""
        return 0

    def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild the whole index (into a new generation, swapped in when complete)."""
        return 0

    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> SearchResults:
        return SearchResults(query=query)

    def suggest(self, prefix: str, field: SuggestField = "word", limit: int = 10) -> list[str]:
        return []

    def highlight_ranges(self, query: str, text: str) -> list[tuple[int, int]]:
        return []

    def close(self) -> None:
        """Write pending updates and release everything."""

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
