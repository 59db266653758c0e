"""Where the store lives and the user's settings (a TOML file, then ``SESSIONS_TUI_*`` env vars).

Store location, in order: ``--store PATH``, ``$SESSIONS_TUI_STORE``, then the platform's user
data directory (platformdirs), e.g. ``~/.local/share/sessions-tui/store`` on Linux.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "sessions-tui"


def default_store_path() -> Path:
    env = os.environ.get("SESSIONS_TUI_STORE")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME)) / "store"


def demo_store_path() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME)) / "demo-store"


def settings_path() -> Path:
    env = os.environ.get("SESSIONS_TUI_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


class AppSettings(BaseSettings):
    """Per-user settings. Store-level settings (compression, retention) live in the store."""

    model_config = SettingsConfigDict(env_prefix="SESSIONS_TUI_", extra="ignore")

    theme: str = "sessions-dark"
    """Theme name: one from themes/ (sessions-dark, sessions-light) or a Textual built-in."""
    auto_import: bool = True
    """Run a quick incremental import of every detected tool when the app starts."""
    auto_cleanup: bool = False
    """Apply the store's retention policy when the app starts."""
    redact_patterns: list[str] = Field(default_factory=list)
    """Extra regular expressions redacted on export, on top of the built-in secret rules."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=settings_path())
        return (init_settings, env_settings, toml)


def load_settings(**overrides: object) -> AppSettings:
    return AppSettings(**overrides)  # type: ignore[arg-type]
