"""Any Session survives the store unchanged, compressed or not, and lists as it should."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from sessions_tui.models import Session, TextBlock
from sessions_tui.store import ListQuery, SessionStore, StoreError
from sessions_tui.store.fileformat import decode, encode
from sessions_tui.store.metaindex import display_title, to_ms
from tests.unit._store_helpers import strategies as sst

PROPERTY = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module", params=[True, False], ids=["zstd", "plain"])
def store(request, tmp_path_factory) -> SessionStore:
    root = tmp_path_factory.mktemp("roundtrip") / "store"
    s = SessionStore(root)
    s.update_settings(compress=request.param)
    yield s
    s.close()


def _same(a: Session, b: Session) -> None:
    # Compare the full serialised form as well as model equality: a field that silently
    # changed type (int -> float, datetime -> str) shows up in the JSON.
    assert a == b
    assert a.model_dump_json() == b.model_dump_json()


@PROPERTY
@given(session=sst.session)
def test_any_session_round_trips_through_the_store(store: SessionStore, session: Session) -> None:
    store.save(session)
    path = store.path_of(session.id)
    assert path.name.endswith(".zst") == store.settings.compress
    _same(store.get(session.id), session)
    # A second, independent instance reads the same thing from disk (no in-memory cache).
    other = SessionStore(store.root)
    try:
        _same(other.get(session.id), session)
    finally:
        other.close()


@PROPERTY
@given(session=sst.session)
def test_list_summary_matches_the_session(store: SessionStore, session: Session) -> None:
    store.save(session)
    [row] = [r for r in store.list() if r.id == session.id]
    assert row.title == display_title(session)
    assert row.source == session.source
    assert row.models == session.models
    assert row.project == session.project
    assert row.git_branch == session.git_branch
    assert row.created_ms == to_ms(session.created)
    assert row.updated_ms == to_ms(session.updated)
    assert row.message_count == len(session.messages)
    assert row.tool_call_count == sum(len(m.tool_calls) for m in session.messages)
    assert row.has_error == session.has_error
    assert row.starred == session.starred
    assert row.tags == session.tags
    clamp = lambda v: None if v is None else min(v, 2**63 - 1)  # noqa: E731 - SQLite's range
    assert row.persisted_until == clamp(session.persisted_until)
    assert row.parent_session_id == session.parent_session_id
    assert row.source_path == session.source_ref.path
    assert row.source_id == session.source_ref.id
    assert row.tokens == (clamp(session.usage.total) if session.usage else None)
    assert row.bytes == store.path_of(session.id).stat().st_size
    # `list --json` text, pre-rendered by the index, is exactly what the summary serialises to.
    text = store.index.query_json(ListQuery(ids=[session.id])).decode()
    assert text == json.dumps([row.to_json()], ensure_ascii=False)
    assert json.loads(text)[0]["models"] == session.models


@PROPERTY
@given(session=sst.session)
def test_encode_decode_is_lossless_in_both_spellings(session: Session) -> None:
    for compress in (True, False):
        decoded = decode(encode(session, compress=compress), Path("x"), expected_id=session.id)
        assert not decoded.newer
        _same(decoded.session, session)


def test_big_ints_in_tool_input_stay_exact(tmp_path: Path) -> None:
    from sessions_tui.models import Message, ToolCallBlock

    value = {"n": 2**64 + 1, "neg": -(10**30), "list": [10**40, 1.5, None, "漢字🦀"]}
    s = Session(
        id="big",
        messages=[
            Message(id="m", role="assistant", content=[ToolCallBlock(name="t", input=value)])
        ],
    )
    store = SessionStore(tmp_path / "s")
    store.save(s)
    got = store.get("big").messages[0].content[0]
    assert got.input == value
    assert type(got.input["n"]) is int


def test_counts_beyond_64_bits_do_not_break_the_index(tmp_path: Path) -> None:
    """One hostile file must not make the store unopenable: SQLite integers are 64-bit."""
    from sessions_tui.models import TokenUsage

    store = SessionStore(tmp_path / "s")
    big = Session(id="big", persisted_until=10**30, usage=TokenUsage(input_tokens=2**64))
    store.save(big)
    assert store.get("big") == big  # the file keeps the exact values
    [row] = SessionStore(tmp_path / "s").list()
    assert row.tokens == row.persisted_until == 2**63 - 1


def test_lone_surrogate_is_a_clear_store_error_and_writes_nothing(tmp_path: Path) -> None:
    """Text that is not valid Unicode cannot be written as UTF-8: refuse with a StoreError."""
    store = SessionStore(tmp_path / "s")
    bad = Session(id="bad", title="ok")
    bad.messages.append(
        __import__("sessions_tui.models", fromlist=["Message"]).Message(
            id="m", role="user", content=[TextBlock(text="broken \udcff half")]
        )
    )
    with pytest.raises(StoreError) as info:
        store.save(bad)
    assert "bad" in str(info.value)
    assert not store.exists("bad")
    assert [p for p in (tmp_path / "s" / "sessions").iterdir()] == []
