"""The export formats: how one session, and a file of several, is written in each.

A format renders a file as ``start(toc)``, then each session, joined by ``separator``, then
``end()``, so an export of 100k sessions streams to disk one session at a time.

``json`` is the store's own file format (`fileformat.encode`, uncompressed, with its checksum):
a one-session export is byte-for-byte a store file, and a file of several sessions holds one
store file per line. Both import back losslessly (`importers/native.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from ..models import Session
from ..safety import visible_controls
from ..store.fileformat import encode
from . import html
from .render import heading_title, to_markdown, to_text


class Renderer(Protocol):
    def __call__(self, session: Session, *, include_alternates: bool = False) -> str: ...


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """One output format.

    Attributes:
        name: the ``--format`` value.
        extension: file name extension, without the dot.
        label: shown in menus and help.
        redact_by_default: shares (Markdown, HTML, text) are redacted unless asked not to be;
            lossless backups (JSON, JSONL) are not unless asked.
    """

    name: str
    extension: str
    label: str
    redact_by_default: bool
    separator: str = ""

    def start(self, title: str, toc: Iterable[tuple[str, str]] = ()) -> str:
        if self.name == "html":
            return html.page_start(title, toc)
        return ""

    def end(self) -> str:
        return html.page_end() if self.name == "html" else ""

    def render(self, session: Session, *, include_alternates: bool = False) -> str:
        """One session's part of the file (for html, an ``<article>``, not a whole page)."""
        if self.name == "md":
            return visible_controls(to_markdown(session, include_alternates=include_alternates))
        if self.name == "txt":
            return visible_controls(to_text(session, include_alternates=include_alternates))
        if self.name == "html":
            return html.session_html(session, include_alternates=include_alternates)
        if self.name == "json":
            return encode(session, compress=False).decode("utf-8")
        if self.name == "jsonl":
            return to_jsonl(session)
        raise ValueError(f"unknown format {self.name!r}")

    def render_file(self, session: Session, *, include_alternates: bool = False) -> str:
        """A complete file holding only ``session``."""
        return (
            self.start(heading_title(session))
            + self.render(session, include_alternates=include_alternates)
            + self.end()
        )


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("md", "md", "Markdown", True, separator="\n---\n\n"),
        ExportFormat("html", "html", "HTML (one self-contained page)", True),
        ExportFormat("txt", "txt", "Plain text", True, separator="\n" + "=" * 78 + "\n\n"),
        ExportFormat("json", "json", "JSON (store format, lossless)", False),
        ExportFormat("jsonl", "jsonl", "JSONL (one message a line)", False),
    )
}

#: File name extensions that imply a format when ``--format`` is not given.
EXTENSIONS = {
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".txt": "txt",
    ".json": "json",
    ".ndjson": "json",
    ".jsonl": "jsonl",
}


#: json.dumps leaves DEL and C1 controls raw even though a terminal may act on them; a JSON
#: string may spell any character as \\uXXXX, so escaping them changes no value.
_C1_ESCAPES = {code: f"\\u{code:04x}" for code in range(0x7F, 0xA0)}


def to_jsonl(session: Session) -> str:
    """One JSON object a line per message (abandoned branches included, flagged
    ``alternate``), each carrying its session's id, title, source and project."""
    head = {
        "sessionId": session.id,
        "sessionTitle": session.title,
        "source": session.source,
        "project": session.project,
    }
    lines = []
    for index, message in enumerate(session.messages):
        record = head | {"index": index} | message.model_dump(mode="json", by_alias=True)
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        lines.append(line.translate(_C1_ESCAPES))
    return "".join(line + "\n" for line in lines)
