"""Small widget helpers shared by the export, import and cleanup dialogs."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ..formatting import one_line

#: Below this many columns a dialog's rows of options do not fit side by side: the dialog
#: gets the class ``-narrow``, and its CSS stacks them, one option a line (it scrolls).
NARROW = 100


def mark_narrow(dialog: Widget) -> None:
    """Call from a dialog's ``on_resize``."""
    dialog.set_class(dialog.size.width < NARROW, "-narrow")


def relabel(widget: Widget, label: str | Text) -> None:
    """Change a button's (or toggle's) label and its width with it: ``label`` is a plain
    reactive that repaints but does not re-measure, so a longer label would be cut off."""
    widget.label = label  # type: ignore[attr-defined]
    widget.refresh(layout=True)


def clip(text: str | None, limit: int) -> str:
    """Untrusted text, safe and on one line, cut to ``limit`` characters with an ellipsis."""
    flat = one_line(text, limit + 1)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
