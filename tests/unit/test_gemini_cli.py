"""The Gemini CLI importer, on the real files in ../shared/realdata/gemini-cli and on small chat
files written here for what the real set lacks (resumed sessions, JSONL chats, subagents,
project lookup, summaries, errors, saved chats).

Expected figures were worked out with jq, independently of the importer (F = the session file):
  sessions:    1 chat file + 1 session of logs.json with no chat file:
               jq '[.[].sessionId]|unique' logs.json -> 5b959dae (no session-*-5b959dae.json)
  prompts:     jq '[.messages[]|select(.type=="user")]|length' F -> 5; logs.json: 3 entries
  tool calls:  jq '[.messages[].toolCalls[]?]|length' F -> 14 (none with status != success)
  assistant:   jq '[.messages[]|select(.type=="gemini")]|length' F -> 9
  tokens:      jq '[.messages[].tokens.total // 0]|add' F -> 91773
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sessions_tui.cli import main
from sessions_tui.importers.base import ImporterError, ParseStats
from sessions_tui.importers.gemini_cli import GeminiCliImporter
from sessions_tui.models import Session, ThinkingBlock, ToolCallBlock, ToolResultBlock
from sessions_tui.store.store import SessionStore

from ._importer_fuzz import (
    FUZZ,
    JSON_VALUES,
    NASTY_FRAGMENTS,
    check_parse,
    fuzz_store_fixture,
    mutate_bytes,
    mutate_json_tree,
)

FIXTURES = (fuzz_store_fixture,)  # used by the fuzz tests, by name
IMPORTER = GeminiCliImporter()
REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
CHAT = "session-2026-01-16T11-01-file-ops-37b7abef.json"
CHAT_ID = "gemini-cli-37b7abef-713d-4522-85f0-8ff15a4e6d17"
LOGS_ID = "gemini-cli-5b959dae-8655-4cd1-b10f-720b8c336ea2"


@pytest.fixture
def gemini_dir(realdata: Path) -> Path:
    return realdata / "gemini-cli" / "codemie-ai-codemie-code"


def parse(path: Path, importer: GeminiCliImporter = IMPORTER) -> tuple[list[Session], ParseStats]:
    stats = ParseStats()
    return list(importer.parse(path, stats)), stats


def prompts(session: Session) -> list[str]:
    return [m.text for m in session.messages if m.role == "user" and m.kind == "message"]


def show(store: Path, session_id: str) -> str:
    result = CliRunner().invoke(main, ["--store", str(store), "show", session_id])
    assert result.exit_code == 0, result.output
    return result.output


def user(mid: str, text: str, ts: str = "2026-03-29T01:21:00.000Z") -> dict[str, Any]:
    return {"id": mid, "timestamp": ts, "type": "user", "content": [{"text": text}]}


def gemini(mid: str, text: str, ts: str = "2026-03-29T01:21:05.000Z", **more: Any) -> dict:
    return {
        "id": mid,
        "timestamp": ts,
        "type": "gemini",
        "content": text,
        "model": "gemini-2.5-pro",
        **more,
    }


def chat(session_id: str, messages: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return {
        "sessionId": session_id,
        "projectHash": "ab" * 32,
        "startTime": "2026-03-29T01:21:00.000Z",
        "lastUpdated": "2026-03-29T01:30:00.000Z",
        "messages": messages,
        **more,
    }


def write(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Real files


def test_discover_real_folder(gemini_dir: Path) -> None:
    # logs.json is listed because one of its sessions has no chat file any more
    assert [p.name for p in IMPORTER.discover(gemini_dir)] == ["logs.json", CHAT]


def test_real_chat(gemini_dir: Path) -> None:
    path = gemini_dir / CHAT
    assert IMPORTER.sniff(path, path.read_bytes()[:4096])
    (s,), stats = parse(path)
    assert stats.bad_entries == [] and not stats.unknown_types
    assert s.id == CHAT_ID
    assert s.source == "gemini-cli"
    assert s.title == "show tools"
    assert s.models == ["gemini-3-pro"]
    assert prompts(s) == [
        "show tools",
        "expore repository and figure out issues. focus on adaptability and security",
        "create hello.md file",
        "add 5 lines of random text",
        "remove 2 and 3 line",
    ]
    assert s.tool_call_count == 14
    results = [b for m in s.messages for b in m.content if isinstance(b, ToolResultBlock)]
    calls = {b.id: b.name for m in s.messages for b in m.content if isinstance(b, ToolCallBlock)}
    assert len(results) == 14 and all(calls[r.call_id] == r.name for r in results)
    assert not any(r.is_error for r in results)
    assert "Subagent 'codebase_investigator' finished." in next(
        r.output for r in results if r.name == "delegate_to_agent"
    )
    assert sum(1 for m in s.messages if m.role == "assistant") == 9
    assert s.usage is not None and s.usage.total == 91773
    assert s.usage.cache_read_tokens == 62117
    assert s.created.isoformat() == "2026-01-16T11:01:22.281000+00:00"
    assert s.updated.isoformat() == "2026-01-16T12:34:29.824000+00:00"


def test_real_logs_recover_a_session_without_chat_file(gemini_dir: Path) -> None:
    assert IMPORTER.sniff(gemini_dir / "logs.json", (gemini_dir / "logs.json").read_bytes())
    (s,), _ = parse(gemini_dir / "logs.json")
    assert s.id == LOGS_ID
    assert s.title == "hi"
    assert len(prompts(s)) == 3
    assert s.extra["recovered_from"].startswith("logs.json")


def test_show_and_reparse(gemini_dir: Path, tmp_path: Path) -> None:
    sessions = [*parse(gemini_dir / CHAT)[0], *parse(gemini_dir / "logs.json")[0]]
    with SessionStore(tmp_path / "store") as store:
        store.save_many(sessions)
    out = show(tmp_path / "store", CHAT_ID)
    assert "I have removed the 2nd and 3rd lines from `hello.md`." in out  # the last message
    assert "Termination Reason: GOAL" in out  # deep inside a tool result
    assert "optimize this instructions to be shorter" in show(tmp_path / "store", LOGS_ID)
    assert parse(gemini_dir / CHAT)[0][0].model_dump() == sessions[0].model_dump()


def test_import_through_the_runner_is_idempotent(gemini_dir: Path, tmp_path: Path) -> None:
    runner = pytest.importorskip("sessions_tui.importers.runner")
    with SessionStore(tmp_path / "store") as store:
        first = runner.import_paths(store, [gemini_dir], source="gemini-cli")
        assert first.failed == 0
        assert sorted(s.id for s in store.list()) == sorted([CHAT_ID, LOGS_ID])
        assert not runner.import_paths(store, [gemini_dir], source="gemini-cli").changed


def test_truncated_chat_keeps_messages_before_the_cut(gemini_dir: Path, tmp_path: Path) -> None:
    data = (gemini_dir / CHAT).read_bytes()
    cut = data.index(b"I have added 5 lines of random text")  # inside message 11 of 14
    path = tmp_path / CHAT
    path.write_bytes(data[:cut])
    (s,), stats = parse(path)
    assert len(stats.bad_entries) == 1
    assert "10 messages before the damage recovered" in stats.bad_entries[0][1]
    assert prompts(s)[-1] == "add 5 lines of random text"
    garbage = tmp_path / "session-2026-01-01T00-00-garbage1.json"
    garbage.write_bytes(b"\x00garbage")
    with pytest.raises(ImporterError, match="not valid JSON"):
        parse(garbage)


# ---------------------------------------------------------------------------------------------
# Layouts and versions not in the real set


def test_resumed_session_merges_files_by_message_id(tmp_path: Path) -> None:
    sid = "5b6234f8-1111-4222-8333-444455556666"
    chats = tmp_path / "tmp" / "proj" / "chats"
    first = write(
        chats / "session-2026-03-29T01-21-5b6234f8.json",
        chat(sid, [user("u1", "start the refactor"), gemini("g1", "Started.")]),
    )
    second = write(
        chats / "session-2026-03-29T01-22-5b6234f8.json",
        chat(
            sid,
            [
                gemini("g1", "Started (edited)."),
                user("u2", "now the tests", "2026-03-29T01:22:00.000Z"),
                gemini("g2", "Tests pass.", "2026-03-29T01:22:30.000Z"),
            ],
            startTime="2026-03-29T01:22:00.000Z",
            lastUpdated="2026-03-29T01:23:00.000Z",
        ),
    )
    write(
        chats / "session-2026-03-29T02-00-99999999.json", chat("99999999-other", [user("x", "y")])
    )
    (a,), _ = parse(first)
    (b,), _ = parse(second, GeminiCliImporter())
    assert a.model_dump() == b.model_dump()  # whichever file is imported, the same session
    assert a.id == f"gemini-cli-{sid}"
    assert [m.text for m in a.messages] == [
        "start the refactor",
        "Started (edited).",
        "now the tests",
        "Tests pass.",
    ]
    assert a.created.isoformat().startswith("2026-03-29T01:21:00")
    assert a.updated.isoformat().startswith("2026-03-29T01:30:00")
    assert a.extra["files"] == [str(first), str(second)]


def test_jsonl_chat_with_repeated_header_and_a2a_id(tmp_path: Path) -> None:
    header = {
        "sessionId": "a2a-server",
        "projectHash": "cd" * 32,
        "startTime": "2026-08-01T10:00:00.000Z",
        "lastUpdated": "2026-08-01T10:00:00.000Z",
        "kind": "main",
    }
    step1 = [
        user("u1", "<session_context>\nhuge dump\n</session_context>"),
        user("u2", "deploy the app"),
    ]
    step2 = [
        *step1,
        gemini(
            "g1",
            "Deploying.",
            thoughts=[
                {
                    "subject": "Planning",
                    "description": "Check the config first.",
                    "timestamp": "2026-08-01T10:00:01.000Z",
                }
            ],
        ),
    ]
    lines = [
        header,
        {"$set": {"messages": step1, "lastUpdated": "2026-08-01T10:00:01.000Z"}},
        header,
        {"$set": {"messages": step2, "lastUpdated": "2026-08-01T10:00:02.000Z"}},
    ]
    chats = tmp_path / "tmp" / "cloudshell" / "chats"
    chats.mkdir(parents=True)
    path = chats / "session-2026-08-01T10-00-abcdef12.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n" + '{"$set": {"mess', "utf-8")
    assert IMPORTER.sniff(path, path.read_bytes()[:4096])
    (s,), stats = parse(path)
    assert stats.bad_entries == [(f"{path}:5", "truncated last line")]
    assert s.id == "gemini-cli-a2a-server-cloudshell-session-2026-08-01T10-00-abcdef12"
    assert [m.kind for m in s.messages if m.role == "user"] == ["context", "message"]
    assert s.title == "deploy the app"
    thinking = [b.text for m in s.messages for b in m.content if isinstance(b, ThinkingBlock)]
    assert thinking == ["Planning\nCheck the config first."]
    assert s.updated.isoformat().startswith("2026-08-01T10:00:02")
    # a second a2a-server file in another project is a different session
    other = tmp_path / "tmp" / "other" / "chats" / path.name
    other.parent.mkdir(parents=True)
    other.write_bytes(path.read_bytes())
    assert parse(other)[0][0].id != s.id


def test_subagent_chat_links_parent_and_takes_directories(tmp_path: Path) -> None:
    parent = "7f3e0000-aaaa-4bbb-8ccc-ddddeeeeffff"
    sub = write(
        tmp_path / "tmp" / "proj" / "chats" / parent / "x9k2lm.json",
        chat(
            "x9k2lm",
            [user("u1", "Investigate the auth module"), gemini("g1", "Found it.")],
            kind="subagent",
            directories=["/home/dev/proj"],
        ),
    )
    assert [p.name for p in IMPORTER.discover(tmp_path)] == ["x9k2lm.json"]
    (s,), _ = parse(sub)
    assert s.parent_session_id == f"gemini-cli-{parent}"
    assert s.id.startswith(f"gemini-cli-{parent}_x9k2lm")
    assert s.project == "/home/dev/proj"
    assert s.extra["kind"] == "subagent"


def test_project_from_project_root_and_projects_json(tmp_path: Path) -> None:
    gemini_home = tmp_path / ".gemini"
    with_root = write(
        gemini_home / "tmp" / "myslug" / "chats" / "session-a-11111111.json",
        chat("11111111-x", [user("u", "hi")]),
    )
    (gemini_home / "tmp" / "myslug" / ".project_root").write_text("/home/dev/Project One\n")
    assert parse(with_root)[0][0].project == "/home/dev/Project One"
    project = "C:\\Users\\dev\\Docs"
    hashed = hashlib.sha256(project.encode()).hexdigest()
    by_hash = write(
        gemini_home / "tmp" / hashed / "chats" / "session-b-22222222.json",
        chat("22222222-x", [user("u", "hi")], projectHash=hashed),
    )
    write(
        gemini_home / "projects.json",
        {"projects": {"/home/dev/other": "otherslug", project: "docs"}},
    )
    assert parse(by_hash)[0][0].project == project
    by_slug = write(
        gemini_home / "tmp" / "otherslug" / "chats" / "session-c-33333333.json",
        chat("33333333-x", [user("u", "hi")]),
    )
    assert parse(by_slug)[0][0].project == "/home/dev/other"


def test_summary_errors_info_and_unknown_messages(tmp_path: Path) -> None:
    call_ok = {
        "id": "read-1",
        "name": "read_file",
        "args": {"path": "a.py"},
        "status": "success",
        "result": [
            {
                "functionResponse": {
                    "id": "read-1",
                    "name": "read_file",
                    "response": {"output": "print(1)"},
                }
            }
        ],
    }
    call_err = {
        "id": "run-1",
        "name": "run_shell_command",
        "args": {"command": "make"},
        "status": "error",
        "result": [
            {
                "functionResponse": {
                    "id": "run-1",
                    "name": "run_shell_command",
                    "response": {"error": "make: not found"},
                }
            }
        ],
    }
    call_cancel = {"id": "w-1", "name": "write_file", "args": {}, "status": "cancelled"}
    messages = [
        user("u1", "build it"),
        gemini(
            "g1",
            "",
            toolCalls=[call_ok, call_err, call_cancel],
            tokens={
                "input": 100,
                "output": 10,
                "cached": 40,
                "thoughts": 5,
                "tool": 0,
                "total": 115,
            },
        ),
        {
            "id": "i1",
            "timestamp": "2026-03-29T01:21:06.000Z",
            "type": "info",
            "content": "Request cancelled.",
        },
        {
            "id": "e1",
            "timestamp": "2026-03-29T01:21:07.000Z",
            "type": "error",
            "content": "API Error: 429",
        },
        {
            "id": "h1",
            "timestamp": "2026-03-29T01:21:08.000Z",
            "type": "hologram",
            "content": "new kind of entry",
        },
        user("u2", "/model set gemini-2.5-flash"),
    ]
    path = write(
        tmp_path / "session-x-44444444.json",
        chat("44444444-y", messages, summary="Build the project with make"),
    )
    (s,), stats = parse(path)
    assert s.title == "Build the project with make"
    results = {b.name: b for m in s.messages for b in m.content if isinstance(b, ToolResultBlock)}
    assert results["read_file"].output == "print(1)" and not results["read_file"].is_error
    assert results["run_shell_command"].is_error
    assert results["run_shell_command"].output == "make: not found"
    assert results["write_file"].output == "(cancelled)"
    assert [(m.kind, m.text) for m in s.messages if m.role == "system"] == [
        ("event", "Request cancelled."),
        ("error", "API Error: 429"),
        ("event", "new kind of entry"),
    ]
    assert stats.unknown_types == {"message:hologram": 1}
    assert s.messages[-1].kind == "command"
    assert s.usage is not None and s.usage.total == 115 and s.usage.input_tokens == 60
    assert s.has_error


def test_discover_skips_logs_checkpoints_and_settings(tmp_path: Path) -> None:
    proj = tmp_path / "tmp" / "proj"
    sid = "abcdef12-0000-4000-8000-000000000000"
    write(proj / "chats" / "session-2026-01-01T00-00-abcdef12.json", chat(sid, [user("u", "x")]))
    write(
        proj / "logs.json",
        [
            {
                "sessionId": sid,
                "messageId": 0,
                "type": "user",
                "message": "x",
                "timestamp": "2026-01-01T00:00:00Z",
            }
        ],
    )
    write(proj / "checkpoints" / "2026-01-01-a.py-write_file.json", {"clientHistory": []})
    write(tmp_path / "projects.json", {"projects": {}})
    write(tmp_path / "settings.json", {})
    (proj / "chats" / "session-link-abcdef12.json").symlink_to(tmp_path / "settings.json")
    found = [p.relative_to(tmp_path).as_posix() for p in IMPORTER.discover(tmp_path)]
    assert found == ["tmp/proj/chats/session-2026-01-01T00-00-abcdef12.json"]


def test_saved_chat_checkpoint(tmp_path: Path) -> None:
    history = [
        {
            "role": "user",
            "parts": [
                {"text": "This is the Gemini CLI. We are setting up the context for our chat."}
            ],
        },
        {"role": "model", "parts": [{"text": "Got it."}]},
        {"role": "user", "parts": [{"text": "rename the module"}]},
        {
            "role": "model",
            "parts": [
                {"text": "thinking...", "thought": True},
                {"functionCall": {"id": "c1", "name": "replace", "args": {"old": "a"}}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"id": "c1", "name": "replace", "response": {"output": "ok"}}}
            ],
        },
    ]
    path = write(tmp_path / "tmp" / "abc123" / "checkpoint-refactor.json", history)
    assert IMPORTER.sniff(path, path.read_bytes())
    assert [p.name for p in IMPORTER.discover(tmp_path)] == ["checkpoint-refactor.json"]
    (s,), _ = parse(path)
    assert s.id == "gemini-cli-checkpoint-abc123-refactor"
    assert s.title == "rename the module"
    assert s.tool_call_count == 1
    assert [m.role for m in s.messages] == ["user", "assistant", "user", "assistant", "tool"]
    assert s.messages[0].kind == "context"


def test_not_gemini_files(tmp_path: Path) -> None:
    other = write(tmp_path / "other.json", {"hello": "world"})
    with pytest.raises(ImporterError, match="not a Gemini CLI chat"):
        parse(other)
    assert not IMPORTER.sniff(other, other.read_bytes())
    listing = write(tmp_path / "list.json", [1, 2])
    with pytest.raises(ImporterError, match="saved chat"):
        parse(listing)
    bad_messages = write(tmp_path / "session-z-55555555.json", {"sessionId": "s", "messages": 3})
    with pytest.raises(ImporterError, match="not a list"):
        parse(bad_messages)


# ---------------------------------------------------------------------------------------------
# Fuzzing


@functools.cache
def _seed_text() -> str | None:
    path = REALDATA / "gemini-cli" / "codemie-ai-codemie-code" / CHAT
    return path.read_text("utf-8") if path.is_file() else None


@pytest.fixture
def seed_document() -> Any:
    """A fresh copy of the real chat (not a hypothesis argument: its repr would be huge)."""
    text = _seed_text()
    if text is None:
        pytest.skip("real session files not found")
    return lambda: json.loads(text)


@FUZZ
@given(data=st.binary(max_size=3000), jsonl=st.booleans())
def test_fuzz_random_bytes(
    tmp_path: Path, fuzz_store: SessionStore, data: bytes, jsonl: bool
) -> None:
    path = tmp_path / "chats" / f"session-fuzz-00000000.{'jsonl' if jsonl else 'json'}"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    check_parse(IMPORTER, path, fuzz_store)


@FUZZ
@given(
    seed=st.integers(0, 2**32),
    steps=st.integers(1, 4),
    fragment=st.sampled_from(NASTY_FRAGMENTS),
    replacement=JSON_VALUES,
    as_jsonl=st.booleans(),
)
def test_fuzz_mutated_real_chat(
    tmp_path: Path,
    fuzz_store: SessionStore,
    seed_document: Any,
    seed: int,
    steps: int,
    fragment: bytes,
    replacement: Any,
    as_jsonl: bool,
) -> None:
    rng = random.Random(seed)
    document = seed_document()
    for _ in range(steps):
        document = mutate_json_tree(document, rng, replacement)
    if as_jsonl and isinstance(document, dict):
        header = {k: v for k, v in document.items() if k != "messages"}
        lines = [header, {"$set": {"messages": document.get("messages")}}]
        data = b"\n".join(json.dumps(x).encode() for x in lines)
        suffix = "jsonl"
    else:
        data = json.dumps(document, indent=1).encode()
        suffix = "json"
    if rng.random() < 0.5:
        data = mutate_bytes(data, rng, fragment)
    path = tmp_path / "chats" / f"session-fuzz-37b7abef.{suffix}"
    path.parent.mkdir(exist_ok=True)
    for old in path.parent.iterdir():
        old.unlink()
    path.write_bytes(data)
    check_parse(IMPORTER, path, fuzz_store)
