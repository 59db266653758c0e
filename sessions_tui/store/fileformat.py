"""Encoding and decoding of one session file (the format is specified in docs/storage-format.md).

A session file is one JSON object whose *last* member is the session payload::

    {"format":"sessions-tui-session","formatVersion":2,"checksum":"sha256:<hex>","session":<payload>}

The checksum is SHA-256 over the exact UTF-8 bytes of ``<payload>``, so a writer in any language
can produce it without a canonical-JSON library, and a reader detects any flipped byte,
truncation or trailing garbage. The whole file may be compressed as one zstandard frame
(``<id>.json.zst``); decompression is bounded and streamed, because the frame header's size
field is attacker-controlled.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import zstandard
from pydantic import ValidationError
from pydantic_core import PydanticSerializationError

from ..models import Session
from .errors import CorruptSessionFile, StoreError
from .migrations import CURRENT_FORMAT_VERSION, migrate_payload, readable_newer_payload

FORMAT_NAME = "sessions-tui-session"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: Upper bound on a decompressed session file. Far above any real session (the largest seen
#: in the wild are tens of MB), far below what would exhaust memory.
MAX_DECOMPRESSED_BYTES = 1 << 30
_READ_CHUNK = 1 << 20

_SESSION_KEY = re.compile(rb'"session"\s*:\s*')
_CHECKSUM = re.compile(r"^sha256:[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class DecodedFile:
    session: Session
    format_version: int
    #: True when written by a newer version of the format: readable, never to be rewritten.
    newer: bool


def dump_payload(session: Session) -> bytes:
    """Serialise the session compactly. ``ensure_ascii=False`` keeps CJK text readable on disk.

    Text that cannot be UTF-8 (a lone surrogate smuggled in by a caller) is refused with a
    `StoreError` naming the session, instead of pydantic's serialisation error escaping.
    """
    try:
        return session.model_dump_json(by_alias=True, exclude_none=False).encode("utf-8")
    except (PydanticSerializationError, UnicodeEncodeError) as exc:
        reason = str(exc).removeprefix("Error serializing to JSON: ")
        raise StoreError(f"session {session.id!r} cannot be saved: {reason}") from None


def encode(session: Session, *, compress: bool, level: int = 3) -> bytes:
    """The bytes of a complete session file."""
    payload = dump_payload(session)
    digest = hashlib.sha256(payload).hexdigest()
    head = (
        f'{{"format":"{FORMAT_NAME}","formatVersion":{CURRENT_FORMAT_VERSION},'
        f'"checksum":"sha256:{digest}","session":'
    ).encode()
    raw = head + payload + b"}\n"
    if compress:
        return _compressor(level).compress(raw)
    return raw


_compressors = threading.local()


def _compressor(level: int) -> zstandard.ZstdCompressor:
    """One compressor per thread and level: making one per file costs a quarter of the
    compression time, and a compressor must not be shared between threads."""
    cache: dict[int, zstandard.ZstdCompressor] = _compressors.__dict__.setdefault("by_level", {})
    if level not in cache:
        cache[level] = zstandard.ZstdCompressor(level=level, write_checksum=True)
    return cache[level]


def decompress_bounded(data: bytes, limit: int | None = None) -> bytes:
    """Decompress a zstd stream, refusing output above ``limit`` (streamed, never pre-sized).

    ``limit`` defaults to `MAX_DECOMPRESSED_BYTES`, looked up at call time so it can be tuned.

    The file must be exactly one frame: the stream reader silently stops at a truncated or
    partial trailing frame, so the frame's extent is checked first (`_frame_length`).
    """
    if limit is None:
        limit = MAX_DECOMPRESSED_BYTES
    end = _frame_length(data)
    if end != len(data):
        raise ValueError(f"{len(data) - end} byte(s) of trailing data after the zstd frame")
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True)
    out = bytearray()
    while True:
        chunk = reader.read(_READ_CHUNK)
        if not chunk:
            return bytes(out)
        out += chunk
        if len(out) > limit:
            raise ValueError(f"decompressed size exceeds the {limit >> 20} MiB limit")


def _frame_length(data: bytes) -> int:
    """The length of the zstd frame at the start of ``data``, from its block headers.

    Walks the frame header and block headers only (no decompression), so it costs one small
    read per 128 KiB block. Raises ValueError if the frame is cut short.
    """
    try:
        pos = zstandard.frame_header_size(data)
    except zstandard.ZstdError as exc:
        raise ValueError(f"bad zstd frame header: {exc}") from None
    has_checksum = bool(data[4] & 0x04)
    while True:
        if pos + 3 > len(data):
            raise ValueError("truncated zstd frame")
        header = int.from_bytes(data[pos : pos + 3], "little")
        last, kind, size = header & 1, (header >> 1) & 3, header >> 3
        pos += 3 + (1 if kind == 1 else size)  # an RLE block stores one byte
        if kind == 3:
            raise ValueError("reserved zstd block type")
        if last:
            break
    pos += 4 if has_checksum else 0
    if pos > len(data):
        raise ValueError("truncated zstd frame")
    return pos


def split(raw: bytes) -> tuple[dict[str, Any], bytes]:
    """Split an uncompressed file into its header fields and the exact payload bytes."""
    match = _SESSION_KEY.search(raw)
    if match is None:
        raise ValueError('no "session" member')
    body = raw.rstrip()
    if not body.endswith(b"}"):
        raise ValueError("file does not end with '}' (truncated?)")
    payload = body[match.end() : -1].rstrip()
    header = json.loads(raw[: match.start()] + b'"session":null}')
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    return header, payload


def read_header(raw: bytes) -> dict[str, Any]:
    """Header fields only (format, version, checksum), for cheap checks before a rewrite."""
    return split(raw)[0]


def decode(data: bytes, path: Path | str, *, expected_id: str | None = None) -> DecodedFile:
    """Decode and verify a session file's bytes. Any defect raises `CorruptSessionFile`."""
    try:
        raw = decompress_bounded(data) if data[:4] == ZSTD_MAGIC else data
        header, payload = split(raw)
        if header.get("format") != FORMAT_NAME:
            raise ValueError(f"not a sessions-tui session file (format={header.get('format')!r})")
        version = header.get("formatVersion")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ValueError(f"bad formatVersion {version!r}")
        checksum = header.get("checksum")
        if not isinstance(checksum, str) or not _CHECKSUM.match(checksum):
            raise ValueError(f"bad checksum field {checksum!r}")
        if hashlib.sha256(payload).hexdigest() != checksum[7:]:
            raise ValueError("checksum mismatch: the file was changed or damaged after writing")
        if version == CURRENT_FORMAT_VERSION:
            session = Session.model_validate_json(payload)
        elif version > CURRENT_FORMAT_VERSION:
            try:
                session = Session.model_validate_json(payload)
            except ValidationError:  # new block types, roles, kinds: read what we can
                session = Session.model_validate(readable_newer_payload(json.loads(payload)))
        else:
            session = Session.model_validate(migrate_payload(json.loads(payload), version))
    except CorruptSessionFile:
        raise
    except RecursionError:
        raise CorruptSessionFile(path, "JSON nested too deeply") from None
    except Exception as exc:  # zstd, JSON, UTF-8 and validation errors all mean "corrupt"
        reason = _short_reason(exc)
        raise CorruptSessionFile(path, reason) from None
    _date_undated(session, path)
    if expected_id is not None and session.id != expected_id:
        raise CorruptSessionFile(
            path, f"session id {session.id!r} does not match the file name ({expected_id!r})"
        )
    return DecodedFile(session, version, version > CURRENT_FORMAT_VERSION)


def _date_undated(session: Session, path: Path | str) -> None:
    """A file written by another program without ``created``/``updated`` gets its file's
    modification time, not the time of each read (which would move it on every listing)."""
    missing = {"created", "updated"} - session.model_fields_set
    if not missing:
        return
    try:
        mtime = datetime.fromtimestamp(Path(path).stat().st_mtime, UTC)
    except OSError:
        return
    created = session.created if "created" not in missing else None
    updated = session.updated if "updated" not in missing else None
    session.created = created or updated or mtime
    session.updated = updated or max(session.created, mtime)


def _short_reason(exc: BaseException, what: str = "session") -> str:
    """One line for a user: pydantic's multi-line errors keep the field and the problem."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    if type(exc).__name__ == "ValidationError":
        # pydantic's "[type=..., input_value=..., input_type=...]" is for developers
        detail = [
            re.sub(r"\s*\[type=.*$", "", t.strip())
            for t in text[1:]
            if not t.strip().startswith("For further")
        ]
        first = f"invalid {what}: " + "; ".join(detail[:2])
    return first[:300]
