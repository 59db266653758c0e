"""Trash: delete moves files unchanged, restore is byte-identical, empty deletes for good, and
a bulk move interrupted midway loses nothing."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from sessions_tui.demo import demo_sessions
from sessions_tui.store import SaveFailed, SessionNotFound, SessionStore


class Died(BaseException):
    """Stands for the process dying: not an OSError, so no in-process rollback runs."""


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    s = SessionStore(tmp_path / "store")
    s.update_settings(compress=False)
    s.save_many(demo_sessions()[:3])  # one plain-spelling file among zstd ones
    s.update_settings(compress=True)
    s.save_many(demo_sessions()[3:8])
    return s


def _bytes(store: SessionStore) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in store.layout.sessions.iterdir()}


def test_delete_restore_is_byte_identical(store: SessionStore) -> None:
    before = _bytes(store)
    ids = [r.id for r in store.list()]
    victims = [ids[0], ids[-1]]
    entries = store.delete(victims)
    assert sorted(e.session_id for e in entries) == sorted(victims)
    assert all(e.path.parent == store.layout.trash for e in entries)
    assert {e.path.read_bytes() for e in entries} == {
        before[n] for n in before if n.split(".json")[0] in victims
    }
    assert sorted(r.id for r in store.list()) == sorted(set(ids) - set(victims))
    assert sorted(r.id for r in SessionStore(store.root).list()) == sorted(set(ids) - set(victims))
    with pytest.raises(SessionNotFound):
        store.get(victims[0])
    assert store.read_trashed(entries[0]).id == entries[0].session_id
    assert [op["op"] for op in store.operations()] == ["delete"]

    report = store.restore(victims)
    assert sorted(report.restored) == sorted(victims)
    assert _bytes(store) == before
    assert sorted(r.id for r in store.list()) == sorted(ids)
    assert store.trash() == []


def test_restore_conflict_missing_and_empty(store: SessionStore) -> None:
    sid = store.list()[0].id
    session = store.get(sid)
    store.delete([sid])
    store.save(session)  # the id exists again
    report = store.restore([sid, "never-existed"])
    assert report.conflicts == [sid] and report.missing == ["never-existed"]
    assert len(store.trash()) == 1
    assert store.empty_trash() == 1
    assert store.trash() == [] and list(store.layout.trash.iterdir()) == []
    assert store.delete(["never-existed"]) == []


def test_a_failed_rename_midway_rolls_the_whole_delete_back(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _bytes(store)
    ids = [r.id for r in store.list()]
    real_rename = os.rename
    calls = 0

    def failing(src, dst):
        nonlocal calls
        calls += 1
        if calls == 4:
            raise OSError(errno.EIO, "Input/output error")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", failing)
    with pytest.raises(SaveFailed, match="Input/output error"):
        store.delete(ids)
    monkeypatch.undo()
    assert _bytes(store) == before
    assert sorted(r.id for r in store.list()) == sorted(ids)
    assert [p.name for p in store.layout.trash.iterdir()] == []


@pytest.mark.parametrize("k", [0, 1, 3, 7])
@pytest.mark.parametrize("operation", ["delete", "restore"])
def test_a_bulk_move_interrupted_by_death_loses_nothing(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch, k: int, operation: str
) -> None:
    ids = sorted(r.id for r in store.list())
    before = _bytes(store)
    if operation == "restore":
        store.delete(ids)
    real_rename = os.rename
    moved = 0

    def dying(src, dst):
        nonlocal moved
        if moved == k:
            raise Died
        moved += 1
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", dying)
    with pytest.raises(Died):
        store.delete(ids) if operation == "delete" else store.restore(None)
    monkeypatch.undo()
    store.index.close()

    # Right after the "crash": every session is in the store or in the trash, none lost.
    in_store = {n.split(".json")[0] for n in _bytes(store)}
    in_trash = {e.session_id for e in SessionStore.trash(store)}
    assert in_store | in_trash == set(ids) and not in_store & in_trash

    reopened = SessionStore(store.root)  # rolls the interrupted move back
    assert list(store.layout.trash.glob(".pending-*")) == []
    if operation == "delete":
        assert _bytes(reopened) == before
        assert sorted(r.id for r in reopened.list()) == ids
        assert reopened.trash() == []
    else:
        assert _bytes(reopened) == {}
        assert reopened.list() == []
        assert sorted(e.session_id for e in reopened.trash()) == ids
        reopened.restore(None)
        assert _bytes(reopened) == before
        assert sorted(r.id for r in reopened.list()) == ids


def test_deleting_after_a_crash_left_both_spellings_trashes_the_newer_one(
    store: SessionStore,
) -> None:
    """Readers take the newer of <id>.json and <id>.json.zst; a delete must trash that one,
    or a restore could bring back the version the crash had already replaced."""
    from sessions_tui.store.fileformat import encode

    sid = store.list()[0].id
    old = store.get(sid)
    new = old.model_copy(update={"title": "the newer version"})
    plain = store.layout.session_file(sid, False)
    zst = store.layout.session_file(sid, True)
    for path in (plain, zst):
        path.unlink(missing_ok=True)
    plain.write_bytes(encode(old, compress=False))
    zst.write_bytes(encode(new, compress=True))
    os.utime(plain, ns=(1_000_000_000, 1_000_000_000))
    SessionStore(store.root).refresh_index()
    [entry] = store.delete([sid])
    assert entry.name.endswith(".json.zst")  # the newer spelling
    assert store.layout.existing_session_files(sid) == []
    assert store.restore([sid]).restored == [sid]
    assert store.get(sid).title == "the newer version" and store.trash() == []
