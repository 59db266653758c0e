"""One writer at a time across processes; readers never block; a dead holder frees the lock."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sessions_tui.models import Session
from sessions_tui.store import SessionStore, StoreBusy

HOLDER = Path(__file__).parent / "_store_helpers" / "hold_lock.py"


@pytest.fixture
def holder(tmp_path: Path):
    """A subprocess holding the writer lock of a store with two sessions (one its own)."""
    root = tmp_path / "store"
    with SessionStore(root) as store:
        store.save(Session(id="before", title="saved before the lock was taken"))
    proc = subprocess.Popen(
        [sys.executable, str(HOLDER), str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline() == "locked\n"  # blocks until the lock is held
        yield root, proc
    finally:
        proc.kill()
        proc.wait()


def test_second_writer_gets_store_busy_and_nothing_is_lost(holder) -> None:
    root, _proc = holder
    store = SessionStore(root, lock_timeout=0)
    with pytest.raises(StoreBusy) as info:
        store.save(Session(id="mine", title="mine"))
    message = str(info.value)
    assert "store busy" in message and str(root / "store.lock") in message
    assert "\n" not in message
    assert not store.exists("mine")
    with pytest.raises(StoreBusy):
        store.delete(["before"])
    assert store.exists("before")
    slow = SessionStore(root, lock_timeout=0.2)
    with pytest.raises(StoreBusy, match=r"waited 0\.2s"):
        slow.save(Session(id="mine", title="mine"))


def test_readers_never_block_while_another_process_writes(holder) -> None:
    root, _proc = holder
    store = SessionStore(root, lock_timeout=0)  # opening does not need the lock either
    assert store.get("before").title == "saved before the lock was taken"
    assert store.get("from-holder").title == "written by the lock holder"
    assert sorted(r.id for r in store.list()) == ["before", "from-holder"]
    assert store.verify().ok
    assert store.stats()["sessions"] == 2


def test_killing_the_holder_lets_the_waiting_writer_proceed(holder) -> None:
    root, proc = holder
    store = SessionStore(root, lock_timeout=60)
    done = threading.Event()
    errors: list[BaseException] = []

    def save() -> None:
        try:
            store.save(Session(id="mine", title="mine"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        done.set()

    worker = threading.Thread(target=save)
    worker.start()
    assert not done.wait(0.3)  # really waiting on the lock
    proc.send_signal(signal.SIGKILL)  # the kernel releases the dead process's flock
    proc.wait()
    worker.join(30)
    assert done.is_set() and errors == []
    reopened = SessionStore(root)
    assert sorted(r.id for r in reopened.list()) == ["before", "from-holder", "mine"]


def test_a_released_lock_is_taken_by_the_next_writer(holder) -> None:
    root, proc = holder
    proc.stdin.write("release\n")
    proc.stdin.flush()
    assert proc.stdout.readline() == "released\n"
    store = SessionStore(root, lock_timeout=0)
    store.save(Session(id="mine", title="mine"))
    assert sorted(r.id for r in store.list()) == ["before", "from-holder", "mine"]
