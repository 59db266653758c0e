"""The metadata index: a SQLite cache of one row per session, so listing never opens files.

The session files are the truth. The index records, per file, the size and mtime it was built
from; `MetaIndex.sync` re-reads only files whose stat changed and drops rows of vanished files.
Staleness is detected cheaply from the mtime of the ``sessions/`` directory, which every atomic
rename updates. A missing, corrupt or older-schema index is deleted and rebuilt.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..models import Session

SCHEMA_VERSION = 2  # 2: listing_json, the row as `list --json` prints it

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    file_mtime_ns INTEGER NOT NULL,
    format_version INTEGER NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    models TEXT NOT NULL,
    model TEXT NOT NULL,
    project TEXT,
    git_branch TEXT,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    message_count INTEGER NOT NULL,
    tool_call_count INTEGER NOT NULL,
    has_error INTEGER NOT NULL,
    starred INTEGER NOT NULL,
    tags TEXT NOT NULL,
    persisted_until INTEGER,
    parent_session_id TEXT,
    source_path TEXT,
    source_id TEXT,
    tokens INTEGER,
    listing_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_updated ON sessions(updated);
CREATE INDEX IF NOT EXISTS sessions_source ON sessions(source, updated);
CREATE INDEX IF NOT EXISTS sessions_project ON sessions(project, updated);
CREATE TABLE IF NOT EXISTS session_models (
    session_id TEXT NOT NULL, model TEXT NOT NULL, PRIMARY KEY (session_id, model)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS session_models_model ON session_models(model);
CREATE TABLE IF NOT EXISTS session_tags (
    session_id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (session_id, tag)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trashed (
    name TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS problems (
    file_name TEXT PRIMARY KEY,
    file_size INTEGER NOT NULL,
    file_mtime_ns INTEGER NOT NULL,
    reason TEXT NOT NULL
);
"""

_COLUMNS = (
    "id, file_name, file_size, file_mtime_ns, format_version, title, source, models, model, "
    "project, git_branch, created, updated, message_count, tool_call_count, has_error, starred, "
    "tags, persisted_until, parent_session_id, source_path, source_id, tokens"
)

#: Sort keys a listing accepts, mapped to SQL expressions.
SORT_KEYS = {
    "updated": "updated",
    "created": "created",
    "title": "title COLLATE NOCASE",
    "source": "source",
    "model": "model",
    "project": "project",
    "messages": "message_count",
    "tool_calls": "tool_call_count",
    "size": "file_size",
}


def to_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


@dataclass(slots=True)
class SessionSummary:
    """What a listing shows of a session, read from the index without opening its file."""

    id: str
    file_name: str
    bytes: int
    format_version: int
    title: str
    source: str
    models: list[str]
    project: str | None
    git_branch: str | None
    created_ms: int
    updated_ms: int
    message_count: int
    tool_call_count: int
    has_error: bool
    starred: bool
    tags: list[str]
    persisted_until: int | None
    parent_session_id: str | None
    source_path: str | None
    source_id: str | None
    tokens: int | None

    @property
    def created(self) -> datetime:
        return from_ms(self.created_ms)

    @property
    def updated(self) -> datetime:
        return from_ms(self.updated_ms)

    @property
    def model(self) -> str:
        return self.models[0] if self.models else ""

    def to_json(self) -> dict[str, Any]:
        """The object printed by ``list --json`` (documented in docs/cli.md)."""
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "models": self.models,
            "project": self.project,
            "git_branch": self.git_branch,
            "created": iso_ms(self.created_ms),
            "updated": iso_ms(self.updated_ms),
            "message_count": self.message_count,
            "tool_call_count": self.tool_call_count,
            "bytes": self.bytes,
            "starred": self.starred,
            "tags": self.tags,
            "has_error": self.has_error,
            "persisted_until": self.persisted_until,
            "parent_session_id": self.parent_session_id,
            "source_path": self.source_path,
            "source_id": self.source_id,
            "tokens": self.tokens,
        }


def iso_ms(ms: int) -> str:
    """Milliseconds since the epoch as ISO-8601 UTC with milliseconds and ``Z``: the one
    timestamp format of every command's output (``2026-11-23T18:47:26.599Z``)."""
    return (
        datetime.fromtimestamp(ms / 1000, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


#: ``resolve(kind, typed value)`` -> the stored values it matches (see `MetaIndex.resolve`).
Resolver = Callable[[str, str], list[str]]


@dataclass(slots=True)
class ListQuery:
    """Filters and ordering for a listing. Empty tuples mean "any".

    ``sources``, ``models``, ``projects`` and ``tags`` take values as typed in a search query
    (``tool:``, ``model:``, ``project:``, ``tag:``), with the same meaning (see
    docs/query-language.md): case-insensitive; a value equal to a stored one matches exactly,
    ``value*`` matches values starting with it, and any other value matches the values that
    contain it (``claude`` both Claude tools, ``sonnet`` every Sonnet model). A project is
    matched by its full path or its last path component. Several values of one kind are
    alternatives; several tags must all hold.
    """

    sources: Sequence[str] = ()
    models: Sequence[str] = ()
    projects: Sequence[str] = ()
    tags: Sequence[str] = ()
    ids: Sequence[str] | None = None
    starred: bool | None = None
    has_error: bool | None = None
    updated_after_ms: int | None = None
    updated_before_ms: int | None = None
    title_contains: str | None = None
    #: True: only subagent transcripts (sessions with a parent); False: none of them.
    subagents: bool | None = None
    #: ("tool" | "model" | "project" | "tag", typed value) pairs no listed session may have
    #: (``-tool:aider``); values resolve as the positive filters' do.
    exclude: Sequence[tuple[str, str]] = ()
    sort: str = "updated"
    descending: bool = True
    offset: int = 0
    limit: int | None = None

    def where(self, resolve: Resolver | None = None) -> tuple[str, list[Any]]:
        """The SQL ``WHERE`` clause and its parameters.

        ``resolve(kind, value)`` turns a typed tool/model/project/tag value into the stored
        values it stands for (`MetaIndex.resolve`: exact, ``prefix*``, or contained, as search
        does); without it values match exactly. Either way the clause is an ``IN`` over exact
        values, which the indexes answer at any size.
        """
        clauses: list[str] = []
        params: list[Any] = []

        def values(kind: str, typed: Sequence[str]) -> list[str]:
            if resolve is None:
                return list(typed)
            return list(dict.fromkeys(v for t in typed for v in resolve(kind, t)))

        def any_of(column: str, values: Sequence[str]) -> None:
            clauses.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)

        if self.sources:
            any_of("source", values("tool", self.sources))
        if self.projects:
            any_of("project", values("project", self.projects))
        if self.ids is not None:
            any_of("id", self.ids)

        def with_one_of(kind: str, values: Sequence[str], holds: bool = True) -> None:
            """Sessions that have (or, not ``holds``, lack) a model or tag among ``values``."""
            table = "session_models" if kind == "model" else "session_tags"
            marks = ",".join("?" * len(values))
            clauses.append(
                f"id {'' if holds else 'NOT '}IN "
                f"(SELECT session_id FROM {table} WHERE {kind} IN ({marks}))"
            )
            params.extend(values)

        if self.models:
            with_one_of("model", values("model", self.models))
        for tag in self.tags:  # every tag typed must hold (each may stand for several)
            with_one_of("tag", values("tag", [tag]))
        for kind, typed in self.exclude:
            gone = values(kind, [typed])
            if not gone:
                continue  # no session has it: excluding it removes nothing
            if kind in ("model", "tag"):
                with_one_of(kind, gone, holds=False)
                continue
            marks = ",".join("?" * len(gone))
            if kind == "tool":
                clauses.append(f"source NOT IN ({marks})")
            else:
                clauses.append(f"(project IS NULL OR project NOT IN ({marks}))")
            params.extend(gone)
        if self.starred is not None:
            clauses.append("starred = ?")
            params.append(int(self.starred))
        if self.has_error is not None:
            clauses.append("has_error = ?")
            params.append(int(self.has_error))
        if self.updated_after_ms is not None:
            clauses.append("updated >= ?")
            params.append(self.updated_after_ms)
        if self.updated_before_ms is not None:
            clauses.append("updated < ?")
            params.append(self.updated_before_ms)
        if self.title_contains:
            clauses.append("title LIKE ? ESCAPE '\\'")
            escaped = self.title_contains.replace("\\", "\\\\").replace("%", "\\%")
            params.append("%" + escaped.replace("_", "\\_") + "%")
        if self.subagents is not None:
            clauses.append(f"parent_session_id IS {'NOT ' if self.subagents else ''}NULL")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


@dataclass(slots=True)
class SyncReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)


#: SQLite integers are 64-bit; counts from a hostile or buggy source may not be.
_I64_MAX = 2**63 - 1


def _i64(value: int | None) -> int | None:
    return None if value is None else max(-_I64_MAX - 1, min(_I64_MAX, value))


def summary_row(session: Session, file_name: str, st: os.stat_result, version: int) -> tuple:
    models = session.models
    return (
        session.id,
        file_name,
        st.st_size,
        st.st_mtime_ns,
        version,
        display_title(session),
        session.source,
        json.dumps(models),
        models[0] if models else "",
        session.project,
        session.git_branch,
        to_ms(session.created),
        to_ms(session.updated),
        session.message_count,
        session.tool_call_count,
        int(session.has_error),
        int(session.starred),
        json.dumps(session.tags),
        _i64(session.persisted_until),
        session.parent_session_id,
        session.source_ref.path,
        session.source_ref.id,
        _i64(session.usage.total) if session.usage else None,
    )


def display_title(session: Session, width: int = 100) -> str:
    """The session's title, or its first real user prompt cut to one line."""
    if session.title.strip():
        return " ".join(session.title.split())[:width]
    for message in session.messages:
        if message.role == "user" and message.kind == "message" and message.text.strip():
            return " ".join(message.text.split())[:width]
    return "(untitled)"


def _summary(row: tuple) -> SessionSummary:
    (
        sid,
        file_name,
        size,
        _mtime,
        version,
        title,
        source,
        models,
        _model,
        project,
        branch,
        created,
        updated,
        n_msg,
        n_tool,
        has_error,
        starred,
        tags,
        persisted,
        parent,
        spath,
        sid2,
        tokens,
    ) = row
    return SessionSummary(
        sid,
        file_name,
        size,
        version,
        title,
        source,
        json.loads(models),
        project,
        branch,
        created,
        updated,
        n_msg,
        n_tool,
        bool(has_error),
        bool(starred),
        json.loads(tags),
        persisted,
        parent,
        spath,
        sid2,
        tokens,
    )


#: Where the distinct values of each filter kind live: (table, column).
_DISTINCT = {
    "tool": ("sessions", "source"),
    "project": ("sessions", "project"),
    "model": ("session_models", "model"),
    "tag": ("session_tags", "tag"),
}


def project_name(project: str) -> str:
    """A project's last path component (``/home/ana/src/infra`` -> ``infra``)."""
    return project.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]


def resolve_values(kind: str, typed: str, known: Sequence[str]) -> list[str]:
    """The values of ``known`` that ``typed`` stands for (see `MetaIndex.resolve`)."""
    wanted = typed.strip().lower()
    prefix = wanted.endswith("*")
    wanted = wanted.rstrip("*")
    if not wanted and not prefix:
        return []

    def keys(value: str) -> tuple[str, ...]:
        low = value.lower()
        if kind != "project":
            return (low,)
        name = project_name(low)
        return (low, name) if name and name != low else (low,)

    if prefix:
        return [v for v in known if any(k.startswith(wanted) for k in keys(v))]
    exact = [v for v in known if wanted in keys(v)]
    if exact:
        return exact
    if kind == "project":
        by_name = [v for v in known if wanted in project_name(v.lower())]
        if by_name:
            return by_name
    return [v for v in known if wanted in v.lower()]


class MetaIndex:
    """Thread-safe access to the SQLite cache (one connection per thread, WAL mode)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._conns: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._conns_lock = threading.Lock()
        self._open_or_reset()

    # -- connection management -----------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                os.chmod(p, 0o600)
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._claim()
            self._local.conn = conn
        return conn

    def _claim(self) -> sqlite3.Connection:
        """A connection for this thread: one a thread that has ended left, or a new one.

        Front ends run each search and load in a new short-lived thread: one connection
        each would cost a connect per keystroke, a cold page cache, and two file
        descriptors per thread, never given back, until the process runs out of them.
        Connections are kept per thread and handed on, so there are at most as many as
        threads ever alive at once.
        """
        me = threading.current_thread()
        with self._conns_lock:
            for n, (owner, conn) in enumerate(self._conns):
                if not owner.is_alive():
                    self._conns[n] = (me, conn)
                    break
            else:
                self._conns.append((me, conn := self._connect()))
                return conn
        if conn.in_transaction:
            conn.rollback()  # its thread ended inside a transaction (an exception in it)
        return conn

    def close(self) -> None:
        with self._conns_lock:
            for _owner, conn in self._conns:
                conn.close()
            self._conns.clear()
        self._local = threading.local()

    def _open_or_reset(self) -> None:
        """Open the index, deleting it first if it is corrupt or of another schema."""
        try:
            self._ensure_schema()
        except sqlite3.DatabaseError:
            self.close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            self._ensure_schema()

    def _ensure_schema(self) -> None:
        conn = self.conn
        conn.executescript(_SCHEMA)
        version = self.get_meta("schema_version")
        if version is not None and version != str(SCHEMA_VERSION):
            raise sqlite3.DatabaseError("index schema version changed")
        if version is None:
            with conn:
                self.set_meta("schema_version", str(SCHEMA_VERSION))
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                os.chmod(p, 0o600)

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- writes (the caller holds the store's writer lock) -------------------------------

    def upsert(self, rows: Iterable[tuple]) -> None:
        conn = self.conn
        with conn:
            for row in rows:
                sid = row[0]
                conn.execute(
                    f"INSERT OR REPLACE INTO sessions ({_COLUMNS}, listing_json) "
                    f"VALUES ({','.join('?' * 24)})",
                    (*row, json.dumps(_summary(row).to_json(), ensure_ascii=False)),
                )
                conn.execute("DELETE FROM session_models WHERE session_id = ?", (sid,))
                conn.executemany(
                    "INSERT OR IGNORE INTO session_models VALUES (?, ?)",
                    [(sid, m) for m in json.loads(row[7])],
                )
                conn.execute("DELETE FROM session_tags WHERE session_id = ?", (sid,))
                conn.executemany(
                    "INSERT OR IGNORE INTO session_tags VALUES (?, ?)",
                    [(sid, t) for t in json.loads(row[17])],
                )
                conn.execute("DELETE FROM problems WHERE file_name = ?", (row[1],))

    def remove(self, ids: Iterable[str]) -> None:
        conn = self.conn
        with conn:
            for sid in ids:
                conn.execute("DELETE FROM sessions WHERE id = ?", (sid,))
                conn.execute("DELETE FROM session_models WHERE session_id = ?", (sid,))
                conn.execute("DELETE FROM session_tags WHERE session_id = ?", (sid,))

    def sync(
        self,
        sessions_dir: Path,
        read: Callable[[Path], tuple[Session, int]],
        progress: Callable[[int, int], None] | None = None,
    ) -> SyncReport:
        """Bring the index in step with the files in ``sessions_dir``.

        ``read`` decodes one file, raising `CorruptSessionFile`; corrupt files are recorded in
        the ``problems`` table (so listing reports them) and never stop the sync.
        """
        from .errors import CorruptSessionFile
        from .layout import session_id_from_file_name

        report = SyncReport()
        dir_mtime = sessions_dir.stat().st_mtime_ns
        conn = self.conn
        known = {
            row[1]: (row[0], row[2], row[3])
            for row in conn.execute("SELECT id, file_name, file_size, file_mtime_ns FROM sessions")
        }
        known_problems = {
            row[0]: (row[1], row[2])
            for row in conn.execute("SELECT file_name, file_size, file_mtime_ns FROM problems")
        }
        # One file per id: after a crash both spellings may exist, and readers take the newer
        # (docs/storage-format.md 3.1), so the index must too, whatever the directory order.
        newest: dict[str, tuple[str, str, os.stat_result]] = {}
        for entry in os.scandir(sessions_dir):
            sid = session_id_from_file_name(entry.name)
            if sid is None:
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            other = newest.get(sid)
            if other is None or st.st_mtime_ns > other[2].st_mtime_ns:
                newest[sid] = (entry.name, entry.path, st)
        seen = {name for name, _path, _st in newest.values()}
        unreadable: set[str] = set()  # ids whose newest file is corrupt
        todo: list[tuple[Path, os.stat_result]] = []
        for name, entry_path, st in newest.values():
            have = known.get(name)
            if have and have[1] == st.st_size and have[2] == st.st_mtime_ns:
                continue
            problem = known_problems.get(name)
            if problem and problem == (st.st_size, st.st_mtime_ns):
                report.problems.append((name, "(unchanged corrupt file)"))
                unreadable.add(session_id_from_file_name(name) or name)
                continue
            todo.append((Path(entry_path), st))

        total = len(todo)
        batch: list[tuple] = []
        new_problems: list[tuple] = []
        gone_now: list[str] = []
        for done, (path, st) in enumerate(todo, 1):
            try:
                session, version = read(path)
            except CorruptSessionFile as exc:
                new_problems.append((path.name, st.st_size, st.st_mtime_ns, exc.reason))
                report.problems.append((path.name, exc.reason))
                unreadable.add(session_id_from_file_name(path.name) or path.name)
                if path.name in known:  # it was good once: its old row no longer holds
                    gone_now.append(known[path.name][0])
            else:
                if path.name in known:
                    report.updated += 1
                else:
                    report.added += 1
                batch.append(summary_row(session, path.name, st, version))
            if len(batch) >= 500:
                self.upsert(batch)
                batch.clear()
            if progress:
                progress(done, total)
        self.upsert(batch)
        # A row whose file vanished goes, unless its id now lives in a readable file of the
        # other spelling (a corrupt one must not keep the old row listed as good).
        gone_ids = [
            sid
            for name, (sid, _s, _m) in known.items()
            if name not in seen and (sid not in newest or sid in unreadable)
        ] + gone_now
        with conn:
            conn.executemany("INSERT OR REPLACE INTO problems VALUES (?, ?, ?, ?)", new_problems)
            for name in known_problems:
                if name not in seen:
                    conn.execute("DELETE FROM problems WHERE file_name = ?", (name,))
        self.remove(gone_ids)
        report.removed = len(gone_ids)
        with conn:
            self.set_meta("sessions_dir_mtime_ns", str(dir_mtime))
        return report

    def is_fresh(self, sessions_dir: Path) -> bool:
        try:
            current = sessions_dir.stat().st_mtime_ns
        except FileNotFoundError:
            return False
        return self.get_meta("sessions_dir_mtime_ns") == str(current)

    def note_own_write(self, before_ns: int, after_ns: int) -> None:
        """After a write of ours: keep the index marked fresh only if it was fresh before."""
        if self.get_meta("sessions_dir_mtime_ns") == str(before_ns):
            with self.conn:
                self.set_meta("sessions_dir_mtime_ns", str(after_ns))

    # -- reads -----------------------------------------------------------------------------

    def distinct(self, kind: str) -> list[str]:
        """Every stored value of a tool/model/project/tag, sorted.

        Sources, projects and models are read with a skip scan of their index (one seek per
        distinct value, not one row per session), so this stays sub-millisecond at 100k rows.
        """
        table, column = _DISTINCT[kind]
        if kind == "tag":  # few rows, and no index on the tag alone
            sql = f"SELECT DISTINCT {column} FROM {table} ORDER BY 1"
        else:
            sql = (
                f"WITH RECURSIVE v(x) AS (SELECT (SELECT MIN({column}) FROM {table}) UNION ALL "
                f"SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > v.x) FROM v "
                "WHERE v.x IS NOT NULL) SELECT x FROM v WHERE x IS NOT NULL"
            )
        return [row[0] for row in self.conn.execute(sql)]

    def resolve(self, kind: str, typed: str) -> list[str]:
        """The stored values a typed tool/model/project/tag value stands for, as search reads
        it: exact (ignoring case), ``prefix*``, or else every value containing it; for a
        project each value is its full path and its last path component, and a contained
        value prefers last components over paths. An empty list if nothing matches."""
        return resolve_values(kind, typed, self.distinct(kind))

    def unmatched(self, q: ListQuery) -> list[str]:
        """One line per filter value of ``q`` that matches no stored value, naming the known
        values (for tools and models), as search's notice does."""
        notes = []
        for kind, typed in (
            ("tool", q.sources),
            ("model", q.models),
            ("project", q.projects),
            ("tag", q.tags),
        ):
            if not typed:
                continue
            known = self.distinct(kind)
            for value in typed:
                if resolve_values(kind, value, known):
                    continue
                hint = ""
                if kind in ("tool", "model") and known:
                    more = ", …" if len(known) > 8 else ""
                    hint = f" (known: {', '.join(known[:8])}{more})"
                notes.append(f"no sessions have {kind} {value!r}{hint}")
        return notes

    def _where(self, q: ListQuery) -> tuple[str, list[Any]]:
        return q.where(self.resolve)

    def query(self, q: ListQuery) -> list[SessionSummary]:
        where, params = self._where(q)
        order = SORT_KEYS.get(q.sort, "updated")
        direction = "DESC" if q.descending else "ASC"
        sql = f"SELECT {_COLUMNS} FROM sessions{where} ORDER BY {order} {direction}, id {direction}"
        if q.limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params = [*params, q.limit, q.offset]
        elif q.offset:
            sql += " LIMIT -1 OFFSET ?"
            params = [*params, q.offset]
        return [_summary(row) for row in self.conn.execute(sql, params)]

    def query_json(self, q: ListQuery) -> bytes:
        """The listing as the UTF-8 JSON ``list --json`` prints: exactly
        ``json.dumps([s.to_json() for s in self.query(q)], ensure_ascii=False).encode()``.

        Each row's JSON is rendered once, when the row is indexed, and comes back from SQLite
        as bytes, so listing creates no Python object per session and never re-encodes: at
        100k sessions this is what keeps ``list --json`` under 1 s.
        """
        where, params = self._where(q)
        order = SORT_KEYS.get(q.sort, "updated")
        direction = "DESC" if q.descending else "ASC"
        sql = (
            f"SELECT CAST(listing_json AS BLOB) FROM sessions{where} "
            f"ORDER BY {order} {direction}, id {direction}"
        )
        if q.limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params = [*params, q.limit, q.offset]
        elif q.offset:
            sql += " LIMIT -1 OFFSET ?"
            params = [*params, q.offset]
        rows = self.conn.execute(sql, params).fetchall()
        return b"[" + b", ".join([row[0] for row in rows]) + b"]"

    def count(self, q: ListQuery | None = None) -> int:
        where, params = self._where(q or ListQuery())
        return self.conn.execute(f"SELECT COUNT(*) FROM sessions{where}", params).fetchone()[0]

    def ids(self, q: ListQuery | None = None) -> list[str]:
        q = q or ListQuery()
        where, params = self._where(q)
        order = SORT_KEYS.get(q.sort, "updated")
        direction = "DESC" if q.descending else "ASC"
        sql = f"SELECT id FROM sessions{where} ORDER BY {order} {direction}, id {direction}"
        return [row[0] for row in self.conn.execute(sql, params)]

    def get(self, session_id: str) -> SessionSummary | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        return _summary(row) if row else None

    def ids_with_prefix(self, prefix: str, limit: int) -> list[str]:
        """Ids starting with ``prefix``, in order, at most ``limit`` (a range on the key)."""
        rows = self.conn.execute(
            "SELECT id FROM sessions WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            (prefix, prefix + "\U0010ffff", limit),
        )
        return [row[0] for row in rows]

    def parent_of_all_with_prefix(self, prefix: str) -> str | None:
        """The one top-level session among the ids starting with ``prefix`` when every other
        one is a subagent of it (by `parent_session_id`, not by how the ids are spelt)."""
        high = prefix + "\U0010ffff"
        tops = self.conn.execute(
            "SELECT id FROM sessions WHERE id >= ? AND id < ? AND parent_session_id IS NULL "
            "LIMIT 2",
            (prefix, high),
        ).fetchall()
        if len(tops) != 1:
            return None
        parent = tops[0][0]
        other = self.conn.execute(
            "SELECT 1 FROM sessions WHERE id >= ? AND id < ? AND id != ? "
            "AND (parent_session_id IS NULL OR parent_session_id != ?) LIMIT 1",
            (prefix, high, parent, parent),
        ).fetchone()
        return parent if other is None else None

    def ids_with_source_id(self, source_id: str, limit: int, *, prefix: bool = False) -> list[str]:
        """Sessions the tool knows as ``source_id`` (its own id: a Claude Code UUID, a
        ChatGPT conversation id), or with ``prefix`` as an id starting with it, at most
        ``limit``: the top-level ones if there are any (subagents may share their parent's),
        else the subagents."""
        if prefix:
            where, params = (
                "source_id >= ? AND source_id < ?",
                (source_id, source_id + "\U0010ffff"),
            )
        else:
            where, params = "source_id = ?", (source_id,)
        rows = self.conn.execute(
            f"SELECT id, parent_session_id IS NULL FROM sessions WHERE {where} "
            "ORDER BY parent_session_id IS NOT NULL, id LIMIT ?",
            (*params, limit),
        ).fetchall()
        top = [sid for sid, is_top in rows if is_top]
        return top or [sid for sid, _top in rows]

    def trashed(self, names: Sequence[str]) -> dict[str, tuple[str, str]]:
        """(title, source) of trash entries by name, as recorded when they were deleted."""
        out: dict[str, tuple[str, str]] = {}
        for start in range(0, len(names), 500):
            chunk = list(names[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for name, title, source in self.conn.execute(
                f"SELECT name, title, source FROM trashed WHERE name IN ({marks})", chunk
            ):
                out[name] = (title, source)
        return out

    def note_trashed(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Remember (trash entry name, title, source), so `trash list` needs no file reads."""
        with self.conn:
            self.conn.executemany("INSERT OR REPLACE INTO trashed VALUES (?, ?, ?)", rows)

    def file_name(self, session_id: str) -> str | None:
        row = self.conn.execute(
            "SELECT file_name FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        return row[0] if row else None

    def problems(self) -> list[tuple[str, str]]:
        return list(self.conn.execute("SELECT file_name, reason FROM problems ORDER BY file_name"))

    def facet(self, name: str) -> list[tuple[str, int]]:
        """Distinct values with counts, for filter pickers: source, model, project or tag."""
        sql = {
            "source": "SELECT source, COUNT(*) FROM sessions GROUP BY source",
            "project": "SELECT project, COUNT(*) FROM sessions WHERE project IS NOT NULL "
            "GROUP BY project",
            "model": "SELECT model, COUNT(*) FROM session_models GROUP BY model",
            "tag": "SELECT tag, COUNT(*) FROM session_tags GROUP BY tag",
        }[name]
        return sorted(self.conn.execute(sql), key=lambda r: (-r[1], r[0]))

    def totals(self) -> dict[str, int]:
        row = self.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(message_count),0), COALESCE(SUM(tool_call_count),0), "
            "COALESCE(SUM(file_size),0) FROM sessions"
        ).fetchone()
        return {"sessions": row[0], "messages": row[1], "tool_calls": row[2], "bytes": row[3]}

    def iter_rows(self) -> Iterator[SessionSummary]:
        yield from (_summary(r) for r in self.conn.execute(f"SELECT {_COLUMNS} FROM sessions"))
