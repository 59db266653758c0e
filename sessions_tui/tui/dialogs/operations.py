"""The core calls behind the export, import and cleanup dialogs, kept free of Textual.

The dialogs run these in thread workers; keeping them here (plain functions over the store,
the export, import and cleanup packages) lets them be tested without a screen and keeps the
dialogs about presentation only. Nothing here reads or writes session files itself.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ...export.formats import ExportFormat
from ...export.redact import RedactionOptions, RedactionReport, Redactor
from ...export.scope import Scope, resolve
from ...importers.base import Importer
from ...importers.runner import (
    ImportRun,
    ImportSummary,
    default_locations,
    import_paths,
    plan,
)
from ...models import Session
from ...store import SessionStore
from ..querystring import parse, to_list_query

Progress = Callable[[int, int], None]


# -- paths -----------------------------------------------------------------------------------


def tilde(path: Path | str) -> str:
    """``path`` with the home directory shown as ``~`` (shorter, and the same on every
    machine, which keeps snapshots stable)."""
    text = str(path)
    home = str(Path.home())
    if text == home:
        return "~"
    if home not in ("", "/") and text.startswith(home.rstrip("/") + "/"):
        return "~/" + text[len(home.rstrip("/")) + 1 :]
    return text


def expand(text: str) -> Path:
    return Path(text.strip()).expanduser()


def default_export_dir() -> Path:
    """~/Downloads when there is one (where browsers put files too), else the working dir."""
    downloads = Path.home() / "Downloads"
    return downloads if downloads.is_dir() else Path.cwd()


def slug(text: str, limit: int = 50) -> str:
    """A file-name-safe ASCII slug of a title ("Fix flaky retry test" -> fix-flaky-retry-test)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = "-".join(words)[:limit].rstrip("-")
    return out


def default_export_name(
    fmt: ExportFormat, layout: str, now: datetime, single_title: str | None = None
) -> str:
    """A name for the export: the session's title for one session, else a dated name."""
    if single_title is not None and slug(single_title):
        stem = slug(single_title)
    else:
        stem = f"sessions-{now:%Y-%m-%d-%H%M}"
    if layout == "per-session":
        return stem
    if layout == "zip":
        return f"{stem}.zip"
    return f"{stem}.{fmt.extension}"


# -- export ----------------------------------------------------------------------------------


def query_scope(store: SessionStore, query: str, now: datetime) -> Scope:
    """Every session matching the search bar's query, as the main screen lists them.

    With free text the search index answers (it reads the filters too); with filters only
    (excluded ones too), the metadata index does, with dates relative to ``now`` (the app's clock).
    An empty query is every session.
    """
    parsed = parse(query)
    if parsed.text:
        return resolve(store, query=query)
    projects = None
    if parsed.values("project"):
        projects = [v for v, _n in store.index.facet("project")]
    filters = to_list_query(parsed, now, projects)
    scope = resolve(store, filters=filters, everything=True)
    if parsed.errors:
        scope.note = "; ".join(parsed.errors)
    return scope


@dataclass(slots=True)
class Preview:
    """The first lines of an export of one session, after redaction."""

    session_id: str
    title: str
    lines: list[str]
    redactions: RedactionReport = field(default_factory=RedactionReport)
    truncated: bool = False


def export_preview(
    store: SessionStore,
    session_id: str,
    fmt: ExportFormat,
    redaction: RedactionOptions | None,
    *,
    include_alternates: bool = False,
    max_lines: int = 40,
    max_width: int = 400,
) -> Preview:
    """What the export will hold for ``session_id``: its rendering (for HTML, the session's
    article rather than the page's style sheet), redacted as the export will be."""
    session: Session = store.get(session_id)
    report = RedactionReport()
    if redaction is not None and redaction.active:
        session, counts = Redactor(redaction).redact_session(session)
        report.counts.update(counts)
        report.sessions = 1 if counts else 0
    text = fmt.render(session, include_alternates=include_alternates)
    lines = text.splitlines()
    shown = [line[:max_width] for line in lines[:max_lines]]
    return Preview(session.id, session.title or "", shown, report, len(lines) > max_lines)


# -- import ----------------------------------------------------------------------------------


@dataclass(slots=True)
class DetectedSource:
    """A tool's default location on this machine and what is in it now."""

    importer: Importer
    location: Path
    files: int = 0
    bytes: int = 0
    #: Files new or changed since the last import (0: importing reads nothing).
    changed: int = 0

    @property
    def source(self) -> str:
        return self.importer.source

    @property
    def label(self) -> str:
        return getattr(self.importer, "label", self.importer.source)

    @property
    def key(self) -> str:
        return f"{self.importer.source}:{self.location}"


def detect_sources(store: SessionStore) -> list[DetectedSource]:
    """Every tool's default location that exists, with its transcripts counted and sized.

    Uses the runner's own planning (a file reachable from two locations is counted once,
    under the first) and its import-state cache (``changed`` = what an import would read).
    """
    found: list[DetectedSource] = []
    claimed: set[Path] = set()
    run = ImportRun(store)
    try:
        for importer, location in default_locations():
            tasks = plan(
                {importer.source: importer},
                [location],
                ImportSummary(),
                auto=True,
                claimed=claimed,
            )
            source = DetectedSource(importer, location)
            for task in tasks:
                if not run.stat(task):
                    continue
                source.files += 1
                source.bytes += task.size
                if not run.unchanged_by_stat(task):
                    source.changed += 1
            found.append(source)
    finally:
        run.close()
    return found


class ImportCancelled(KeyboardInterrupt):
    """Raised from an import's progress callback to stop it. The runner treats it as an
    interrupt: what was parsed so far is saved, the rest is read next time."""


def import_sources(
    store: SessionStore,
    sources: Sequence[DetectedSource],
    paths: Sequence[Path] = (),
    *,
    progress: Progress | None = None,
    force: bool = False,
    restore_deleted: bool = False,
) -> ImportSummary:
    """``import --auto`` limited to the chosen default locations, then ``import PATH`` for
    any other paths, as one summary. Each part is logged in the store's operations log."""
    summary = ImportSummary()
    if sources:
        part = ImportSummary()
        claimed: set[Path] = set()
        tasks = []
        for source in sources:
            tasks += plan(
                {source.importer.source: source.importer},
                [source.location],
                part,
                auto=True,
                claimed=claimed,
            )
        run = ImportRun(store, force=force, restore_deleted=restore_deleted, progress=progress)
        try:
            run.run(tasks, part)
        finally:
            run.close()
        if part.changed or part.failures:
            with contextlib.suppress(OSError):  # as the runner: the log never fails an import
                store.log_operation(
                    "import-auto",
                    new=part.new,
                    updated=part.updated,
                    failed=part.failed,
                    files=part.files_parsed,
                )
        summary.merge(part)
        summary.state_rebuilt |= part.state_rebuilt
    if paths and not summary.interrupted:
        summary.merge(
            import_paths(
                store, paths, progress=progress, force=force, restore_deleted=restore_deleted
            )
        )
    return summary
