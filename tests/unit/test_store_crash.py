"""SIGKILL a writer at random points, over and over: every session file is always a complete
old or new version, a reopened store lists every session truthfully, and the temp files of
killed writers are swept once their grace period has passed.

Writers are forked children of the test process (a real separate process, killed by the
kernel mid-syscall, at a fraction of the cost of starting a fresh interpreter each time).
"""

from __future__ import annotations

import os
import random
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sessions_tui.models import Message, Session, TextBlock
from sessions_tui.store import SessionStore, atomic
from sessions_tui.store.fileformat import decode
from sessions_tui.store.layout import session_id_from_file_name

IDS = [f"s{i}" for i in range(8)]
#: Session sizes from tiny to ~400 KB uncompressed, so kills land inside long writes too.
SIZES = {sid: 4 ** (i % 5) * 400 for i, sid in enumerate(IDS)}
KILLS = 150


def make(sid: str, gen: int) -> Session:
    """The one valid content of session ``sid`` at generation ``gen``."""
    rng = random.Random(f"{sid}/{gen}")
    words = ["retry", "backoff", "漢字", "🦀", "fsync", "rename", "def", "return", "\n"]
    text = " ".join(rng.choice(words) for _ in range(SIZES[sid] // 6))
    return Session(
        id=sid,
        title=f"{sid} gen {gen}",
        created=datetime(2025, 1, 1, tzinfo=UTC),
        updated=datetime(2025, 1, 1, tzinfo=UTC),
        messages=[
            Message(id=f"{sid}-{gen}-{i}", role="user", content=[TextBlock(text=text)])
            for i in range(3)
        ],
    )


def gen_of(session: Session) -> int:
    return int(session.title.rsplit(" ", 1)[1])


def _writer(root: Path, seed: int, ready: int) -> None:
    """The child: opens the store (recovering whatever the last one left), says so on the
    ``ready`` pipe, and writes until killed."""
    rng = random.Random(seed)
    store = SessionStore(root, lock_timeout=30)
    if store.trash():
        store.restore(None)
    os.write(ready, b".")
    while True:
        roll = rng.random()
        if roll < 0.05:
            store.update_settings(compress=not store.settings.compress)
        elif roll < 0.15:
            sid = rng.choice(IDS)
            store.delete([sid])
            store.restore([sid])
        else:
            ids = rng.sample(IDS, rng.randint(1, 3))
            store.save_many([make(sid, gen_of(store.get(sid)) + 1) for sid in ids])


def _fork(target, *args) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        try:
            target(*args)
        finally:
            os._exit(0)
    return pid


def _visible(root: Path) -> dict[str, Session]:
    """Check every file in sessions/ and trash/ decodes to a valid generation; return the
    version a reader sees per id (the newer file if a crash left both spellings)."""
    seen: dict[str, tuple[int, Session]] = {}
    for sub in ("sessions", "trash"):
        for path in (root / sub).iterdir():
            name = path.name.partition("~")[2] if sub == "trash" else path.name
            sid = session_id_from_file_name(name)
            if sid is None:
                continue
            session = decode(path.read_bytes(), path, expected_id=sid).session  # never partial
            assert session == make(sid, gen_of(session)), path
            mtime = path.stat().st_mtime_ns
            if sid not in seen or mtime > seen[sid][0]:
                seen[sid] = (mtime, session)
    return {sid: s for sid, (_m, s) in seen.items()}


def _temps(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*.tmp")]


@pytest.mark.slow
def test_sigkill_at_random_points_never_leaves_a_partial_file(tmp_path: Path) -> None:
    root = tmp_path / "store"
    with SessionStore(root) as store:
        store.save_many(make(sid, 0) for sid in IDS)
    rng = random.Random(1234)
    last = dict.fromkeys(IDS, 0)
    progressed = 0
    for kill in range(KILLS):
        ready_r, ready_w = os.pipe()
        pid = _fork(_writer, root, kill, ready_w)
        os.close(ready_w)
        if kill % 2:
            # Half the kills land while writing, however loaded the machine: wait until the
            # child has opened the store, then give it a random slice of time.
            os.read(ready_r, 1)
        # The other half are timed from the fork: store opening and recovery get killed too.
        time.sleep(rng.uniform(0.0, 0.05))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(ready_r)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        visible = _visible(root)
        assert sorted(visible) == IDS, f"kill {kill}: a session vanished"
        for sid, session in visible.items():
            gen = gen_of(session)
            assert gen >= last[sid], f"kill {kill}: {sid} went back from {last[sid]} to {gen}"
            progressed += gen - last[sid]
            last[sid] = gen
    assert progressed >= 20  # the writers really wrote between the kills (~2 per kill idle)

    # A reopened store recovers interrupted trash moves and lists every session truthfully.
    orphans = _temps(root)
    print(f"{len(orphans)} orphaned temp file(s) after {KILLS} kills")
    store = SessionStore(root)
    if store.trash():
        store.restore(None)
    rows = {r.id: r for r in store.list()}
    assert sorted(rows) == IDS
    for sid in IDS:
        assert store.get(sid) == make(sid, last[sid])
        assert rows[sid].title == f"{sid} gen {last[sid]}"
    assert store.problems() == []
    assert store.verify().ok
    # Fresh temps may belong to a live writer: kept. Past the grace period: swept.
    assert sorted(_temps(root)) == sorted(orphans)
    old = time.time() - atomic.TEMP_GRACE_SECONDS - 1
    for path in orphans:
        os.utime(path, (old, old))
    SessionStore(root).close()
    assert _temps(root) == []


def _die_before_rename(root: Path) -> None:
    store = SessionStore(root)

    def die(*_args: object) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    os.replace = die  # the child's own copy of the os module: the parent is untouched
    store.save(make("s0", 1))


@pytest.mark.parametrize("grace", [0, 3600])
def test_a_killed_writers_temp_is_swept_only_after_the_grace_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, grace: int
) -> None:
    root = tmp_path / "store"
    with SessionStore(root) as store:
        store.save(make("s0", 0))
    pid = _fork(_die_before_rename, root)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status)
    orphans = _temps(root)  # the new version's temp, and the hard link keeping the old one
    assert orphans and {p.parent for p in orphans} == {root / "sessions"}
    assert SessionStore(root).get("s0") == make("s0", 0)  # the old version, untouched
    monkeypatch.setattr(atomic, "TEMP_GRACE_SECONDS", grace)
    SessionStore(root).close()
    assert _temps(root) == ([] if grace == 0 else orphans)
