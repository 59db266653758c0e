"""Fuzzing importers with hypothesis: the settings, fixtures and mutations every importer's
tests share.

Each mutation damages a real file the way real life does (a crash mid-write, a bad disk, a
hand edit) or the way an attacker would (JSON's sharp edges: nesting deeper than the recursion
limit, nesting just deep enough to break a save, NaN, 1e400, integers over 4,300 digits, lone
surrogates). `check_parse` asserts the contract every importer keeps: only `ImporterError`
escapes, never the internal-error safety net, and every session it yields can be saved to a
real store. A test module gets the fixtures ``fuzz_store`` and ``fuzz_dir`` by importing
``fuzz_store_fixture`` and ``fuzz_dir_fixture``.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from sessions_tui.importers.base import Importer, ImporterError, ParseStats
from sessions_tui.store.store import SessionStore

#: Raw JSON fragments that parse in a lenient reader but must not be accepted or must not
#: break a save.
NASTY_FRAGMENTS = [
    b"[" * 600 + b"1" + b"]" * 600,  # parses, but too deep for pydantic to save
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

#: FUZZ_EXAMPLES=5000 for a long local run; CI keeps the default small and fast.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module", name="fuzz_store")
def fuzz_store_fixture(tmp_path_factory: pytest.TempPathFactory) -> SessionStore:
    """One real store per module: what the importer yields must save to it."""
    return SessionStore(tmp_path_factory.mktemp("fuzz") / "store")


@pytest.fixture(scope="module", name="fuzz_dir")
def fuzz_dir_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-input")


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


def json_slots(value: Any) -> list[tuple[Any, Any]]:
    """Every ``(container, key)`` of a JSON value, in a stable order (no recursion)."""
    out: list[tuple[Any, Any]] = []
    stack = [value]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict | list):
            continue
        for key, child in list(node.items() if isinstance(node, dict) else enumerate(node)):
            out.append((node, key))
            if isinstance(child, dict | list):
                stack.append(child)
    return out


def mutate_json_tree(value: Any, rng: random.Random, replacement: Any) -> Any:
    """Replace one randomly chosen node of a parsed JSON document by ``replacement``."""
    nodes = json_slots(value)
    replacement = json.loads(json.dumps(replacement))  # a fresh copy: never a cycle
    if not nodes:
        return replacement
    container, key = rng.choice(nodes)
    container[key] = replacement
    return value


def edit_slots(value: Any, edits: list[tuple[int, Any]], drop: bool) -> Any:
    """Hypothesis-shrinkable structure damage: each ``(index, new)`` replaces the slot at
    ``index`` (modulo the slots left) by ``new``, or deletes it when ``drop``."""
    for index, new in edits:
        slots = json_slots(value)
        if not slots:
            break
        container, key = slots[index % len(slots)]
        if drop and isinstance(container, dict):
            del container[key]
        else:
            container[key] = new
    return value


def flip_splice_cut(
    data: bytes, flips: list[tuple[int, int]], splices: list[tuple[int, bytes]], cut: int
) -> bytes:
    """Bytes flipped, fragments spliced in, then the end cut off (``cut`` counts bytes of the
    original), as hypothesis draws them."""
    buf = bytearray(data)
    for position, value in flips:
        buf[position % len(buf)] = value
    for position, snippet in sorted(splices, reverse=True):
        buf[position:position] = snippet
    return bytes(buf[: cut + sum(len(s) for _, s in splices)])


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
