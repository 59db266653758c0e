"""Component-class styles with their colours worked out for what is drawn under them.

Widgets that draw their own lines (the session list, the transcript) style text with Rich
styles read from their component classes. Textual's `get_component_rich_style(partial=True)`
drops the alpha of a colour (``$primary 35%`` becomes solid ``$primary``) and turns ``auto``
and the theme's ``$text-muted`` (``auto 60%``) into white whatever the background: on a light
theme muted columns vanish. Here every colour is resolved the way Textual resolves a widget's
own: alpha blended over the background beneath, ``auto`` made the contrasting text colour of
that background. The CSS therefore uses theme variables only, never a literal colour.
"""

from __future__ import annotations

from rich.style import Style
from textual.color import Color
from textual.widget import Widget

#: WCAG AA contrast for body text. Theme colours meant for text are moved towards black or
#: white until they reach it, so a theme whose accent is pale (Textual's ``textual-light``)
#: still draws readable tool names.
READABLE = 4.5


def resolved_style(
    widget: Widget, name: str, under: Color | None = None, *, minimum: float = READABLE
) -> Style:
    """The Rich style of component class ``name`` of ``widget``, colours resolved.

    ``under`` is the colour the text will be drawn on (default: the widget's background);
    text colours reach ``minimum`` contrast against the resolved background. Only properties
    the CSS sets are in the result, so styles can be layered.
    """
    styles = widget.get_component_styles(name)
    base = under if under is not None else widget.background_colors[1]
    background = base
    bgcolor = None
    if styles.has_rule("background") and styles.background.a > 0:
        background = base + styles.background
        bgcolor = background.rich_color
    color = None
    if styles.has_rule("color"):
        auto = styles.has_rule("auto_color") and styles.auto_color
        resolved = text_color(styles.color, background, auto=auto)
        color = readable(resolved, background, minimum).rich_color
    return Style(color=color, bgcolor=bgcolor) + styles.text_style


def text_color(color: Color, background: Color, *, auto: bool = False) -> Color:
    """``color`` as it appears on ``background``: ``auto`` (CSS ``color: auto 60%``, which
    Textual keeps as a separate flag) becomes the contrasting text colour, alpha is blended."""
    if auto or color.auto:
        color = background.get_contrast_text(color.a)
    return background + color if color.a < 1 else color


def readable(color: Color, background: Color, minimum: float = READABLE) -> Color:
    """``color``, blended towards black or white (whichever contrasts with ``background``)
    just enough to reach ``minimum`` contrast; unchanged if it already does."""
    if contrast_ratio(color, background) >= minimum:
        return color
    target = background.get_contrast_text(1.0)
    for step in range(1, 11):
        candidate = color.blend(target, step / 10)
        if contrast_ratio(candidate, background) >= minimum:
            return candidate
    return target


def contrast_ratio(a: Color, b: Color) -> float:
    """WCAG contrast ratio of two opaque colours (1 to 21; 4.5 is "readable body text")."""

    def luminance(c: Color) -> float:
        def channel(v: int) -> float:
            s = v / 255
            return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
