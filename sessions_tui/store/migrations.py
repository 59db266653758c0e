"""Schema migrations: a chain of functions, each lifting a payload one format version.

Migrations work on plain JSON values (dicts), never on the current models, so an old migration
keeps working when the models move on. They run on read (the file is not rewritten) and, for a
whole store, on ``sessions-tui migrate`` after a backup.

Version history:

* **1** (sessions-tui 0.0.x prototypes): flat messages with a single ``text`` string, one
  ``model`` per session, ``tool`` instead of ``source``, ``cwd`` instead of ``project``,
  ``createdAt``/``updatedAt`` and ``keepUntil`` (unix ms) for retention.
* **2**: typed content blocks, ``models`` list, ``sourceRef``, ``persistedUntil``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CURRENT_FORMAT_VERSION = 2

Payload = dict[str, Any]


def _v1_to_v2(old: Payload) -> Payload:
    messages = []
    for m in old.get("messages") or []:
        text = m.get("text")
        messages.append(
            {
                "id": m["id"],
                "parentId": m.get("parentId"),
                "role": m.get("role", "user"),
                "timestamp": m.get("time"),
                "model": m.get("model"),
                "content": [{"type": "text", "text": text}] if text else [],
            }
        )
    model = old.get("model")
    return {
        "id": old["id"],
        "title": old.get("title") or "",
        "source": old.get("tool") or "native",
        "sourceRef": {"path": old.get("sourcePath"), "id": old.get("sourceId")},
        "models": [model] if model else [],
        "project": old.get("cwd"),
        "created": old.get("createdAt"),
        "updated": old.get("updatedAt") or old.get("createdAt"),
        "persistedUntil": old.get("keepUntil"),
        "tags": old.get("tags") or [],
        "starred": bool(old.get("starred", False)),
        "messages": messages,
    }


#: MIGRATIONS[n] lifts a version-n payload to version n+1.
MIGRATIONS: dict[int, Callable[[Payload], Payload]] = {1: _v1_to_v2}


def migrate_payload(payload: Payload, from_version: int) -> Payload:
    """Lift ``payload`` from ``from_version`` to the current version."""
    if not isinstance(payload, dict):
        raise ValueError("session payload is not a JSON object")
    version = from_version
    while version < CURRENT_FORMAT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ValueError(f"no migration from format version {version}")
        payload = step(payload)
        version += 1
    return payload


_KNOWN_BLOCKS = {"text", "thinking", "tool_call", "tool_result", "attachment"}
_KNOWN_ROLES = {"user", "assistant", "system", "tool"}
_KNOWN_KINDS = {"message", "summary", "context", "command", "event", "error"}


def readable_newer_payload(payload: Payload) -> Payload:
    """A view of a newer version's payload this version can load, for reading only.

    Newer versions may add block types, roles or message kinds: an unknown block becomes a
    text block naming its type and holding its JSON, an unknown role or kind a system event.
    Such a file is never rewritten (storage-format.md, versions), so nothing of it is lost.
    """
    import json

    if not isinstance(payload, dict):
        raise ValueError("session payload is not a JSON object")
    for message in payload.get("messages") or []:
        if not isinstance(message, dict):
            continue
        if message.get("role") not in _KNOWN_ROLES:
            message["role"] = "system"
            message["kind"] = "event"
        if message.get("kind", "message") not in _KNOWN_KINDS:
            message["kind"] = "event"
        blocks = message.get("content")
        if not isinstance(blocks, list):
            continue
        for i, block in enumerate(blocks):
            kind = block.get("type") if isinstance(block, dict) else None
            if kind not in _KNOWN_BLOCKS:
                text = json.dumps(block, ensure_ascii=False, default=str)
                blocks[i] = {"type": "text", "text": f"[{kind or 'unknown'} block] {text}"}
    return payload
