"""Gemini CLI chats (``~/.gemini/tmp/<project>/chats/session-*.json`` and ``*.jsonl``).

A chat file is one JSON document ``{sessionId, projectHash, startTime, lastUpdated, messages}``;
the newer JSONL files hold a header line and ``{"$set": {...}}`` updates applied in order (the
header may be written again). Tool calls and their results live in the same ``gemini`` message;
they become an assistant message with the calls followed by a tool message with the results.

Resumed sessions: Gemini CLI writes a new file with the same ``sessionId`` when a session is
resumed. Every file of a session (found by the 8-character id suffix of its name) is read and
the messages are merged by message ``id``, later files winning, so each file of the group yields
the same session under the same stable id, whichever is imported first.

Subagent chats (``chats/<parentSessionId>/<id>.json``) are linked to their parent. ``logs.json``
holds typed prompts only; it is a transcript only for sessions whose chat file is gone (older
versions kept nothing else), and those are recovered from it. ``checkpoints/`` hold restore
points, not transcripts. ``checkpoint-<tag>.json`` files written by ``/chat save`` are imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ..models import (
    AttachmentBlock,
    Message,
    Session,
    SourceRef,
    TextBlock,
    ThinkingBlock,
    TokenUsage,
    ToolCallBlock,
    ToolResultBlock,
    safe_session_id,
)
from .base import Importer, ImporterError, ParseStats, register
from .common import (
    as_count,
    as_dict,
    as_list,
    as_str,
    cut_title,
    file_time,
    iter_jsonl,
    load_json_file,
    loads,
    opt_str,
    parse_time,
    prompt_title,
    raw_decode,
    read_bytes,
    sum_usage,
    text_of,
    tool_input,
    whole_file,
)

SOURCE = "gemini-cli"

#: The literal id Cloud Shell's a2a-server writes for every session.
_SHARED_IDS = {"a2a-server", ""}
_COMMAND = re.compile(r"^/[A-Za-z][\w:-]*(\s|$)")
#: Context Gemini CLI injects as the first "user" turn (a2a/Cloud Shell, saved chats).
_CONTEXT_PREFIXES = ("<session_context>", "This is the Gemini CLI. We are setting up the context")
#: Files in a Gemini folder that are never transcripts.
_NOT_CHATS = {"logs.json", "projects.json", "settings.json", "installation_id", "shell_history"}
_MAX_SIBLINGS = 200


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _usage(raw: Any) -> TokenUsage | None:
    """Gemini's ``input`` includes ``cached``; ``total`` = input + output + thoughts + tool."""
    raw = as_dict(raw)
    inp, cached = as_count(raw.get("input")), as_count(raw.get("cached"))
    out, thoughts, tool = (
        as_count(raw.get("output")),
        as_count(raw.get("thoughts")),
        as_count(raw.get("tool")),
    )
    if inp is None and out is None:
        return None
    if inp is not None:
        inp = max(inp - (cached or 0), 0) + (tool or 0)
    return TokenUsage(
        input_tokens=inp, output_tokens=out, cache_read_tokens=cached, reasoning_tokens=thoughts
    )


def _parts(parts: Any) -> list[TextBlock | AttachmentBlock]:
    """Gemini ``Part`` objects (or a bare string) as text and attachment blocks."""
    if isinstance(parts, str):
        return [TextBlock(text=parts)] if parts else []
    if isinstance(parts, dict):
        parts = [parts]
    blocks: list[TextBlock | AttachmentBlock] = []
    for part in as_list(parts):
        if isinstance(part, str):
            if part:
                blocks.append(TextBlock(text=part))
            continue
        part = as_dict(part)
        text = opt_str(part.get("text"))
        if text and not part.get("thought"):
            blocks.append(TextBlock(text=text))
        for key in ("inlineData", "fileData"):
            data = as_dict(part.get(key))
            if data:
                mime = opt_str(data.get("mimeType"))
                kind = "image" if mime and mime.startswith("image/") else "file"
                blocks.append(
                    AttachmentBlock(
                        kind=kind,
                        mime_type=mime,
                        name=opt_str(data.get("displayName")),
                        uri=opt_str(data.get("fileUri")),
                    )
                )
    return blocks


def _tool_result(call: dict[str, Any]) -> ToolResultBlock:
    """The result stored with a call: ``[{"functionResponse": {response: {output|error}}}]``."""
    texts: list[str] = []
    failed = call.get("status") == "error"
    for part in as_list(call.get("result")) or [call.get("result")]:
        part = as_dict(part)
        response = as_dict(part.get("functionResponse")).get("response")
        if isinstance(response, dict):
            if "output" in response:
                texts.append(_json_text(response["output"]))
            elif "error" in response:
                failed = True
                texts.append(_json_text(response["error"]))
            elif response:
                texts.append(_json_text(response))
        elif response is not None:
            texts.append(_json_text(response))
        elif opt_str(part.get("text")):
            texts.append(part["text"])
    if not texts:
        display = call.get("resultDisplay")
        if isinstance(display, str) and display:
            texts.append(display)
        elif call.get("status") == "cancelled":
            texts.append("(cancelled)")
    return ToolResultBlock(
        call_id=opt_str(call.get("id")),
        name=opt_str(call.get("name")),
        output="\n".join(texts),
        is_error=failed,
    )


def _user_kind(text: str) -> str:
    head = text.lstrip()
    if head.startswith(_CONTEXT_PREFIXES):
        return "context"
    if "\n" not in text.strip() and _COMMAND.match(head):
        return "command"
    return "message"


class _Build:
    """Turns Gemini chat messages into `Message` objects."""

    def __init__(self, stats: ParseStats) -> None:
        self.stats = stats
        self.messages: list[Message] = []
        self.models: list[str] = []
        self.usages: list[TokenUsage] = []
        self.times: list[datetime] = []

    def add(self, raw: dict[str, Any], fallback_id: str) -> None:
        mid = opt_str(raw.get("id")) or fallback_id
        when = parse_time(raw.get("timestamp"))
        if when is not None:
            self.times.append(when)
        kind = raw.get("type")
        if kind == "user":
            blocks = _parts(raw.get("content"))
            if not blocks and opt_str(raw.get("displayContent")):
                blocks = _parts(raw.get("displayContent"))
            text = "\n\n".join(b.text for b in blocks if isinstance(b, TextBlock))
            self.messages.append(
                Message(id=mid, role="user", kind=_user_kind(text), timestamp=when, content=blocks)
            )
        elif kind in ("gemini", "model", "assistant"):
            self._gemini(raw, mid, when)
        elif kind in ("info", "warning", "error"):
            text = text_of(raw.get("content"))
            if text.strip():
                self.messages.append(
                    Message(
                        id=mid,
                        role="system",
                        kind="error" if kind == "error" else "event",
                        timestamp=when,
                        content=[TextBlock(text=text)],
                    )
                )
        else:
            self.stats.unknown_types[f"message:{kind}"] += 1
            text = text_of(raw.get("content"))
            if text.strip():
                self.messages.append(
                    Message(
                        id=mid,
                        role="system",
                        kind="event",
                        timestamp=when,
                        content=[TextBlock(text=text)],
                    )
                )

    def _gemini(self, raw: dict[str, Any], mid: str, when: datetime | None) -> None:
        model = opt_str(raw.get("model"))
        if model and model not in self.models:
            self.models.append(model)
        content: list[Any] = []
        for thought in as_list(raw.get("thoughts")):
            thought = as_dict(thought)
            subject, description = (
                opt_str(thought.get("subject")),
                opt_str(thought.get("description")),
            )
            text = (
                f"{subject}\n{description}" if subject and description else subject or description
            )
            if text:
                content.append(ThinkingBlock(text=text))
        content.extend(_parts(raw.get("content")))
        results: list[ToolResultBlock] = []
        for call in as_list(raw.get("toolCalls")):
            call = as_dict(call)
            if not call:
                continue
            name = opt_str(call.get("name")) or opt_str(call.get("displayName")) or "tool"
            content.append(
                ToolCallBlock(
                    id=opt_str(call.get("id")), name=name, input=tool_input(call.get("args"))
                )
            )
            if any(k in call for k in ("result", "resultDisplay", "status")):
                results.append(_tool_result(call))
        usage = _usage(raw.get("tokens"))
        if usage is not None:
            self.usages.append(usage)
        if not content and not results:
            return
        self.messages.append(
            Message(
                id=mid, role="assistant", timestamp=when, model=model, content=content, usage=usage
            )
        )
        if results:
            result_time = parse_time(as_dict(as_list(raw.get("toolCalls"))[0]).get("timestamp"))
            self.messages.append(
                Message(
                    id=f"{mid}:results", role="tool", timestamp=result_time or when, content=results
                )
            )


# ---------------------------------------------------------------------------------------------
# Reading chat files


def _apply_jsonl(path: Path, stats: ParseStats, data: bytes) -> dict[str, Any]:
    """Replay a JSONL chat: header lines set fields, ``$set`` updates overwrite them."""
    state: dict[str, Any] = {}
    messages: list[Any] = []
    for _number, obj in iter_jsonl(path, stats, data):
        update = obj.get("$set")
        if isinstance(update, dict):
            for key, value in update.items():
                match = re.fullmatch(r"messages\.(\d+)", key) if isinstance(key, str) else None
                if key == "messages":
                    messages = list(as_list(value))
                elif match and isinstance(value, dict):
                    index = int(match.group(1))
                    if index < len(messages):
                        messages[index] = value
                    elif index == len(messages):
                        messages.append(value)
                else:
                    state[key] = value
        elif isinstance(obj.get("$push"), dict):
            pushed = obj["$push"].get("messages")
            if isinstance(pushed, dict):
                messages.append(pushed)
        elif any(isinstance(k, str) and k.startswith("$") for k in obj):
            op = next(k for k in obj if isinstance(k, str) and k.startswith("$"))
            stats.unknown_types[f"update:{op}"] += 1
        elif "sessionId" in obj or "startTime" in obj or "projectHash" in obj:
            for key, value in obj.items():
                if key == "messages":
                    messages = list(as_list(value))
                else:
                    state[key] = value
        elif isinstance(obj.get("type"), str) and ("id" in obj or "content" in obj):
            # One message per line (a format Gemini may move to): replace by id, else append.
            mid = obj.get("id")
            for index, old in enumerate(messages):
                if mid is not None and as_dict(old).get("id") == mid:
                    messages[index] = obj
                    break
            else:
                messages.append(obj)
        else:
            stats.unknown_types["(unknown line)"] += 1
    state["messages"] = messages
    return state


def _read_chat(path: Path, stats: ParseStats) -> dict[str, Any]:
    data = read_bytes(path)
    if path.suffix == ".jsonl":
        bad_before = len(stats.bad_entries)
        state = _apply_jsonl(path, stats, data)
        if len(state) == 1 and not state["messages"]:
            if len(stats.bad_entries) > bad_before:
                reason = stats.bad_entries[bad_before][1]
                raise ImporterError(path, f"no readable line ({reason})")
            raise ImporterError(path, "not a Gemini CLI chat: no session header")
        return state
    try:
        document = load_json_file(path, data)
    except ImporterError as exc:
        salvaged = _salvage(data)
        if salvaged is None:
            raise
        stats.bad(
            str(path),
            f"{exc.reason}; {len(salvaged['messages'])} messages before the damage recovered",
        )
        return salvaged
    if not isinstance(document, dict):
        raise ImporterError(path, "not a Gemini CLI chat: expected a JSON object")
    return document


def _salvage(data: bytes) -> dict[str, Any] | None:
    """The header and the complete messages of a chat file cut short (Gemini CLI rewrites the
    whole file on every turn; a crash mid-write leaves a truncated document)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    key = text.find('"messages"')
    start = text.find("[", key) if key >= 0 else -1
    if start < 0:
        return None
    try:
        header = loads(text[:key].rstrip().rstrip(",") + "}")
    except ValueError:
        header = {}
    if not isinstance(header, dict) or not opt_str(header.get("sessionId")):
        return None
    messages: list[Any] = []
    position = start + 1
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            break
        try:
            value, position = raw_decode(text, position)
        except ValueError:
            break
        messages.append(value)
    if not messages:
        return None
    header["messages"] = loads(json.dumps(messages))  # the strict checks of `loads`
    return header


def _messages_of(path: Path, chat: dict[str, Any]) -> list[Any]:
    messages = chat.get("messages", [])
    if not isinstance(messages, list):
        raise ImporterError(path, "not a Gemini CLI chat: 'messages' is not a list")
    return messages


def _session_prefix(session_id: str) -> str:
    return session_id[:8]


def _project_dir(path: Path) -> Path | None:
    """``~/.gemini/tmp/<project>`` for a chat file anywhere under its ``chats/``."""
    for parent in path.parents:
        if parent.name == "chats":
            return parent.parent
    return None


def _read_small(path: Path, limit: int = 1 << 20) -> bytes | None:
    try:
        if path.is_file() and path.stat().st_size <= limit:
            return path.read_bytes()
    except OSError:
        return None
    return None


def _project_path(path: Path, chat: dict[str, Any]) -> str | None:
    """The project's directory: ``.project_root``, else ``projects.json`` (by slug or by the
    SHA-256 ``projectHash``), else the chat's own ``directories``."""
    project_dir = _project_dir(path) or path.parent
    raw = _read_small(project_dir / ".project_root", 1 << 16)
    if raw:
        text = raw.decode("utf-8", "replace").strip()
        if text and "\n" not in text:
            return text
    projects_file = project_dir.parent.parent / "projects.json"
    raw = _read_small(projects_file, 8 << 20)
    if raw:
        try:
            projects = as_dict(as_dict(loads(raw)).get("projects"))
        except ValueError:
            projects = {}
        wanted_hash = opt_str(chat.get("projectHash"))
        for project, slug in projects.items():
            if slug == project_dir.name:
                return project
        if wanted_hash:
            for project in projects:
                if hashlib.sha256(project.encode("utf-8", "replace")).hexdigest() == wanted_hash:
                    return project
    directories = [d for d in as_list(chat.get("directories")) if isinstance(d, str) and d]
    return directories[0] if directories else None


@register
class GeminiCliImporter(Importer):
    """Gemini CLI chat files (JSON and JSONL), resumed sessions merged, subagents linked."""

    source = SOURCE
    label = "Gemini CLI"

    def __init__(self) -> None:
        self._listings: dict[Path, tuple[int, dict[str, list[str]]]] = {}

    def default_locations(self) -> list[Path]:
        return [Path.home() / ".gemini" / "tmp"]

    # --- discovery -------------------------------------------------------------------------------

    def discover(self, root: Path) -> Iterator[Path]:
        if root.is_file():
            if root.name != "logs.json" or _orphan_ids(root):
                yield root
            return
        found: list[Path] = []
        for folder, dirs, files in os.walk(root, onerror=lambda _err: None):
            dirs[:] = sorted(d for d in dirs if d != "checkpoints")
            here = Path(folder)
            in_chats = "chats" in here.relative_to(root).parts or here.name == "chats"
            for name in files:
                path = here / name
                if path.is_symlink():
                    continue  # never follow a link out of the tool's folder
                if name == "logs.json":
                    if _orphan_ids(path):
                        found.append(path)
                elif name in _NOT_CHATS or not name.endswith((".json", ".jsonl")):
                    continue
                elif in_chats or name.startswith(("session-", "checkpoint-")):
                    found.append(path)
        yield from sorted(found)

    def sniff(self, path: Path, head: bytes) -> bool:
        text = head[:65536].decode("utf-8", "ignore").lstrip()
        if text.startswith("{"):
            return '"sessionId"' in text and ('"projectHash"' in text or '"startTime"' in text)
        if text.startswith("["):
            return ('"sessionId"' in text and '"messageId"' in text) or (
                path.name.startswith("checkpoint-") and '"parts"' in text
            )
        return False

    # --- parsing -------------------------------------------------------------------------------

    def parse(self, path: Path, stats: ParseStats) -> Iterator[Session]:
        yield from whole_file(path, lambda: self._parse(path, stats))

    def _parse(self, path: Path, stats: ParseStats) -> list[Session]:
        if path.suffix == ".json":
            data = read_bytes(path)
            if data.lstrip().startswith(b"["):
                document = load_json_file(path, data)
                if path.name == "logs.json" or _looks_like_logs(document):
                    return self._logs(path, document, stats)
                return self._saved_chat(path, document, stats)
        chat = _read_chat(path, stats)
        messages = _messages_of(path, chat)
        raw_id = chat.get("sessionId")
        session_id = raw_id if isinstance(raw_id, str) else ""
        if not session_id and not messages and "startTime" not in chat:
            raise ImporterError(path, "not a Gemini CLI chat: no sessionId, startTime or messages")
        project_dir = _project_dir(path)
        parent_dir = path.parent.name if path.parent.name != "chats" else None
        is_subagent = chat.get("kind") == "subagent" or (
            parent_dir is not None and project_dir is not None
        )
        files = [(path, chat, messages)]
        parent_id: str | None = None
        if is_subagent:
            parent = parent_dir if parent_dir and not parent_dir.startswith("skill-") else None
            parent_id = safe_session_id(SOURCE, parent) if parent else None
            own = session_id if session_id and session_id != parent else path.stem
            source_id = f"{parent}/{own}" if parent else own
        elif session_id in _SHARED_IDS:
            slug = project_dir.name if project_dir else path.parent.name
            source_id = f"{session_id or 'chat'}-{slug}-{path.stem}"
        else:
            source_id = session_id
            files = self._resumed_files(path, chat, messages, session_id, stats)
        session = self._build(path, files, source_id, parent_id, stats)
        return [session] if session is not None else []

    def _resumed_files(
        self,
        path: Path,
        chat: dict[str, Any],
        messages: list[Any],
        session_id: str,
        stats: ParseStats,
    ) -> list[tuple[Path, dict[str, Any], list[Any]]]:
        """Every file of the same session in this folder, oldest first."""
        files = [(path, chat, messages)]
        for name in self._siblings(path.parent, _session_prefix(session_id)):
            other = path.parent / name
            if other == path:
                continue
            scratch = ParseStats()  # a sibling's own problems are reported when it is imported
            try:
                other_chat = _read_chat(other, scratch)
                other_messages = _messages_of(other, other_chat)
            except ImporterError:
                continue
            if other_chat.get("sessionId") == session_id:
                files.append((other, other_chat, other_messages))
        files.sort(key=lambda f: (str(f[1].get("startTime", "")), f[0].name))
        return files

    def _siblings(self, folder: Path, prefix: str) -> list[str]:
        """Chat files in ``folder`` whose name ends with the session's 8-character prefix.
        Listings are cached per folder mtime: one listing per folder per import run."""
        try:
            mtime = folder.stat().st_mtime_ns
        except OSError:
            return []
        cached = self._listings.get(folder)
        if cached is None or cached[0] != mtime:
            index: dict[str, list[str]] = {}
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        stem, dot, suffix = entry.name.rpartition(".")
                        if (
                            dot
                            and suffix in ("json", "jsonl")
                            and entry.name.startswith("session-")
                        ):
                            index.setdefault(stem[-8:], []).append(entry.name)
            except OSError:
                return []
            cached = (mtime, index)
            self._listings[folder] = cached
        return sorted(cached[1].get(prefix, []))[:_MAX_SIBLINGS]

    def _build(
        self,
        path: Path,
        files: list[tuple[Path, dict[str, Any], list[Any]]],
        source_id: str,
        parent_id: str | None,
        stats: ParseStats,
    ) -> Session | None:
        # Merge by message id; a later file's copy of a message replaces the earlier one.
        merged: dict[str, tuple[str, dict[str, Any]]] = {}
        for file_path, _chat, messages in files:
            for index, raw in enumerate(messages):
                if not isinstance(raw, dict):
                    if file_path == path:
                        stats.bad(f"{path}:messages[{index}]", "message is not an object")
                    continue
                key = opt_str(raw.get("id"))
                if key is None:
                    digest = hashlib.sha256(
                        _json_text(
                            [raw.get("type"), raw.get("timestamp"), raw.get("content")]
                        ).encode("utf-8", "replace")
                    ).hexdigest()[:16]
                    key = f"anon-{digest}"
                merged[key] = (key, raw)
        build = _Build(stats)
        for key, raw in merged.values():
            build.add(raw, key)
        if not build.messages:
            stats.skipped_types["empty chat"] += 1
            return None
        newest_path, newest, _ = files[-1]
        first_chat = files[0][1]
        title = cut_title(as_str(newest.get("summary"))) or prompt_title(build.messages)
        times = sorted(build.times)
        created = (
            parse_time(first_chat.get("startTime"))
            or (times[0] if times else None)
            or file_time(path)
        )
        updated_candidates = [
            t for t in (parse_time(c.get("lastUpdated")) for _p, c, _m in files) if t is not None
        ]
        updated = max([*updated_candidates, *times[-1:], created])
        extra: dict[str, Any] = {}
        kind = opt_str(newest.get("kind"))
        if kind:
            extra["kind"] = kind
        project_hash = opt_str(newest.get("projectHash"))
        if project_hash:
            extra["project_hash"] = project_hash
        if len(files) > 1:
            extra["files"] = [str(p) for p, _c, _m in files]
        return Session(
            id=safe_session_id(SOURCE, source_id),
            title=title,
            source=SOURCE,
            source_ref=SourceRef(path=str(newest_path), id=source_id),
            models=build.models,
            project=_project_path(newest_path, newest),
            created=created,
            updated=updated,
            usage=sum_usage(build.usages),
            parent_session_id=parent_id,
            extra=extra,
            messages=build.messages,
        )

    # --- logs.json and saved chats ---------------------------------------------------------------

    def _logs(self, path: Path, document: Any, stats: ParseStats) -> list[Session]:
        """Prompts of sessions whose chat file is missing, recovered from ``logs.json``."""
        orphans = _orphan_ids(path, document)
        groups: dict[str, list[dict[str, Any]]] = {}
        for index, entry in enumerate(as_list(document)):
            if not isinstance(entry, dict):
                stats.bad(f"{path}[{index}]", "log entry is not an object")
                continue
            sid = opt_str(entry.get("sessionId"))
            if sid in orphans:
                groups.setdefault(sid, []).append(entry)
        sessions = []
        for sid, entries in groups.items():
            messages = []
            seen: set[str] = set()
            for index, entry in enumerate(entries):
                text = entry.get("message")
                if not isinstance(text, str) or not text.strip():
                    continue
                number = as_count(entry.get("messageId"))
                mid = f"log{number}" if number is not None else f"log-{index}"
                if mid in seen:
                    mid = f"{mid}-{index}"
                seen.add(mid)
                role = "user" if entry.get("type", "user") == "user" else "system"
                messages.append(
                    Message(
                        id=mid,
                        role=role,
                        kind=_user_kind(text) if role == "user" else "event",
                        timestamp=parse_time(entry.get("timestamp")),
                        content=[TextBlock(text=text)],
                    )
                )
            if not messages:
                continue
            times = sorted(m.timestamp for m in messages if m.timestamp is not None)
            created = times[0] if times else file_time(path)
            title = prompt_title(messages)
            sessions.append(
                Session(
                    id=safe_session_id(SOURCE, sid),
                    title=title,
                    source=SOURCE,
                    source_ref=SourceRef(path=str(path), id=sid),
                    project=_project_path(path, {}),
                    created=created,
                    updated=times[-1] if times else created,
                    extra={"recovered_from": "logs.json (prompts only)"},
                    messages=messages,
                )
            )
        return sessions

    def _saved_chat(self, path: Path, document: Any, stats: ParseStats) -> list[Session]:
        """``/chat save <tag>``: a Gemini API ``Content[]`` history without timestamps."""
        messages: list[Message] = []
        names: dict[str, str] = {}
        for index, content in enumerate(as_list(document)):
            content = as_dict(content)
            parts = as_list(content.get("parts"))
            if not content or "role" not in content:
                stats.bad(f"{path}[{index}]", "not a {role, parts} history entry")
                continue
            blocks: list[Any] = []
            results: list[ToolResultBlock] = []
            for part in parts:
                part = as_dict(part)
                call = as_dict(part.get("functionCall"))
                response = as_dict(part.get("functionResponse"))
                if call:
                    name = opt_str(call.get("name")) or "tool"
                    call_id = opt_str(call.get("id"))
                    if call_id:
                        names[call_id] = name
                    blocks.append(
                        ToolCallBlock(id=call_id, name=name, input=tool_input(call.get("args")))
                    )
                elif response:
                    results.append(
                        _tool_result(
                            {
                                "id": response.get("id"),
                                "name": response.get("name"),
                                "result": [{"functionResponse": response}],
                            }
                        )
                    )
                elif part.get("thought") and opt_str(part.get("text")):
                    blocks.append(ThinkingBlock(text=part["text"]))
                else:
                    blocks.extend(_parts([part]))
            mid = f"c{index}"
            if results:
                messages.append(Message(id=mid, role="tool", content=results))
            if blocks:
                if content.get("role") == "model":
                    messages.append(Message(id=f"{mid}m", role="assistant", content=blocks))
                else:
                    text = "\n\n".join(b.text for b in blocks if isinstance(b, TextBlock))
                    messages.append(
                        Message(id=f"{mid}u", role="user", kind=_user_kind(text), content=blocks)
                    )
        if not messages:
            raise ImporterError(path, "not a Gemini CLI saved chat: no {role, parts} entries")
        tag = path.stem.removeprefix("checkpoint-")
        project_dir = path.parent.name
        title = prompt_title(messages)
        when = file_time(path)
        return [
            Session(
                id=safe_session_id(SOURCE, f"checkpoint-{project_dir}-{tag}"),
                title=title or f"Saved chat {tag}",
                source=SOURCE,
                source_ref=SourceRef(path=str(path), id=tag),
                project=_project_path(path, {}),
                created=when,
                updated=when,
                tags=[],
                extra={"saved_chat_tag": tag},
                messages=messages,
            )
        ]


def _looks_like_logs(document: Any) -> bool:
    first = as_dict(next(iter(as_list(document)), None))
    return "sessionId" in first and "messageId" in first


def _orphan_ids(path: Path, document: Any = None) -> set[str]:
    """Session ids in a ``logs.json`` that have no chat file next to it or in ``chats/``."""
    if document is None:
        raw = _read_small(path, 64 << 20)
        if raw is None:
            return set()
        try:
            document = loads(raw)
        except ValueError:
            return set()
    ids = {
        sid
        for entry in as_list(document)
        if isinstance(entry, dict) and (sid := opt_str(entry.get("sessionId")))
    }
    if not ids:
        return set()
    present: set[str] = set()
    for folder in (path.parent, path.parent / "chats"):
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    stem = entry.name.rpartition(".")[0]
                    if entry.name.startswith("session-"):
                        present.add(stem[-8:])
        except OSError:
            continue
    return {sid for sid in ids if sid[:8] not in present}
