"""TUI benchmark: start-up, transcript opening, live-search latency and memory.

    python bench/bench_tui.py                    # 10k and 100k sessions
    python bench/bench_tui.py --sizes 10000      # quicker
    python bench/bench_tui.py --build-only       # just build the cached stores

Stores of N generated sessions (`sessions_tui.demo.generate_sessions(N, seed=7)`) are built once
under bench/out/tui-store-N/ (fsync skipped while building: set-up, not measurement), with their
full-text index. For each size, measured in child processes that run the real app headless:

* **first paint**: process start to the first frame of the main screen with rows drawn.
* **interactive**: process start until a key press (down) has moved the list cursor.
* **peak RSS** of that process after scrolling to the end of the list.
* baselines in the same run: ``python -c "import textual.app"`` (the interpreter + Textual
  floor), and Textual's DataTable filled with the same rows (10k only: it takes ~25 s at 100k).

Then, in-process on the largest size: opening a 10,000-message transcript (store read, layout of
what is visible, first paint) and search keystroke-to-results latency (a key typed in the search
bar until the list shows that query's results; debounce included), p50/p95.
Targets (issue 6): first paint <= 1 s at 100k, transcript <= 300 ms, search p95 <= 100 ms,
RSS <= 400 MB at 100k.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SEED = 7

PROBE = r"""
import sys, time, json, resource
t0 = float(sys.argv[1]); store_path = sys.argv[2]; kind = sys.argv[3]
marks = {}
if kind == "datatable":
    from textual.app import App
    from textual.widgets import DataTable
    from sessions_tui.store import SessionStore
    store = SessionStore(store_path, create=False)
    class Baseline(App):
        def compose(self):
            yield DataTable()
        def on_mount(self):
            table = self.query_one(DataTable)
            table.add_columns("Title", "Tool", "Model", "Project", "Updated", "Msgs", "Size")
            for s in store.list():
                table.add_row(s.title, s.source, s.model, s.project or "", str(s.updated_ms),
                              str(s.message_count), str(s.bytes))
            self.call_after_refresh(self._painted)
        def _painted(self):
            marks["first_paint"] = time.perf_counter() - t0
            self.exit()
    Baseline().run(headless=True, size=(120, 36))
else:
    from sessions_tui.store import SessionStore
    from sessions_tui.tui.app import make_app
    from sessions_tui.tui.screens.main import MainScreen
    store = SessionStore(store_path, create=False)
    app = make_app(store, open_search_index=False)
    def ready():
        try:
            return isinstance(app.screen, MainScreen) and app.screen.session_list.region.height
        except Exception:  # no screen yet
            return False
    async def drive():
        import asyncio
        while not ready():
            await asyncio.sleep(0.001)
        screen = app.screen
        lst = screen.session_list
        painted = asyncio.Event()
        app.call_after_refresh(painted.set)
        await painted.wait()
        marks["first_paint"] = time.perf_counter() - t0
        app.simulate_key("down")
        while lst.cursor != 1:
            await asyncio.sleep(0.001)
        done = asyncio.Event()
        app.call_after_refresh(done.set)
        await done.wait()
        marks["interactive"] = time.perf_counter() - t0
        for key in ("end", "pageup", "pageup", "home"):
            app.simulate_key(key)
            await asyncio.sleep(0.05)
        app.exit()
    async def run():
        import asyncio
        async def guarded():
            try:
                await asyncio.wait_for(drive(), 120)
            finally:
                app.exit()
        task = asyncio.ensure_future(guarded())
        await app.run_async(headless=True, size=(120, 36))
        await task
    import asyncio
    asyncio.run(run())
marks["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(marks))
"""


# -- stores ----------------------------------------------------------------------------


def build_store(n: int) -> Path:
    """The cached store of ``n`` generated sessions (built once, fsync off while building)."""
    from sessions_tui.store import SessionStore

    root = OUT / f"tui-store-{n}"
    stamp = root / ".bench-complete"
    if stamp.exists():
        return root
    import shutil

    shutil.rmtree(root, ignore_errors=True)
    from sessions_tui.demo import generate_sessions

    real_fsync = os.fsync
    os.fsync = lambda fd: None
    try:
        store = SessionStore(root)
        batch = []
        done = 0
        for session in generate_sessions(n, SEED):
            batch.append(session)
            if len(batch) == 1000:
                store.save_many(batch)
                done += len(batch)
                batch.clear()
                print(f"  building {root.name}: {done:,}/{n:,}", end="\r", file=sys.stderr)
        if batch:
            store.save_many(batch)
        store.close()
    finally:
        os.fsync = real_fsync
    print(file=sys.stderr)
    stamp.write_text(str(n))
    return root


def build_search_index(root: Path) -> float | None:
    """Index the store for the search benchmark (cached); the seconds it took if built now."""
    from sessions_tui.search import SearchIndex
    from sessions_tui.store import SessionStore

    stamp = root / ".bench-search-complete"
    if stamp.exists():
        return None
    store = SessionStore(root, create=False)
    start = time.perf_counter()
    with SearchIndex.open(store) as index:
        index.catch_up(
            lambda done, total: print(
                f"  indexing {root.name}: {done:,}/{total:,}", end="\r", file=sys.stderr
            )
        )
    print(file=sys.stderr)
    store.close()
    stamp.write_text("ok")
    return time.perf_counter() - start


def build_long_session_store(messages: int = 10_000) -> Path:
    """A store holding one session of ``messages`` messages (realistic mix, tool calls)."""
    from sessions_tui.demo import generate_sessions
    from sessions_tui.store import SessionStore

    root = OUT / f"tui-long-{messages}"
    stamp = root / ".bench-complete"
    if stamp.exists():
        return root
    import shutil

    shutil.rmtree(root, ignore_errors=True)
    store = SessionStore(root)
    collected = []
    base = None
    for session in generate_sessions(2000, SEED + 1):
        if base is None:
            base = session
        collected.extend(session.messages)
        if len(collected) >= messages:
            break
    assert base is not None
    for i, message in enumerate(collected[:messages]):
        message.id = f"m{i:06d}"
        message.parent_id = f"m{i - 1:06d}" if i else None
    base.id = "long-session"
    base.title = f"A session of {messages:,} messages"
    base.messages = collected[:messages]
    store.save(base)
    store.close()
    stamp.write_text("ok")
    return root


# -- measurements ---------------------------------------------------------------------------


def probe(store: Path, kind: str) -> dict[str, float]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", PROBE, repr(start), str(store), kind],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise SystemExit(f"probe failed ({kind} on {store}):\n{result.stderr[-3000:]}")
    line = [ln for ln in result.stdout.splitlines() if ln.startswith("{")][-1]
    marks = json.loads(line)
    # The child measured from a perf_counter taken here: same clock (CLOCK_MONOTONIC).
    return marks


def import_floor() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import textual.app"], check=True)
    return time.perf_counter() - start


async def transcript_and_search(root: Path, long_root: Path, repeat: int) -> dict[str, list[float]]:
    from datetime import UTC

    from textual.worker import WorkerCancelled

    from sessions_tui.store import SessionStore
    from sessions_tui.tui.app import make_app
    from sessions_tui.tui.screens.main import MainScreen

    out: dict[str, list[float]] = {
        "transcript": [],
        "read": [],
        "display": [],
        "search": [],
        "search_core": [],
    }

    long_store = SessionStore(long_root, create=False)
    app = make_app(long_store, tz=UTC, open_search_index=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        for _ in range(repeat):
            start = time.perf_counter()
            session = long_store.get("long-session")
            read = time.perf_counter()
            screen._show(session, None)
            await pilot.pause()
            end = time.perf_counter()
            out["transcript"].append(end - start)
            out["read"].append(read - start)
            out["display"].append(end - read)
            assert len(screen.transcript.entries) == 10_001
    long_store.close()

    store = SessionStore(root, create=False)
    app = make_app(store, tz=UTC)
    applied: list[tuple[str, float]] = []
    slowest: list[tuple[float, str]] = []
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        while screen.index is None or screen.index_state not in ("ready", "stale"):
            await pilot.pause(0.05)
        original = screen._apply

        arrived = asyncio.Event()

        def spy(query, *args, **kwargs):
            applied.append((query, time.perf_counter()))
            arrived.set()
            return original(query, *args, **kwargs)

        screen._apply = spy  # type: ignore[method-assign]
        await pilot.press("slash")
        for query in ("timeout", "retry backoff", "borrow checker", "sqlite listing", "camera"):
            screen.search_input.value = ""
            # Start each query on a settled screen (list and preview drawn), as a user who
            # looked at it would: typing into the preview's load measures that load instead.
            await pilot.pause(0.2)
            with contextlib.suppress(WorkerCancelled):  # a preview load typing cancelled
                await app.workers.wait_for_complete()
            await pilot.pause(0.1)
            for i, ch in enumerate(query):
                typed = query[: i + 1]
                applied.clear()
                start = time.perf_counter()
                await pilot.press("space" if ch == " " else ch)
                # Wait on an event, not by polling: a polling loop would hold the GIL the
                # search thread needs, which a real, idle event loop does not.
                while not any(q == typed for q, _t in applied):
                    arrived.clear()
                    try:
                        await asyncio.wait_for(arrived.wait(), 2.0)
                    except TimeoutError:
                        break
                hit = next((t for q, t in applied if q == typed), None)
                if hit is not None and typed.strip() and not typed.endswith(" "):
                    out["search"].append(hit - start)
                    slowest.append((hit - start, typed))
            t = time.perf_counter()
            screen.index.search(query, limit=100)
            out["search_core"].append(time.perf_counter() - t)
    store.close()
    slowest.sort(reverse=True)
    out["slowest"] = slowest[:5]  # type: ignore[assignment]
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)

    roots = {n: build_store(n) for n in sizes}
    largest = roots[max(sizes)]
    built = build_search_index(largest)
    long_root = build_long_session_store()
    if built is not None:
        print(f"(search index of {largest.name} built in {built:.0f} s)")
    if args.build_only:
        return

    floor = min(import_floor() for _ in range(args.repeat))
    print(f"\nbaseline: python -c 'import textual.app'  {ms(floor)}\n")
    header = (
        f"{'sessions':>9}  {'first paint':>12}  {'interactive':>12}  {'peak RSS':>9}  "
        f"{'DataTable paint':>16}  {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for n, root in roots.items():
        runs = [probe(root, "app") for _ in range(args.repeat)]
        paint = statistics.median(r["first_paint"] for r in runs)
        ready = statistics.median(r["interactive"] for r in runs)
        rss = max(r["rss_mb"] for r in runs)
        table = ""
        ratio = ""
        if n <= 20_000:
            base = probe(root, "datatable")["first_paint"]
            table, ratio = ms(base), f"{base / paint:.1f}x"
        print(f"{n:>9,}  {ms(paint):>12}  {ms(ready):>12}  {rss:>6.0f} MB  {table:>16}  {ratio:>6}")

    figures = asyncio.run(transcript_and_search(largest, long_root, args.repeat))
    t = figures["transcript"]
    s = sorted(figures["search"])
    p95 = s[min(len(s) - 1, int(len(s) * 0.95))] if s else float("nan")
    print(
        f"\ntranscript of 10,000 messages opened: median {ms(statistics.median(t))}, "
        f"max {ms(max(t))}  (target 300 ms)"
    )
    print(
        f"  of which reading it from the store: {ms(statistics.median(figures['read']))}, "
        f"laying out and painting what is visible: {ms(statistics.median(figures['display']))}"
    )
    print(
        f"search keystroke -> results on {largest.name} ({len(s)} keystrokes): "
        f"p50 {ms(statistics.median(s))}, p95 {ms(p95)}  (target 100 ms)"
    )
    print(
        f"  of which the search call alone: median {ms(statistics.median(figures['search_core']))}"
    )
    print("  slowest keystrokes: " + ", ".join(f"{q!r} {ms(t)}" for t, q in figures["slowest"]))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process (transcript + search benchmarks): {peak:.0f} MB")


if __name__ == "__main__":
    main()
