"""Errors raised by the store. Every one carries a message fit to show a user on one line."""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """Base class of every error the store raises on purpose."""


class CorruptSessionFile(StoreError):
    """A session file that cannot be read: bad JSON, failed checksum, truncated frame, ..."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class SessionNotFound(StoreError):
    def __init__(self, session_id: str, trashed: str | None = None) -> None:
        self.session_id = session_id
        #: The id of the trashed session ``session_id`` names, if one does.
        self.trashed = trashed
        where = (
            f" (it is in the trash: `trash restore {trashed}` brings it back)" if trashed else ""
        )
        super().__init__(f"no session with id {session_id!r}{where}")


class AmbiguousId(SessionNotFound):
    """A prefix that starts several session ids: the user has to type more of it."""

    def __init__(self, prefix: str, matches: list[str]) -> None:
        StoreError.__init__(
            self,
            f"{prefix!r} starts {'more than 10' if len(matches) > 10 else len(matches)} "
            f"session ids: {', '.join(matches[:10])}{', …' if len(matches) > 10 else ''} "
            "(type more of the id)",
        )
        self.session_id = prefix
        self.trashed = None
        self.matches = matches


class StoreBusy(StoreError):
    """Another process holds the store's writer lock."""

    def __init__(self, lock_path: Path, waited: float) -> None:
        self.lock_path = lock_path
        super().__init__(
            f"store busy: another sessions-tui process is writing to it "
            f"(lock {lock_path}, waited {waited:g}s); try again when it has finished"
        )


class SaveFailed(StoreError):
    """A write, fsync or rename failed. The previous version of the file is intact."""

    def __init__(self, path: Path, cause: BaseException) -> None:
        self.path = path
        self.cause = cause
        super().__init__(f"could not save {path}: {cause}")


class ReadOnlySession(StoreError):
    """The file was written by a newer format version: it may be read, never rewritten."""


class SessionExists(StoreError):
    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        super().__init__(f"a session with id {session_id!r} already exists")


class UnreadableSessionFile(CorruptSessionFile):
    """The file could not be read at all (permissions, I/O): it may be intact, so it is
    reported but never quarantined."""


class NotAStore(StoreError):
    """The directory exists and is not empty, but is not a sessions-tui store."""
