"""Full-text search benchmark: sessions-tui's tantivy index vs SQLite FTS5 vs ripgrep.

    python bench/bench_search.py                   # 100,000 sessions (~2.9M messages)
    python bench/bench_search.py --sessions 5000   # a quick run

One command, everything side by side in the same run on the same corpus and queries:

* corpus: ``generate_sessions(N)`` written once, uncompressed (so ripgrep can read it), into
  ``bench/out/search-store-N-seed7`` (cached; fsync skipped while building it);
* index build: a full `SearchIndex.reindex` (messages/s, MB/s of session JSON);
* latency: p50/p95 of `SearchIndex.search(q, limit=20)`, snippets for the 20 sessions
  included, over a fixed mix of queries (terms, AND, phrases, prefix, fuzzy, filters, code,
  CJK), in a separate process whose peak memory is reported;
* baselines: SQLite FTS5 (one row per message, unicode61, ``GROUP BY`` session, ``snippet()``
  for the 20 best) and ripgrep (``rg -l`` over the raw files: a lower bound for a grep-based
  viewer, which would still have to group, rank and cut snippets). Fuzzy queries have no
  FTS5/rg equivalent and are left out of their comparisons.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "bench" / "out"

TARGETS = {
    "p95_fast_ms": 20.0,  # terms, AND, prefix, fuzzy, filtered
    "p95_phrase_ms": 100.0,
    "vs_fts5": 3.0,
    "vs_rg": 100.0,
    "rss_mb": 300.0,
    "build_mb_s": 10.0,
}
FAST = ("term", "and", "prefix", "fuzzy", "filter", "code")


# -- corpus -------------------------------------------------------------------------------


def build_corpus(n: int, seed: int) -> Path:
    from sessions_tui.demo import generate_sessions
    from sessions_tui.store import SessionStore

    root = OUT / f"search-store-{n}-seed{seed}"
    stamp = root / ".bench-complete"
    if stamp.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    real_fsync = os.fsync
    os.fsync = lambda fd: None  # set-up, not measurement
    try:
        store = SessionStore(root)
        store.update_settings(compress=False)
        batch: list = []
        done = 0
        for session in generate_sessions(n, seed):
            batch.append(session)
            if len(batch) == 1000:
                store.save_many(batch)
                done += len(batch)
                batch.clear()
                print(f"  corpus {done:,}/{n:,}", end="\r", file=sys.stderr, flush=True)
        if batch:
            store.save_many(batch)
        store.close()
    finally:
        os.fsync = real_fsync
    print(file=sys.stderr)
    stamp.write_text(str(n))
    return root


# -- the query mix -----------------------------------------------------------------------------

_COMMON = [
    "test",
    "retry",
    "timeout",
    "error",
    "logs",
    "change",
    "request",
    "failed",
    "client",
    "config",
    "sandbox",
    "interface",
    "backoff",
    "idempotent",
    "integration",
    "seconds",
]
_RARE = [
    "jittered",
    "groupby",
    "CrashLoopBackOff",
    "readinessProbe",
    "TokenBucket",
    "dateutil",
    "Astro",
    "borrow",
    "RDS",
    "uv",
    "zstd",
    "camera",
    "Jekyll",
    "jitter",
    "sandbox",
    "astro",
]
_PHRASES = [
    "the test suite",
    "retry with jittered backoff",
    "No space left on device",
    "exit code 1",
    "the same key",
    "cannot borrow",
    "the public interface",
    "default of the HTTP client",
    "expected 3 calls",
    "handle the empty case",
]
_PREFIXES = ["retr", "time", "jitt", "idemp", "sandb", "camer", "groupb", "integ", "conf", "astr"]
_TYPOS = [
    "retyr",
    "timout",
    "bakcoff",
    "idempotnet",
    "sandbxo",
    "jitterd",
    "integraton",
    "clinet",
    "requets",
    "confgi",
]
_FILTERS = [
    "tool:claude-code",
    "tool:codex-cli",
    "model:gpt-4o",
    "project:infra",
    "project:sessions-tui",
    "after:2026-01-01",
    "before:2025-06-01",
    "has:error",
    "role:user",
    "tool:chatgpt",
]
_CODE = [
    "retry_with_backoff",
    "atomic.py",
    "src/store/atomic.py",
    "CameraActivity",
    "E0502",
    "aws_db_instance",
    "parse_timestamp",
    "astro.config.mjs",
    "test_retry_after_timeout",
    "sessions_updated",
]
_CJK = ["缓存是否失效", "设定", "初期化", "并发行为", "設定ファイル"]


def query_mix(count: int = 220, seed: int = 11) -> list[tuple[str, str]]:
    """A fixed mix of (category, query), the same every run."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    words = _COMMON + _RARE
    for _ in range(count):
        kind = rng.choice(
            [
                "term",
                "term",
                "and",
                "and",
                "phrase",
                "prefix",
                "fuzzy",
                "filter",
                "filter",
                "code",
                "cjk",
            ]
        )
        if kind == "term":
            q = rng.choice(words)
        elif kind == "and":
            q = " ".join(rng.sample(words, rng.choice([2, 2, 3])))
        elif kind == "phrase":
            q = f'"{rng.choice(_PHRASES)}"'
        elif kind == "prefix":
            q = rng.choice(_PREFIXES) + "*"
        elif kind == "fuzzy":
            q = rng.choice(_TYPOS) + "~"
        elif kind == "filter":
            q = f"{rng.choice(words)} {rng.choice(_FILTERS)}"
        elif kind == "code":
            q = rng.choice(_CODE)
        else:
            q = rng.choice(_CJK)
        out.append((kind, q))
    return out


# -- measuring -------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _rss_anon_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _search_worker(root: str, queries: list[tuple[str, str]], repeat: int, conn) -> None:
    """Runs in a fresh process, so its peak memory is the search's alone."""
    from sessions_tui.search import SearchIndex
    from sessions_tui.store import SessionStore

    store = SessionStore(root)
    index = SearchIndex.open(store)
    for _kind, q in queries:  # warm-up: page cache, vocabularies
        index.search(q, limit=20)
    timings: list[float] = []
    totals: list[int] = []
    anon = 0.0
    for _kind, q in queries:
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            result = index.search(q, limit=20)
            runs.append((time.perf_counter() - start) * 1000)
        timings.append(statistics.median(runs))
        totals.append(result.total)
        anon = max(anon, _rss_anon_mb())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    index.close()
    conn.send({"ms": timings, "totals": totals, "peak_rss_mb": peak, "anon_mb": anon})


def bench_tantivy_search(root: Path, queries, repeat: int) -> dict:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_search_worker, args=(str(root), queries, repeat, child))
    proc.start()
    result = parent.recv()
    proc.join()
    return result


# -- SQLite FTS5 ------------------------------------------------------------------------------


def build_fts(root: Path, n: int) -> tuple[Path, float | None]:
    from sessions_tui.search.documents import message_text, read_payload
    from sessions_tui.store.metaindex import display_title  # noqa: F401  (same titles)

    path = OUT / f"search-fts5-{n}.sqlite3"
    if path.exists():
        return path, None
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute(
        "CREATE VIRTUAL TABLE m USING fts5(title, text, sid UNINDEXED, mid UNINDEXED, "
        "role UNINDEXED, source UNINDEXED, model UNINDEXED, project UNINDEXED, "
        "updated UNINDEXED, error UNINDEXED)"
    )
    start = time.perf_counter()
    rows = []
    files = sorted((root / "sessions").glob("*.json"))
    for i, file in enumerate(files, 1):
        payload, _size = read_payload(file)
        title = payload.get("title") or ""
        project = (payload.get("project") or "").rstrip("/").rsplit("/", 1)[-1]
        models = " ".join(payload.get("models") or [])
        error = int(
            any(
                b.get("isError")
                for msg in payload["messages"]
                for b in msg.get("content") or []
                if isinstance(b, dict)
            )
        )
        updated = payload.get("updated") or ""
        for msg in payload["messages"]:
            text = message_text(msg)
            if text.strip():
                rows.append(
                    (
                        title,
                        text,
                        payload["id"],
                        msg["id"],
                        msg["role"],
                        payload["source"],
                        models,
                        project,
                        updated,
                        error,
                    )
                )
        if len(rows) > 20000:
            db.executemany("INSERT INTO m VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
            rows.clear()
            print(f"  fts5 {i:,}/{len(files):,}", end="\r", file=sys.stderr, flush=True)
    db.executemany("INSERT INTO m VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
    db.commit()
    db.execute("INSERT INTO m(m) VALUES('optimize')")
    db.commit()
    db.close()
    print(file=sys.stderr)
    os.replace(tmp, path)
    return path, time.perf_counter() - start


_FILTER_SQL = {
    "tool": "source = ?",
    "model": "(' ' || model || ' ') LIKE ?",
    "project": "project = ?",
    "role": "role = ?",
    "after": "updated >= ?",
    "before": "updated < ?",
    "has": "error = 1",
}


def fts_translate(q: str) -> tuple[str, list[str], list] | None:
    """The FTS5 MATCH expression and extra WHERE clauses for a query (None: no equivalent)."""
    if q.endswith("~"):
        return None
    where: list[str] = []
    params: list = []
    words: list[str] = []
    for part in re.findall(r'"[^"]*"|\S+', q):
        if ":" in part and not part.startswith('"'):
            key, value = part.split(":", 1)
            where.append(_FILTER_SQL[key])
            if key == "model":
                params.append(f"% {value} %")
            elif key != "has":
                params.append(value)
            continue
        if part.startswith('"'):
            words.append(part)
        elif part.endswith("*"):
            words.append(f'"{part[:-1]}"*')
        else:
            tokens = re.findall(r"\w+", part)
            words.append('"' + " ".join(tokens) + '"')
    if not words:
        return None
    return " AND ".join(words), where, params


def bench_fts(path: Path, queries, repeat: int) -> dict[int, float]:
    db = sqlite3.connect(path)
    out: dict[int, float] = {}

    def run(match: str, where: list[str], params: list) -> int:
        extra = "".join(f" AND {w}" for w in where)
        top = db.execute(
            f"SELECT sid, rowid, min(rank) AS r FROM m WHERE m MATCH ?{extra} "
            "GROUP BY sid ORDER BY r LIMIT 20",
            [match, *params],
        ).fetchall()
        if top:
            marks = ",".join("?" * len(top))
            db.execute(
                f"SELECT rowid, snippet(m, 1, '[', ']', '…', 24) FROM m "
                f"WHERE m MATCH ? AND rowid IN ({marks})",
                [match, *[row[1] for row in top]],
            ).fetchall()
        return len(top)

    for i, (_kind, q) in enumerate(queries):
        translated = fts_translate(q)
        if translated is None:
            continue
        run(*translated)  # warm
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            run(*translated)
            runs.append((time.perf_counter() - start) * 1000)
        out[i] = statistics.median(runs)
    return out


# -- ripgrep ----------------------------------------------------------------------------------


def rg_binary() -> str | None:
    local = Path(sys.executable).with_name("rg")
    return str(local) if local.exists() else shutil.which("rg")


def rg_args(q: str) -> list[str] | None:
    """The first text term of a query as an rg search (a lower bound on the grep approach)."""
    if q.endswith("~"):
        return None
    for part in re.findall(r'"[^"]*"|\S+', q):
        if ":" in part and not part.startswith('"'):
            continue
        if part.startswith('"'):
            return ["-F", "-i", part.strip('"')]
        if part.endswith("*"):
            return ["-i", r"\b" + re.escape(part[:-1])]
        return ["-F", "-i", part]
    return None


def bench_rg(root: Path, queries, sample: list[int]) -> dict[int, float]:
    rg = rg_binary()
    if rg is None:
        return {}
    out: dict[int, float] = {}
    sessions = str(root / "sessions")
    for i in sample:
        args = rg_args(queries[i][1])
        if args is None:
            continue
        start = time.perf_counter()
        subprocess.run([rg, "-l", "--no-messages", *args, sessions], stdout=subprocess.DEVNULL)
        out[i] = (time.perf_counter() - start) * 1000
    return out


# -- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queries", type=int, default=220)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per query (median)")
    parser.add_argument("--fts-repeat", type=int, default=1, help="timed FTS5 runs per query")
    parser.add_argument("--rg-sample", type=int, default=40, help="queries run through rg")
    parser.add_argument("--skip-build", action="store_true", help="reuse the existing index")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    from sessions_tui.search import SearchIndex
    from sessions_tui.store import SessionStore

    OUT.mkdir(parents=True, exist_ok=True)
    print(f"corpus: {args.sessions:,} generated sessions (seed {args.seed})", flush=True)
    root = build_corpus(args.sessions, args.seed)
    store = SessionStore(root)
    totals = store.index.totals()
    print(
        f"  {totals['sessions']:,} sessions, {totals['messages']:,} messages, "
        f"{totals['bytes'] / 1e6:,.0f} MB of JSON in {root}"
    )

    figures: dict = {"sessions": totals["sessions"], "messages": totals["messages"]}
    index = SearchIndex.open(store)
    if not args.skip_build or index.indexed_sessions() == 0:
        print("index build (full reindex)...", flush=True)
        start = time.perf_counter()
        index.reindex()
        elapsed = time.perf_counter() - start
        stats = index.stats
        figures["build_s"] = elapsed
        figures["build_msgs_s"] = stats.documents / elapsed
        figures["build_mb_s"] = stats.json_bytes / 1e6 / elapsed
        print(
            f"  {elapsed:,.1f} s: {stats.documents / elapsed:,.0f} documents/s, "
            f"{stats.json_bytes / 1e6 / elapsed:,.1f} MB/s of JSON "
            f"(target >= {TARGETS['build_mb_s']:g} MB/s)"
        )
    index.close()
    size = sum(p.stat().st_size for p in store.layout.search_index.rglob("*") if p.is_file())
    print(f"  index size: {size / 1e6:,.0f} MB")
    figures["index_mb"] = size / 1e6

    queries = query_mix(args.queries)
    print(
        f"queries: {len(queries)} ({', '.join(sorted({k for k, _ in queries}))}), "
        f"median of {args.repeat} runs each, top 20 sessions with snippets",
        flush=True,
    )
    tv = bench_tantivy_search(root, queries, args.repeat)
    ms = tv["ms"]

    print("SQLite FTS5 baseline...", flush=True)
    fts_path, fts_build = build_fts(root, args.sessions)
    if fts_build is not None:
        print(f"  built in {fts_build:,.1f} s ({totals['bytes'] / 1e6 / fts_build:,.1f} MB/s)")
    fts = bench_fts(fts_path, queries, args.fts_repeat)

    step = max(1, len(queries) // max(1, args.rg_sample))
    sample = list(range(0, len(queries), step))[: args.rg_sample]
    print(f"ripgrep baseline ({len(sample)} of the queries)...", flush=True)
    rg = bench_rg(root, queries, sample)

    print()
    print(f"{'category':10} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'FTS5 p95':>9} {'x':>6}")
    by_kind: dict[str, list[int]] = {}
    for i, (kind, _q) in enumerate(queries):
        by_kind.setdefault(kind, []).append(i)
    figures["categories"] = {}
    for kind in sorted(by_kind):
        idx = by_kind[kind]
        ours = [ms[i] for i in idx]
        theirs = [fts[i] for i in idx if i in fts]
        ratio = pct(theirs, 0.95) / pct(ours, 0.95) if theirs else float("nan")
        print(
            f"{kind:10} {len(idx):>4} {pct(ours, 0.5):>8.2f} {pct(ours, 0.95):>8.2f} "
            f"{pct(theirs, 0.95):>9.2f} {ratio:>6.1f}"
        )
        figures["categories"][kind] = {
            "p50": pct(ours, 0.5),
            "p95": pct(ours, 0.95),
            "fts_p95": pct(theirs, 0.95),
        }
    fast = [ms[i] for i, (k, _q) in enumerate(queries) if k in FAST]
    phrase = [ms[i] for i, (k, _q) in enumerate(queries) if k == "phrase"]
    common = sorted(fts)
    ours_c = [ms[i] for i in common]
    fts_c = [fts[i] for i in common]
    rg_i = sorted(rg)
    ours_r = [ms[i] for i in rg_i]
    rg_c = [rg[i] for i in rg_i]
    print()
    print(
        f"all queries: p50 {pct(ms, 0.5):.2f} ms, p95 {pct(ms, 0.95):.2f} ms, max {max(ms):.1f} ms"
    )

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    fast95 = pct(fast, 0.95)
    phrase95 = pct(phrase, 0.95)
    vs_fts = pct(fts_c, 0.95) / pct(ours_c, 0.95) if fts_c else float("nan")
    vs_fts50 = pct(fts_c, 0.5) / pct(ours_c, 0.5) if fts_c else float("nan")
    vs_rg = pct(rg_c, 0.95) / pct(ours_r, 0.95) if rg_c else float("nan")
    vs_rg50 = pct(rg_c, 0.5) / pct(ours_r, 0.5) if rg_c else float("nan")
    print(
        f"terms/AND/prefix/fuzzy/filter/code p95: {fast95:.2f} ms "
        f"(target <= {TARGETS['p95_fast_ms']:g}) {verdict(fast95 <= TARGETS['p95_fast_ms'])}"
    )
    print(
        f"phrases p95: {phrase95:.2f} ms (target <= {TARGETS['p95_phrase_ms']:g}) "
        f"{verdict(phrase95 <= TARGETS['p95_phrase_ms'])}"
    )
    print(
        f"vs SQLite FTS5 on {len(common)} queries: p50 {pct(fts_c, 0.5):.2f} ms "
        f"({vs_fts50:.1f}x), p95 {pct(fts_c, 0.95):.2f} ms ({vs_fts:.1f}x faster; "
        f"target >= {TARGETS['vs_fts5']:g}x) {verdict(vs_fts >= TARGETS['vs_fts5'])}"
    )
    if rg_c:
        print(
            f"vs ripgrep (rg -l, first term only) on {len(rg_i)} queries: p50 "
            f"{pct(rg_c, 0.5):.0f} ms ({vs_rg50:.0f}x), p95 {pct(rg_c, 0.95):.0f} ms "
            f"({vs_rg:.0f}x faster; target >= {TARGETS['vs_rg']:g}x) "
            f"{verdict(vs_rg >= TARGETS['vs_rg'])}"
        )
    else:
        print("ripgrep: not found (pip install '.[bench]')")
    print(
        f"memory while searching: peak RSS {tv['peak_rss_mb']:.0f} MB (includes mapped index "
        f"pages), anonymous {tv['anon_mb']:.0f} MB (target <= {TARGETS['rss_mb']:g}) "
        f"{verdict(tv['peak_rss_mb'] <= TARGETS['rss_mb'])}"
    )
    figures.update(
        {
            "p50_ms": pct(ms, 0.5),
            "p95_ms": pct(ms, 0.95),
            "fast_p95_ms": fast95,
            "phrase_p95_ms": phrase95,
            "fts_p95_ms": pct(fts_c, 0.95),
            "vs_fts5_p95": vs_fts,
            "rg_p95_ms": pct(rg_c, 0.95),
            "vs_rg_p95": vs_rg,
            "peak_rss_mb": tv["peak_rss_mb"],
            "anon_mb": tv["anon_mb"],
        }
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
