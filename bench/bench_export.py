"""Export, redaction and cleanup-preview speed, each against a baseline from the same run.

    python bench/bench_export.py [--sessions 5000] [--seed 7]

A store of generated sessions (`sessions_tui.demo.generate_sessions`) is built in a temporary
directory, then, side by side:

* export of every session to one Markdown, HTML and JSON file, against the floor of reading
  and decoding every session (``store.get``) without writing anything;
* redaction (default rules, then all rules) over every session's text, against a plain
  ``str.find`` scan of the same text, and the same on a 200 KB adversarial line;
* cleanup previews: an index-only policy (older than), the file-reading ones (empty, exact
  duplicates), against the floor of reading every session once.

No target is asserted; the ratios say what each step costs beyond reading the data.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sessions_tui.cleanup import CleanupPolicy, preview
from sessions_tui.demo import generate_sessions
from sessions_tui.export import RedactionOptions, Redactor, export_sessions
from sessions_tui.store import SessionStore


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def row(label: str, seconds: float, base: float, unit: str = "") -> None:
    print(f"  {label:<38} {seconds * 1000:>9.1f} ms   x{seconds / base:>6.2f} {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = SessionStore(root / "store")
        t_build = timed(lambda: store.save_many(generate_sessions(args.sessions, args.seed)))
        ids = [s.id for s in store.list()]
        messages = sum(s.message_count for s in store.list())
        print(f"{len(ids):,} sessions, {messages:,} messages (built in {t_build:.1f} s)\n")

        for sid in ids:  # warm the page cache, so no figure below pays for cold reads
            store.get(sid)
        sessions = []
        t_read = timed(lambda: sessions.extend(store.get(i) for i in ids))
        print("Export (baseline: read and decode every session)")
        row("read + decode (baseline)", t_read, t_read)
        for fmt in ("md", "html", "json", "jsonl"):
            out = root / f"all.{fmt}"
            redaction = RedactionOptions() if fmt in ("md", "html") else None
            seconds = timed(
                lambda fmt=fmt, out=out, redaction=redaction: export_sessions(
                    store, ids, fmt, out, redaction=redaction
                )
            )
            size = out.stat().st_size / 1e6
            row(f"export {fmt} ({size:.1f} MB)", seconds, t_read)
        t_zip = timed(lambda: export_sessions(store, ids, "md", root / "all.zip", layout="zip"))
        row("export md, zip of files", t_zip, t_read)

        texts = [s.model_dump_json() for s in sessions]
        t_find = timed(lambda: [t.find("\x00") for t in texts])
        print("\nRedaction over all session JSON (baseline: str.find over the same text)")
        row("str.find (baseline)", t_find, t_find)
        for label, options in (
            ("default rules", RedactionOptions()),
            ("all rules", RedactionOptions(emails=True, home_paths=True, entropy=True)),
        ):
            redactor = Redactor(options)
            row(label, timed(lambda r=redactor: [r.redact_text(t) for t in texts]), t_find)
        t_sessions = timed(lambda: [Redactor().redact_session(s) for s in sessions])
        row("default rules, whole sessions", t_sessions, t_find)

        hostile = "eyJ" * 66_000 + "AKIA" * 1000 + "a://" * 10_000
        t_find_h = timed(lambda: hostile.find("\x00"))
        print(f"\nRedaction of one {len(hostile) // 1000} KB adversarial line")
        redactor = Redactor(RedactionOptions(emails=True, home_paths=True, entropy=True))
        row("str.find (baseline)", t_find_h, t_find_h)
        row("all rules", timed(lambda: redactor.redact_text(hostile)), t_find_h)

        print("\nCleanup preview (baseline: read and decode every session)")
        row("read + decode (baseline)", t_read, t_read)
        for label, policy in (
            ("older than 90 days (index only)", CleanupPolicy(older_than_days=90)),
            ("keep newest 100 (index only)", CleanupPolicy(keep_newest=100)),
            ("empty or no reply", CleanupPolicy(trivial=True)),
            ("exact duplicates", CleanupPolicy(duplicates=True)),
        ):
            row(label, timed(lambda p=policy: preview(store, p)), t_read)
        store.close()


if __name__ == "__main__":
    main()
