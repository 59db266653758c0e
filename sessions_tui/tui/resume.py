"""The command (or URL) that resumes a session in the tool it came from."""

from __future__ import annotations

import shlex

from ..store import SessionSummary

#: Said next to the command of a subagent transcript, never inside it: a `# comment` in a
#: pasted command is an error in an interactive zsh.
SUBAGENT_NOTE = "This resumes its parent session: a subagent is not resumable on its own."


def _parent_id(source: str, source_id: str) -> str | None:
    """The parent session of a Claude Code subagent transcript (``<parent>.agent-<id>``,
    ``<parent>.sidechain-<uuid>``), which can be resumed where the subagent cannot."""
    if source != "claude-code":
        return None
    for marker in (".agent-", ".sidechain-"):
        parent, sep, _rest = source_id.partition(marker)
        if sep and parent:
            return parent
    return None


def resume_command(source: str, source_id: str | None, project: str | None) -> str | None:
    """E.g. ``cd /src/app && claude --resume 1f0c…``; None when the tool cannot resume it."""
    if not source_id:
        return None
    source_id = _parent_id(source, source_id) or source_id
    sid = shlex.quote(source_id)
    cd = f"cd {shlex.quote(project)} && " if project else ""
    match source:
        case "claude-code":
            return f"{cd}claude --resume {sid}"
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


def resume_note(source: str, source_id: str | None, parent: str | None = None) -> str | None:
    """What to know about the command before running it (None: nothing). ``parent``: the
    session's parent session, if it is a subagent's transcript."""
    if parent or (source_id and _parent_id(source, source_id)):
        return SUBAGENT_NOTE
    return None


def for_summary(summary: SessionSummary) -> str | None:
    return resume_command(summary.source, summary.source_id, summary.project)
