"""Fault injection: the Nth write, fsync or replace of a save fails with EIO or ENOSPC, for
every N. The save must fail loudly, the old file stay byte-identical, no temp file remain,
and the index keep listing the old version."""

from __future__ import annotations

import errno
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sessions_tui.models import Message, Session, TextBlock
from sessions_tui.store import SaveFailed, SessionStore
from tests.unit._store_helpers.faults import ERRNOS, OPS, FaultInjector


def _session(version: int) -> Session:
    text = f"version {version} " + "lorem ipsum 漢字 🦀 " * 400
    return Session(
        id="victim",
        title=f"v{version}",
        created=datetime(2025, 1, 1, tzinfo=UTC),
        updated=datetime(2025, 1, version + 1, tzinfo=UTC),
        messages=[
            Message(id=f"m{i}", role="user", content=[TextBlock(text=text)]) for i in range(5)
        ],
    )


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file under the store's sessions/ and trash/, with contents (index excluded)."""
    out = {}
    for sub in ("sessions", "trash"):
        for path in sorted((root / sub).iterdir()):
            out[f"{sub}/{path.name}"] = path.read_bytes()
    return out


def _setup(tmp_path: Path, name: str, old_compressed: bool, new_compressed: bool):
    store = SessionStore(tmp_path / name)
    store.update_settings(compress=old_compressed)
    store.save(_session(1))
    store.save(Session(id="bystander", title="unrelated"))
    if new_compressed != old_compressed:
        store.update_settings(compress=new_compressed)
    return store


SCENARIOS = [(False, False), (True, True), (False, True)]  # (old, new) compression


def _plan(tmp_path: Path, faults: FaultInjector, old_c: bool, new_c: bool) -> dict[str, int]:
    store = _setup(tmp_path, "dry", old_c, new_c)
    with faults.armed_for() as calls:
        store.save(_session(2))
    assert store.get("victim").title == "v2"
    assert calls["write"] >= 1 and calls["fsync"] >= 2 and calls["replace"] >= 1
    return dict(calls)


@pytest.mark.parametrize(("old_c", "new_c"), SCENARIOS, ids=["plain", "zstd", "plain-to-zstd"])
def test_every_failing_step_of_a_save_leaves_the_old_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old_c: bool, new_c: bool
) -> None:
    faults = FaultInjector(monkeypatch)
    plan = _plan(tmp_path, faults, old_c, new_c)
    cases = [(op, n, code) for op in OPS for n in range(1, plan[op] + 1) for code in ERRNOS]
    assert len(cases) >= 8
    for i, (op, n, code) in enumerate(cases):
        store = _setup(tmp_path, f"s{i}", old_c, new_c)
        before_files = _snapshot(store.root)
        before_list = store.list()
        if old_c != new_c and op == "fsync" and n == plan["fsync"]:
            # The last fsync only makes the removal of the old spelling durable: the new file
            # is already complete and durable, so the save succeeds (a resurrected old
            # spelling would lose to the newer file on read).
            with faults.armed_for((op, n, code)):
                store.save(_session(2))
            assert SessionStore(store.root).get("victim").title == "v2"
            assert [p.name for p in (store.root / "sessions").glob("victim*")] == [
                "victim.json.zst"
            ]
            continue
        with faults.armed_for((op, n, code)), pytest.raises(SaveFailed) as info:
            store.save(_session(2))
        case = f"{op} #{n} {errno.errorcode[code]}"
        message = str(info.value)
        assert "victim" in message and os.strerror(code) in message, case
        assert _snapshot(store.root) == before_files, case  # old bytes, no temp, nothing new
        assert store.get("victim").title == "v1", case
        assert store.list() == before_list, case
        reopened = SessionStore(store.root)
        assert reopened.list() == before_list, case
        assert reopened.get("victim").title == "v1", case
        # The failure is not sticky: the next save works.
        store.save(_session(3))
        assert SessionStore(store.root).get("victim").title == "v3", case


def test_short_writes_are_completed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """os.write may write less than asked (signals, pipes, quotas): the loop finishes the job."""
    faults = FaultInjector(monkeypatch)
    store = _setup(tmp_path, "s", False, False)
    faults.max_write = 777
    with faults.armed_for() as calls:
        store.save(_session(2))
    assert calls["write"] > 10
    assert SessionStore(store.root).get("victim") == _session(2)


def test_a_failure_midway_through_save_many_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    faults = FaultInjector(monkeypatch)
    store = SessionStore(tmp_path / "s")
    store.save(Session(id="s0", title="old"))
    before = (store.root / "sessions" / "s0.json.zst").read_bytes()
    batch = [Session(id=f"s{i}", title=f"t{i}") for i in range(5)]
    with faults.armed_for(("replace", 3, errno.ENOSPC)), pytest.raises(SaveFailed):
        store.save_many(batch)
    # A batch is all or nothing: the renamed files were rolled back, the rest never appeared.
    assert [(r.id, r.title) for r in store.list()] == [("s0", "old")]
    assert [(r.id, r.title) for r in SessionStore(store.root).list()] == [("s0", "old")]
    assert sorted(p.name for p in (store.root / "sessions").iterdir()) == ["s0.json.zst"]
    assert (store.root / "sessions" / "s0.json.zst").read_bytes() == before


def test_save_many_fsyncs_the_directory_once_per_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    store = SessionStore(tmp_path / "s")
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    store.save_many([Session(id=f"s{i}", title=f"t{i}") for i in range(10)])
    assert len(synced) == 10 + 1  # one per file, one for the directory


@pytest.mark.parametrize("op", ["write", "fsync"])
def test_a_failed_file_in_a_batch_written_side_by_side_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, op: str
) -> None:
    """A batch's temps are written by several threads; one failing must still undo them all."""
    faults = FaultInjector(monkeypatch)
    store = SessionStore(tmp_path / "s")
    store.save(Session(id="s0", title="old"))
    before = _snapshot(store.root)
    batch = [Session(id=f"s{i}", title=f"new {i}") for i in range(40)]
    with faults.armed_for((op, 17, errno.EIO)), pytest.raises(SaveFailed) as info:
        store.save_many(batch)
    assert info.value.path.name.startswith("s")  # names a file of the batch
    assert _snapshot(store.root) == before  # no temp left behind, s0 untouched
    assert [(r.id, r.title) for r in SessionStore(store.root).list()] == [("s0", "old")]
