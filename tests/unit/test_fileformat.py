"""The session file format: every flipped byte and every truncation is caught as the store's own
`CorruptSessionFile`; decompression is bounded; trailing garbage is detected."""

from __future__ import annotations

import hashlib
import json
import struct
import tracemalloc
from pathlib import Path

import pytest
import zstandard

from sessions_tui.models import (
    AttachmentBlock,
    Message,
    Session,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
    ToolResultBlock,
)
from sessions_tui.store import CorruptSessionFile, SessionStore
from sessions_tui.store import fileformat as ff
from sessions_tui.store.fileformat import decode, encode
from sessions_tui.store.migrations import CURRENT_FORMAT_VERSION

SMALL = Session(
    id="small-1",
    title="héllo 漢字 🦀",
    source="claude-code",
    models=["m1"],
    messages=[
        Message(id="u1", role="user", content=[TextBlock(text="hi")]),
        Message(
            id="a1",
            parent_id="u1",
            role="assistant",
            content=[
                ThinkingBlock(text="hmm"),
                ToolCallBlock(id="c", name="Read", input={"n": 2**70}),
                ToolResultBlock(call_id="c", output="ok", is_error=True),
                AttachmentBlock(name="a.png", kind="image"),
            ],
        ),
    ],
)


def _decode_or_corrupt(data: bytes) -> Session | None:
    """Decode; None means the store's own CorruptSessionFile was raised (anything else fails)."""
    try:
        return decode(data, Path("/s/small-1.json"), expected_id="small-1").session
    except CorruptSessionFile as exc:
        assert exc.path == Path("/s/small-1.json")
        assert exc.reason and "\n" not in exc.reason
        return None


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "zstd"])
def test_every_byte_flip_is_corruption_or_harmless(compress: bool) -> None:
    data = encode(SMALL, compress=compress)
    harmless = []
    for offset in range(len(data)):
        for mask in (0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFF):
            flipped = bytearray(data)
            flipped[offset] ^= mask
            got = _decode_or_corrupt(bytes(flipped))
            if got is not None:
                # A flip may only go unnoticed if the reader still gets exactly the session
                # (e.g. a zstd window-size bit, or a trailing newline turned into other
                # whitespace): the payload checksum guarantees nothing else slips through.
                assert got == SMALL, f"flip at {offset} mask {mask:#x} changed the session"
                harmless.append(offset)
    # Nearly every flip is caught; the harmless ones are a few framing bytes.
    assert len(set(harmless)) <= len(data) // 40, sorted(set(harmless))


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "zstd"])
def test_every_truncation_is_corruption_or_complete(compress: bool) -> None:
    data = encode(SMALL, compress=compress)
    complete_prefixes = []
    for length in range(len(data)):
        got = _decode_or_corrupt(data[:length])
        if got is not None:
            assert got == SMALL
            complete_prefixes.append(length)
    # Only the plain file's trailing newline may go: what is left is the same complete JSON.
    assert complete_prefixes == ([] if compress else [len(data) - 1])


def test_flipped_file_in_a_store_is_reported_by_list_get_and_verify(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s")
    store.save(SMALL)
    store.save(SMALL.model_copy(update={"id": "other"}))
    path = store.path_of("small-1")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    os_replace_touch(path)

    reopened = SessionStore(tmp_path / "s")
    assert [r.id for r in reopened.list()] == ["other"]
    [(name, reason)] = reopened.problems()
    assert name == path.name and reason
    with pytest.raises(CorruptSessionFile) as info:
        reopened.get("small-1")
    assert info.value.path == path
    report = reopened.verify()
    assert not report.ok and report.problems[0][0] == path
    repaired = reopened.verify(repair=True)
    assert [p.parent.name for p in repaired.quarantined] == ["quarantine"]
    assert repaired.quarantined[0].read_bytes() == bytes(data)
    assert not path.exists()
    assert reopened.verify().ok
    assert reopened.problems() == []
    assert [r.id for r in reopened.list()] == ["other"]


def os_replace_touch(path: Path) -> None:
    """Make the change visible the way every writer must: a rename into sessions/."""
    tmp = path.with_name(".x.tmp")
    tmp.write_bytes(path.read_bytes())
    tmp.replace(path)


def test_decompression_bomb_is_refused_without_allocating_its_output(monkeypatch) -> None:
    raw = encode(SMALL, compress=False)
    bomb = zstandard.ZstdCompressor(level=3).compress(raw[:-2] + b" " * (64 << 20) + b"}\n")
    assert len(bomb) < 64 << 10  # a tiny file ...
    monkeypatch.setattr(ff, "MAX_DECOMPRESSED_BYTES", 1 << 20)
    tracemalloc.start()
    try:
        assert _decode_or_corrupt(bomb) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # ... that would expand to 64 MiB: the reader stopped near the 1 MiB limit.
    assert peak < 8 << 20
    with pytest.raises(CorruptSessionFile, match="limit"):
        decode(bomb, "bomb.json.zst")


def test_frame_header_claiming_300_mib_does_not_allocate_it() -> None:
    """`ZstdDecompressor.decompress` trusts the header's content size; the store must not."""
    frame = zstandard.ZstdCompressor(level=3, write_content_size=True).compress(b"x" * 100)
    assert frame[4] == 0x20  # single segment, 1-byte content size: rewrite as 4 bytes
    forged = frame[:4] + bytes([0xA0]) + struct.pack("<I", 300 << 20) + frame[6:]
    assert zstandard.get_frame_parameters(forged).content_size == 300 << 20
    tracemalloc.start()
    try:
        assert _decode_or_corrupt(forged) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20


@pytest.mark.parametrize(
    "tail",
    [b"garbage", b"\x00", ff.ZSTD_MAGIC, b"__second_frame__"],
    ids=["text", "nul", "magic", "frame"],
)
def test_trailing_garbage_after_the_frame_is_detected(tail: bytes) -> None:
    frame = encode(SMALL, compress=True)
    if tail == b"__second_frame__":
        tail = zstandard.ZstdCompressor().compress(b'{"x":1}')
    assert _decode_or_corrupt(frame + tail) is None


def test_trailing_garbage_after_plain_json_is_detected() -> None:
    data = encode(SMALL, compress=False)
    assert _decode_or_corrupt(data + b'{"more":1}') is None
    assert _decode_or_corrupt(data + b"}") is None
    assert _decode_or_corrupt(data + b"\n  \n") == SMALL  # JSON whitespace is fine


def test_file_is_the_documented_shape() -> None:
    """Another program can check the checksum with nothing but a JSON splitter and SHA-256."""
    raw = encode(SMALL, compress=False)
    head, _, rest = raw.partition(b'"session":')
    payload = rest.rstrip()[:-1]
    header = json.loads(head + b'"session":null}')
    assert header["format"] == "sessions-tui-session"
    assert header["formatVersion"] == CURRENT_FORMAT_VERSION
    assert header["checksum"] == "sha256:" + hashlib.sha256(payload).hexdigest()
    assert json.loads(payload)["persistedUntil"] is None
    assert zstandard.ZstdDecompressor().decompress(encode(SMALL, compress=True)) == raw


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda h: h | {"format": "other"}, "not a sessions-tui session file"),
        (lambda h: h | {"formatVersion": 0}, "bad formatVersion"),
        (lambda h: h | {"formatVersion": True}, "bad formatVersion"),
        (lambda h: h | {"formatVersion": "2"}, "bad formatVersion"),
        (lambda h: h | {"checksum": "md5:abc"}, "bad checksum field"),
        (lambda h: h | {"checksum": "sha256:" + "0" * 64}, "checksum mismatch"),
    ],
)
def test_bad_headers_have_specific_reasons(mutate, reason: str) -> None:
    raw = encode(SMALL, compress=False)
    head, _, rest = raw.partition(b'"session":')
    header = mutate(json.loads(head + b'"session":null}'))
    del header["session"]
    forged = json.dumps(header).encode()[:-1] + b',"session":' + rest
    with pytest.raises(CorruptSessionFile, match=reason):
        decode(forged, "x.json")


def test_wrong_id_for_file_name_is_corruption() -> None:
    with pytest.raises(CorruptSessionFile, match="does not match the file name"):
        decode(encode(SMALL, compress=True), "other.json.zst", expected_id="other")


def test_deeply_nested_payload_is_corruption_not_recursion_error() -> None:
    nested = "[" * 100_000 + "]" * 100_000
    payload = (
        '{"id":"small-1","messages":[{"id":"m","role":"user","content":[{"type":"tool_call",'
        f'"name":"x","input":{nested}}}]}}]}}'
    ).encode()
    digest = hashlib.sha256(payload).hexdigest()
    raw = (
        b'{"format":"sessions-tui-session","formatVersion":2,"checksum":"sha256:'
        + digest.encode()
        + b'","session":'
        + payload
        + b"}\n"
    )
    assert _decode_or_corrupt(raw) is None
