"""The import-state cache: what each source file looked like when it was last imported.

``<store>/index/imports.sqlite3`` (0600) maps a source path to its size, mtime, content hash
and the session ids it produced, and each produced session to a hash of its imported payload.
It is only a cache: if it is missing or unreadable it is rebuilt empty, and the next import
reads every source again and compares with the store (nothing is duplicated, only slower).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..store.atomic import FILE_MODE

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    hash TEXT NOT NULL,
    sessions TEXT NOT NULL,
    imported_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    payload_hash TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class FileState:
    path: str
    source: str
    size: int
    mtime_ns: int
    hash: str
    sessions: tuple[str, ...]


class ImportState:
    """A small SQLite cache, safe to share between processes (WAL, busy timeout)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rebuilt = False
        try:
            self._db = self._open()
        except sqlite3.DatabaseError:
            self._discard()
            self._db = self._open()
            self.rebuilt = True

    def _open(self) -> sqlite3.Connection:
        fresh = not self.path.exists()
        if fresh:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
            os.close(fd)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                db.executescript("DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS sessions;")
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("SELECT count(*) FROM files").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.chmod(str(self.path) + suffix, FILE_MODE)
        return db

    def _discard(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        self._db.close()

    # -- files -----------------------------------------------------------------------------

    def file(self, path: str) -> FileState | None:
        row = self._db.execute(
            "SELECT path, source, size, mtime_ns, hash, sessions FROM files WHERE path=?", (path,)
        ).fetchone()
        if row is None:
            return None
        try:
            sessions = tuple(json.loads(row[5]))
        except ValueError:
            return None
        return FileState(row[0], row[1], row[2], row[3], row[4], sessions)

    def all_files(self) -> dict[str, FileState]:
        """Every known file, for a run that checks thousands (one query, not one per file)."""
        out = {}
        for row in self._db.execute(
            "SELECT path, source, size, mtime_ns, hash, sessions FROM files"
        ):
            with contextlib.suppress(ValueError):
                out[row[0]] = FileState(
                    row[0], row[1], row[2], row[3], row[4], tuple(json.loads(row[5]))
                )
        return out

    def record_files(self, states: list[FileState], now_ms: int) -> None:
        if not states:
            return
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?)",
                [
                    (s.path, s.source, s.size, s.mtime_ns, s.hash, json.dumps(s.sessions), now_ms)
                    for s in states
                ],
            )

    def forget_file(self, path: str) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM files WHERE path=?", (path,))

    # -- sessions --------------------------------------------------------------------------

    def payload_hashes(self, ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            out.update(
                self._db.execute(
                    f"SELECT id, payload_hash FROM sessions WHERE id IN ({marks})", chunk
                ).fetchall()
            )
        return out

    def known_session(self, session_id: str) -> bool:
        """True if an import produced this session before (so its absence means deletion)."""
        return (
            self._db.execute("SELECT 1 FROM sessions WHERE id=?", (session_id,)).fetchone()
            is not None
        )

    def source_of(self, session_id: str) -> tuple[str, str] | None:
        """(source path, source tool) of the file an import read this session from."""
        row = self._db.execute(
            "SELECT s.path, f.source FROM sessions s LEFT JOIN files f ON f.path = s.path "
            "WHERE s.id=?",
            (session_id,),
        ).fetchone()
        return (row[0], row[1] or "") if row else None

    def record_sessions(self, rows: list[tuple[str, str, str]]) -> None:
        """``(session id, source path, payload hash)`` for sessions now in the store."""
        if not rows:
            return
        with self._transaction():
            self._db.executemany("INSERT OR REPLACE INTO sessions VALUES (?,?,?)", rows)

    @contextlib.contextmanager
    def _transaction(self):
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
