"""Turning sessions into files people read, share or keep: Markdown, HTML, text, JSON, JSONL.

`render` and `html` draw one session; `formats` names the formats; `redact` removes secrets;
`scope` resolves which sessions (ids, a search query, filters); `exporter` writes files, a
directory or a zip. Nothing here imports Textual.
"""

from .exporter import (
    ExportCancelled,
    Exporter,
    ExportError,
    ExportReport,
    export_sessions,
    format_for,
    redaction_for,
)
from .formats import FORMATS, ExportFormat
from .redact import InvalidPattern, RedactionOptions, RedactionReport, Redactor

__all__ = [
    "FORMATS",
    "ExportCancelled",
    "ExportError",
    "ExportFormat",
    "ExportReport",
    "Exporter",
    "InvalidPattern",
    "RedactionOptions",
    "RedactionReport",
    "Redactor",
    "export_sessions",
    "format_for",
    "redaction_for",
]
