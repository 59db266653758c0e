"""Import throughput on the real session files, against bare JSON parsing, in one run.

    python bench/bench_import.py            # >= 200 MB corpus
    python bench/bench_import.py --mb 50    # a quicker run

The corpus is every file in ../shared/realdata that an importer recognises, copied as many times
as needed; each copy gets its UUIDs changed consistently (so copies are new sessions, not
re-imports of one). Printed side by side, on the same bytes:

  bare json.loads     every JSONL line / JSON document, nothing else (the floor)
  parse only          the importers' parse, no store
  import              parse + compare + save into a fresh store (no search index)
  search index        building the full-text index of that store, if sessions_tui.search exists
  re-import           the same paths again, nothing changed (stat only)
  agentsview          its sync of the same files, if it can be installed and pointed at them

Targets: import within 3x of bare json.loads; re-import >= 50x faster than the first import.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sessions_tui.importers.base import ImporterError, ParseStats  # noqa: E402
from sessions_tui.importers.runner import (  # noqa: E402
    HEAD_BYTES,
    ImportSummary,
    import_paths,
    importers_for,
    plan,
)
from sessions_tui.store import SessionStore  # noqa: E402

REALDATA = REPO.parent / "shared" / "realdata"
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def build_corpus(target_mb: float, work: Path) -> tuple[Path, list[Path], int]:
    """Copies of every recognised real file until the corpus holds ``target_mb``."""
    summary = ImportSummary()
    tasks = plan(importers_for(None), [REALDATA], summary)
    sources = [t.path for t in tasks if t.path.is_file()]
    base = sum(p.stat().st_size for p in sources)
    if base == 0:
        raise SystemExit(f"no importable files under {REALDATA}")
    copies = max(1, int(target_mb * 1e6 / base + 0.999))
    corpus = work / "corpus"
    total = 0
    for n in range(copies):
        prefix = f"{n:08x}".encode()
        for src in sources:
            rel = src.relative_to(REALDATA)
            dst = corpus / f"copy{n:04d}" / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            data = src.read_bytes()
            if n:
                data = UUID.sub(lambda m, p=prefix: p + m.group(0)[8:], data)
            dst.write_bytes(data)
            total += len(data)
            # Keep Claude Code's sidecar files (subagent .meta.json, tool-results/) alongside.
        for extra in REALDATA.rglob("*"):
            if extra.is_file() and extra.suffix in (".txt",) and "tool-results" in extra.parts:
                dst = corpus / f"copy{n:04d}" / extra.relative_to(REALDATA)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(extra, dst)
    files = [p for p in corpus.rglob("*") if p.is_file()]
    return corpus, files, total


def bare_json(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".jsonl":
            for line in data.split(b"\n"):
                if line.strip():
                    with contextlib.suppress(ValueError):
                        json.loads(line)
        elif path.suffix == ".json":
            with contextlib.suppress(ValueError):
                json.loads(data)
    return time.perf_counter() - start


def parse_only(corpus: Path) -> float:
    summary = ImportSummary()
    tasks = plan(importers_for(None), [corpus], summary)
    start = time.perf_counter()
    for task in tasks:
        with task.path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        if not task.importer.sniff(task.path, head):
            continue  # the runner confirms files found in a folder the same way
        with contextlib.suppress(ImporterError):
            for _session in task.importer.parse(task.path, ParseStats()):
                pass
    return time.perf_counter() - start


def search_index(store: SessionStore) -> tuple[float | None, str]:
    try:
        from sessions_tui.search import SearchIndex
    except ImportError as exc:
        return None, f"sessions_tui.search not importable ({exc})"
    try:
        start = time.perf_counter()
        index = SearchIndex.open(store)
        index.reindex()
        index.close()
        return time.perf_counter() - start, ""
    except NotImplementedError as exc:
        return None, f"search index not implemented yet ({exc})"


def agentsview(corpus: Path, work: Path) -> tuple[float | None, float | None, float, str]:
    """agentsview (a Go tool on PyPI) syncing the Claude Code and Codex copies, and our import
    of exactly the same tree: ``(its seconds, our seconds, MB, note)``."""
    venv = Path(tempfile.gettempdir()) / "agentsview-venv"
    exe = venv / "bin" / "agentsview"
    if not exe.exists():
        try:
            subprocess.run(
                [sys.executable, "-m", "venv", str(venv)],
                check=True,
                capture_output=True,
                timeout=120,
            )
            subprocess.run(
                [str(venv / "bin" / "pip"), "install", "-q", "agentsview"],
                check=True,
                capture_output=True,
                timeout=600,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            return None, None, 0.0, f"could not install agentsview: {exc}"
    if not exe.exists():
        return None, None, 0.0, "agentsview installed no executable"
    # Its layout: <projects>/<encoded-cwd>/<session>.jsonl, and <codex sessions>/**/rollout-*.
    root = work / "agentsview-src"
    projects, codex = root / "claude-projects", root / "codex-sessions"
    for n, copy in enumerate(sorted(corpus.iterdir())):
        for jsonl in (copy / "claude-code").rglob("*.jsonl"):
            rel = jsonl.relative_to(copy / "claude-code")
            project = (
                f"copy{n}-"
                + rel.parts[0]
                + (
                    f"-{rel.parts[1]}"
                    if len(rel.parts) > 2 and not rel.parts[1].startswith(("ae4a", "agent"))
                    else ""
                )
            )
            dst = projects / project / Path(*[p for p in rel.parts[1:] if not p.startswith("-")])
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(jsonl, dst)
        if (copy / "codex-cli").is_dir():
            shutil.copytree(copy / "codex-cli", codex / f"copy{n}", dirs_exist_ok=True)
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6
    home = work / "agentsview-home"
    home.mkdir()
    env = dict(
        os.environ,
        HOME=str(home),
        AGENTSVIEW_DATA_DIR=str(home / "data"),
        AGENTSVIEW_NO_DAEMON="1",
        CLAUDE_PROJECTS_DIR=str(projects),
        CODEX_SESSIONS_DIR=str(codex),
    )
    start = time.perf_counter()
    try:
        result = subprocess.run(
            [str(exe), "sync"], capture_output=True, text=True, env=env, timeout=1800
        )
    except (subprocess.SubprocessError, OSError) as exc:
        return None, None, size, f"agentsview sync could not run: {exc}"
    theirs = time.perf_counter() - start
    if result.returncode != 0:
        return None, None, size, f"agentsview sync failed: {(result.stderr or result.stdout)[:300]}"
    store = SessionStore(work / "store-agentsview-subset")
    start = time.perf_counter()
    ours_summary = import_paths(store, [projects, codex])
    ours = time.perf_counter() - start
    tail = (result.stdout + result.stderr).strip().splitlines()[-1:] or [""]
    note = (
        f"same {size:.1f} MB (Claude Code + Codex); ours {ours_summary.new} sessions; "
        f"agentsview: {tail[0][:80]}"
    )
    return theirs, ours, size, note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200, help="corpus size (default 200)")
    parser.add_argument("--no-agentsview", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        work = Path(tmp)
        corpus, files, total = build_corpus(args.mb, work)
        mb = total / 1e6
        print(f"corpus: {mb:.1f} MB in {len(files)} files")
        rows: list[tuple[str, float | None, str]] = []
        t_json = bare_json(files)
        rows.append(("bare json.loads", t_json, ""))
        rows.append(("parse only (importers)", parse_only(corpus), ""))
        store = SessionStore(work / "store")
        start = time.perf_counter()
        first = import_paths(store, [corpus])
        t_import = time.perf_counter() - start
        rows.append(
            (
                "import into store (no index)",
                t_import,
                f"{first.new} sessions, {first.failed} failed",
            )
        )
        # For reference only: the same import with fsync disabled, to show what durability
        # (two fsyncs per session file: the file and its directory) costs on this disk.
        real_fsync = os.fsync
        os.fsync = lambda fd: None
        try:
            nosync = SessionStore(work / "store-nosync")
            start = time.perf_counter()
            import_paths(nosync, [corpus])
            t_nosync = time.perf_counter() - start
        finally:
            os.fsync = real_fsync
        rows.append(("import, fsync off (reference)", t_nosync, "not a mode of the app"))
        t_index, note = search_index(store)
        rows.append(("build search index", t_index, note))
        start = time.perf_counter()
        again = import_paths(store, [corpus])
        t_again = time.perf_counter() - start
        rows.append(
            (
                "re-import, nothing changed",
                t_again,
                f"{again.files_unchanged} files skipped, {again.new + again.updated} written",
            )
        )
        av: tuple[float | None, float | None, float, str] = (None, None, 0.0, "skipped")
        if not args.no_agentsview:
            av = agentsview(corpus, work)
        print(f"\n{'step':<32} {'seconds':>9} {'MB/s':>9} {'x json':>8}  note")
        for name, seconds, note in rows:
            if seconds is None:
                print(f"{name:<32} {'-':>9} {'-':>9} {'-':>8}  {note}")
                continue
            print(
                f"{name:<32} {seconds:>9.3f} {mb / seconds:>9.1f} {seconds / t_json:>8.2f}  {note}"
            )
        print()
        print(f"import / bare json.loads: {t_import / t_json:.2f}x (target <= 3x)")
        print(
            f"  of which fsync: {max(0.0, t_import - t_nosync) / t_import:.0%} of the import time"
        )
        print(f"first import / re-import: {t_import / t_again:.0f}x faster (target >= 50x)")
        theirs, ours, av_mb, note = av
        if theirs and ours:
            print(
                f"agentsview sync: {theirs:.3f} s ({av_mb / theirs:.1f} MB/s); sessions-tui "
                f"import of the same files: {ours:.3f} s ({av_mb / ours:.1f} MB/s); "
                f"ours/theirs time ratio {ours / theirs:.2f}"
            )
            print(f"  ({note})")
        else:
            print(f"agentsview: not compared: {note}")


if __name__ == "__main__":
    main()
