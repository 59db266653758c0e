"""The helpers every importer shares (`sessions_tui.importers.common`), on hostile JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from sessions_tui.importers.base import ParseStats
from sessions_tui.importers.claude_code import ClaudeCodeImporter
from sessions_tui.importers.common import loads

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
