"""The Python API for applications: create_session/add_message, and how durable an append is
(docs/python-api.md, "How durable is an append?")."""

from __future__ import annotations

import subprocess
import sys
import time
import types
from datetime import UTC, datetime
from pathlib import Path

import pytest

import sessions_tui.store.store as store_module
from sessions_tui import SessionStore
from sessions_tui.models import TextBlock, ThinkingBlock, ToolCallBlock
from tests.unit._store_helpers.faults import FaultInjector


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Drive the store's flush timing without sleeping (only the store module sees it)."""
    fake = FakeClock()
    proxy = types.SimpleNamespace(
        **{n: getattr(time, n) for n in dir(time) if not n.startswith("_")}
    )
    proxy.monotonic = fake.monotonic
    monkeypatch.setattr(store_module, "time", proxy)
    return fake


def test_create_session_and_add_messages(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "s", flush_interval=0) as store:
        before = datetime.now(UTC)
        session = store.create_session("Refactor", project="/src/app", tags=["x"], editor="vim")
        assert store.get(session.id) == session
        assert session.extra == {"editor": "vim"} and session.source == "native"
        first = store.add_message(session.id, "user", "Where is the tokenizer? 漢字")
        second = store.add_message(
            session.id,
            "assistant",
            [ThinkingBlock(text="look"), {"type": "tool_call", "name": "Grep", "input": {"q": 1}}],
            model="model-a",
        )
        third = store.add_message(session.id, "user", "and this?", parent_id=first.id)
        after = datetime.now(UTC)
    assert len({first.id, second.id, third.id}) == 3
    assert first.parent_id is None and second.parent_id == first.id and third.parent_id == first.id
    for m in (first, second, third):
        assert m.timestamp is not None and before <= m.timestamp <= after
    got = SessionStore(tmp_path / "s").get(session.id)
    assert [m.id for m in got.messages] == [first.id, second.id, third.id]
    assert got.messages[0].content == [TextBlock(text="Where is the tokenizer? 漢字")]
    assert isinstance(got.messages[1].content[1], ToolCallBlock)
    assert got.models == ["model-a"]
    assert got.updated == third.timestamp
    [row] = SessionStore(tmp_path / "s").list()
    assert row.message_count == 3 and row.tool_call_count == 1 and row.title == "Refactor"


def test_appends_are_batched_within_the_flush_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    # The fake clock drives the append path; the background timer runs on real time.
    store = SessionStore(tmp_path / "s", flush_interval=5.0, autoflush=False)
    sid = store.create_session("chat").id
    faults = FaultInjector(monkeypatch)
    other = SessionStore(tmp_path / "s")
    with faults.armed_for() as calls:
        for i in range(50):
            clock.now += 0.05  # 50 appends in 2.5 s
            store.add_message(sid, "assistant", f"token batch {i}")
    assert calls["replace"] == 0  # not one rewrite of the file
    assert store.get(sid).message_count == 50  # the writer sees its own appends
    assert other.get(sid).message_count == 0  # not durable yet, and not claimed to be

    with faults.armed_for() as calls:
        clock.now += 5.0
        store.add_message(sid, "assistant", "after the interval")
    assert calls["replace"] == 1  # one save carries all 51 appends
    assert other.get(sid).message_count == 51


def test_flush_makes_appends_durable_and_visible(tmp_path: Path, clock: FakeClock) -> None:
    store = SessionStore(tmp_path / "s", flush_interval=3600)
    sid = store.create_session("chat").id
    store.add_message(sid, "user", "hello")
    other = SessionStore(tmp_path / "s")
    store.flush()
    assert [m.text for m in other.get(sid).messages] == ["hello"]
    assert other.list()[0].message_count == 1
    store.add_message(sid, "user", "bye")
    store.close()
    assert [m.text for m in other.get(sid).messages] == ["hello", "bye"]


def test_flush_interval_zero_writes_every_append(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SessionStore(tmp_path / "s", flush_interval=0)
    sid = store.create_session("chat").id
    faults = FaultInjector(monkeypatch)
    with faults.armed_for() as calls:
        for i in range(5):
            store.add_message(sid, "user", str(i))
    assert calls["replace"] == 5


def test_autoflush_saves_an_idle_session_within_the_interval(tmp_path: Path) -> None:
    import threading

    store = SessionStore(tmp_path / "s", flush_interval=2.0)
    sid = store.create_session("chat").id
    saved = threading.Event()
    store.listeners.append(lambda event: saved.set() if sid in event.ids else None)
    store.flush()  # the interval starts now, so the append below is left pending
    store.add_message(sid, "user", "and then nothing more is appended")
    other = SessionStore(tmp_path / "s")
    assert other.get(sid).message_count == 0  # pending, not written synchronously
    assert saved.wait(timeout=30), "the background timer never saved the pending append"
    assert [m.text for m in other.get(sid).messages] == ["and then nothing more is appended"]
    store.close()


def test_settings_changes_are_saved_in_the_manifest(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s")
    store.update_settings(retention_days=90, compress=False)
    reopened = SessionStore(tmp_path / "s")
    assert reopened.settings.retention_days == 90 and reopened.settings.compress is False


def test_pending_appends_are_flushed_when_the_interpreter_exits(tmp_path: Path) -> None:
    root = tmp_path / "s"
    sid = SessionStore(root).create_session("chat").id
    script = (
        "import sys; from sessions_tui import SessionStore\n"
        "s = SessionStore(sys.argv[1], flush_interval=3600)\n"
        "s.add_message(sys.argv[2], 'user', 'said just before exit')\n"
    )
    subprocess.run([sys.executable, "-c", script, str(root), sid], check=True)
    assert [m.text for m in SessionStore(root).get(sid).messages] == ["said just before exit"]


def test_add_message_to_unknown_session_is_a_clear_error(tmp_path: Path) -> None:
    from sessions_tui.store import SessionNotFound

    with pytest.raises(SessionNotFound, match="no session with id 'nope'"):
        SessionStore(tmp_path / "s").add_message("nope", "user", "hi")


def test_create_session_never_overwrites_an_existing_id(tmp_path: Path) -> None:
    from sessions_tui.store import SessionExists

    with SessionStore(tmp_path / "s", flush_interval=0) as store:
        store.create_session("important", session_id="chat-1")
        store.add_message("chat-1", "user", "keep me")
        with pytest.raises(SessionExists, match="chat-1"):
            store.create_session("new", session_id="chat-1")
    got = SessionStore(tmp_path / "s").get("chat-1")
    assert got.title == "important" and [m.text for m in got.messages] == ["keep me"]


def test_deleting_a_session_with_unsaved_appends_does_not_bring_it_back(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "s", flush_interval=3600, autoflush=False) as store:
        session = store.create_session("doomed")
        store.add_message(session.id, "user", "pending")
        store.delete([session.id])
    reopened = SessionStore(tmp_path / "s")
    assert not reopened.exists(session.id)
    assert [e.session_id for e in reopened.trash()] == [session.id]
    assert reopened.restore([session.id]).restored == [session.id]


def test_one_session_that_cannot_be_saved_does_not_lose_the_others_appends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sessions_tui.store import SaveFailed

    store = SessionStore(tmp_path / "s", flush_interval=3600, autoflush=False)
    good, bad = store.create_session("good"), store.create_session("bad")
    store.add_message(good.id, "user", "important append")
    store.add_message(bad.id, "user", "this one fails")
    real = store._prepare

    def failing(session):
        if session.id == bad.id:
            raise SaveFailed(tmp_path / "x", OSError(28, "No space left on device"))
        return real(session)

    monkeypatch.setattr(store, "_prepare", failing)
    with pytest.raises(SaveFailed):
        store.flush()
    assert [m.text for m in SessionStore(tmp_path / "s").get(good.id).messages] == [
        "important append"
    ]
    monkeypatch.setattr(store, "_prepare", real)
    store.flush()  # the failed one stayed pending and is saved now
    assert [m.text for m in SessionStore(tmp_path / "s").get(bad.id).messages] == ["this one fails"]


def test_verify_repair_reports_but_never_quarantines_a_file_it_cannot_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Permissions or I/O errors say nothing about the file's bytes: it may be intact."""
    store = SessionStore(tmp_path / "s")
    session = store.create_session("locked away")
    path = store.path_of(session.id)
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == path:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    report = store.verify(repair=True)
    assert [(p, r) for p, r in report.problems] == [(path, "cannot read: Permission denied")]
    assert report.quarantined == [] and path.exists()
