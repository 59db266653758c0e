"""Retention: the store's period, `cleanup --expired`, and the optional cleanup on start."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from sessions_tui.cleanup import CleanupPolicy, apply_retention_on_start, preview
from sessions_tui.cli import main
from sessions_tui.config import AppSettings
from sessions_tui.models import Message, Session, TextBlock
from sessions_tui.store import SessionStore

DAY_MS = 86_400_000


def aged(sid: str, days: float, *, starred: bool = False, until_days: float | None = None):
    when = datetime.now(UTC) - timedelta(days=days)
    until = None
    if until_days is not None:
        until = int((datetime.now(UTC) + timedelta(days=until_days)).timestamp() * 1000)
    return Session(
        id=sid,
        created=when,
        updated=when,
        starred=starred,
        persisted_until=until,
        messages=[Message(id="m", role="user", content=[TextBlock(text=sid)])],
    )


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    store = SessionStore(tmp_path / "store")
    store.save_many(
        [
            aged("ancient", 400),
            aged("ancient-starred", 400, starred=True),
            aged("recent", 5),
            # old, but promised to be kept for another 10 days when it was saved
            aged("promised", 400, until_days=10),
        ]
    )
    return store


def _set(store: SessionStore, *args: str) -> str:
    result = CliRunner().invoke(main, ["--store", str(store.root), "retention", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_retention_command_sets_and_clears_the_period(store: SessionStore) -> None:
    assert "kept forever" in _set(store)
    assert "Retention: 90 days" in _set(store, "90d")
    assert SessionStore(store.root).settings.retention_days == 90
    assert "persistence disabled" in _set(store, "--no-persistence")
    assert SessionStore(store.root).settings.persistence is False
    _set(store, "--persistence")
    assert "kept forever" in _set(store, "off")
    assert SessionStore(store.root).settings.retention_days is None
    assert [e["op"] for e in store.operations()].count("retention") == 4


def test_the_manifest_spells_each_setting_once(store: SessionStore) -> None:
    """Other programs read store.json: a setting must not appear under two spellings."""
    _set(store, "45d")
    settings = json.loads((store.root / "store.json").read_text())["settings"]
    assert settings["retentionDays"] == 45
    assert "retention_days" not in settings


def test_a_stray_snake_case_key_from_an_older_release_is_dropped(store: SessionStore) -> None:
    manifest = store.root / "store.json"
    data = json.loads(manifest.read_text())
    data["settings"] |= {"retentionDays": 30, "retention_days": None, "futureSetting": 1}
    manifest.write_text(json.dumps(data))
    assert "Retention: 30 days" in _set(store)
    _set(store, "60d")
    settings = json.loads(manifest.read_text())["settings"]
    assert settings["retentionDays"] == 60
    assert "retention_days" not in settings
    assert settings["futureSetting"] == 1, "a newer release's setting is kept"


def test_an_unknown_setting_name_is_refused(store: SessionStore) -> None:
    with pytest.raises(TypeError, match="retention_dayz"):
        store.update_settings(retention_dayz=3)


def test_nothing_expires_without_a_period_or_with_persistence_off(store: SessionStore) -> None:
    assert preview(store, CleanupPolicy(expired=True)).candidates == []
    store.update_settings(retentionDays=30, persistence=False)
    assert preview(store, CleanupPolicy(expired=True)).candidates == []


def test_expired_respects_the_period_stars_and_promises(store: SessionStore) -> None:
    store.update_settings(retentionDays=30)
    plan = preview(store, CleanupPolicy(expired=True))
    assert [c.id for c in plan.candidates] == ["ancient"]
    assert plan.protected_starred == 1
    assert plan.candidates[0].reasons[0].startswith("retention ended ")
    # the promise runs out: it goes too
    later = int(time.time() * 1000) + 11 * DAY_MS
    assert {c.id for c in preview(store, CleanupPolicy(expired=True), now_ms=later).candidates} == {
        "ancient",
        "promised",
    }


def test_auto_cleanup_is_off_by_default(store: SessionStore) -> None:
    store.update_settings(retentionDays=30)
    assert AppSettings().auto_cleanup is False
    assert apply_retention_on_start(store, AppSettings()) is None
    assert store.exists("ancient")


def test_auto_cleanup_on_start_moves_expired_sessions_to_the_trash(store: SessionStore) -> None:
    settings = AppSettings(auto_cleanup=True)
    assert apply_retention_on_start(store, settings) is None  # no period: nothing to do
    store.update_settings(retentionDays=30)
    result = apply_retention_on_start(store, settings)
    assert result is not None and result.removed == ["ancient"]
    assert not store.exists("ancient")
    assert {e.session_id for e in store.trash()} == {"ancient"}
    assert store.exists("ancient-starred") and store.exists("recent")
    assert store.operations()[-1]["op"] == "cleanup"
    again = apply_retention_on_start(store, settings)
    assert again is not None and again.removed == []


def test_auto_cleanup_reads_the_settings_file(
    store: SessionStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("auto_cleanup = true\n")
    monkeypatch.setenv("SESSIONS_TUI_CONFIG", str(config))
    store.update_settings(retentionDays=30)
    result = apply_retention_on_start(store)
    assert result is not None and result.removed == ["ancient"]
