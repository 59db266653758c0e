"""The metadata index is a cache: rebuilt when missing, corrupt or stale, and `list` always
equals what opening every file gives."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from sessions_tui.demo import demo_sessions
from sessions_tui.models import Session
from sessions_tui.store import ListQuery, SessionStore
from sessions_tui.store.fileformat import encode
from sessions_tui.store.metaindex import display_title, to_ms


def _truth(store: SessionStore) -> list[tuple]:
    """The listing computed the slow way: open and decode every file."""
    rows = []
    for item in store.iter_sessions():
        assert isinstance(item, Session), item
        path = store.path_of(item.id)
        rows.append(
            (
                item.id,
                display_title(item),
                item.source,
                item.models,
                to_ms(item.updated),
                item.message_count,
                item.tool_call_count,
                path.stat().st_size,
            )
        )
    return sorted(rows)


def _listed(store: SessionStore) -> list[tuple]:
    return sorted(
        (
            r.id,
            r.title,
            r.source,
            r.models,
            r.updated_ms,
            r.message_count,
            r.tool_call_count,
            r.bytes,
        )
        for r in store.list()
    )


def _write_behind_its_back(store: SessionStore, session: Session, compress: bool = True) -> Path:
    """What another program following docs/storage-format.md does: temp file, then rename."""
    target = store.layout.session_file(session.id, compress)
    tmp = target.with_name(f".{target.name}.other-program.tmp")
    tmp.write_bytes(encode(session, compress=compress))
    os.replace(tmp, target)
    return target


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    s = SessionStore(tmp_path / "store")
    s.save_many(demo_sessions()[:12])
    return s


def test_index_rebuilt_when_deleted(store: SessionStore) -> None:
    truth = _truth(store)
    store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(store.layout.meta_index) + suffix).unlink(missing_ok=True)
    reopened = SessionStore(store.root)
    assert _listed(reopened) == truth
    assert store.layout.meta_index.exists()


@pytest.mark.parametrize("garbage", [b"", b"garbage" * 100, b"SQLite format 3\x00" + b"\xff" * 200])
def test_index_rebuilt_when_corrupt(store: SessionStore, garbage: bytes) -> None:
    truth = _truth(store)
    store.close()
    for suffix in ("-wal", "-shm"):
        Path(str(store.layout.meta_index) + suffix).unlink(missing_ok=True)
    store.layout.meta_index.write_bytes(garbage)
    reopened = SessionStore(store.root)
    assert _listed(reopened) == truth


def test_index_rebuilt_when_its_schema_is_foreign(store: SessionStore) -> None:
    truth = _truth(store)
    store.close()
    with sqlite3.connect(store.layout.meta_index) as conn:
        conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    assert _listed(SessionStore(store.root)) == truth


def test_file_added_behind_its_back_is_listed(store: SessionStore) -> None:
    new = Session(id="added-elsewhere", title="written by another program")
    _write_behind_its_back(store, new)
    assert "added-elsewhere" in [r.id for r in store.list()]  # the same open instance
    assert _listed(store) == _truth(store)
    assert _listed(SessionStore(store.root)) == _truth(store)


def test_file_removed_behind_its_back_is_dropped(store: SessionStore) -> None:
    victim = store.list()[3]
    (store.layout.sessions / victim.file_name).unlink()
    assert victim.id not in [r.id for r in store.list()]
    assert _listed(store) == _truth(store)


@pytest.mark.parametrize("compress", [True, False])
def test_file_changed_behind_its_back_is_reread(store: SessionStore, compress: bool) -> None:
    victim = store.list()[5]
    session = store.get(victim.id)
    session.title = "renamed by another program"
    session.messages = session.messages[:1]
    _write_behind_its_back(store, session, compress)
    if compress != victim.file_name.endswith(".zst"):
        (store.layout.sessions / victim.file_name).unlink()
    [row] = store.list(ListQuery(ids=[victim.id]))
    assert row.title == "renamed by another program" and row.message_count == 1
    assert _listed(store) == _truth(store)


def test_both_spellings_after_a_crash_list_the_newer_file(store: SessionStore) -> None:
    """A crash between writing <id>.json.zst and removing <id>.json leaves both: the reader
    and the listing must agree on the newer one, whatever order the directory lists them."""
    victim = store.list()[0]
    old = store.get(victim.id)
    new = old.model_copy(update={"title": "the newer version"})
    plain = _write_behind_its_back(store, old, compress=False)
    zst = _write_behind_its_back(store, new, compress=True)
    os.utime(plain, ns=(1_000_000_000, 1_000_000_000))  # unmistakably older
    for s in (store, SessionStore(store.root)):
        assert s.get(victim.id).title == "the newer version"
        [row] = s.list(ListQuery(ids=[victim.id]))
        assert row.title == "the newer version" and row.file_name == zst.name
    # The next save removes the stale spelling for good.
    store.save(new)
    assert store.layout.existing_session_files(victim.id) == [zst]


def test_a_good_file_replaced_by_a_corrupt_other_spelling_is_no_longer_listed(
    store: SessionStore,
) -> None:
    """<id>.json.zst gone, a damaged <id>.json in its place: the old row must not keep
    listing the session as good while `show` fails on it."""
    victim = store.list()[2]
    path = store.layout.sessions / victim.file_name
    other = (
        victim.file_name.removesuffix(".zst")
        if victim.file_name.endswith(".zst")
        else (victim.file_name + ".zst")
    )
    path.unlink()
    (store.layout.sessions / other).write_bytes(b'{"format": "sessions-tui-session", trunc')
    for s in (store, SessionStore(store.root)):
        assert victim.id not in [r.id for r in s.list()]
        assert any(name == other for name, _reason in s.problems())


def test_rebuild_index_matches_the_files(store: SessionStore) -> None:
    _write_behind_its_back(store, Session(id="extra", title="extra"))
    report = store.rebuild_index()
    assert report.added == 13
    assert _listed(store) == _truth(store)


def test_list_filters_sorts_and_pages_like_the_files_say(store: SessionStore) -> None:
    sessions = [s for s in store.iter_sessions() if isinstance(s, Session)]
    by_updated = sorted(sessions, key=lambda s: (to_ms(s.updated), s.id), reverse=True)
    assert [r.id for r in store.list()] == [s.id for s in by_updated]
    page = store.list(ListQuery(offset=2, limit=3))
    assert [r.id for r in page] == [s.id for s in by_updated[2:5]]
    source = sessions[0].source
    assert sorted(r.id for r in store.list(ListQuery(sources=[source]))) == sorted(
        s.id for s in sessions if s.source == source
    )
    assert store.count() == len(sessions)


def test_short_lived_threads_do_not_pile_up_open_files(store: SessionStore) -> None:
    """The TUI searches and loads in a new thread per keystroke: each reading the index must
    not leave a connection (two file descriptors) behind, or a long session runs out."""
    import threading

    session_id = store.list()[0].id
    found: list[bool] = []

    def read() -> None:
        found.append(store.index.get(session_id) is not None)

    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    first = threading.Thread(target=read)  # the first reader thread opens a connection
    first.start()
    first.join()
    before = open_files()
    for _ in range(50):
        thread = threading.Thread(target=read)
        thread.start()
        thread.join()
    assert open_files() <= before + 2
    assert found == [True] * 51
