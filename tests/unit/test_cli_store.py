"""The store commands as a user runs them: output, JSON shape, exit codes, one-line errors."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import sessions_tui.cli.common as cli_common
from sessions_tui.cli import main
from sessions_tui.demo import demo_sessions
from sessions_tui.models import Message, Session, TextBlock
from sessions_tui.store import SessionStore

LIST_KEYS = {
    "id",
    "title",
    "source",
    "models",
    "project",
    "created",
    "updated",
    "message_count",
    "tool_call_count",
    "bytes",
}


def run(store: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, ["--store", str(store), *args], input=input)


def assert_one_line_error(result: Result, *needles: str) -> None:
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sessions-tui: ")
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    sessions = demo_sessions()[:5]
    hostile = Session(
        id="hostile",
        title="evil \x1b]52;c;ZXZpbA==\x07 title",
        messages=[Message(id="m", role="user", content=[TextBlock(text="clear \x1b[2J screen")])],
    )
    with SessionStore(root) as s:
        s.save_many([*sessions, hostile])
    return root


def test_list_table(store: Path) -> None:
    result = run(store, "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 6
    truth = SessionStore(store).list()
    for line, row in zip(lines, truth, strict=True):
        assert line.rstrip().endswith(row.id)
        assert f"{row.message_count} msg" in line
    assert "\x1b" not in result.stdout and "␛" in result.stdout  # escapes made visible


def test_list_json(store: Path) -> None:
    result = run(store, "list", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    truth = {s.id: s for s in SessionStore(store).iter_sessions()}
    assert [d["id"] for d in data] == [r.id for r in SessionStore(store).list()]
    for item in data:
        assert item.keys() >= LIST_KEYS
        session = truth[item["id"]]
        assert item["source"] == session.source
        assert item["models"] == session.models
        assert item["project"] == session.project
        assert item["message_count"] == session.message_count
        assert item["tool_call_count"] == session.tool_call_count
        assert item["bytes"] == SessionStore(store).path_of(session.id).stat().st_size
        assert item["updated"].endswith("Z") and item["created"] <= item["updated"]


def test_list_filters_and_limit(store: Path) -> None:
    first = demo_sessions()[0]
    data = json.loads(run(store, "list", "--json", "--tool", first.source).stdout)
    assert {d["source"] for d in data} == {first.source}
    assert len(json.loads(run(store, "list", "--json", "--limit", "2").stdout)) == 2
    empty = run(store, "list", "--tool", "nothing-like-it")
    assert empty.exit_code == 0
    assert empty.stderr.splitlines()[0] == "No sessions match."
    assert "note: no sessions have tool 'nothing-like-it' (known: " in empty.stderr
    bad = run(store, "list", "--after", "yesterday-ish")
    assert bad.exit_code == 2 and "yesterday-ish" in bad.stderr


def test_show_text_json_markdown(store: Path) -> None:
    session = demo_sessions()[0]
    text = run(store, "show", session.id)
    assert text.exit_code == 0
    assert session.title in text.stdout
    assert session.messages[0].text.splitlines()[0] in text.stdout
    as_json = run(store, "show", session.id, "--json")
    assert Session.model_validate_json(as_json.stdout) == session
    md = run(store, "show", session.id, "--markdown")
    assert md.stdout.startswith(f"# {session.title}")
    hostile = run(store, "show", "hostile")
    assert "\x1b" not in hostile.stdout and "␛[2J" in hostile.stdout


def test_show_takes_the_id_a_session_has_in_its_own_tool(store: Path) -> None:
    """The UUID a resume command or the tool's own folder shows names the session too;
    a subagent sharing its parent's names the parent."""
    parent = demo_sessions()[0]
    sub = next(s for s in demo_sessions() if s.parent_session_id == parent.id)
    with SessionStore(store) as s:
        s.save(sub)
    assert sub.source_ref.id == parent.source_ref.id
    shown = run(store, "show", parent.source_ref.id, "--json")
    assert shown.exit_code == 0, shown.stderr
    assert Session.model_validate_json(shown.stdout).id == parent.id
    assert_one_line_error(run(store, "show", "00000000-0000-nothing"), "no session with id")


def test_stats(store: Path) -> None:
    result = run(store, "stats")
    assert result.exit_code == 0
    sessions = [*demo_sessions()[:5]]
    assert "Sessions:   6" in result.stdout
    total = sum(s.message_count for s in sessions) + 1
    assert f"Messages:   {total:,}" in result.stdout
    data = json.loads(run(store, "stats", "--json").stdout)
    assert data["sessions"] == 6 and data["messages"] == total and data["problems"] == 0


def test_verify_repair_and_exit_codes(store: Path) -> None:
    ok = run(store, "verify")
    assert ok.exit_code == 0 and "6 files checked, 0 bad" in ok.stdout
    victim = SessionStore(store).path_of("hostile")
    data = bytearray(victim.read_bytes())
    data[-10] ^= 0xFF
    tmp = victim.with_name(".edit.tmp")
    tmp.write_bytes(bytes(data))
    os.replace(tmp, victim)

    bad = run(store, "verify")
    assert bad.exit_code == 1
    assert f"BAD  {victim}: " in bad.stdout and "1 bad" in bad.stdout
    listed = run(store, "list")
    assert listed.exit_code == 0 and "1 unreadable session file" in listed.stderr
    assert "hostile" not in listed.stdout
    report = json.loads(run(store, "verify", "--json").stdout)
    assert report["problems"][0]["path"] == str(victim)

    repaired = run(store, "verify", "--repair")
    assert repaired.exit_code == 0 and "1 quarantined" in repaired.stdout
    assert not victim.exists() and len(list((store / "quarantine").iterdir())) == 1
    assert run(store, "verify").exit_code == 0
    assert "unreadable" not in run(store, "list").stderr


def test_migrate(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "v1"
    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "store-v1", root)
    result = run(root, "migrate")
    assert result.exit_code == 0, result.output
    assert "Backup: " in result.stdout
    assert "3 migrated, 0 already current, 0 newer (left alone), 0 unreadable" in result.stdout
    again = run(root, "migrate")
    assert "0 migrated, 3 already current" in again.stdout and "Backup" not in again.stdout


def test_delete_and_trash_commands(store: Path) -> None:
    ids = [r.id for r in SessionStore(store).list()]
    before = {p.name: p.read_bytes() for p in (store / "sessions").iterdir()}
    deleted = run(store, "delete", ids[0], ids[1])
    assert deleted.exit_code == 0 and "2 sessions moved to the trash" in deleted.stdout
    assert ids[0] not in run(store, "list").stdout

    listing = run(store, "trash", "list")
    assert sorted(line.split()[-1] for line in listing.stdout.splitlines()) == sorted(ids[:2])
    entries = json.loads(run(store, "trash", "list", "--json").stdout)
    assert {e["session_id"] for e in entries} == set(ids[:2])
    assert {"name", "deleted", "bytes"} <= entries[0].keys()

    restored = run(store, "trash", "restore", ids[0])
    assert restored.exit_code == 0 and "1 session restored" in restored.stdout
    missing = run(store, "trash", "restore", "not-there")
    assert missing.exit_code == 1 and "not in trash: not-there" in missing.stderr
    assert run(store, "trash", "restore").exit_code == 2  # neither ids nor --all

    refused = run(store, "trash", "empty")  # no terminal, no --yes
    assert_one_line_error(refused, "--yes")
    emptied = run(store, "trash", "empty", "--yes")
    assert emptied.exit_code == 0 and "1 session deleted for good" in emptied.stdout
    assert "already empty" in run(store, "trash", "empty", "--yes").stdout

    after = {p.name: p.read_bytes() for p in (store / "sessions").iterdir()}
    name0 = next(n for n in before if n.startswith(ids[0]))
    assert after[name0] == before[name0]  # restored byte-identical
    assert not any(n.startswith(ids[1]) for n in after)


def test_errors_are_one_line_without_traceback(store: Path, tmp_path: Path) -> None:
    assert_one_line_error(run(store, "show", "nope"), "no session with id 'nope'")
    assert_one_line_error(run(store, "delete", "nope"), "no session with id 'nope'")
    assert_one_line_error(run(store, "show", "../../etc/passwd"), "no session with id")
    not_store = tmp_path / "docs"
    not_store.mkdir()
    (not_store / "a.txt").write_text("x")
    assert_one_line_error(run(not_store, "list"), str(not_store), "not a sessions-tui store")
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "store.json").write_text("{nope")
    assert_one_line_error(run(garbage, "list"), "store.json", "unreadable store manifest")
    victim = SessionStore(store).path_of(demo_sessions()[0].id)
    victim.write_bytes(b"garbage")
    assert_one_line_error(run(store, "show", demo_sessions()[0].id), str(victim))


def test_store_busy_is_one_line(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI waits lock_timeout (10 s) for a writer; shorten it for the test only.
    monkeypatch.setattr(
        cli_common, "SessionStore", functools.partial(SessionStore, lock_timeout=0.1)
    )
    holder = SessionStore(store)
    ids = [r.id for r in holder.list()]
    with holder.writing():
        # Another process would hold it; a second lock object on the file conflicts alike.
        result = run(store, "delete", ids[0])
    assert_one_line_error(result, "store busy", "store.lock")
    assert ids[0] in run(store, "list").stdout


def test_store_from_environment(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSIONS_TUI_STORE", str(store))
    result = CliRunner().invoke(main, ["list", "--json"])
    assert len(json.loads(result.stdout)) == 6
