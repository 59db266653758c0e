"""`SessionStore`: the one way into a store directory, for the front ends and for applications.

Reads never lock: files are replaced atomically and the SQLite index runs in WAL mode. Writes
take the store's writer lock (an ``flock`` on ``store.lock``, released by the kernel if the
process dies), so a TUI and a CLI import running together serialise instead of corrupting
anything; a writer that cannot get the lock in ``lock_timeout`` seconds gets `StoreBusy`.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import sqlite3
import stat as statmod
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import filelock
from pydantic import TypeAdapter

from ..models import (
    ContentBlock,
    Message,
    Role,
    Session,
    TextBlock,
    is_valid_session_id,
    new_id,
    now_utc,
)
from .atomic import (
    FILE_MODE,
    atomic_write,
    atomic_write_many,
    ensure_private_dir,
    fsync_dir,
    sweep_orphaned_temps,
)
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
    UnreadableSessionFile,
)
from .fileformat import (
    ZSTD_MAGIC,
    _short_reason,
    decode,
    decompress_bounded,
    encode,
    read_header,
)
from .layout import JSON_SUFFIX, ZST_SUFFIX, StoreLayout, session_id_from_file_name
from .manifest import STORE_FORMAT_NAME, Manifest, StoreSettings
from .metaindex import (
    ListQuery,
    MetaIndex,
    SessionSummary,
    SyncReport,
    display_title,
    summary_row,
)
from .migrations import CURRENT_FORMAT_VERSION

_BLOCKS = TypeAdapter(list[ContentBlock])
#: Files written per all-or-nothing step of `SessionStore.save_many`.
SAVE_CHUNK = 256


@dataclass(frozen=True, slots=True)
class StoreEvent:
    """Posted to listeners after a change is on disk (the search index follows these)."""

    kind: Literal["saved", "deleted", "restored"]
    ids: tuple[str, ...]


@dataclass(slots=True)
class VerifyReport:
    checked: int = 0
    problems: list[tuple[Path, str]] = field(default_factory=list)
    quarantined: list[Path] = field(default_factory=list)
    newer_version: list[Path] = field(default_factory=list)
    #: Per quarantined file: its session id and the source file it was imported from, as the
    #: index knew it (None if unknown), so the user can be told how to get it back.
    recoverable: dict[Path, tuple[str, str | None]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(slots=True)
class MigrateReport:
    migrated: int = 0
    current: int = 0
    skipped_newer: list[Path] = field(default_factory=list)
    problems: list[tuple[Path, str]] = field(default_factory=list)
    backup: Path | None = None


@dataclass(frozen=True, slots=True)
class TrashEntry:
    """A deleted session waiting in the trash. ``name`` identifies it for restore."""

    name: str
    session_id: str
    deleted_ms: int
    bytes: int
    path: Path
    #: Filled in by `SessionStore.trash(details=True)`: the session's display title and tool.
    title: str = ""
    source: str = ""

    @property
    def deleted(self) -> datetime:
        return datetime.fromtimestamp(self.deleted_ms / 1000, UTC)


@dataclass(slots=True)
class RestoreReport:
    restored: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


#: A beginning of an id this long is taken (shorter ones match too much by chance, and a
#: slip of `delete g` should not find a session).
MIN_PREFIX = 4


def _one_match(text: str, matches: list[str]) -> str:
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise SessionNotFound(text)
    raise AmbiguousId(text, matches)


def _trashed_id(path: Path) -> str:
    """The session id of a trash entry (``<ms>~<id>.json[.zst]``)."""
    rest = path.name.partition("~")[2]
    return session_id_from_file_name(rest) or rest


def _tighten(paths: Iterable[Path]) -> None:
    """Take group and other permissions off the store's own directories and top-level files
    (a store made by another program, or copied with a lax umask): sessions are private.
    Only what this user owns; session files are left to be rewritten 0600 when saved."""
    uid = os.geteuid()
    for path in paths:
        with contextlib.suppress(OSError):
            st = path.lstat()
            if st.st_uid != uid or statmod.S_ISLNK(st.st_mode) or not st.st_mode & 0o077:
                continue
            os.chmod(path, statmod.S_IMODE(st.st_mode) & 0o700)  # never adds a permission


class SessionStore:
    """A directory of session files with its indexes. See docs/python-api.md.

    Args:
        root: the store directory; created (0700) if missing and ``create`` is true.
        lock_timeout: seconds a write waits for another writer before `StoreBusy`.
        flush_interval: appends through `add_message` are saved at most this often; see
            `flush` for durability.
        autoflush: save pending appends from a background timer within ``flush_interval``
            even if no further append comes (otherwise only on the next append, `flush`,
            `close` or interpreter exit).
    """

    def __init__(
        self,
        root: Path | str,
        *,
        create: bool = True,
        lock_timeout: float = 10.0,
        flush_interval: float = 1.0,
        autoflush: bool = True,
    ) -> None:
        self.root = Path(root).expanduser()
        self.layout = StoreLayout(self.root)
        self.lock_timeout = lock_timeout
        self.flush_interval = flush_interval
        self.listeners: list[Callable[[StoreEvent], None]] = []
        self._pending: dict[str, Session] = {}
        self._pending_lock = threading.RLock()
        self._autoflush = autoflush
        self._flush_timer: threading.Timer | None = None
        self._last_flush = time.monotonic()
        self._lock = filelock.FileLock(self.layout.lock, mode=FILE_MODE, thread_local=True)
        self.manifest = self._open_manifest(create)
        if not self.layout.lock.exists():  # now, not at the first write: it changes root's mtime
            with contextlib.suppress(PermissionError):  # a read-only store is still read
                fd = os.open(self.layout.lock, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
                os.close(fd)
                os.chmod(self.layout.lock, FILE_MODE)
        for directory in (
            self.layout.sessions,
            self.layout.index_dir,
            self.layout.trash,
            self.layout.backups,
            self.layout.quarantine,
            self.layout.log_dir,
        ):
            if not directory.is_dir():
                ensure_private_dir(directory)
        _tighten((self.root, *self.layout.root.glob("*")))
        self.index = self._open_index()
        self._sweep_temps_if_due()
        self._recover_interrupted_trash_moves()
        self.refresh_index()
        ref = weakref.ref(self)
        atexit.register(lambda: (s := ref()) is not None and s.flush_quietly())

    # -- opening -------------------------------------------------------------------------

    def _open_index(self) -> MetaIndex:
        """The metadata index; for a store this process may read but not write (a backup
        mounted read-only, another user's store), a private copy of it in a temp dir: the
        index is a cache, so reading must never depend on being able to write it."""
        try:
            return MetaIndex(self.layout.meta_index)
        except (sqlite3.OperationalError, PermissionError):
            if os.access(self.layout.index_dir, os.W_OK):
                raise
        private = Path(tempfile.mkdtemp(prefix="sessions-tui-index-")) / "meta.sqlite3"
        with contextlib.suppress(OSError):
            shutil.copyfile(self.layout.meta_index, private)
        return MetaIndex(private)  # mkdtemp made its directory 0700

    def _open_manifest(self, create: bool) -> Manifest:
        path = self.layout.manifest
        if path.exists():
            try:
                manifest = Manifest.model_validate_json(path.read_bytes())
            except Exception as exc:
                reason = _short_reason(exc, "manifest")  # pydantic's errors span several lines
                raise NotAStore(f"{path}: unreadable store manifest ({reason})") from None
            if manifest.format != STORE_FORMAT_NAME:
                raise NotAStore(f"{path}: not a sessions-tui store (format={manifest.format!r})")
            return manifest
        if not create:
            raise NotAStore(f"{self.root}: no sessions-tui store here (no store.json)")
        if self.root.exists() and any(self.root.iterdir()):
            raise NotAStore(
                f"{self.root}: directory is not empty and is not a sessions-tui store; "
                "choose an empty or new directory"
            )
        ensure_private_dir(self.root)
        manifest = Manifest()
        atomic_write(path, manifest.model_dump_json(indent=2).encode() + b"\n")
        return manifest

    def _temps_key(self) -> str:
        dirs = (self.layout.sessions, self.root, self.layout.trash)
        return ",".join(str(d.stat().st_mtime_ns) for d in dirs)

    @contextmanager
    def _own_changes(self) -> Iterator[None]:
        """Around a change of ours (writer lock held): keep the index's marks valid.

        The index records the ``sessions/`` mtime it was synced at and the directory mtimes at
        the last temp sweep that found none. Our own writes update the index themselves and
        never leave temps, so if the marks were current before, they are moved forward;
        otherwise the next reader would take our change for someone else's and rescan (or, for
        a read-only command such as a dry run, write to the index).
        """
        sessions_before = self._sessions_dir_mtime()
        temps_before = self._temps_key()
        yield
        self.index.note_own_write(sessions_before, self._sessions_dir_mtime())
        if self.index.get_meta("temps_clean_at") == temps_before:
            with self.index.conn:
                self.index.set_meta("temps_clean_at", self._temps_key())

    def _sweep_temps_if_due(self) -> None:
        """Remove temps of killed writers, unless nothing changed since a sweep found none.

        Scanning sessions/ costs ~0.1-0.2 s at 100k files and every `list` opens the store, so
        the directories' mtimes at the last sweep that left no temp behind are kept in the
        index (a cache: lost means sweep now). A temp can only appear by changing an mtime.
        """
        dirs = (self.layout.sessions, self.root, self.layout.trash)
        try:
            key = self._temps_key()  # before scanning: racy-safe
            if self.index.get_meta("temps_clean_at") == key:
                return
        except (OSError, sqlite3.Error):
            key = ""
        young: list[Path] = []
        for directory in dirs:  # trash/: temps of the bulk-move journal
            sweep_orphaned_temps(directory, kept=young)
        if key and not young:
            with contextlib.suppress(sqlite3.Error), self.index.conn:
                self.index.set_meta("temps_clean_at", key)

    @property
    def settings(self) -> StoreSettings:
        return self.manifest.settings

    def update_settings(self, **changes: Any) -> StoreSettings:
        """Change store settings, named either way (``retention_days`` or ``retentionDays``)."""
        fields = StoreSettings.model_fields
        by_alias = {info.alias: name for name, info in fields.items() if info.alias}
        named = {by_alias.get(key, key): value for key, value in changes.items()}
        unknown = sorted(set(named) - set(fields))
        if unknown:
            raise TypeError(f"unknown store setting(s): {', '.join(unknown)}")
        self._refuse_newer_store()
        with self.writing():
            settings = self.manifest.settings
            # keep a newer release's unknown settings, but drop an extra key that spells a known
            # one (an older release wrote ``retention_days`` beside ``retentionDays``)
            extras = {
                k: v
                for k, v in (settings.model_extra or {}).items()
                if k not in fields and k not in by_alias
            }
            data = extras | {name: getattr(settings, name) for name in fields} | named
            self.manifest.settings = StoreSettings.model_validate(data)
            atomic_write(
                self.layout.manifest, self.manifest.model_dump_json(indent=2).encode() + b"\n"
            )
        return self.manifest.settings

    @property
    def newer_format(self) -> bool:
        """The store was written by a newer sessions-tui: read it, never migrate it."""
        return self.manifest.format_version > CURRENT_FORMAT_VERSION

    # -- locking ---------------------------------------------------------------------------

    @contextmanager
    def writing(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the store's writer lock (re-entrant) for the duration of the block."""
        wait = self.lock_timeout if timeout is None else timeout
        try:
            self._lock.acquire(timeout=wait)
        except filelock.Timeout:
            raise StoreBusy(self.layout.lock, wait) from None
        try:
            yield
        finally:
            self._lock.release()

    # -- the metadata index --------------------------------------------------------------

    def refresh_index(
        self, progress: Callable[[int, int], None] | None = None
    ) -> SyncReport | None:
        """Sync the metadata index with the files if they changed since it was last synced.

        Returns None when it was fresh, or when another process holds the writer lock (that
        process keeps the index current as it writes).
        """
        if self.index.is_fresh(self.layout.sessions):
            return None
        try:
            with self.writing(timeout=0):
                return self.index.sync(self.layout.sessions, self._read_for_index, progress)
        except StoreBusy:
            return None
        except PermissionError:
            # A read-only store: its lock cannot be taken, and this process writes nothing
            # there to race with; the index synced is the private copy (`_open_index`).
            return self.index.sync(self.layout.sessions, self._read_for_index, progress)

    def rebuild_index(self, progress: Callable[[int, int], None] | None = None) -> SyncReport:
        with self.writing():
            self.index.close()
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.layout.meta_index) + suffix).unlink(missing_ok=True)
            self.index = MetaIndex(self.layout.meta_index)
            return self.index.sync(self.layout.sessions, self._read_for_index, progress)

    def _read_for_index(self, path: Path) -> tuple[Session, int]:
        decoded = self._decode_path(path)
        return decoded.session, decoded.format_version

    # -- reading ---------------------------------------------------------------------------

    def _decode_path(self, path: Path):
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise UnreadableSessionFile(path, f"cannot read: {exc.strerror or exc}") from None
        return decode(data, path, expected_id=session_id_from_file_name(path.name))

    def path_of(self, session_id: str) -> Path:
        """The file currently holding ``session_id`` (newest spelling if both exist)."""
        if not is_valid_session_id(session_id):
            raise SessionNotFound(session_id)
        found = self.layout.existing_session_files(session_id)
        if not found:
            raise SessionNotFound(session_id)
        return max(found, key=lambda p: p.stat().st_mtime_ns)

    def get(self, session_id: str) -> Session:
        """Read a session from its file (the truth), verifying its checksum."""
        if session_id in self._pending:
            return self._pending[session_id]
        try:
            return self._decode_path(self.path_of(session_id)).session
        except FileNotFoundError:
            raise SessionNotFound(session_id) from None

    def exists(self, session_id: str) -> bool:
        return is_valid_session_id(session_id) and bool(
            self.layout.existing_session_files(session_id)
        )

    def list(self, query: ListQuery | None = None) -> list[SessionSummary]:
        """Summaries from the metadata index (synced first if files changed)."""
        self.refresh_index()
        return self.index.query(query or ListQuery())

    def count(self, query: ListQuery | None = None) -> int:
        return self.index.count(query)

    def summary(self, session_id: str) -> SessionSummary | None:
        return self.index.get(session_id)

    def iter_sessions(self) -> Iterator[Session | CorruptSessionFile]:
        """Every session file, decoded; corrupt ones are yielded as their error, not raised."""
        for entry in sorted(os.scandir(self.layout.sessions), key=lambda e: e.name):
            if session_id_from_file_name(entry.name) is None:
                continue
            try:
                yield self._decode_path(Path(entry.path)).session
            except CorruptSessionFile as exc:
                yield exc
            except FileNotFoundError:
                continue

    def problems(self) -> list[tuple[str, str]]:
        """Files the index could not read, as (file name, reason)."""
        return self.index.problems()

    # -- writing ---------------------------------------------------------------------------

    def save(self, session: Session) -> SessionSummary:
        """Write ``session`` atomically and durably, and update the metadata index."""
        return self.save_many([session])[0]

    def save_many(self, sessions: Iterable[Session]) -> list[SessionSummary]:
        """Save several sessions under one lock acquisition.

        Sessions are written in chunks of up to `SAVE_CHUNK` files; each chunk is all or
        nothing (`atomic_write_many`), and costs one directory fsync instead of one per file.
        If the same id appears twice, the later session wins.
        """
        batch = list({s.id: s for s in sessions}.values())
        rows: list[tuple] = []
        with self.writing():
            for start in range(0, len(batch), SAVE_CHUNK):
                rows += self._save_chunk(batch[start : start + SAVE_CHUNK])
        return [s for row in rows if (s := self.index.get(row[0])) is not None]

    def _save_chunk(self, sessions: list[Session]) -> list[tuple]:
        prepared = [self._prepare(session) for session in sessions]
        with self._own_changes():
            rows = self._write_prepared(prepared)
        self._notify(StoreEvent("saved", tuple(row[0] for row in rows)))
        return rows

    def _write_prepared(
        self, prepared: list[tuple[Session, Path, bytes, list[Path]]]
    ) -> list[tuple]:
        stats = atomic_write_many([(target, data) for _s, target, data, _old in prepared])
        # The saves are complete and durable. If removing an old spelling (.json vs .json.zst)
        # is not, a crash may bring it back; readers take the newer file, so that is harmless.
        stale = [path for _s, _t, _d, old in prepared for path in old]
        if stale:
            with contextlib.suppress(OSError):
                for path in stale:
                    path.unlink(missing_ok=True)
                fsync_dir(self.layout.sessions)
        rows = []
        for (session, target, _data, _old), st in zip(prepared, stats, strict=True):
            rows.append(summary_row(session, target.name, st, CURRENT_FORMAT_VERSION))
            self._pending.pop(session.id, None)
        self.index.upsert(rows)
        return rows

    def _prepare(self, session: Session) -> tuple[Session, Path, bytes, list[Path]]:
        """Check one session can be written, and encode it: (session, target, bytes, stale)."""
        if not is_valid_session_id(session.id):
            raise StoreError(f"invalid session id {session.id!r}")
        self._refuse_newer_store()
        existing = self.layout.existing_session_files(session.id)
        for path in existing:
            self._refuse_newer(path)
        settings = self.settings
        if settings.persistence and settings.retention_days and session.persisted_until is None:
            until = now_utc() + timedelta(days=settings.retention_days)
            session.persisted_until = int(until.timestamp() * 1000)
        target = self.layout.session_file(session.id, settings.compress)
        data = encode(session, compress=settings.compress, level=settings.compression_level)
        return session, target, data, [p for p in existing if p != target]

    def _refuse_rewrite(self, session_id: str) -> None:
        """`ReadOnlySession` if saving ``session_id`` would rewrite a newer format's file."""
        self._refuse_newer_store()
        for path in self.layout.existing_session_files(session_id):
            self._refuse_newer(path)

    def _refuse_newer_store(self) -> None:
        """A store written by a newer sessions-tui is read, never changed (storage-format §2)."""
        if self.newer_format:
            raise ReadOnlySession(
                f"{self.root}: store written by a newer sessions-tui (format version "
                f"{self.manifest.format_version}); it is read-only for this version"
            )

    def _refuse_newer(self, path: Path) -> None:
        try:
            data = path.read_bytes()
            raw = decompress_bounded(data) if data[:4] == ZSTD_MAGIC else data
            version = read_header(raw).get("formatVersion")
        except Exception:
            return  # a corrupt file may be overwritten by a good one
        if isinstance(version, int) and version > CURRENT_FORMAT_VERSION:
            raise ReadOnlySession(
                f"{path}: written by a newer format version ({version}); it is never rewritten"
            )

    def _sessions_dir_mtime(self) -> int:
        return self.layout.sessions.stat().st_mtime_ns

    def _notify(self, event: StoreEvent) -> None:
        for listener in list(self.listeners):
            listener(event)

    # -- the application API: create and append -----------------------------------------

    def create_session(
        self,
        title: str = "",
        *,
        source: str = "native",
        project: str | None = None,
        models: Sequence[str] = (),
        tags: Sequence[str] = (),
        session_id: str | None = None,
        **extra: Any,
    ) -> Session:
        """Create and save an empty session, returning it.

        An explicit ``session_id`` that is already taken raises `SessionExists`: creating
        never overwrites (use `get` and `save` to replace a session on purpose).
        """
        if session_id is not None and (session_id in self._pending or self.exists(session_id)):
            raise SessionExists(session_id)
        session = Session(
            id=session_id or new_id(),
            title=title,
            source=source,
            project=project,
            models=list(models),
            tags=list(tags),
            extra=extra,
        )
        self.save(session)
        return session

    def add_message(
        self,
        session_id: str,
        role: Role,
        content: str | Sequence[ContentBlock | dict[str, Any]],
        *,
        model: str | None = None,
        parent_id: str | None = None,
        **fields: Any,
    ) -> Message:
        """Append a message (id and timestamp generated) and return it.

        The session is saved at most every ``flush_interval`` seconds, so a chat app can
        append per token batch without rewriting a large file each time; with ``autoflush`` a
        background timer saves it within ``flush_interval`` even if nothing else is appended.
        An appended message is durable once `flush` or `close` returns.
        """
        with self._pending_lock:
            session = self._pending.get(session_id)
            if session is None:
                session = self.get(session_id)
                self._refuse_rewrite(session_id)  # now, not at a later flush of other appends
            blocks = (
                [TextBlock(text=content)]
                if isinstance(content, str)
                else _BLOCKS.validate_python(
                    [b.model_dump() if hasattr(b, "model_dump") else b for b in content]
                )
            )
            if parent_id is None and session.messages:
                parent_id = session.messages[-1].id
            message = Message(
                id=new_id(),
                parent_id=parent_id,
                role=role,
                timestamp=now_utc(),
                model=model,
                content=blocks,
                **fields,
            )
            session.messages.append(message)
            session.updated = message.timestamp or now_utc()
            if model and model not in session.models:
                session.models.append(model)
            self._pending[session_id] = session
            if time.monotonic() - self._last_flush >= self.flush_interval:
                self.flush()
            else:
                self._arm_flush_timer()
        return message

    def _arm_flush_timer(self) -> None:
        """Make sure pending appends reach disk within ``flush_interval`` without a caller."""
        if not self._autoflush or self._flush_timer is not None:
            return
        timer = threading.Timer(self.flush_interval, self._timed_flush)
        timer.daemon = True
        self._flush_timer = timer
        timer.start()

    def _timed_flush(self) -> None:
        with self._pending_lock:
            self._flush_timer = None
            try:
                self.flush()
            except (StoreError, OSError):
                if self._pending:
                    self._arm_flush_timer()  # busy or failing disk: try again later

    def flush(self) -> None:
        """Save every session with unsaved appends. Durable when this returns.

        If one session cannot be saved, the others still are; the first error is raised
        after them. A failed session's appends stay pending (retried next flush), unless it
        can never be saved (`ReadOnlySession`).
        """
        with self._pending_lock:
            if self._pending:
                try:
                    self.save_many(list(self._pending.values()))
                except StoreBusy:
                    raise
                except (StoreError, OSError):
                    first: Exception | None = None
                    for session in list(self._pending.values()):
                        try:
                            self.save(session)
                        except ReadOnlySession as exc:
                            self._pending.pop(session.id, None)  # can never be saved
                            first = first or exc
                        except (StoreError, OSError) as exc:
                            first = first or exc
                    if first is not None:
                        raise first from None
            self._last_flush = time.monotonic()

    def flush_quietly(self) -> None:
        with contextlib.suppress(StoreError, OSError):
            self.flush()

    def close(self) -> None:
        try:
            with self._pending_lock:
                if self._flush_timer is not None:
                    self._flush_timer.cancel()
                    self._flush_timer = None
                self.flush()
        finally:
            self.index.close()
            if not self.index.path.is_relative_to(self.root):  # a read-only store's copy
                shutil.rmtree(self.index.path.parent, ignore_errors=True)

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- edits -------------------------------------------------------------------------------

    def set_starred(self, session_ids: Iterable[str], starred: bool) -> None:
        self._edit(session_ids, lambda s: setattr(s, "starred", starred))

    def set_tags(
        self, session_ids: Iterable[str], add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        def change(session: Session) -> None:
            tags = [t for t in session.tags if t not in remove]
            session.tags = tags + [t for t in add if t not in tags]

        self._edit(session_ids, change)

    def _edit(self, session_ids: Iterable[str], change: Callable[[Session], None]) -> None:
        with self.writing():
            sessions = []
            for sid in session_ids:
                session = self.get(sid)
                change(session)
                sessions.append(session)
            self.save_many(sessions)

    # -- trash -----------------------------------------------------------------------------

    def delete(
        self,
        session_ids: Iterable[str],
        *,
        reason: str = "delete",
        details: dict[str, Any] | None = None,
    ) -> list[TrashEntry]:
        """Move sessions to the trash in one step that completes or changes nothing.

        Unsaved appends to a deleted session are dropped: deleting wins.
        """
        ids = list(dict.fromkeys(session_ids))
        self._refuse_newer_store()
        with self._pending_lock, self.writing():
            for sid in ids:
                self._pending.pop(sid, None)
            moves: list[tuple[Path, Path]] = []
            stale: list[Path] = []
            stamp = int(time.time() * 1000)
            for sid in ids:
                found = self.layout.existing_session_files(sid)
                for path in found:
                    if path.is_symlink():
                        raise StoreError(f"{path}: is a symlink; refusing to delete through it")
                if not found:
                    continue
                # After a crash both spellings may exist; readers take the newer, so that is
                # the session: it goes to the trash, the superseded one is dropped (as the
                # next save would), or a restore could bring back the older version.
                newest = max(found, key=lambda p: p.stat().st_mtime_ns)
                stale += [p for p in found if p != newest]
                suffix = ZST_SUFFIX if newest.name.endswith(ZST_SUFFIX) else JSON_SUFFIX
                moves.append((newest, self.layout.trash / f"{stamp}~{sid}{suffix}"))
            if not moves:
                return []
            known = {sid: self.index.get(sid) for sid in ids}
            with self._own_changes():
                self._move_all(moves)
                for path in stale:
                    path.unlink(missing_ok=True)
                self.index.remove(ids)
            with contextlib.suppress(sqlite3.Error):  # a cache: `trash` reads files without it
                self.index.note_trashed(
                    (dst.name, row.title, row.source)
                    for dst, row in ((d, known.get(_trashed_id(d))) for _s, d in moves)
                    if row is not None
                )
            self.log_operation(reason, ids=ids, **(details or {}))
        self._notify(StoreEvent("deleted", tuple(ids)))
        return [self._trash_entry(dst) for _src, dst in moves]

    def _move_all(self, moves: list[tuple[Path, Path]]) -> None:
        """Rename every (src, dst) pair, journalled so a crash midway is rolled back on open."""
        journal = self.layout.trash / f".pending-{os.getpid()}-{time.monotonic_ns()}.json"
        atomic_write(journal, json.dumps([[str(s), str(d)] for s, d in moves]).encode())
        done: list[tuple[Path, Path]] = []
        try:
            for src, dst in moves:
                os.rename(src, dst)
                done.append((src, dst))
            for directory in {d.parent for _s, d in moves} | {s.parent for s, _d in moves}:
                fsync_dir(directory)
        except OSError as exc:
            for src, dst in reversed(done):
                with contextlib.suppress(OSError):
                    os.rename(dst, src)
            journal.unlink(missing_ok=True)
            raise SaveFailed(moves[0][0], exc) from exc
        journal.unlink()
        fsync_dir(journal.parent)

    def _recover_interrupted_trash_moves(self) -> None:
        journals = list(self.layout.trash.glob(".pending-*.json"))
        if not journals:
            return
        try:
            with self.writing(timeout=0):
                for journal in journals:
                    try:
                        pairs = json.loads(journal.read_bytes())
                    except (OSError, ValueError):
                        pairs = []  # the journal itself was never completely written
                    for src, dst in pairs:
                        if Path(dst).exists() and not Path(src).exists():
                            os.rename(dst, src)
                    journal.unlink(missing_ok=True)
                fsync_dir(self.layout.sessions)
        except StoreBusy:
            pass  # the process holding the lock may still be mid-move; leave it be

    def _trash_entry(self, path: Path) -> TrashEntry:
        stamp, _, rest = path.name.partition("~")
        sid = session_id_from_file_name(rest) or rest
        return TrashEntry(path.name, sid, int(stamp), path.stat().st_size, path)

    def trash(self, *, details: bool = False) -> list[TrashEntry]:
        """The trash, newest deletion first. With ``details``, each entry's title and tool:
        recorded by `delete` in the index, else read from the file once and recorded."""
        entries = []
        for path in self.layout.trash.iterdir():
            if path.name.startswith(".") or "~" not in path.name:
                continue
            with contextlib.suppress(ValueError, OSError):
                entries.append(self._trash_entry(path))
        entries.sort(key=lambda e: (-e.deleted_ms, e.session_id))
        if not details:
            return entries
        try:
            known = self.index.trashed([e.name for e in entries])
        except sqlite3.Error:
            known = {}
        learned = []
        for entry in entries:
            if entry.name not in known:
                try:
                    session = self.read_trashed(entry)
                    known[entry.name] = (display_title(session), session.source)
                    learned.append((entry.name, *known[entry.name]))
                except (StoreError, OSError):
                    known[entry.name] = ("(unreadable)", "")
        if learned:
            with contextlib.suppress(sqlite3.Error):
                self.index.note_trashed(learned)
        return [replace(e, title=known[e.name][0], source=known[e.name][1]) for e in entries]

    def resolve_id(self, text: str) -> str:
        """The session ``text`` names: its id, the one id starting with it (as git takes a
        unique prefix of a commit id), or else the id its own tool gives it (the UUID that
        `claude --resume` takes; a subagent shares it with its parent, which is meant).
        A prefix of a session's id also starts its subagents' ids (``<id>.agent-<n>``): the
        session itself is meant. A beginning needs `MIN_PREFIX` characters, as in git.
        `SessionNotFound` if none, `AmbiguousId` if several."""
        if self.exists(text):
            return text
        self.refresh_index()
        long_enough = len(text) >= MIN_PREFIX
        matches = self.index.ids_with_prefix(text, 11) if long_enough else []
        if len(matches) > 1:
            parent = self.index.parent_of_all_with_prefix(text)
            if parent is not None:
                return parent
        if not matches and text:
            matches = self.index.ids_with_source_id(text, 11)
        if not matches and long_enough:
            # The beginning of the tool's own id, as copied from a `claude --resume` line.
            matches = self.index.ids_with_source_id(text, 11, prefix=True)
        if not matches:
            raise SessionNotFound(text, self._trashed_id_for(text))
        return _one_match(text, matches)

    def _trashed_id_for(self, text: str) -> str | None:
        """The id of the one trashed session ``text`` names, to say where it went."""
        if not text:
            return None
        entries = self.trash()
        try:
            found = self.resolve_trashed(text, entries)
        except AmbiguousId:
            return None
        return next((e.session_id for e in entries if found in (e.name, e.session_id)), None)

    def resolve_trashed(self, text: str, entries: list[TrashEntry] | None = None) -> str:
        """The trash entry name, session id or unique beginning of one (`MIN_PREFIX`
        characters or more) that ``text`` is; ``text`` itself when nothing in the trash
        matches (`restore` then reports it missing). `AmbiguousId` if it starts several."""
        entries = self.trash() if entries is None else entries
        if len(text) < MIN_PREFIX or any(text in (e.name, e.session_id) for e in entries):
            return text
        matches = sorted({e.session_id for e in entries if e.session_id.startswith(text)})
        return _one_match(text, matches) if matches else text

    def read_trashed(self, entry: TrashEntry) -> Session:
        return decode(entry.path.read_bytes(), entry.path).session

    def restore(self, names_or_ids: Iterable[str] | None = None) -> RestoreReport:
        """Move trashed sessions back (byte-identical). None restores everything.

        A name is a trash entry name or a session id (its newest trash entry).
        """
        report = RestoreReport()
        self._refuse_newer_store()
        with self.writing():
            entries = self.trash()
            if names_or_ids is None:
                chosen = {e.session_id: e for e in reversed(entries)}  # newest per id wins
                wanted = list(chosen.values())
            else:
                wanted = []
                for key in names_or_ids:
                    match = next((e for e in entries if e.name == key or e.session_id == key), None)
                    if match is None:
                        report.missing.append(key)
                    else:
                        wanted.append(match)
            moves = []
            for entry in wanted:
                if self.exists(entry.session_id):
                    report.conflicts.append(entry.session_id)
                    continue
                suffix = ZST_SUFFIX if entry.name.endswith(ZST_SUFFIX) else JSON_SUFFIX
                moves.append((entry.path, self.layout.sessions / f"{entry.session_id}{suffix}"))
                report.restored.append(entry.session_id)
            if moves:
                with self._own_changes():
                    self._move_all(moves)
                    rows = []
                    for _src, dst in moves:
                        try:
                            session, version = self._read_for_index(dst)
                        except CorruptSessionFile:
                            continue
                        rows.append(summary_row(session, dst.name, dst.stat(), version))
                    self.index.upsert(rows)
                self.log_operation("restore", ids=report.restored)
        if report.restored:
            self._notify(StoreEvent("restored", tuple(report.restored)))
        return report

    def empty_trash(self, entries: Iterable[TrashEntry] | None = None) -> int:
        self._refuse_newer_store()
        with self.writing():
            victims = list(entries) if entries is not None else self.trash()
            for entry in victims:
                entry.path.unlink(missing_ok=True)
            if victims:
                fsync_dir(self.layout.trash)
                self.log_operation("empty-trash", ids=[e.session_id for e in victims])
        return len(victims)

    # -- operations log -------------------------------------------------------------------

    def log_operation(self, op: str, **details: Any) -> None:
        """Append one line to log/operations.jsonl (0600, fsynced)."""
        line = (
            json.dumps(
                {"time": now_utc().isoformat(), "op": op, **details},
                default=str,
                ensure_ascii=False,
            )
            + "\n"
        )
        path = self.layout.operations_log
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def operations(self) -> list[dict[str, Any]]:
        try:
            lines = self.layout.operations_log.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
        return out

    # -- maintenance -----------------------------------------------------------------------

    def verify(self, *, repair: bool = False) -> VerifyReport:
        """Read and check every session file; with ``repair`` move bad ones to quarantine/."""
        report = VerifyReport()
        if repair:
            self._refuse_newer_store()
        with self.writing() if repair else contextlib.nullcontext():
            for entry in sorted(os.scandir(self.layout.sessions), key=lambda e: e.name):
                if session_id_from_file_name(entry.name) is None:
                    continue
                path = Path(entry.path)
                report.checked += 1
                try:
                    decoded = self._decode_path(path)
                except FileNotFoundError:
                    continue
                except CorruptSessionFile as exc:
                    report.problems.append((path, exc.reason))
                    if repair and not isinstance(exc, UnreadableSessionFile):
                        stamp = int(time.time() * 1000)
                        dst = self.layout.quarantine / f"{path.name}.{stamp}"
                        sid = session_id_from_file_name(path.name) or path.name
                        row = self.index.get(sid)
                        os.rename(path, dst)
                        report.quarantined.append(dst)
                        report.recoverable[dst] = (sid, row.source_path if row else None)
                    continue
                if decoded.newer:
                    report.newer_version.append(path)
            if repair and report.quarantined:
                fsync_dir(self.layout.sessions)
                fsync_dir(self.layout.quarantine)
                self.log_operation("quarantine", files=[p.name for p in report.quarantined])
                self.index.sync(self.layout.sessions, self._read_for_index)
        return report

    def migrate(self, progress: Callable[[int, int], None] | None = None) -> MigrateReport:
        """Rewrite every older-format file in the current format, after a backup."""
        report = MigrateReport()
        self._refuse_newer_store()
        with self.writing():
            todo: list[Path] = []
            entries = [
                e
                for e in os.scandir(self.layout.sessions)
                if session_id_from_file_name(e.name) is not None
            ]
            for entry in entries:
                path = Path(entry.path)
                try:
                    data = path.read_bytes()
                    raw = decompress_bounded(data) if data[:4] == ZSTD_MAGIC else data
                    version = read_header(raw).get("formatVersion")
                except Exception as exc:
                    report.problems.append((path, f"unreadable header: {exc}"))
                    continue
                if not isinstance(version, int) or isinstance(version, bool) or version < 1:
                    report.problems.append((path, f"bad formatVersion {version!r}"))
                elif version < CURRENT_FORMAT_VERSION:
                    todo.append(path)
                elif version > CURRENT_FORMAT_VERSION:
                    report.skipped_newer.append(path)
                else:
                    report.current += 1
            if todo or self.manifest.format_version < CURRENT_FORMAT_VERSION:
                report.backup = self._backup(todo)
            for done, path in enumerate(todo, 1):
                try:
                    session = self._decode_path(path).session
                except CorruptSessionFile as exc:
                    report.problems.append((path, exc.reason))
                    continue
                self.save(session)
                report.migrated += 1
                if progress:
                    progress(done, len(todo))
            if self.manifest.format_version < CURRENT_FORMAT_VERSION:
                self.manifest.format_version = CURRENT_FORMAT_VERSION
                atomic_write(
                    self.layout.manifest, self.manifest.model_dump_json(indent=2).encode() + b"\n"
                )
            if report.migrated:
                self.log_operation("migrate", count=report.migrated, backup=str(report.backup))
        return report

    def _backup(self, files: Sequence[Path]) -> Path:
        """Hard-link (or copy) files into backups/<time>/ before they are rewritten.

        Rewrites replace the directory entry, so a hard link keeps the old bytes intact.
        """
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = ensure_private_dir(
            self.layout.backups / f"{stamp}-v{self.manifest.format_version}"
        )
        shutil.copy2(self.layout.manifest, target / "store.json")
        os.chmod(target / "store.json", FILE_MODE)
        for path in files:
            dst = target / path.name
            try:
                os.link(path, dst)
            except OSError:
                shutil.copy2(path, dst)
            os.chmod(dst, FILE_MODE)  # a file from an older or foreign writer may be lax
        fsync_dir(target)
        return target

    def stats(self) -> dict[str, Any]:
        self.refresh_index()
        totals = self.index.totals()
        return {
            "store": str(self.root),
            "format_version": self.manifest.format_version,
            **totals,
            "by_source": dict(self.index.facet("source")),
            "problems": len(self.index.problems()),
            "trash": len(self.trash()),
        }
