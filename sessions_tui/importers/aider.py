"""Aider chat histories (``.aider.chat.history.md`` in a repository, appended forever).

Aider writes Markdown with three kinds of lines, and its own writer tells them apart:
``#### `` lines are the user's input (each line of a multi-line prompt gets the prefix and two
trailing spaces), ``> `` lines are aider's own output (the last line of one output ends with two
spaces; a multi-line output continues *without* the ``> `` prefix until that line), and
everything else is the model's reply. Replies may contain ``#``/``>``/``####`` lines of their
own (Markdown headings, quotes, code fences); the trailing-two-spaces rule is what separates
them from aider's lines. Files whose trailing spaces were stripped by an editor fall back to
prefixes alone, outside code fences.

Mapping (documented in docs/importers.md):

* one session per ``# aider chat started at`` block; id = hash of (the file's directory, the
  header time, its occurrence), so a renamed copy of a history in the same folder (users keep
  ``aider.chat.history 2023-10-02.md`` copies) yields the same sessions instead of duplicates;
* prompts -> user messages; slash commands -> kind "command", their output a system message of
  kind "command"; ``/code X`` (``/ask``, ``/architect``...) followed by aider's echo ``#### X`` is
  one prompt;
* replies -> assistant messages with the model then in use (``> Model:``/``> Main model:``/
  ``> Models:``); ``<think>`` blocks -> thinking;
* ``> Tokens: ...`` -> usage of the reply before it; the session's cost -> ``extra``;
* other aider output (``Applied edit``, ``Commit``, warnings) -> system messages of kind
  "event", or "error" when they report an error (rate limits, edit-format failures, ^C);
* times are local and carry no zone: they are taken in the importing machine's local zone
  (aider runs where its history file is); prompts get their time from ``.aider.input.history``
  next to the file when it is there.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..models import (
    Message,
    Session,
    SourceRef,
    TextBlock,
    ThinkingBlock,
    TokenUsage,
    safe_session_id,
)
from .base import Importer, ImporterError, ParseStats, register
from .common import (
    cut_title,
    file_time,
    prompt_title,
    read_bytes,
    sum_usage,
    whole_file,
)

SOURCE = "aider"
HISTORY_NAME = ".aider.chat.history.md"
INPUT_HISTORY_NAME = ".aider.input.history"

_HEADER = re.compile(r"^# aider chat started at (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\s*$")
_SNIFF = re.compile(rb"^# aider chat started at \d{4}-\d{2}-\d{2}", re.MULTILINE)
_MODEL = re.compile(r"^(?:Main model|Model|Models):\s+(\S+)")
_VERSION = re.compile(r"^Aider v(\d[\w.+-]*)")
_TOKENS = re.compile(r"^Tokens:\s+(.*)$")
_COUNT = re.compile(r"([\d.,]+)\s*([kKmM]?)\s+(sent|received|cache write|cache hit)")
_COST = re.compile(r"\$([\d.,]+)\s+session")
_ERROR = re.compile(
    r"\b\w*(?:Error|Exception)\b\s*[:(]|did not conform to the edit format|KeyboardInterrupt"
    r"|^\^C|failed to match|Traceback \(most recent call last\)|rate limit",
    re.IGNORECASE | re.MULTILINE,
)
#: Commands whose argument aider runs as a prompt and echoes as ``#### <argument>``.
_ECHOING = re.compile(r"^/(code|ask|architect|context|help|chat|edit|ok)\s+(.*)$", re.DOTALL)
_INPUT_TIME = re.compile(r"^# (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*$")
_SKIP_DIRS = {
    "node_modules",
    "__pycache__",
    "site-packages",
    "venv",
    "Library",
    "AppData",
    "dist",
    "build",
    "target",
}
#: Walk limits: ``~`` is scanned shallowly (projects directly in it or one level down), an
#: explicit folder more deeply, always within a budget of directories.
_HOME_DEPTH, _HOME_BUDGET = 2, 3000
_DEEP_DEPTH, _DEEP_BUDGET = 6, 20000


@dataclass
class _Chunk:
    kind: str  # "prompt" | "output" | "reply"
    line: int
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip("\n")


@dataclass
class _Block:
    header: str | None
    line: int
    chunks: list[_Chunk] = field(default_factory=list)


def _is_fence(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith(("```", "~~~"))


def _split(lines: list[str]) -> list[_Block]:
    """Cut the file into header blocks of prompt / output / reply chunks."""
    keeps_spaces = any(
        line.endswith("  ") and line.startswith((">", "####")) for line in lines[:20000]
    )
    blocks = [_Block(header=None, line=1)]
    mode = "none"  # none | prompt | output | multi (multi-line output) | reply
    in_fence = False
    prev_blank = True
    for number, line in enumerate(lines, 1):
        blank = not line.strip()
        chunks = blocks[-1].chunks
        header = _HEADER.match(line)
        if header and prev_blank and not (mode == "reply" and in_fence):
            blocks.append(_Block(header=header.group(1), line=number))
            mode, in_fence, prev_blank = "none", False, True
            continue
        is_prompt = line.startswith("#### ") or line.rstrip() == "####"
        if is_prompt and keeps_spaces:
            # A file cut short loses the two spaces of its last line.
            is_prompt = line.endswith("  ") or (number == len(lines) and prev_blank)
        elif is_prompt:
            is_prompt = not (mode == "reply" and in_fence)
        if mode == "multi":
            if is_prompt and prev_blank:
                mode = "none"  # an unterminated output: a new prompt ends it
            else:
                chunks[-1].lines.append(line)
                if line.endswith("  "):
                    mode = "output"
                prev_blank = blank
                continue
        if is_prompt:
            text = line[5:].rstrip() if line.startswith("#### ") else ""
            if mode == "prompt" and not prev_blank:
                chunks[-1].lines.append(text)
            else:
                chunks.append(_Chunk("prompt", number, [text]))
            mode, in_fence = "prompt", False
        elif line.startswith(">") and not (mode == "reply" and in_fence and not keeps_spaces):
            text = line[2:] if line.startswith("> ") else line[1:]
            single = line.endswith("  ") or not keeps_spaces
            if mode == "reply" and not single:
                chunks[-1].lines.append(line)  # a Markdown quote inside the reply
                if _is_fence(line):
                    in_fence = not in_fence
            else:
                if mode not in ("output", "multi") or chunks[-1].kind != "output":
                    chunks.append(_Chunk("output", number))
                chunks[-1].lines.append(text.rstrip())
                mode, in_fence = ("output" if single else "multi"), False
        elif blank and mode != "reply":
            if mode == "prompt":
                mode = "none"
        else:
            if mode != "reply":
                chunks.append(_Chunk("reply", number))
                mode, in_fence = "reply", False
            chunks[-1].lines.append(line)
            if _is_fence(line):
                in_fence = not in_fence
        prev_blank = blank
    return blocks


def _number(text: str, suffix: str) -> int | None:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    scale = {"k": 1e3, "m": 1e6}.get(suffix.lower(), 1)
    result = value * scale
    return round(result) if result < 1e15 else None


def _tokens(line: str) -> TokenUsage | None:
    """``Tokens: 3.2k sent, 1.1k cache write, 2k cache hit, 222 received. Cost: ...``"""
    match = _TOKENS.match(line)
    if not match:
        return None
    counts: dict[str, int | None] = {}
    for value, suffix, label in _COUNT.findall(match.group(1)):
        counts[label] = _number(value, suffix)
    if not counts:
        return None
    return TokenUsage(
        input_tokens=counts.get("sent"),
        output_tokens=counts.get("received"),
        cache_write_tokens=counts.get("cache write"),
        cache_read_tokens=counts.get("cache hit"),
    )


def _reply_blocks(text: str) -> list[Any]:
    """A reply, with a leading ``<think>`` block (or aider's THINKING/ANSWER) as thinking."""
    stripped = text.lstrip()
    for start, end in (("<think>", "</think>"), ("► **THINKING**", "► **ANSWER**")):
        if stripped.startswith(start) and end in stripped:
            thought, answer = stripped[len(start) :].split(end, 1)
            blocks: list[Any] = []
            if thought.strip():
                blocks.append(ThinkingBlock(text=thought.strip()))
            if answer.strip():
                blocks.append(TextBlock(text=answer.strip()))
            return blocks
    return [TextBlock(text=text)] if text.strip() else []


def _local(text: str) -> datetime | None:
    """A naive local time as written by aider, taken in this machine's zone."""
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).astimezone()
        except (ValueError, OverflowError, OSError):
            continue
    return None


def _read_input_history(path: Path) -> list[tuple[datetime, str]]:
    """``.aider.input.history``: ``# <local time>`` then ``+``-prefixed prompt lines."""
    try:
        if not path.is_file() or path.stat().st_size > (256 << 20):
            return []
        raw = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return []
    entries: list[tuple[datetime, str]] = []
    when: datetime | None = None
    lines: list[str] = []
    for line in raw.splitlines():
        match = _INPUT_TIME.match(line)
        if match:
            if when is not None:
                entries.append((when, "\n".join(lines)))
            when, lines = _local(match.group(1)), []
        elif line.startswith("+") and when is not None:
            lines.append(line[1:])
    if when is not None:
        entries.append((when, "\n".join(lines)))
    return entries


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


class _SessionBuilder:
    def __init__(self, stats: ParseStats) -> None:
        self.stats = stats
        self.messages: list[Message] = []
        self.model: str | None = None
        self.models: list[str] = []
        self.version: str | None = None
        self.cost: float | None = None
        self.prompts: list[tuple[Message, str]] = []  # (message, text typed in the input history)

    def _model_lines(self, lines: list[str]) -> None:
        for line in lines:
            match = _MODEL.match(line)
            if match:
                self.model = match.group(1).rstrip(",")
                if self.model not in self.models:
                    self.models.append(self.model)
            version = _VERSION.match(line)
            if version:
                self.version = version.group(1)

    def build(self, chunks: list[_Chunk]) -> None:
        skip_next_echo: tuple[str, str] | None = None  # (command typed, prompt it echoes)
        last: _Chunk | None = None
        for index, chunk in enumerate(chunks):
            mid = f"L{chunk.line}"
            if chunk.kind == "prompt":
                text = chunk.text.strip()
                if not text or text == "<blank>":
                    last = chunk
                    continue
                if skip_next_echo is not None and _norm(text) == _norm(skip_next_echo[1]):
                    message = Message(id=mid, role="user", content=[TextBlock(text=text)])
                    self.messages.append(message)
                    self.prompts.append((message, skip_next_echo[0]))
                    skip_next_echo = None
                    last = chunk
                    continue
                skip_next_echo = None
                echo = _ECHOING.match(text)
                following = chunks[index + 1] if index + 1 < len(chunks) else None
                if (
                    echo
                    and following is not None
                    and following.kind == "prompt"
                    and _norm(following.text) == _norm(echo.group(2))
                ):
                    skip_next_echo = (text, echo.group(2))
                    last = chunk
                    continue
                kind = "command" if text.startswith("/") or text.startswith("!") else "message"
                message = Message(id=mid, role="user", kind=kind, content=[TextBlock(text=text)])
                self.messages.append(message)
                self.prompts.append((message, text))
            elif chunk.kind == "reply":
                blocks = _reply_blocks(chunk.text)
                if blocks:
                    self.messages.append(
                        Message(id=mid, role="assistant", model=self.model, content=blocks)
                    )
            else:
                self._output(chunk, mid, after=last)
            last = chunk

    def _output(self, chunk: _Chunk, mid: str, after: _Chunk | None) -> None:
        kept: list[str] = []
        for line in chunk.lines:
            usage = _tokens(line)
            if usage is not None:
                target = self.messages[-1] if self.messages else None
                if target is not None and target.role == "assistant" and target.usage is None:
                    target.usage = usage
                cost = _COST.search(line)
                if cost:
                    with contextlib.suppress(ValueError):
                        self.cost = float(cost.group(1).replace(",", ""))
                continue
            kept.append(line)
        self._model_lines(kept)
        text = "\n".join(kept).strip("\n")
        if not text.strip():
            return
        previous = self.messages[-1] if self.messages else None
        if (
            previous is not None
            and previous.kind == "command"
            and after is not None
            and (after.kind == "prompt")
        ):
            kind = "command"
        elif _ERROR.search(text):
            kind = "error"
        else:
            kind = "event"
        self.messages.append(
            Message(id=mid, role="system", kind=kind, content=[TextBlock(text=text)])
        )

    def stamp(self, entries: list[tuple[datetime, str]]) -> None:
        """Give prompts the times of their lines in the input history, matched in order."""
        position = 0
        for message, typed in self.prompts:
            wanted = _norm(typed)
            for offset, (when, text) in enumerate(entries[position : position + 50]):
                if _norm(text) == wanted:
                    message.timestamp = when.astimezone(UTC)
                    position += offset + 1
                    break


def _git_root(folder: Path) -> Path | None:
    """The nearest folder at or above ``folder`` holding ``.git`` (a repository or a
    worktree), where aider writes its history when run anywhere inside the repository."""
    for candidate in (folder, *folder.parents):
        try:
            if (candidate / ".git").exists():
                return candidate
        except OSError:
            return None
    return None


def _histories_in(folder: Path) -> list[Path]:
    """Aider history files directly in ``folder`` (not below): its default name, and
    renamed copies (``*aider*.md``; confirmed by content when imported)."""
    found = [folder / HISTORY_NAME]
    try:
        with os.scandir(folder) as entries:
            found += sorted(
                Path(e.path)
                for e in entries
                if e.name != HISTORY_NAME
                and e.name.endswith(".md")
                and "aider" in e.name.lower()
                and e.is_file(follow_symlinks=False)
            )
    except OSError:
        pass
    return found


@register
class AiderImporter(Importer):
    """Aider's Markdown chat history, one session per launch of aider."""

    source = SOURCE
    label = "Aider"
    owns_default_locations = False

    def default_locations(self) -> list[Path]:
        """Where ``--auto`` (and the app on start) looks: aider has no central folder, it
        writes its history in the git root of the repository it ran in, else in the current
        folder. So: the home folder, two levels deep (``~/code/app/``, see `discover`); the
        history files in the current folder and in its git root, those folders only, never
        below them (launching from ``/tmp`` or ``/`` must not sweep up stray copies); and
        the file named by ``$AIDER_CHAT_HISTORY_FILE``. Any other folder is imported by
        naming it (``sessions-tui import PATH``), which searches it deeply."""
        locations = [Path.home()]
        try:
            cwd = Path.cwd()
        except OSError:  # the working directory was deleted
            cwd = None
        if cwd is not None:
            for folder in dict.fromkeys(f for f in (cwd, _git_root(cwd)) if f is not None):
                locations += _histories_in(folder)
        configured = os.environ.get("AIDER_CHAT_HISTORY_FILE")
        if configured:
            locations.append(Path(configured).expanduser())
        return locations

    def discover(self, root: Path) -> Iterator[Path]:
        if root.is_file():
            if root.name == HISTORY_NAME or self._sniff_file(root):
                yield root
            return
        try:
            is_home = root.resolve() == Path.home().resolve()
        except OSError:
            is_home = False
        depth_limit, budget = (
            (_HOME_DEPTH, _HOME_BUDGET) if is_home else (_DEEP_DEPTH, _DEEP_BUDGET)
        )
        found: list[Path] = []
        queue: list[tuple[Path, int]] = [(root, 0)]
        visited = 0
        while queue and visited < budget:
            folder, depth = queue.pop(0)
            visited += 1
            try:
                with os.scandir(folder) as entries:
                    listing = sorted(entries, key=lambda e: e.name)
            except OSError:
                continue
            for entry in listing:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if (
                            depth < depth_limit
                            and not entry.name.startswith(".")
                            and entry.name not in _SKIP_DIRS
                        ):
                            queue.append((Path(entry.path), depth + 1))
                    elif entry.is_file(follow_symlinks=False):
                        name = entry.name
                        if name == HISTORY_NAME or (
                            name.endswith(".md")
                            and "aider" in name.lower()
                            and self._sniff_file(Path(entry.path))
                        ):
                            found.append(Path(entry.path))
                except OSError:
                    continue
        yield from found

    def _sniff_file(self, path: Path) -> bool:
        try:
            with path.open("rb") as handle:
                return self.sniff(path, handle.read(4096))
        except OSError:
            return False

    def sniff(self, path: Path, head: bytes) -> bool:
        return _SNIFF.search(head[:65536]) is not None

    def parse(self, path: Path, stats: ParseStats) -> Iterator[Session]:
        yield from whole_file(path, lambda: self._parse(path, stats))

    def _parse(self, path: Path, stats: ParseStats) -> list[Session]:
        data = read_bytes(path)
        text = data.decode("utf-8", "replace")
        if "\ufffd" in text and b"\xef\xbf\xbd" not in data:
            stats.bad(str(path), "invalid UTF-8 replaced by U+FFFD")
        if "\x00" in text:
            text = text.replace("\x00", "\ufffd")
        lines = [line.rstrip("\r") for line in text.split("\n")]
        blocks = _split(lines)
        if not any(block.header for block in blocks) and not _SNIFF.search(data[:65536]):
            raise ImporterError(path, "not an aider chat history: no '# aider chat started at'")
        folder = str(path.absolute().parent)
        entries = _read_input_history(path.parent / INPUT_HISTORY_NAME)
        seen: dict[str, int] = {}
        sessions: list[Session] = []
        headers = [b for b in blocks if b.header]
        for block in blocks:
            if block.header is None:
                if block.chunks:
                    stats.skipped_types["text before the first session header"] += 1
                continue
            occurrence = seen.get(block.header, 0)
            seen[block.header] = occurrence + 1
            started = _local(block.header)
            later = [b for b in headers if b.line > block.line]
            ends = _local(later[0].header) if later and later[0].header else None
            window = [
                (when, text)
                for when, text in entries
                if started is None or (when >= started and (ends is None or when < ends))
            ]
            session = self._session(path, folder, block, occurrence, started, window, stats)
            if session is not None:
                sessions.append(session)
        return sessions

    def _session(
        self,
        path: Path,
        folder: str,
        block: _Block,
        occurrence: int,
        started: datetime | None,
        entries: list[tuple[datetime, str]],
        stats: ParseStats,
    ) -> Session | None:
        builder = _SessionBuilder(stats)
        builder.build(block.chunks)
        if not builder.messages:
            stats.skipped_types["empty aider session"] += 1
            return None
        builder.stamp(entries)
        header = block.header or ""
        key = f"{folder}\0{header}\0{occurrence}"
        digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        compact = re.sub(r"\D", "", header)[:14]
        source_id = f"{compact}-{digest}"
        created = started or file_time(path)
        times = [m.timestamp for m in builder.messages if m.timestamp is not None]
        # No prompt (a launch that only ran commands): the first command.
        title = prompt_title(builder.messages) or next(
            (cut_title(m.text) for m in builder.messages if m.role == "user"), ""
        )
        extra: dict[str, Any] = {"started_local": header}
        if builder.version:
            extra["aider_version"] = builder.version
        if builder.cost is not None:
            extra["cost_usd"] = builder.cost
        usages = [m.usage for m in builder.messages if m.usage is not None]
        return Session(
            id=safe_session_id(SOURCE, source_id),
            title=title,
            source=SOURCE,
            source_ref=SourceRef(path=str(path), id=header),
            models=builder.models,
            project=folder,
            created=created,
            updated=max([created, *times]),
            usage=sum_usage(usages),
            extra=extra,
            messages=builder.messages,
        )
