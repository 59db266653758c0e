"""OpenAI Codex CLI rollouts (``~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl``).

A rollout writes most things twice: the ``response_item`` stream (what the model saw and said)
and the ``event_msg`` stream (what the UI showed). The transcript is built from
``response_item`` only; ``event_msg`` supplies token counts, exit statuses, aborted turns and
errors, and tells typed prompts apart from the context Codex injects as "user" turns: a
``user_message`` event follows each prompt the user typed, never the injected
``<environment_context>``/AGENTS.md items. Reasoning arrives both as ``agent_reasoning`` events
and as reasoning summaries; each text is kept once per turn.

Versions handled: the enveloped format of cli 0.34 ... 0.13x (``{"timestamp","type","payload"}``),
the mid-2025 bare format (a first line ``{"id","timestamp","instructions"}``, ``record_type``
markers, bare response items) and the April-2025 TypeScript CLI's single JSON document
``{"session": {...}, "items": [...]}``. See docs/importers.md for the mapping.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
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
    as_dict,
    as_int,
    as_list,
    file_time,
    iter_jsonl,
    load_json_file,
    loads,
    opt_str,
    parse_time,
    prompt_title,
    read_bytes,
    sum_usage,
    text_of,
    tool_input,
    whole_file,
)

SOURCE = "codex-cli"

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_NAME_TIME = re.compile(r"rollout-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2})")
#: The owner of the real sample files replaced texts with ``[REDACTED_TEXT len=.. sha=..]`` and
#: the same text with ``[REDACTED_MESSAGE len=.. sha=..]`` in events: same text, same key.
_REDACTED = re.compile(r"^\[REDACTED_[A-Z_]+ (len=\d+ sha=[0-9a-f]+)\]$")
_EXIT_CODE = re.compile(r"^Exit code: (-?\d+)|Process exited with code (-?\d+)", re.MULTILINE)

#: "User" items that Codex writes itself (environment, instructions, IDE state): context.
_CONTEXT_PREFIXES = (
    "<environment_context>",
    "<user_instructions>",
    "# AGENTS.md instructions for",
    "<INSTRUCTIONS>",
    "# Context from my IDE setup:",
    "<permissions instructions>",
    "<collaboration_mode>",
    "<skill>",
    "<subagent_notification>",
)
#: A shell command the user ran with ``!cmd`` in the TUI, recorded as a user item.
_COMMAND_PREFIXES = ("<user_shell_command>",)
_IDE_REQUEST = "## My request for Codex:"

_ASSISTANT_ITEMS = {
    "reasoning",
    "function_call",
    "custom_tool_call",
    "local_shell_call",
    "web_search_call",
}
_OUTPUT_ITEMS = {"function_call_output", "custom_tool_call_output", "local_shell_call_output"}
_RESPONSE_ITEM_TYPES = {"message"} | _ASSISTANT_ITEMS | _OUTPUT_ITEMS
#: Response items that are bookkeeping, not conversation (git snapshots, opaque compaction).
_SKIPPED_ITEMS = {"ghost_snapshot", "compaction", "compaction_summary"}
#: Events that only repeat the response_item stream or mark progress.
_SKIPPED_EVENTS = {
    "task_started",
    "task_complete",
    "turn_started",
    "turn_complete",
    "context_compacted",
    "agent_reasoning_section_break",
    "agent_reasoning_raw_content",
    "exec_command_begin",
    "exec_command_output_delta",
    "patch_apply_begin",
    "mcp_tool_call_begin",
    "web_search_begin",
    "web_search_end",
    "turn_diff",
    "background_event",
    "plan_update",
    "session_configured",
    "mcp_list_tools_response",
    "list_custom_prompts_response",
    "get_history_entry_response",
    "shutdown_complete",
    "entered_review_mode",
    "exited_review_mode",
    "item_started",
    "item_completed",
    "view_image_tool_call",
    "user_message",
    "agent_message",
    "agent_reasoning",
    "token_count",
}


# ---------------------------------------------------------------------------------------------
# Small type guards: every field of an untrusted file may have any JSON type.


def _label(value: Any) -> str:
    """A type/role field as a short string, whatever JSON value the file holds there."""
    return value if isinstance(value, str) else str(value)[:40]


def _when(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else parse_time(value)


def _key(text: str) -> str:
    """What makes two texts "the same" for de-duplication between the two streams."""
    text = text.strip()
    match = _REDACTED.match(text)
    return "redacted:" + match.group(1) if match else text


def _usage(raw: Any) -> TokenUsage | None:
    """OpenAI counts: ``input`` includes cached, ``output`` includes reasoning. Split them so
    `TokenUsage.total` equals Codex's ``total_tokens``."""
    raw = as_dict(raw)
    inp, cached = as_int(raw.get("input_tokens")), as_int(raw.get("cached_input_tokens"))
    out, reasoning = as_int(raw.get("output_tokens")), as_int(raw.get("reasoning_output_tokens"))
    if inp is None and out is None:
        return None
    if inp is not None and cached:
        inp = max(inp - cached, 0)
    if out is not None and reasoning:
        out = max(out - reasoning, 0)
    return TokenUsage(
        input_tokens=inp, output_tokens=out, cache_read_tokens=cached, reasoning_tokens=reasoning
    )


def _content_blocks(content: Any) -> list[TextBlock | AttachmentBlock]:
    """Responses-API message content (``input_text``/``output_text``/``input_image``...)."""
    if isinstance(content, str):
        return [TextBlock(text=content)] if content else []
    blocks: list[TextBlock | AttachmentBlock] = []
    for part in as_list(content):
        part = as_dict(part)
        kind = part.get("type")
        if kind in ("input_image", "image"):
            url = opt_str(part.get("image_url")) or ""
            mime = url[5 : url.find(";")] if url.startswith("data:") and ";" in url else None
            # A data: URL is the image itself: reference it, never copy megabytes of base64.
            uri = None if url.startswith("data:") else url or None
            blocks.append(AttachmentBlock(kind="image", mime_type=mime, uri=uri))
        elif kind == "input_file":
            blocks.append(AttachmentBlock(name=opt_str(part.get("filename")), uri=None))
        else:
            text = opt_str(part.get("text")) or opt_str(part.get("refusal"))
            if text:
                blocks.append(TextBlock(text=text))
    return blocks


def _unwrap_output(raw: Any) -> tuple[str, bool]:
    """A tool output as (text, is_error). 0.34 wrapped it as a JSON string with metadata."""
    exit_code: int | None = None
    failed = False
    if isinstance(raw, str) and raw.startswith("{") and raw.endswith("}"):
        try:
            decoded = loads(raw)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict) and ("output" in decoded or "metadata" in decoded):
            exit_code = as_int(as_dict(decoded.get("metadata")).get("exit_code"))
            raw = decoded.get("output", "")
    if isinstance(raw, dict):
        if raw.get("success") is False:
            failed = True
        exit_code = as_int(as_dict(raw.get("metadata")).get("exit_code"))
        raw = raw.get("content", raw.get("output", ""))
    text = raw if isinstance(raw, str) else text_of(raw)
    if exit_code is None:
        match = _EXIT_CODE.search(text[:4000])
        if match:
            exit_code = int(match.group(1) or match.group(2))
    return text, failed or (exit_code is not None and exit_code != 0)


def _parse_arguments(raw: Any) -> Any:
    """Function-call arguments are a JSON string inside JSON; keep the raw text if not JSON."""
    if isinstance(raw, str):
        try:
            return loads(raw)
        except ValueError:
            return raw
    return raw


# ---------------------------------------------------------------------------------------------


class _Rollout:
    """Builds one Session from a rollout's records, in file order."""

    def __init__(self, path: Path, stats: ParseStats) -> None:
        self.path = path
        self.stats = stats
        self.meta: dict[str, Any] | None = None
        self.extra_metas = 0
        self.messages: list[Message] = []
        self.assistant: Message | None = None  # the open assistant message
        self.tool: Message | None = None  # the open tool-results message
        self.calls: dict[str, str] = {}  # call_id -> tool name
        self.results: dict[str, ToolResultBlock] = {}
        self.failed_calls: set[str] = set()  # call ids an *_end event reported as failed
        self.model: str | None = None
        self.models: list[str] = []
        self.cwds: list[str] = []
        self.first_raw: Any = None
        self.last_raw: Any = None
        self.event_thinking: Counter[str] = Counter()
        self.item_thinking: Counter[str] = Counter()
        self.pending_users: list[Message] = []
        self.confirmed: set[int] = set()  # id() of user messages a user_message event confirmed
        self.user_events = 0
        self.user_items = 0
        self.assistant_items = 0
        self.event_prompts: list[tuple[int, Message]] = []
        self.event_answers: list[tuple[int, Message]] = []
        self.session_usage: TokenUsage | None = None
        self.last_total: Any = None
        self.inheriting = False
        self.child_start: datetime | None = None
        self.saw_record = False

    # --- helpers -------------------------------------------------------------------------------

    def _time(self, value: Any) -> Any:
        """Note a record's time. Parsing every record's timestamp is a large share of the
        import, so only the first and last are parsed (in `finish`), and message times when a
        message is made."""
        if value is None:
            return None
        if self.first_raw is None:
            self.first_raw = value
        self.last_raw = value
        if self.inheriting and self.child_start is not None:
            when = parse_time(value)
            if when is not None and when >= self.child_start:
                self.inheriting = False
        return value

    def _new(self, line: str, role: str, when: Any, **fields: Any) -> Message:
        message = Message(id=line, role=role, timestamp=_when(when), **fields)  # type: ignore[arg-type]
        if self.inheriting:
            message.alternate = True
        self.messages.append(message)
        return message

    def _close(self) -> None:
        self.assistant = None
        self.tool = None

    def _open_assistant(self, line: str, when: Any) -> Message:
        if self.assistant is None:
            self.tool = None
            self.assistant = self._new(line, "assistant", when, model=self.model)
        return self.assistant

    def _thinking(self, text: str | None, line: str, when: Any, *, event: bool) -> None:
        """Reasoning arrives as an ``agent_reasoning`` event and again as a summary in a
        reasoning item: each text from one stream cancels one twin from the other, so nothing
        is shown twice while a text the model genuinely repeats later is kept."""
        if not text or not text.strip():
            return
        key = _key(text)
        twins, mine = (
            (self.item_thinking, self.event_thinking)
            if event
            else (self.event_thinking, self.item_thinking)
        )
        if twins[key] > 0:
            twins[key] -= 1
            return
        mine[key] += 1
        self._open_assistant(line, when).content.append(ThinkingBlock(text=text))

    def _new_turn(self) -> None:
        self.event_thinking.clear()
        self.item_thinking.clear()

    # --- records ---------------------------------------------------------------------------------

    def session_meta(self, payload: dict[str, Any], when: Any) -> None:
        self._time(when)
        if self.meta is None:
            self.meta = payload
            self.child_start = parse_time(payload.get("timestamp"))
            cwd = opt_str(payload.get("cwd"))
            if cwd:
                self.cwds.append(cwd)
        else:
            # A forked/subagent thread: the parent's meta and its history follow the child's.
            # Items older than the child's own start are the inherited history.
            self.extra_metas += 1
            self._close()
            self.inheriting = self.child_start is not None

    def turn_context(self, payload: dict[str, Any], when: Any) -> None:
        self._time(when)
        model = opt_str(payload.get("model"))
        if model:
            self.model = model
        cwd = opt_str(payload.get("cwd"))
        if cwd and cwd not in self.cwds:
            self.cwds.append(cwd)

    def response_item(self, item: dict[str, Any], line: str, when_raw: Any) -> None:
        when = self._time(when_raw)
        kind = _label(item.get("type"))
        if kind == "message":
            self._message(item, line, when)
        elif kind in _ASSISTANT_ITEMS:
            self.assistant_items += kind != "reasoning"
            self._assistant_item(kind, item, line, when)
        elif kind in _OUTPUT_ITEMS:
            self._output(item, line, when)
        elif kind in _SKIPPED_ITEMS:
            self.stats.skipped_types[f"response_item:{kind}"] += 1
        else:
            self._unknown(f"response_item:{kind}", item, line, when)

    def _message(self, item: dict[str, Any], line: str, when: Any) -> None:
        role = _label(item.get("role"))
        blocks = _content_blocks(item.get("content"))
        if role == "assistant":
            self.assistant_items += 1
            if blocks:
                self._open_assistant(line, when).content.extend(blocks)
            return
        self._close()
        if role in ("developer", "system"):
            if blocks:
                self._new(line, "system", when, content=blocks)
            return
        if role != "user":
            self._unknown(f"message:{role}", item, line, when)
            return
        self.user_items += 1
        text = "\n\n".join(b.text for b in blocks if isinstance(b, TextBlock))
        head = text.lstrip()
        if head.startswith(_COMMAND_PREFIXES):
            self._new(line, "user", when, kind="command", content=blocks)
            return
        if head.startswith("# Context from my IDE setup:") and _IDE_REQUEST in text:
            context, request = text.split(_IDE_REQUEST, 1)
            self._new(
                f"{line}.ctx", "user", when, kind="context", content=[TextBlock(text=context)]
            )
            others = [b for b in blocks if not isinstance(b, TextBlock)]
            blocks = [TextBlock(text=request.strip()), *others]
            head = request
        kind = "context" if head.startswith(_CONTEXT_PREFIXES) else "message"
        message = self._new(line, "user", when, kind=kind, content=blocks)
        self.pending_users.append(message)
        self._new_turn()

    def _assistant_item(self, kind: str, item: dict[str, Any], line: str, when: Any) -> None:
        if kind == "reasoning":
            for part in as_list(item.get("summary")) + as_list(item.get("content")):
                self._thinking(opt_str(as_dict(part).get("text")), line, when, event=False)
            return
        message = self._open_assistant(line, when)
        call_id = opt_str(item.get("call_id")) or opt_str(item.get("id"))
        if kind == "function_call":
            name = opt_str(item.get("name")) or "function"
            raw = item.get("arguments")
            text = raw if isinstance(raw, str) else None
            block = ToolCallBlock(
                id=call_id, name=name, input=tool_input(_parse_arguments(raw), text)
            )
        elif kind == "custom_tool_call":
            name = opt_str(item.get("name")) or "custom_tool"
            block = ToolCallBlock(id=call_id, name=name, input=tool_input(item.get("input")))
        elif kind == "local_shell_call":
            name = "local_shell"
            block = ToolCallBlock(id=call_id, name=name, input=tool_input(item.get("action")))
        else:  # web_search_call
            name = "web_search"
            action = as_dict(item.get("action"))
            query = opt_str(action.get("query"))
            block = ToolCallBlock(
                id=call_id, name=name, input=tool_input({"query": query} if query else action)
            )
        if call_id:
            self.calls[call_id] = name
        message.content.append(block)

    def _output(self, item: dict[str, Any], line: str, when: Any) -> None:
        call_id = opt_str(item.get("call_id"))
        text, is_error = _unwrap_output(item.get("output"))
        block = ToolResultBlock(
            call_id=call_id,
            name=self.calls.get(call_id or ""),
            output=text,
            is_error=is_error or (call_id in self.failed_calls),
        )
        if call_id:
            self.results[call_id] = block
        if self.tool is None:
            self.assistant = None
            self.tool = self._new(line, "tool", when)
        self.tool.content.append(block)

    def _unknown(self, label: str, payload: Any, line: str, when: Any) -> None:
        self.stats.unknown_types[label] += 1
        text = text_of(payload)
        if text.strip():
            self._close()
            self._new(line, "system", when, kind="event", content=[TextBlock(text=text)])

    def event(self, payload: dict[str, Any], line: str, when_raw: Any) -> None:
        when = self._time(when_raw)
        kind = _label(payload.get("type"))
        if kind == "user_message":
            self._user_event(payload, line, when)
        elif kind == "agent_message":
            text = opt_str(payload.get("message"))
            if text:
                self.event_answers.append((len(self.messages), self._detached(line, when, text)))
        elif kind == "agent_reasoning":
            self._thinking(opt_str(payload.get("text")), line, when, event=True)
        elif kind == "token_count":
            self._token_count(as_dict(payload.get("info")))
        elif kind in ("turn_aborted", "error", "stream_error"):
            if kind == "turn_aborted":
                text = f"Turn aborted ({opt_str(payload.get('reason')) or 'unknown reason'})"
            else:
                text = opt_str(payload.get("message")) or text_of(payload) or kind
            self._close()
            self._new(line, "system", when, kind="error", content=[TextBlock(text=text)])
        elif kind in ("exec_command_end", "patch_apply_end", "mcp_tool_call_end"):
            self._call_status(kind, payload)
        elif kind == "task_started":
            self._new_turn()
            self.stats.skipped_types[f"event_msg:{kind}"] += 1
        elif kind in _SKIPPED_EVENTS:
            self.stats.skipped_types[f"event_msg:{kind}"] += 1
        else:
            self._unknown(f"event_msg:{kind}", payload, line, when)

    def _detached(self, line: str, when: Any, text: str) -> Message:
        """A message built from an event, used only if the response_item stream lacks it."""
        return Message(
            id=f"{line}.event",
            role="assistant",
            timestamp=_when(when),
            model=self.model,
            content=[TextBlock(text=text)],
        )

    def _user_event(self, payload: dict[str, Any], line: str, when: Any) -> None:
        self.user_events += 1
        text = opt_str(payload.get("message")) or ""
        key = _key(text)
        pending = self.pending_users
        match = next((m for m in reversed(pending) if _key(m.text) == key), None)
        if match is None and key:
            match = next((m for m in reversed(pending) if key in _key(m.text)), None)
        if match is None and pending:
            match = pending[-1]  # the prompt is the last user item before its event
        if match is not None:
            match.kind = "message"
            self.confirmed.add(id(match))
        elif text:
            detached = Message(
                id=f"{line}.event",
                role="user",
                timestamp=_when(when),
                content=[TextBlock(text=text)],
            )
            self.event_prompts.append((len(self.messages), detached))
        self.pending_users = []

    def _token_count(self, info: dict[str, Any]) -> None:
        total = info.get("total_token_usage")
        if not total or total == self.last_total:
            return  # Codex repeats the same count; count each model call once
        self.last_total = total
        self.session_usage = _usage(total)
        last = _usage(info.get("last_token_usage"))
        target = self.assistant or next(
            (m for m in reversed(self.messages) if m.role == "assistant"), None
        )
        if last is not None and target is not None:
            target.usage = sum_usage([target.usage, last])

    def _call_status(self, kind: str, payload: dict[str, Any]) -> None:
        call_id = opt_str(payload.get("call_id"))
        if not call_id:
            return
        if kind == "exec_command_end":
            code = as_int(payload.get("exit_code"))
            failed = code is not None and code != 0
        elif kind == "patch_apply_end":
            failed = payload.get("success") is False
        else:
            failed = "Err" in as_dict(payload.get("result"))
        self.stats.skipped_types[f"event_msg:{kind}"] += 1
        if failed:
            self.failed_calls.add(call_id)
            if call_id in self.results:
                self.results[call_id].is_error = True

    def compacted(self, payload: dict[str, Any], line: str, when_raw: Any) -> None:
        when = self._time(when_raw)
        text = (opt_str(payload.get("message")) or "").strip()
        redacted = _REDACTED.match(text)
        if text and not (redacted and redacted.group(1).startswith("len=0 ")):
            self._close()
            self._new(line, "system", when, kind="summary", content=[TextBlock(text=text)])
        else:
            # The replacement history repeats earlier messages; nothing new to show.
            self.stats.skipped_types["compacted"] += 1

    # --- result ----------------------------------------------------------------------------------

    def finish(self, fallback_id: str) -> Session | None:
        # Prompts the event stream confirmed are prompts; when the file has such events, user
        # items without one were injected by Codex (context), whatever their wording.
        if self.user_events:
            for message in self.messages:
                if (
                    message.role == "user"
                    and message.kind == "message"
                    and id(message) not in self.confirmed
                    and not message.id.endswith(".event")
                ):
                    message.kind = "context"
        messages = self.messages
        extras: list[tuple[int, Message]] = list(self.event_prompts)
        if not self.assistant_items:
            extras += self.event_answers  # a file with no assistant items: events are all we have
        # Insert from the end so earlier positions stay valid; ties keep file order.
        order = sorted(enumerate(extras), key=lambda e: (e[1][0], e[0]), reverse=True)
        for _seq, (index, message) in order:
            messages.insert(index, message)
        if not messages:
            self.stats.skipped_types["empty rollout"] += 1
            return None
        meta = self.meta or {}
        source_id = opt_str(meta.get("id")) or fallback_id
        for message in messages:
            if message.role == "assistant" and message.model and message.model not in self.models:
                self.models.append(message.model)
        title = prompt_title(messages)
        first, last = parse_time(self.first_raw), parse_time(self.last_raw)
        created = self.child_start or first or _name_time(self.path) or file_time(self.path)
        updated = max(filter(None, (last, created)))
        return Session(
            id=safe_session_id(SOURCE, source_id),
            title=title,
            source=SOURCE,
            source_ref=SourceRef(path=str(self.path), id=source_id),
            models=self.models,
            project=self.cwds[0] if self.cwds else None,
            git_branch=opt_str(as_dict(meta.get("git")).get("branch")),
            created=created,
            updated=updated,
            usage=self.session_usage,
            parent_session_id=self._parent(meta),
            extra=self._extra(meta),
            messages=messages,
        )

    def _parent(self, meta: dict[str, Any]) -> str | None:
        spawn = as_dict(as_dict(as_dict(meta.get("source")).get("subagent")).get("thread_spawn"))
        parent = opt_str(spawn.get("parent_thread_id")) or opt_str(meta.get("forked_from_id"))
        return safe_session_id(SOURCE, parent) if parent else None

    def _extra(self, meta: dict[str, Any]) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        for key in ("originator", "cli_version", "model_provider", "agent_nickname", "agent_role"):
            value = opt_str(meta.get(key))
            if value:
                extra[key] = value
        source = meta.get("source")
        if isinstance(source, str):
            extra["launched_from"] = source
        elif isinstance(source, dict) and source:
            extra["launched_from"] = next(iter(source))
        git = as_dict(meta.get("git"))
        for key in ("commit_hash", "repository_url"):
            value = opt_str(git.get(key))
            if value:
                extra[f"git_{key}"] = value
        if len(self.cwds) > 1:
            extra["cwds"] = self.cwds
        if self.extra_metas:
            extra["inherited_threads"] = self.extra_metas
        return extra


def _name_time(path: Path) -> datetime | None:
    """The local start time in the file name (``rollout-2025-05-01T12-00-00-...``)."""
    match = _NAME_TIME.search(path.name)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y-%m-%dT%H-%M-%S").astimezone()
    except (ValueError, OverflowError, OSError):
        return None


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(loads(line), dict)
    except ValueError:
        return False


def _fallback_id(path: Path) -> str:
    """The session id when no record names it: the UUID in the file name, else a path hash."""
    match = _UUID.search(path.name)
    if match:
        return match.group(0).lower()
    digest = hashlib.sha256(str(path.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    return f"file-{digest[:24]}"


@register
class CodexCliImporter(Importer):
    """Codex CLI rollouts, every format from the 2025 TypeScript CLI to today's Rust CLI."""

    source = SOURCE
    label = "Codex CLI"

    def default_locations(self) -> list[Path]:
        home = Path(os.environ.get("CODEX_HOME") or Path.home() / ".codex")
        return [home / "sessions", home / "archived_sessions"]

    def discover(self, root: Path) -> Iterator[Path]:
        if root.is_file():
            if self._is_rollout_name(root):
                yield root
            return
        found: list[Path] = []
        for folder, dirs, files in os.walk(root, onerror=lambda _err: None):
            dirs.sort()
            for name in files:
                path = Path(folder) / name
                if self._is_rollout_name(path) and not path.is_symlink():
                    found.append(path)
        yield from sorted(found)

    @staticmethod
    def _is_rollout_name(path: Path) -> bool:
        return path.name.startswith("rollout-") and path.suffix in (".jsonl", ".json")

    def sniff(self, path: Path, head: bytes) -> bool:
        text = head[:65536].decode("utf-8", "ignore").lstrip()
        if not text.startswith("{"):
            return False
        first = text.split("\n", 1)[0]
        lines = text[:8192].split("\n", 2)
        if '"type":"session_meta"' in first.replace(" ", "") or any(
            line.replace(" ", "").startswith('{"record_type":') for line in lines[:2]
        ):
            return True
        if re.match(r'\{\s*"session"\s*:\s*\{', text) and '"items"' in text:
            return True
        try:
            obj = loads(first)
        except ValueError:
            return False
        if not isinstance(obj, dict):
            return False
        if {"timestamp", "type", "payload"} <= obj.keys() and isinstance(obj["payload"], dict):
            return obj["type"] in ("session_meta", "response_item", "turn_context", "event_msg")
        # The mid-2025 bare first line: {"id", "timestamp", "instructions", "git"?}
        return (
            "type" not in obj
            and {"id", "timestamp"} <= obj.keys()
            and ("instructions" in obj or path.name.startswith("rollout-"))
        )

    def parse(self, path: Path, stats: ParseStats) -> Iterator[Session]:
        session = whole_file(path, lambda: self._parse(path, stats))
        if session is not None:
            yield session

    def _parse(self, path: Path, stats: ParseStats) -> Session | None:
        data = read_bytes(path)
        first = data.lstrip().split(b"\n", 1)[0].strip()
        rollout = _Rollout(path, stats)
        if first == b"{" or (path.suffix == ".json" and not _is_object(first)):
            document = load_json_file(path, data)
            if not isinstance(document, dict) or not isinstance(document.get("items"), list):
                raise ImporterError(path, "not a Codex session: expected {session, items}")
            self._typescript(rollout, document)
        else:
            records = 0
            bad_before = len(stats.bad_entries)
            for number, obj in iter_jsonl(path, stats, data):
                records += 1
                self._record(rollout, obj, str(number))
            if not records:
                if len(stats.bad_entries) > bad_before:
                    reason = stats.bad_entries[bad_before][1]
                    raise ImporterError(path, f"no readable line ({reason})")
                return None
            if not rollout.saw_record:
                raise ImporterError(path, "not a Codex rollout: no session or response records")
        return rollout.finish(_fallback_id(path))

    def _record(self, rollout: _Rollout, obj: dict[str, Any], line: str) -> None:
        kind = obj.get("type") if isinstance(obj.get("type"), str) else None
        payload = obj.get("payload")
        when = obj.get("timestamp")
        if isinstance(payload, dict) and isinstance(kind, str):
            rollout.saw_record = True
            if kind == "response_item":
                rollout.response_item(payload, line, when)
            elif kind == "event_msg":
                rollout.event(payload, line, when)
            elif kind == "turn_context":
                rollout.turn_context(payload, when)
            elif kind == "session_meta":
                rollout.session_meta(payload, when)
            elif kind == "compacted":
                rollout.compacted(payload, line, when)
            else:
                rollout._unknown(kind, payload, line, when)
        elif "record_type" in obj:
            rollout.saw_record = True
            rollout.stats.skipped_types[f"record_type:{obj.get('record_type')}"] += 1
        elif kind in _RESPONSE_ITEM_TYPES or kind in _SKIPPED_ITEMS:
            rollout.saw_record = True
            rollout.response_item(obj, line, when)
        elif isinstance(obj.get("session"), dict) and isinstance(obj.get("items"), list):
            rollout.saw_record = True
            self._typescript(rollout, obj)
        elif kind is None and "id" in obj and "timestamp" in obj and rollout.meta is None:
            rollout.saw_record = True
            rollout.session_meta(obj, obj.get("timestamp"))
        else:
            rollout._unknown(str(kind) if kind is not None else "(untyped line)", obj, line, None)

    @staticmethod
    def _typescript(rollout: _Rollout, document: dict[str, Any]) -> None:
        """The April-2025 TypeScript CLI: one JSON document, items without timestamps."""
        rollout.saw_record = True
        session = as_dict(document.get("session"))
        if session:
            rollout.session_meta(session, session.get("timestamp"))
        for index, item in enumerate(as_list(document.get("items"))):
            if isinstance(item, dict):
                rollout.response_item(item, f"item{index}", item.get("timestamp"))
            else:
                rollout.stats.bad(f"{rollout.path}:items[{index}]", "item is not an object")
