"""The Codex CLI importer, on the real rollouts in ../shared/realdata/codex-cli and on small
rollouts written here for the versions the real set lacks (0.34 JSON-string outputs, forks,
the mid-2025 bare format, the 2025 TypeScript single-JSON file, non-OpenAI providers).

Expected figures were worked out from the files with jq, independently of the importer
(F = the file; the real set's texts are redacted by its owner as ``[REDACTED_... sha=..]``):
  sessions:        one per rollout file (2 files, each with one first-line session_meta)
  user prompts:    jq -c 'select(.type=="event_msg" and .payload.type=="user_message")' F | wc -l
                   -> 38 and 1 (Codex sends that event for typed prompts only)
  injected context: jq -c 'select(.payload.type=="message" and .payload.role=="user")' F | wc -l
                   minus the prompts -> 46-38 = 8 and 4-1 = 3
  tool calls:      jq -c 'select(.payload.type=="function_call" or .payload.type=="custom_tool_call"
                   or .payload.type=="web_search_call")' F | wc -l -> 316+49+7 = 372 and 1
  tool results:    same with *_output -> 316+49 = 365 and 0 (the short file stops at a call)
  assistant texts: jq -c 'select(.payload.type=="message" and .payload.role=="assistant")' F
                   | wc -l -> 255 and 1 (the 255 agent_message events must not double them)
  thinking:        jq -r 'select(.payload.type=="reasoning") | .payload.summary[]?.text' F
                   | wc -l -> 199 and 1 (the 199 agent_reasoning events are their twins)
  usage:           the last token_count's info.total_token_usage
"""

from __future__ import annotations

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
from sessions_tui.importers.codex_cli import CodexCliImporter
from sessions_tui.models import Session, TextBlock, ThinkingBlock, ToolCallBlock, ToolResultBlock
from sessions_tui.store.store import SessionStore

from ._importer_fuzz import (
    FUZZ,
    JSON_VALUES,
    NASTY_FRAGMENTS,
    check_parse,
    fuzz_store_fixture,
    mutate_bytes,
    mutate_jsonl_lines,
)

FIXTURES = (fuzz_store_fixture,)  # used by the fuzz tests, by name
IMPORTER = CodexCliImporter()
REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
LONG = "rollout-2026-02-23T12-54-34-019c8a59-e9dd-71f0-9ae3-4079fe9726a9.jsonl"
SHORT = "rollout-2026-02-23T13-19-38-019c8a70-dda7-7f33-98ea-f30553347322.jsonl"

REAL: dict[str, dict[str, Any]] = {
    LONG: dict(
        id="codex-cli-019c8a59-e9dd-71f0-9ae3-4079fe9726a9",
        # the first user_message event's text (line 10), redacted by the owner
        title="[REDACTED_TEXT len=32 sha=821fd802]",
        models=["gpt-5.3-codex"],
        project="/redacted/path/59b923df4d",
        branch="main",
        prompts=38,
        context=8,
        tools=372,
        results=365,
        assistant_texts=255,
        thinking=199,
        total_tokens=33944484,
        # the last prompt of the file, line 2715 of 2780
        phrase="[REDACTED_TEXT len=98 sha=62d744dd]",
    ),
    SHORT: dict(
        id="codex-cli-019c8a70-dda7-7f33-98ea-f30553347322",
        title="[REDACTED_TEXT len=86 sha=2239bcba]",
        models=["gpt-5.3-codex"],
        project="/redacted/path/da0ba47443",
        branch="main",
        prompts=1,
        context=3,
        tools=1,
        results=0,
        assistant_texts=1,
        thinking=1,
        total_tokens=34900,
        phrase="[REDACTED_TEXT len=3490 sha=00c48df1]",
    ),
}


@pytest.fixture
def codex_dir(realdata: Path) -> Path:
    return realdata / "codex-cli" / "madshn-localpush"


def parse(path: Path) -> tuple[list[Session], ParseStats]:
    stats = ParseStats()
    return list(IMPORTER.parse(path, stats)), stats


def prompts(session: Session) -> list[str]:
    return [m.text for m in session.messages if m.role == "user" and m.kind == "message"]


def show(store: Path, session_id: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["--store", str(store), "show", session_id, *args])
    assert result.exit_code == 0, result.output
    return result.output


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def env(ts: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"timestamp": ts, "type": kind, "payload": payload}


def user_item(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def assistant_item(text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text}],
    }


# ---------------------------------------------------------------------------------------------
# Real files


def test_discover_finds_both_rollouts(codex_dir: Path) -> None:
    assert sorted(p.name for p in IMPORTER.discover(codex_dir.parent)) == sorted(REAL)


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_rollout(codex_dir: Path, name: str) -> None:
    expected = REAL[name]
    path = codex_dir / name
    assert IMPORTER.sniff(path, path.read_bytes()[:4096])
    sessions, stats = parse(path)
    assert len(sessions) == 1
    (s,) = sessions
    assert stats.bad_entries == []
    assert s.id == expected["id"]
    assert s.source == "codex-cli"
    assert s.title == expected["title"]
    assert s.models == expected["models"]
    assert s.project == expected["project"]
    assert s.git_branch == expected["branch"]
    assert len(prompts(s)) == expected["prompts"]
    assert (
        sum(1 for m in s.messages if m.role == "user" and m.kind == "context")
        == expected["context"]
    )
    assert s.tool_call_count == expected["tools"]
    results = [b for m in s.messages for b in m.content if isinstance(b, ToolResultBlock)]
    assert len(results) == expected["results"]
    texts = [
        b
        for m in s.messages
        if m.role == "assistant"
        for b in m.content
        if isinstance(b, TextBlock)
    ]
    assert len(texts) == expected["assistant_texts"]
    thinking = [b for m in s.messages for b in m.content if isinstance(b, ThinkingBlock)]
    assert len(thinking) == expected["thinking"]
    assert s.usage is not None and s.usage.total == expected["total_tokens"]
    assert s.extra["originator"] == "Codex Desktop"
    assert s.extra["cli_version"] == "0.104.0-alpha.1"
    assert all(m.model == "gpt-5.3-codex" for m in s.messages if m.role == "assistant")
    # developer items are system prompts, never user turns
    assert any(m.role == "system" for m in s.messages)


def test_tool_results_are_paired_with_their_calls(codex_dir: Path) -> None:
    (s,), _ = parse(codex_dir / LONG)
    calls = {b.id: b.name for m in s.messages for b in m.content if isinstance(b, ToolCallBlock)}
    results = [b for m in s.messages for b in m.content if isinstance(b, ToolResultBlock)]
    assert results and all(r.call_id in calls and r.name == calls[r.call_id] for r in results)
    names = {b.name for m in s.messages for b in m.content if isinstance(b, ToolCallBlock)}
    assert {"exec_command", "apply_patch", "web_search"} <= names


def test_compaction_does_not_repeat_history(codex_dir: Path) -> None:
    # The compacted line's replacement_history repeats 18 earlier messages: none are re-added.
    (s,), stats = parse(codex_dir / LONG)
    assert stats.skipped_types["compacted"] == 1
    first_prompt = "[REDACTED_TEXT len=32 sha=821fd802]"
    assert sum(1 for m in s.messages if m.text == first_prompt) == 1


def test_show_reads_deep_phrase_and_reparse_is_identical(codex_dir: Path, tmp_path: Path) -> None:
    store_path = tmp_path / "store"
    parsed = {name: parse(codex_dir / name)[0][0] for name in REAL}
    with SessionStore(store_path) as store:
        store.save_many(parsed.values())
    for name, expected in REAL.items():
        out = show(store_path, expected["id"])
        assert expected["phrase"] in out
        assert expected["title"] in out
        again = parse(codex_dir / name)[0][0]
        assert again.model_dump() == parsed[name].model_dump()


def test_import_through_the_runner_is_idempotent(codex_dir: Path, tmp_path: Path) -> None:
    runner = pytest.importorskip("sessions_tui.importers.runner")
    with SessionStore(tmp_path / "store") as store:
        first = runner.import_paths(store, [codex_dir], source="codex-cli")
        assert first.failed == 0
        assert sorted(store.get(e["id"]).id for e in REAL.values()) == sorted(
            e["id"] for e in REAL.values()
        )
        second = runner.import_paths(store, [codex_dir], source="codex-cli")
        assert not second.changed
        assert len(store.list()) == 2


def test_watching_a_folder_reads_rollouts_as_codex(codex_dir: Path, tmp_path: Path) -> None:
    """`sessions-tui watch DIR` on a folder of rollouts: the Claude Code importer also lists
    every *.jsonl, and without a check by content it claimed the rollouts and found nothing
    in them, silently."""
    from sessions_tui.importers.watch import Watcher

    folder = tmp_path / "sessions"
    folder.mkdir()
    for name in REAL:
        (folder / name).write_bytes((codex_dir / name).read_bytes())
    with SessionStore(tmp_path / "store") as store:
        watcher = Watcher(store, [folder])
        try:
            summary = watcher.tick()
        finally:
            watcher.close()
        assert summary.by_source == {"codex-cli": 2} and summary.new == 2
        assert sorted(s.id for s in store.list()) == sorted(e["id"] for e in REAL.values())


def test_truncated_last_line_and_garbage_line_are_reported(codex_dir: Path, tmp_path: Path) -> None:
    lines = (codex_dir / LONG).read_bytes().split(b"\n")
    assert lines[-1] == b""
    damaged = [*lines[:100], b"{this is not json", *lines[100:-2], lines[-2][:57]]
    path = tmp_path / LONG
    path.write_bytes(b"\n".join(damaged))
    sessions, stats = parse(path)
    reasons = [reason for _where, reason in stats.bad_entries]
    assert len(reasons) == 2
    assert reasons[0].startswith("bad JSON")
    assert reasons[1] == "truncated last line"
    assert stats.bad_entries[0][0] == f"{path}:101"
    (s,) = sessions
    assert len(prompts(s)) == 38  # the last line was a token_count: no prompt lost
    assert s.tool_call_count == 372


# ---------------------------------------------------------------------------------------------
# Versions and cases not in the real set


def test_v034_json_string_outputs_exit_codes_and_injected_context(tmp_path: Path) -> None:
    sid = "97b66f6c-1111-4222-8333-444455556666"
    records = [
        env(
            "2025-09-10T10:00:00.000Z",
            "session_meta",
            {
                "id": sid,
                "timestamp": "2025-09-10T10:00:00.000Z",
                "cwd": "/home/u/proj",
                "originator": "codex_cli_rs",
                "cli_version": "0.34.0",
                "instructions": "be nice",
                "git": {"branch": "feature/x", "commit_hash": "abc"},
            },
        ),
        env(
            "2025-09-10T10:00:01.000Z",
            "response_item",
            user_item("<user_instructions>\nUse tabs\n</user_instructions>"),
        ),
        env(
            "2025-09-10T10:00:01.000Z",
            "response_item",
            user_item("<environment_context>\n  <cwd>/home/u/proj</cwd>\n</environment_context>"),
        ),
        env("2025-09-10T10:00:02.000Z", "response_item", user_item("list the files please")),
        env(
            "2025-09-10T10:00:02.000Z",
            "event_msg",
            {"type": "user_message", "message": "list the files please", "kind": "plain"},
        ),
        env(
            "2025-09-10T10:00:03.000Z",
            "response_item",
            {
                "type": "function_call",
                "name": "shell",
                "call_id": "call_1",
                "arguments": json.dumps({"command": ["bash", "-lc", "ls -la"]}),
            },
        ),
        env(
            "2025-09-10T10:00:04.000Z",
            "response_item",
            {
                "type": "function_call_output",
                "call_id": "call_1",
                "output": json.dumps(
                    {
                        "output": "total 0\nREADME.md\n",
                        "metadata": {"exit_code": 0, "duration_seconds": 0.1},
                    }
                ),
            },
        ),
        env(
            "2025-09-10T10:00:05.000Z",
            "response_item",
            {
                "type": "function_call",
                "name": "shell",
                "call_id": "call_2",
                "arguments": "{not json",
            },
        ),
        env(
            "2025-09-10T10:00:06.000Z",
            "response_item",
            {
                "type": "function_call_output",
                "call_id": "call_2",
                "output": json.dumps(
                    {
                        "output": "ls: cannot access 'x'",
                        "metadata": {"exit_code": 2, "duration_seconds": 0.1},
                    }
                ),
            },
        ),
        env("2025-09-10T10:00:07.000Z", "response_item", assistant_item("There is a README.")),
        env(
            "2025-09-10T10:00:07.000Z",
            "event_msg",
            {"type": "agent_message", "message": "There is a README."},
        ),
    ]
    path = write_jsonl(tmp_path / f"rollout-2025-09-10T12-00-00-{sid}.jsonl", records)
    (s,), stats = parse(path)
    assert s.id == f"codex-cli-{sid}"
    assert s.models == []  # 0.34 has no turn_context, so no model
    assert s.git_branch == "feature/x"
    assert s.project == "/home/u/proj"
    assert s.title == "list the files please"
    assert [m.kind for m in s.messages if m.role == "user"] == ["context", "context", "message"]
    calls = [b for m in s.messages for b in m.content if isinstance(b, ToolCallBlock)]
    assert calls[0].input == {"command": ["bash", "-lc", "ls -la"]}
    assert calls[1].input == "{not json"  # raw text kept
    results = [b for m in s.messages for b in m.content if isinstance(b, ToolResultBlock)]
    assert [r.output for r in results] == ["total 0\nREADME.md\n", "ls: cannot access 'x'"]
    assert [r.is_error for r in results] == [False, True]
    assert [r.name for r in results] == ["shell", "shell"]
    assert s.has_error
    assert sum(1 for m in s.messages if m.text == "There is a README.") == 1
    assert stats.bad_entries == []


def test_modern_turns_models_errors_usage_and_ide_context(tmp_path: Path) -> None:
    sid = "019d0000-0000-7000-8000-000000000001"
    usage1 = {
        "input_tokens": 1000,
        "cached_input_tokens": 400,
        "output_tokens": 50,
        "reasoning_output_tokens": 20,
        "total_tokens": 1050,
    }
    usage2 = {
        "input_tokens": 3000,
        "cached_input_tokens": 900,
        "output_tokens": 150,
        "reasoning_output_tokens": 20,
        "total_tokens": 3150,
    }
    last2 = {
        "input_tokens": 2000,
        "cached_input_tokens": 500,
        "output_tokens": 100,
        "reasoning_output_tokens": 0,
        "total_tokens": 2100,
    }
    t = "2026-04-01T08:00:0{}.000Z"
    records = [
        env(
            t.format(0),
            "session_meta",
            {
                "id": sid,
                "timestamp": t.format(0),
                "cwd": "/w",
                "source": "vscode",
                "model_provider": "openai",
            },
        ),
        env(t.format(0), "turn_context", {"turn_id": "t1", "cwd": "/w", "model": "gpt-5.4"}),
        env(
            t.format(0),
            "response_item",
            {
                "type": "message",
                "role": "developer",
                "content": [{"type": "input_text", "text": "rules"}],
            },
        ),
        env(
            t.format(1),
            "response_item",
            user_item(
                "# Context from my IDE setup:\n\n## Active file: a.py\n\n"
                "## My request for Codex:\nrename foo to bar"
            ),
        ),
        env(t.format(1), "event_msg", {"type": "user_message", "message": "rename foo to bar"}),
        env(t.format(2), "event_msg", {"type": "agent_reasoning", "text": "**Renaming**"}),
        env(
            t.format(2),
            "response_item",
            {
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": "**Renaming**"}],
                "content": None,
                "encrypted_content": "gAAA",
            },
        ),
        env(
            t.format(3),
            "response_item",
            {
                "type": "custom_tool_call",
                "call_id": "c1",
                "name": "apply_patch",
                "input": "*** Begin Patch",
            },
        ),
        env(
            t.format(3),
            "event_msg",
            {
                "type": "token_count",
                "info": {"total_token_usage": usage1, "last_token_usage": usage1},
            },
        ),
        env(
            t.format(3),
            "event_msg",
            {
                "type": "token_count",
                "info": {"total_token_usage": usage1, "last_token_usage": usage1},
            },
        ),  # repeated: once
        env(
            t.format(4),
            "response_item",
            {
                "type": "custom_tool_call_output",
                "call_id": "c1",
                "output": "Exit code: 1\nWall time: 0.1 seconds\nOutput:\npatch failed",
            },
        ),
        env(t.format(4), "event_msg", {"type": "error", "message": "429 Too Many Requests"}),
        env(t.format(5), "event_msg", {"type": "turn_aborted", "reason": "interrupted"}),
        env(t.format(6), "turn_context", {"turn_id": "t2", "cwd": "/w", "model": "gpt-5.2-codex"}),
        env(t.format(6), "response_item", user_item("try again")),
        env(t.format(6), "event_msg", {"type": "user_message", "message": "try again"}),
        env(
            t.format(7),
            "response_item",
            {
                "type": "web_search_call",
                "status": "completed",
                "action": {"type": "search", "query": "bar api"},
            },
        ),
        env(t.format(8), "response_item", assistant_item("Done.")),
        env(
            t.format(8),
            "event_msg",
            {
                "type": "token_count",
                "info": {"total_token_usage": usage2, "last_token_usage": last2},
            },
        ),
        env(t.format(9), "event_msg", {"type": "task_complete", "turn_id": "t2"}),
    ]
    path = write_jsonl(tmp_path / f"rollout-2026-04-01T10-00-00-{sid}.jsonl", records)
    (s,), stats = parse(path)
    assert s.title == "rename foo to bar"
    assert prompts(s) == ["rename foo to bar", "try again"]
    context = [m for m in s.messages if m.kind == "context"]
    assert len(context) == 1 and "Active file: a.py" in context[0].text
    assert s.messages[0].role == "system" and s.messages[0].text == "rules"
    assert s.models == ["gpt-5.4", "gpt-5.2-codex"]
    thinking = [b.text for m in s.messages for b in m.content if isinstance(b, ThinkingBlock)]
    assert thinking == ["**Renaming**"]
    errors = [m.text for m in s.messages if m.kind == "error"]
    assert errors == ["429 Too Many Requests", "Turn aborted (interrupted)"]
    result = next(b for m in s.messages for b in m.content if isinstance(b, ToolResultBlock))
    assert result.is_error and result.name == "apply_patch"
    search = next(
        b
        for m in s.messages
        for b in m.content
        if isinstance(b, ToolCallBlock) and b.name == "web_search"
    )
    assert search.input == {"query": "bar api"}
    assert s.usage is not None and s.usage.total == 3150
    assert (s.usage.input_tokens, s.usage.cache_read_tokens) == (2100, 900)
    per_message = [m.usage.total for m in s.messages if m.usage is not None]
    assert per_message == [1050, 2100]  # the repeated count was not added twice
    assert stats.skipped_types["event_msg:task_complete"] == 1


def test_forked_subagent_links_parent_and_hides_inherited_history(tmp_path: Path) -> None:
    child, parent = "019d924b-0000-7000-8000-00000000000c", "019d9000-0000-7000-8000-00000000000p"
    records = [
        env(
            "2026-04-15T09:58:23.000Z",
            "session_meta",
            {
                "id": child,
                "timestamp": "2026-04-15T09:58:23.000Z",
                "cwd": "/w",
                "forked_from_id": parent,
                "source": {"subagent": {"thread_spawn": {"parent_thread_id": parent, "depth": 1}}},
                "agent_nickname": "scout",
                "agent_role": "explorer",
            },
        ),
        env(
            "2026-04-15T09:58:23.000Z",
            "session_meta",
            {"id": parent, "timestamp": "2026-04-15T09:00:00.000Z", "cwd": "/w"},
        ),
        env("2026-04-15T09:00:01.000Z", "response_item", user_item("parent prompt")),
        env(
            "2026-04-15T09:00:01.000Z",
            "event_msg",
            {"type": "user_message", "message": "parent prompt"},
        ),
        env("2026-04-15T09:00:02.000Z", "response_item", assistant_item("parent answer")),
        env("2026-04-15T09:58:24.000Z", "response_item", user_item("child task")),
        env(
            "2026-04-15T09:58:24.000Z",
            "event_msg",
            {"type": "user_message", "message": "child task"},
        ),
        env("2026-04-15T09:58:25.000Z", "response_item", assistant_item("child answer")),
    ]
    path = write_jsonl(tmp_path / f"rollout-2026-04-15T11-58-23-{child}.jsonl", records)
    (s,), _ = parse(path)
    assert s.id == f"codex-cli-{child}"  # the first line is the identity
    assert s.parent_session_id == f"codex-cli-{parent}"
    assert s.title == "child task"
    assert [m.text for m in s.transcript] == ["child task", "child answer"]
    assert [m.text for m in s.messages if m.alternate] == ["parent prompt", "parent answer"]
    assert s.extra["agent_nickname"] == "scout"


def test_bare_mid_2025_format(tmp_path: Path) -> None:
    sid = "5973b6c0-94b8-487b-a530-2aeb6098ae0e"
    records = [
        {
            "id": sid,
            "timestamp": "2025-06-01T10:00:00.000Z",
            "instructions": "",
            "git": {"branch": "main"},
        },
        {"record_type": "state"},
        user_item("<environment_context>cwd</environment_context>"),
        user_item("fix the flaky test"),
        {
            "type": "reasoning",
            "id": "rs_1",
            "summary": [{"type": "summary_text", "text": "Looking at the test"}],
        },
        {
            "type": "function_call",
            "id": "fc_1",
            "name": "shell",
            "call_id": "call_a",
            "arguments": '{"command":["pytest","-x"]}',
        },
        {"record_type": "state"},
        {
            "type": "function_call_output",
            "call_id": "call_a",
            "output": '{"output":"1 failed","metadata":{"exit_code":1}}',
        },
        assistant_item("The test depends on wall-clock time."),
    ]
    path = write_jsonl(tmp_path / f"rollout-2025-06-01T12-00-00-{sid}.jsonl", records)
    assert IMPORTER.sniff(path, path.read_bytes()[:4096])
    (s,), stats = parse(path)
    assert s.id == f"codex-cli-{sid}"
    assert s.git_branch == "main"
    assert prompts(s) == ["fix the flaky test"]  # no events: markers decide
    assert s.tool_call_count == 1
    result = next(b for m in s.messages for b in m.content if isinstance(b, ToolResultBlock))
    assert result.output == "1 failed" and result.is_error
    assert stats.skipped_types["record_type:state"] == 2
    assert s.created.isoformat().startswith("2025-06-01T10:00:00")


def test_typescript_single_json_document(tmp_path: Path) -> None:
    sid = "0f9c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
    document = {
        "session": {"timestamp": "2025-04-20T15:00:00.000Z", "id": sid, "instructions": ""},
        "items": [
            user_item("what does main.py do?"),
            {
                "type": "function_call",
                "name": "shell",
                "call_id": "c1",
                "arguments": '{"command":["cat","main.py"]}',
            },
            {
                "type": "function_call_output",
                "call_id": "c1",
                "output": '{"output":"print(\'hi\')","metadata":{"exit_code":0}}',
            },
            assistant_item("It prints hi."),
            "not an item",
        ],
    }
    path = tmp_path / f"rollout-2025-04-20-{sid}.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    assert IMPORTER.sniff(path, path.read_bytes()[:4096])
    assert list(IMPORTER.discover(tmp_path)) == [path]
    (s,), stats = parse(path)
    assert s.id == f"codex-cli-{sid}"
    assert s.title == "what does main.py do?"
    assert [m.role for m in s.messages] == ["user", "assistant", "tool", "assistant"]
    assert s.messages[2].content[0].output == "print('hi')"
    assert len(stats.bad_entries) == 1 and "items[4]" in stats.bad_entries[0][0]


def test_ollama_reasoning_only_in_events_is_kept_once(tmp_path: Path) -> None:
    sid = "019d1111-0000-7000-8000-000000000002"
    records = [
        env(
            "2026-03-01T00:00:00Z",
            "session_meta",
            {"id": sid, "timestamp": "2026-03-01T00:00:00Z", "model_provider": "ollama-launch"},
        ),
        env("2026-03-01T00:00:00Z", "turn_context", {"model": "kimi-k2.5:cloud"}),
        env("2026-03-01T00:00:01Z", "response_item", user_item("hello")),
        env("2026-03-01T00:00:01Z", "event_msg", {"type": "user_message", "message": "hello"}),
        env("2026-03-01T00:00:02Z", "event_msg", {"type": "agent_reasoning", "text": "Greeting."}),
        env(
            "2026-03-01T00:00:02Z",
            "response_item",
            {"type": "reasoning", "summary": [], "content": None},
        ),
        env("2026-03-01T00:00:03Z", "response_item", assistant_item("Hi!")),
        # a later turn where the model thinks the same words again: kept
        env("2026-03-01T00:00:04Z", "response_item", user_item("hello again")),
        env(
            "2026-03-01T00:00:04Z", "event_msg", {"type": "user_message", "message": "hello again"}
        ),
        env("2026-03-01T00:00:05Z", "event_msg", {"type": "agent_reasoning", "text": "Greeting."}),
        env("2026-03-01T00:00:06Z", "response_item", assistant_item("Hi again!")),
    ]
    path = write_jsonl(tmp_path / f"rollout-x-{sid}.jsonl", records)
    (s,), _ = parse(path)
    thinking = [b.text for m in s.messages for b in m.content if isinstance(b, ThinkingBlock)]
    assert thinking == ["Greeting.", "Greeting."]
    assert s.models == ["kimi-k2.5:cloud"]


def test_unknown_types_are_counted_and_kept_readable(tmp_path: Path) -> None:
    sid = "019d2222-0000-7000-8000-000000000003"
    records = [
        env(
            "2026-05-01T00:00:00Z", "session_meta", {"id": sid, "timestamp": "2026-05-01T00:00:00Z"}
        ),
        env("2026-05-01T00:00:01Z", "response_item", user_item("go")),
        env(
            "2026-05-01T00:00:02Z",
            "response_item",
            {"type": "hologram_call", "text": "a brand new item kind"},
        ),
        env(
            "2026-05-01T00:00:03Z",
            "event_msg",
            {"type": "quantum_event", "message": "something new happened"},
        ),
        env("2026-05-01T00:00:04Z", "event_msg", {"type": "no_text_event", "value": 3}),
        env(
            "2026-05-01T00:00:05Z", "response_item", {"type": "ghost_snapshot", "ghost_commit": {}}
        ),
        env("2026-05-01T00:00:06Z", "brand_new_envelope", {"summary": "new envelope text"}),
    ]
    path = write_jsonl(tmp_path / f"rollout-y-{sid}.jsonl", records)
    (s,), stats = parse(path)
    assert stats.unknown_types == {
        "response_item:hologram_call": 1,
        "event_msg:quantum_event": 1,
        "event_msg:no_text_event": 1,
        "brand_new_envelope": 1,
    }
    assert stats.skipped_types["response_item:ghost_snapshot"] == 1
    events = [m.text for m in s.messages if m.kind == "event"]
    assert events == ["a brand new item kind", "something new happened", "new envelope text"]


def test_empty_and_foreign_files(tmp_path: Path) -> None:
    empty = tmp_path / "rollout-empty.jsonl"
    empty.write_bytes(b"")
    assert parse(empty)[0] == []
    garbage = tmp_path / "rollout-garbage.jsonl"
    garbage.write_bytes(b"\x00\xff garbage\nmore garbage\n")
    with pytest.raises(ImporterError, match="no readable line"):
        parse(garbage)
    foreign = tmp_path / "rollout-foreign.jsonl"
    foreign.write_text('{"type":"user","message":{"role":"user"}}\n')
    with pytest.raises(ImporterError, match="not a Codex rollout"):
        parse(foreign)
    missing = tmp_path / "rollout-missing.jsonl"
    with pytest.raises(ImporterError, match="cannot read"):
        parse(missing)
    # a Claude Code line is not mistaken for a rollout
    assert not IMPORTER.sniff(foreign, foreign.read_bytes())
    assert not IMPORTER.sniff(garbage, garbage.read_bytes())


def test_discover_skips_non_rollouts(tmp_path: Path) -> None:
    (tmp_path / "sessions" / "2026" / "01" / "02").mkdir(parents=True)
    keep = tmp_path / "sessions" / "2026" / "01" / "02" / "rollout-2026-01-02T10-00-00-a.jsonl"
    keep.write_text("")
    (tmp_path / "history.jsonl").write_text("{}\n")
    (tmp_path / "sessions" / "notes.txt").write_text("x")
    (tmp_path / "sessions" / "rollout-link.jsonl").symlink_to(keep)  # links are never followed
    assert list(IMPORTER.discover(tmp_path)) == [keep]


# ---------------------------------------------------------------------------------------------
# Fuzzing


@pytest.fixture(scope="module")
def seed_bytes() -> bytes:
    path = REALDATA / "codex-cli" / "madshn-localpush" / SHORT
    if not path.is_file():
        pytest.skip(f"real session files not found at {path}")
    return path.read_bytes()


@FUZZ
@given(st.binary(max_size=3000))
def test_fuzz_random_bytes(tmp_path: Path, fuzz_store: SessionStore, data: bytes) -> None:
    path = tmp_path / "rollout-fuzz.jsonl"
    path.write_bytes(data)
    check_parse(IMPORTER, path, fuzz_store)


@FUZZ
@given(
    seed=st.integers(0, 2**32),
    steps=st.integers(1, 4),
    fragment=st.sampled_from(NASTY_FRAGMENTS),
    replacement=JSON_VALUES,
)
def test_fuzz_mutated_real_rollout(
    tmp_path: Path,
    fuzz_store: SessionStore,
    seed_bytes: bytes,
    seed: int,
    steps: int,
    fragment: bytes,
    replacement: Any,
) -> None:
    rng = random.Random(seed)
    data = seed_bytes
    for _ in range(steps):
        if rng.random() < 0.5:
            data = mutate_jsonl_lines(data, rng, replacement)
        else:
            data = mutate_bytes(data, rng, fragment)
    path = tmp_path / "rollout-fuzz.jsonl"
    path.write_bytes(data)
    check_parse(IMPORTER, path, fuzz_store)
