"""Claude Code transcripts: ``~/.claude/projects/<encoded-cwd>/<sessionId>.jsonl``.

Every line is one event. Assistant responses are written one content block per line sharing a
``message.id`` (merged here, usage taken once); tool results arrive as "user" lines and are
paired with their calls by id; subagents live inline (``isSidechain``, 2.0.2), flat
(``agent-<hex>.jsonl``) or under ``<sessionId>/subagents/``, and each becomes its own session
linked to its parent. See docs/importers.md for the full mapping and what is skipped.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

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
    TokenUsage,
    ToolCallBlock,
    ToolResultBlock,
    safe_session_id,
)
from .base import Importer, ImporterError, ParseStats, register
from .common import (
    cut_title,
    file_time,
    iter_jsonl,
    loads,
    opt_str,
    parse_time,
    prompt_title,
    read_bytes,
    sum_usage,
    text_of,
    tool_input,
)

SOURCE = "claude-code"

#: Entry types that are pure bookkeeping: skipped, counted.
BOOKKEEPING = frozenset(
    {
        "file-history-snapshot",
        "queue-operation",
        "progress",
        "last-prompt",
        "permission-mode",
        "attachment",
        "agent-name",
    }
)
#: System subtypes that carry no reader-facing text.
SYSTEM_BOOKKEEPING = frozenset({"turn_duration", "stop_hook_summary", "hook_progress"})
#: Largest spilled tool output (tool-results/<id>.txt) or .meta.json read back in.
MAX_SPILL_BYTES = 64 << 20
MAX_META_BYTES = 1 << 20

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_TAG = re.compile(r"<([a-z][a-z0-9-]*)>(.*?)</\1>", re.S)
_SPILL = re.compile(r"Full output saved to:\s*(\S+)")
_AGENT_FILE = re.compile(r"agent-(.+)\.jsonl")
_INTERRUPTED = "[Request interrupted by user"
#: Tags of text Claude Code injects into "user" turns: context, not something typed.
_CONTEXT_PREFIXES = (
    "<local-command-caveat>",
    "<system-reminder>",
    "<user-prompt-submit-hook>",
    "<ide_opened_file>",
    "<ide_selection>",
    "<ide_diagnostics>",
    "Caveat: The messages below were generated",
)
_COMMAND_PREFIXES = (
    "<command-name>",
    "<command-message>",
    "<local-command-stdout>",
    "<local-command-stderr>",
    "<bash-input>",
    "<bash-stdout>",
    "<bash-stderr>",
)


class _Shape(Exception):
    """A line whose JSON is valid but whose structure is not what Claude Code writes."""


def _d(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Shape(f"{what} is {type(value).__name__}, expected an object")
    return value


def _clean(text: str) -> str:
    return _ANSI.sub("", text)


def _command_text(text: str) -> str:
    """``<command-name>/model</command-name><command-args>x</command-args>`` -> ``/model x``;
    ``<local-command-stdout>out</local-command-stdout>`` -> ``out``."""
    parts = {name: _clean(body).strip() for name, body in _TAG.findall(text)}
    if "command-name" in parts:
        name = parts["command-name"]
        if not name.startswith("/"):
            name = "/" + name
        args = parts.get("command-args", "")
        return f"{name} {args}".strip()
    if "bash-input" in parts:
        return "! " + parts["bash-input"]
    pieces = [
        parts[k]
        for k in ("local-command-stdout", "local-command-stderr", "bash-stdout", "bash-stderr")
        if parts.get(k)
    ]
    return "\n".join(pieces) if pieces else _clean(text).strip()


def _classify_text(text: str) -> tuple[MessageKind, Role, str]:
    """What a user string is: a typed prompt, a command, injected context, an interruption."""
    head = text.lstrip()[:200]
    if head.startswith(_COMMAND_PREFIXES):
        return "command", "user", _command_text(text)
    if head.startswith(_CONTEXT_PREFIXES):
        return "context", "user", text
    if head.startswith(_INTERRUPTED):
        return "event", "system", text.strip()
    return "message", "user", text


def _usage(raw: Any) -> TokenUsage | None:
    if not isinstance(raw, dict):
        return None

    def num(key: str) -> int | None:
        value = raw.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    usage = TokenUsage(
        input_tokens=num("input_tokens"),
        output_tokens=num("output_tokens"),
        cache_read_tokens=num("cache_read_input_tokens"),
        cache_write_tokens=num("cache_creation_input_tokens"),
    )
    return usage if usage.total or any(v is not None for v in usage.model_dump().values()) else None


def _image_block(block: dict[str, Any]) -> AttachmentBlock:
    source = block.get("source") if isinstance(block.get("source"), dict) else {}
    size = None
    data = source.get("data")
    if isinstance(data, str):
        try:
            size = len(base64.b64decode(data[:16_000_000], validate=False))
        except (binascii.Error, ValueError):
            size = None
    return AttachmentBlock(
        kind="image",
        mime_type=opt_str(source.get("media_type")),
        size=size,
        uri=opt_str(source.get("url")),
    )


@dataclass
class _Msg:
    """A message being assembled (assistant messages grow over several lines)."""

    message: Message
    uuids: list[str] = field(default_factory=list)


@dataclass
class _Thread:
    """One session being assembled from a file: the main thread or one inline sidechain."""

    root_uuid: str | None = None
    msgs: list[_Msg] = field(default_factory=list)
    by_api_id: dict[str, _Msg] = field(default_factory=dict)
    models: list[str] = field(default_factory=list)
    cwd: str | None = None
    branch: str | None = None
    first_time: datetime | None = None
    last_time: datetime | None = None
    versions: list[str] = field(default_factory=list)
    entrypoint: str | None = None
    slug: str | None = None
    agent_id: str | None = None
    subagents: dict[str, str] = field(default_factory=dict)

    def note(self, obj: dict[str, Any], when: datetime | None) -> None:
        if when is not None:
            if self.first_time is None or when < self.first_time:
                self.first_time = when
            if self.last_time is None or when > self.last_time:
                self.last_time = when
        if self.cwd is None:
            self.cwd = opt_str(obj.get("cwd"))
        if self.branch is None and opt_str(obj.get("gitBranch")) and obj["gitBranch"] != "HEAD":
            self.branch = obj["gitBranch"]
        version = opt_str(obj.get("version"))
        if version and version not in self.versions:
            self.versions.append(version)
        self.entrypoint = self.entrypoint or opt_str(obj.get("entrypoint"))
        self.slug = self.slug or opt_str(obj.get("slug"))
        self.agent_id = self.agent_id or opt_str(obj.get("agentId"))


class _FileParse:
    """State of one file's parse."""

    def __init__(self, path: Path, stats: ParseStats) -> None:
        self.path = path
        self.stats = stats
        agent = _AGENT_FILE.fullmatch(path.name)
        self.agent_file_id = agent.group(1) if agent else None
        self.main = _Thread()
        self.sidechains: dict[str, _Thread] = {}
        self.sidechain_root: dict[str, str] = {}
        self.session_ids: list[str] = []
        self.parents: dict[str, str | None] = {}
        self.seen_uuids: set[str] = set()
        self.tool_names: dict[str, str] = {}
        self.custom_title: str | None = None
        self.ai_title: str | None = None
        self.agent_name: str | None = None
        self.summaries: list[tuple[str | None, str]] = []
        self.task_calls: dict[str, dict[str, Any]] = {}
        self.last_line = ""

    # -- routing ---------------------------------------------------------------------------

    def thread_for(self, obj: dict[str, Any]) -> _Thread:
        """Inline sidechain lines (2.0.2) go to a thread per sidechain root."""
        if self.agent_file_id is not None or obj.get("isSidechain") is not True:
            return self.main
        uuid = opt_str(obj.get("uuid")) or ""
        parent = opt_str(obj.get("parentUuid"))
        root = self.sidechain_root.get(parent) if parent else None
        if root is None:
            root = uuid or f"line-{self.last_line}"
        if uuid:
            self.sidechain_root[uuid] = root
        thread = self.sidechains.get(root)
        if thread is None:
            thread = self.sidechains[root] = _Thread(root_uuid=root)
        return thread

    def line(self, number: int, obj: dict[str, Any]) -> None:
        self.last_line = str(number)
        kind = obj.get("type")
        sid = opt_str(obj.get("sessionId"))
        if sid and sid not in self.session_ids:
            self.session_ids.append(sid)
        uuid = opt_str(obj.get("uuid"))
        if uuid:
            parent = opt_str(obj.get("parentUuid")) or opt_str(obj.get("logicalParentUuid"))
            self.parents.setdefault(uuid, parent)
        if kind in ("user", "assistant"):
            if uuid and uuid in self.seen_uuids:
                self.stats.skipped_types["duplicate line"] += 1
                return
            if uuid:
                self.seen_uuids.add(uuid)
            thread = self.thread_for(obj)
            when = parse_time(obj.get("timestamp"))
            thread.note(obj, when)
            if kind == "user":
                self.user(thread, obj, when)
            else:
                self.assistant(thread, obj, when)
        elif kind == "system":
            thread = self.thread_for(obj)
            when = parse_time(obj.get("timestamp"))
            thread.note(obj, when)
            self.system(thread, obj, when)
        elif kind == "summary":
            text = opt_str(obj.get("summary"))
            if text:
                self.summaries.append((opt_str(obj.get("leafUuid")), text))
        elif kind == "custom-title":
            self.custom_title = opt_str(obj.get("customTitle")) or self.custom_title
        elif kind == "ai-title":
            self.ai_title = opt_str(obj.get("aiTitle")) or self.ai_title
        elif kind in BOOKKEEPING:
            if kind == "agent-name":
                self.agent_name = opt_str(obj.get("agentName")) or self.agent_name
            data = obj.get("data")
            sub = data.get("type") if isinstance(data, dict) else None
            self.stats.skipped_types[f"{kind}:{sub}" if isinstance(sub, str) else kind] += 1
            if sub == "agent_progress" and isinstance(data, dict):
                # The copy of a subagent line: the subagent's own file is the truth.
                agent = opt_str(data.get("agentId"))
                call = opt_str(obj.get("parentToolUseID"))
                if agent and call:
                    self.main.subagents.setdefault(call, agent)
            when = parse_time(obj.get("timestamp"))
            if when is not None and kind != "queue-operation":
                self.thread_for(obj).note({}, when)
        else:
            self.unknown(obj, str(kind) if isinstance(kind, str) else "(no type)")

    # -- entry types -----------------------------------------------------------------------

    def add(self, thread: _Thread, obj: dict[str, Any], message: Message) -> _Msg:
        uuid = opt_str(obj.get("uuid"))
        msg = _Msg(message, [uuid] if uuid else [])
        thread.msgs.append(msg)
        return msg

    def new_message(
        self,
        obj: dict[str, Any],
        role: Role,
        kind: MessageKind,
        content: list[ContentBlock],
        when: datetime | None,
        model: str | None = None,
    ) -> Message:
        uuid = opt_str(obj.get("uuid")) or f"{self.path.name}:{self.last_line}"
        return Message(
            id=uuid,
            parent_id=opt_str(obj.get("parentUuid")) or opt_str(obj.get("logicalParentUuid")),
            role=role,
            kind=kind,
            timestamp=when,
            model=model,
            content=content,
        )

    def user(self, thread: _Thread, obj: dict[str, Any], when: datetime | None) -> None:
        message = _d(obj.get("message"), "message")
        content = message.get("content")
        blocks: list[ContentBlock] = []
        role: Role = "user"
        kind: MessageKind = "message"
        if isinstance(content, str):
            kind, role, text = _classify_text(content)
            if text:
                blocks.append(TextBlock(text=text))
        elif isinstance(content, list):
            first_text = True
            for raw in content:
                block = _d(raw, "content block")
                btype = block.get("type")
                if btype == "text":
                    text = block.get("text")
                    if not isinstance(text, str) or not text.strip():
                        continue
                    if first_text:
                        kind, role, text = _classify_text(text)
                        first_text = False
                    blocks.append(TextBlock(text=text))
                elif btype == "tool_result":
                    blocks.append(self.tool_result(block, obj))
                    role = "tool"
                elif btype == "image":
                    blocks.append(_image_block(block))
                elif btype == "document":
                    source = block.get("source") if isinstance(block.get("source"), dict) else {}
                    blocks.append(
                        AttachmentBlock(
                            kind="file",
                            name=opt_str(block.get("title")),
                            mime_type=opt_str(source.get("media_type")),
                            text=opt_str(source.get("data"))
                            if source.get("type") == "text"
                            else None,
                        )
                    )
                else:
                    self.stats.unknown_types[f"user block:{btype}"] += 1
                    text = text_of(block)
                    if text:
                        blocks.append(TextBlock(text=text))
        elif content is not None:
            raise _Shape(f"message.content is {type(content).__name__}")
        if role == "tool":
            kind = "message"
        if obj.get("isCompactSummary") is True:
            kind, role = "summary", "user"
        elif obj.get("isMeta") is True and role == "user":
            kind = "context"
        if not blocks:
            return
        self.add(thread, obj, self.new_message(obj, role, kind, blocks, when))

    def tool_result(self, block: dict[str, Any], obj: dict[str, Any]) -> ToolResultBlock:
        call_id = opt_str(block.get("tool_use_id"))
        raw = block.get("content")
        if isinstance(raw, str):
            output = raw
        elif isinstance(raw, list):
            parts = []
            for item in raw:
                if isinstance(item, dict) and item.get("type") == "image":
                    parts.append("[image]")
                elif isinstance(item, dict) and item.get("type") == "tool_reference":
                    parts.append(f"[tool: {item.get('tool_name') or item.get('name') or '?'}]")
                else:
                    parts.append(text_of(item))
            output = "\n".join(p for p in parts if p)
        else:
            output = text_of(raw)
        if "<persisted-output>" in output[:200]:
            output = self.spilled(output, obj) or output
        result = obj.get("toolUseResult")
        if isinstance(result, dict) and call_id:
            agent = opt_str(result.get("agentId"))
            if agent:
                self.main.subagents.setdefault(call_id, agent)
        return ToolResultBlock(
            call_id=call_id,
            name=self.tool_names.get(call_id or ""),
            output=output,
            is_error=block.get("is_error") is True,
        )

    def spilled(self, preview: str, obj: dict[str, Any]) -> str | None:
        """The full text of an output Claude Code spilled to ``<sessionId>/tool-results/``.

        Only a file name is taken from the line; it is looked up in this session's own
        tool-results directory, never followed through a symlink, and size-limited.
        """
        names = []
        result = obj.get("toolUseResult")
        if isinstance(result, dict) and opt_str(result.get("persistedOutputPath")):
            names.append(result["persistedOutputPath"])
        names += _SPILL.findall(preview)
        sid = opt_str(obj.get("sessionId"))
        dirs = []
        if self.agent_file_id is not None and self.path.parent.name == "subagents":
            dirs.append(self.path.parent.parent / "tool-results")
        if sid:
            dirs.append(self.path.parent / sid / "tool-results")
        for name in names:
            base = name.replace("\\", "/").rsplit("/", 1)[-1]
            if not base or base in (".", ".."):
                continue
            for directory in dirs:
                candidate = directory / base
                try:
                    if candidate.is_symlink() or not candidate.is_file():
                        continue
                    if candidate.stat().st_size > MAX_SPILL_BYTES:
                        self.stats.bad(str(candidate), "spilled tool output over the size limit")
                        continue
                    return candidate.read_bytes().decode("utf-8", "replace")
                except OSError as exc:
                    self.stats.bad(str(candidate), f"cannot read: {exc.strerror or exc}")
        return None

    def assistant(self, thread: _Thread, obj: dict[str, Any], when: datetime | None) -> None:
        message = _d(obj.get("message"), "message")
        api_id = opt_str(message.get("id"))
        model = opt_str(message.get("model"))
        if model and model != "<synthetic>" and model not in thread.models:
            thread.models.append(model)
        blocks: list[ContentBlock] = []
        content = message.get("content")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        elif not isinstance(content, list):
            content = []
        for raw in content:
            block = _d(raw, "content block")
            btype = block.get("type")
            if btype == "text":
                text = block.get("text")
                if isinstance(text, str) and text.strip():
                    blocks.append(TextBlock(text=text))
            elif btype == "thinking":
                text = block.get("thinking")
                if isinstance(text, str) and text.strip():
                    blocks.append(ThinkingBlock(text=text))
            elif btype == "redacted_thinking":
                self.stats.skipped_types["redacted_thinking"] += 1
            elif btype in ("tool_use", "server_tool_use"):
                call_id = opt_str(block.get("id"))
                name = opt_str(block.get("name")) or "?"
                if call_id:
                    self.tool_names[call_id] = name
                    if name in ("Task", "Agent") and isinstance(block.get("input"), dict):
                        self.task_calls[call_id] = block["input"]
                blocks.append(
                    ToolCallBlock(id=call_id, name=name, input=tool_input(block.get("input")))
                )
            elif isinstance(btype, str) and btype.endswith("_tool_result"):
                blocks.append(
                    ToolResultBlock(
                        call_id=opt_str(block.get("tool_use_id")),
                        name=btype.removesuffix("_tool_result"),
                        output=text_of(block.get("content")),
                    )
                )
            else:
                self.stats.unknown_types[f"assistant block:{btype}"] += 1
                text = text_of(block)
                if text:
                    blocks.append(TextBlock(text=text))
        usage = _usage(message.get("usage"))
        is_error = obj.get("isApiErrorMessage") is True
        existing = thread.by_api_id.get(api_id) if api_id else None
        if existing is not None:
            existing.message.content.extend(blocks)
            if usage is not None:
                existing.message.usage = usage  # repeated per line: the last one is final
            if is_error:
                existing.message.kind = "error"
            uuid = opt_str(obj.get("uuid"))
            if uuid:
                existing.uuids.append(uuid)
            return
        msg = self.add(
            thread,
            obj,
            self.new_message(obj, "assistant", "error" if is_error else "message", blocks, when),
        )
        msg.message.model = model
        msg.message.usage = usage
        if api_id:
            thread.by_api_id[api_id] = msg

    def system(self, thread: _Thread, obj: dict[str, Any], when: datetime | None) -> None:
        subtype = obj.get("subtype")
        content = obj.get("content")
        text = content if isinstance(content, str) else text_of(content)
        if subtype in SYSTEM_BOOKKEEPING:
            self.stats.skipped_types[f"system:{subtype}"] += 1
            return
        if subtype == "compact_boundary":
            meta = obj.get("compactMetadata")
            meta = meta if isinstance(meta, dict) else {}
            detail = []
            if opt_str(meta.get("trigger")):
                detail.append(meta["trigger"])
            if isinstance(meta.get("preTokens"), int):
                detail.append(f"{meta['preTokens']:,} tokens before")
            line = text or "Conversation compacted"
            if detail:
                line += f" ({', '.join(detail)})"
            message = self.new_message(obj, "system", "summary", [TextBlock(text=line)], when)
        elif subtype == "api_error" or obj.get("level") == "error":
            error = text or text_of(obj.get("error")) or "API error"
            message = self.new_message(obj, "system", "error", [TextBlock(text=error)], when)
        elif subtype == "local_command":
            line = _command_text(text) if text else ""
            if not line or self._repeats_command(thread, line):
                self.stats.skipped_types["system:local_command (repeat)"] += 1
                return
            message = self.new_message(obj, "system", "command", [TextBlock(text=line)], when)
        else:
            if subtype != "informational":
                self.stats.unknown_types[f"system:{subtype}"] += 1
            if not text:
                return
            message = self.new_message(obj, "system", "event", [TextBlock(text=text)], when)
        self.add(thread, obj, message)

    @staticmethod
    def _repeats_command(thread: _Thread, line: str) -> bool:
        """``system/local_command`` repeats a command already written as a user line."""
        for msg in reversed(thread.msgs[-6:]):
            if msg.message.kind == "command" and msg.message.text == line:
                return True
        return False

    def unknown(self, obj: dict[str, Any], kind: str) -> None:
        """An entry type this importer does not know: counted, kept if it carries text."""
        self.stats.unknown_types[kind] += 1
        text = ""
        for key in ("content", "message", "text", "summary", "data"):
            if key in obj:
                text = text_of(obj[key])
                if text:
                    break
        if not text:
            return
        when = parse_time(obj.get("timestamp"))
        thread = self.thread_for(obj)
        thread.note(obj, when)
        self.add(
            thread,
            obj,
            self.new_message(obj, "system", "event", [TextBlock(text=f"[{kind}] {text}")], when),
        )


def _mark_alternates(thread: _Thread, parents: dict[str, str | None]) -> None:
    """Mark messages off the current branch (rewinds, edited prompts) as alternate.

    The current branch is the chain of ``parentUuid`` (and, across a compaction,
    ``logicalParentUuid``) from the last message back to a root. Parallel tool calls fork that
    chain without abandoning anything, so a message joins the branch when any line of it is on
    the chain, or when its parent is on the branch and it is not a new prompt or reply (tool
    results, injected context, commands). If the chain leaves the file (a parent line missing),
    nothing is marked: better to show too much than to hide turns.
    """
    if len(thread.msgs) < 2:
        return
    leaf = next((u for m in reversed(thread.msgs) for u in reversed(m.uuids)), None)
    if leaf is None:
        return
    branch: set[str] = set()
    node: str | None = leaf
    while node is not None:
        if node in branch or node not in parents:
            return  # a cycle, or the chain leaves the file: leave everything visible
        branch.add(node)
        node = parents[node]
    for msg in thread.msgs:
        if any(u in branch for u in msg.uuids):
            branch.update(msg.uuids)
    for msg in thread.msgs:
        if not msg.uuids or any(u in branch for u in msg.uuids):
            continue
        message = msg.message
        attached = message.role in ("tool", "system") or message.kind != "message"
        if attached and (message.parent_id is None or message.parent_id in branch):
            branch.update(msg.uuids)
        else:
            message.alternate = True


@register
class ClaudeCodeImporter(Importer):
    """Claude Code's JSONL transcripts, with their subagents and spilled tool outputs."""

    source = SOURCE
    label = "Claude Code"

    def default_locations(self) -> list[Path]:
        base = os.environ.get("CLAUDE_CONFIG_DIR")
        root = Path(base).expanduser() if base else Path.home() / ".claude"
        return [root / "projects"]

    def discover(self, root: Path) -> Iterator[Path]:
        if root.is_file():
            if root.suffix == ".jsonl":
                yield root
            return
        if root.name == ".claude" and (root / "projects").is_dir():
            root = root / "projects"
        for directory, dirs, files in os.walk(root, followlinks=False):
            # tool-results/ holds spilled outputs read with their session, not transcripts.
            dirs[:] = sorted(d for d in dirs if d not in ("tool-results", "memory"))
            for name in sorted(files):
                if not name.endswith(".jsonl"):
                    continue
                path = Path(directory, name)
                try:
                    mode = path.lstat().st_mode
                except OSError:
                    continue
                if stat.S_ISREG(mode):  # no symlinks, FIFOs or devices
                    yield path

    def sniff(self, path: Path, head: bytes) -> bool:
        text = head.lstrip()
        if not text.startswith(b"{"):
            return False
        first = text.split(b"\n", 1)[0]
        if b'"projectHash"' in first or b'"payload"' in first:
            return False
        return any(
            marker in first
            for marker in (b'"parentUuid"', b'"leafUuid"', b'"file-history-snapshot"')
        ) or (b'"sessionId"' in first and b'"type"' in first and b'"uuid"' in first)

    def parse(self, path: Path, stats: ParseStats) -> Iterator[Session]:
        data = read_bytes(path)
        state = _FileParse(path, stats)
        for number, obj in iter_jsonl(path, stats, data):
            try:
                state.line(number, obj)
            except _Shape as exc:
                stats.bad(f"{path}:{number}", str(exc))
            except (TypeError, ValueError, AttributeError, KeyError) as exc:
                stats.bad(f"{path}:{number}", f"unexpected entry shape: {exc}")
        yield from self._sessions(path, state, stats)

    # -- assembling sessions ---------------------------------------------------------------

    def _sessions(self, path: Path, state: _FileParse, stats: ParseStats) -> Iterator[Session]:
        stem = path.name.removesuffix(".jsonl")
        if state.agent_file_id is not None:
            parent_sid = state.session_ids[0] if state.session_ids else None
            if parent_sid is None and path.parent.name == "subagents":
                parent_sid = path.parent.parent.name
            agent_id = state.main.agent_id or state.agent_file_id
            if parent_sid is None:
                source_id = stem
                parent = None
            else:
                source_id = f"{parent_sid}.agent-{agent_id}"
                parent = safe_session_id(SOURCE, parent_sid)
            extra: dict[str, Any] = {"agentId": agent_id}
            if parent_sid:
                extra["parentSessionId"] = parent_sid
            extra.update(self._agent_meta(path, stats))
            title_hint = opt_str(extra.get("description"))
            session = self._build(
                path, state, state.main, source_id, parent, extra, title_hint, resume=parent_sid
            )
            if session is not None:
                yield session
            return
        sid = stem if stem in state.session_ids else (state.session_ids or [stem])[0]
        main = self._build(path, state, state.main, sid, None, {}, None, resume=sid)
        if main is not None:
            yield main
        main_id = safe_session_id(SOURCE, sid)
        for root, thread in state.sidechains.items():
            extra = {"sidechainRoot": root, "parentSessionId": sid}
            hint = None
            first = next((m.message.text for m in thread.msgs if m.message.role == "user"), "")
            for call in state.task_calls.values():
                if first and call.get("prompt") == first:
                    if opt_str(call.get("subagent_type")):
                        extra["agentType"] = call["subagent_type"]
                    hint = opt_str(call.get("description"))
                    break
            child = self._build(
                path, state, thread, f"{sid}.sidechain-{root}", main_id, extra, hint, resume=sid
            )
            if child is not None:
                yield child

    @staticmethod
    def _agent_meta(path: Path, stats: ParseStats) -> dict[str, Any]:
        meta_path = path.with_name(path.name.removesuffix(".jsonl") + ".meta.json")
        try:
            if meta_path.is_symlink() or not meta_path.is_file():
                return {}
            if meta_path.stat().st_size > MAX_META_BYTES:
                stats.bad(str(meta_path), "metadata file over the size limit")
                return {}
            meta = loads(meta_path.read_bytes())
        except OSError as exc:
            stats.bad(str(meta_path), f"cannot read: {exc.strerror or exc}")
            return {}
        except ValueError as exc:
            stats.bad(str(meta_path), f"bad JSON: {exc}")
            return {}
        if not isinstance(meta, dict):
            stats.bad(str(meta_path), "expected a JSON object")
            return {}
        return {k: meta[k] for k in ("agentType", "description") if isinstance(meta.get(k), str)}

    def _build(
        self,
        path: Path,
        state: _FileParse,
        thread: _Thread,
        source_id: str,
        parent: str | None,
        extra: dict[str, Any],
        title_hint: str | None,
        resume: str | None,
    ) -> Session | None:
        if not thread.msgs:
            return None  # summary-only or bookkeeping-only file: nothing to read
        _mark_alternates(thread, state.parents)
        messages = [m.message for m in thread.msgs]
        usage = sum_usage(m.usage for m in messages if not m.alternate)
        uuids = {u for m in thread.msgs for u in m.uuids}
        leaf_summary = next(
            (text for leaf, text in reversed(state.summaries) if leaf and leaf in uuids), None
        )
        is_main = thread is state.main and state.agent_file_id is None
        title = (
            (state.custom_title if is_main or state.agent_file_id else None)
            or (state.ai_title if is_main or state.agent_file_id else None)
            or (leaf_summary if thread is state.main else None)
            or title_hint
            or state.agent_name
            or prompt_title(messages)
            or cut_title(next((m.text for m in messages if m.text.strip()), ""))
        )
        title = cut_title(title, 200) if "\n" in title or len(title) > 200 else title
        foreign = [text for leaf, text in state.summaries if not leaf or leaf not in uuids]
        if thread is state.main:
            if foreign:
                extra["otherSummaries"] = foreign
            if thread.subagents:
                sid = state.session_ids[0] if state.session_ids else source_id
                extra["subagents"] = {
                    call: safe_session_id(SOURCE, f"{sid}.agent-{agent}")
                    for call, agent in sorted(thread.subagents.items())
                }
        if thread.versions:
            extra["versions"] = thread.versions
        if thread.entrypoint:
            extra["entrypoint"] = thread.entrypoint
        if thread.slug:
            extra["slug"] = thread.slug
        if resume:
            extra["sessionId"] = resume
            extra["resume"] = f"claude --resume {resume}"
        created = thread.first_time or file_time(path)
        updated = thread.last_time or created
        try:
            return Session(
                id=safe_session_id(SOURCE, source_id),
                title=title,
                source=SOURCE,
                source_ref=SourceRef(path=str(path), id=source_id),
                models=thread.models,
                project=thread.cwd,
                git_branch=thread.branch,
                created=created,
                updated=updated,
                usage=usage,
                parent_session_id=parent,
                extra=extra,
                messages=messages,
            )
        except ValueError as exc:
            raise ImporterError(path, f"cannot build session {source_id!r}: {exc}") from None
