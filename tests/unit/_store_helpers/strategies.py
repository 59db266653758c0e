"""Hypothesis strategies for the data model: every block type, hostile unicode, big ints.

Strings exclude lone surrogates (category Cs): they are not valid UTF-8, importers reject them
at the door, and a save of one is tested separately to fail cleanly.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from sessions_tui.models import (
    KNOWN_SOURCES,
    AttachmentBlock,
    Message,
    Session,
    SourceRef,
    TextBlock,
    ThinkingBlock,
    TokenUsage,
    ToolCallBlock,
    ToolResultBlock,
)

_SPECIAL = [
    "",
    " ",
    "漢字かなカナ한국어",
    "🦀🐍👩‍👩‍👧‍👦🏳️‍🌈",
    "e\u0301",  # combining accent
    "\u202eRTL override",
    "\x00nul\x1b[2J\x07",
    "line\r\nbreaks\n\ttab",
    '"quotes" \\ back\\slash \'}\' {"session": 1}',
    "\ufeffBOM",
    "\U0010ffff",
]

text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.sampled_from(_SPECIAL),
    st.lists(st.sampled_from(_SPECIAL), max_size=4).map("".join),
)
opt_text = st.none() | text

big_int = st.integers() | st.sampled_from([2**63, -(2**63) - 1, 2**64 + 1, 10**40, -(10**30)])

json_scalar = (
    st.none() | st.booleans() | big_int | st.floats(allow_nan=False, allow_infinity=False) | text
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)

# Times a session plausibly carries; naive values are taken as UTC by the model.
moment = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
) | st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1))

session_id = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,40}\Z")
source = st.sampled_from(KNOWN_SOURCES) | st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,20}\Z")
# Token counts and retention stamps: usually plausible, sometimes beyond SQLite's 64 bits.
small_int = st.none() | st.integers(min_value=0, max_value=2**62) | st.just(2**64 + 7)

usage = st.none() | st.builds(
    TokenUsage,
    input_tokens=small_int,
    output_tokens=small_int,
    cache_read_tokens=small_int,
    cache_write_tokens=small_int,
    reasoning_tokens=small_int,
)

block = st.one_of(
    st.builds(TextBlock, text=text),
    st.builds(ThinkingBlock, text=text),
    st.builds(ToolCallBlock, id=opt_text, name=text, input=json_value),
    st.builds(
        ToolResultBlock, call_id=opt_text, name=opt_text, output=text, is_error=st.booleans()
    ),
    st.builds(
        AttachmentBlock,
        kind=st.sampled_from(["file", "image"]),
        name=opt_text,
        mime_type=opt_text,
        size=st.none() | st.integers(min_value=0, max_value=2**53),
        uri=opt_text,
        text=opt_text,
    ),
)

message = st.builds(
    Message,
    id=text,
    parent_id=opt_text,
    role=st.sampled_from(["user", "assistant", "system", "tool"]),
    kind=st.sampled_from(["message", "summary", "context", "command", "event", "error"]),
    timestamp=st.none() | moment,
    model=opt_text,
    content=st.lists(block, max_size=5),
    usage=usage,
    alternate=st.booleans(),
)

session = st.builds(
    Session,
    id=session_id,
    title=text,
    source=source,
    source_ref=st.builds(SourceRef, path=opt_text, id=opt_text),
    models=st.lists(text, max_size=3),
    project=opt_text,
    git_branch=opt_text,
    created=moment,
    updated=moment,
    persisted_until=st.none() | st.integers(min_value=0, max_value=2**53) | st.just(10**20),
    tags=st.lists(text, max_size=3),
    starred=st.booleans(),
    usage=usage,
    parent_session_id=st.none() | session_id,
    extra=st.dictionaries(text, json_value, max_size=3),
    messages=st.lists(message, max_size=6),
)
