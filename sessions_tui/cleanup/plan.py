"""Preview and apply a cleanup.

`preview` never writes: it reads the metadata index (and, only for the "trivial" and
"duplicates" criteria, the session files that could qualify) and returns a `CleanupPlan`: the
sessions that would go, why, their bytes, and a fingerprint of each file as it was seen.

`apply` moves the planned sessions to the trash in one `SessionStore.delete` call, which is
journalled: it completes, or (after a crash) is rolled back the next time the store opens.
Under the store's writer lock it first re-checks each file against its fingerprint; a session
saved since the preview (a tool still writing to it, a star added in another window) is
skipped and reported, never deleted. Symlinked session files are skipped too: deleting never
reaches outside the store.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..models import Session
from ..store import ListQuery, SessionStore, SessionSummary, StoreError
from ..store.metaindex import iso_ms
from .policy import CleanupPolicy

Progress = Callable[[int, int], None]
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What a session file looked like at preview time; any change means "written since"."""

    name: str
    inode: int
    size: int
    mtime_ns: int


@dataclass(slots=True)
class Candidate:
    """A session the plan would remove, and why."""

    id: str
    title: str
    source: str
    project: str | None
    updated_ms: int
    bytes: int
    reasons: list[str]
    files: tuple[Fingerprint, ...]

    @property
    def updated(self) -> datetime:
        return datetime.fromtimestamp(self.updated_ms / 1000, UTC)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "project": self.project,
            "updated": iso_ms(self.updated_ms),
            "bytes": self.bytes,
            "reasons": self.reasons,
        }


@dataclass(slots=True)
class CleanupPlan:
    """The outcome of a preview: apply it with `apply`."""

    policy: CleanupPolicy
    candidates: list[Candidate] = field(default_factory=list)
    #: Starred sessions the policy would otherwise have selected.
    protected_starred: int = 0
    #: Sessions in scope that were looked at.
    considered: int = 0
    #: Sessions that cannot be removed safely (symlinked files), with the reason.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    note: str | None = None
    created_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    @property
    def count(self) -> int:
        return len(self.candidates)

    @property
    def bytes(self) -> int:
        return sum(c.bytes for c in self.candidates)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.candidates]

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy.to_json(),
            "description": self.policy.describe(),
            "count": self.count,
            "bytes": self.bytes,
            "considered": self.considered,
            "protected_starred": self.protected_starred,
            "skipped": [{"id": i, "reason": r} for i, r in self.skipped],
            "note": self.note,
            "sessions": [c.to_json() for c in self.candidates],
        }


@dataclass(slots=True)
class CleanupResult:
    """What `apply` did. ``trash_names`` identify the trash entries, for undo."""

    removed: list[str] = field(default_factory=list)
    bytes_freed: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    trash_names: list[str] = field(default_factory=list)


# -- preview ---------------------------------------------------------------------------------


def preview(
    store: SessionStore,
    policy: CleanupPolicy,
    *,
    now_ms: int | None = None,
    progress: Progress | None = None,
) -> CleanupPlan:
    """The sessions ``policy`` would remove right now. Reads only; never writes."""
    plan = CleanupPlan(policy)
    if policy.is_empty:
        return plan
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    # --tool and --project mean what they mean in `list` and in search (a project's name is
    # enough, `claude` is both Claude tools); the plan lists every session before anything goes.
    scope = ListQuery(
        sources=policy.sources, projects=policy.projects, sort="updated", descending=True
    )
    everything = store.list(ListQuery(sort="updated", descending=True))
    population = everything
    if policy.sources or policy.projects:
        population = store.list(scope)
        unmatched = store.index.unmatched(scope)
        if unmatched:
            plan.note = "; ".join(unmatched)
    if policy.query:
        from ..export.scope import query_ids

        found = query_ids(store, policy.query)
        plan.note = "; ".join(n for n in (plan.note, found.note) if n) or None
        matched = set(found.ids)
        population = [s for s in population if s.id in matched]
    plan.considered = len(population)

    protected: set[str] = set()
    if policy.keep_newest is not None:
        protected = {s.id for s in population[: policy.keep_newest]}
    reasons: dict[str, list[str]] = {s.id: [] for s in population}

    # Cheap criteria, from the index.
    checks: list[Callable[[SessionSummary], str | None]] = []
    if policy.older_than_days is not None:
        cutoff = now_ms - policy.older_than_days * DAY_MS
        checks.append(lambda s: _age(now_ms - s.updated_ms) if s.updated_ms < cutoff else None)
    if policy.larger_than is not None:
        limit = policy.larger_than
        checks.append(lambda s: f"{s.bytes:,} bytes" if s.bytes > limit else None)
    if policy.expired:
        checks.append(_expiry_check(store, now_ms))

    def cheap(s: SessionSummary) -> tuple[bool, list[str]]:
        got = [r for r in (check(s) for check in checks)]
        hits = [r for r in got if r]
        if not checks:
            return (not policy.match_any), hits
        return (any(got) if policy.match_any else all(got)), hits

    selected: dict[str, list[str]] = {}
    undecided: list[SessionSummary] = []
    for s in population:
        ok, hits = cheap(s)
        reasons[s.id] += hits
        expensive = policy.trivial or policy.duplicates
        if policy.match_any:
            if hits:
                selected[s.id] = reasons[s.id]
            elif expensive:
                undecided.append(s)
        elif ok:
            if expensive:
                undecided.append(s)
            else:
                selected[s.id] = reasons[s.id]

    # Expensive criteria, reading files only where they could change the outcome.
    if policy.trivial or policy.duplicates:
        trivial_ids: set[str] = set()
        if policy.trivial:
            trivial_ids = _trivial(store, undecided, reasons, progress)
        dup_ids: set[str] = set()
        if policy.duplicates:
            dup_ids = _duplicates(store, population, reasons, progress)
        for s in undecided:
            flags = []
            if policy.trivial:
                flags.append(s.id in trivial_ids)
            if policy.duplicates:
                flags.append(s.id in dup_ids)
            if any(flags) if policy.match_any else all(flags):
                selected[s.id] = reasons[s.id]

    if not policy.has_criteria:
        for sid in selected:
            if not selected[sid]:
                selected[sid].append(
                    "beyond the newest" if policy.keep_newest is not None else "in scope"
                )
    elif policy.keep_newest is not None:
        for sid in selected:
            selected[sid].append(f"not among the newest {policy.keep_newest}")

    by_id = {s.id: s for s in everything}
    chosen = [sid for sid in selected if sid not in protected]
    plan.protected_starred = sum(1 for sid in chosen if by_id[sid].starred)
    chosen = [sid for sid in chosen if not by_id[sid].starred]
    if policy.with_subagents:
        children: dict[str, list[str]] = defaultdict(list)
        for s in everything:
            if s.parent_session_id:
                children[s.parent_session_id].append(s.id)
        # A subagent transcript follows its parent both ways: it stays while the parent
        # stays (keep-newest or an age limit must not strip a kept session of its subagents).
        going = set(chosen)
        chosen = [
            sid
            for sid in chosen
            if (parent := by_id[sid].parent_session_id) is None
            or parent not in by_id
            or parent in going
        ]
        have = set(chosen)
        for sid in list(chosen):
            for child in children.get(sid, ()):
                if child not in have and child not in protected and not by_id[child].starred:
                    have.add(child)
                    chosen.append(child)
                    selected[child] = [f"subagent of {sid}"]

    for sid in chosen:
        summary = by_id[sid]
        try:
            files = _fingerprints(store, sid)
        except _Unsafe as exc:
            plan.skipped.append((sid, str(exc)))
            continue
        if not files:
            continue  # deleted meanwhile
        plan.candidates.append(
            Candidate(
                sid,
                summary.title,
                summary.source,
                summary.project,
                summary.updated_ms,
                sum(f.size for f in files),
                selected[sid],
                files,
            )
        )
    plan.candidates.sort(key=lambda c: (c.updated_ms, c.id))
    return plan


def _age(ms: int) -> str:
    """How long a session has not been updated, for the preview's reason column."""
    days = ms / DAY_MS
    if days < 2:
        return f"not updated for {ms / 3_600_000:,.0f} hours"
    return f"not updated for {days:,.0f} days"


def _expiry_check(store: SessionStore, now_ms: int) -> Callable[[SessionSummary], str | None]:
    """Past retention: both the session's own ``persistedUntil`` promise and the store's
    current retention window have passed (so lengthening retention never deletes early, and
    shortening it never breaks an earlier promise). Nothing expires with persistence off."""
    settings = store.settings
    if not settings.persistence or not settings.retention_days:
        return lambda s: None
    window = settings.retention_days * DAY_MS

    def check(s: SessionSummary) -> str | None:
        until = max(s.persisted_until or 0, s.updated_ms + window)
        if until < now_ms:
            day = datetime.fromtimestamp(until / 1000, UTC).strftime("%Y-%m-%d")
            return f"retention ended {day}"
        return None

    return check


def _read(store: SessionStore, sid: str) -> Session | None:
    try:
        return store.get(sid)
    except StoreError:
        return None  # corrupt or gone: never selected on content we could not read


def _trivial(
    store: SessionStore,
    sessions: list[SessionSummary],
    reasons: dict[str, list[str]],
    progress: Progress | None,
) -> set[str]:
    found: set[str] = set()
    total = len(sessions)
    for done, s in enumerate(sessions, 1):
        if s.message_count == 0:
            found.add(s.id)
            reasons[s.id].append("empty")
        else:
            session = _read(store, s.id)
            if session is not None and not any(m.role == "assistant" for m in session.messages):
                found.add(s.id)
                reasons[s.id].append("no assistant reply")
        if progress and done % 50 == 0:
            progress(done, total)
    return found


def content_digest(session: Session) -> str:
    """A hash of what a session says (messages' roles, kinds, times, models and content),
    ignoring its id, title, tags, star and where it was imported from."""
    h = hashlib.sha256()
    for m in session.messages:
        h.update(
            m.model_dump_json(include={"role", "kind", "timestamp", "model", "content"}).encode()
        )
        h.update(b"\x00")
    return h.hexdigest()


def _duplicates(
    store: SessionStore,
    population: list[SessionSummary],
    reasons: dict[str, list[str]],
    progress: Progress | None,
) -> set[str]:
    """Sessions whose content equals another's. The copy kept is the starred one, else the
    one created first. Only sessions with equal message and tool-call counts are read."""
    groups: dict[tuple[int, int], list[SessionSummary]] = defaultdict(list)
    for s in population:
        if s.message_count:
            groups[(s.message_count, s.tool_call_count)].append(s)
    maybe = [g for g in groups.values() if len(g) > 1]
    total = sum(len(g) for g in maybe)
    done = 0
    found: set[str] = set()
    for group in maybe:
        by_digest: dict[str, list[SessionSummary]] = defaultdict(list)
        for s in group:
            session = _read(store, s.id)
            done += 1
            if progress and done % 50 == 0:
                progress(done, total)
            if session is not None:
                by_digest[content_digest(session)].append(s)
        for copies in by_digest.values():
            if len(copies) < 2:
                continue
            copies.sort(key=lambda s: (not s.starred, s.created_ms, s.id))
            keeper = copies[0]
            for s in copies[1:]:
                found.add(s.id)
                reasons[s.id].append(f"duplicate of {keeper.id}")
    return found


class _Unsafe(Exception):
    pass


def _fingerprints(store: SessionStore, sid: str) -> tuple[Fingerprint, ...]:
    out = []
    for path in store.layout.existing_session_files(sid):
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(st.st_mode):
            raise _Unsafe(f"{path}: is a symlink; never deleted through")
        if not stat.S_ISREG(st.st_mode):
            raise _Unsafe(f"{path}: is not a regular file")
        out.append(Fingerprint(path.name, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)


# -- apply -----------------------------------------------------------------------------------


def apply(
    store: SessionStore,
    plan: CleanupPlan,
    *,
    only: Iterable[str] | None = None,
) -> CleanupResult:
    """Move the plan's sessions (or the ``only`` subset of them) to the trash in one step.

    Sessions whose files changed since the preview are left alone and listed in ``changed``.
    """
    wanted = None if only is None else set(only)
    result = CleanupResult()
    with store.writing():
        go: list[Candidate] = []
        for c in plan.candidates:
            if wanted is not None and c.id not in wanted:
                continue
            try:
                now = _fingerprints(store, c.id)
            except _Unsafe:
                result.changed.append(c.id)
                continue
            if not now:
                result.missing.append(c.id)
            elif now != c.files:
                result.changed.append(c.id)
            else:
                go.append(c)
        if go:
            details = {
                "policy": plan.policy.to_json(),
                "description": plan.policy.describe(),
                "bytes": sum(c.bytes for c in go),
            }
            if result.changed:
                details["skipped_changed"] = result.changed
            entries = store.delete([c.id for c in go], reason="cleanup", details=details)
            result.removed = [c.id for c in go]
            result.bytes_freed = sum(e.bytes for e in entries)
            result.trash_names = [e.name for e in entries]
    return result


def undo(store: SessionStore, result: CleanupResult):
    """Put back what a cleanup removed (byte-identical), returning the store's report."""
    return store.restore(result.trash_names or result.removed)


def last_cleanup(store: SessionStore) -> dict[str, Any] | None:
    """The most recent cleanup in the operations log, if any."""
    for entry in reversed(store.operations()):
        if entry.get("op") == "cleanup":
            return entry
    return None
