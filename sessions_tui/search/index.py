"""`SearchIndex`: the full-text index of a store, kept in step with it (docs/search-index.md).

Layout of ``<store>/index/search``::

    CURRENT              {"generation": "g…", "schema": N}: the generation in use
    g<ns>/               a tantivy index (one document per message, one per session)
    g<ns>.sqlite3        its sidecar: per indexed session, the file size+mtime it was built from
    g<ns>.building       flock held while a generation is being built (a rebuild)
    create.lock          flock serialising the creation of a generation

The index is a cache. A missing, unreadable, incompatible or other-schema generation is
replaced by a fresh one on open (`rebuilt_reason` says why) and refilled by `catch_up`.
`reindex` builds a new generation while searches keep using the old one, then swaps
``CURRENT`` atomically. Only one process writes a generation at a time (tantivy's writer
lock): writers take it per batch, retry a busy lock with backoff, and when it stays busy leave
the changes pending and the state "stale"; `catch_up` compares the sidecar with the store's
metadata index, so no change is ever lost, whoever made it. The sidecar is written after
tantivy's commit, so a crash in between only causes a session to be indexed again.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import filelock
import tantivy

from ..store.atomic import DIR_MODE, FILE_MODE, atomic_write, ensure_private_dir
from ..store.errors import CorruptSessionFile, SessionNotFound
from ..store.metaindex import ListQuery
from . import schema as f
from .compile import Compiled, Compiler
from .documents import Prepared, iter_prepared, project_values, session_key
from .query import (
    Node,
    Parsed,
    as_you_type,
    left_out,
    loosen,
    one_letter_tail,
    parse,
    positive_text,
    unparse,
)
from .results import IndexState, SearchHit, SearchResults, SessionResult, SuggestField
from .snippets import Matcher, fragment

if TYPE_CHECKING:
    from ..store import SessionStore, StoreEvent

Progress = Callable[[int, int], None]

#: Hits (matching messages) shown per session.
MAX_HITS = 3
#: A snippet looks at most at this many places of a long message.
_SNIPPET_WINDOWS = 4
#: Documents fetched per session wanted on a page, before fetching more.
_FETCH_FACTOR = 6
_MAX_FETCH = 100_000
#: Estimating a large total: a sample of the `schema.BUCKETS` buckets of sessions holding about
#: this many matching documents, grown if it has fewer than this many sessions (about ±5%).
_SAMPLE_DOCS = 8_000
_SAMPLE_SESSIONS = 400
#: A word in more than this share of the documents (and at least `_COMMON_MIN_DOCS` of
#: them) is no typo and not unfinished: the looser reading keeps it as typed
#: (`query.loosen`). In a small index widening costs little, so it is done anyway.
_COMMON_SHARE = 0.01
_COMMON_MIN_DOCS = 10_000
#: Up to this many matching documents, all are fetched: the total is then exact.
_EXACT_DOCS = 5_000
#: Sessions per writer acquisition: small batches keep the lock available to other processes;
#: a bulk build (empty index, rebuild) uses bigger ones.
BATCH_SESSIONS = 500
BULK_BATCH_SESSIONS = 4000
BULK_BATCH_BYTES = 96 << 20
#: Seconds a writer waits for tantivy's writer lock before giving up for now (state "stale").
BUSY_TIMEOUT = 10.0
_SIDECAR_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS indexed (
    session_id TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    file_mtime_ns INTEGER NOT NULL
) WITHOUT ROWID;
"""


class IndexBusy(Exception):
    """Another process held the index's writer lock for longer than we were willing to wait."""


@dataclass(slots=True)
class _Generation:
    name: str
    path: Path
    index: tantivy.Index
    sidecar: sqlite3.Connection


class SearchIndex:
    """Full-text search over a store. Every method is safe to call from any thread.

    Create with `SearchIndex.open`. Searches never block on writes: a write batch commits,
    then readers see it (other processes' commits are picked up within about half a second).
    """

    def __init__(self, store: SessionStore, *, busy_timeout: float = BUSY_TIMEOUT) -> None:
        self.store = store
        self.root = store.layout.search_index
        self.busy_timeout = busy_timeout
        #: Why the index was started over on open (missing, corrupt, other version), if it was.
        self.rebuilt_reason: str | None = None
        #: Files that could not be indexed at the last catch-up, as (path, reason).
        self.problems: list[tuple[str, str]] = []
        #: What the last catch_up/reindex wrote: sessions, documents, JSON bytes read.
        self.stats = WriteStats()
        self._write_lock = threading.RLock()  # one writer thread in this process
        self._gen_lock = threading.RLock()  # guards switching generations and the sidecar
        self._analyzer = f.words_analyzer()
        self._schema = f.build_schema()
        self._vocab: dict[str, list[str]] = {}
        self._vocab_stamp: Any = None
        self._subagents: list[int] | None = None  # keys of subagent sessions, with _vocab
        self._matchers: dict[str, Matcher] = {}
        self._building = 0
        self._stale = False
        self._needs_rebuild = False  # a search or write found the index damaged
        self._pending: dict[str, str] = {}  # session id -> "save" | "delete"
        self._pending_lock = threading.Lock()
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._worker: threading.Thread | None = None
        self._stopping = False
        self._attached: SessionStore | None = None
        self._current_stamp: tuple[int, int] | None = None
        self._closed = False
        ensure_private_dir(self.root)
        self._gen = self._open_current()

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, store: SessionStore, **kwargs: Any) -> SearchIndex:
        """Open (or create) ``<store>/index/search``. Never raises for a missing, corrupt or
        other-version index: it starts over (see `rebuilt_reason`), and `catch_up` refills it."""
        return cls(store, **kwargs)

    @property
    def _current_file(self) -> Path:
        return self.root / "CURRENT"

    def _read_current(self) -> tuple[str | None, str | None]:
        """(generation name, problem) from CURRENT."""
        try:
            data = json.loads(self._current_file.read_bytes())
        except FileNotFoundError:
            return None, "no search index yet"
        except (OSError, ValueError) as exc:
            return None, f"unreadable {self._current_file.name} ({exc})"
        if not isinstance(data, dict) or not isinstance(data.get("generation"), str):
            return None, f"unreadable {self._current_file.name}"
        if data.get("schema") != f.SCHEMA_VERSION:
            return None, f"it has schema {data.get('schema')}, this version uses {f.SCHEMA_VERSION}"
        name = data["generation"]
        if not name.startswith("g") or not name[1:].isdigit():
            return None, f"bad generation name {name!r}"
        return name, None

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = self._current_file.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_ino)

    def _open_current(self) -> _Generation:
        with filelock.FileLock(self.root / "create.lock", mode=FILE_MODE):
            name, problem = self._read_current()
            if name is not None:
                try:
                    gen = self._open_generation(name)
                except _Unusable as exc:
                    problem = str(exc)
                else:
                    self._current_stamp = self._stamp()
                    self._sweep_generations(keep={name})
                    return gen
            self.rebuilt_reason = problem
            gen = self._new_generation()
            self._write_current(gen.name)
            self._current_stamp = self._stamp()
            self._sweep_generations(keep={gen.name})
            return gen

    def _open_generation(self, name: str) -> _Generation:
        path = self.root / name
        try:
            if not tantivy.Index.exists(str(path)):
                raise _Unusable(f"generation {name} is missing")
            if not tantivy.Index.is_compatible(str(path)):
                raise _Unusable("index written by an incompatible tantivy version")
            index = tantivy.Index.open(str(path))
            if index.schema != f.build_schema():
                raise _Unusable("index fields differ from this version's")
            f.register_analyzers(index)
            index.reload()
            searcher = index.searcher()
            num_docs = searcher.num_docs
        except _Unusable:
            raise
        except BaseException as exc:
            if not _is_failure(exc):
                raise
            raise _Unusable(f"index unreadable ({_short(exc)})") from None
        sidecar = self._open_sidecar(self.root / f"{name}.sqlite3")
        if num_docs == 0:
            # The sidecar must never claim sessions the index does not have.
            with sidecar:
                sidecar.execute("DELETE FROM indexed")
        return _Generation(name, path, index, sidecar)

    def _open_sidecar(self, path: Path) -> sqlite3.Connection:
        for attempt in range(2):
            try:
                conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.executescript(_SIDECAR_SCHEMA)
                conn.execute("SELECT COUNT(*) FROM indexed").fetchone()
                _chmod_files(path.parent, path.name)
                return conn
            except sqlite3.DatabaseError:
                if attempt:
                    raise
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
        raise AssertionError("unreachable")

    def _new_generation(self) -> _Generation:
        name = f"g{time.time_ns()}"
        path = self.root / name
        ensure_private_dir(path)
        index = tantivy.Index(f.build_schema(), path=str(path), reuse=False)
        f.register_analyzers(index)
        _chmod_files(path)
        sidecar = self._open_sidecar(self.root / f"{name}.sqlite3")
        return _Generation(name, path, index, sidecar)

    def _write_current(self, name: str) -> None:
        body = json.dumps({"generation": name, "schema": f.SCHEMA_VERSION}).encode() + b"\n"
        atomic_write(self._current_file, body)

    def _sweep_generations(self, keep: set[str]) -> None:
        """Delete generations no longer current, unless a rebuild is still writing them."""
        for entry in os.scandir(self.root):
            name = entry.name.split(".", 1)[0]
            if not (name.startswith("g") and name[1:].isdigit()) or name in keep:
                continue
            marker = self.root / f"{name}.building"
            lock = filelock.FileLock(marker, mode=FILE_MODE)
            try:
                lock.acquire(timeout=0)
            except filelock.Timeout:
                continue  # another process is building it
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                elif not entry.name.endswith(".building"):
                    Path(entry.path).unlink(missing_ok=True)
            finally:
                lock.release()
                marker.unlink(missing_ok=True)

    def _current(self) -> _Generation:
        """The generation to use, switching if another process swapped CURRENT."""
        stamp = self._stamp()
        if stamp == self._current_stamp:
            return self._gen
        with self._gen_lock:
            if self._stamp() == self._current_stamp:
                return self._gen
            name, _problem = self._read_current()
            if name is not None and name != self._gen.name:
                try:
                    gen = self._open_generation(name)
                except _Unusable:
                    return self._gen
                old, self._gen = self._gen, gen
                with contextlib.suppress(sqlite3.Error):
                    old.sidecar.close()
                self._vocab_stamp = None
            self._current_stamp = stamp
            return self._gen

    # -- state ---------------------------------------------------------------------------

    @property
    def state(self) -> IndexState:
        """ "building", "stale" (changes not indexed yet), "empty" or "ready"."""
        if self._building:
            return "building"
        with self._pending_lock:
            pending = bool(self._pending)
        if pending or self._stale:
            return "stale"
        gen = self._current()
        with self._gen_lock:
            count = gen.sidecar.execute("SELECT COUNT(*) FROM indexed").fetchone()[0]
        if count == 0:
            return "empty" if self._store_marker() != self._caught_up_marker() else "ready"
        if self._store_marker() != self._caught_up_marker():
            return "stale"
        return "ready"

    def indexed_sessions(self) -> int:
        gen = self._current()
        with self._gen_lock:
            return gen.sidecar.execute("SELECT COUNT(*) FROM indexed").fetchone()[0]

    def _store_marker(self) -> str:
        """Changes whenever a session file is added, replaced or removed (rename => dir mtime)."""
        try:
            return str(self.store.layout.sessions.stat().st_mtime_ns)
        except OSError:
            return ""

    def _caught_up_marker(self) -> str | None:
        gen = self._current()
        with self._gen_lock:
            row = gen.sidecar.execute("SELECT value FROM meta WHERE key='caught_up'").fetchone()
        return row[0] if row else None

    # -- keeping in step with the store --------------------------------------------------

    def catch_up(self, progress: Progress | None = None) -> int:
        """Index every session whose file changed since it was indexed, drop deleted ones.

        Cheap when nothing changed (one stat). Returns the number of sessions (re)indexed or
        removed. Raises `IndexBusy` if another process kept the writer lock too long (the
        index is then "stale" and the next call continues where this one stopped).
        """
        with self._write_lock:
            self._building += 1
            self.problems = []
            self.stats = WriteStats()
            try:
                return self._catch_up(progress)
            finally:
                self._building -= 1

    def _catch_up(self, progress: Progress | None) -> int:
        if self._needs_rebuild:
            done = self._reindex(progress)
            self._needs_rebuild = False
            return done
        marker = self._store_marker()
        gen = self._current()
        with self._pending_lock:
            pending = bool(self._pending)
        if not pending and marker == self._caught_up_marker():
            self._stale = False
            return 0
        self.store.refresh_index()
        with self._pending_lock:
            covered = dict(self._pending)  # the diff below covers every change queued so far
        todo, gone = self._diff(gen)
        bulk = len(todo) > BATCH_SESSIONS * 4
        done = self._write(gen, todo, gone, progress, bulk=bulk)
        with self._gen_lock, gen.sidecar:
            gen.sidecar.execute("INSERT OR REPLACE INTO meta VALUES ('caught_up', ?)", (marker,))
        with self._pending_lock:
            for sid, kind in covered.items():
                if self._pending.get(sid) == kind:
                    del self._pending[sid]
            if not self._pending:
                self._idle.set()
        self._stale = False
        return done

    def _diff(self, gen: _Generation) -> tuple[list[tuple[str, str]], list[str]]:
        """(id, file name) of sessions to (re)index, and ids to drop, per the metadata index."""
        meta = {
            row[0]: (row[1], row[2], row[3])
            for row in self.store.index.conn.execute(
                "SELECT id, file_name, file_size, file_mtime_ns FROM sessions"
            )
        }
        with self._gen_lock:
            have = {
                row[0]: (row[1], row[2], row[3])
                for row in gen.sidecar.execute(
                    "SELECT session_id, file_name, file_size, file_mtime_ns FROM indexed"
                )
            }
        todo = [(sid, m[0]) for sid, m in meta.items() if have.get(sid) != m]
        gone = [sid for sid in have if sid not in meta]
        # Newest first, so the sessions people look for first are searchable first.
        return todo, gone

    def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild the whole index into a new generation, then swap it in.

        Searches keep using the current generation until the new one is complete. Returns the
        number of sessions indexed.
        """
        with self._write_lock:
            self._building += 1
            self.problems = []
            self.stats = WriteStats()
            try:
                return self._reindex(progress)
            finally:
                self._building -= 1

    def _reindex(self, progress: Progress | None) -> int:
        self.store.refresh_index()
        marker = self._store_marker()
        with filelock.FileLock(self.root / "create.lock", mode=FILE_MODE):
            new = self._new_generation()
        building = filelock.FileLock(self.root / f"{new.name}.building", mode=FILE_MODE)
        building.acquire()
        try:
            todo, _gone = self._diff(new)
            done = self._write(new, todo, [], progress, bulk=True)
            # Catch up with whatever changed during the build, then swap.
            self.store.refresh_index()
            todo, gone = self._diff(new)
            done += self._write(new, todo, gone, None, bulk=False)
            with new.sidecar:
                new.sidecar.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('caught_up', ?)", (marker,)
                )
            with self._gen_lock:
                self._write_current(new.name)
                old, self._gen = self._gen, new
                self._current_stamp = self._stamp()
                self._vocab_stamp = None
                with contextlib.suppress(sqlite3.Error):
                    old.sidecar.close()
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                new.sidecar.close()
            shutil.rmtree(new.path, ignore_errors=True)
            for suffix in (".sqlite3", ".sqlite3-wal", ".sqlite3-shm"):
                (self.root / f"{new.name}{suffix}").unlink(missing_ok=True)
            raise
        finally:
            building.release()
            (self.root / f"{new.name}.building").unlink(missing_ok=True)
        self.rebuilt_reason = None
        self._stale = False
        with filelock.FileLock(self.root / "create.lock", mode=FILE_MODE):
            self._sweep_generations(keep={new.name})
        return done

    def _write(
        self,
        gen: _Generation,
        todo: list[tuple[str, str]],
        gone: list[str],
        progress: Progress | None,
        *,
        bulk: bool,
    ) -> int:
        """Index ``todo`` (id, file name) and remove ``gone`` ids, in batches."""
        total = len(todo) + len(gone)
        done = 0
        sessions_dir = self.store.layout.sessions
        limit = BULK_BATCH_SESSIONS if bulk else BATCH_SESSIONS
        if gone:
            self._commit(gen, [], gone, {}, bulk=False)
            done += len(gone)
            if progress:
                progress(done, total)
        for start in range(0, len(todo), limit):
            chunk = todo[start : start + limit]
            stats: dict[str, tuple[str, int, int]] = {}
            paths: list[Path] = []
            for sid, file_name in chunk:
                path = sessions_dir / file_name
                try:
                    st = path.stat()
                except FileNotFoundError:
                    continue  # deleted since the metadata index saw it: the next diff drops it
                stats[sid] = (file_name, st.st_size, st.st_mtime_ns)
                paths.append(path)
            base = done
            self._commit(
                gen,
                iter_prepared(paths),
                [],
                stats,
                bulk=bulk,
                progress=(lambda n, base=base: progress(base + n, total)) if progress else None,
            )
            done += len(chunk)
            if progress:
                progress(done, total)
        return done

    def _commit(
        self,
        gen: _Generation,
        prepared: Iterable[Prepared | CorruptSessionFile],
        deletes: list[str],
        stats: dict[str, tuple[str, int, int]],
        *,
        bulk: bool,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """One writer acquisition: delete, add, commit (or roll back), collect garbage."""
        writer = self._acquire_writer(gen, bulk=bulk)
        indexed: list[str] = []
        failed: list[tuple[str, str]] = []
        try:
            try:
                for sid in deletes:
                    writer.delete_documents_by_term(f.SID, sid)
                bytes_in_batch = 0
                for n, item in enumerate(prepared, 1):
                    if isinstance(item, CorruptSessionFile):
                        failed.append((str(item.path), item.reason))
                        continue
                    writer.delete_documents_by_term(f.SID, item.session_id)
                    for doc in item.docs:
                        writer.add_json(doc)
                    indexed.append(item.session_id)
                    bytes_in_batch += item.json_bytes
                    self.stats.sessions += 1
                    self.stats.documents += len(item.docs)
                    self.stats.json_bytes += item.json_bytes
                    if progress:
                        progress(n)
                    if bytes_in_batch > BULK_BATCH_BYTES:
                        writer.commit()
                        bytes_in_batch = 0
                writer.commit()
            except BaseException:
                # IndexWriter.__exit__ would commit a half-written batch: roll back instead.
                with contextlib.suppress(Exception):
                    writer.rollback()
                raise
            with contextlib.suppress(Exception):
                writer.garbage_collect_files()
        finally:
            writer.wait_merging_threads()  # releases the writer lock
        _chmod_files(gen.path)
        with self._gen_lock, gen.sidecar:
            gen.sidecar.executemany(
                "INSERT OR REPLACE INTO indexed VALUES (?, ?, ?, ?)",
                [(sid, *stats[sid]) for sid in indexed if sid in stats],
            )
            gen.sidecar.executemany(
                "DELETE FROM indexed WHERE session_id = ?",
                [(sid,) for sid in deletes] + [(sid,) for sid in indexed if sid not in stats],
            )
        self.problems.extend(failed)
        with contextlib.suppress(Exception):
            gen.index.reload()
        return len(indexed) + len(deletes)

    def _acquire_writer(self, gen: _Generation, *, bulk: bool) -> tantivy.IndexWriter:
        """Tantivy's writer, retrying a busy lock with jittered backoff up to `busy_timeout`."""
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.02
        while True:
            try:
                if bulk:
                    return gen.index.writer(heap_size=256_000_000, num_threads=2)
                return gen.index.writer(heap_size=48_000_000, num_threads=1)
            except ValueError as exc:
                if "LockBusy" not in str(exc) and "lock" not in str(exc).lower():
                    raise
                if time.monotonic() + delay > deadline:
                    self._stale = True
                    raise IndexBusy(
                        f"{gen.path}: another process is writing the search index "
                        f"(waited {self.busy_timeout:g}s); changes stay pending"
                    ) from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 1.0)

    # -- following a store -----------------------------------------------------------------

    def attach(self, store: SessionStore | None = None) -> None:
        """Follow the store's saves, edits, deletes and restores.

        The store's listener only queues ids; a background thread indexes them in batches,
        so a save or an import never waits for indexing.
        """
        store = store or self.store
        if self._attached is not None:
            return
        store.listeners.append(self._on_event)
        self._attached = store
        self._stopping = False
        self._worker = threading.Thread(target=self._run_worker, name="search-index", daemon=True)
        self._worker.start()

    def detach(self) -> None:
        """Stop following the store; queued changes are written first (if the lock allows)."""
        store, self._attached = self._attached, None
        if store is not None:
            with contextlib.suppress(ValueError):
                store.listeners.remove(self._on_event)
        worker, self._worker = self._worker, None
        if worker is not None:
            self._stopping = True
            self._wake.set()
            worker.join(timeout=self.busy_timeout + 5)

    def _on_event(self, event: StoreEvent) -> None:
        kind = "delete" if event.kind == "deleted" else "save"
        with self._pending_lock:
            for sid in event.ids:
                self._pending[sid] = kind
            self._idle.clear()
        self._wake.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until queued changes are indexed. False if still pending after ``timeout``."""
        return self._idle.wait(timeout)

    def _run_worker(self) -> None:
        backoff = 0.0
        while True:
            self._wake.wait(timeout=backoff or None)
            self._wake.clear()
            if not self._stopping:
                time.sleep(0.05)  # let a burst of saves coalesce into one batch
            try:
                self.flush_pending()
                backoff = 0.0
            except IndexBusy:
                backoff = min(max(backoff * 2, 0.5), 30.0)
            except BaseException as exc:  # never let the thread die; catch_up reconciles
                if not _is_failure(exc):
                    raise
                self._stale = True
                backoff = min(max(backoff * 2, 0.5), 30.0)
            if self._stopping:
                return

    def flush_pending(self) -> int:
        """Index the queued changes now, in this thread, then reconcile with the store if
        anything else changed meanwhile. Raises `IndexBusy` (the changes stay queued)."""
        with self._pending_lock:
            batch = dict(self._pending)
            self._pending.clear()
        done = 0
        try:
            with self._write_lock:
                if batch:
                    done = self._apply(batch)
                # Our own saves moved the store's marker; so may other processes' saves.
                # The diff is cheap next to indexing, and marks the index caught up.
                self._building += 1
                try:
                    done += self._catch_up(None)
                finally:
                    self._building -= 1
        except BaseException:
            with self._pending_lock:
                for sid, kind in batch.items():
                    self._pending.setdefault(sid, kind)
            raise
        with self._pending_lock:
            if not self._pending:
                self._idle.set()
        return done

    def _apply(self, batch: dict[str, str]) -> int:
        gen = self._current()
        deletes = [sid for sid, kind in batch.items() if kind == "delete"]
        paths: list[Path] = []
        stats: dict[str, tuple[str, int, int]] = {}
        for sid, kind in batch.items():
            if kind != "save":
                continue
            try:
                path = self.store.path_of(sid)
                st = path.stat()
            except (SessionNotFound, FileNotFoundError):
                deletes.append(sid)  # saved then deleted before we got to it
                continue
            stats[sid] = (path.name, st.st_size, st.st_mtime_ns)
            paths.append(path)
        return self._commit(gen, iter_prepared(paths), deletes, stats, bulk=False)

    # -- searching ---------------------------------------------------------------------------

    def search(
        self, query: str, *, limit: int = 20, offset: int = 0, typing: bool = False
    ) -> SearchResults:
        """Sessions matching ``query``, best first, each with up to three highlighted hits.

        When nothing matches exactly, a looser reading is tried and named in ``looser``. With
        ``typing`` (live search: the last word may be unfinished), that word as a prefix is
        tried first (`as_you_type`): cheaper than the typo-tolerant reading, and what the
        user most likely means; a lone last letter after other words is left out until the
        next key (`one_letter_tail`).
        Never raises for what a user can type: see `SearchResults.notice`.
        """
        started = time.perf_counter()
        limit = max(0, int(limit))
        offset = max(0, int(offset))
        parsed = parse(query)
        unfinished = typing and bool(query[-1:].strip())
        tail = one_letter_tail(parsed.tree) if unfinished else None
        if tail is not None:
            tree, letter = tail
            parsed = Parsed(tree, [*parsed.notices, left_out(letter)], parsed.in_title)
        gen = self._current()
        try:
            searcher = gen.index.searcher()
            results = self._run(gen, searcher, parsed, query, limit, offset)
            # Readings tried in turn while nothing matches, with how each is announced.
            readings: list[tuple[Node | None, str]] = []
            if unfinished and tail is None:
                readings.append((as_you_type(parsed.tree), "Matching {} as you type"))
            if positive_text(parsed.tree):
                common = partial(self._is_common, searcher)
                readings.append(
                    (loosen(parsed.tree, common), "No exact matches: showing results for {}")
                )
            for loose_tree, announce in readings:
                if results.total or loose_tree == parsed.tree:
                    continue
                loose = Parsed(loose_tree, [], parsed.in_title)
                alt = self._run(gen, searcher, loose, query, limit, offset)
                if alt.total:
                    alt.looser = unparse(loose_tree)
                    alt.notice = _join(results.notice, announce.format(alt.looser))
                    results = alt
        except BaseException as exc:  # a damaged index must not take the app down
            if not _is_failure(exc):
                raise
            self._stale = True
            self._needs_rebuild = (
                type(exc).__name__ == "PanicException" or "corrupt" in str(exc).lower()
            )
            results = SearchResults(
                query=query, notice=_join(parsed.notice, f"Search failed: {_short(exc)}")
            )
        results.elapsed_ms = (time.perf_counter() - started) * 1000
        return results

    def _is_common(self, searcher: tantivy.Searcher, word: str) -> bool:
        tokens = self._analyzer.analyze(word)
        if len(tokens) != 1:
            return False
        threshold = max(searcher.num_docs * _COMMON_SHARE, _COMMON_MIN_DOCS)
        return searcher.doc_freq(f.TEXT, tokens[0]) > threshold

    def _subagent_keys(self, gen: _Generation, searcher: tantivy.Searcher) -> list[int]:
        """Session keys of the store's subagent transcripts (for ``is:subagent``), cached
        with the vocabularies: until the index changes."""
        self._vocabulary(gen, searcher)  # drops the cached keys when the index changed
        if self._subagents is None:
            ids = self.store.index.ids(ListQuery(subagents=True))
            self._subagents = [session_key(sid) for sid in ids]
        return self._subagents

    def _vocabulary(self, gen: _Generation, searcher: tantivy.Searcher) -> dict[str, list[str]]:
        """Filter vocabularies, cached until the index changes."""
        stamp = (gen.name, searcher.num_docs, searcher.num_segments)
        if stamp != self._vocab_stamp:
            self._vocab = {}
            self._subagents = None
            self._vocab_stamp = stamp
        return self._vocab

    def _run(
        self,
        gen: _Generation,
        searcher: tantivy.Searcher,
        parsed: Parsed,
        query: str,
        limit: int,
        offset: int,
    ) -> SearchResults:
        compiler = Compiler(
            gen.index.schema,
            searcher,
            self._analyzer,
            self._vocabulary(gen, searcher),
            subagent_keys=partial(self._subagent_keys, gen, searcher),
        )
        compiled = compiler.compile(parsed.tree, in_title=parsed.in_title)
        notice = _join(parsed.notice, "; ".join(compiled.notices) or None)
        groups, total, estimated = self._collect(searcher, compiled, offset + limit)
        page = groups[offset : offset + limit]
        matcher = self._matcher_for(parsed)
        results = [
            r
            for g in page
            if (r := self._result(searcher, g, matcher, compiled.scored)) is not None
        ]
        # Deleted from the store, not yet from the index: on this page (the rest are
        # dropped when their page is shown, and the index catches up soon).
        gone = len(page) - len(results)
        return SearchResults(
            query=query,
            total=max(total - gone, offset + len(results)),
            results=results,
            notice=notice,
            offset=offset,
            total_is_estimate=estimated,
        )

    def _collect(
        self, searcher: tantivy.Searcher, compiled: Compiled, needed: int
    ) -> tuple[list[_Group], int, bool]:
        """Top documents collapsed into sessions (a session's score is its best document's),
        and the number of matching sessions with whether it is an estimate."""
        fetch = max(64, needed * _FETCH_FACTOR)
        # The first round also counts the matching documents (a fifth more work): the count
        # is the exact total of a filter-only query (one document per session), and sizes
        # the work for the total of the others.
        count = True
        docs = 0
        while True:
            if compiled.scored:
                res = searcher.search(compiled.query, fetch, count=count, weight_by_field=f.WEIGHT)
            else:
                res = searcher.search(compiled.query, fetch, count=count, order_by_field=f.UPDATED)
            if count:
                docs, count = res.count or 0, False
            hits = res.hits
            addrs = [addr for _score, addr in hits]
            keys = searcher.fast_field_values(f.SKEY, addrs) if addrs else []
            groups: dict[int, _Group] = {}
            for (score, addr), key in zip(hits, keys, strict=True):
                group = groups.get(key)
                if group is None:
                    groups[key] = _Group(key, float(score), [addr])
                elif len(group.addrs) < MAX_HITS * 2:
                    group.addrs.append(addr)
                else:
                    group.more += 1
            exhausted = len(hits) < fetch
            if exhausted or fetch >= _MAX_FETCH:
                break
            if len(groups) >= needed and (compiled.one_per_session or docs > _EXACT_DOCS):
                break
            # Too few sessions for the page, or few enough matches to count exactly by
            # fetching them all: one more round.
            fetch = min(max(fetch * 4, docs + 1) if docs <= _EXACT_DOCS else fetch * 4, _MAX_FETCH)
        ordered = list(groups.values())
        if compiled.scored and len(ordered) > 1:
            best = [g.addrs[0] for g in ordered]
            for group, updated in zip(
                ordered, searcher.fast_field_values(f.UPDATED, best), strict=True
            ):
                group.updated = updated or 0
            # Relevance first; equal relevance (to 4 significant digits): newest first.
            ordered.sort(key=lambda g: (-float(f"{g.score:.4g}"), -g.updated))
        if exhausted:
            return ordered, len(groups), False
        if compiled.one_per_session:
            return ordered, docs, False
        return ordered, self._estimate_total(searcher, compiled.query, docs, len(groups)), True

    def _estimate_total(
        self, searcher: tantivy.Searcher, query: tantivy.Query, docs: int, seen: int
    ) -> int:
        """Distinct sessions among the ``docs`` documents matching ``query``, estimated.

        Counting distinct sessions over every match (a cardinality aggregation) costs more
        than the search when a word is in hundreds of thousands of messages. Sessions fall
        into `schema.BUCKETS` buckets by key, uniformly: the matching sessions of a few
        buckets (about `_SAMPLE_DOCS` matching documents), scaled up, estimate the total
        within a few percent; the sample grows if it holds too few sessions.
        """
        buckets = max(1, min(f.BUCKETS, math.ceil(f.BUCKETS * _SAMPLE_DOCS / max(docs, 1))))
        while True:
            if buckets * 2 > f.BUCKETS:
                # Most buckets: the bucket range would cost more than it saves (it is checked
                # document by document); count every match exactly instead.
                buckets = f.BUCKETS
            if buckets >= f.BUCKETS:
                sample = query
            else:
                in_sample = tantivy.Query.range_query(
                    self._schema, f.BUCKET, tantivy.FieldType.Unsigned, 0, buckets - 1
                )
                sample = tantivy.Query.boolean_query(
                    [(tantivy.Occur.Must, query), (tantivy.Occur.Must, in_sample)]
                )
            found = float(searcher.cardinality(sample, f.SKEY))
            if buckets >= f.BUCKETS or found >= _SAMPLE_SESSIONS:
                break
            # Too few sessions in the sample for a steady estimate (many matches per
            # session): one sized to hold enough.
            wanted = buckets * _SAMPLE_SESSIONS * 1.3 / max(found, 1.0)
            buckets = min(f.BUCKETS, max(buckets * 2, math.ceil(wanted)))
        estimate = found * f.BUCKETS / buckets
        return max(_round_estimate(estimate), seen)

    def _result(
        self, searcher: tantivy.Searcher, group: _Group, matcher: Matcher, scored: bool
    ) -> SessionResult | None:
        first = searcher.doc(group.addrs[0]).to_dict()
        sid = first[f.SID][0]
        summary = self.store.index.get(sid)
        if summary is None:
            # In the index but gone from the store: drop it now, and from the index soon.
            with self._pending_lock:
                self._pending.setdefault(sid, "delete")
            self._stale = True
            self._wake.set()
            return None
        hits: list[SearchHit] = []
        fallback: SearchHit | None = None
        title_matched = False  # the session's own document is no message
        for n, addr in enumerate(group.addrs):
            doc = first if n == 0 else searcher.doc(addr).to_dict()
            text = (doc.get(f.TEXT) or [""])[0]
            role = (doc.get(f.ROLE) or [""])[0]
            mid = (doc.get(f.MID) or [""])[0]
            if role == "title":
                title_matched = True
                # The session document: show the title, or the metadata line that matched.
                text = next(
                    (line for line in text.splitlines() if matcher.ranges(line)), summary.title
                )
            ranges = matcher.ranges(text, max_windows=_SNIPPET_WINDOWS)
            frag, frag_ranges = fragment(text, ranges)
            hit = SearchHit(mid, role, frag, frag_ranges)
            if frag_ranges:
                if any(h.fragment == frag and h.role == role for h in hits):
                    continue  # the same text again (a repeated message): one snippet shows it
                hits.append(hit)
            elif fallback is None:
                fallback = hit
            if len(hits) >= MAX_HITS:
                break
        if not hits and fallback is not None:
            hits.append(fallback)
        return SessionResult(
            session_id=sid,
            title=summary.title,
            source=summary.source,
            updated=summary.updated,
            score=group.score if scored else 0.0,
            hits=hits,
            project=summary.project,
            matched_messages=len(group.addrs) + group.more - title_matched,
        )

    def _matcher_for(self, parsed: Parsed) -> Matcher:
        items = positive_text(parsed.tree)
        key = repr(items)
        matcher = self._matchers.get(key)
        if matcher is None:
            matcher = Matcher.build(self._analyzer, items)
            if len(self._matchers) > 64:
                self._matchers.clear()
            self._matchers[key] = matcher
        return matcher

    def highlight_ranges(self, query: str, text: str) -> list[tuple[int, int]]:
        """Char ranges of ``text`` (any text: a transcript, a title) that ``query`` matches,
        found with the index's own analyzer. Filters and excluded words are not highlighted."""
        return self._matcher_for(parse(query)).ranges(text)

    def suggest(self, prefix: str, field: SuggestField = "word", limit: int = 10) -> list[str]:
        """Completions for what is being typed: words of the index (most frequent first), or
        the tools, models, projects and tags of the store."""
        if field == "word":
            tokens = self._analyzer.analyze(prefix)
            if not tokens or not prefix[-1:].isalnum():
                return []
            searcher = self._current().index.searcher()
            terms = searcher.terms_with_prefix(f.TEXT, tokens[-1], limit=limit + 1)
            return [t for t, _n in terms if t != tokens[-1] or len(terms) == 1][:limit]
        facet = {"tool": "source", "model": "model", "project": "project", "tag": "tag"}[field]
        counts: dict[str, int] = {}
        for value, n in self.store.index.facet(facet):
            names = [project_values(value)[-1]] if field == "project" else [value]
            for name in names:
                counts[name] = counts.get(name, 0) + n
        wanted = prefix.lower()
        starts = [v for v in counts if v.lower().startswith(wanted)]
        inside = [v for v in counts if wanted in v.lower() and v not in starts]
        rank = sorted(starts, key=lambda v: (-counts[v], v)) + sorted(
            inside, key=lambda v: (-counts[v], v)
        )
        return rank[:limit]

    # -- closing -------------------------------------------------------------------------------

    def close(self) -> None:
        """Write queued changes (if the writer lock allows) and release everything."""
        if self._closed:
            return
        self.detach()
        with contextlib.suppress(IndexBusy):
            self.flush_pending()
        self._closed = True
        with self._gen_lock, contextlib.suppress(sqlite3.Error):
            self._gen.sidecar.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(slots=True)
class WriteStats:
    sessions: int = 0
    documents: int = 0
    json_bytes: int = 0


@dataclass(slots=True)
class _Group:
    key: int
    score: float
    addrs: list[tantivy.DocAddress]
    more: int = 0
    updated: int = 0


class _Unusable(Exception):
    pass


def _is_failure(exc: BaseException) -> bool:
    """An error to handle: any Exception, or a Rust panic inside tantivy (pyo3 raises those as
    ``PanicException``, a BaseException, e.g. on damaged segment files)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _round_estimate(value: float) -> int:
    """An estimate shown with the precision it has: two significant digits above 100."""
    n = round(value)
    if n < 100:
        return n
    scale = 10 ** (len(str(n)) - 2)
    return round(n / scale) * scale


def _join(*notices: str | None) -> str | None:
    parts = [n for n in notices if n]
    return "; ".join(parts) if parts else None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def _chmod_files(directory: Path, only: str | None = None) -> None:
    """Tantivy and SQLite create files with the process umask: make them private."""
    with contextlib.suppress(OSError):
        os.chmod(directory, DIR_MODE) if only is None else None
        for entry in os.scandir(directory):
            if only is not None and not entry.name.startswith(only):
                continue
            if entry.is_file(follow_symlinks=False):
                mode = entry.stat(follow_symlinks=False).st_mode & 0o777
                if mode != FILE_MODE:
                    with contextlib.suppress(OSError):
                        os.chmod(entry.path, FILE_MODE)
