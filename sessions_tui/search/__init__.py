"""Full-text search over a store: a tantivy index of one document per message.

Public API (stable; the TUI and the CLI use only this)::

    index = SearchIndex.open(store)     # never raises for a missing/corrupt/old index
    index.attach()                      # follow the store's saves and deletes
    index.catch_up(progress)            # pick up changes made by other processes
    results = index.search('retry -flaky tool:claude-code', limit=20)
    index.highlight_ranges(query, text) # ranges the query matches in any text
    index.suggest("ret", field="word")
    index.close()

The query language is described in docs/query-language.md, the index in docs/search-index.md.
This package never imports Textual.
"""

from .index import SearchIndex
from .results import IndexState, SearchHit, SearchResults, SessionResult, SuggestField

__all__ = [
    "IndexState",
    "SearchHit",
    "SearchIndex",
    "SearchResults",
    "SessionResult",
    "SuggestField",
]
