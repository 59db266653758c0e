"""Ages such as ``90d`` or ``6mo``, one grammar for the query language (``after:6mo``) and
cleanup (``--older-than 6mo``), so what works in one works in the other."""

from __future__ import annotations

import re

_AGE = re.compile(
    r"^\s*(\d{1,6}(?:\.\d+)?)\s*"
    r"(h|hours?|d|days?|w|weeks?|m|mo|mos|months?|y|yrs?|years?)\s*$"
)
#: A month is 30 days and a year 365: an age is a rough span, not a calendar sum.
_DAYS = {"h": 1 / 24, "d": 1, "w": 7, "m": 30, "y": 365}
#: How an age is described in messages and help.
EXAMPLES = "12h, 90d, 2w, 6mo (or 6m) or 1y"


def age_days(text: str) -> float | None:
    """Days in an age (``12h``, ``90d``, ``2w``, ``6m``/``6mo``, ``1y``, or spelled out:
    ``3 weeks``); None if ``text`` is not one. A unit is required: a bare number is not an age
    here (cleanup reads it as days itself)."""
    match = _AGE.match(text.lower())
    if not match:
        return None
    return float(match.group(1)) * _DAYS[match.group(2)[0]]
