"""``sessions-tui import`` and ``watch`` through click's CliRunner against a real store."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from sessions_tui.cli import main

SID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def cc(realdata: Path) -> Path:
    src = realdata / "claude-code"
    if not src.is_dir():
        pytest.skip(f"no Claude Code files at {src}")
    return src


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``--auto`` and ``watch`` look in the home and working directories: never the
    developer's real ones."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "AIDER_CHAT_HISTORY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(home)
    return home


def run(store: Path, *args: str):
    return CliRunner().invoke(main, ["--store", str(store), *args])


def test_import_then_show_a_deep_phrase(cc: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    result = run(store, "import", str(cc))
    assert result.exit_code == 0, result.output
    assert "Sessions: 8 new, 0 updated, 0 unchanged, 0 failed" in result.output
    shown = run(store, "show", "claude-code-ae4a77f8-aedd-4bc1-888f-c94edc91af04")
    assert shown.exit_code == 0
    assert "Resolved the Dialyzer false positive" in shown.output
    again = run(store, "import", str(cc), "--json")
    data = json.loads(again.output)
    assert data["sessions"] == {
        "new": 0,
        "updated": 0,
        "unchanged": 8,
        "failed": 0,
        "kept_deleted": 0,
    }
    assert data["files"]["unchanged"] == 8 and data["exit_code"] == 0
    plain = run(store, "import", str(cc))
    assert "Sessions: 0 new, 0 updated, 8 unchanged, 0 failed" in plain.output


def test_exit_1_with_path_and_reason(cc: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\n")
    result = run(tmp_path / "store", "import", str(cc), str(junk))
    assert result.exit_code == 1
    assert "8 new" in result.output
    assert f"{junk}: not a session file of any known tool" in result.output


def test_bad_lines_exit_0_unless_strict(tmp_path: Path) -> None:
    log = tmp_path / f"{SID}.jsonl"
    good = {
        "type": "user",
        "uuid": "u1",
        "parentUuid": None,
        "sessionId": SID,
        "timestamp": "2025-10-01T10:00:00Z",
        "message": {"role": "user", "content": "hi"},
    }
    log.write_text(json.dumps(good) + "\n{broken\n")
    result = run(tmp_path / "store", "import", str(log))
    assert result.exit_code == 0
    assert f"{log}:2: bad JSON" in result.output
    strict = run(tmp_path / "store2", "import", "--strict", str(log))
    assert strict.exit_code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["import"],
        ["import", "--auto", "--from", "claude-code"],
        ["import", "--from", "no-such-tool", "x"],
        ["import", "--bogus-option"],
        ["watch", "--interval", "0"],
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    assert run(tmp_path / "store", *args).exit_code == 2


def test_control_characters_in_paths_are_shown_not_sent(tmp_path: Path) -> None:
    evil = tmp_path / "evil\x1b]52;c;aGk=\x07.jsonl"
    evil.write_text("not json\n")
    result = run(tmp_path / "store", "import", str(evil))
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "␛" in result.output


def test_auto_quiet_prints_nothing_when_all_is_well(cc: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    shutil.copytree(cc, tmp_path / "claude" / "projects")
    result = run(tmp_path / "store", "import", "--auto", "--quiet")
    assert result.exit_code == 0 and result.output == ""
    listed = run(tmp_path / "store", "list", "--json")
    assert len(json.loads(listed.output)) == 8


def _one_watch_round(monkeypatch) -> None:
    """Make `watch` stop after its first round, as Ctrl+C would."""
    from sessions_tui.importers import watch as watch_module

    real_watch = watch_module.watch

    def one_round(*args, **kwargs):
        stop = threading.Event()
        ticks = []

        def on_tick(summary):
            kwargs_on_tick(summary)
            ticks.append(summary)
            stop.set()

        kwargs_on_tick = kwargs.pop("on_tick")
        return real_watch(*args, on_tick=on_tick, stop=stop, **kwargs)

    monkeypatch.setattr(watch_module, "watch", one_round)


def test_watch_imports_until_stopped(cc: Path, tmp_path: Path, monkeypatch) -> None:
    """The watch command's loop, stopped as Ctrl+C would: it prints a summary and exits 0."""
    _one_watch_round(monkeypatch)
    src = tmp_path / "src"
    shutil.copytree(cc / "marot-spotter", src)
    result = run(tmp_path / "store", "watch", str(src), "--interval", "0.2")
    assert result.exit_code == 0, result.output
    assert "  4 new" in result.output  # main, tool_heavy and two subagents
    assert "Stopped. 4 new, 0 updated, 0 failed" in result.output


def test_watch_says_which_lines_it_could_not_read(tmp_path: Path, monkeypatch) -> None:
    """A tick that met unreadable lines names them (path:line and reason), as `import` does:
    '1 unreadable lines' alone sends the user hunting."""
    _one_watch_round(monkeypatch)
    src = tmp_path / "src"
    src.mkdir()
    good = {
        "type": "user",
        "uuid": "u1",
        "parentUuid": None,
        "sessionId": SID,
        "timestamp": "2025-10-01T10:00:00.000Z",
        "message": {"role": "user", "content": "hello"},
    }
    (src / f"{SID}.jsonl").write_text(json.dumps(good) + "\n{broken\n" + json.dumps(good))
    result = run(tmp_path / "store", "watch", str(src), "--interval", "0.2")
    assert "1 new, 1 unreadable lines" in result.output
    assert f"{src / SID}.jsonl:2: bad JSON" in result.output
