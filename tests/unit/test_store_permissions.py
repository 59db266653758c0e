"""Every file the store writes is 0600 and every directory 0700, even under umask 0; another
user cannot read a store.

As root (CI) permission checks pass vacuously, so the access test drops to an unprivileged
user in a forked child, and is skipped when that is not possible.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from sessions_tui.demo import demo_sessions
from sessions_tui.store import SessionStore
from tests.unit._store_helpers.faults import FaultInjector

FIXTURE = Path(__file__).parents[1] / "fixtures" / "store-v1"


@pytest.fixture
def open_umask():
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _modes(root: Path) -> dict[str, int]:
    out = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        out[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return out


def _assert_private(root: Path) -> dict[str, int]:
    modes = _modes(root)
    wrong = {
        name: oct(mode)
        for name, mode in modes.items()
        if mode != (0o700 if (root / name).is_dir() else 0o600)
    }
    assert wrong == {}
    return modes


def test_every_file_and_directory_is_private_under_umask_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_umask: None
) -> None:
    root = tmp_path / "deep" / "store"
    faults = FaultInjector(monkeypatch)
    temp_modes: list[int] = []
    faults.observers.append(
        lambda op, args: (
            op == "write" and temp_modes.append(stat.S_IMODE(os.fstat(args[0]).st_mode))
        )
    )
    store = SessionStore(root)
    sessions = demo_sessions()[:6]
    with faults.armed_for():
        store.save_many(sessions)  # temp files observed mid-write
        store.update_settings(compress=False)
        store.save(sessions[0])  # the other spelling, and the hard-linked old version
    assert temp_modes and set(temp_modes) == {0o600}

    store.set_starred([sessions[1].id], True)
    store.delete([sessions[2].id, sessions[3].id])  # trash/ and log/operations.jsonl
    store.restore([sessions[2].id])
    # A corrupt file, quarantined by verify --repair.
    bad = store.layout.sessions / "broken.json"
    bad.write_bytes(b"{not json")
    os.chmod(bad, 0o600)
    store.verify(repair=True)
    # An older file, backed up by migrate: given lax modes by whoever wrote it.
    old = store.layout.sessions / "v1-chat-0001.json"
    shutil.copyfile(FIXTURE / "sessions" / "v1-chat-0001.json", old)
    os.chmod(old, 0o644)
    report = store.migrate()
    assert report.migrated == 1 and report.backup is not None
    store.list()

    modes = _assert_private(root)
    names = set(modes)
    for expected in (
        "store.json",
        "store.lock",
        "sessions",
        "index",
        "index/meta.sqlite3",
        "index/meta.sqlite3-wal",  # while the store is open
        "index/meta.sqlite3-shm",
        "trash",
        "backups",
        "quarantine",
        "log/operations.jsonl",
    ):
        assert expected in names, expected
    assert any(n.startswith("trash/") for n in names)
    assert any(n.startswith("quarantine/broken.json") for n in names)
    assert any(n.startswith("backups/") and n.endswith("v1-chat-0001.json") for n in names)
    assert any(n.startswith("backups/") and n.endswith("store.json") for n in names)
    store.close()
    _assert_private(root)


def test_rebuilt_index_is_private(tmp_path: Path, open_umask: None) -> None:
    root = tmp_path / "store"
    SessionStore(root).save_many(demo_sessions()[:3])
    for p in (root / "index").iterdir():
        p.unlink()
    store = SessionStore(root)
    assert len(store.list()) == 3
    _assert_private(root)


def test_a_store_path_that_is_not_a_store_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "not-a-store"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    from sessions_tui.store import NotAStore

    with pytest.raises(NotAStore, match="not empty"):
        SessionStore(target)
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]


def _drop_privileges() -> int:
    import pwd

    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        return 0
    return nobody.pw_uid


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_another_user_cannot_read_the_store(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an unprivileged user; as a user, modes are checked")
    uid = _drop_privileges()
    if not uid:
        pytest.skip("no unprivileged 'nobody' user to switch to")
    # Make the path up to the store traversable, so only the store's own modes protect it.
    for parent in [tmp_path, *tmp_path.parents]:
        if parent == Path("/"):
            break
        os.chmod(parent, parent.stat().st_mode | 0o011)
    root = tmp_path / "store"
    store = SessionStore(root)
    store.save_many(demo_sessions()[:2])
    session_file = next((root / "sessions").iterdir())
    store.close()
    targets = [root / "store.json", session_file, root / "index" / "meta.sqlite3"]
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 0
        try:
            os.setgid(uid)
            os.setuid(uid)
            for i, path in enumerate(targets):
                try:
                    path.read_bytes()
                    code |= 1 << i  # readable: a leak
                except PermissionError:
                    pass
            try:
                os.listdir(root / "sessions")
                code |= 1 << 5
            except PermissionError:
                pass
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status


def test_readable_check_as_unprivileged_user(tmp_path: Path) -> None:
    """Run as a normal user: an unreadable session file is reported, never a crash."""
    if os.geteuid() == 0:
        pytest.skip("root reads any file: this check only means something as a normal user")
    store = SessionStore(tmp_path / "store")
    s = demo_sessions()[0]
    store.save(s)
    path = store.path_of(s.id)
    os.chmod(path, 0)
    try:
        from sessions_tui.store import CorruptSessionFile

        with pytest.raises(CorruptSessionFile, match="cannot read"):
            store.get(s.id)
        assert store.verify().problems[0][0] == path
    finally:
        os.chmod(path, 0o600)


def test_a_store_whose_index_cannot_be_written_is_still_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only store (a backup, another user's): the metadata index is a cache, so a
    private copy of it serves the listing. Root writes anywhere, so the refusal is simulated
    where SQLite and the lock would meet it."""
    import sqlite3

    import sessions_tui.store.store as store_module
    from sessions_tui.models import Session

    root = tmp_path / "store"
    with SessionStore(root) as store:
        store.save_many([Session(id=f"s{i}", title=f"session {i}") for i in range(3)])
    real = store_module.MetaIndex
    opened: list[Path] = []

    def index(path: Path):
        if path.parent == root / "index":
            raise sqlite3.OperationalError("attempt to write a readonly database")
        opened.append(path)
        return real(path)

    monkeypatch.setattr(store_module, "MetaIndex", index)
    monkeypatch.setattr(store_module.os, "access", lambda p, mode: False)
    reader = SessionStore(root)
    assert sorted(r.id for r in reader.list()) == ["s0", "s1", "s2"]
    assert reader.get("s1").title == "session 1"
    [private] = opened
    assert not private.is_relative_to(root) and (private.parent.stat().st_mode & 0o777) == 0o700
    reader.close()
    assert not private.parent.exists(), "the private copy goes with the store"


def test_opening_a_lax_store_takes_group_and_other_permissions_away(tmp_path: Path) -> None:
    root = tmp_path / "store"
    SessionStore(root).close()
    lax = [root, root / "sessions", root / "index", root / "store.json"]
    for path in lax:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    os.chmod(root / "trash", 0o500)  # an owner's own restriction is kept, never widened
    SessionStore(root).close()
    for path in lax:
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    assert stat.S_IMODE((root / "trash").stat().st_mode) == 0o500
    os.chmod(root / "trash", 0o700)
