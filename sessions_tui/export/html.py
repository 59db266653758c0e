"""Render sessions as one self-contained HTML page: inline CSS, no scripts, no external assets.

Every piece of session text is HTML-escaped; Markdown is *not* interpreted (a link or an image
in a transcript would be an external reference, and an ``<img>`` a tracking pixel), except that
fenced code blocks become ``<pre>`` blocks so code stays readable. A Content-Security-Policy
meta tag forbids every load except the inline style, as a second line of defence. Tool calls,
tool results and reasoning fold away in ``<details>``, which needs no JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape
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
from ..safety import visible_controls
from .render import ROLE_LABELS, format_tool_input, heading_title

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$")

CSS = """
:root { color-scheme: light dark; --bg: #fbfbfa; --fg: #1d1f21; --muted: #6b6f76;
  --card: #ffffff; --border: #e3e3e0; --user: #2563eb; --assistant: #7c3aed; --tool: #0f766e;
  --error: #b91c1c; --code-bg: #f3f3f1; }
@media (prefers-color-scheme: dark) { :root { --bg: #16181c; --fg: #e6e6e6; --muted: #9aa0a6;
  --card: #1e2127; --border: #30343b; --user: #7aa7ff; --assistant: #b69cff; --tool: #5cc8b8;
  --error: #ff8080; --code-bg: #12141a; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.55 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem 4rem; }
nav.toc { border: 1px solid var(--border); border-radius: 8px; padding: .5rem 1rem;
  margin-bottom: 2rem; background: var(--card); }
nav.toc ol { margin: .25rem 0; padding-left: 1.5rem; }
nav.toc a { color: inherit; }
article.session { margin-bottom: 3rem; }
article.session > header h1 { font-size: 1.5rem; margin: 0 0 .5rem; overflow-wrap: anywhere; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem;
  color: var(--muted); font-size: .85rem; margin: 0 0 1.5rem; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; overflow-wrap: anywhere; }
section.msg { background: var(--card); border: 1px solid var(--border);
  border-left: 4px solid var(--muted); border-radius: 6px; padding: .5rem 1rem;
  margin: .75rem 0; }
section.msg.user { border-left-color: var(--user); }
section.msg.assistant { border-left-color: var(--assistant); }
section.msg.tool, section.msg.system { border-left-color: var(--tool); }
section.msg.alternate { opacity: .7; border-style: dashed; }
section.msg > h2 { font-size: .8rem; font-weight: 600; color: var(--muted); margin: 0 0 .25rem;
  text-transform: none; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; margin: .4rem 0; }
pre { background: var(--code-bg); border: 1px solid var(--border); border-radius: 4px;
  padding: .5rem .75rem; overflow-x: auto; font-size: .85rem; line-height: 1.4; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
details { margin: .4rem 0; border: 1px solid var(--border); border-radius: 4px;
  padding: .2rem .6rem; }
details > summary { cursor: pointer; color: var(--tool); font-size: .85rem; }
details.thinking > summary { color: var(--muted); font-style: italic; }
details.error > summary { color: var(--error); }
footer.generator { color: var(--muted); font-size: .75rem; text-align: center; }
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'"


def _e(text: str) -> str:
    """Escape for element content and attribute values, control characters made visible."""
    return escape(visible_controls(text), quote=True)


def _anchor(session_id: str) -> str:
    return "s-" + session_id  # ids use a safe alphabet: [A-Za-z0-9_.-]


def text_html(text: str) -> str:
    """Plain text with fenced code blocks as ``<pre>``; everything escaped."""
    out: list[str] = []
    prose: list[str] = []
    code: list[str] = []
    fence: str | None = None
    lang = ""

    def flush_prose() -> None:
        body = "\n".join(prose).strip("\n")
        if body.strip():
            out.append(f'<div class="text">{_e(body)}</div>')
        prose.clear()

    for line in text.split("\n"):
        if fence is None:
            match = _FENCE.match(line)
            if match:
                flush_prose()
                fence, lang = match.group(1), match.group(2)
                continue
            prose.append(line)
        elif line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
            cls = f' class="language-{_e(lang)}"' if lang else ""
            out.append(f"<pre><code{cls}>{_e(chr(10).join(code))}</code></pre>")
            code.clear()
            fence = None
        else:
            code.append(line)
    if fence is not None:  # an unclosed fence: show what there is as code
        out.append(f"<pre><code>{_e(chr(10).join(code))}</code></pre>")
    flush_prose()
    return "\n".join(out)


def _pre(text: str) -> str:
    return f"<pre><code>{_e(text)}</code></pre>"


def block_html(block: Any) -> str:
    if isinstance(block, TextBlock):
        return text_html(block.text)
    if isinstance(block, ThinkingBlock):
        return (
            '<details class="thinking"><summary>Thinking</summary>'
            f"{text_html(block.text)}</details>"
        )
    if isinstance(block, ToolCallBlock):
        return (
            f'<details class="tool-call"><summary>Tool call <code>{_e(block.name)}</code>'
            f"</summary>{_pre(format_tool_input(block.input))}</details>"
        )
    if isinstance(block, ToolResultBlock):
        label = "Tool error" if block.is_error else "Tool result"
        name = f" <code>{_e(block.name)}</code>" if block.name else ""
        cls = "tool-result error" if block.is_error else "tool-result"
        lines = block.output.count("\n") + 1 if block.output else 0
        size = f" · {lines} line{'s' if lines != 1 else ''}" if lines else " · empty"
        return (
            f'<details class="{cls}"><summary>{label}{name}{size}</summary>'
            f"{_pre(block.output)}</details>"
        )
    if isinstance(block, AttachmentBlock):
        label = _e(block.name or block.uri or "(unnamed)")
        mime = f" ({_e(block.mime_type)})" if block.mime_type else ""
        if block.text:
            return (
                f'<details class="attachment"><summary>Attachment {label}{mime}</summary>'
                f"{_pre(block.text)}</details>"
            )
        return f'<div class="attachment">Attachment {label}{mime}</div>'
    return ""


def message_html(message: Message) -> str:
    label = ROLE_LABELS.get(message.role, message.role)
    if message.kind != "message":
        label += f" ({message.kind})"
    bits = [_e(label)]
    if message.model:
        bits.append(_e(message.model))
    if message.timestamp:
        stamp = message.timestamp.strftime("%Y-%m-%d %H:%M:%S UTC")
        bits.append(f'<time datetime="{message.timestamp.isoformat()}">{stamp}</time>')
    classes = f"msg {message.role}" + (" alternate" if message.alternate else "")
    body = "\n".join(filter(None, (block_html(b) for b in message.content)))
    return f'<section class="{_e(classes)}">\n<h2>{" · ".join(bits)}</h2>\n{body}\n</section>'


def session_html(session: Session, *, include_alternates: bool = False) -> str:
    """One ``<article>`` for a session (the page wrapper is `page_start`/`page_end`)."""
    title = heading_title(session)
    meta = [
        ("Source", session.source),
        ("Models", ", ".join(session.models)),
        ("Project", session.project or ""),
        ("Branch", session.git_branch or ""),
        ("Created", session.created.strftime("%Y-%m-%d %H:%M UTC")),
        ("Updated", session.updated.strftime("%Y-%m-%d %H:%M UTC")),
        ("Messages", str(session.message_count)),
        ("Session", session.id),
    ]
    rows = "".join(f"<dt>{k}</dt><dd>{_e(v)}</dd>" for k, v in meta if v)
    messages = session.messages if include_alternates else session.transcript
    body = "\n".join(message_html(m) for m in messages)
    return (
        f'<article class="session" id="{_anchor(session.id)}">\n'
        f'<header><h1>{_e(title)}</h1><dl class="meta">{rows}</dl></header>\n'
        f"{body}\n</article>\n"
    )


def page_start(title: str, toc: Iterable[tuple[str, str]] = ()) -> str:
    """The document head and, for several sessions, a table of contents of (id, title)."""
    entries = list(toc)
    nav = ""
    if len(entries) > 1:
        items = "".join(
            f'<li><a href="#{_anchor(sid)}">{_e(" ".join(t.split()) or "(untitled)")}</a></li>'
            for sid, t in entries
        )
        nav = f'<nav class="toc"><strong>{len(entries)} sessions</strong><ol>{items}</ol></nav>\n'
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="sessions-tui">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_e(' '.join(title.split()))}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n{nav}"
    )


def page_end() -> str:
    return (
        '</main>\n<footer class="generator">Exported with sessions-tui</footer>\n</body>\n</html>\n'
    )


def to_html(session: Session, *, include_alternates: bool = False) -> str:
    """A complete page for one session."""
    return (
        page_start(heading_title(session))
        + session_html(session, include_alternates=include_alternates)
        + page_end()
    )
