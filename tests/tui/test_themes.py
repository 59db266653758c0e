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
