"""The command (or URL) that resumes a session in the tool it came from."""

from __future__ import annotations

import shlex

from ..store import SessionSummary


def resume_command(source: str, source_id: str | None, project: str | None) -> str | None:
    """E.g. ``cd /src/app && claude --resume 1f0c…``; None when the tool cannot resume it."""
    if not source_id:
        return None
    note = ""
    if source == "claude-code":
        # a subagent transcript (<parent>.agent-<id>, <parent>.sidechain-<uuid>) cannot be
        # resumed on its own: its parent session can
        parent, sep, _rest = source_id.partition(".agent-")
        if not sep:
            parent, sep, _rest = source_id.partition(".sidechain-")
        if sep and parent:
            source_id, note = parent, "  # its parent session: a subagent is not resumable alone"
    sid = shlex.quote(source_id)
    cd = f"cd {shlex.quote(project)} && " if project else ""
    match source:
        case "claude-code":
            return f"{cd}claude --resume {sid}{note}"
        case "codex-cli":
            return f"{cd}codex resume {sid}"
        case "gemini-cli":
            return f"{cd}gemini --resume {sid}"
        case "aider":
            return f"{cd}aider --restore-chat-history"
        case "chatgpt":
            return f"https://chatgpt.com/c/{source_id}"
        case "claude-ai":
            return f"https://claude.ai/chat/{source_id}"
    return None


def for_summary(summary: SessionSummary) -> str | None:
    return resume_command(summary.source, summary.source_id, summary.project)
