"""ChatGPT data export (``conversations.json``, or the export ``.zip`` as downloaded).

A conversation is a tree (``mapping``): editing a prompt or regenerating an answer starts a
new branch. The transcript is the branch from the root to ``current_node``; every other branch
is kept too, as messages with ``alternate=True`` and real ``parent_id`` links, so no edited
prompt or regeneration is lost. Messages are listed depth-first, siblings oldest first, so the
transcript reads in order and each abandoned branch sits next to the point where it forked.

Mapping decisions (see docs/importers.md):

* tool traffic lives in the tree: an assistant message addressed to a tool (``recipient`` other
  than ``all``) is a tool call named after the recipient; a ``tool`` message is its result,
  paired with the nearest call above it (exports carry no call ids, so the call's message id
  serves as one);
* custom instructions (``user_editable_context``) are kept as a system message of kind
  ``context``: the user wrote them; other visually hidden messages are skipped and counted;
* ``thoughts`` and ``reasoning_recap`` become thinking blocks; image and file pointers become
  attachment blocks; unknown content types are counted and kept as ``event`` messages when
  they carry text;
* ``is_starred`` sets ``starred``; ``is_archived`` adds the tag ``archived``;
* the placeholder title "New chat" (a title ChatGPT never generated) gives way to the first
  prompt, like an empty title;
* a conversation with no readable message is skipped and counted, not imported empty;
* ``source_ref`` holds the conversation id but no file path: the same conversation in next
  month's export is the same session, unchanged unless its content changed. ``extra["url"]``
  opens it in ChatGPT.
"""

from __future__ import annotations

import re
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
    file_time,
    loads,
    parse_time,
    prompt_title,
    tool_input,
)
from .webexport import (
    CHATGPT,
    ExportImporter,
    readable_text,
)

#: Where the conversation opens in ChatGPT (for its owner), to resume it there.
CHAT_URL = "https://chatgpt.com/c/"
#: Titles ChatGPT shows for a conversation it never named: the first prompt is more useful.
PLACEHOLDER_TITLES = frozenset({"", "New chat", "New conversation"})
#: Conversation fields worth keeping in ``Session.extra`` when present (scalars only).
EXTRA_FIELDS = (
    "default_model_slug",
    "gizmo_id",
    "gizmo_type",
    "conversation_template_id",
    "conversation_origin",
    "memory_scope",
    "is_do_not_remember",
)
_ROLES: dict[str, Role] = {
    "user": "user",
    "assistant": "assistant",
    "system": "system",
    "tool": "tool",
}
_BACKTICKS = re.compile(r"`+")


class _Skip(Exception):
    """A message deliberately not imported; ``reason`` is counted in ``stats.skipped_types``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


@register
class ChatGPTImporter(ExportImporter):
    """Conversations from a ChatGPT data export, one session each."""

    source = CHATGPT
    label = "ChatGPT export"
    conversation_key = "mapping"

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

    # -- the conversation ---------------------------------------------------------------------

    def session(self, conv: dict[str, Any]) -> Session | None:
        conv_id = as_str(conv.get("conversation_id")) or as_str(conv.get("id"))
        if not conv_id.strip():
            self.stats.bad(self.label, "conversation without an id")
            return None
        label = self.label = f"{self.label} ({conv_id})"
        mapping = conv.get("mapping")
        if not isinstance(mapping, dict):
            self.stats.bad(label, "conversation without a message mapping")
            return None
        messages = self._messages(mapping, conv.get("current_node"))
        if not messages:
            self.stats.skipped_types["empty conversation"] += 1
            return None
        transcript = [m for m in messages if not m.alternate]
        times = [m.timestamp for m in messages if m.timestamp is not None]
        created = parse_time(conv.get("create_time")) or (min(times) if times else None)
        created = created or file_time(self.path)
        updated = parse_time(conv.get("update_time")) or (max(times) if times else created)
        title = " ".join(as_str(conv.get("title")).split())
        if title in PLACEHOLDER_TITLES:
            title = prompt_title(messages)
        models = _unique(m.model for m in transcript + messages if m.model)
        default_model = as_str(conv.get("default_model_slug"))
        if not models and default_model:
            models = [default_model]
        extra: dict[str, Any] = {
            key: conv[key]
            for key in EXTRA_FIELDS
            if isinstance(conv.get(key), str | bool | int) and conv.get(key) != ""
        }
        extra["url"] = f"{CHAT_URL}{quote(conv_id, safe='-_')}"
        plugins = [p for p in as_list(conv.get("plugin_ids")) if isinstance(p, str)]
        if plugins:
            extra["plugin_ids"] = plugins
        return Session(
            id=safe_session_id("chatgpt", conv_id),
            title=title,
            source="chatgpt",
            source_ref=SourceRef(id=conv_id),
            models=models,
            created=created,
            updated=updated,
            starred=conv.get("is_starred") is True,
            tags=["archived"] if conv.get("is_archived") is True else [],
            extra=extra,
            messages=messages,
        )

    # -- the tree -----------------------------------------------------------------------------

    def _messages(self, mapping: dict[str, Any], current_node: Any) -> list[Message]:
        nodes = {k: v for k, v in mapping.items() if isinstance(v, dict)}
        rank = {k: (_time_key(v), i) for i, (k, v) in enumerate(nodes.items())}
        parent: dict[str, str | None] = {}
        children: dict[str | None, list[str]] = {}
        for key, node in nodes.items():
            up = node.get("parent")
            up = up if isinstance(up, str) and up in nodes and up != key else None
            parent[key] = up
            children.setdefault(up, []).append(key)
        for kids in children.values():
            kids.sort(key=rank.__getitem__)
        current = self._current_branch(nodes, parent, children, current_node)

        out: list[Message] = []
        visited: set[str] = set()
        roots = list(children.get(None, []))
        while True:
            self._walk(roots, nodes, children, current, visited, out)
            left = [k for k in nodes if k not in visited]
            if not left:
                return out
            # Only a cycle of parent links leaves nodes unreached: break it at its oldest node.
            self.stats.bad(self.label, "the message tree has a cycle; cut at its oldest message")
            roots = [min(left, key=rank.__getitem__)]

    def _current_branch(
        self,
        nodes: dict[str, Any],
        parent: dict[str, str | None],
        children: dict[str | None, list[str]],
        current_node: Any,
    ) -> set[str]:
        """The nodes from the root to ``current_node`` (or, if it is missing, the newest leaf)."""
        leaf = current_node if isinstance(current_node, str) and current_node in nodes else None
        if leaf is None and nodes:
            leaves = [k for k in nodes if k not in children]
            if leaves:
                leaf = max(leaves, key=lambda k: _time_key(nodes[k]))
        branch: set[str] = set()
        while leaf is not None and leaf not in branch:
            branch.add(leaf)
            leaf = parent.get(leaf)
        return branch

    def _walk(
        self,
        roots: list[str],
        nodes: dict[str, Any],
        children: dict[str | None, list[str]],
        current: set[str],
        visited: set[str],
        out: list[Message],
    ) -> None:
        """Depth-first, without recursion (trees can be thousands of messages deep)."""
        # (node, id of the nearest imported ancestor, the tool call results pair with)
        stack: list[tuple[str, str | None, tuple[str, str] | None]] = [
            (root, None, None) for root in reversed(roots)
        ]
        while stack:
            key, parent_id, call = stack.pop()
            if key in visited:
                continue
            visited.add(key)
            message = nodes[key].get("message")
            converted = None
            if isinstance(message, dict):
                try:
                    converted = self._message(key, message, call)
                except _Skip as skip:
                    self.stats.skipped_types[skip.reason] += 1
            if converted is not None:
                converted.parent_id = parent_id
                converted.alternate = key not in current
                out.append(converted)
                parent_id = converted.id
                calls = converted.tool_calls
                if calls:
                    call = (converted.id, calls[-1].name)
                elif converted.role == "user":
                    call = None
            stack.extend((kid, parent_id, call) for kid in reversed(children.get(key, [])))

    # -- one message --------------------------------------------------------------------------

    def _message(self, key: str, msg: dict[str, Any], call: tuple[str, str] | None) -> Message:
        author = as_dict(msg.get("author"))
        content = as_dict(msg.get("content"))
        meta = as_dict(msg.get("metadata"))
        ctype = as_str(content.get("content_type"))
        timestamp = parse_time(msg.get("create_time"))
        if ctype == "user_editable_context":
            text = _custom_instructions(content)
            if not text:
                raise _Skip("empty custom instructions")
            block = TextBlock(text=text)
            return Message(
                id=key, role="system", kind="context", timestamp=timestamp, content=[block]
            )
        if meta.get("is_visually_hidden_from_conversation") is True:
            raise _Skip("hidden message")
        raw_role = as_str(author.get("role"))
        role = _ROLES.get(raw_role)
        kind: MessageKind = "message"
        if role is None:
            self.stats.unknown_types[f"role {raw_role or '(none)'}"] += 1
            role, kind = "system", "event"
        elif role == "system":
            kind = "context"
        blocks, block_kind = self._blocks(ctype, content)
        kind = block_kind or kind
        attachments = self._attachments(meta, blocks)
        recipient = as_str(msg.get("recipient")) or "all"
        if role == "assistant" and recipient != "all":
            blocks = [_tool_call(key, recipient, content, blocks)]
        elif role == "tool" and (blocks or attachments):
            blocks = [_tool_result(author, ctype, blocks, call), *_only_attachments(blocks)]
        blocks += attachments
        if not blocks:
            raise _Skip("empty message")
        if role == "tool":
            kind = "message"  # a tool's error or unknown output lives in its result block
        model = as_str(meta.get("model_slug")) or None
        return Message(
            id=key,
            role=role,
            kind=kind,
            timestamp=timestamp,
            model=model if role == "assistant" else None,
            content=blocks,
        )

    def _blocks(
        self, ctype: str, content: dict[str, Any]
    ) -> tuple[list[ContentBlock], MessageKind | None]:
        """Blocks for one content object, and the message kind it implies (None: no change)."""
        blocks: list[ContentBlock] = []
        if ctype in ("text", "multimodal_text"):
            for part in as_list(content.get("parts")):
                block = self._part(part)
                if block is not None:
                    blocks.append(block)
            return blocks, None
        if ctype == "code":
            code = as_str(content.get("text"))
            if code.strip():
                lang = as_str(content.get("language"))
                lang = "" if lang in ("unknown", "") else lang.split()[0]
                blocks.append(TextBlock(text=_fenced(code, lang)))
            return blocks, None
        if ctype == "execution_output":
            return _text_blocks(as_str(content.get("text"))), None
        if ctype == "system_error":
            name = as_str(content.get("name"))
            text = as_str(content.get("text"))
            return _text_blocks(f"{name}: {text}" if name and text else text or name), "error"
        if ctype == "tether_browsing_display":
            text = "\n\n".join(
                s for s in (as_str(content.get("summary")), as_str(content.get("result"))) if s
            )
            return _text_blocks(text), None
        if ctype == "tether_quote":
            head = [as_str(content.get(k)) for k in ("title", "url")]
            text = "\n".join(s for s in head if s)
            body = as_str(content.get("text"))
            return _text_blocks(f"{text}\n\n{body}" if text and body else text or body), None
        if ctype == "thoughts":
            for thought in as_list(content.get("thoughts")):
                thought = as_dict(thought)
                summary = as_str(thought.get("summary")).strip()
                body = as_str(thought.get("content")).strip()
                text = f"{summary}\n\n{body}" if summary and body and summary != body else ""
                text = text or body or summary
                if text:
                    blocks.append(ThinkingBlock(text=text))
            return blocks, None
        if ctype == "reasoning_recap":
            recap = as_str(content.get("content")) or readable_text(content.get("parts"))
            if recap.strip():
                blocks.append(ThinkingBlock(text=recap))
            return blocks, None
        if ctype == "model_editable_context":
            memory = as_str(content.get("model_set_context"))
            return _text_blocks(memory), "context"
        # Unknown: counted, and kept readable if it carries text.
        self.stats.unknown_types[ctype or "(no content type)"] += 1
        fields = {k: v for k, v in content.items() if k != "content_type"}
        return _text_blocks(readable_text(fields)), "event"

    def _part(self, part: Any) -> ContentBlock | None:
        if isinstance(part, str):
            return TextBlock(text=part) if part.strip() else None
        if not isinstance(part, dict):
            return None
        ptype = as_str(part.get("content_type"))
        pointer = as_str(part.get("asset_pointer"))
        if pointer or ptype.endswith("asset_pointer"):
            meta = as_dict(part.get("metadata"))
            is_image = ptype.startswith("image") or as_dict(meta.get("dalle")) != {}
            return AttachmentBlock(
                kind="image" if is_image else "file",
                uri=pointer or None,
                size=as_count(part.get("size_bytes")),
                text=as_str(as_dict(meta.get("dalle")).get("prompt")) or None,
            )
        text = as_str(part.get("text")) or readable_text(part)
        if ptype not in ("audio_transcription", "text") and ptype:
            self.stats.unknown_types[f"part {ptype}"] += 1
        return TextBlock(text=text) if text.strip() else None

    def _attachments(
        self, meta: dict[str, Any], blocks: list[ContentBlock]
    ) -> list[AttachmentBlock]:
        """Files listed in ``metadata.attachments``; one already shown as an image pointer is
        completed (name, type) instead of repeated."""
        by_id = {_file_id(b.uri): b for b in blocks if isinstance(b, AttachmentBlock) and b.uri}
        out: list[AttachmentBlock] = []
        for item in as_list(meta.get("attachments")):
            item = as_dict(item)
            file_id = as_str(item.get("id"))
            name = as_str(item.get("name")) or None
            mime = as_str(item.get("mime_type")) or None
            known = by_id.get(file_id) if file_id else None
            if known is not None:
                known.name = known.name or name
                known.mime_type = known.mime_type or mime
                continue
            if not (file_id or name):
                continue
            out.append(
                AttachmentBlock(
                    kind="image" if (mime or "").startswith("image/") else "file",
                    name=name,
                    mime_type=mime,
                    size=as_count(item.get("size")),
                    uri=f"file-service://{file_id}" if file_id else None,
                )
            )
        return out


# ---------------------------------------------------------------------------------------------
# Small helpers


def _time_key(node: Any) -> float:
    """Sort key: a node's creation time (unknown times sort last)."""
    message = as_dict(as_dict(node).get("message"))
    value = message.get("create_time")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return float("inf")


def _unique(values: Any) -> list[str]:
    return list(dict.fromkeys(values))


def _file_id(uri: str) -> str:
    return uri.split("://", 1)[-1]


def _text_blocks(text: str) -> list[ContentBlock]:
    return [TextBlock(text=text)] if text.strip() else []


def _only_attachments(blocks: list[ContentBlock]) -> list[ContentBlock]:
    return [b for b in blocks if isinstance(b, AttachmentBlock)]


def _fenced(code: str, lang: str) -> str:
    """A fence longer than any backtick run in ``code``, so the code cannot close it."""
    longest = max((len(run) for run in _BACKTICKS.findall(code)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{code.rstrip()}\n{ticks}"


def _custom_instructions(content: dict[str, Any]) -> str:
    parts = []
    profile = as_str(content.get("user_profile")).strip()
    instructions = as_str(content.get("user_instructions")).strip()
    if profile:
        parts.append(f"Custom instructions (about me):\n{profile}")
    if instructions:
        parts.append(f"Custom instructions (how to respond):\n{instructions}")
    return "\n\n".join(parts)


def _tool_call(
    key: str, recipient: str, content: dict[str, Any], blocks: list[ContentBlock]
) -> ToolCallBlock:
    """An assistant message addressed to a tool. Its input is the code or text it sent, as
    a JSON value when it is one (plugin and browsing calls send JSON)."""
    text = as_str(content.get("text"))
    if not text:
        text = "\n".join(b.text for b in blocks if isinstance(b, TextBlock))
    value: Any = text
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            value = tool_input(loads(stripped), text)
        except ValueError:
            value = text
    return ToolCallBlock(id=key, name=recipient, input=value)


def _tool_result(
    author: dict[str, Any],
    ctype: str,
    blocks: list[ContentBlock],
    call: tuple[str, str] | None,
) -> ToolResultBlock:
    name = as_str(author.get("name")) or (call[1] if call else None)
    output = "\n\n".join(b.text for b in blocks if isinstance(b, TextBlock | ThinkingBlock))
    return ToolResultBlock(
        call_id=call[0] if call else None,
        name=name,
        output=output,
        is_error=ctype == "system_error",
    )
