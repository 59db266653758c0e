"""The helpers every importer shares (`sessions_tui.importers.common`), on hostile JSON."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from sessions_tui.importers.base import ImporterError, ParseStats, all_importers
from sessions_tui.importers.claude_code import ClaudeCodeImporter
from sessions_tui.importers.common import loads
from sessions_tui.store import SessionStore

from ._importer_fuzz import json_slots

SID = "11111111-2222-3333-4444-555555555555"


def _nested_surrogate(depth: int) -> str:
    """A JSON value nested ``depth`` deep around a lone-surrogate escape."""
    return "[" * depth + '"\\ud800"' + "]" * depth


def test_loads_scrubs_a_lone_surrogate_nested_almost_to_the_recursion_limit() -> None:
    # The C decoder accepts this depth; scrubbing it must not overflow the stack.
    depth = sys.getrecursionlimit() - 100
    value = loads(_nested_surrogate(depth))
    for _ in range(depth):
        (value,) = value
    assert value == "\ufffd"


def test_one_deep_line_with_a_surrogate_does_not_cost_the_rest_of_the_file(
    tmp_path: Path,
) -> None:
    good = {
        "type": "user",
        "uuid": "u1",
        "parentUuid": None,
        "sessionId": SID,
        "timestamp": "2025-01-01T00:00:00Z",
        "message": {"role": "user", "content": "the prompt that must survive"},
    }
    line = {"type": "user", "uuid": "u2", "parentUuid": "u1", "sessionId": SID}
    line["message"] = {"role": "user", "content": "DEEP"}
    hostile = json.dumps(line).replace('"DEEP"', _nested_surrogate(900))
    path = tmp_path / f"{SID}.jsonl"
    path.write_text(json.dumps(good) + "\n" + hostile + "\n")
    stats = ParseStats()
    (session,) = ClaudeCodeImporter().parse(path, stats)
    assert session.messages[0].text == "the prompt that must survive"


@pytest.mark.parametrize("text", ["NaN", "[-Infinity]", "1e400", "9" * 5000, "[" * 100_000])
def test_loads_rejects_json_sharp_edges_as_value_errors(text: str) -> None:
    with pytest.raises(ValueError):
        loads(text)


# -- values nested deep enough to break a save, anywhere in real input --------------------------

#: Parses (the decoder allows ~1000 levels) but pydantic cannot serialise it (~250 levels).
DEEP_VALUE = "[" * 600 + '"deep"' + "]" * 600
#: source -> a real file of it (relative to realdata), every one a JSON format.
DEEP_SAMPLES = {
    "claude-code": "claude-code/codemie-ai-codemie-code/-tmp-private/"
    "4c2ddfdc-b619-4525-8d03-1950fb1b0257.jsonl",
    "codex-cli": "codex-cli/madshn-localpush/"
    "rollout-2026-02-23T13-19-38-019c8a70-dda7-7f33-98ea-f30553347322.jsonl",
    "gemini-cli": "gemini-cli/codemie-ai-codemie-code/"
    "session-2026-01-16T11-01-file-ops-37b7abef.json",
    "claude-ai": "claude-ai-export/idanmashaal-Now2ai-Claude-Export-Processor/conversations.json",
}


def _with_deep_value(raw: bytes, jsonl: bool, rng: random.Random) -> bytes:
    """``raw`` with one value (of one line, for JSONL) replaced by `DEEP_VALUE`."""
    if jsonl:
        lines = [line for line in raw.decode().split("\n") if line.strip()]
        index = rng.randrange(len(lines))
        lines[index] = _with_deep_value(lines[index].encode(), False, rng).decode()
        return "\n".join(lines).encode()
    document = json.loads(raw)
    container, key = rng.choice(json_slots(document))
    container[key] = "__DEEP__"
    return json.dumps(document).replace('"__DEEP__"', DEEP_VALUE).encode()


@pytest.mark.parametrize("source", sorted(DEEP_SAMPLES))
def test_a_deep_value_anywhere_never_makes_a_session_unsaveable(
    source: str, realdata: Path, tmp_path: Path
) -> None:
    """A tool input, argument or unknown block nested 600 deep (valid JSON) used to make
    the whole session unsaveable, or raise RecursionError: the file was lost."""
    sample = realdata / DEEP_SAMPLES[source]
    if not sample.is_file():
        pytest.skip(f"no sample at {sample}")
    importer = all_importers()[source]
    raw = sample.read_bytes()
    rng = random.Random(source)
    path = tmp_path / sample.name
    with SessionStore(tmp_path / "store") as store:
        for _ in range(60):
            path.write_bytes(_with_deep_value(raw, sample.suffix == ".jsonl", rng))
            stats = ParseStats()
            try:
                sessions = list(importer.parse(path, stats))
            except ImporterError as exc:
                assert "internal error" not in exc.reason, exc.reason
                continue
            store.save_many(sessions)


def test_deep_function_call_arguments_keep_the_codex_session(tmp_path: Path) -> None:
    """Codex writes arguments as a JSON string; one nested 600 deep cost the whole session."""
    sid = "019c8a70-dda7-7f33-98ea-f30553347322"
    records: list[dict[str, Any]] = [
        {"type": "session_meta", "payload": {"id": sid, "cwd": "/w", "cli_version": "0.100"}},
        {
            "type": "response_item",
            "payload": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "list the files"}],
            },
        },
        {"type": "event_msg", "payload": {"type": "user_message", "message": "list the files"}},
        {
            "type": "response_item",
            "payload": {
                "type": "function_call",
                "name": "shell",
                "call_id": "c1",
                "arguments": DEEP_VALUE,
            },
        },
    ]
    path = tmp_path / f"rollout-2026-02-23T13-19-38-{sid}.jsonl"
    lines = [json.dumps({"timestamp": "2026-02-23T12:19:42.561Z", **r}) for r in records]
    path.write_text("\n".join(lines) + "\n")
    (session,) = all_importers()["codex-cli"].parse(path, ParseStats())
    (call,) = [b for m in session.messages for b in m.tool_calls]
    assert call.input == DEEP_VALUE  # kept as the text Codex wrote
    with SessionStore(tmp_path / "store") as store:
        store.save(session)
    assert store.get(session.id).messages[0].text == "list the files"
