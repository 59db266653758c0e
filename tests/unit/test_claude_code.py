"""The Claude Code importer, on the real files in ../shared/realdata and on small files written
here for layouts the real set lacks (inline sidechains, .meta.json, spilled outputs, titles).

Expected figures were worked out from the files with jq, independently of the importer:
  sessions:     one per transcript file with user/assistant lines (4 main + 4 agent-*.jsonl)
  user prompts: jq -r 'select(.type=="user" and .isMeta!=true and .isCompactSummary!=true)
                | .message.content | if type=="string" then . else
                  (map(select(.type=="text").text)|join("")) end | select(length>0)
                | select((startswith("<command-") or startswith("<local-command")
                          or startswith("[Request interrupted"))|not)' FILE | wc -l
  tool calls:   jq -r 'select(.type=="assistant") | .message.content[]?
                | select(.type=="tool_use") | .id' FILE | sort -u | wc -l
  assistant messages (ae4a77f8): jq -r 'select(.type=="assistant")|.message.id' | sort -u
                -> 217 ids over 408 lines
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessions_tui.importers.base import ImporterError, ParseStats
from sessions_tui.importers.claude_code import ClaudeCodeImporter
from sessions_tui.models import Session, ToolResultBlock
from sessions_tui.store import SessionStore

from ._importer_fuzz import FUZZ, check_parse, fuzz_dir_fixture, fuzz_store_fixture

FIXTURES = (fuzz_dir_fixture, fuzz_store_fixture)  # used by the fuzz tests, by name
IMPORTER = ClaudeCodeImporter()
CC = "claude-code"

# file (relative to realdata/claude-code) -> expected facts
REAL = {
    "marot-spotter/ae4a77f8-aedd-4bc1-888f-c94edc91af04.jsonl": dict(
        id="claude-code-ae4a77f8-aedd-4bc1-888f-c94edc91af04",
        title="Work on bead spotter-4te. Run bd show spotter-4te to see the issue details and…",
        models=["claude-opus-4-6", "claude-haiku-4-5-20251001"],
        project="/home/USER/projects/spotter-worktrees/spotter-4te",
        branch="spotter-4te",
        prompts=2,
        tools=242,
        parent=None,
        phrase="Resolved the Dialyzer false positive",
    ),
    "marot-spotter/tool_heavy.jsonl": dict(
        id="claude-code-d6e0bada-1959-4eec-a9d2-0bfade768d8f",
        title="start phoenix in background",
        models=["claude-opus-4-6"],
        project="/home/marco/projects/spotter",
        branch="master",
        prompts=2,
        tools=6,
        parent=None,
        phrase="Let me check the MCP servers status",
    ),
    "marot-spotter/ae4a77f8-aedd-4bc1-888f-c94edc91af04/subagents/agent-aac57f5.jsonl": dict(
        id="claude-code-ae4a77f8-aedd-4bc1-888f-c94edc91af04.agent-aac57f5",
        title="Search hex.pm for the latest versions of these Elixir packages and return the…",
        models=["claude-sonnet-4-5-20250929"],
        project="/home/USER/projects/spotter-worktrees/spotter-4te",
        branch="spotter-4te",
        prompts=1,
        tools=12,
        parent="claude-code-ae4a77f8-aedd-4bc1-888f-c94edc91af04",
        phrase="Erlang/Elixir OpenTelemetry Documentation",
    ),
    "marot-spotter/ae4a77f8-aedd-4bc1-888f-c94edc91af04/subagents/agent-acompact-946d2b.jsonl": (
        dict(
            id="claude-code-ae4a77f8-aedd-4bc1-888f-c94edc91af04.agent-acompact-946d2b",
            title="Your task is to create a detailed summary of the conversation so far, paying…",
            models=["claude-opus-4-6"],
            project="/home/USER/projects/spotter-worktrees/spotter-4te",
            branch="spotter-4te",
            prompts=1,
            tools=0,
            parent="claude-code-ae4a77f8-aedd-4bc1-888f-c94edc91af04",
            phrase="The summary instructions say to",
        )
    ),
    "codemie-ai-codemie-code/session-9eda1058.jsonl": dict(
        id="claude-code-9eda1058-9706-484a-b992-d03f9cfa2546",
        # Its 16 summary lines all point at leaves in other files: not this session's title.
        title="show tools and store response in file",
        models=["claude-sonnet-4-5-20250929"],
        project="/Users/user/repo",
        branch="conversations",
        prompts=3,
        tools=3,
        parent=None,
        phrase="hierarchical sync state",
    ),
    "codemie-ai-codemie-code/-tmp-private/4c2ddfdc-b619-4525-8d03-1950fb1b0257.jsonl": dict(
        id="claude-code-4c2ddfdc-b619-4525-8d03-1950fb1b0257",
        title="create hello.py, md and js",
        models=["claude-sonnet-4-5-20250929"],
        project="/tmp/private",
        branch="analytics-v2",
        prompts=3,
        tools=6,
        parent=None,
        phrase="I've deleted hello.js",
    ),
    "codemie-ai-codemie-code/-tmp-private/agent-36541525.jsonl": dict(
        id="claude-code-4c2ddfdc-b619-4525-8d03-1950fb1b0257.agent-36541525",
        title="Warmup",
        models=["claude-sonnet-4-5-20250929"],
        project="/tmp/private",
        branch="analytics-v2",
        prompts=1,
        tools=0,
        parent="claude-code-4c2ddfdc-b619-4525-8d03-1950fb1b0257",
        phrase="Data access layer - used by all subcommands",
    ),
    "codemie-ai-codemie-code/-tmp-private/agent-50243ee8.jsonl": dict(
        id="claude-code-4c2ddfdc-b619-4525-8d03-1950fb1b0257.agent-50243ee8",
        title="Warmup",
        models=["converse/jp.anthropic.claude-haiku-4-5-20251001-v1:0"],
        project="/tmp/private",
        branch="analytics-v2",
        prompts=1,
        tools=0,
        parent="claude-code-4c2ddfdc-b619-4525-8d03-1950fb1b0257",
        phrase="Integration test-focused testing philosophy",
    ),
}


def parse(path: Path) -> tuple[list[Session], ParseStats]:
    stats = ParseStats()
    return list(IMPORTER.parse(path, stats)), stats


def prompts(session: Session) -> int:
    return sum(1 for m in session.messages if m.role == "user" and m.kind == "message")


def all_text(session: Session) -> str:
    parts = []
    for m in session.messages:
        for b in m.content:
            parts.append(getattr(b, "text", None) or getattr(b, "output", None) or "")
    return "\n".join(parts)


@pytest.fixture
def cc(realdata: Path) -> Path:
    root = realdata / "claude-code"
    if not root.is_dir():
        pytest.skip(f"no Claude Code files at {root}")
    return root


# -- the real files -------------------------------------------------------------------------


def test_discover_finds_every_transcript_and_nothing_else(cc: Path) -> None:
    found = sorted(str(p.relative_to(cc)) for p in IMPORTER.discover(cc))
    assert found == sorted(REAL)


@pytest.mark.parametrize("rel", sorted(REAL))
def test_real_file(cc: Path, rel: str) -> None:
    want = REAL[rel]
    sessions, stats = parse(cc / rel)
    assert len(sessions) == 1
    (s,) = sessions
    assert s.id == want["id"]
    assert s.source == CC
    assert s.title == want["title"]
    assert s.models == want["models"]
    assert s.project == want["project"]
    assert s.git_branch == want["branch"]
    assert prompts(s) == want["prompts"]
    assert s.tool_call_count == want["tools"]
    assert s.parent_session_id == want["parent"]
    assert want["phrase"] in all_text(s)
    assert s.source_ref.path == str(cc / rel)
    assert s.created <= s.updated
    assert not stats.bad_entries
    # No message is hidden as an abandoned branch in these linear sessions.
    assert not [m for m in s.messages if m.alternate]


def test_assistant_lines_are_merged_by_message_id_and_usage_not_summed(cc: Path) -> None:
    (s,), _ = parse(cc / "marot-spotter/ae4a77f8-aedd-4bc1-888f-c94edc91af04.jsonl")
    assistant = [m for m in s.messages if m.role == "assistant"]
    assert len(assistant) == 217  # unique message.id over 408 assistant lines
    # msg_01Cwyj7RLJaazm8DnifKx5Pw spans 7 lines whose output_tokens are 1,1,1,1,1,1,395:
    # the last line carries the final count; summing would give 401.
    merged = [m for m in assistant if m.usage and m.usage.output_tokens == 395]
    assert merged and all(m.usage.output_tokens != 401 for m in assistant)
    # Every tool result is paired with a call in the same session.
    calls = {b.id for m in s.messages for b in m.tool_calls}
    results = [b for m in s.messages for b in m.content if isinstance(b, ToolResultBlock)]
    assert len(results) == 242
    assert all(r.call_id in calls and r.name for r in results)


def test_compaction_is_a_summary_not_a_prompt(cc: Path) -> None:
    (s,), stats = parse(cc / "marot-spotter/ae4a77f8-aedd-4bc1-888f-c94edc91af04.jsonl")
    summaries = [m for m in s.messages if m.kind == "summary"]
    assert [m.role for m in summaries] == ["system", "user"]
    assert "manual, 142,431 tokens before" in summaries[0].text
    assert summaries[1].text.startswith("This session is being continued")
    commands = [m.text for m in s.messages if m.kind == "command"]
    assert commands[0] == "/compact and continue with the reamining tasks"
    assert not any("\x1b" in t for t in commands)  # ANSI colour codes stripped
    # Bookkeeping counted, and the 25 agent_progress copies of the subagent are not messages.
    assert stats.skipped_types["progress:agent_progress"] == 25
    assert stats.skipped_types["progress:hook_progress"] == 1447
    assert stats.skipped_types["file-history-snapshot"] == 26
    assert "Search hex.pm for the latest versions" not in "".join(m.text for m in s.messages)


def test_parent_links_its_subagents(cc: Path) -> None:
    (s,), _ = parse(cc / "marot-spotter/ae4a77f8-aedd-4bc1-888f-c94edc91af04.jsonl")
    assert s.extra["subagents"] == {
        "toolu_01Hf8v1Za7y4af8VUwSR4CXU": (
            "claude-code-ae4a77f8-aedd-4bc1-888f-c94edc91af04.agent-aac57f5"
        )
    }
    assert s.extra["resume"] == "claude --resume ae4a77f8-aedd-4bc1-888f-c94edc91af04"


def test_commands_and_interruptions(cc: Path) -> None:
    (s,), stats = parse(cc / "marot-spotter/tool_heavy.jsonl")
    kinds = [(m.role, m.kind, m.text) for m in s.messages if m.kind != "message"]
    assert ("user", "command", "/mcp") in kinds
    assert ("user", "command", "Reconnected to tidewave.") in kinds
    assert ("system", "command", "MCP dialog dismissed") in kinds
    assert [k for k in kinds if k[1] == "event"] == [
        ("system", "event", "[Request interrupted by user]")
    ] * 2
    assert stats.skipped_types["system:local_command (repeat)"] == 1  # /mcp written twice
    assert stats.skipped_types["queue-operation"] == 2


# -- layouts and entries the real set lacks ---------------------------------------------------

SID = "11111111-2222-3333-4444-555555555555"


def line(kind: str, uuid: str, parent: str | None, content, **more) -> dict:
    base = {
        "type": kind,
        "uuid": uuid,
        "parentUuid": parent,
        "sessionId": SID,
        "timestamp": f"2025-10-01T10:00:{len(uuid) % 60:02d}.000Z",
        "cwd": "/work/app",
        "gitBranch": "main",
        "version": "2.0.2",
        "isSidechain": False,
    }
    base.update(more)
    if kind == "user":
        base["message"] = {"role": "user", "content": content}
    elif kind == "assistant":
        base["message"] = {
            "id": more.pop("mid", f"msg_{uuid}"),
            "role": "assistant",
            "model": more.pop("model", "claude-sonnet-4-5-20250929"),
            "content": content,
            "usage": {"input_tokens": 10, "output_tokens": 5},
        }
        base.update(more)
    return base


def write(path: Path, lines: list, tail: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(x) + "\n" if not isinstance(x, str) else x + "\n" for x in lines)
    path.write_text(text + tail)
    return path


def test_inline_sidechains_of_2_0_2_become_linked_sessions(tmp_path: Path) -> None:
    task = {"subagent_type": "Explore", "description": "Map the repo", "prompt": "List modules"}
    path = write(
        tmp_path / f"{SID}.jsonl",
        [
            line("user", "u1", None, "explore the repo"),
            line(
                "assistant",
                "a1",
                "u1",
                [{"type": "tool_use", "id": "t1", "name": "Task", "input": task}],
            ),
            line("user", "s1", None, "List modules", isSidechain=True),
            line(
                "assistant",
                "s2",
                "s1",
                [{"type": "text", "text": "modules: a, b"}],
                isSidechain=True,
            ),
            line(
                "user",
                "u2",
                "a1",
                [{"type": "tool_result", "tool_use_id": "t1", "content": "modules: a, b"}],
            ),
            line("assistant", "a2", "u2", [{"type": "text", "text": "Two modules."}]),
        ],
    )
    sessions, _ = parse(path)
    main, child = sessions
    assert main.id == f"claude-code-{SID}"
    assert prompts(main) == 1 and "modules: a, b" not in [m.text for m in main.messages]
    assert child.id == f"claude-code-{SID}.sidechain-s1"
    assert child.parent_session_id == main.id
    assert child.extra["agentType"] == "Explore"
    assert child.title == "Map the repo"
    assert [m.text for m in child.messages] == ["List modules", "modules: a, b"]


def test_subagents_folder_with_meta_and_spilled_tool_output(tmp_path: Path) -> None:
    project = tmp_path / "-work-app"
    full = "line of output\n" * 5000
    spill = project / SID / "tool-results" / "b7on7tw79.txt"
    spill.parent.mkdir(parents=True)
    spill.write_text(full)
    preview = (
        "<persisted-output>\nOutput too large (73.2KB). Full output saved to: "
        f"/home/u/.claude/projects/-work-app/{SID}/tool-results/b7on7tw79.txt\n\n"
        "Preview (first 2KB): line of output"
    )
    main = write(
        project / f"{SID}.jsonl",
        [
            line("user", "u1", None, "run the tests", version="2.1.78"),
            line(
                "assistant",
                "a1",
                "u1",
                [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "pytest"}}],
                version="2.1.78",
            ),
            line(
                "user",
                "u2",
                "a1",
                [{"type": "tool_result", "tool_use_id": "t1", "content": preview}],
                version="2.1.85",
            ),
        ],
    )
    agent = write(
        project / SID / "subagents" / "agent-a0123456789abcdef.jsonl",
        [
            line(
                "user",
                "x1",
                None,
                "Find flaky tests",
                isSidechain=True,
                agentId="a0123456789abcdef",
            )
        ],
    )
    (agent.parent / "agent-a0123456789abcdef.meta.json").write_text(
        json.dumps({"agentType": "Explore", "description": "Hunt flaky tests"})
    )
    (s,), _ = parse(main)
    result = next(b for m in s.messages for b in m.content if isinstance(b, ToolResultBlock))
    assert result.output == full and result.name == "Bash"
    assert s.extra["versions"] == ["2.1.78", "2.1.85"]  # two versions in one file
    (child,), _ = parse(agent)
    assert child.id == f"claude-code-{SID}.agent-a0123456789abcdef"
    assert child.parent_session_id == f"claude-code-{SID}"
    assert child.title == "Hunt flaky tests"
    assert child.extra["agentType"] == "Explore"
    assert list(IMPORTER.discover(tmp_path)) == [main, agent]  # tool-results/ not a transcript


def test_spilled_output_is_never_read_through_a_symlink(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    results = tmp_path / "p" / SID / "tool-results"
    results.mkdir(parents=True)
    (results / "x.txt").symlink_to(secret)
    text = "<persisted-output>\nFull output saved to: ../../../../secret.txt\nPreview: y"
    text2 = "<persisted-output>\nFull output saved to: /a/tool-results/x.txt\nPreview: y"
    path = write(
        tmp_path / "p" / f"{SID}.jsonl",
        [
            line("user", "u1", None, [{"type": "tool_result", "tool_use_id": "t", "content": t}])
            for t in (text, text2)
        ],
    )
    (s,), _ = parse(path)
    assert "TOP SECRET" not in all_text(s)


def test_title_precedence_custom_then_ai_then_leaf_summary(tmp_path: Path) -> None:
    body = [
        {"type": "summary", "summary": "Summary of another session", "leafUuid": "elsewhere"},
        {"type": "summary", "summary": "Fix the login bug", "leafUuid": "a1"},
        line("user", "u1", None, "the login page 500s"),
        line("assistant", "a1", "u1", [{"type": "text", "text": "Fixed."}]),
    ]
    (s,), _ = parse(write(tmp_path / "a" / f"{SID}.jsonl", body))
    assert s.title == "Fix the login bug"
    assert s.extra["otherSummaries"] == ["Summary of another session"]
    body.append({"type": "ai-title", "aiTitle": "Login 500 fix", "sessionId": SID})
    (s,), _ = parse(write(tmp_path / "b" / f"{SID}.jsonl", body))
    assert s.title == "Login 500 fix"
    body += [
        {"type": "custom-title", "customTitle": "old name", "sessionId": SID},
        {"type": "custom-title", "customTitle": "Auth fixes", "sessionId": SID},
    ]
    (s,), _ = parse(write(tmp_path / "c" / f"{SID}.jsonl", body))
    assert s.title == "Auth fixes"


def test_summary_only_file_holds_no_session(tmp_path: Path) -> None:
    path = write(
        tmp_path / "3d9a9355.jsonl", [{"type": "summary", "summary": "x", "leafUuid": "y"}]
    )
    assert parse(path)[0] == []


def test_images_meta_rewinds_unknown_types_and_api_errors(tmp_path: Path) -> None:
    image = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "aGVsbG8="},
    }
    path = write(
        tmp_path / f"{SID}.jsonl",
        [
            line("user", "u1", None, [{"type": "text", "text": "what is this?"}, image]),
            line("user", "m1", "u1", "<system-reminder>be nice</system-reminder>", isMeta=True),
            line("assistant", "a1", "m1", [{"type": "text", "text": "A first answer."}]),
            # The user rewound and asked again from the same parent: a1 is abandoned.
            line("user", "u2", "m1", "what is this image, really?"),
            line(
                "assistant",
                "a2",
                "u2",
                [
                    {"type": "thinking", "thinking": "Look closer."},
                    {"type": "text", "text": "A cat."},
                ],
            ),
            {"type": "brand-new-type", "uuid": "n1", "content": "a note from the future"},
            {"type": "another-new-type", "uuid": "n2", "flag": True},
            line(
                "assistant",
                "e1",
                "a2",
                [{"type": "text", "text": "API Error: 529"}],
                isApiErrorMessage=True,
                model="<synthetic>",
            ),
        ],
    )
    (s,), stats = parse(path)
    first = s.messages[0]
    assert first.content[1].type == "attachment" and first.content[1].kind == "image"
    assert first.content[1].mime_type == "image/png" and first.content[1].size == 5
    assert s.messages[1].kind == "context"
    alternates = [m.text for m in s.messages if m.alternate]
    assert alternates == ["A first answer."]
    assert any(b.type == "thinking" for m in s.messages for b in m.content)
    assert stats.unknown_types == {"brand-new-type": 1, "another-new-type": 1}
    assert [m.text for m in s.messages if m.kind == "event"] == [
        "[brand-new-type] a note from the future"
    ]
    assert s.messages[-1].kind == "error"
    assert s.models == ["claude-sonnet-4-5-20250929"]  # <synthetic> is not a model


def test_bad_lines_are_reported_and_the_rest_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path / f"{SID}.jsonl",
        [
            line("user", "u1", None, "first prompt"),
            "this is not json {",
            json.dumps({"type": "user", "uuid": "u9", "message": "not an object"}),
            line("assistant", "a1", "u1", [{"type": "text", "text": "still here"}]),
        ],
        tail='{"type":"user","uuid":"u2","mess',
    )
    (s,), stats = parse(path)
    assert [m.text for m in s.messages] == ["first prompt", "still here"]
    where = [w for w, _ in stats.bad_entries]
    assert where == [f"{path}:2", f"{path}:3", f"{path}:5"]
    assert stats.bad_entries[-1][1] == "truncated last line"


def test_unreadable_file_is_an_importer_error(tmp_path: Path) -> None:
    with pytest.raises(ImporterError) as exc:
        parse(tmp_path / "missing.jsonl")
    assert "missing.jsonl" in str(exc.value)


def test_sniff_tells_claude_code_from_other_jsonl() -> None:
    assert IMPORTER.sniff(Path("x.jsonl"), json.dumps(line("user", "u", None, "hi")).encode())
    assert IMPORTER.sniff(Path("x.jsonl"), b'{"type":"summary","summary":"t","leafUuid":"l"}\n')
    codex = b'{"timestamp":"2025","type":"session_meta","payload":{"id":"x"}}\n'
    gemini = b'{"sessionId":"a","projectHash":"b","startTime":"c","messages":[]}'
    for head in (codex, gemini, b"# aider chat started at", b"", b"\xff\xfe"):
        assert not IMPORTER.sniff(Path("x"), head)


# -- fuzzing: only ImporterError, ever ---------------------------------------------------------


def _real_lines() -> list[bytes]:
    root = Path(__file__).resolve().parents[2].parent / "shared" / "realdata" / "claude-code"
    path = root / "marot-spotter" / "tool_heavy.jsonl"
    return (
        path.read_bytes().splitlines()
        if path.is_file()
        else [json.dumps(line("user", "u1", None, "hi")).encode()]
    )


REAL_LINES = _real_lines()
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
KEYS = [
    "type",
    "message",
    "content",
    "uuid",
    "parentUuid",
    "sessionId",
    "isSidechain",
    "timestamp",
    "subtype",
    "data",
    "toolUseResult",
    "isMeta",
    "agentId",
    "summary",
]


def _check(fuzz_dir: Path, store: SessionStore, data: bytes) -> None:
    path = fuzz_dir / f"{SID}.jsonl"
    path.write_bytes(data)
    check_parse(IMPORTER, path, store)


@FUZZ
@given(st.binary(max_size=2000))
def test_fuzz_random_bytes(fuzz_dir: Path, fuzz_store: SessionStore, data: bytes) -> None:
    _check(fuzz_dir, fuzz_store, data)


@FUZZ
@given(st.data())
def test_fuzz_mutated_real_lines(
    fuzz_dir: Path, fuzz_store: SessionStore, data: st.DataObject
) -> None:
    lines = list(REAL_LINES)
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    for _ in range(data.draw(st.integers(1, 6))):
        i = rng.randrange(len(lines))
        try:
            obj = json.loads(lines[i])
        except ValueError:
            continue
        target = obj
        if isinstance(obj.get("message"), dict) and rng.random() < 0.5:
            target = obj["message"]
            key = rng.choice(["content", "id", "model", "usage", "role"])
        else:
            key = rng.choice(KEYS)
        target[key] = data.draw(JSON_VALUES)
        lines[i] = json.dumps(obj).encode()
    if data.draw(st.booleans()):  # and some byte-level damage
        i = rng.randrange(len(lines))
        cut = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:cut] + data.draw(st.binary(max_size=8)) + lines[i][cut:]
    _check(fuzz_dir, fuzz_store, b"\n".join(lines))
