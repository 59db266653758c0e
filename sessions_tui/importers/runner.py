"""Run importers over paths: detect formats, skip what did not change, save, and report.

``import_paths(store, paths)`` imports files, directories and export zips;
``auto_import(store)`` imports every tool's default location on this machine and is cheap when
nothing changed (one ``stat`` per transcript, no reads), so the app runs it at every start.

Incremental and idempotent: the import-state cache (`state.ImportState`) remembers each source
file's size, mtime and hash; an unchanged file is skipped without being read, a touched but
identical one after hashing only. A changed file is parsed, and each session it yields is
compared with the stored one, ignoring what the user owns (``starred``, ``tags``,
``persisted_until``, which are carried over): identical sessions are left untouched on disk.
Sessions deleted at the source stay in the store; sessions the user deleted in sessions-tui
are not brought back (unless ``restore_deleted``). A session whose corrupt file
``verify --repair`` quarantined was not deleted by the user: the next import of its source
(even an unchanged one) brings it back.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat as statmod
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..models import Session
from ..store import SessionStore
from ..store.errors import StoreBusy, StoreError
from ..store.layout import session_id_from_file_name
from .base import Importer, ImporterError, ParseStats, all_importers
from .state import FileState, ImportState

#: Bytes read from a file's start to recognise its format.
HEAD_BYTES = 64 * 1024
#: Sessions saved per store lock acquisition, and the source bytes that force an earlier save.
BATCH_SESSIONS = 200
BATCH_BYTES = 64 << 20
#: Store fields the user owns: kept from the stored session, ignored when comparing.
USER_FIELDS = frozenset({"starred", "tags", "persisted_until"})
#: Zip members that can hold a chat export (ChatGPT and Claude.ai both use this name).
EXPORT_MEMBERS = ("conversations.json",)

Progress = Callable[[int, int], None]


class UnknownSource(ValueError):
    """``--from`` named a source no importer provides (a usage error)."""


@dataclass(frozen=True, slots=True)
class Failure:
    path: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass(slots=True)
class Task:
    """One source file and the importer that will read it."""

    path: Path
    importer: Importer
    size: int = 0
    mtime_ns: int = 0
    #: Found by walking a directory with several importers: confirm the format by content
    #: before parsing (a folder can mix tools' files), and hand it to the importer that
    #: claims it.
    verify: bool = False


@dataclass
class ImportSummary:
    """What an import did. ``exit_code``: 0 all imported or deliberately skipped, 1 failures."""

    new: int = 0
    updated: int = 0
    #: Sessions found as they were: parsed and identical, or in a file skipped as unchanged
    #: (counted from what that file produced last time, so a re-import reads "206 unchanged").
    unchanged: int = 0
    #: Sessions the user deleted in sessions-tui (in the trash, or gone after an import),
    #: not brought back.
    kept_deleted: int = 0
    files_found: int = 0
    files_parsed: int = 0
    #: Unchanged since the last import: skipped without reading (or after hashing only).
    files_unchanged: int = 0
    #: Files in a tool's folder that are not transcripts (indexes, metadata, outputs).
    files_not_transcripts: int = 0
    #: Transcript-named files that held no session (bookkeeping only, summary-only).
    files_empty: int = 0
    bytes_parsed: int = 0
    failures: list[Failure] = field(default_factory=list)
    bad_lines: list[tuple[str, str]] = field(default_factory=list)
    unknown_types: Counter[str] = field(default_factory=Counter)
    skipped_types: Counter[str] = field(default_factory=Counter)
    by_source: Counter[str] = field(default_factory=Counter)
    new_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)
    #: Another file already gave a session of the same id: (path, session id, what was done).
    same_id: list[tuple[str, str, str]] = field(default_factory=list)
    busy: bool = False
    interrupted: bool = False
    state_rebuilt: bool = False
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated)

    def exit_code(self, strict: bool = False) -> int:
        """1 if a file or session failed (or, with ``strict``, if any line was bad)."""
        return 1 if self.failures or self.busy or (strict and self.bad_lines) else 0

    def merge(self, other: ImportSummary) -> None:
        for name in (
            "new",
            "updated",
            "unchanged",
            "kept_deleted",
            "files_found",
            "files_parsed",
            "files_unchanged",
            "files_not_transcripts",
            "files_empty",
            "bytes_parsed",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failures += other.failures
        self.bad_lines += other.bad_lines
        self.unknown_types.update(other.unknown_types)
        self.skipped_types.update(other.skipped_types)
        self.by_source.update(other.by_source)
        self.new_ids += other.new_ids
        self.updated_ids += other.updated_ids
        self.same_id += other.same_id
        self.busy |= other.busy
        self.interrupted |= other.interrupted
        self.seconds += other.seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "sessions": {
                "new": self.new,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "failed": self.failed,
                "kept_deleted": self.kept_deleted,
            },
            "files": {
                "found": self.files_found,
                "parsed": self.files_parsed,
                "unchanged": self.files_unchanged,
                "not_transcripts": self.files_not_transcripts,
                "empty": self.files_empty,
            },
            "bytes_parsed": self.bytes_parsed,
            "by_source": dict(sorted(self.by_source.items())),
            "failures": [f.to_json() for f in self.failures],
            "bad_lines": [{"where": w, "reason": r} for w, r in self.bad_lines],
            "unknown_types": dict(self.unknown_types.most_common()),
            "skipped_types": dict(self.skipped_types.most_common()),
            "new_ids": self.new_ids,
            "updated_ids": self.updated_ids,
            "same_id": [{"path": p, "session_id": i, "action": a} for p, i, a in self.same_id],
            "busy": self.busy,
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 3),
        }


# ---------------------------------------------------------------------------------------------
# Planning: which files, read by which importer


def importers_for(source: str | None) -> dict[str, Importer]:
    found = all_importers()
    if source is None:
        return found
    if source not in found:
        known = ", ".join(sorted(found)) or "none"
        raise UnknownSource(f"unknown source {source!r} (known: {known})")
    return {source: found[source]}


def _read_head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(HEAD_BYTES)
    except OSError:
        return b""


def _zip_member_head(path: Path) -> bytes | None:
    """The first bytes of an export member of a zip, or None if it has none (never extracted)."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                base = info.filename.rsplit("/", 1)[-1]
                if info.is_dir() or base not in EXPORT_MEMBERS:
                    continue
                if (info.external_attr >> 16) & 0o170000 == 0o120000:
                    continue  # symlink member
                with archive.open(info) as member:
                    return member.read(HEAD_BYTES)
    except (OSError, zipfile.BadZipFile, RuntimeError, EOFError, ValueError):
        return None
    return None


def _sniffer(importers: dict[str, Importer], path: Path) -> tuple[Importer | None, str]:
    """The importer that recognises a single file, and a reason if none does."""
    is_zip = zipfile.is_zipfile(path)
    # A web export's zip is told by its member; any other zip (sessions-tui's own JSON
    # export) by its first bytes, which the native importer looks inside.
    head = (_zip_member_head(path) if is_zip else None) or _read_head(path)
    for importer in importers.values():
        try:
            if importer.sniff(path, head):
                return importer, ""
        except Exception:  # sniff must never raise; a buggy one must not stop the run
            continue
    if is_zip:
        members = " or ".join(EXPORT_MEMBERS)
        return None, (
            f"zip without a readable {members} or sessions-tui session files "
            "(--from SOURCE reads it as that source and says what is wrong)"
        )
    tried = ", ".join(importers)
    return None, f"not a session file of any known tool (tried {tried})"


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except OSError:
        return False


def _count_files(root: Path) -> int:
    """Regular files under ``root`` (symlinks not followed), for the not-transcripts count."""
    total = 0
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
                    elif entry.is_file(follow_symlinks=False):
                        total += 1
        except OSError:
            continue
    return total


def plan(
    importers: dict[str, Importer],
    paths: Iterable[Path],
    summary: ImportSummary,
    *,
    forced: bool = False,
    auto: bool = False,
    claimed: set[Path] | None = None,
) -> list[Task]:
    """Tasks for ``paths``; problems with a path given by the user go into ``summary``.

    ``claimed`` (resolved paths already planned) is shared by callers that plan several
    times for one run, so a file reachable from two locations is read once."""
    tasks: list[Task] = []
    claimed = set() if claimed is None else claimed
    # Several importers can list the same file (Claude Code's discover lists every *.jsonl,
    # Codex rollouts included): whenever more than one looks, confirm each file by content.
    # --from (forced) and a tool's own default location (one importer) need no check.
    verify = not forced and len(importers) > 1
    for given in paths:
        # Absolute: a session's source path must name its file from any directory.
        path = Path(os.path.abspath(Path(given).expanduser()))
        try:
            is_dir = path.is_dir()
            exists = is_dir or path.is_file()
        except OSError as exc:
            summary.failures.append(Failure(str(path), exc.strerror or str(exc)))
            continue
        if not exists:
            if not auto:
                reason = "no such file or directory" if not path.exists() else "not a regular file"
                summary.failures.append(Failure(str(path), reason))
            continue
        if is_dir:
            root = path.resolve()
            found = 0
            for importer in importers.values():
                try:
                    discovered = list(importer.discover(path))
                except ImporterError as exc:
                    summary.failures.append(Failure(str(exc.path), exc.reason))
                    continue
                except OSError as exc:
                    summary.failures.append(Failure(str(path), exc.strerror or str(exc)))
                    continue
                for file in discovered:
                    if not _inside(file, root):
                        summary.skipped_types["symlink out of the scanned tree"] += 1
                        continue
                    key = file.resolve()
                    if key in claimed:
                        continue
                    claimed.add(key)
                    tasks.append(Task(file, importer, verify=verify))
                    found += 1
            if not auto or all(i.owns_default_locations for i in importers.values()):
                summary.files_not_transcripts += max(0, _count_files(path) - found)
            if not found and not auto:
                summary.failures.append(
                    Failure(str(path), "no session files of any known tool found here")
                )
            continue
        key = path.resolve()
        if key in claimed:
            continue
        if forced:
            importer = next(iter(importers.values()))
        else:
            chosen, reason = _sniffer(importers, path)
            if chosen is None:
                summary.failures.append(Failure(str(path), reason))
                continue
            importer = chosen
        claimed.add(key)
        tasks.append(Task(path, importer))
    summary.files_found += len(tasks)
    return tasks


# ---------------------------------------------------------------------------------------------
# Running


def quarantined_ids(store: SessionStore) -> set[str]:
    """Ids of sessions whose file `verify --repair` moved to quarantine/ (named
    ``<file name>.<ms>``) and that are not in the store again."""
    ids: set[str] = set()
    try:
        entries = list(os.scandir(store.layout.quarantine))
    except OSError:
        return ids
    for entry in entries:
        sid = session_id_from_file_name(entry.name.rsplit(".", 1)[0])
        if sid is not None and not store.exists(sid):
            ids.add(sid)
    return ids


def _ids(session: Session) -> set[str]:
    return {m.id for m in session.messages}


def payload_hash(session: Session) -> str:
    """A hash of what the import produced, ignoring the fields the user owns."""
    data = session.model_dump_json(exclude=set(USER_FIELDS))
    return hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _comparable(session: Session) -> dict[str, Any]:
    return session.model_dump(mode="json", exclude=set(USER_FIELDS))


class ImportRun:
    """One import into one store: plans are executed task by task, saved in batches."""

    def __init__(
        self,
        store: SessionStore,
        *,
        force: bool = False,
        restore_deleted: bool = False,
        progress: Progress | None = None,
        importers: dict[str, Importer] | None = None,
    ) -> None:
        self.store = store
        self.force = force
        self.restore_deleted = restore_deleted
        #: Read every file again, changed or not: a deleted session's file is unchanged since
        #: it was imported, so restoring one means reading it (its unchanged sessions are
        #: still left alone on disk, found equal by their payload).
        self.reread = force or restore_deleted
        self.progress = progress
        self.importers = importers if importers is not None else all_importers()
        self.state = ImportState(store.layout.index_dir / "imports.sqlite3")
        self._known = self.state.all_files()
        self._trashed: set[str] | None = None
        #: Sessions `verify --repair` moved to quarantine/ (corrupt files) and not back since:
        #: not deleted by the user, so a file that produced one is read again to restore it.
        self._quarantined = quarantined_ids(store)
        self._pending: list[tuple[Session, str, str, str]] = []  # session, hash, path, kind
        self._pending_at: dict[str, int] = {}  # session id -> its place in _pending
        self._pending_files: list[FileState] = []
        self._pending_bytes = 0
        self._blocked_files: set[str] = set()
        #: Paths recorded as imported by this run (the watcher reads and clears it).
        self.imported: set[str] = set()

    def close(self) -> None:
        self.state.close()

    # -- deciding what to read ----------------------------------------------------------

    def stat(self, task: Task) -> bool:
        """Fill in size/mtime; False if the file vanished, is unreadable or is not a regular
        file (opening a FIFO or a device would block or never end)."""
        try:
            st = os.stat(task.path)
        except OSError:
            return False
        if not statmod.S_ISREG(st.st_mode):
            return False
        task.size, task.mtime_ns = st.st_size, st.st_mtime_ns
        return True

    def unchanged_by_stat(self, task: Task) -> bool:
        known = self._known.get(str(task.path))
        return (
            not self.reread
            and known is not None
            and known.source == task.importer.source
            and known.size == task.size
            and known.mtime_ns == task.mtime_ns
            and not self._lost(known)
        )

    def _lost(self, known: FileState) -> bool:
        """Whether a session this file produced was quarantined (so it must be read again)."""
        return bool(self._quarantined) and not self._quarantined.isdisjoint(known.sessions)

    def run(
        self,
        tasks: list[Task],
        summary: ImportSummary,
        defer: Callable[[Task], bool] | None = None,
    ) -> ImportSummary:
        """Import the tasks whose files changed. ``defer(task)`` may postpone a changed file
        (the watcher waits for a growing file to settle); it is seen again next time."""
        started = time.perf_counter()
        summary.state_rebuilt = self.state.rebuilt
        todo: list[Task] = []
        for task in tasks:
            if not self.stat(task):
                summary.failures.append(Failure(str(task.path), "vanished or unreadable"))
            elif self.unchanged_by_stat(task):
                summary.files_unchanged += 1
                self._count_as_before(self._known[str(task.path)], summary)
            elif defer is None or not defer(task):
                todo.append(task)
        total = sum(t.size for t in todo)
        done = 0
        if self.progress and todo:
            self.progress(0, total)
        try:
            for task in todo:
                self._one(task, summary)
                done += task.size
                if self.progress:
                    self.progress(done, total)
                if summary.busy:
                    break
            if not summary.busy:
                self._flush(summary)
        except KeyboardInterrupt:
            summary.interrupted = True
            with contextlib.suppress(KeyboardInterrupt):
                self._flush(summary)  # keep what was parsed; the rest is picked up next time
        summary.seconds += time.perf_counter() - started
        return summary

    def _confirm(self, task: Task, summary: ImportSummary) -> bool:
        """For a file found in a user-named folder: is it really this importer's format?"""
        head = _read_head(task.path)
        candidates = [task.importer] + [
            i for i in self.importers.values() if i is not task.importer
        ]
        for importer in candidates:
            try:
                if importer.sniff(task.path, head):
                    task.importer = importer
                    return True
            except Exception:
                continue
        summary.files_found -= 1
        if task.path.name in EXPORT_MEMBERS:
            # named like a web export but unreadable as one: say so, it is not bookkeeping
            summary.failures.append(
                Failure(
                    str(task.path),
                    "not a ChatGPT or Claude.ai export (unreadable JSON or unknown layout; "
                    "--from chatgpt or --from claude-ai says exactly why)",
                )
            )
            return False
        summary.files_not_transcripts += 1
        return False

    def _one(self, task: Task, summary: ImportSummary) -> None:
        if task.verify and not self._confirm(task, summary):
            return
        path_key = str(task.path)
        known = self._known.get(path_key)
        try:
            with open(task.path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            summary.failures.append(Failure(path_key, f"cannot read: {exc.strerror or exc}"))
            return
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        state = FileState(path_key, task.importer.source, len(data), task.mtime_ns, digest, ())
        if (
            not self.reread
            and known is not None
            and known.hash == digest
            and known.source == task.importer.source
            and not self._lost(known)
        ):
            summary.files_unchanged += 1
            self._count_as_before(known, summary)
            self._pending_files.append(
                FileState(path_key, known.source, len(data), task.mtime_ns, digest, known.sessions)
            )
            return
        del data
        stats = ParseStats()
        try:
            sessions = list(task.importer.parse(task.path, stats))
        except ImporterError as exc:
            summary.failures.append(Failure(str(exc.path), exc.reason))
            summary.bad_lines += stats.bad_entries
            return
        except RecursionError:
            summary.failures.append(Failure(path_key, "structure nested too deeply"))
            return
        except MemoryError:
            summary.failures.append(Failure(path_key, "too large to import in memory"))
            return
        except Exception as exc:  # an importer bug must cost one file, never the whole run
            summary.failures.append(
                Failure(path_key, f"importer {task.importer.source} failed: {exc!r}")
            )
            return
        summary.files_parsed += 1
        summary.bytes_parsed += task.size
        summary.bad_lines += stats.bad_entries
        summary.unknown_types.update(stats.unknown_types)
        summary.skipped_types.update(stats.skipped_types)
        if not sessions:
            summary.files_empty += 1
        ids = []
        for session in sessions:
            ids.append(session.id)
            summary.by_source[session.source] += 1
            self._consider(session, path_key, summary, hashed=len(sessions) > 1)
        self._pending_files.append(
            FileState(state.path, state.source, state.size, state.mtime_ns, digest, tuple(ids))
        )
        self._pending_bytes += task.size
        if len(self._pending) >= BATCH_SESSIONS or self._pending_bytes >= BATCH_BYTES:
            self._flush(summary)

    def _consider(
        self, session: Session, path: str, summary: ImportSummary, *, hashed: bool = True
    ) -> None:
        """Decide new / updated / unchanged / kept deleted for one parsed session.

        The payload hash lets a later import of a changed file skip its unchanged sessions
        without reading them from the store. A file of one session that changed has a
        changed session, so it is not ``hashed`` ("" is recorded): the hash is a whole
        serialisation, a tenth of the import's time, that would never be used.
        """
        digest = ""
        if hashed:
            try:
                digest = payload_hash(session)
            except (ValueError, UnicodeError) as exc:
                reason = f"session {session.id}: cannot serialise: {exc}"
                summary.failures.append(Failure(path, reason))
                self._blocked_files.add(path)
                return
        sid = session.id
        at = self._pending_at.get(sid)
        if at is not None:  # an earlier file of this run gave the same id
            earlier, _digest, earlier_path, kind = self._pending[at]
            verdict = self._same_id(session, earlier, path, earlier_path, summary)
            if verdict != "diverged":
                summary.by_source[session.source] -= 1  # one session, counted once
            if verdict == "part" or (verdict == "whole" and _ids(session) == _ids(earlier)):
                summary.unchanged += 1
                return
            if verdict == "whole":
                self._pending[at] = (session, digest, path, kind)
                return
            sid = session.id  # diverged: imported beside it under an id of its own
        if self.store.exists(sid):
            cached = self.state.payload_hashes([sid]).get(sid)
            if digest and cached == digest and not self.force:
                summary.unchanged += 1
                return
            try:
                old = self.store.get(sid)
            except StoreError:
                old = None  # unreadable stored copy: the fresh import replaces it
            if old is not None and old.source_ref.path not in (None, session.source_ref.path):
                verdict = self._same_id(session, old, path, old.source_ref.path, summary)
                if verdict == "part":
                    summary.unchanged += 1
                    return
                if verdict == "diverged":
                    self._consider(session, path, summary)  # under its new id
                    return
            if old is not None:
                for name in USER_FIELDS:
                    setattr(session, name, getattr(old, name))
                if _comparable(old) == _comparable(session):
                    summary.unchanged += 1
                    self.state.record_sessions([(sid, path, digest)])
                    return
            self._queue(session, digest, path, "updated")
            return
        if not self.restore_deleted and self._deleted_by_user(sid):
            summary.kept_deleted += 1
            return
        self._queue(session, digest, path, "new")

    def _queue(self, session: Session, digest: str, path: str, kind: str) -> None:
        self._pending_at[session.id] = len(self._pending)
        self._pending.append((session, digest, path, kind))

    @staticmethod
    def _same_id(
        session: Session, other: Session, path: str, other_path: str | None, summary: ImportSummary
    ) -> str:
        """Two files give one session id (a copy, a renamed backup, an export imported as a
        zip and as a folder): never let one silently replace the other.

        Returns "part" (every message of ``session`` is in ``other``: nothing to add),
        "whole" (``session`` holds all of ``other`` and more, or the same messages: it
        replaces it), or "diverged" (each has messages the other lacks: ``session`` gets an id
        of its own, derived from its path, and both are kept).
        """
        mine, theirs = _ids(session), _ids(other)
        where = f"same session id as {other_path}" if other_path else "same session id"
        if mine < theirs or (mine == theirs and not mine):
            summary.same_id.append((path, session.id, f"{where}; a part of it, nothing added"))
            return "part"
        if theirs <= mine:
            if mine != theirs:
                summary.same_id.append((path, session.id, f"{where}; a longer copy, updated"))
            return "whole"
        suffix = hashlib.blake2b(path.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()
        new_id = f"{session.id[: 200 - 14]}.copy-{suffix}"
        summary.same_id.append(
            (path, session.id, f"{where} but different messages; imported as {new_id}")
        )
        session.extra["sameIdAs"] = session.id
        session.id = new_id
        return "diverged"

    def _count_as_before(self, known: FileState, summary: ImportSummary) -> None:
        """The sessions of a file skipped as unchanged: as they were, or in the trash and not
        in the store (so a re-import after a delete says "1 kept deleted", not "unchanged").
        Only the trash is looked at: a session gone for good after `trash empty` is counted
        unchanged here (checking every session's file would slow every re-import)."""
        trashed = self._trashed_ids()
        kept = sum(1 for sid in known.sessions if sid in trashed and not self.store.exists(sid))
        summary.kept_deleted += kept
        summary.unchanged += len(known.sessions) - kept

    def _trashed_ids(self) -> set[str]:
        if self._trashed is None:
            try:
                self._trashed = {e.session_id for e in self.store.trash()}
            except OSError:
                self._trashed = set()
        return self._trashed

    def _deleted_by_user(self, sid: str) -> bool:
        """In the trash, or imported before and gone since, except by quarantine: a corrupt
        file moved aside by `verify --repair` was not the user's choice."""
        if sid in self._trashed_ids():
            return True
        return sid not in self._quarantined and self.state.known_session(sid)

    def _flush(self, summary: ImportSummary) -> None:
        """Save pending sessions under one lock, then record their files as imported."""
        pending, self._pending = self._pending, []
        self._pending_at.clear()
        files, self._pending_files = self._pending_files, []
        self._pending_bytes = 0
        failed_paths: set[str] = set(self._blocked_files)
        saved: list[tuple[Session, str, str, str]] = []
        if pending:
            try:
                self.store.save_many(s for s, *_ in pending)
                saved = pending
            except StoreBusy as exc:
                summary.busy = True
                summary.failures.append(Failure(str(self.store.root), str(exc)))
                return
            except (StoreError, OSError, ValueError):
                # Isolate the session that cannot be saved; the others go in one by one.
                for item in pending:
                    try:
                        self.store.save(item[0])
                        saved.append(item)
                    except StoreBusy as exc:
                        summary.busy = True
                        summary.failures.append(Failure(str(self.store.root), str(exc)))
                        return
                    except (StoreError, OSError, ValueError) as exc:
                        summary.failures.append(
                            Failure(item[2], f"session {item[0].id}: cannot save: {exc}")
                        )
                        failed_paths.add(item[2])
        for session, _digest, _path, kind in saved:
            if kind == "new":
                summary.new += 1
                summary.new_ids.append(session.id)
            else:
                summary.updated += 1
                summary.updated_ids.append(session.id)
        self.state.record_sessions([(s.id, p, d) for s, d, p, _ in saved])
        # A file whose sessions did not all reach the store is read again next time.
        keep = [f for f in files if f.path not in failed_paths]
        self.state.record_files(keep, int(time.time() * 1000))
        for f in keep:
            self._known[f.path] = f
            self.imported.add(f.path)
        self._blocked_files.clear()


# ---------------------------------------------------------------------------------------------
# Entry points


def import_paths(
    store: SessionStore,
    paths: Iterable[Path | str],
    source: str | None = None,
    progress: Progress | None = None,
    *,
    force: bool = False,
    restore_deleted: bool = False,
) -> ImportSummary:
    """Import files, directories and export zips, detecting each one's format.

    ``source`` forces one importer (``--from``); `UnknownSource` if none has that name.
    ``force`` re-reads files the state cache says are unchanged.
    """
    importers = importers_for(source)
    summary = ImportSummary()
    tasks = plan(importers, [Path(p) for p in paths], summary, forced=source is not None)
    run = ImportRun(
        store,
        force=force,
        restore_deleted=restore_deleted,
        progress=progress,
        importers=importers,
    )
    try:
        run.run(tasks, summary)
    finally:
        run.close()
    _log(store, "import", summary)
    return summary


def default_locations(importers: dict[str, Importer] | None = None) -> list[tuple[Importer, Path]]:
    """Every importer's default location that exists on this machine."""
    found = []
    for importer in (importers or all_importers()).values():
        try:
            locations = importer.default_locations()
        except Exception:
            continue
        for location in locations:
            try:
                if location.exists():
                    found.append((importer, location))
            except OSError:
                continue
    return found


def plan_auto(summary: ImportSummary) -> list[Task]:
    """Tasks for every tool's default locations. They overlap (aider looks in the working
    directory and the home that contains it), so each file is planned once."""
    tasks: list[Task] = []
    claimed: set[Path] = set()
    for importer, location in default_locations():
        tasks += plan({importer.source: importer}, [location], summary, auto=True, claimed=claimed)
    return tasks


def auto_import(
    store: SessionStore, progress: Progress | None = None, *, force: bool = False
) -> ImportSummary:
    """Import every tool's default location that exists; cheap when nothing changed."""
    summary = ImportSummary()
    tasks = plan_auto(summary)
    run = ImportRun(store, force=force, progress=progress)
    try:
        run.run(tasks, summary)
    finally:
        run.close()
    _log(store, "import-auto", summary)
    return summary


def _log(store: SessionStore, op: str, summary: ImportSummary) -> None:
    """One line in the store's operations log, for imports that changed or failed something."""
    if not (summary.changed or summary.failures):
        return
    with contextlib.suppress(OSError):
        store.log_operation(
            op,
            new=summary.new,
            updated=summary.updated,
            failed=summary.failed,
            files=summary.files_parsed,
        )


def iter_failures(summary: ImportSummary) -> Iterator[str]:
    for failure in summary.failures:
        yield f"{failure.path}: {failure.reason}"
