"""The data model every part of sessions-tui speaks: a Session holding Messages of typed blocks.

These pydantic models are the payload of a store file (see docs/storage-format.md) and the
objects importers produce, search indexes, and the front ends display. Field names are
snake_case in Python and camelCase on disk, so other programs see conventional JSON.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

#: Session ids become file names, so they are restricted to a portable, traversal-free alphabet.
SESSION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$"
_SESSION_ID_RE = re.compile(SESSION_ID_PATTERN)

#: Source tools known today. `source` stays an open string so new importers need no migration.
KNOWN_SOURCES = (
    "claude-code",
    "codex-cli",
    "gemini-cli",
    "aider",
    "chatgpt",
    "claude-ai",
    "native",
)

Role = Literal["user", "assistant", "system", "tool"]

#: What a message is, beyond its role. Importers use it so that the UI and search can tell a
#: typed prompt from text a tool injected or a compaction summary.
MessageKind = Literal[
    "message",  # an ordinary turn
    "summary",  # a compaction / continuation summary written by the tool, not the user
    "context",  # context injected by the tool as a "user" turn (environment, AGENTS.md, IDE)
    "command",  # a slash command or local command and its output
    "event",  # an entry of a type the importer does not know, kept because it carries text
    "error",  # an API or tool error reported by the source
]


def utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime (naive values are taken to be UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def now_utc() -> datetime:
    return datetime.now(UTC)


class _Model(BaseModel):
    """Base: camelCase on disk, snake_case in Python, unknown fields ignored on read."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        serialize_by_alias=True,
        extra="ignore",
    )


# ---------------------------------------------------------------------------------------------
# Content blocks (a discriminated union on "type")


class TextBlock(_Model):
    """Plain or Markdown text."""

    type: Literal["text"] = "text"
    text: str


class ThinkingBlock(_Model):
    """Model reasoning the source recorded in readable form (summaries included)."""

    type: Literal["thinking"] = "thinking"
    text: str


class ToolCallBlock(_Model):
    """A tool invocation. ``input`` is whatever the tool took: usually an object, sometimes text."""

    type: Literal["tool_call"] = "tool_call"
    id: str | None = None
    name: str
    input: Any = None


class ToolResultBlock(_Model):
    """The output of a tool call, paired with its call by ``call_id``."""

    type: Literal["tool_result"] = "tool_result"
    call_id: str | None = None
    name: str | None = None
    output: str = ""
    is_error: bool = False


class AttachmentBlock(_Model):
    """A file or image the user attached. The bytes are referenced, not embedded, except for
    text the source extracted (``text``), which is kept so it can be read and searched."""

    type: Literal["attachment"] = "attachment"
    kind: Literal["file", "image"] = "file"
    name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    uri: str | None = None
    text: str | None = None


ContentBlock = Annotated[
    TextBlock | ThinkingBlock | ToolCallBlock | ToolResultBlock | AttachmentBlock,
    Field(discriminator="type"),
]


# ---------------------------------------------------------------------------------------------
# Messages and sessions


class TokenUsage(_Model):
    """Token counts as reported by the source; any field may be unknown."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None

    @property
    def total(self) -> int:
        return sum(
            v
            for v in (
                self.input_tokens,
                self.output_tokens,
                self.cache_read_tokens,
                self.cache_write_tokens,
                self.reasoning_tokens,
            )
            if v
        )


class Message(_Model):
    """One turn of a conversation."""

    id: str
    parent_id: str | None = None
    role: Role
    kind: MessageKind = "message"
    timestamp: datetime | None = None
    model: str | None = None
    content: list[ContentBlock] = Field(default_factory=list)
    usage: TokenUsage | None = None
    #: True for messages on a branch the user left (an edited prompt, a regeneration): kept so
    #: nothing is lost, but not part of the transcript shown by default.
    alternate: bool = False

    @field_validator("timestamp")
    @classmethod
    def _timestamp_utc(cls, value: datetime | None) -> datetime | None:
        return utc(value) if value is not None else None

    @property
    def text(self) -> str:
        """The readable text of the message: text blocks only, joined by blank lines."""
        return "\n\n".join(b.text for b in self.content if isinstance(b, TextBlock))

    @property
    def tool_calls(self) -> list[ToolCallBlock]:
        return [b for b in self.content if isinstance(b, ToolCallBlock)]

    @property
    def has_error(self) -> bool:
        return self.kind == "error" or any(
            isinstance(b, ToolResultBlock) and b.is_error for b in self.content
        )


class SourceRef(_Model):
    """Where a session came from, so it can be re-imported and resumed in its own tool."""

    path: str | None = None
    id: str | None = None


class Session(_Model):
    """A conversation with one tool, with everything a reader could want from the source."""

    id: str = Field(pattern=SESSION_ID_PATTERN)
    title: str = ""
    source: str = Field(default="native", pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    source_ref: SourceRef = Field(default_factory=SourceRef)
    models: list[str] = Field(default_factory=list)
    project: str | None = None
    git_branch: str | None = None
    created: datetime = Field(default_factory=now_utc)
    updated: datetime = Field(default_factory=now_utc)
    #: Retention stamp: unix milliseconds until which the session is kept (None: no limit).
    persisted_until: int | None = Field(default=None, alias="persistedUntil")
    tags: list[str] = Field(default_factory=list)
    starred: bool = False
    usage: TokenUsage | None = None
    #: For a subagent transcript: the id of the session that spawned it.
    parent_session_id: str | None = None
    #: Source-specific details worth keeping (tool version, agent type, originator, ...).
    extra: dict[str, Any] = Field(default_factory=dict)
    messages: list[Message] = Field(default_factory=list)

    @field_validator("created", "updated")
    @classmethod
    def _times_utc(cls, value: datetime) -> datetime:
        return utc(value)

    # Derived figures used by listings. Computed, never stored, so they cannot disagree.

    @property
    def message_count(self) -> int:
        return len(self.messages)

    @property
    def tool_call_count(self) -> int:
        return sum(len(m.tool_calls) for m in self.messages)

    @property
    def has_error(self) -> bool:
        return any(m.has_error for m in self.messages)

    @property
    def transcript(self) -> list[Message]:
        """The messages shown by default: everything but abandoned branches."""
        return [m for m in self.messages if not m.alternate]


def new_id() -> str:
    """A fresh id for a native session or message (time-ordered UUIDv7-like hex is not
    needed: ids are only identity, ordering comes from timestamps)."""
    return uuid.uuid4().hex


def is_valid_session_id(value: str) -> bool:
    return bool(_SESSION_ID_RE.match(value))


def safe_session_id(source: str, source_id: str) -> str:
    """A stable store id derived from a source's own id: ``<source>-<sanitised id>``.

    Characters outside the id alphabet become ``_``; over-long ids keep a hash suffix so two
    different source ids can never collide after sanitising.
    """
    import hashlib

    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", source_id)
    candidate = f"{source}-{cleaned}"
    if candidate != f"{source}-{source_id}" or len(candidate) > 200:
        digest = hashlib.sha256(source_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        candidate = f"{candidate[:180]}-{digest}"
    return candidate
