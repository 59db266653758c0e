"""Laying out one transcript entry (the session header or a message) as lines of a width.

Kept apart from the widget so the rules of what is shown (roles, collapsed tool blocks, dimmed
thinking, truncated output) read in one place. Every string from a session goes through
`visible_controls` and into `Text(...)` or Rich's Markdown with hyperlinks off: session text is
never parsed as Textual/Rich markup and no escape sequence of it can reach the terminal.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Literal

from rich.console import Console, RenderableType
from rich.markdown import Markdown
from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax
from rich.text import Text
from rich.theme import Theme as RichTheme
from textual.strip import Strip

from ...models import (
    AttachmentBlock,
    Message,
    Session,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
    ToolResultBlock,
)
from ...safety import visible_controls
from ...store.metaindex import display_title
from ..formatting import human_size, one_line

ToolMode = Literal["hidden", "truncated", "full"]
TOOL_MODES: tuple[ToolMode, ...] = ("hidden", "truncated", "full")
TRUNCATED_LINES = 12
#: Even "full" stops here: a 1 MB tool output is for the pager, not for scrolling.
FULL_LIMIT = 3000


@dataclass(slots=True)
class Styles:
    """Rich styles for the parts of a transcript, read from the widget's component classes."""

    user: Style = field(default_factory=Style)
    assistant: Style = field(default_factory=Style)
    system: Style = field(default_factory=Style)
    tool: Style = field(default_factory=Style)
    error: Style = field(default_factory=Style)
    dim: Style = field(default_factory=Style)
    thinking: Style = field(default_factory=Style)
    meta: Style = field(default_factory=Style)
    title: Style = field(default_factory=Style)
    code_theme: str = "monokai"
    #: The pane's background, behind highlighted tool input ("default" would be the
    #: terminal's own background, not the theme's).
    background: str = "default"
    #: Rich's Markdown styles (``markdown.code``, ...) in the app theme's colours, in place of
    #: Rich's fixed defaults (``bold cyan on black`` inline code is unreadable on a light theme).
    markdown: dict[str, Style] = field(default_factory=dict)


@dataclass(slots=True)
class Options:
    tool_mode: ToolMode = "hidden"
    show_thinking: bool = False
    #: Blocks the user toggled by hand: (entry, block index).
    toggled: set[tuple[int, int]] = field(default_factory=set)
    tz: tzinfo | None = None


@dataclass(slots=True)
class Laid:
    """An entry laid out: its lines and which lines are headers of collapsible blocks."""

    lines: list[Strip]
    toggles: dict[int, int] = field(default_factory=dict)  # line -> block index
    #: Block index -> whether it shows open: what Enter on the message goes by.
    open_blocks: dict[int, bool] = field(default_factory=dict)


def safe(text: str | None) -> str:
    return visible_controls(text or "")


def when(ts: datetime | None, tz: tzinfo | None) -> str:
    if ts is None:
        return ""
    return ts.astimezone(tz).strftime("%Y-%m-%d %H:%M")


ROLE_NAMES = {"user": "You", "assistant": "Assistant", "system": "System", "tool": "Tool"}


def estimate(message: Message, width: int) -> int:
    """A cheap guess of a message's height, used until it is laid out for real."""
    width = max(20, width)
    lines = 0 if message.role == "tool" else 1
    for block in message.content:
        if isinstance(block, TextBlock):
            for line in block.text.split("\n"):
                lines += 1 + len(line) // width
            lines += block.text.count("```")
        else:
            lines += 1
    return lines + 1


class Layout:
    """Renders entries with a console; one instance per (width, styles, options) generation."""

    def __init__(self, console: Console, width: int, styles: Styles, options: Options) -> None:
        self.console = console
        self.width = max(10, width)
        self.styles = styles
        self.options = options
        self._render_options = console.options.update(
            width=self.width, min_width=self.width, max_width=self.width, highlight=False
        )
        self._theme = RichTheme(styles.markdown, inherit=True)

    # -- primitives -------------------------------------------------------------------

    def render(
        self, renderable: RenderableType, indent: int = 0, style: Style | None = None
    ) -> list[Strip]:
        options = self._render_options.update_width(self.width - indent)
        with self.console.use_theme(self._theme):
            lines = self.console.render_lines(renderable, options, style=style, pad=False)
        pad = [Segment(" " * indent)] if indent else []
        return [Strip([*pad, *line]) for line in lines]

    def text(self, text: Text, indent: int = 0) -> list[Strip]:
        return self.render(text, indent)

    # -- entries ---------------------------------------------------------------------

    def session_header(self, session: Session, resume: str | None) -> Laid:
        s = self.styles
        title = Text(safe(display_title(session, 300)), style=s.title)
        meta = Text(style=s.meta)
        bits = [session.source, ", ".join(session.models)]
        bits += [
            session.project or "",
            (session.git_branch and f"branch {session.git_branch}") or "",
        ]
        meta.append(" · ".join(safe(b) for b in bits if b))
        info = Text(style=s.dim)
        info.append(
            f"{len(session.transcript):,} messages · {when(session.created, self.options.tz)}"
            f" → {when(session.updated, self.options.tz)} · {safe(session.id)}"
        )
        lines = self.text(title) + self.text(meta) + self.text(info)
        if session.tags or session.starred:
            tags = Text(style=s.meta)
            if session.starred:
                tags.append("★ starred  ")
            tags.append("  ".join("#" + safe(t) for t in session.tags))
            lines += self.text(tags)
        if resume:
            lines += self.text(Text.assemble(("resume: ", s.dim), (safe(resume), s.meta)))
        lines.append(Strip.blank(self.width))
        return Laid(lines)

    def message(self, entry: int, message: Message) -> Laid:
        s = self.styles
        laid = Laid([])
        lines = laid.lines
        role_style = {
            "user": s.user,
            "assistant": s.assistant,
            "system": s.system,
            "tool": s.tool,
        }.get(message.role, s.system)
        if message.role != "tool":
            head = Text(no_wrap=True, overflow="ellipsis")
            name = ROLE_NAMES.get(message.role, message.role)
            if message.kind != "message":
                name += f" ({message.kind})"
            head.append(name, role_style)
            if message.model:
                head.append(f" · {safe(message.model)}", s.dim)
            stamp = when(message.timestamp, self.options.tz)
            if stamp:
                head.append(f" · {stamp}", s.dim)
            if message.has_error:
                head.append("  ✗ error", s.error)
            lines += self.text(head)
        for index, block in enumerate(message.content):
            toggled = (entry, index) in self.options.toggled
            if isinstance(block, TextBlock):
                body = safe(block.text)
                if message.role == "assistant":
                    lines += self.render(
                        Markdown(body, code_theme=s.code_theme, hyperlinks=False), indent=0
                    )
                else:
                    style = s.error if message.kind == "error" else None
                    lines += self.text(Text(body, style=style or ""))
            elif isinstance(block, ThinkingBlock):
                shown = self.options.show_thinking != toggled
                n = block.text.count("\n") + 1
                laid.toggles[len(lines)] = index
                laid.open_blocks[index] = shown
                marker = "▾" if shown else "▸"
                lines += self.text(
                    Text(
                        f"{marker} Thinking ({n} line{'' if n == 1 else 's'})",
                        style=s.thinking,
                        no_wrap=True,
                    )
                )
                if shown:
                    lines += self.text(Text(safe(block.text), style=s.thinking), indent=2)
            elif isinstance(block, ToolCallBlock):
                mode = self._tool_mode(toggled)
                laid.toggles[len(lines)] = index
                laid.open_blocks[index] = mode != "hidden"
                marker = "▸" if mode == "hidden" else "▾"
                head = Text(no_wrap=True, overflow="ellipsis")
                head.append(f"{marker} ⚙ {safe(block.name)}", s.tool)
                head.append("  " + one_line(_summary(block.input), 200), s.dim)
                lines += self.text(head)
                if mode != "hidden":
                    shown: list[Strip] = []
                    for text, lexer in tool_input_sections(block.input):
                        syntax = Syntax(
                            visible_controls(text),
                            lexer,
                            theme=s.code_theme,
                            word_wrap=True,
                            background_color=s.background,
                        )
                        shown += self.render(syntax, indent=2)
                    lines += self._limited(shown, mode)
            elif isinstance(block, ToolResultBlock):
                mode = self._tool_mode(toggled)
                laid.toggles[len(lines)] = index
                laid.open_blocks[index] = mode != "hidden"
                marker = "▸" if mode == "hidden" else "▾"
                n = block.output.count("\n") + 1 if block.output else 0
                style = s.error if block.is_error else s.tool
                label = "✗ error" if block.is_error else "✓ result"
                head = Text(no_wrap=True, overflow="ellipsis")
                head.append(f"{marker} {label}", style)
                if block.name:
                    head.append(f" · {safe(block.name)}", s.dim)
                head.append(f" · {n} line{'s' if n != 1 else ''}", s.dim)
                if mode == "hidden" and block.output:
                    head.append("  " + one_line(block.output, 200), s.dim)
                lines += self.text(head)
                if mode == "full":
                    body_style = s.error if block.is_error else Style()
                    lines += self._limited(
                        self.text(Text(safe(block.output), style=body_style), indent=2), mode
                    )
                elif mode == "truncated":
                    lines += self._output_head(block.output, s.error if block.is_error else Style())
            elif isinstance(block, AttachmentBlock):
                label = safe(block.name or block.uri or "(unnamed)")
                info = ", ".join(
                    x for x in (block.mime_type, block.size and human_size(block.size)) if x
                )
                laid.toggles[len(lines)] = index
                laid.open_blocks[index] = toggled
                lines += self.text(
                    Text(
                        f"{'▾' if toggled else '▸'} 📎 {label}" + (f" ({info})" if info else ""),
                        style=s.meta,
                    )
                )
                if toggled and block.text:
                    lines += self.text(Text(safe(block.text)), indent=2)
        lines.append(Strip.blank(self.width))
        return laid

    def _tool_mode(self, toggled: bool) -> ToolMode:
        return _mode(self.options, toggled)

    def _limited(self, lines: list[Strip], mode: ToolMode) -> list[Strip]:
        """At most the mode's number of screen lines, with a note of how many more there are."""
        limit = TRUNCATED_LINES if mode == "truncated" else FULL_LIMIT
        if len(lines) <= limit:
            return lines
        return lines[:limit] + self._more_note(len(lines) - limit)

    def _output_head(self, output: str, style: Style) -> list[Strip]:
        """The first output lines that fit in `TRUNCATED_LINES` screen lines, and a note
        counting the output lines not shown (only those lines are ever wrapped)."""
        source = output.split("\n")
        shown: list[Strip] = []
        used = 0
        for line in source[: TRUNCATED_LINES + 1]:
            wrapped = self.text(Text(safe(line), style=style), indent=2)
            if len(shown) + len(wrapped) > TRUNCATED_LINES:
                if not shown:  # one very long line: show its start
                    shown, used = wrapped[:TRUNCATED_LINES], 1
                break
            shown += wrapped
            used += 1
        if used < len(source):
            shown += self._more_note(len(source) - used)
        return shown

    def _more_note(self, more: int) -> list[Strip]:
        text = f"  … {more:,} more line{'s' if more != 1 else ''} (t: cycle tool output, v: pager)"
        return self.text(Text(text, style=self.styles.dim))


#: Tool-input keys holding a shell command (Claude Code's Bash, Codex's shell, Gemini's
#: run_shell_command): shown as the command itself, not as a JSON string with ``\n`` in it.
_COMMAND_KEYS = ("command", "cmd")
_SHELLS = ("bash", "sh", "zsh", "/bin/bash", "/bin/sh", "/bin/zsh")


def shell_command(value: object) -> str | None:
    """A command given as a string, or as argv (``["bash", "-lc", SCRIPT]`` -> SCRIPT)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        if len(value) == 3 and value[0] in _SHELLS and value[1] in ("-c", "-lc"):
            return value[2]
        return shlex.join(value)
    return None


def tool_input_sections(value: object) -> list[tuple[str, str]]:
    """A tool call's input as readable (text, lexer) sections: the shell command as shell,
    the other arguments as ``key: value`` lines (multi-line strings as indented blocks)."""
    if isinstance(value, str):
        return [(value, "text")]
    if not isinstance(value, dict):
        return [(json.dumps(value, ensure_ascii=False, indent=2, default=str), "json")]
    sections: list[tuple[str, str]] = []
    rest: list[str] = []
    for key, item in value.items():
        command = shell_command(item) if key in _COMMAND_KEYS else None
        if command is not None:
            sections.append((command, "bash"))
        elif isinstance(item, str) and "\n" in item:
            rest.append(f"{key}: |")
            rest += ["  " + line for line in item.splitlines()]
        elif isinstance(item, str):
            rest.append(f"{key}: {item}")
        else:
            rest.append(f"{key}: {json.dumps(item, ensure_ascii=False, default=str)}")
    if rest:
        sections.append(("\n".join(rest), "yaml"))
    return sections or [("{}", "json")]


def tool_input_text(value: object) -> str:
    return "\n".join(text for text, _lexer in tool_input_sections(value))


def header_text(session: Session, resume: str | None) -> str:
    """The words of the session header, as `Layout.session_header` shows them."""
    bits = [display_title(session, 300), session.source, ", ".join(session.models)]
    bits += [session.project or "", session.git_branch or "", session.id, *session.tags]
    return "\n".join([*bits, resume or ""])


def visible_text(entry: int, message: Message, options: Options) -> str:
    """The text `Layout.message` shows of ``message`` under ``options`` (before Markdown is
    rendered): what a find or a hit count may match, without laying the message out."""
    parts = [ROLE_NAMES.get(message.role, message.role), message.model or ""]
    for index, block in enumerate(message.content):
        toggled = (entry, index) in options.toggled
        if isinstance(block, TextBlock):
            parts.append(block.text)
        elif isinstance(block, ThinkingBlock):
            parts.append("Thinking")
            if options.show_thinking != toggled:
                parts.append(block.text)
        elif isinstance(block, ToolCallBlock):
            parts += [block.name, _summary(block.input)]
            if _mode(options, toggled) != "hidden":
                parts.append(tool_input_text(block.input))
        elif isinstance(block, ToolResultBlock):
            mode = _mode(options, toggled)
            parts.append(block.name or "")
            if mode == "hidden":
                parts.append(one_line(block.output, 200))
            elif mode == "truncated":
                parts.append(_head(block.output, TRUNCATED_LINES + 1))
            else:
                parts.append(block.output)
        elif isinstance(block, AttachmentBlock):
            parts += [block.name or block.uri or "", block.text if toggled and block.text else ""]
    return "\n".join(p for p in parts if p)


def _mode(options: Options, toggled: bool) -> ToolMode:
    if toggled:
        return "full" if options.tool_mode == "hidden" else "hidden"
    return options.tool_mode


def _head(text: str, n: int) -> str:
    parts = text.split("\n", n)
    return "\n".join(parts[:n])


def _summary(value: object) -> str:
    """A one-line gist of a tool input: the command, the path or the first value."""
    if isinstance(value, dict):
        for key in _COMMAND_KEYS:
            command = shell_command(value.get(key))
            if command is not None:
                return command
        for key in ("file_path", "absolute_path", "pattern", "query", "url", "path"):
            if key in value:
                return str(value[key])
        return ", ".join(f"{k}={v}" for k, v in list(value.items())[:3])
    return str(value) if value is not None else ""
