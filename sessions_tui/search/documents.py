"""Turning a session into index documents: one per message, plus one for the session itself.

The session document holds the title and identifying metadata (ids, project path, branch), so
a session is found by its title or by pasting its id even when it has no messages. Message
documents hold everything readable in the message: text, reasoning, tool calls with their
arguments, tool output and extracted attachment text.

Indexing works on the session payload as plain JSON (the on-disk, camelCase form) rather than
on validated `Session` objects, and hands tantivy one JSON string per document: pydantic
validation and one Python call per field would otherwise cost more than tantivy's indexing.
The file's checksum is still verified, so a damaged file is never indexed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..models import Session
from ..store.errors import CorruptSessionFile
from ..store.fileformat import FORMAT_NAME, ZSTD_MAGIC, decode, decompress_bounded, split
from ..store.layout import session_id_from_file_name
from ..store.migrations import CURRENT_FORMAT_VERSION
from . import schema as f
from .tokenize import camel_text, cjk_tokens_json, has_nospace, ident_terms

#: Text beyond this many characters of one message is not indexed (a 4 MB file dump is
#: searchable by its first megabyte; the transcript still shows all of it).
MAX_MESSAGE_CHARS = 1_000_000
#: Width of the title indexed and shown (the metadata index uses 100 for listings).
TITLE_CHARS = 300

#: Ranking priors by what a document is (see `schema.WEIGHT`): the score is multiplied by
#: log2(2 + weight), so 6 -> x3, 2 -> x2, 0.8 -> x1.5, 0 -> x1.
WEIGHTS = {"title": 6.0, "prompt": 2.0, "assistant": 0.8, "other": 0.0}

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def session_key(session_id: str) -> int:
    """A stable 63-bit key for a session id (fast-field grouping needs a number)."""
    return int.from_bytes(hashlib.blake2b(session_id.encode(), digest_size=8).digest()) >> 1


@dataclass(slots=True)
class Prepared:
    """One session ready for the writer: its id, key and documents as JSON strings."""

    session_id: str
    skey: int
    docs: list[str]
    json_bytes: int


# -- reading files ------------------------------------------------------------------------


def read_payload(path: Path) -> tuple[dict[str, Any], int]:
    """The session payload of a store file as plain JSON, verified; and its JSON size in bytes
    (decompressed).

    Raises `CorruptSessionFile` (with the path and reason) for anything unreadable.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise CorruptSessionFile(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        raw = decompress_bounded(data) if data[:4] == ZSTD_MAGIC else data
        header, payload = split(raw)
        version = header.get("formatVersion")
        if header.get("format") != FORMAT_NAME or version != CURRENT_FORMAT_VERSION:
            raise _SlowPath
        checksum = header.get("checksum")
        if not isinstance(checksum, str) or hashlib.sha256(payload).hexdigest() != checksum[7:]:
            raise _SlowPath
        value = json.loads(payload)
        if not isinstance(value, dict) or not isinstance(value.get("messages", []), list):
            raise _SlowPath
    except Exception:  # zstd, JSON, UTF-8, recursion, or simply not the current format
        # Older formats (migrated on read), and every defect, go through the store's own
        # decoder: it migrates, and it words the error the way the rest of the app does.
        session = decode(data, path, expected_id=session_id_from_file_name(path.name)).session
        return session_payload(session), len(data)
    size = len(raw)
    expected = session_id_from_file_name(path.name)
    if expected is not None and value.get("id") != expected:
        raise CorruptSessionFile(
            path, f"session id {value.get('id')!r} does not match the file name ({expected!r})"
        )
    return value, size


class _SlowPath(Exception):
    pass


def session_payload(session: Session) -> dict[str, Any]:
    return session.model_dump(mode="json", by_alias=True)


# -- documents ----------------------------------------------------------------------------


def _flatten(value: Any, out: list[str], depth: int = 0) -> None:
    """The strings (and numbers) inside a tool call's arguments, in order."""
    if depth > 20:
        return
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                _flatten(item, out, depth + 1)
            elif isinstance(item, str):
                out.append(item)
            elif item is not None and not isinstance(item, bool):
                out.append(f"{key}: {item}")
    elif isinstance(value, list):
        for item in value:
            _flatten(item, out, depth + 1)
    elif value is not None and not isinstance(value, bool):
        out.append(str(value))


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def message_text(message: dict[str, Any]) -> str:
    """Everything readable in a message (payload form), blocks separated by blank lines."""
    parts: list[str] = []
    for block in message.get("content") or ():
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text" or kind == "thinking":
            parts.append(_str(block.get("text")))
        elif kind == "tool_result":
            parts.append(_str(block.get("output")))
        elif kind == "tool_call":
            args: list[str] = []
            _flatten(block.get("input"), args)
            name = _str(block.get("name"))
            parts.append(name + (": " + "\n".join(args) if args else ""))
        elif kind == "attachment":
            parts.append(" ".join(p for p in (block.get("name"), block.get("text")) if p))
    text = "\n\n".join(p for p in parts if p)
    return text[:MAX_MESSAGE_CHARS]


def _has_error(messages: list[Any]) -> bool:
    for message in messages:
        if not isinstance(message, dict):
            continue
        if message.get("kind") == "error":
            return True
        for block in message.get("content") or ():
            if (
                isinstance(block, dict)
                and block.get("type") == "tool_result"
                and block.get("isError")
            ):
                return True
    return False


def _title(payload: dict[str, Any]) -> str:
    """Same rule as the listing's title: the title, or the first real user prompt."""
    title = _str(payload.get("title"))
    if title.strip():
        return " ".join(title.split())[:TITLE_CHARS]
    for message in payload.get("messages") or ():
        if (
            isinstance(message, dict)
            and message.get("role") == "user"
            and message.get("kind", "message") == "message"
        ):
            text = "\n\n".join(
                _str(b.get("text"))
                for b in message.get("content") or ()
                if isinstance(b, dict) and b.get("type") == "text"
            )
            if text.strip():
                return " ".join(text.split())[:TITLE_CHARS]
    return ""


def _ms(value: Any) -> int:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _weight(message: dict[str, Any]) -> float:
    kind = message.get("kind", "message")
    role = message.get("role")
    if kind == "message" and role == "user":
        return WEIGHTS["prompt"]
    if kind == "message" and role == "assistant":
        return WEIGHTS["assistant"]
    return WEIGHTS["other"]


def project_values(project: str | None) -> list[str]:
    """A project is matched by its full path and by its last path component."""
    if not project:
        return []
    name = project.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]
    return [project, name] if name and name != project else [project]


def prepare(payload: dict[str, Any], json_bytes: int = 0) -> Prepared:
    """The documents of one session: the session document first, then one per message."""
    sid = _str(payload.get("id"))
    skey = session_key(sid)
    messages = [m for m in payload.get("messages") or () if isinstance(m, dict)]
    title = _title(payload)
    models = [m for m in dict.fromkeys(payload.get("models") or ()) if isinstance(m, str)]
    tags = [t for t in payload.get("tags") or () if isinstance(t, str)]
    base = _dumps(
        {
            f.SID: sid,
            f.SKEY: skey,
            f.SOURCE: _str(payload.get("source")),
            f.PROJECT: project_values(payload.get("project")),
            f.TAG: tags,
            f.STARRED: int(bool(payload.get("starred"))),
            f.ERROR: int(_has_error(messages)),
            f.BUCKET: skey % f.BUCKETS,
            f.UPDATED: _ms(payload.get("updated")),
            f.TITLE: title,
        }
    )[:-1]
    models_json = _dumps(models)
    ref = payload.get("sourceRef") or {}
    meta = [title, sid]
    meta += [
        v
        for v in (ref.get("id"), ref.get("path"), payload.get("project"), payload.get("gitBranch"))
        if isinstance(v, str) and v
    ]
    docs = [_doc(base, "", "title", WEIGHTS["title"], models_json, "\n".join(meta))]
    for message in messages:
        text = message_text(message)
        if not text.strip():
            continue
        model = message.get("model")
        msg_models = (
            models_json
            if not isinstance(model, str) or model in models
            else _dumps([*models, model])
        )
        role = _str(message.get("role")) or "user"
        docs.append(_doc(base, _str(message.get("id")), role, _weight(message), msg_models, text))
    return Prepared(sid, skey, docs, json_bytes)


def _doc(base: str, mid: str, role: str, weight: float, models_json: str, text: str) -> str:
    """One document as JSON: the session's shared fields (pre-encoded) plus this message's."""
    parts = [
        base,
        f',"{f.MID}":',
        _dumps(mid),
        f',"{f.ROLE}":',
        _dumps(role),
        f',"{f.WEIGHT}":{weight},"{f.MODEL}":',
        models_json,
        f',"{f.TEXT}":',
        _dumps(text),
    ]
    camel = camel_text(text)
    if camel:
        parts += [f',"{f.PARTS}":', _dumps(camel)]
    idents = ident_terms(text)
    if idents:  # letters, digits and spaces only: valid JSON strings as they are
        parts += [f',"{f.IDENTS}":["', '","'.join(idents), '"]']
    if has_nospace(text):
        tokens = cjk_tokens_json(text)
        if tokens is not None:
            parts += [f',"{f.CJK}":', tokens]
    parts.append("}")
    return "".join(parts)


def session_documents(session: Session) -> Prepared:
    return prepare(session_payload(session))


def iter_prepared(paths: list[Path]) -> Iterator[Prepared | CorruptSessionFile]:
    for path in paths:
        try:
            payload, size = read_payload(path)
        except CorruptSessionFile as exc:
            yield exc
            continue
        except FileNotFoundError:
            continue
        yield prepare(payload, size)
