"""Export sessions to a file, a directory of files, or a zip, with optional redaction.

Used by the CLI (``sessions-tui export``) and the TUI's export dialog alike. Output is written
privately (files 0600, directories 0700) and atomically: a single file or a zip is built under a
temporary name beside the target and renamed into place when complete, so an interrupted or
cancelled export leaves no half-written file and an existing file is replaced only when the
new one is whole. Nothing is overwritten without ``force``.
"""

from __future__ import annotations

import contextlib
import os
import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import IO, Literal

from ..models import Session
from ..store import SessionStore, StoreError
from ..store.atomic import DIR_MODE, FILE_MODE, atomic_write, fsync_dir, temp_path_for
from .formats import EXTENSIONS, FORMATS, ExportFormat
from .redact import RedactionOptions, RedactionReport, Redactor
from .render import heading_title

Layout = Literal["file", "per-session", "zip"]
Progress = Callable[[int, int], None]


class ExportError(Exception):
    """An export that cannot be done as asked (target exists, bad path...): one clear line."""


class ExportCancelled(ExportError):
    """The caller's cancel event was set; nothing was written."""


@dataclass(slots=True)
class ExportReport:
    """What an export did: sessions written, files, bytes, redactions, and what it skipped."""

    format: str
    sessions: int = 0
    files: list[Path] = field(default_factory=list)
    bytes: int = 0
    redactions: RedactionReport = field(default_factory=RedactionReport)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    redacted: bool = False


def format_for(name: str | None, out: Path | None) -> ExportFormat:
    """The named format, or the one implied by ``out``'s extension."""
    if name:
        try:
            return FORMATS[name]
        except KeyError:
            raise ExportError(
                f"unknown format {name!r} (choose from {', '.join(FORMATS)})"
            ) from None
    if out is not None:
        implied = EXTENSIONS.get(out.suffix.lower())
        if implied:
            return FORMATS[implied]
    raise ExportError("choose a format with --format (md, html, json, jsonl or txt)")


def redaction_for(
    fmt: ExportFormat,
    redact: bool | None,
    *,
    emails: bool = False,
    home_paths: bool = False,
    entropy: bool = False,
    patterns: Sequence[str] = (),
) -> RedactionOptions | None:
    """The redaction an export gets: on for shares by default, off for backups unless asked.

    Asking for any optional kind (emails, paths, entropy, a pattern) turns redaction on.
    """
    asked = emails or home_paths or entropy or bool(patterns)
    on = fmt.redact_by_default if redact is None else redact
    if redact is None and asked:
        on = True
    if not on:
        return None
    return RedactionOptions(
        secrets=True, emails=emails, home_paths=home_paths, entropy=entropy, patterns=patterns
    )


def file_name(session_id: str, fmt: ExportFormat) -> str:
    """The name of a session's file in a directory or zip export (ids are path-safe)."""
    return f"{session_id}.{fmt.extension}"


class Exporter:
    """One export run. Create, then call `run`; `report` holds the outcome.

    Args:
        store: where sessions are read from.
        ids: the sessions, in output order.
        fmt: the output format.
        out: a file (layout "file"), a directory ("per-session"), a zip file ("zip"), or a
            text stream (layout "file" only) such as stdout.
        redaction: rules to apply, or None for none.
        force: replace existing files.
        include_alternates: include abandoned branches in Markdown, HTML and text.
        progress: called with (done, total) after each session.
        cancel: when set, the export stops and removes what it started writing.
    """

    def __init__(
        self,
        store: SessionStore,
        ids: Sequence[str],
        fmt: ExportFormat,
        out: Path | IO[str],
        *,
        layout: Layout = "file",
        redaction: RedactionOptions | None = None,
        force: bool = False,
        include_alternates: bool = False,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self.store = store
        self.ids = list(dict.fromkeys(ids))
        self.fmt = fmt
        self.out = out
        self.layout = layout
        self.redactor = Redactor(redaction) if redaction and redaction.active else None
        self.force = force
        self.include_alternates = include_alternates
        self.progress = progress
        self.cancel = cancel
        self.report = ExportReport(fmt.name, redacted=self.redactor is not None)

    # -- checks --------------------------------------------------------------------------

    def check(self) -> None:
        """Refuse, before writing anything, what would overwrite or pollute."""
        if not self.ids:
            raise ExportError("nothing to export: no session matched")
        if not isinstance(self.out, Path):
            if self.layout != "file":
                raise ExportError(f"a {self.layout} export needs a path, not a stream")
            return
        out = self.out
        root = self.store.root.resolve()
        resolved = out.resolve()
        if resolved == root or root in resolved.parents:
            raise ExportError(f"{out}: is inside the store; export somewhere else")
        if self.layout == "per-session":
            if out.exists() and not out.is_dir():
                raise ExportError(f"{out}: exists and is not a directory")
            if out.is_dir() and not self.force:
                clash = next((n for n in map(self._name, self.ids) if (out / n).exists()), None)
                if clash:
                    raise ExportError(f"{out / clash}: already exists (use --force to overwrite)")
        else:
            if out.is_dir():
                raise ExportError(f"{out}: is a directory (use --per-session to fill it)")
            if out.exists() and not self.force:
                raise ExportError(f"{out}: already exists (use --force to overwrite)")
            if out.is_symlink() and self.force:
                raise ExportError(f"{out}: is a symlink; refusing to write through it")

    def _name(self, session_id: str) -> str:
        return file_name(session_id, self.fmt)

    # -- running ---------------------------------------------------------------------------

    def run(self) -> ExportReport:
        self.check()
        if not isinstance(self.out, Path):
            self._write_stream(self.out)
        elif self.layout == "file":
            self._write_single(self.out)
        elif self.layout == "zip":
            self._write_zip(self.out)
        else:
            self._write_directory(self.out)
        return self.report

    def _sessions(self):
        """(id, redacted session or None) for each id, recording unreadable ones as skipped."""
        total = len(self.ids)
        for done, sid in enumerate(self.ids, 1):
            if self.cancel is not None and self.cancel.is_set():
                raise ExportCancelled("export cancelled; nothing was written")
            try:
                session = self.store.get(sid)
            except StoreError as exc:
                self.report.skipped.append((sid, str(exc)))
                session = None
            if session is not None:
                session = self._redact(session)
                self.report.sessions += 1
            yield sid, session
            if self.progress:
                self.progress(done, total)

    def _redact(self, session: Session) -> Session:
        if self.redactor is None:
            return session
        redacted, counts = self.redactor.redact_session(session)
        if counts:
            self.report.redactions.counts.update(counts)
            self.report.redactions.sessions += 1
        return redacted

    def _toc(self) -> list[tuple[str, str]]:
        """Table of contents for an HTML file of several sessions (titles redacted too)."""
        if self.fmt.name != "html" or len(self.ids) < 2:
            return []
        toc = []
        for sid in self.ids:
            summary = self.store.summary(sid)
            title = summary.title if summary else sid  # the index's display title
            if self.redactor is not None:
                title = self.redactor.redact_title(title)
            toc.append((sid, title))
        return toc

    def _page_title(self) -> str:
        """The page's title: for one session its heading, made from the redacted session
        (a title cut from a prompt is cut again from the redacted prompt)."""
        if len(self.ids) == 1:
            try:
                session = self.store.get(self.ids[0])
            except StoreError:
                return self.ids[0]
            if self.redactor is not None:
                session, _counts = self.redactor.redact_session(session)
            return heading_title(session)
        return f"{len(self.ids)} sessions"

    def _stream_into(self, write: Callable[[str], object]) -> None:
        write(self.fmt.start(self._page_title(), self._toc()))
        first = True
        for _sid, session in self._sessions():
            if session is None:
                continue
            if not first and self.fmt.separator:
                write(self.fmt.separator)
            first = False
            write(self.fmt.render(session, include_alternates=self.include_alternates))
        write(self.fmt.end())

    def _write_stream(self, stream: IO[str]) -> None:
        def write(text: str) -> None:
            stream.write(text)
            self.report.bytes += len(text.encode("utf-8"))

        self._stream_into(write)
        stream.flush()

    def _write_single(self, out: Path) -> None:
        with _replacing(out) as fd, os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            self._stream_into(fh.write)
        self.report.files.append(out)
        self.report.bytes = out.stat().st_size

    def _write_zip(self, out: Path) -> None:
        with (
            _replacing(out) as fd,
            os.fdopen(fd, "wb") as fh,
            zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        ):
            for sid, session in self._sessions():
                if session is None:
                    continue
                data = self.fmt.render_file(session, include_alternates=self.include_alternates)
                stamp = session.updated.astimezone(UTC)
                info = zipfile.ZipInfo(self._name(sid), date_time=_zip_time(stamp.timetuple()[:6]))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = (0o100000 | FILE_MODE) << 16
                archive.writestr(info, data.encode("utf-8"))
                self.report.files.append(Path(self._name(sid)))
        self.report.files = [out]
        self.report.bytes = out.stat().st_size

    def _write_directory(self, out: Path) -> None:
        created = not out.exists()
        out.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        if created:
            os.chmod(out, DIR_MODE)
        written: list[Path] = []
        new: list[Path] = []
        try:
            for sid, session in self._sessions():
                if session is None:
                    continue
                target = out / self._name(sid)
                if target.is_symlink():
                    raise ExportError(f"{target}: is a symlink; refusing to write through it")
                data = self.fmt.render_file(session, include_alternates=self.include_alternates)
                existed = target.exists()
                atomic_write(target, data.encode("utf-8"), durable=False)
                written.append(target)
                if not existed:
                    new.append(target)
                self.report.bytes += len(data.encode("utf-8"))
        except ExportCancelled:
            for path in new:  # files this run created; never a file that was there before
                with contextlib.suppress(OSError):
                    path.unlink()
            raise
        fsync_dir(out)
        self.report.files = written


@contextlib.contextmanager
def _replacing(out: Path) -> Iterator[int]:
    """A private temporary file beside ``out`` (its descriptor, for the caller to close),
    synced and renamed over ``out`` when the block completes, removed if it fails or is
    cancelled: ``out`` is never half-written, and an existing one is replaced only by a whole
    new file."""
    _make_parent(out)
    tmp = temp_path_for(out)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        yield fd
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(out.parent)


def _make_parent(out: Path) -> None:
    parent = out.parent
    if not parent.exists():
        parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(parent, DIR_MODE)


def _zip_time(parts: tuple[int, ...]) -> tuple[int, int, int, int, int, int]:
    """Zip timestamps cannot go before 1980."""
    if parts[0] < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]


def export_sessions(
    store: SessionStore,
    ids: Sequence[str],
    fmt: ExportFormat | str,
    out: Path | IO[str],
    **options,
) -> ExportReport:
    """Convenience: build an `Exporter` and run it."""
    if isinstance(fmt, str):
        fmt = format_for(fmt, None)
    return Exporter(store, ids, fmt, out, **options).run()
