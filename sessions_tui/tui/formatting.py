"""Small display helpers shared by the widgets: relative dates, sizes, safe one-line text.

Time-dependent output takes ``now`` as an argument, so snapshots can freeze it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..safety import visible_controls


def one_line(text: str | None, limit: int = 300) -> str:
    """Untrusted text made safe and flattened to a single line (newlines become spaces)."""
    if not text:
        return ""
    return " ".join(visible_controls(text[: limit * 2]).split())[:limit]


def relative_time(when: datetime, now: datetime) -> str:
    """``5m ago``, ``3h ago``, ``2d ago``, then ``12 Mar``, then ``2024-03-12``."""
    seconds = (now - when).total_seconds()
    if seconds < -300:  # from the future: a clock elsewhere is ahead; show the date
        return when.astimezone(UTC).strftime("%Y-%m-%d")
    if seconds < 60:  # including a few minutes of skew between machines
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h ago"
    if seconds < 86400 * 30:
        return f"{int(seconds // 86400)}d ago"
    if when.year == now.year:
        return when.strftime("%d %b")
    return when.strftime("%Y-%m-%d")


def human_size(n: int) -> str:
    value = float(n)
    for unit in ("B", "K", "M", "G"):
        if value < 1024 or unit == "G":
            return f"{value:.0f}{unit}" if unit == "B" or value >= 10 else f"{value:.1f}{unit}"
        value /= 1024
    return f"{value:.1f}G"


def short_project(path: str | None) -> str:
    if not path:
        return ""
    return path.rstrip("/").rsplit("/", 1)[-1] or path


def short_model(model: str) -> str:
    """Drop a trailing date stamp (``claude-sonnet-4-5-20250929`` -> ``claude-sonnet-4-5``)."""
    head, _, tail = model.rpartition("-")
    return head if head and len(tail) == 8 and tail.isdigit() else model
