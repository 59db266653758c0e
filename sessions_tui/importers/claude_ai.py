"""Claude.ai data export (``conversations.json``, or the export ``.zip`` as downloaded).

Claude.ai flattens a conversation's branches (edited prompts, retries) into one list,
``chat_messages``, each message naming its parent in ``parent_message_uuid`` (first messages
point to a sentinel uuid). The tree is rebuilt from those links; the export does not say which
branch the user was on, so the branch ending at the newest leaf is the transcript and every
other message is kept with ``alternate=True``. Messages are listed depth-first, siblings
oldest first, so the transcript reads in order and abandoned branches sit where they forked.

Older exports (2024) have no ``content`` blocks and no parent links: a message is its ``text``
plus its attachments, and the conversation is its messages in time order (the export's own
order is not chronological).

Mapping decisions (see docs/importers.md):

* text, thinking (its summaries first), tool use and tool results are blocks of the message
  that holds them (server-side tools run inside an assistant turn: not split into turns);
  a result without a ``tool_use_id`` is paired with the last unanswered call of that message;
* ``token_budget`` blocks are bookkeeping: skipped and counted; unknown block types are
  counted and kept as text when they carry any;
* ``attachments`` (text extracted by Claude.ai) become attachment blocks with that text;
  ``files`` (binaries not in the export) become attachment references;
* the title is ``name``, else ``summary``, else the first prompt; the model is not recorded;
* a conversation with no readable message (``chat_messages: []``, or only empty messages) is
  skipped and counted, not imported as an empty session;
* ``source_ref`` holds the conversation uuid but no file path: the same conversation in a
  later export is the same session, unchanged unless its content changed. ``extra["url"]``
  opens it in Claude.ai.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..models import (
    AttachmentBlock,
    ContentBlock,
    Message,
    MessageKind,
    Role,
    Session,
    SourceRef,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
    ToolResultBlock,
    safe_session_id,
)
from .base import ParseStats, register
from .common import (
    as_count,
    as_dict,
    as_list,
    as_str,
    cut_title,
    file_time,
    parse_time,
    prompt_title,
    tool_input,
)
from .webexport import (
    CLAUDE_AI,
    ExportImporter,
    readable_text,
)

#: Where the conversation opens in Claude.ai (for its owner), to resume it there.
CHAT_URL = "https://claude.ai/chat/"
#: ``parent_message_uuid`` of a conversation's first message(s).
ROOT_PARENT = "00000000-0000-4000-8000-000000000000"
_ROLES: dict[str, Role] = {"human": "user", "user": "user", "assistant": "assistant"}
_NO_TIME = float("inf")


@register
class ClaudeAIImporter(ExportImporter):
    """Conversations from a Claude.ai data export, one session each."""

    source = CLAUDE_AI
    label = "Claude.ai export"
    conversation_key = "chat_messages"

    def convert(
        self, path: Path, stats: ParseStats, label: str, conversation: dict[str, Any]
    ) -> Session | None:
        return _Converter(path, stats, label).session(conversation)


class _Converter:
    """Turns one conversation object into a Session."""

    def __init__(self, path: Path, stats: ParseStats, label: str) -> None:
        self.path = path
        self.stats = stats
        self.label = label

    def session(self, conv: dict[str, Any]) -> Session | None:
        conv_id = as_str(conv.get("uuid")) or as_str(conv.get("id"))
        if not conv_id.strip():
            self.stats.bad(self.label, "conversation without a uuid")
            return None
        self.label = f"{self.label} ({conv_id})"
        messages = self._messages(conv_id, conv.get("chat_messages"))
        if not messages:
            self.stats.skipped_types["empty conversation"] += 1
            return None
        times = [m.timestamp for m in messages if m.timestamp is not None]
        created = parse_time(conv.get("created_at")) or (min(times) if times else None)
        created = created or file_time(self.path)
        updated = parse_time(conv.get("updated_at")) or (max(times) if times else created)
        summary = as_str(conv.get("summary")).strip()
        title = " ".join(as_str(conv.get("name")).split())
        if not title:
            title = cut_title(summary) or prompt_title(messages)
        project = as_dict(conv.get("project"))
        extra: dict[str, Any] = {"url": f"{CHAT_URL}{quote(conv_id, safe='-_')}"}
        if summary:
            extra["summary"] = summary
        if as_str(project.get("uuid")):
            extra["project_uuid"] = project["uuid"]
        return Session(
            id=safe_session_id("claude-ai", conv_id),
            title=title,
            source="claude-ai",
            source_ref=SourceRef(id=conv_id),
            models=[],
            project=as_str(project.get("name")) or None,
            created=created,
            updated=updated,
            starred=conv.get("is_starred") is True,
            extra=extra,
            messages=messages,
        )

    # -- the tree -----------------------------------------------------------------------------

    def _messages(self, conv_id: str, raw: Any) -> list[Message]:
        entries: dict[str, dict[str, Any]] = {}
        for index, item in enumerate(as_list(raw)):
            if not isinstance(item, dict):
                self.stats.bad(f"{self.label} message {index + 1}", "not an object")
                continue
            key = as_str(item.get("uuid")) or f"{conv_id}-{index + 1}"
            if key in entries:
                key = f"{key}-{index + 1}"
            entries[key] = item
        if not entries:
            return []
        rank = {k: (_time_key(v), i) for i, (k, v) in enumerate(entries.items())}
        parent: dict[str, str | None] = {}
        if any("parent_message_uuid" in m for m in entries.values()):
            for key, item in entries.items():
                up = item.get("parent_message_uuid")
                ok = isinstance(up, str) and up in entries and up != key and up != ROOT_PARENT
                parent[key] = up if ok else None
        else:  # 2024 exports: no links; the conversation is its messages in time order
            ordered = sorted(entries, key=rank.__getitem__)
            parent = dict(zip(ordered, [None, *ordered[:-1]], strict=True))
        children: dict[str | None, list[str]] = {}
        for key, up in parent.items():
            children.setdefault(up, []).append(key)
        for kids in children.values():
            kids.sort(key=rank.__getitem__)
        current = _newest_branch(parent, children, rank)

        out: list[Message] = []
        visited: set[str] = set()
        roots = list(children.get(None, []))
        while True:
            self._walk(roots, entries, children, current, visited, out)
            left = [k for k in entries if k not in visited]
            if not left:
                return out
            self.stats.bad(self.label, "the message tree has a cycle; cut at its oldest message")
            roots = [min(left, key=rank.__getitem__)]

    def _walk(
        self,
        roots: list[str],
        entries: dict[str, dict[str, Any]],
        children: dict[str | None, list[str]],
        current: set[str],
        visited: set[str],
        out: list[Message],
    ) -> None:
        """Depth-first, without recursion; skipped messages pass their parent on."""
        stack: list[tuple[str, str | None]] = [(root, None) for root in reversed(roots)]
        while stack:
            key, parent_id = stack.pop()
            if key in visited:
                continue
            visited.add(key)
            message = self._message(key, entries[key])
            if message is not None:
                message.parent_id = parent_id
                message.alternate = key not in current
                out.append(message)
                parent_id = message.id
            stack.extend((kid, parent_id) for kid in reversed(children.get(key, [])))

    # -- one message --------------------------------------------------------------------------

    def _message(self, key: str, item: dict[str, Any]) -> Message | None:
        sender = as_str(item.get("sender"))
        role = _ROLES.get(sender)
        kind: MessageKind = "message"
        if role is None:
            self.stats.unknown_types[f"sender {sender or '(none)'}"] += 1
            role, kind = "system", "event"
        content = item.get("content")
        blocks: list[ContentBlock] = []
        if isinstance(content, list) and content:
            blocks = self._blocks(key, content)
        if not any(isinstance(b, TextBlock) for b in blocks):
            text = as_str(item.get("text"))
            if text.strip() and not blocks:
                blocks.append(TextBlock(text=text))
        blocks += self._attachments(item)
        if not blocks:
            self.stats.skipped_types["empty message"] += 1
            return None
        return Message(
            id=key,
            role=role,
            kind=kind,
            timestamp=parse_time(item.get("created_at")),
            content=blocks,
        )

    def _blocks(self, key: str, content: list[Any]) -> list[ContentBlock]:
        blocks: list[ContentBlock] = []
        unanswered: list[ToolCallBlock] = []
        for index, raw in enumerate(content):
            block = as_dict(raw)
            btype = as_str(block.get("type"))
            if btype == "text":
                text = as_str(block.get("text"))
                if text.strip():
                    blocks.append(TextBlock(text=text))
            elif btype == "thinking":
                text = _thinking(block)
                if text:
                    blocks.append(ThinkingBlock(text=text))
            elif btype == "tool_use":
                call = ToolCallBlock(
                    id=as_str(block.get("id")) or f"{key}-tool-{index + 1}",
                    name=as_str(block.get("name")) or "tool",
                    input=tool_input(block.get("input")),
                )
                blocks.append(call)
                unanswered.append(call)
            elif btype == "tool_result":
                blocks.append(_tool_result(block, unanswered))
            elif btype == "token_budget":
                self.stats.skipped_types["token_budget"] += 1
            else:
                self.stats.unknown_types[f"block {btype or '(none)'}"] += 1
                fields = {k: v for k, v in block.items() if k != "type"}
                text = readable_text(fields)
                if text.strip():
                    blocks.append(TextBlock(text=f"[{btype or 'unknown'}]\n{text}"))
        return blocks

    def _attachments(self, item: dict[str, Any]) -> list[AttachmentBlock]:
        out: list[AttachmentBlock] = []
        names: set[str] = set()
        for raw in as_list(item.get("attachments")):
            att = as_dict(raw)
            name = as_str(att.get("file_name")) or None
            text = as_str(att.get("extracted_content")) or None
            if not (name or text):
                continue
            out.append(
                AttachmentBlock(
                    kind="file",
                    name=name,
                    mime_type=_mime_type(as_str(att.get("file_type"))),
                    size=as_count(att.get("file_size")),
                    text=text,
                )
            )
            names.add(name or "")
        uuids: set[str] = set()
        for raw in as_list(item.get("files")) + as_list(item.get("files_v2")):
            ref = as_dict(raw)
            name = as_str(ref.get("file_name")) or None
            uuid = as_str(ref.get("file_uuid")) or as_str(ref.get("uuid"))
            if (uuid and uuid in uuids) or (name and name in names):
                continue  # the same file listed again, or already attached with its text
            if not (name or uuid):
                continue
            uuids.add(uuid)
            names.add(name or "")
            kind = as_str(ref.get("file_kind"))
            out.append(
                AttachmentBlock(
                    kind="image" if kind == "image" else "file",
                    name=name,
                    uri=f"claude-ai-file:{uuid}" if uuid else None,
                )
            )
        return out


# ---------------------------------------------------------------------------------------------
# Small helpers


def _time_key(item: dict[str, Any]) -> float:
    when = parse_time(item.get("created_at"))
    return when.timestamp() if when is not None else _NO_TIME


def _newest_branch(
    parent: dict[str, str | None],
    children: dict[str | None, list[str]],
    rank: dict[str, tuple[float, int]],
) -> set[str]:
    """The messages from a root to the newest leaf (later in the file wins a tie)."""
    leaves = [k for k in parent if k not in children]
    if not leaves:  # every message has a child: only possible with a cycle
        leaves = list(parent)
    known = [k for k in leaves if rank[k][0] != _NO_TIME]
    leaf: str | None = max(known or leaves, key=lambda k: (rank[k][0], rank[k][1]))
    branch: set[str] = set()
    while leaf is not None and leaf not in branch:
        branch.add(leaf)
        leaf = parent.get(leaf)
    return branch


def _thinking(block: dict[str, Any]) -> str:
    """The reasoning, after the summaries Claude.ai shows in its collapsed header."""
    summaries = [as_str(as_dict(s).get("summary")).strip() for s in as_list(block.get("summaries"))]
    text = as_str(block.get("thinking")).strip()
    head = "\n".join(s for s in summaries if s and s not in text)
    return f"{head}\n\n{text}" if head and text else head or text


def _tool_result(block: dict[str, Any], unanswered: list[ToolCallBlock]) -> ToolResultBlock:
    name = as_str(block.get("name")) or None
    call_id = as_str(block.get("tool_use_id")) or None
    if call_id is None and unanswered:
        match = next((c for c in reversed(unanswered) if c.name == name), unanswered[-1])
        call_id = match.id
    unanswered[:] = [c for c in unanswered if c.id != call_id]
    content = block.get("content")
    if isinstance(content, str):
        output = content
    else:
        output = "\n\n".join(
            text for text in (readable_text(item) for item in as_list(content)) if text
        )
    return ToolResultBlock(
        call_id=call_id, name=name, output=output, is_error=block.get("is_error") is True
    )


def _mime_type(file_type: str) -> str | None:
    """``file_type`` is a MIME type in some exports and an extension (``pdf``) in others."""
    file_type = file_type.strip().lower()
    if not file_type:
        return None
    if "/" in file_type:
        return file_type
    return mimetypes.types_map.get("." + file_type.lstrip("."))
