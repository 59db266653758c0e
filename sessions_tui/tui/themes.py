"""Themes: ours (``sessions-dark``, ``sessions-light``), the user's, and Textual's built-ins.

A theme is a small TOML file of Textual `Theme` fields. Ours ship inside the package
(``sessions_tui/tui/themes/``; ``themes/`` at the repository root holds the same files as the
documented, user-facing copy). Users add their own in ``<config dir>/themes/*.toml``. A bad
file is reported by path and reason and skipped; it never stops the app.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

BUILTIN_DIR = Path(__file__).parent / "themes"
DEFAULT_THEME = "sessions-dark"
_COLOR_FIELDS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "success",
    "warning",
    "error",
)


class ThemeFileError(ValueError):
    """A theme file that cannot be used; the message names the file and the reason."""


def user_theme_dir() -> Path:
    from ..config import settings_path

    return settings_path().parent / "themes"


def load_theme_file(path: Path) -> Theme:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ThemeFileError(f"{path}: cannot read theme ({exc})") from None
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ThemeFileError(f"{path}: missing `name`")
    if "primary" not in data:
        raise ThemeFileError(f"{path}: missing `primary` colour")
    unknown = set(data) - {*_COLOR_FIELDS, "name", "dark", "variables"}
    if unknown:
        raise ThemeFileError(f"{path}: unknown keys {', '.join(sorted(unknown))}")
    colors: dict[str, str] = {}
    for key in _COLOR_FIELDS:
        if key in data:
            value = data[key]
            try:
                Color.parse(value)
            except (ColorParseError, TypeError):
                raise ThemeFileError(f"{path}: {key} = {value!r} is not a colour") from None
            colors[key] = value
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise ThemeFileError(f"{path}: [variables] must map names to strings")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeFileError(f"{path}: dark must be true or false")
    return Theme(name=name.strip(), dark=dark, variables=dict(variables), **colors)


def available_themes() -> tuple[list[Theme], list[str]]:
    """Our themes then the user's (a user file may replace ours by name), and the errors."""
    themes: dict[str, Theme] = {}
    errors: list[str] = []
    user_dir = user_theme_dir()
    for directory in (BUILTIN_DIR, user_dir):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ThemeFileError as exc:
                errors.append(str(exc))
                continue
            themes[theme.name] = theme
    return list(themes.values()), errors
