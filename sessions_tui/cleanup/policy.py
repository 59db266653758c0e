"""Cleanup policies: what a user asks to clean up, and the parsing of ages and sizes.

A policy has a *scope* (tools, projects, a search query: which sessions are considered at all)
and *criteria* (older than, larger than, trivial, duplicate, expired, beyond the newest N).
Criteria narrow each other by default (all must hold, like ``find``); with ``match_any`` a
session goes if any criterion holds. ``keep_newest`` always protects the N most recently
updated sessions in scope. Starred sessions are never selected by any policy.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from ..ages import EXAMPLES as AGE_EXAMPLES
from ..ages import age_days

_DAYS_NUMBER = re.compile(r"^\s*\d{1,6}(?:\.\d+)?\s*$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)
_SIZE_MULT = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


class PolicyError(ValueError):
    """A policy value that cannot be understood (``--older-than 3x``): one clear line."""


def parse_age(text: str) -> float:
    """An age (`ages.age_days`: ``90d``, ``6mo``, ...) or a bare number of days -> days."""
    days = float(text) if _DAYS_NUMBER.match(text) else age_days(text)
    if days is None:
        raise PolicyError(f"{text!r} is not an age like {AGE_EXAMPLES}")
    if days <= 0:
        raise PolicyError(f"{text!r}: an age must be more than zero")
    return days


def parse_size(text: str) -> int:
    """``500k``, ``10MB``, ``1.5G`` (powers of 1024) or a bare number of bytes -> bytes."""
    match = _SIZE.match(text)
    if not match:
        raise PolicyError(f"{text!r} is not a size like 500k, 10MB or 1.5G")
    return int(float(match.group(1)) * _SIZE_MULT[match.group(2).lower()])


@dataclass(frozen=True, slots=True)
class CleanupPolicy:
    """What to clean up. Empty tuples and None mean "not used"."""

    older_than_days: float | None = None
    keep_newest: int | None = None
    larger_than: int | None = None
    sources: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    query: str | None = None
    trivial: bool = False
    duplicates: bool = False
    expired: bool = False
    match_any: bool = False
    #: Subagent transcripts follow their parent: removed with it (unless starred), kept while
    #: it stays. False judges them like any other session.
    with_subagents: bool = True

    @property
    def has_criteria(self) -> bool:
        return (
            self.older_than_days is not None
            or self.larger_than is not None
            or self.trivial
            or self.duplicates
            or self.expired
        )

    @property
    def has_scope(self) -> bool:
        return bool(self.sources or self.projects or self.query)

    @property
    def is_empty(self) -> bool:
        """Nothing asked: such a policy selects nothing (never "everything")."""
        return not (self.has_criteria or self.has_scope or self.keep_newest is not None)

    def describe(self) -> str:
        """A one-line summary for previews and the operations log."""
        parts = []
        if self.sources:
            parts.append("tool " + "/".join(self.sources))
        if self.projects:
            parts.append("project " + "/".join(self.projects))
        if self.query:
            parts.append(f"matching {self.query!r}")
        crit = []
        if self.older_than_days is not None:
            crit.append(f"older than {_days(self.older_than_days)}")
        if self.larger_than is not None:
            crit.append(f"larger than {self.larger_than:,} bytes")
        if self.trivial:
            crit.append("empty or without an assistant reply")
        if self.duplicates:
            crit.append("exact duplicates")
        if self.expired:
            crit.append("past the retention period")
        if crit:
            parts.append((" or " if self.match_any else " and ").join(crit))
        if self.keep_newest is not None:
            parts.append(f"keeping the newest {self.keep_newest}")
        return "; ".join(parts) or "(no policy)"

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, (), False)}


def _days(days: float) -> str:
    if days < 1:
        return f"{days * 24:g} hours"
    return f"{days:g} day" + ("" if days == 1 else "s")
