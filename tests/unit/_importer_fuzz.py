"""Mutations for fuzzing importers with hypothesis (used by the Codex, Gemini and Aider tests).

Each mutation damages a real file the way real life does (a crash mid-write, a bad disk, a
hand edit) or the way an attacker would (JSON's sharp edges: nesting deeper than the recursion
limit, NaN, 1e400, integers over 4,300 digits, lone surrogates). `check_parse` asserts the
contract every importer keeps: only `ImporterError` escapes, never the internal-error safety
net, and every session it yields can be saved to a real store.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from sessions_tui.importers.base import Importer, ImporterError, ParseStats
from sessions_tui.store.store import SessionStore

#: Raw JSON fragments that parse in a lenient reader but must not be accepted or must not
#: break a save.
NASTY_FRAGMENTS = [
    b"NaN",
    b"-Infinity",
    b"1e400",
    b"9" * 5000,
    b'"\\ud800 lone surrogate"',
    b'"\\udfff"',
    b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 3000 + b"1" + b"}" * 3000,
    b'"\\u0000\\u001b[2J"',
    b"-0.0",
    b"true",
    b"null",
]

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=15,
)


def mutate_json_tree(value: Any, rng: random.Random, replacement: Any) -> Any:
    """Replace one randomly chosen node of a parsed JSON document by ``replacement``."""
    nodes: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in node:
                nodes.append((node, key))
                walk(node[key])
        elif isinstance(node, list):
            for index in range(len(node)):
                nodes.append((node, index))
                walk(node[index])

    walk(value)
    replacement = json.loads(json.dumps(replacement))  # a fresh copy: never a cycle
    if not nodes:
        return replacement
    container, key = rng.choice(nodes)
    container[key] = replacement
    return value


def mutate_bytes(data: bytes, rng: random.Random, fragment: bytes) -> bytes:
    """One byte-level accident: truncation, flipped bytes, a deleted/duplicated line, or a nasty
    JSON fragment spliced in."""
    lines = data.split(b"\n")
    choice = rng.randrange(6)
    if choice == 0 and data:
        return data[: rng.randrange(len(data))]
    if choice == 1 and data:
        buf = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        return bytes(buf)
    if choice == 2 and len(lines) > 1:
        del lines[rng.randrange(len(lines))]
        return b"\n".join(lines)
    if choice == 3 and lines:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        return b"\n".join(lines)
    if choice == 4:
        lines.insert(rng.randrange(len(lines) + 1), fragment)
        return b"\n".join(lines)
    # splice the fragment in place of a JSON value somewhere (after a colon)
    positions = [i for i in range(len(data)) if data[i : i + 1] == b":"]
    if not positions:
        return data + fragment
    at = rng.choice(positions) + 1
    end = at
    while end < len(data) and data[end : end + 1] not in (b",", b"}", b"]", b"\n"):
        end += 1
    return data[:at] + fragment + data[end:]


def mutate_jsonl_lines(data: bytes, rng: random.Random, replacement: Any) -> bytes:
    """Parse one JSONL line, replace a node of it, write it back."""
    lines = data.split(b"\n")
    candidates = [i for i, line in enumerate(lines) if line.strip()]
    if not candidates:
        return data
    i = rng.choice(candidates)
    try:
        obj = json.loads(lines[i])
    except (ValueError, RecursionError):
        return data  # an earlier mutation already broke this line
    lines[i] = json.dumps(mutate_json_tree(obj, rng, replacement)).encode()
    return b"\n".join(lines)


def check_parse(importer: Importer, path: Path, store: SessionStore) -> ParseStats:
    """Parse ``path``; only ImporterError may escape (and not the internal-error safety net);
    whatever comes out must save to a real store."""
    stats = ParseStats()
    try:
        sessions = list(importer.parse(path, stats))
    except ImporterError as exc:
        assert "internal error" not in exc.reason, exc.reason
        assert str(path) in str(exc)
        return stats
    if sessions:
        store.save_many(sessions)
    return stats
