"""Format versions: an older store opens and migrates (after a byte-identical backup); a file
or store of a newer version is read but never rewritten."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zstandard

from sessions_tui.models import Message, Session, TextBlock
from sessions_tui.store import ReadOnlySession, SessionStore
from sessions_tui.store.fileformat import ZSTD_MAGIC, dump_payload, read_header
from sessions_tui.store.migrations import CURRENT_FORMAT_VERSION

FIXTURE = Path(__file__).parents[1] / "fixtures" / "store-v1"


def _files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "sessions").iterdir())}


def _version(path: Path) -> int:
    data = path.read_bytes()
    if data[:4] == ZSTD_MAGIC:
        data = zstandard.ZstdDecompressor().decompress(data)
    return read_header(data)["formatVersion"]


@pytest.fixture
def v1(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    shutil.copytree(FIXTURE, root)
    return root


def test_v1_store_opens_and_reads_migrated_in_memory_without_rewriting(v1: Path) -> None:
    original = _files(v1)
    store = SessionStore(v1)
    chat = store.get("v1-chat-0001")
    assert chat.source == "claude-code"
    assert chat.models == ["claude-3-opus"]
    assert chat.project == "/home/ana/src/parser"
    assert chat.persisted_until == 1767225600000
    assert chat.starred and chat.tags == ["keep"]
    assert chat.source_ref.path == "/home/ana/.claude/projects/parser/0001.jsonl"
    assert chat.created == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    assert [m.content for m in chat.messages] == [
        [TextBlock(text="Where does the tokenizer live?")],
        [TextBlock(text="In `parser/tokens.py`, function `tokenize`.")],
    ]
    assert chat.messages[1].parent_id == "m1"
    cjk = store.get("v1-chat-0002")
    assert cjk.updated == cjk.created  # no updatedAt in v1: falls back to createdAt
    assert cjk.messages[0].text == "日本語で説明してください 🦀"
    assert cjk.messages[1].content == []
    assert store.get("v1-compressed").source == "aider"
    rows = {r.id: r for r in store.list()}
    assert sorted(rows) == ["v1-chat-0001", "v1-chat-0002", "v1-compressed"]
    assert {r.format_version for r in rows.values()} == {1}
    assert rows["v1-chat-0002"].title == "日本語で説明してください 🦀"
    assert store.verify().ok
    assert _files(v1) == original  # reading never rewrites


def test_migrate_backs_up_then_rewrites_in_the_current_version(v1: Path) -> None:
    original = _files(v1)
    original_manifest = (v1 / "store.json").read_bytes()
    store = SessionStore(v1)
    before = {sid: store.get(sid) for sid in ("v1-chat-0001", "v1-chat-0002", "v1-compressed")}

    report = store.migrate()

    assert report.migrated == 3 and report.problems == [] and report.skipped_newer == []
    assert report.backup is not None and report.backup.parent == v1 / "backups"
    backed_up = {p.name: p.read_bytes() for p in report.backup.iterdir() if p.name != "store.json"}
    assert backed_up == original  # byte-identical originals
    assert (report.backup / "store.json").read_bytes() == original_manifest
    for path in (v1 / "sessions").iterdir():
        assert _version(path) == CURRENT_FORMAT_VERSION
    assert json.loads((v1 / "store.json").read_bytes())["formatVersion"] == CURRENT_FORMAT_VERSION
    reopened = SessionStore(v1)
    for sid, session in before.items():
        assert reopened.get(sid) == session
    assert {r.format_version for r in reopened.list()} == {CURRENT_FORMAT_VERSION}
    assert any(op["op"] == "migrate" for op in reopened.operations())

    again = reopened.migrate()
    assert again.migrated == 0 and again.current == 3 and again.backup is None


def test_migrate_reports_an_unmigratable_file_and_does_the_rest(v1: Path) -> None:
    body = b'{"title":"no id at all"}'
    digest = hashlib.sha256(body).hexdigest()
    (v1 / "sessions" / "broken.json").write_bytes(
        b'{"format":"sessions-tui-session","formatVersion":1,"checksum":"sha256:'
        + digest.encode()
        + b'","session":'
        + body
        + b"}"
    )
    report = SessionStore(v1).migrate()
    assert report.migrated == 3
    [(path, reason)] = report.problems
    assert path.name == "broken.json" and reason


def _newer_file(session: Session, version: int = 99) -> bytes:
    payload = dump_payload(session)
    return (
        (
            f'{{"format":"sessions-tui-session","formatVersion":{version},'
            f'"checksum":"sha256:{hashlib.sha256(payload).hexdigest()}","futureField":[1,2],'
            '"session":'
        ).encode()
        + payload
        + b"}\n"
    )


def test_newer_version_file_is_read_but_never_rewritten(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "store")
    store.save(Session(id="current", title="current"))
    future = Session(id="future", title="from sessions-tui 9")
    path = store.layout.sessions / "future.json"
    path.write_bytes(_newer_file(future))
    original = path.read_bytes()

    assert store.get("future") == future
    [row] = [r for r in store.list() if r.id == "future"]
    assert row.format_version == 99
    future.title = "edited"
    with pytest.raises(ReadOnlySession, match="newer format version"):
        store.save(future)
    with pytest.raises(ReadOnlySession):
        store.set_starred(["future"], True)
    with pytest.raises(ReadOnlySession):  # at the append, not at some later flush
        store.add_message("future", "user", "hello from an older version")
    assert path.read_bytes() == original
    assert [p.name for p in store.layout.sessions.glob("future*")] == ["future.json"]

    report = store.migrate()
    assert report.skipped_newer == [path] and report.migrated == 0
    assert path.read_bytes() == original
    verify = store.verify()
    assert verify.ok and verify.newer_version == [path]


def test_newer_version_store_is_read_only(tmp_path: Path) -> None:
    root = tmp_path / "store"
    with SessionStore(root) as store:
        store.save(Session(id="a", title="a"))
    manifest = json.loads((root / "store.json").read_bytes())
    manifest["formatVersion"] = 99
    (root / "store.json").write_text(json.dumps(manifest))
    store = SessionStore(root)
    assert store.newer_format
    assert store.get("a").title == "a"
    with pytest.raises(ReadOnlySession, match="newer"):
        store.save(Session(id="b"))
    with pytest.raises(ReadOnlySession):
        store.migrate()
    for change in (
        lambda: store.delete(["a"]),
        lambda: store.update_settings(retention_days=30),
        lambda: store.verify(repair=True),
        lambda: store.restore(None),
        lambda: store.empty_trash(),
    ):
        with pytest.raises(ReadOnlySession):
            change()
    assert json.loads((root / "store.json").read_bytes())["formatVersion"] == 99
    assert store.get("a").title == "a" and store.trash() == []


def test_a_newer_file_with_block_types_this_version_does_not_know_is_still_read(
    tmp_path: Path,
) -> None:
    store = SessionStore(tmp_path / "store")
    future = Session(
        id="future",
        title="from sessions-tui 9",
        messages=[Message(id="m1", role="user", content=[TextBlock(text="look at this")])],
    )
    raw = _newer_file(future).replace(
        b'"content":[{"type":"text","text":"look at this"}]',
        b'"content":[{"type":"text","text":"look at this"},'
        b'{"type":"hologram","frames":3,"caption":"a spinning cube"}]',
    )
    assert b"hologram" in raw
    raw = raw.replace(  # the checksum covers the payload: recompute it
        raw[raw.index(b"sha256:") + 7 : raw.index(b"sha256:") + 71],
        hashlib.sha256(raw[raw.index(b'"session":') + 10 : raw.rindex(b"}")]).hexdigest().encode(),
    )
    path = store.layout.sessions / "future.json"
    path.write_bytes(raw)
    got = store.get("future")
    assert got.messages[0].content[0] == TextBlock(text="look at this")
    shown = got.messages[0].content[1]
    assert (
        isinstance(shown, TextBlock) and "hologram" in shown.text and "spinning cube" in shown.text
    )
    report = store.verify(repair=True)
    assert report.ok and report.newer_version == [path] and path.read_bytes() == raw


def test_a_file_without_dates_is_dated_by_its_mtime_not_by_each_read(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "store")
    payload = b'{"id":"undated","title":"written by hand"}'
    digest = hashlib.sha256(payload).hexdigest()
    path = store.layout.sessions / "undated.json"
    path.write_bytes(
        b'{"format":"sessions-tui-session","formatVersion":2,"checksum":"sha256:'
        + digest.encode()
        + b'","session":'
        + payload
        + b"}\n"
    )
    os.utime(path, (1_700_000_000, 1_700_000_000))
    first = store.get("undated")
    assert first.created.timestamp() == first.updated.timestamp() == 1_700_000_000
    store.rebuild_index()
    [row] = SessionStore(store.root).list()
    assert row.updated_ms == 1_700_000_000_000 == store.get("undated").updated.timestamp() * 1000
