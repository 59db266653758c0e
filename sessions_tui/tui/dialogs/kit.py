"""Small widget helpers shared by the export, import and cleanup dialogs."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ..formatting import one_line


def relabel(widget: Widget, label: str | Text) -> None:
    """Change a button's (or toggle's) label and its width with it: ``label`` is a plain
    reactive that repaints but does not re-measure, so a longer label would be cut off."""
    widget.label = label  # type: ignore[attr-defined]
    widget.refresh(layout=True)


def clip(text: str | None, limit: int) -> str:
    """Untrusted text, safe and on one line, cut to ``limit`` characters with an ellipsis."""
    flat = one_line(text, limit + 1)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
