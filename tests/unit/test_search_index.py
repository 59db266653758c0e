"""The index follows the store and survives crashes: incremental updates, other processes,
busy writer locks, rollback, SIGKILL mid-commit, deleted/corrupt/other-version indexes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sessions_tui.demo import generate_sessions
from sessions_tui.models import Message, Session, TextBlock
from sessions_tui.search import SearchIndex
from sessions_tui.search import index as index_module
from sessions_tui.search.index import IndexBusy
from sessions_tui.store import SessionStore

from ._search_fixture import build_store, ids


def _session(sid: str, text: str, **fields) -> Session:
    return Session(
        id=sid,
        title=fields.pop("title", f"session {sid}"),
        messages=[Message(id=f"{sid}-m1", role="user", content=[TextBlock(text=text)])],
        **fields,
    )


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return build_store(tmp_path / "store")


@pytest.fixture
def index(store: SessionStore):
    index = SearchIndex.open(store)
    index.catch_up()
    yield index
    index.close()


def test_catch_up_is_a_no_op_when_nothing_changed(index):
    assert index.catch_up() == 0
    assert index.state == "ready"


def test_attached_index_follows_saves_edits_deletes_and_restores(store, index):
    index.attach()
    store.save(_session("N1", "a brand new narwhal"))
    assert index.wait_idle(30)
    assert ids(index.search("narwhal")) == {"N1"}

    store.set_starred(["S2"], True)
    assert index.wait_idle(30)
    assert ids(index.search("is:starred")) == {"S1", "S2"}

    store.delete(["S2"])
    assert index.wait_idle(30)
    assert ids(index.search("terraform")) == set()
    assert index.search("terraform").looser is None

    store.restore(["S2"])
    assert index.wait_idle(30)
    assert ids(index.search("terraform")) == {"S2"}
    assert index.state == "ready"


def test_changes_by_another_process_are_caught_up(store, index):
    other = SessionStore(store.root)  # no listener: like a CLI import in another process
    other.save(_session("N2", "the okapi appears"))
    other.delete(["S4"])
    assert index.state == "stale"
    assert index.catch_up() == 2
    assert ids(index.search("okapi")) == {"N2"}
    assert ids(index.search("astro")) == set()
    assert index.state == "ready"


def test_deleted_session_is_never_listed_even_before_catch_up(store, index):
    SessionStore(store.root).delete(["S2"])
    store.refresh_index()
    results = index.search("terraform OR timeout")
    assert "S2" not in ids(results)
    assert results.total == len(results.results)  # nor counted


def test_saving_does_not_wait_for_indexing_and_a_busy_lock_keeps_changes(store):
    index = SearchIndex.open(store, busy_timeout=0.3)
    index.catch_up()
    index.attach()
    holder = index._gen.index.writer(heap_size=15_000_000, num_threads=1)  # another writer
    try:
        store.save(_session("N3", "a quokka under a busy lock"))
        # The save returned although the index could not be written: the change is queued.
        assert not index.wait_idle(1.0)
        assert index.state == "stale"
        with pytest.raises(IndexBusy):
            index.flush_pending()
        assert index.state == "stale"
    finally:
        holder.rollback()
        holder.wait_merging_threads()
    index.flush_pending()
    assert ids(index.search("quokka")) == {"N3"}
    assert index.state == "ready"
    index.close()


def test_a_failed_batch_is_rolled_back_not_half_committed(store, monkeypatch):
    index = SearchIndex.open(store)
    real = index_module.iter_prepared

    def failing(paths):
        for n, item in enumerate(real(paths)):
            if n == 3:
                raise RuntimeError("disk on fire")
            yield item

    monkeypatch.setattr(index_module, "iter_prepared", failing)
    with pytest.raises(RuntimeError):
        index.catch_up()
    # Three sessions were added to the writer before the failure: none may be visible.
    assert index.search("").total == 0
    assert index.indexed_sessions() == 0
    monkeypatch.setattr(index_module, "iter_prepared", real)
    index.catch_up()
    assert index.search("").total == 7
    index.close()


def test_deleted_index_is_rebuilt(store, index):
    index.close()
    shutil.rmtree(store.layout.search_index)
    reopened = SearchIndex.open(store)
    assert reopened.rebuilt_reason == "no search index yet"
    assert reopened.state == "empty"
    reopened.catch_up()
    assert ids(reopened.search("terraform")) == {"S2"}
    reopened.close()


@pytest.mark.parametrize("damage", ["meta", "current", "schema", "segments"])
def test_corrupt_or_other_version_index_is_rebuilt(store, index, damage):
    index.close()
    root = store.layout.search_index
    gen = json.loads((root / "CURRENT").read_text())["generation"]
    if damage == "meta":
        (root / gen / "meta.json").write_text("{not json")
    elif damage == "current":
        (root / "CURRENT").write_bytes(b"\x00garbage")
    elif damage == "schema":
        (root / "CURRENT").write_text(json.dumps({"generation": gen, "schema": 999}))
    else:
        for path in (root / gen).iterdir():
            if path.suffix in (".idx", ".term", ".pos", ".store"):
                path.write_bytes(b"junk")
    reopened = SearchIndex.open(store)
    try:
        if damage == "segments":
            # Damaged segment files may only show when read: searching must not raise.
            result = reopened.search("terraform")
            if reopened.rebuilt_reason is None and not result.notice:
                pytest.skip("tantivy read the damaged files without noticing")
            reopened.reindex()
        else:
            assert reopened.rebuilt_reason
            reopened.catch_up()
        assert ids(reopened.search("terraform")) == {"S2"}
        assert not (root / gen).exists() or damage == "segments"
    finally:
        reopened.close()


def test_reindex_swaps_generations_under_a_live_reader(store, index):
    reader = SearchIndex.open(store)  # e.g. the TUI in another process
    old = json.loads((store.layout.search_index / "CURRENT").read_text())["generation"]
    assert index.reindex() == 7
    new = json.loads((store.layout.search_index / "CURRENT").read_text())["generation"]
    assert new != old
    assert not (store.layout.search_index / old).exists()
    assert ids(reader.search("terraform")) == {"S2"}
    assert reader._gen.name == new
    reader.close()


def test_reindex_reports_progress(store, index):
    seen: list[tuple[int, int]] = []
    index.reindex(progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (7, 7)
    assert all(b == 7 for _a, b in seen)
    assert [a for a, _b in seen] == sorted(a for a, _b in seen)


def test_index_files_are_private(store, index):
    index.attach()
    store.save(_session("N4", "permissions"))
    index.wait_idle(30)
    root = store.layout.search_index
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.is_dir():
            assert mode == 0o700, path
        else:
            assert mode == 0o600, path


def test_corrupt_session_file_is_reported_not_indexed(store, tmp_path):
    path = store.path_of("S2")
    index = SearchIndex.open(store)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    index.catch_up()
    assert "S2" not in ids(index.search(""))
    assert ids(index.search("zebrafish")) == {"S6", "S7"}
    index.close()


_KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    from sessions_tui.demo import generate_sessions
    from sessions_tui.search import SearchIndex
    from sessions_tui.store import SessionStore
    store = SessionStore(sys.argv[1])
    index = SearchIndex.open(store)
    print("started", flush=True)
    n = 0
    while True:
        index.reindex()
        batch = list(generate_sessions(40, seed=n))
        for s in batch:
            s.id = f"{s.id}-{n}"
        store.save_many(batch)
        index.catch_up()
        n += 1
    """
)


@pytest.mark.slow
def test_writer_killed_mid_commit_leaves_an_index_that_opens(tmp_path):
    store = SessionStore(tmp_path / "store")
    store.save_many(generate_sessions(150, seed=3))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for delay in (0.4, 1.1, 2.3):
        proc = subprocess.Popen(
            [sys.executable, "-c", _KILL_SCRIPT, str(store.root)],
            stdout=subprocess.PIPE,
            env=env,
        )
        try:
            assert proc.stdout is not None and proc.stdout.readline() == b"started\n"
            time.sleep(delay)  # let it get into a commit; where exactly varies by run
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        index = SearchIndex.open(store)
        index.catch_up()
        store.refresh_index()
        expected = store.count()
        assert index.search("", limit=1).total == expected
        assert index.search("the", limit=5).results
        index.close()


def test_searching_from_threads_while_the_index_is_written(store, index):
    import threading

    index.attach()
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher() -> None:
        try:
            while not stop.is_set():
                result = index.search("narwhal OR terraform", limit=5)
                assert not (result.notice or "").startswith("Search failed"), result.notice
                index.highlight_ranges("narwhal", "a narwhal")
                index.suggest("terr")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for n in range(15):
            store.save(_session(f"T{n}", f"narwhal number {n}"))
        index.reindex()
        assert index.wait_idle(30)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, errors
    assert index.search("narwhal", limit=50).total == 15


def test_a_repeated_message_gives_one_snippet_not_three(store, index):
    text = "the zanzibar deploy failed again"
    messages = [Message(id=f"R-{n}", role="user", content=[TextBlock(text=text)]) for n in range(3)]
    messages.append(
        Message(id="R-3", role="assistant", content=[TextBlock(text="zanzibar is back")])
    )
    store.save(Session(id="R", title="repeats", messages=messages))
    index.catch_up()
    [result] = index.search("zanzibar").results
    fragments = [h.fragment for h in result.hits]
    assert len(fragments) == len(set(fragments)) == 2
    assert result.matched_messages == 4  # all of them still counted
