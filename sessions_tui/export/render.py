"""Render one session as Markdown or plain text (used by ``show`` and by export)."""

from __future__ import annotations

import json
from typing import Any

from ..models import (
    AttachmentBlock,
    Message,
    Session,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
    ToolResultBlock,
)
from ..store.metaindex import display_title


def heading_title(session: Session) -> str:
    """The title a transcript is headed with: the session's own, else what `list` shows for
    it (`display_title`: its first prompt), so ``show``, exports and the list agree."""
    own = " ".join(session.title.split())
    return own or display_title(session)


ROLE_LABELS = {"user": "User", "assistant": "Assistant", "system": "System", "tool": "Tool"}


def format_tool_input(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def _fence(text: str, lang: str = "") -> str:
    """A code fence longer than any backtick run inside ``text``, so it cannot be broken out of."""
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text.rstrip()}\n{ticks}"


def message_heading(message: Message) -> str:
    """``Assistant (abandoned branch) · model · time``: what a reader needs to place a message,
    including that it is on a branch the user left (shown only with ``--all-branches``)."""
    label = ROLE_LABELS.get(message.role, message.role)
    notes = [message.kind] if message.kind != "message" else []
    if message.alternate:
        notes.append("abandoned branch")
    if notes:
        label += f" ({', '.join(notes)})"
    bits = [label]
    if message.model:
        bits.append(message.model)
    if message.timestamp:
        bits.append(message.timestamp.strftime("%Y-%m-%d %H:%M:%S UTC"))
    return " · ".join(bits)


def block_markdown(block: Any) -> str:
    if isinstance(block, TextBlock):
        return block.text
    if isinstance(block, ThinkingBlock):
        return "> *Thinking:* " + block.text.replace("\n", "\n> ")
    if isinstance(block, ToolCallBlock):
        return f"**Tool call `{block.name}`**\n\n" + _fence(
            format_tool_input(block.input), "json" if not isinstance(block.input, str) else ""
        )
    if isinstance(block, ToolResultBlock):
        label = "Tool error" if block.is_error else "Tool result"
        name = f" `{block.name}`" if block.name else ""
        return f"**{label}{name}**\n\n" + _fence(block.output)
    if isinstance(block, AttachmentBlock):
        line = f"**Attachment** {block.name or block.uri or '(unnamed)'}"
        if block.mime_type:
            line += f" ({block.mime_type})"
        return line + ("\n\n" + _fence(block.text) if block.text else "")
    return ""


def to_markdown(session: Session, *, include_alternates: bool = False) -> str:
    lines = [f"# {heading_title(session)}", ""]
    meta = [
        ("Source", session.source),
        ("Models", ", ".join(session.models)),
        ("Project", session.project or ""),
        ("Branch", session.git_branch or ""),
        ("Created", session.created.strftime("%Y-%m-%d %H:%M UTC")),
        ("Updated", session.updated.strftime("%Y-%m-%d %H:%M UTC")),
        ("Session", session.id),
    ]
    lines += [f"- **{k}:** {v}" for k, v in meta if v]
    messages = session.messages if include_alternates else session.transcript
    for message in messages:
        lines += ["", f"## {message_heading(message)}", ""]
        lines += ["\n\n".join(filter(None, (block_markdown(b) for b in message.content)))]
    return "\n".join(lines).rstrip() + "\n"


def block_text(block: Any) -> str:
    if isinstance(block, TextBlock):
        return block.text
    if isinstance(block, ThinkingBlock):
        return "[thinking]\n" + block.text
    if isinstance(block, ToolCallBlock):
        return f"[tool call: {block.name}]\n" + format_tool_input(block.input)
    if isinstance(block, ToolResultBlock):
        label = "tool error" if block.is_error else "tool result"
        return f"[{label}{': ' + block.name if block.name else ''}]\n" + block.output
    if isinstance(block, AttachmentBlock):
        head = f"[attachment: {block.name or block.uri or 'unnamed'}]"
        return head + ("\n" + block.text if block.text else "")
    return ""


def to_text(session: Session, *, include_alternates: bool = False) -> str:
    title = heading_title(session)
    out = [title, "=" * min(len(title), 78)]
    out.append(
        f"{session.source} · {', '.join(session.models) or 'unknown model'}"
        f" · {session.project or 'no project'} · {session.id}"
    )
    messages = session.messages if include_alternates else session.transcript
    for message in messages:
        out += ["", f"--- {message_heading(message)} ---"]
        out += [b for b in (block_text(b) for b in message.content) if b]
    return "\n".join(out).rstrip() + "\n"
