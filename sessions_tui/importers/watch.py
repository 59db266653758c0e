"""Keep importing as tools write: poll, import new and grown files, debounce growing ones.

Polling ``stat`` is portable (no inotify/FSEvents dependency) and cheap: unchanged files cost
one ``stat`` per tick. A file that grew since the previous tick is being written right now; it
is imported once it stops growing for a tick, or at least every ``max_delay`` seconds while a
long session keeps writing, so a transcript the tool later deletes is already in the store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..store import SessionStore
from .runner import ImportRun, ImportSummary, Task, importers_for, plan, plan_auto


class Watcher:
    """Polls sources and imports changes; `tick` is one round (tests drive it directly)."""

    def __init__(
        self,
        store: SessionStore,
        paths: Iterable[Path | str] | None = None,
        source: str | None = None,
        *,
        max_delay: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.paths = [Path(p) for p in paths] if paths else None
        self.importers = importers_for(source)
        self.forced = source is not None
        self.max_delay = max_delay
        self.clock = clock
        self.run = ImportRun(store, importers=self.importers)
        self._seen: dict[str, tuple[int, int]] = {}
        self._last_import: dict[str, float] = {}
        self._failed: dict[str, tuple[int, int]] = {}
        self.total = ImportSummary()

    def close(self) -> None:
        self.run.close()

    def _defer(self, task: Task) -> bool:
        key = str(task.path)
        now_seen = (task.size, task.mtime_ns)
        before = self._seen.get(key)
        self._seen[key] = now_seen
        if self._failed.get(key) == now_seen:
            return True  # failed as it is now: wait until it changes
        growing = before is not None and before != now_seen
        last = self._last_import.get(key)
        if growing and last is not None and self.clock() - last < self.max_delay:
            return True
        if growing and last is None and before is not None:
            # Never imported and still being written: wait one quiet tick (or max_delay).
            first = self._last_import.setdefault(f"first:{key}", self.clock())
            return self.clock() - first < self.max_delay
        return False

    def tick(self) -> ImportSummary:
        """Plan, import whatever changed (minus growing files), and return this round."""
        summary = ImportSummary()
        if self.paths is None:
            tasks = plan_auto(summary)
        else:
            tasks = plan(self.importers, self.paths, summary, forced=self.forced, auto=True)
        summary.files_not_transcripts = 0  # counted once, not every tick
        self.run.run(tasks, summary, defer=self._defer)
        now = self.clock()
        failed_paths = {f.path for f in summary.failures}
        for task in tasks:
            key = str(task.path)
            if key in failed_paths:
                self._failed[key] = (task.size, task.mtime_ns)
            elif key in self.run.imported:
                self._last_import[key] = now
                self._last_import.pop(f"first:{key}", None)
                self._failed.pop(key, None)
        self.run.imported.clear()
        self.total.merge(summary)
        return summary


def watch(
    store: SessionStore,
    paths: Iterable[Path | str] | None = None,
    source: str | None = None,
    *,
    interval: float = 5.0,
    max_delay: float = 30.0,
    on_tick: Callable[[ImportSummary], None] | None = None,
    stop: threading.Event | None = None,
) -> ImportSummary:
    """Import until ``stop`` is set or Ctrl+C; returns the total of every round."""
    watcher = Watcher(store, paths, source, max_delay=max_delay)
    stop = stop or threading.Event()
    try:
        while not stop.is_set():
            summary = watcher.tick()
            if on_tick is not None:
                on_tick(summary)
            stop.wait(interval)
    except KeyboardInterrupt:
        watcher.total.interrupted = True
    finally:
        watcher.close()
    return watcher.total
