"""The data model's contract: safe ids, camelCase on disk, UTC times, derived figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from sessions_tui.models import (
    Message,
    Session,
    TextBlock,
    ToolCallBlock,
    ToolResultBlock,
    is_valid_session_id,
    safe_session_id,
)


@pytest.mark.parametrize("bad", ["", "../etc", ".hidden", "a/b", "a\\b", "a b", "x" * 201, "é"])
def test_session_ids_that_could_escape_sessions_dir_are_rejected(bad: str) -> None:
    assert not is_valid_session_id(bad)
    with pytest.raises(ValidationError):
        Session(id=bad)


def test_safe_session_id_is_stable_valid_and_collision_free() -> None:
    a = safe_session_id("chatgpt", "a/b")
    b = safe_session_id("chatgpt", "a_b")
    assert a != b and is_valid_session_id(a) and is_valid_session_id(b)
    assert safe_session_id("chatgpt", "a/b") == a
    long = safe_session_id("codex-cli", "x" * 500)
    assert is_valid_session_id(long) and long != safe_session_id("codex-cli", "x" * 499)


def test_on_disk_names_are_camel_case_and_unknown_fields_ignored() -> None:
    s = Session(id="s", persisted_until=5, git_branch="main", parent_session_id="p")
    data = json.loads(s.model_dump_json())
    assert {"persistedUntil", "gitBranch", "parentSessionId", "sourceRef"} <= data.keys()
    data["fieldFromTheFuture"] = {"x": 1}
    assert Session.model_validate(data) == s


def test_times_are_utc_whatever_they_came_in() -> None:
    plus2 = timezone(timedelta(hours=2))
    s = Session(
        id="s", created=datetime(2025, 1, 1, 12, tzinfo=plus2), updated=datetime(2025, 1, 1)
    )
    assert s.created == datetime(2025, 1, 1, 10, tzinfo=UTC) and s.created.tzinfo == UTC
    assert s.updated.tzinfo == UTC
    m = Message(id="m", role="user", timestamp="2025-01-01T12:00:00+02:00")
    assert m.timestamp == datetime(2025, 1, 1, 10, tzinfo=UTC)


def test_blocks_are_a_discriminated_union() -> None:
    m = Message.model_validate(
        {
            "id": "m",
            "role": "assistant",
            "content": [
                {"type": "text", "text": "hi"},
                {"type": "tool_call", "name": "Read", "input": {"path": "a"}},
                {"type": "tool_result", "callId": "c", "output": "boom", "isError": True},
            ],
        }
    )
    assert [type(b) for b in m.content] == [TextBlock, ToolCallBlock, ToolResultBlock]
    with pytest.raises(ValidationError):
        Message.model_validate({"id": "m", "role": "user", "content": [{"type": "video"}]})
    with pytest.raises(ValidationError):
        Message(id="m", role="robot")


def test_derived_figures() -> None:
    s = Session(
        id="s",
        messages=[
            Message(id="1", role="user", content=[TextBlock(text="a"), TextBlock(text="b")]),
            Message(
                id="2",
                role="assistant",
                content=[ToolCallBlock(name="x"), ToolCallBlock(name="y")],
            ),
            Message(id="3", role="tool", content=[ToolResultBlock(output="e", is_error=True)]),
            Message(id="4", role="user", alternate=True),
        ],
    )
    assert s.message_count == 4 and s.tool_call_count == 2 and s.has_error
    assert s.messages[0].text == "a\n\nb"
    assert [m.id for m in s.transcript] == ["1", "2", "3"]
