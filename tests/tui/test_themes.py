"""Theme files: ours load, the user's are added, bad ones are reported by path and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessions_tui.tui.themes import (
    BUILTIN_DIR,
    ThemeFileError,
    available_themes,
    load_theme_file,
    user_theme_dir,
)

REPO = Path(__file__).resolve().parents[2]


def test_shipped_themes_load_and_match_the_documented_copies():
    names = {load_theme_file(p).name for p in BUILTIN_DIR.glob("*.toml")}
    assert {"sessions-dark", "sessions-light"} <= names
    for path in BUILTIN_DIR.glob("*.toml"):
        assert (REPO / "themes" / path.name).read_text() == path.read_text()
    assert load_theme_file(BUILTIN_DIR / "sessions-light.toml").dark is False


def test_user_theme_is_added_and_bad_one_reported(tmp_path: Path):
    user = user_theme_dir()
    user.mkdir(parents=True, exist_ok=True)
    (user / "mine.toml").write_text('name = "mine"\nprimary = "#ff0000"\ndark = false\n')
    (user / "broken.toml").write_text('name = "broken"\nprimary = "not-a-colour"\n')
    themes, errors = available_themes()
    assert "mine" in {t.name for t in themes}
    assert len(errors) == 1 and "broken.toml" in errors[0] and "not a colour" in errors[0]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("primary = '#fff'", "missing `name`"),
        ("name = 'x'", "missing `primary`"),
        ("name = 'x'\nprimary = '#fff'\nsparkle = 1", "unknown keys sparkle"),
        ("name = 'x'\nprimary = '#fff'\ndark = 'yes'", "dark must be true or false"),
        ("name = = ", "cannot read theme"),
    ],
)
def test_invalid_theme_files(tmp_path: Path, body: str, reason: str):
    path = tmp_path / "t.toml"
    path.write_text(body)
    with pytest.raises(ThemeFileError, match=reason) as info:
        load_theme_file(path)
    assert str(path) in str(info.value)


async def _theme_of(app) -> str:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        return app.theme


def test_theme_from_argument_settings_file_and_unknown_name(demo_store, tmp_path, monkeypatch):
    import asyncio

    from sessions_tui.tui.app import make_app

    assert (
        asyncio.run(
            _theme_of(make_app(demo_store, theme="sessions-light", open_search_index=False))
        )
        == "sessions-light"
    )
    assert (
        asyncio.run(_theme_of(make_app(demo_store, theme="nord", open_search_index=False)))
        == "nord"
    )
    config = tmp_path / "config.toml"
    config.write_text('theme = "sessions-light"\n')
    monkeypatch.setenv("SESSIONS_TUI_CONFIG", str(config))
    assert asyncio.run(_theme_of(make_app(demo_store, open_search_index=False))) == "sessions-light"
    assert (
        asyncio.run(_theme_of(make_app(demo_store, theme="no-such", open_search_index=False)))
        == "sessions-dark"
    )


def _contrasts(strip, minimum: float) -> list[tuple[str, float]]:
    """Text of ``strip`` drawn below ``minimum`` contrast, with its ratio."""
    from textual.color import Color

    from sessions_tui.tui.widgets.styling import contrast_ratio

    poor = []
    for segment in strip:
        if not segment.text.strip("▌ ") or segment.style is None:
            continue  # blank, or the transcript's gutter bar (decoration, not text)
        fg, bg = segment.style.color, segment.style.bgcolor
        assert fg is not None and bg is not None, f"{segment.text!r} has no colour of its own"
        ratio = contrast_ratio(Color.from_rich_color(fg), Color.from_rich_color(bg))
        if ratio < minimum:
            poor.append((segment.text, round(ratio, 2)))
    return poor


@pytest.mark.parametrize("theme", ["sessions-dark", "sessions-light", "textual-light", "nord"])
def test_every_column_and_the_cursor_row_are_readable(make_demo_app, theme):
    """Model, Project and Size were drawn white on the light theme; the cursor row had 1.6:1.

    Every character of the list (header, rows, the cursor row focused and not) and of the
    transcript header must reach 4.5:1 (WCAG AA body text) against what it is drawn on.
    """
    import asyncio

    from .helpers import main_screen, settle

    async def run() -> None:
        app = make_demo_app(theme=theme)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            screen = main_screen(pilot)
            sessions = screen.session_list
            assert sessions.has_focus and sessions.cursor == 0
            rows = [sessions.render_line(y) for y in range(0, 9)]  # header, cursor, rows
            assert "Model" in rows[0].text and "Size" in rows[0].text
            assert any("gpt-" in r.text for r in rows) and any("K " in r.text for r in rows)
            for strip in rows:
                assert _contrasts(strip, 4.5) == [], strip.text
            await pilot.press("enter")  # the list loses focus: the cursor row is drawn blurred
            await settle(pilot)
            assert not sessions.has_focus
            assert _contrasts(sessions.render_line(1), 4.5) == []
            view = screen.transcript
            for y in range(6):
                assert _contrasts(view.render_line(y), 4.5) == [], view.render_line(y).text

    asyncio.run(run())
