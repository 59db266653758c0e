"""What a new user trips over in the CLI: plurals, one timestamp format everywhere, ``trash
list`` naming what is in it, id prefixes for ``show``, a mistyped ``--store`` not creating an
empty store, the TUI refusing a pipe, and getting a quarantined session back after
``verify --repair``."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sessions_tui.cli import main
from sessions_tui.models import Message, Session, TextBlock
from sessions_tui.store import SessionStore

ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def run(store: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--store", str(store), *args])


def _session(sid: str, title: str, source: str = "claude-code", text: str = "hello") -> Session:
    return Session(
        id=sid,
        title=title,
        source=source,
        messages=[
            Message(id=f"{sid}-u", role="user", content=[TextBlock(text=text)]),
            Message(id=f"{sid}-a", role="assistant", content=[TextBlock(text="ok")]),
        ],
    )


@pytest.fixture
def store(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    with SessionStore(root) as s:
        s.save_many(
            [
                _session("claude-code-4c2ddfdc-aaaa", "Fix the flaky retry test"),
                _session("claude-code-4c2ddfdc-bbbb", "Second one"),
                _session("codex-cli-77aa", "Rename the payments module", "codex-cli"),
                _session("aider-0001", "", "aider", text="Now make setup-uv handle the empty case"),
            ]
        )
    return root


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("AIDER_CHAT_HISTORY_FILE", raising=False)
    monkeypatch.chdir(home)
    return home


# -- plurals and timestamps ------------------------------------------------------------------


def test_counts_are_pluralised(store: Path) -> None:
    one = run(store, "delete", "codex-cli-77aa")
    assert one.stdout == "1 session moved to the trash\n"
    two = run(store, "delete", "claude-code-4c2ddfdc-aaaa", "aider-0001")
    assert two.stdout == "2 sessions moved to the trash\n"
    assert "4 files checked, 0 bad" not in run(store, "verify").stdout  # 1 is left
    assert run(store, "verify").stdout.startswith("1 file checked, 0 bad")
    assert "(s)" not in run(store, "trash", "list").output


def test_every_timestamp_is_iso_utc_with_milliseconds(store: Path) -> None:
    table = run(store, "list").stdout.splitlines()
    assert len(table) == 4 and all(re.search(rf"  {ISO}  ", "  " + line[2:]) for line in table)
    for row in json.loads(run(store, "list", "--json").stdout):
        assert re.fullmatch(ISO, row["created"]) and re.fullmatch(ISO, row["updated"])
    run(store, "delete", "codex-cli-77aa")
    [entry] = json.loads(run(store, "trash", "list", "--json").stdout)
    assert re.fullmatch(ISO, entry["deleted"])
    assert re.match(ISO, run(store, "trash", "list").stdout)
    plan = json.loads(
        run(store, "cleanup", "--empty", "--larger-than", "0", "--any", "-n", "--json").stdout
    )
    assert plan["sessions"] and all(re.fullmatch(ISO, s["updated"]) for s in plan["sessions"])


# -- trash list ------------------------------------------------------------------------------


def test_trash_list_names_title_and_tool(store: Path) -> None:
    run(store, "delete", "codex-cli-77aa", "aider-0001")
    out = run(store, "trash", "list")
    assert out.exit_code == 0
    lines = out.stdout.splitlines()
    assert any("codex-cli" in line and "Rename the payments module" in line for line in lines)
    # an untitled session shows what `list` shows: its first prompt
    assert any("aider" in line and "Now make setup-uv handle" in line for line in lines)
    assert out.stderr.startswith("2 sessions in the trash, ")
    entries = {e["session_id"]: e for e in json.loads(run(store, "trash", "list", "--json").stdout)}
    assert entries["codex-cli-77aa"]["title"] == "Rename the payments module"
    assert entries["codex-cli-77aa"]["source"] == "codex-cli"
    assert entries["aider-0001"]["title"].startswith("Now make setup-uv handle")


def test_trash_list_reads_entries_it_has_no_record_of(store: Path) -> None:
    run(store, "delete", "codex-cli-77aa")
    for suffix in ("", "-wal", "-shm"):  # the index is a cache: lose it
        Path(f"{store}/index/meta.sqlite3{suffix}").unlink(missing_ok=True)
    [entry] = json.loads(run(store, "trash", "list", "--json").stdout)
    assert (entry["title"], entry["source"]) == ("Rename the payments module", "codex-cli")


# -- show by id prefix -----------------------------------------------------------------------


def test_show_accepts_a_unique_id_prefix(store: Path) -> None:
    shown = run(store, "show", "codex-cli-7")
    assert shown.exit_code == 0 and "Rename the payments module" in shown.stdout
    exact = run(store, "show", "claude-code-4c2ddfdc-aaaa")
    assert "Fix the flaky retry test" in exact.stdout


def test_export_accepts_a_unique_id_prefix(store: Path) -> None:
    result = run(store, "export", "codex-cli-7", "--format", "md", "--out", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Rename the payments module")
    named = run(store, "export", "codex-cli-7", "--format", "markdown", "--out", "-")
    assert named.stdout == result.stdout  # the dialog's name for md works too
    ambiguous = run(store, "export", "claude-code-4c", "--format", "md", "--out", "-")
    assert ambiguous.exit_code == 1 and "starts 2 session ids" in ambiguous.stderr


def test_an_ambiguous_prefix_lists_the_candidates(store: Path) -> None:
    result = run(store, "show", "claude-code-4c2ddfdc")
    assert result.exit_code == 1 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("sessions-tui: 'claude-code-4c2ddfdc' starts 2 session ids: ")
    assert "claude-code-4c2ddfdc-aaaa, claude-code-4c2ddfdc-bbbb" in line
    missing = run(store, "show", "zzz")
    assert missing.exit_code == 1 and "no session with id 'zzz'" in missing.stderr


def test_delete_and_restore_accept_a_unique_id_prefix(store: Path) -> None:
    deleted = run(store, "delete", "codex-cli-7", "aider")
    assert deleted.stdout == "2 sessions moved to the trash\n"
    assert run(store, "show", "codex-cli-77aa").exit_code == 1
    ambiguous = run(store, "delete", "claude-code-4c")
    assert ambiguous.exit_code == 1 and "starts 2 session ids" in ambiguous.stderr
    assert len(json.loads(run(store, "list", "--json").stdout)) == 2  # nothing deleted
    restored = run(store, "trash", "restore", "codex-c")
    assert restored.stdout == "1 session restored\n"
    assert "Rename the payments module" in run(store, "show", "codex-cli-77aa").stdout
    gone = run(store, "show", "aider-0001")
    assert gone.exit_code == 1
    assert "no session with id 'aider-0001' (it is in the trash: `trash restore aider-0001`" in (
        gone.stderr
    )
    missing = run(store, "trash", "restore", "codex-c")  # no longer in the trash
    assert missing.exit_code == 1 and "not in trash: codex-c" in missing.stderr


def test_the_beginning_of_the_tool_s_own_id_names_the_session(tmp_path: Path) -> None:
    from sessions_tui.models import SourceRef

    root = tmp_path / "native"
    with SessionStore(root) as s:
        for sid, native, title in [
            ("claude-code-x1", "9eda1058-9706-484a-b992-d03f9cfa2546", "First"),
            ("claude-code-x2", "9eda2000-0000-4000-8000-000000000000", "Second"),
        ]:
            session = _session(sid, title)
            session.source_ref = SourceRef(id=native)
            s.save(session)
    assert "First" in run(root, "show", "9eda1058").stdout  # as copied from a resume line
    both = run(root, "show", "9eda")
    assert both.exit_code == 1 and "starts 2 session ids" in both.stderr
    assert run(root, "show", "9ed").exit_code == 1  # too short to be meant
    assert run(root, "delete", "cla").exit_code == 1  # so is a session id's beginning


def test_a_prefix_of_a_session_with_subagents_means_the_session(tmp_path: Path) -> None:
    root = tmp_path / "agents"

    def sub(sid: str, title: str, parent: str) -> Session:
        session = _session(sid, title)
        session.parent_session_id = parent
        return session

    with SessionStore(root) as s:
        s.save_many(
            [
                _session("claude-code-9f3e", "Parent"),
                sub("claude-code-9f3e.agent-a1", "First subagent", "claude-code-9f3e"),
                sub("claude-code-9f3e.agent-b2", "Second subagent", "claude-code-9f3e"),
                # Spelt like a subagent, but a session of its own: no parent.
                _session("claude-code-7aa1", "Other"),
                _session("claude-code-7aa1.copy", "Other's copy"),
            ]
        )
    assert "Parent" in run(root, "show", "claude-code-9f").stdout
    subs = run(root, "show", "claude-code-9f3e.agent-")
    assert subs.exit_code == 1 and "starts 2 session ids" in subs.stderr
    assert "First subagent" in run(root, "show", "claude-code-9f3e.agent-a").stdout
    spelt = run(root, "show", "claude-code-7a")
    assert spelt.exit_code == 1 and "starts 2 session ids" in spelt.stderr


def test_a_prefix_is_ambiguous_even_past_a_page_of_one_session_s_subagents(
    tmp_path: Path,
) -> None:
    root = tmp_path / "many"
    with SessionStore(root) as s:
        s.save(_session("claude-code-ab01", "Parent"))
        for n in range(12):
            child = _session(f"claude-code-ab01.agent-{n:02}", f"Subagent {n}")
            child.parent_session_id = "claude-code-ab01"
            s.save(child)
        s.save(_session("claude-code-ab02", "Another session"))
    deleted = run(root, "delete", "claude-code-ab0")
    assert deleted.exit_code == 1 and "session ids" in deleted.stderr  # never a guess
    assert len(json.loads(run(root, "list", "--json").stdout)) >= 2


# -- a store path that does not exist --------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--json"],
        ["show", "x"],
        ["search", "retry"],
        ["stats"],
        ["verify"],
        ["export", "--all", "--out", "-", "--format", "md"],
        ["trash", "list"],
        ["cleanup", "--empty", "--dry-run"],
    ],
)
def test_read_only_commands_do_not_create_a_store(tmp_path: Path, args: list[str]) -> None:
    typo = tmp_path / "typo"
    result = run(typo, *args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"sessions-tui: no store at {typo}")
    # the hint names this store: run as written, it must not fill the default one
    assert f"`sessions-tui --store {typo} import --auto` creates it" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not typo.exists()


def test_import_creates_the_store(tmp_path: Path) -> None:
    history = tmp_path / "proj" / ".aider.chat.history.md"
    history.parent.mkdir()
    history.write_text(AIDER)
    result = run(tmp_path / "new", "import", str(history))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / "store.json").exists()


def test_the_tui_refuses_without_a_terminal(store: Path) -> None:
    result = CliRunner().invoke(main, ["--store", str(store)])
    assert result.exit_code == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "needs a terminal" in line and "sessions-tui list" in line


# -- getting a quarantined session back ------------------------------------------------------

AIDER = """
# aider chat started at 2025-01-02 10:00:00

#### make the retry loop back off exponentially¶

Done: the loop now doubles its delay.
""".replace("¶", "  ")  # aider ends its own lines with two spaces


def test_verify_repair_says_how_to_get_the_session_back(tmp_path: Path) -> None:
    store = tmp_path / "store"
    history = tmp_path / "proj" / ".aider.chat.history.md"
    history.parent.mkdir()
    history.write_text(AIDER)
    assert run(store, "import", str(history)).exit_code == 0
    [row] = json.loads(run(store, "list", "--json").stdout)
    victim = SessionStore(store).path_of(row["id"])
    damaged = bytearray(victim.read_bytes())
    damaged[-10] ^= 0xFF
    victim.write_bytes(bytes(damaged))

    bad = run(store, "verify")
    assert bad.exit_code == 1 and "sessions-tui verify --repair" in bad.stdout
    repaired = run(store, "verify", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert f"{row['id']} was imported from {history}" in repaired.stdout
    [command] = [
        line.split("get it back with: ", 1)[1]
        for line in repaired.stdout.splitlines()
        if "get it back with: " in line
    ]
    assert command == shlex.join(
        ["sessions-tui", "--store", str(store), "import", "--from", "aider", str(history)]
    )
    data = json.loads(run(store, "verify", "--json").stdout)
    assert data["problems"] == []

    # The printed command (unchanged source, no --force, no --restore-deleted) brings it back.
    again = CliRunner().invoke(main, shlex.split(command)[1:])
    assert again.exit_code == 0, again.output
    assert "1 new" in again.stdout and "kept deleted" not in again.stdout
    assert "you deleted" not in again.stdout
    assert run(store, "show", row["id"]).exit_code == 0


def test_a_quarantined_session_is_not_called_deleted_by_you(tmp_path: Path) -> None:
    store = tmp_path / "store"
    history = tmp_path / "proj" / ".aider.chat.history.md"
    history.parent.mkdir()
    history.write_text(AIDER)
    run(store, "import", str(history))
    [row] = json.loads(run(store, "list", "--json").stdout)
    victim = SessionStore(store).path_of(row["id"])
    victim.write_bytes(victim.read_bytes()[:-20])
    run(store, "verify", "--repair")
    forced = run(store, "import", "--force", str(history), "--json")
    data = json.loads(forced.stdout)
    assert data["sessions"]["new"] == 1 and data["sessions"]["kept_deleted"] == 0
    # A session the user deleted still stays deleted.
    run(store, "delete", row["id"])
    kept = json.loads(run(store, "import", "--force", str(history), "--json").stdout)
    assert kept["sessions"]["kept_deleted"] == 1 and kept["sessions"]["new"] == 0
    assert os.path.exists(store / "quarantine")
