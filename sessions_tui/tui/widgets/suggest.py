"""Completion of the search bar's last word, shown inline and taken with → (or End).

Words come from the full-text index (most frequent first); after ``tool:``, ``model:``,
``project:`` or ``tag:`` (and their aliases) the values come from the store. What the user
typed is kept as typed: only the rest of the word is suggested.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from textual.suggester import Suggester
from textual.widgets import Input

from ...search.query import FILTER_KEYS

#: The last word of the query, and a ``key:`` before its value if there is one.
_LAST = re.compile(r'(?:(?P<key>[A-Za-z]+):)?(?P<value>[^\s:"()|-][^\s:"()|]*)$')
_FIELDS = {"tool": "tool", "model": "model", "project": "project", "tag": "tag"}
#: Filters with a fixed set of values.
_FIXED = {
    "is": ("starred", "unstarred", "subagent"),
    "has": ("error",),
    "role": ("user", "assistant", "tool", "system"),
    "in": ("title",),
}


class QuerySuggester(Suggester):
    """Suggests through ``index()`` (the screen's search index, None until it is open)."""

    def __init__(self, index: Callable[[], Any]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.index = index

    async def get_suggestion(self, value: str) -> str | None:
        return suggestion_for(self.index(), value)


class CompletingInput(Input):
    """An Input whose End key, like →, takes the completion when the cursor is at the end
    (Textual's End only moves the cursor, which is already there)."""

    def action_end(self, select: bool = False) -> None:
        if not select and self.cursor_at_end and self._suggestion:
            self.action_cursor_right()
        else:
            super().action_end(select)


def suggestion_for(index: Any, value: str) -> str | None:
    """The whole query with its last word completed, or None (nothing better to offer)."""
    if index is None or not value or value[-1].isspace():
        return None
    match = _LAST.search(value)
    if match is None or value.count('"') % 2:  # inside a phrase: no completion
        return None
    key, typed = match.group("key"), match.group("value")
    try:
        if key is not None:
            canonical = FILTER_KEYS.get(key.lower(), "")
            field = _FIELDS.get(canonical)
            if field is not None:
                options = index.suggest(typed, field=field, limit=5)
            else:
                options = list(_FIXED.get(canonical, ()))
            best = next((o for o in options if o.lower().startswith(typed.lower())), None)
            if best is None or best.lower() == typed.lower():
                return None
            return value + best[len(typed) :]
        if len(typed) < 2:
            return None  # one letter has thousands of completions: none is a good guess
        options = index.suggest(typed, field="word", limit=1)
    except Exception:  # a completion must never disturb typing
        return None
    if not options:
        return None
    stem = index_token(typed)
    best = options[0]
    if not best.startswith(stem) or best == stem:
        return None
    return value + best[len(stem) :]


def index_token(typed: str) -> str:
    """The last token of ``typed`` as the index spells it (lowercased; the index also folds
    accents, which a prefix of plain letters and digits does not change)."""
    return re.split(r"[^\w]|_", typed)[-1].lower()
