"""Bulk cleanup, safely: policies, a preview that never writes, and an apply that moves the
previewed sessions to the trash in one journalled step (or changes nothing).

`policy` says what to clean; `plan` previews and applies; `retention` runs the store's retention
policy when the app starts (if the user turned that on). Nothing here imports Textual.
"""

from .plan import Candidate, CleanupPlan, CleanupResult, apply, last_cleanup, preview, undo
from .policy import CleanupPolicy, PolicyError, parse_age, parse_size
from .retention import apply_retention_on_start, retention_policy

__all__ = [
    "Candidate",
    "CleanupPlan",
    "CleanupPolicy",
    "CleanupResult",
    "PolicyError",
    "apply",
    "apply_retention_on_start",
    "last_cleanup",
    "parse_age",
    "parse_size",
    "preview",
    "retention_policy",
    "undo",
]
