"""Deterministic generator of realistic sessions: the demo store, test fixtures and benchmarks.

`demo_sessions()` is a fixed, hand-shaped set of sessions from every supported tool (tool calls
and their results, errors, thinking, an edited ChatGPT branch, a subagent, CJK text, code).
`generate_sessions(n, seed)` scales the same material to any size with a long-tail distribution
of session lengths, for benchmarks. Both use only a seeded `random.Random`: no clock, no network.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from .models import (
    AttachmentBlock,
    Message,
    Session,
    SourceRef,
    TextBlock,
    ThinkingBlock,
    TokenUsage,
    ToolCallBlock,
    ToolResultBlock,
)

#: Every generated timestamp counts back from here, so demo output is stable across days.
BASE_TIME = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)

_PROJECTS = [
    "/home/ana/src/payments-api",
    "/home/ana/src/sessions-tui",
    "/home/ana/src/infra",
    "/home/ana/src/blog",
    "/home/ana/src/ml-notebooks",
    "/home/ana/work/mobile-app",
]

_MODELS = {
    "claude-code": ["claude-sonnet-4-5-20250929", "claude-opus-4-6", "claude-haiku-4-5-20251001"],
    "codex-cli": ["gpt-5.4", "gpt-5.2-codex"],
    "gemini-cli": ["gemini-2.5-pro", "gemini-2.5-flash"],
    "aider": ["gpt-4o", "claude-sonnet-4-5"],
    "chatgpt": ["gpt-4o", "o3-mini-high", "gpt-4o-mini"],
    "claude-ai": [],
}

_TOPICS = [
    ("Fix flaky retry test in payments client", "payments-api", "retry_with_backoff"),
    ("Add zstd compression to the session store", "sessions-tui", "atomic_write"),
    ("Terraform plan fails on the RDS module", "infra", "aws_db_instance"),
    ("Migrate blog from Jekyll to Astro", "blog", "astro.config.mjs"),
    ("Why is my pandas groupby so slow?", "ml-notebooks", "groupby_apply"),
    ("Crash on Android 14 when opening camera", "mobile-app", "CameraActivity"),
    ("Parse ISO timestamps without dateutil", "sessions-tui", "parse_timestamp"),
    ("Rate limiter returns 429 under light load", "payments-api", "TokenBucket"),
    ("Kubernetes pod stuck in CrashLoopBackOff", "infra", "readinessProbe"),
    ("Write a GitHub Action that caches uv", "sessions-tui", "setup-uv"),
    ("Explain the borrow checker error E0502", "ml-notebooks", "E0502"),
    ("Speed up the SQLite listing query", "sessions-tui", "sessions_updated"),
]

_PROSE = [
    "Let me look at how the {ident} path handles this before changing anything.",
    "The failure only shows up when two requests race on the same key, so the fix belongs in "
    "{ident} rather than in the caller.",
    "I ran the test suite again: 148 passed, 2 failed, both in the integration tests that hit "
    "the sandbox API.",
    "The simplest safe change is to make {ident} idempotent and retry with jittered backoff.",
    "This keeps the public interface unchanged; only the internals of {ident} move.",
    "Checking the logs shows the timeout is hit after exactly 30 seconds, which is the default "
    "of the HTTP client, not ours.",
    "我们需要先确认缓存是否失效，然后再检查 {ident} 的并发行为。",
    "設定ファイルを読み込む前に {ident} を初期化してください。",
]

_CODE = [
    "def {ident}(attempts: int = 5) -> None:\n    for n in range(attempts):\n"
    "        try:\n            return call()\n        except Timeout:\n"
    "            time.sleep(min(2 ** n, 30) * random.random())\n    raise GiveUp()\n",
    "SELECT id, title FROM sessions\nWHERE updated > :since\nORDER BY updated DESC\nLIMIT 100;\n",
    'resource "aws_db_instance" "main" {{\n  engine         = "postgres"\n'
    '  instance_class = "db.t4g.medium"\n}}\n',
    "const config = defineConfig({{\n  site: 'https://example.org',\n"
    "  integrations: [mdx()],\n}});\n",
]

_ERRORS = [
    'Traceback (most recent call last):\n  File "src/store/atomic.py", line 42, in atomic_write\n'
    "    os.replace(tmp, target)\nOSError: [Errno 28] No space left on device",
    "error[E0502]: cannot borrow `v` as mutable because it is also borrowed as immutable",
    "FAILED tests/test_client.py::test_retry_after_timeout - "
    "AssertionError: expected 3 calls, got 4",
    "Error: Process completed with exit code 1.",
]


def _ts(rng: random.Random, days_back: float) -> datetime:
    return BASE_TIME - timedelta(days=days_back, seconds=rng.randint(0, 3600))


def _fill(template: str, ident: str) -> str:
    return template.format(ident=ident)


def _turns(
    rng: random.Random,
    source: str,
    ident: str,
    n_turns: int,
    start: datetime,
    model: str | None,
    *,
    tools: bool,
    thinking: bool,
) -> list[Message]:
    messages: list[Message] = []
    t = start
    parent: str | None = None
    for turn in range(n_turns):
        t += timedelta(seconds=rng.randint(20, 400))
        prompt = rng.choice(
            [
                f"Can you look at {ident}? " + _fill(rng.choice(_PROSE), ident),
                f"The test for {ident} is failing again, here is the output:\n\n"
                + rng.choice(_ERRORS),
                f"Now make {ident} handle the empty case too.",
                f"Summarise what we changed in {ident} so far.",
            ]
        )
        mid = f"m{len(messages):05d}"
        messages.append(
            Message(
                id=mid, parent_id=parent, role="user", timestamp=t, content=[TextBlock(text=prompt)]
            )
        )
        parent = mid
        blocks: list = []
        if thinking:
            blocks.append(
                ThinkingBlock(
                    text=f"The user wants {ident} fixed. " + _fill(rng.choice(_PROSE), ident)
                )
            )
        if tools and rng.random() < 0.7:
            call_id = f"call_{turn}_{rng.randint(1000, 9999)}"
            tool = rng.choice(["Bash", "Read", "Edit", "Grep"])
            args = (
                {"command": f"pytest -k {ident} -q"}
                if tool == "Bash"
                else {"file_path": f"src/{ident.lower()}.py"}
            )
            blocks.append(ToolCallBlock(id=call_id, name=tool, input=args))
            t += timedelta(seconds=rng.randint(1, 30))
            amid = f"m{len(messages):05d}"
            messages.append(
                Message(
                    id=amid,
                    parent_id=parent,
                    role="assistant",
                    timestamp=t,
                    model=model,
                    content=blocks,
                )
            )
            parent = amid
            failed = rng.random() < 0.2
            output = rng.choice(_ERRORS) if failed else _fill(rng.choice(_CODE), ident)
            rmid = f"m{len(messages):05d}"
            messages.append(
                Message(
                    id=rmid,
                    parent_id=parent,
                    role="tool",
                    timestamp=t,
                    content=[
                        ToolResultBlock(call_id=call_id, name=tool, output=output, is_error=failed)
                    ],
                )
            )
            parent = rmid
            blocks = []
        answer = _fill(rng.choice(_PROSE), ident)
        if rng.random() < 0.5:
            answer += "\n\n```python\n" + _fill(rng.choice(_CODE), ident) + "```\n"
        blocks.append(TextBlock(text=answer))
        t += timedelta(seconds=rng.randint(2, 90))
        amid = f"m{len(messages):05d}"
        messages.append(
            Message(
                id=amid,
                parent_id=parent,
                role="assistant",
                timestamp=t,
                model=model,
                content=blocks,
                usage=TokenUsage(
                    input_tokens=rng.randint(800, 9000), output_tokens=rng.randint(50, 1500)
                ),
            )
        )
        parent = amid
    return messages


def _session(
    rng: random.Random, index: int, source: str, n_turns: int, days_back: float
) -> Session:
    title, project_name, ident = _TOPICS[index % len(_TOPICS)]
    project = next(p for p in _PROJECTS if p.endswith(project_name))
    models = _MODELS[source]
    model = rng.choice(models) if models else None
    start = _ts(rng, days_back)
    messages = _turns(
        rng,
        source,
        ident,
        n_turns,
        start,
        model,
        tools=source in ("claude-code", "codex-cli", "gemini-cli", "claude-ai"),
        thinking=source in ("claude-code", "claude-ai"),
    )
    source_id = f"{index:08x}-{rng.randint(0, 0xFFFF):04x}-4000-8000-{rng.getrandbits(48):012x}"
    usage = TokenUsage(
        input_tokens=sum(m.usage.input_tokens or 0 for m in messages if m.usage),
        output_tokens=sum(m.usage.output_tokens or 0 for m in messages if m.usage),
    )
    return Session(
        id=f"{source}-{source_id}",
        title=title if source != "aider" else "",
        source=source,
        source_ref=SourceRef(path=f"~/.{source}/sessions/{source_id}.jsonl", id=source_id),
        models=[model] if model else [],
        project=project if source not in ("chatgpt", "claude-ai") else None,
        git_branch="main" if source in ("claude-code", "codex-cli") else None,
        created=messages[0].timestamp or start,
        updated=messages[-1].timestamp or start,
        usage=usage,
        messages=messages,
    )


def demo_sessions() -> list[Session]:
    """The demo store's sessions: every tool, a few special cases, stable content."""
    rng = random.Random(20261120)
    sources = ["claude-code", "codex-cli", "gemini-cli", "aider", "chatgpt", "claude-ai"]
    sessions = [
        _session(rng, i, sources[i % len(sources)], n_turns=rng.randint(2, 9), days_back=i * 1.7)
        for i in range(36)
    ]
    sessions[0].starred = True
    sessions[0].tags = ["keep", "payments"]
    sessions[7].tags = ["keep"]
    sessions[13].starred = True

    # A ChatGPT conversation where the user edited a prompt: the old branch is kept.
    chat = next(s for s in sessions if s.source == "chatgpt")
    first = chat.messages[0]
    chat.messages.insert(
        1,
        Message(
            id="m-edited",
            parent_id=first.parent_id,
            role="user",
            timestamp=first.timestamp,
            alternate=True,
            content=[TextBlock(text="(earlier wording) " + first.text)],
        ),
    )

    # A Claude Code subagent linked to its parent.
    parent = next(s for s in sessions if s.source == "claude-code")
    sub = _session(rng, 3, "claude-code", n_turns=2, days_back=0.5)
    sub.id = parent.id + "-agent-a1b2c3d"
    sub.title = "Explore: find every caller of retry_with_backoff"
    sub.parent_session_id = parent.id
    sub.extra = {"agentType": "Explore"}
    sessions.append(sub)

    # Untrusted text: markup and escape sequences must be shown, never executed.
    hostile = sessions[5]
    hostile.messages[0].content.append(
        TextBlock(
            text="Pasted from a log: [bold]not bold[/bold] [@click=app.quit]click[/] "
            "\x1b]52;c;ZXZpbA==\x07 \x1b[2J done"
        )
    )
    # An attachment with extracted text.
    claude_ai = next(s for s in sessions if s.source == "claude-ai")
    claude_ai.messages[0].content.append(
        AttachmentBlock(
            name="requirements.txt",
            mime_type="text/plain",
            size=64,
            text="textual>=1.0\ntantivy>=0.22\npydantic>=2\n",
        )
    )
    return sessions


def generate_sessions(count: int, seed: int = 7) -> Iterator[Session]:
    """``count`` sessions with a long-tail length distribution (most short, a few huge)."""
    rng = random.Random(seed)
    sources = ["claude-code", "codex-cli", "gemini-cli", "aider", "chatgpt", "claude-ai"]
    weights = [40, 20, 10, 8, 15, 7]
    for i in range(count):
        source = rng.choices(sources, weights)[0]
        n_turns = max(1, min(400, int(rng.paretovariate(1.3) * 3)))
        yield _session(rng, i, source, n_turns=n_turns, days_back=rng.uniform(0, 720))
