"""The session store: one file per session, atomic writes, a metadata index, trash, migrations.

Everything outside this package goes through `SessionStore`; the file format is specified in
docs/storage-format.md so other programs can read and write stores too.
"""

from .errors import (
    AmbiguousId,
    CorruptSessionFile,
    NotAStore,
    ReadOnlySession,
    SaveFailed,
    SessionExists,
    SessionNotFound,
    StoreBusy,
    StoreError,
)
from .metaindex import ListQuery, SessionSummary
from .store import SessionStore, StoreEvent, TrashEntry

__all__ = [
    "AmbiguousId",
    "CorruptSessionFile",
    "ListQuery",
    "NotAStore",
    "ReadOnlySession",
    "SaveFailed",
    "SessionExists",
    "SessionNotFound",
    "SessionStore",
    "SessionSummary",
    "StoreBusy",
    "StoreError",
    "StoreEvent",
    "TrashEntry",
]
