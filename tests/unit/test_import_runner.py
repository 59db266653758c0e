"""The import runner: detection, incremental and idempotent re-import, batches, the watcher.

Uses the real Claude Code files (copied into tmp_path where a test changes them) and a real
store on disk.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import zipfile
from pathlib import Path

import pytest

from sessions_tui.importers.base import all_importers
from sessions_tui.importers.runner import (
    UnknownSource,
    auto_import,
    import_paths,
)
from sessions_tui.importers.watch import Watcher
from sessions_tui.store import SessionStore

MAIN = "claude-code-ae4a77f8-aedd-4bc1-888f-c94edc91af04"
TOOL_HEAVY = "claude-code-d6e0bada-1959-4eec-a9d2-0bfade768d8f"
SID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def cc(realdata: Path, tmp_path: Path) -> Path:
    """A writable copy of the real Claude Code files (8 transcripts)."""
    src = realdata / "claude-code"
    if not src.is_dir():
        pytest.skip(f"no Claude Code files at {src}")
    dst = tmp_path / "projects"
    shutil.copytree(src, dst)
    for root, dirs, files in os.walk(dst):
        for name in dirs + files:
            os.chmod(Path(root, name), 0o700 if name in dirs else 0o600)
    return dst


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``--auto`` looks in the home and working directories: never the developer's real ones
    (their own Codex or aider sessions would change every count here)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "AIDER_CHAT_HISTORY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(home)
    return home


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "store")


def file_mtimes(store: SessionStore) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in store.layout.sessions.iterdir()}


def entry(kind: str, uuid: str, parent: str | None, content, ts: str = "10:00:00") -> str:
    obj = {
        "type": kind,
        "uuid": uuid,
        "parentUuid": parent,
        "sessionId": SID,
        "timestamp": f"2025-10-01T{ts}.000Z",
        "cwd": "/work/app",
    }
    if kind == "user":
        obj["message"] = {"role": "user", "content": content}
    else:
        obj["message"] = {
            "id": f"m-{uuid}",
            "role": "assistant",
            "model": "m1",
            "content": [{"type": "text", "text": content}],
        }
    return json.dumps(obj) + "\n"


def test_first_import_then_nothing_to_do(cc: Path, store: SessionStore) -> None:
    first = import_paths(store, [cc])
    assert (first.new, first.updated, first.failed) == (8, 0, 0)
    assert first.files_found == 8 and first.files_parsed == 8
    assert sorted(first.new_ids)[0].startswith("claude-code-")
    assert len(store.list()) == 8
    before = file_mtimes(store)
    second = import_paths(store, [cc])
    # Skipped without reading, yet reported as the 8 unchanged sessions they hold.
    assert (second.new, second.updated, second.unchanged) == (0, 0, 8)
    assert second.files_unchanged == 8 and second.files_parsed == 0
    assert file_mtimes(store) == before
    assert second.exit_code() == 0


def test_touched_file_is_hashed_not_reparsed(cc: Path, store: SessionStore) -> None:
    import_paths(store, [cc])
    before = file_mtimes(store)
    path = cc / "marot-spotter" / "tool_heavy.jsonl"
    os.utime(path, ns=(1, 1))
    again = import_paths(store, [cc])
    assert again.files_unchanged == 8 and again.files_parsed == 0
    assert (again.new, again.updated, again.unchanged) == (0, 0, 8)
    assert file_mtimes(store) == before


def test_lost_state_cache_still_adds_nothing(cc: Path, store: SessionStore) -> None:
    import_paths(store, [cc])
    before = file_mtimes(store)
    (store.layout.index_dir / "imports.sqlite3").unlink()
    again = import_paths(store, [cc])
    assert (again.new, again.updated, again.unchanged) == (0, 0, 8)
    assert file_mtimes(store) == before


def test_corrupt_state_cache_is_rebuilt(cc: Path, store: SessionStore) -> None:
    import_paths(store, [cc])
    cache = store.layout.index_dir / "imports.sqlite3"
    for suffix in ("-wal", "-shm"):
        Path(str(cache) + suffix).unlink(missing_ok=True)
    cache.write_bytes(b"this is not sqlite" * 100)
    again = import_paths(store, [cc])
    assert again.state_rebuilt and again.unchanged == 8 and not again.failures
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    sqlite3.connect(cache).execute("SELECT count(*) FROM files").fetchone()


def test_grown_log_updates_in_place_keeping_user_fields(tmp_path: Path, store) -> None:
    log = tmp_path / "src" / f"{SID}.jsonl"
    log.parent.mkdir()
    log.write_text(entry("user", "u1", None, "hello") + entry("assistant", "a1", "u1", "hi"))
    assert import_paths(store, [log]).new == 1
    sid = f"claude-code-{SID}"
    session = store.get(sid)
    session.starred = True
    session.tags = ["keep"]
    store.save(session)
    with log.open("a") as fh:
        fh.write(entry("user", "u2", "a1", "and the deep phrase?", "10:05:00"))
        fh.write(entry("assistant", "a2", "u2", "purple elephants", "10:06:00"))
    grown = import_paths(store, [log])
    assert (grown.new, grown.updated) == (0, 1)
    assert grown.updated_ids == [sid]
    updated = store.get(sid)
    assert [m.text for m in updated.messages][-1] == "purple elephants"
    assert updated.starred and updated.tags == ["keep"]
    assert updated.updated.minute == 6
    assert len(store.list()) == 1


def _conversation(path: Path, *turns: tuple[str, str]) -> Path:
    """A Claude Code log of (uuid, prompt) user turns, each answered."""
    lines, parent = [], None
    for i, (uuid, prompt) in enumerate(turns):
        lines.append(entry("user", uuid, parent, prompt, f"10:{i:02d}:00"))
        lines.append(entry("assistant", f"{uuid}-a", uuid, f"answer to {prompt}", f"10:{i:02d}:30"))
        parent = f"{uuid}-a"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines))
    return path


def test_a_partial_copy_under_another_name_never_replaces_the_full_session(
    tmp_path: Path, store: SessionStore
) -> None:
    """A backup holding the first lines of a log claims the same session id: it sorts after
    the real file, and must not replace its 6 messages by its 2, in one run or the next."""
    full = _conversation(
        tmp_path / "src" / f"{SID}.jsonl", ("u1", "one"), ("u2", "two"), ("u3", "x")
    )
    part = tmp_path / "src" / "zz-backup.jsonl"
    part.write_text("".join(full.read_text().splitlines(keepends=True)[:2]))
    summary = import_paths(store, [tmp_path / "src"])
    assert (summary.new, summary.unchanged) == (1, 1)
    assert [(p, a.split(";")[1].strip()) for p, _sid, a in summary.same_id] == [
        (str(part), "a part of it, nothing added")
    ]
    assert store.get(f"claude-code-{SID}").message_count == 6
    # the copy imported on its own later adds nothing either
    fresh = SessionStore(tmp_path / "store2")
    import_paths(fresh, [full])
    assert import_paths(fresh, [part]).unchanged == 1
    assert fresh.get(f"claude-code-{SID}").message_count == 6


def test_two_diverged_files_with_one_session_id_are_both_kept(
    tmp_path: Path, store: SessionStore
) -> None:
    _conversation(tmp_path / "src" / f"{SID}.jsonl", ("u1", "common"), ("u2", "only in the first"))
    other = _conversation(tmp_path / "src" / "copy.jsonl", ("u1", "common"), ("u9", "a branch"))
    summary = import_paths(store, [tmp_path / "src"])
    assert summary.new == 2 and len(store.list()) == 2
    [(path, _sid, action)] = summary.same_id
    assert path == str(other) and "different messages; imported as" in action
    texts = {
        s.id: " ".join(m.text for m in s.messages) for s in (store.get(r.id) for r in store.list())
    }
    assert any("only in the first" in t for t in texts.values())
    assert any("a branch" in t for t in texts.values())
    again = import_paths(store, [tmp_path / "src"], force=True)
    assert (again.new, again.updated) == (0, 0) and len(store.list()) == 2


def test_one_export_as_a_zip_and_as_a_folder_counts_its_sessions_once(
    realdata: Path, tmp_path: Path, store: SessionStore
) -> None:
    member = next((realdata / "chatgpt-export").rglob("conversations.json"))
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(member, "conversations.json")
    summary = import_paths(store, [archive, member.parent])
    assert summary.new == store.count() == summary.unchanged
    assert summary.by_source == {"chatgpt": store.count()}


def test_source_paths_are_absolute_whatever_the_working_directory(
    cc: Path, store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(cc.parent)
    import_paths(store, [Path(cc.name)])
    paths = {store.get(r.id).source_ref.path for r in store.list()}
    assert paths and all(p is not None and Path(p).is_absolute() for p in paths)
    monkeypatch.chdir(cc)
    again = import_paths(store, [Path(".")])
    assert (again.new, again.updated) == (0, 0)


def test_sessions_deleted_at_source_stay(cc: Path, store: SessionStore) -> None:
    import_paths(store, [cc])
    (cc / "marot-spotter" / "tool_heavy.jsonl").unlink()
    again = import_paths(store, [cc])
    assert again.failed == 0
    assert store.exists(TOOL_HEAVY)


def test_sessions_deleted_by_the_user_are_not_resurrected(cc: Path, store: SessionStore) -> None:
    import_paths(store, [cc])
    store.delete([TOOL_HEAVY])
    path = cc / "marot-spotter" / "tool_heavy.jsonl"
    with path.open("a") as fh:  # the source changes, so it is read again
        fh.write("\n")
    again = import_paths(store, [cc])
    assert again.kept_deleted == 1 and not store.exists(TOOL_HEAVY)
    store.empty_trash()
    os.utime(path, ns=(5, 5))
    with path.open("a") as fh:
        fh.write("\n")
    assert import_paths(store, [cc]).kept_deleted == 1  # gone from the trash too: still gone
    back = import_paths(store, [cc], restore_deleted=True, force=True)
    assert back.new == 1 and store.exists(TOOL_HEAVY)


def test_an_unchanged_file_s_deleted_session_is_counted_as_kept_deleted(
    cc: Path, store: SessionStore
) -> None:
    first = import_paths(store, [cc])
    store.delete([TOOL_HEAVY])
    again = import_paths(store, [cc])  # no file changed: none is read
    assert again.files_unchanged == first.files_parsed and again.files_parsed == 0
    assert again.kept_deleted == 1
    assert again.unchanged == first.new - 1


def test_bad_lines_reported_rest_imported(tmp_path: Path, store: SessionStore) -> None:
    log = tmp_path / f"{SID}.jsonl"
    log.write_text(
        entry("user", "u1", None, "one")
        + "garbage line\n"
        + entry("assistant", "a1", "u1", "two")
        + '{"type":"user","trunc'
    )
    summary = import_paths(store, [log])
    assert summary.new == 1 and summary.exit_code() == 0 and summary.exit_code(strict=True) == 1
    assert [w for w, _ in summary.bad_lines] == [f"{log}:2", f"{log}:4"]
    assert [m.text for m in store.get(f"claude-code-{SID}").messages] == ["one", "two"]


def test_detection_of_files_dirs_and_unknowns(cc: Path, tmp_path: Path, store) -> None:
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    shutil.copy(cc / "marot-spotter" / "tool_heavy.jsonl", mixed / "renamed.jsonl")
    (mixed / "notes.md").write_text("# not a transcript\n")
    (mixed / "other.jsonl").write_text('{"hello": "world"}\n')
    summary = import_paths(store, [mixed, tmp_path / "nope", mixed / "notes.md"])
    assert summary.new == 1 and store.exists(TOOL_HEAVY)
    assert summary.files_not_transcripts == 2  # notes.md and other.jsonl
    reasons = {Path(f.path).name: f.reason for f in summary.failures}
    assert reasons["nope"] == "no such file or directory"
    assert reasons["notes.md"].startswith("not a session file of any known tool")
    assert summary.exit_code() == 1


def test_forced_source_and_unknown_source(cc: Path, store: SessionStore) -> None:
    path = cc / "marot-spotter" / "tool_heavy.jsonl"
    assert import_paths(store, [path], source="claude-code").new == 1
    with pytest.raises(UnknownSource):
        import_paths(store, [path], source="no-such-tool")


def test_symlinks_out_of_the_scanned_tree_are_not_followed(cc: Path, tmp_path: Path, store):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.jsonl").symlink_to(cc / "marot-spotter" / "tool_heavy.jsonl")
    (tree / "linkdir").symlink_to(cc / "marot-spotter", target_is_directory=True)
    summary = import_paths(store, [tree])
    assert summary.new == 0 and store.list() == []


def test_zip_export_is_detected_by_its_member(realdata: Path, tmp_path: Path, store) -> None:
    if "chatgpt" not in all_importers():
        pytest.skip("the ChatGPT importer is not in this tree yet")
    export = realdata / "chatgpt-export"
    member = next(export.rglob("conversations.json"))
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(member, "conversations.json")
    summary = import_paths(store, [archive])
    assert summary.new > 0 and summary.by_source == {"chatgpt": summary.new}
    assert not summary.failures


def test_store_busy_is_reported(cc: Path, tmp_path: Path) -> None:
    holder = SessionStore(tmp_path / "store")
    busy = SessionStore(tmp_path / "store", lock_timeout=0.05)
    with holder.writing():
        summary = import_paths(busy, [cc])
    assert summary.busy and summary.exit_code() == 1
    assert "store busy" in summary.failures[-1].reason
    again = import_paths(busy, [cc])  # nothing was recorded as imported: all comes in now
    assert again.new == 8


def test_progress_reports_bytes(cc: Path, store: SessionStore) -> None:
    calls = []
    import_paths(store, [cc], progress=lambda done, total: calls.append((done, total)))
    total = sum(p.stat().st_size for p in cc.rglob("*.jsonl"))
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_auto_import_uses_default_locations(cc: Path, store, monkeypatch) -> None:
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(cc.parent / "claude-home"))
    assert auto_import(store).new == 0  # nothing there yet, and that is not a failure
    shutil.copytree(cc, cc.parent / "claude-home" / "projects")
    first = auto_import(store)
    assert first.new == 8 and first.exit_code() == 0
    again = auto_import(store)
    assert again.files_unchanged == 8 and again.files_parsed == 0


def test_auto_import_reads_a_file_found_from_two_locations_once(
    realdata: Path, home: Path, store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Aider looks in the working directory and in the home; working inside the home, its
    history is reachable from both and must be one new session, not two."""
    src = realdata / "aider" / "AndrewJacop-Simple-Calulator"
    if not src.is_dir():
        pytest.skip(f"no aider files at {src}")
    shutil.copytree(src, home / "calc")
    monkeypatch.chdir(home / "calc")
    summary = auto_import(store)
    assert (summary.new, summary.files_found, summary.files_parsed) == (1, 1, 1)
    assert summary.by_source == {"aider": 1}


def test_auto_import_does_not_walk_the_home_to_count_its_files(
    realdata: Path, home: Path, store: SessionStore
) -> None:
    """Aider's default locations are the user's own home and working directory: its history
    there is found, but the user's other files are not walked and reported as "not
    transcripts" (on a real home that is a six-figure count, at every start of the app)."""
    src = realdata / "aider" / "AndrewJacop-Simple-Calulator"
    if not src.is_dir():
        pytest.skip(f"no aider files at {src}")
    shutil.copytree(src, home / "calc")
    photos = home / "photos" / "2024"
    photos.mkdir(parents=True)
    for number in range(40):
        (photos / f"img{number}.jpg").write_bytes(b"\xff\xd8")
    summary = auto_import(store)
    assert summary.by_source == {"aider": 1} and summary.exit_code() == 0
    assert summary.files_not_transcripts == 0


def test_store_files_stay_private(cc: Path, store: SessionStore) -> None:
    import_paths(store, [cc])
    cache = store.layout.index_dir / "imports.sqlite3"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600


def test_batches_are_saved_under_one_lock(cc: Path, store, monkeypatch) -> None:
    calls = []
    original = store.save_many

    def spy(sessions):
        items = list(sessions)
        calls.append(len(items))
        return original(items)

    monkeypatch.setattr(store, "save_many", spy)
    import_paths(store, [cc])
    assert calls == [8]


def test_a_session_that_cannot_be_saved_fails_alone(tmp_path: Path, store) -> None:
    good = tmp_path / "a" / f"{SID}.jsonl"
    good.parent.mkdir()
    good.write_text(entry("user", "u1", None, "fine"))
    bad_sid = "99999999-2222-3333-4444-555555555555"
    bad = tmp_path / "a" / f"{bad_sid}.jsonl"
    bad.write_text(entry("user", "u1", None, "fine").replace(SID, bad_sid))
    original = store._prepare

    def refuse(session):
        if bad_sid in session.id:
            raise ValueError("disk says no")
        return original(session)

    store._prepare = refuse
    summary = import_paths(store, [tmp_path / "a"])
    assert summary.new == 1 and summary.failed == 1
    assert "disk says no" in summary.failures[0].reason and str(bad) == summary.failures[0].path
    store._prepare = original
    assert import_paths(store, [tmp_path / "a"]).new == 1  # the failed file is retried


# -- watch ------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_watcher_imports_new_and_debounces_growing_files(tmp_path: Path, store) -> None:
    src = tmp_path / "watched"
    src.mkdir()
    clock = Clock()
    watcher = Watcher(store, [src], max_delay=30, clock=clock)
    try:
        assert watcher.tick().new == 0
        log = src / f"{SID}.jsonl"
        log.write_text(entry("user", "u1", None, "first"))
        assert watcher.tick().new == 1  # a new file is imported at once
        with log.open("a") as fh:
            fh.write(entry("assistant", "a1", "u1", "second"))
        clock.now += 5
        assert watcher.tick().updated == 0  # still growing: wait
        clock.now += 5
        assert watcher.tick().updated == 1  # quiet for a tick: imported
        assert [m.text for m in store.get(f"claude-code-{SID}").messages] == ["first", "second"]
        # A file that never stops growing is still imported every max_delay seconds.
        updates = 0
        for n in range(8):
            with log.open("a") as fh:
                fh.write(entry("user", f"g{n}", "a1", f"more {n}"))
            clock.now += 10
            updates += watcher.tick().updated
        assert updates == 2
        assert watcher.total.new == 1
    finally:
        watcher.close()


def test_watcher_reports_a_failure_once(tmp_path: Path, store, monkeypatch) -> None:
    from sessions_tui.importers.base import ImporterError
    from sessions_tui.importers.claude_code import ClaudeCodeImporter

    src = tmp_path / "watched"
    src.mkdir()
    bad = src / f"{SID}.jsonl"
    bad.write_text(entry("user", "u1", None, "x"))
    original = ClaudeCodeImporter.parse

    def broken(self, path, stats):
        if path.read_text().count("\n") < 2:
            raise ImporterError(path, "cannot read: simulated")
        return original(self, path, stats)

    monkeypatch.setattr(ClaudeCodeImporter, "parse", broken)
    watcher = Watcher(store, [src], clock=Clock())
    try:
        assert watcher.tick().failed == 1
        assert watcher.tick().failed == 0  # unchanged since it failed: not retried every tick
        with bad.open("a") as fh:
            fh.write(entry("assistant", "a1", "u1", "y"))
        assert watcher.tick().new == 0  # changed since the last tick: let it settle
        assert watcher.tick().new == 1
    finally:
        watcher.close()


def test_fifo_in_a_tool_folder_does_not_hang(tmp_path: Path, store) -> None:
    src = tmp_path / "tree"
    src.mkdir()
    os.mkfifo(src / f"{SID}.jsonl")
    summary = import_paths(store, [src])  # returns: the FIFO is never opened
    assert summary.new == 0
    assert [f.reason for f in summary.failures] == ["no session files of any known tool found here"]


def test_an_unreadable_export_in_a_folder_is_a_failure_not_bookkeeping(
    tmp_path: Path, store: SessionStore
) -> None:
    """A conversations.json nested too deep to parse, found by scanning a folder, is reported
    with its path (exit 1), not counted among the tool's non-transcript files."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "conversations.json").write_text("[" * 100_000 + "]" * 100_000)
    summary = import_paths(store, [folder])
    assert [f.path for f in summary.failures] == [str(folder / "conversations.json")]
    assert "not a ChatGPT or Claude.ai export" in summary.failures[0].reason
    assert summary.files_not_transcripts == 0 and summary.exit_code() == 1


def test_restore_deleted_alone_brings_back_a_session_whose_file_never_changed(
    cc: Path, store: SessionStore
) -> None:
    """The import summary says --restore-deleted brings deleted sessions back: it must, even
    though their unchanged files would otherwise be skipped without being read. The other
    sessions are found unchanged and left alone."""
    first = import_paths(store, [cc])
    store.delete([TOOL_HEAVY])
    store.empty_trash()
    assert import_paths(store, [cc]).new == 0
    back = import_paths(store, [cc], restore_deleted=True)
    assert (back.new, back.updated) == (1, 0)
    assert back.unchanged == first.new - 1
    assert store.exists(TOOL_HEAVY)
