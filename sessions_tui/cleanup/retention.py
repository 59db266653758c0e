"""The store's retention policy, applied on start when the user asked for it.

Retention lives in the store (``StoreSettings.retention_days`` and ``persistence``, set with
``sessions-tui retention``); whether to apply it automatically is a per-user choice
(``AppSettings.auto_cleanup``, off by default). An automatic run is an ordinary cleanup: starred
sessions are kept, everything goes to the trash (restorable), and the operations log says so.
"""

from __future__ import annotations

from ..config import AppSettings, load_settings
from ..store import SessionStore, StoreBusy
from .plan import CleanupResult, apply, preview
from .policy import CleanupPolicy


def retention_policy() -> CleanupPolicy:
    return CleanupPolicy(expired=True)


def apply_retention_on_start(
    store: SessionStore, settings: AppSettings | None = None
) -> CleanupResult | None:
    """Move sessions past the retention period to the trash, if auto cleanup is on.

    Returns None when nothing was due to run (auto cleanup off, no retention, persistence off,
    or another process is writing to the store: the next start tries again).
    """
    settings = settings if settings is not None else load_settings()
    store_settings = store.settings
    if not settings.auto_cleanup:
        return None
    if not store_settings.persistence or not store_settings.retention_days:
        return None
    if store.newer_format:
        return None
    plan = preview(store, retention_policy())
    if not plan.candidates:
        return CleanupResult()
    try:
        return apply(store, plan)
    except StoreBusy:
        return None
