"""Deterministic generator of realistic sessions: the demo store, test fixtures and benchmarks.

`demo_sessions()` is a fixed, hand-shaped set of sessions from every supported tool (tool calls
and their results, errors, thinking, an edited ChatGPT branch, a subagent, CJK text, code).
`generate_sessions(n, seed)` scales the same material to any size with a long-tail distribution
of session lengths, for benchmarks. Both use only a seeded `random.Random`: no clock, no network.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
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
    "/home/ana/src/kv-store",
]

_MODELS = {
    "claude-code": ["claude-sonnet-4-5-20250929", "claude-opus-4-6", "claude-haiku-4-5-20251001"],
    "codex-cli": ["gpt-5.4", "gpt-5.2-codex"],
    "gemini-cli": ["gemini-2.5-pro", "gemini-2.5-flash"],
    "aider": ["gpt-4o", "claude-sonnet-4-5"],
    "chatgpt": ["gpt-4o", "o3-mini-high", "gpt-4o-mini"],
    "claude-ai": [],
}


@dataclass(frozen=True, slots=True)
class _Topic:
    """What one kind of session is about, in the words a user and an assistant would use.

    ``lang`` is the fence language of every code block of the topic (Terraform in ``hcl``,
    never in a ``python`` fence); ``{ident}`` in any text is the topic's identifier.
    """

    title: str
    project: str
    ident: str
    lang: str
    path: str
    asks: tuple[str, ...]  # the user's opening questions
    follow_ups: tuple[str, ...]  # what the user says next (``{error}`` pastes an output)
    answers: tuple[str, ...]  # the assistant explaining
    code: tuple[str, ...]
    errors: tuple[str, ...]
    commands: tuple[str, ...]


_TOPICS = [
    _Topic(
        "Fix flaky retry test in payments client",
        "payments-api",
        "retry_with_backoff",
        "python",
        "src/payments/client.py",
        (
            "test_retry_after_timeout fails maybe one run in five on CI, never on my laptop. "
            "can you figure out why?",
            "the retry test in the payments client is flaky again. here's the output:\n\n{error}",
        ),
        (
            "ok that makes sense. can we make the jitter deterministic in the tests only?",
            "hmm, I'd rather not touch the public signature of {ident}. other options?",
            "run the client tests again",
            "great, write me a short commit message for this",
        ),
        (
            "The flakiness comes from the jittered sleep in `{ident}`: it waits a random "
            "fraction of the backoff window, so when the fake clock advances by exactly 30 "
            "seconds the fourth attempt sometimes lands inside the timeout, sometimes after it.",
            "I'll pass the random source in as an optional argument so the test can pin it; "
            "production keeps `random.random` and nothing else changes.",
            "All 148 tests pass now, including 20 repeated runs of `test_retry_after_timeout`.",
        ),
        (
            "def retry_with_backoff(call, attempts=5, rand=random.random):\n"
            "    for n in range(attempts):\n        try:\n            return call()\n"
            "        except Timeout:\n            time.sleep(min(2 ** n, 30) * rand())\n"
            "    raise GiveUp(attempts)\n",
            "def test_retry_after_timeout(fake_clock):\n"
            "    client = Client(rand=lambda: 0.5)\n"
            "    assert client.charge(order) == 'ok'\n"
            "    assert fake_clock.sleeps == [0.5, 1.0, 2.0]\n",
        ),
        (
            "FAILED tests/test_client.py::test_retry_after_timeout - "
            "AssertionError: expected 3 calls, got 4",
        ),
        (
            "pytest tests/test_client.py -k retry -q",
            "cd services/payments &&\n  pytest tests/test_client.py -k retry -x -q \\\n"
            "    --count 20",
        ),
    ),
    _Topic(
        "Add zstd compression to the session store",
        "sessions-tui",
        "atomic_write",
        "python",
        "sessions_tui/store/atomic.py",
        (
            "session files are getting big. can we compress them with zstd without breaking "
            "the atomic writes?",
        ),
        (
            "what happens to files that are already on disk uncompressed?",
            "I got this when the disk filled up during a write:\n\n{error}",
            "do we still fsync the directory after the rename?",
        ),
        (
            "`{ident}` writes to a temporary file beside the target and renames it over: "
            "compressing the bytes before that write keeps the swap atomic.",
            "Old files keep their `.json` name and are read as before; only new writes get "
            "`.json.zst`, so nothing needs migrating.",
            "Yes: the rename is only durable once the directory itself is synced.",
        ),
        (
            "def atomic_write(path: Path, data: bytes) -> None:\n"
            "    tmp = path.with_suffix(path.suffix + '.tmp')\n"
            "    with open(tmp, 'wb') as out:\n        out.write(zstd.compress(data))\n"
            "        os.fsync(out.fileno())\n    os.replace(tmp, path)\n",
        ),
        (
            'Traceback (most recent call last):\n  File "src/store/atomic.py", line 42, in '
            "atomic_write\n    os.replace(tmp, target)\n"
            "OSError: [Errno 28] No space left on device",
        ),
        ("pytest tests/unit/test_store_atomic.py -q", "du -sh ~/.local/share/sessions-tui"),
    ),
    _Topic(
        "Terraform plan fails on the RDS module",
        "infra",
        "aws_db_instance",
        "hcl",
        "modules/rds/main.tf",
        (
            "terraform plan started failing on the rds module after I bumped the provider:\n\n"
            "{error}",
        ),
        (
            "will changing the instance class recreate the database?",
            "can you show the plan for staging only?",
        ),
        (
            "Version 5 of the AWS provider renamed the argument, so `{ident}` rejects the old "
            "`name` attribute; it is `db_name` now.",
            "Changing `instance_class` is applied in place during the maintenance window; only "
            "`engine` or `identifier` changes force a replacement.",
        ),
        (
            'resource "aws_db_instance" "main" {{\n  identifier     = "payments"\n'
            '  engine         = "postgres"\n  instance_class = "db.t4g.medium"\n'
            '  db_name        = "payments"\n}}\n',
        ),
        (
            "Error: Unsupported argument\n  on modules/rds/main.tf line 7, in resource "
            '"aws_db_instance" "main":\n   7:   name = "payments"',
        ),
        ("terraform -chdir=envs/staging plan -target=module.rds", "terraform fmt -recursive"),
    ),
    _Topic(
        "Migrate blog from Jekyll to Astro",
        "blog",
        "astro.config.mjs",
        "javascript",
        "astro.config.mjs",
        ("I want to move my jekyll blog to astro. where do I start?",),
        (
            "the build fails now:\n\n{error}",
            "how do I keep the old /yyyy/mm/dd/ urls working?",
        ),
        (
            "Start with a fresh Astro project beside the old one, copy `_posts/` into "
            "`src/content/blog/`, and add the MDX integration in `{ident}`.",
            "Redirects in `{ident}` keep every old URL alive without touching the posts.",
        ),
        (
            "export default defineConfig({{\n  site: 'https://example.org',\n"
            "  integrations: [mdx()],\n  redirects: {{ '/2019/05/12/hello': '/blog/hello' }},\n"
            "}});\n",
        ),
        ("Error: Process completed with exit code 1.\n[content] Duplicate slug: hello",),
        ("npm run build", "npx astro add mdx"),
    ),
    _Topic(
        "Why is my pandas groupby so slow?",
        "ml-notebooks",
        "groupby_apply",
        "python",
        "notebooks/features.py",
        ("why is my pandas groupby so slow? it's 2M rows and takes like 40 seconds",),
        (
            "nice, that's 0.3s now. does the same trick work for the rolling mean?",
            "can you explain why apply is slow in the first place?",
        ),
        (
            "`{ident}` calls a Python function once per group, so the cost is the 200,000 "
            "groups, not the 2M rows; `transform` with a built-in aggregation stays in C.",
            "Yes: `groupby(...).rolling(7).mean()` is vectorised as well.",
        ),
        (
            "df['avg'] = df.groupby('user_id')['amount'].transform('mean')\n"
            "df['week'] = df.groupby('user_id')['amount'].rolling(7).mean().reset_index(0, "
            "drop=True)\n",
        ),
        ("CPU times: user 41.2 s, sys: 380 ms, total: 41.6 s\nWall time: 41.9 s",),
        ("python -m cProfile -s cumtime notebooks/features.py",),
    ),
    _Topic(
        "Crash on Android 14 when opening camera",
        "mobile-app",
        "CameraActivity",
        "kotlin",
        "app/src/main/java/app/CameraActivity.kt",
        ("the app crashes on android 14 as soon as I open the camera. stack trace:\n\n{error}",),
        (
            "does this also need a change in the manifest?",
            "it works on the emulator now, thanks. anything for older versions?",
        ),
        (
            "Android 14 requires the foreground service type to be declared before "
            "`{ident}` starts the camera service, otherwise it throws at start.",
            "Guard the new call with `Build.VERSION.SDK_INT >= 34`; older versions keep "
            "the current path.",
        ),
        (
            "if (Build.VERSION.SDK_INT >= 34) {{\n    startForeground(ID, notification,\n"
            "        ServiceInfo.FOREGROUND_SERVICE_TYPE_CAMERA)\n}}\n",
        ),
        (
            "FATAL EXCEPTION: main\njava.lang.SecurityException: Starting FGS with type camera "
            "requires permissions",
        ),
        ("./gradlew :app:connectedDebugAndroidTest",),
    ),
    _Topic(
        "Parse ISO timestamps without dateutil",
        "sessions-tui",
        "parse_timestamp",
        "python",
        "sessions_tui/timeutil.py",
        ("can we drop python-dateutil? we only use it to parse ISO timestamps",),
        (
            "what about timestamps ending in Z? I think 3.10 chokes on those",
            "add tests for the weird ones you found",
        ),
        (
            "`datetime.fromisoformat` handles everything the importers see since Python 3.11, "
            "including a trailing `Z`, so `{ident}` becomes a thin wrapper.",
            "I added cases for fractional seconds, offsets and naive times.",
        ),
        (
            "def parse_timestamp(text: str) -> datetime:\n"
            "    value = datetime.fromisoformat(text)\n"
            "    return value if value.tzinfo else value.replace(tzinfo=UTC)\n",
        ),
        ("ValueError: Invalid isoformat string: '2026-01-31T09:00:00.123456789Z'",),
        ("pytest tests/unit/test_timeutil.py -q",),
    ),
    _Topic(
        "Rate limiter returns 429 under light load",
        "payments-api",
        "TokenBucket",
        "python",
        "src/payments/ratelimit.py",
        ("we get 429s at like 5 requests per second even though the limit is 50. why?",),
        (
            "here's what the load test printed:\n\n{error}",
            "should the refill happen per request or on a timer?",
        ),
        (
            "`{ident}` refills with `time.time()`, which jumps when NTP adjusts the clock; "
            "a monotonic clock keeps the refill rate honest and the request timeout too.",
            "Per request: computing the tokens owed since the last call needs no timer thread.",
        ),
        (
            "class TokenBucket:\n    def take(self) -> bool:\n        now = time.monotonic()\n"
            "        self.tokens = min(self.size, self.tokens + (now - self.last) * self.rate)\n"
            "        self.last = now\n        return self._spend()\n",
        ),
        ("429 Too Many Requests: 212 of 1000 requests (timeout 5 s, rate 5/s)",),
        ("locust -f load/ratelimit.py --headless -u 10 -r 5 -t 1m",),
    ),
    _Topic(
        "Kubernetes pod stuck in CrashLoopBackOff",
        "infra",
        "readinessProbe",
        "yaml",
        "k8s/api/deployment.yaml",
        ("the api pod is stuck in CrashLoopBackOff after the last deploy:\n\n{error}",),
        (
            "why does it only happen on the first start?",
            "ok, should the liveness probe change too?",
        ),
        (
            "The app needs about 40 seconds to warm its cache, but the liveness probe kills it "
            "after 3 failures of a 1 second timeout; the `{ident}` alone should gate traffic.",
            "Give the liveness probe an `initialDelaySeconds` past the warm-up.",
        ),
        (
            "readinessProbe:\n  httpGet: {{ path: /ready, port: 8080 }}\n  periodSeconds: 5\n"
            "livenessProbe:\n  httpGet: {{ path: /health, port: 8080 }}\n"
            "  initialDelaySeconds: 60\n",
        ),
        ("Back-off restarting failed container api in pod api-7c9d (timeout after 1s)",),
        ("kubectl -n prod describe pod -l app=api", "kubectl -n prod logs deploy/api --previous"),
    ),
    _Topic(
        "Write a GitHub Action that caches uv",
        "sessions-tui",
        "setup-uv",
        "yaml",
        ".github/workflows/ci.yml",
        ("CI spends 90 seconds installing deps every run. can we cache uv?",),
        (
            "now make {ident} handle the empty cache case too",
            "the cache key should change when the lock file changes, right?",
        ),
        (
            "The `{ident}` action can cache its own download cache; keyed on `uv.lock`, a "
            "warm run installs in about 4 seconds.",
            "Right: hashing `uv.lock` into the key gives a fresh cache after every lock change.",
        ),
        (
            "- uses: astral-sh/setup-uv@v5\n  with:\n    enable-cache: true\n"
            "    cache-dependency-glob: uv.lock\n- run: uv sync --frozen\n",
        ),
        ("Error: Process completed with exit code 1.\nerror: lock file is out of date",),
        ("gh run view --log-failed", "uv lock --check"),
    ),
    _Topic(
        "Explain the borrow checker error E0502",
        "kv-store",
        "E0502",
        "rust",
        "src/memtable.rs",
        ("I don't get this rust error:\n\n{error}",),
        (
            "so why is it fine if I clone the key first?",
            "is there a way without cloning?",
        ),
        (
            "`{ident}` means a shared borrow is still alive while you take a mutable one: "
            "`first` points into `v`, and `v.push` may move the buffer it points into.",
            "Copy what you need out of the borrow before mutating, or end the borrow's scope.",
        ),
        (
            "let first = v[0].clone();\nv.push(first);\n",
            "let len = v.len();\nv.truncate(len / 2);\n",
        ),
        ("error[E0502]: cannot borrow `v` as mutable because it is also borrowed as immutable",),
        ("cargo build", "cargo test memtable"),
    ),
    _Topic(
        "Speed up the SQLite listing query",
        "sessions-tui",
        "sessions_updated",
        "sql",
        "sessions_tui/store/metaindex.py",
        ("listing 100k sessions takes 800 ms, mostly in sqlite. can we make it faster?",),
        (
            "does the index still help when I filter by project too?",
            "explain the query plan output for me",
        ),
        (
            "The listing sorts by `updated` without an index, so SQLite sorts every row; "
            "the `{ident}` index lets it read rows in order and stop at the page size.",
            "A composite index on `(project, updated)` serves the filtered listing the same way.",
        ),
        (
            "CREATE INDEX sessions_updated ON sessions(updated);\n"
            "SELECT id, title FROM sessions\nWHERE updated > :since\nORDER BY updated DESC\n"
            "LIMIT 100;\n",
        ),
        ("QUERY PLAN\n`--SCAN sessions\n`--USE TEMP B-TREE FOR ORDER BY",),
        ('sqlite3 index.sqlite3 "EXPLAIN QUERY PLAN SELECT id FROM sessions ORDER BY updated"',),
    ),
]

#: What users say when a turn goes on (not topic-specific).
_NUDGES = (
    "ok, go ahead",
    "can you run the tests again?",
    "thanks. add a comment explaining why, future me will forget",
    "wait, why did you change that part?",
    "looks good to me",
)

_REASONING = (
    "They want {ident} fixed without changing behaviour elsewhere. Check where it is called "
    "before editing anything.",
    "The error points at {ident}. Reproduce it first, then make the smallest change.",
    "Read the file around {ident} to see what the tests expect.",
)

#: Tool names and argument shapes as each tool writes them.
_TOOLS = {
    "claude-code": ("Bash", "Read", "Edit", "Grep"),
    "codex-cli": ("shell", "shell", "apply_patch"),
    "gemini-cli": ("run_shell_command", "read_file"),
    "claude-ai": ("web_search",),
}


def _ts(rng: random.Random, days_back: float) -> datetime:
    return BASE_TIME - timedelta(days=days_back, seconds=rng.randint(0, 3600))


def _fill(template: str, topic: _Topic, rng: random.Random | None = None) -> str:
    error = rng.choice(topic.errors) if rng is not None else topic.errors[0]
    return template.format(ident=topic.ident, error=error)


def _fence(topic: _Topic, code: str) -> str:
    return f"```{topic.lang}\n{_fill(code, topic)}```\n"


def _tool_call(
    rng: random.Random, source: str, topic: _Topic
) -> tuple[str, dict[str, object], str, bool]:
    """A tool call as ``source`` writes it, its output, and whether it failed."""
    name = rng.choice(_TOOLS[source])
    command = rng.choice(topic.commands)
    failed = rng.random() < 0.2
    ran = _fill(rng.choice(topic.errors), topic) if failed else _run_output(command)
    code = _fill(rng.choice(topic.code), topic)
    if name == "Bash":
        return name, {"command": command, "description": "Run the tests"}, ran, failed
    if name in ("shell",):
        return name, {"command": ["bash", "-lc", command], "timeout_ms": 120000}, ran, failed
    if name == "run_shell_command":
        return name, {"command": command}, ran, failed
    if name in ("Read", "read_file"):
        key = "file_path" if name == "Read" else "absolute_path"
        return name, {key: topic.path}, code, False
    if name == "Edit":
        args = {"file_path": topic.path, "old_string": code.splitlines()[0], "new_string": code}
        return name, args, f"The file {topic.path} has been updated.", False
    if name == "apply_patch":
        patch = f"*** Update File: {topic.path}\n@@\n+" + "\n+".join(code.splitlines())
        return name, {"input": patch}, f"Success. Updated {topic.path}", False
    if name == "Grep":
        line = code.splitlines()[0]
        return name, {"pattern": topic.ident, "path": "."}, f"{topic.path}:12:{line}", False
    return name, {"query": f"{topic.ident} {topic.lang}"}, _web_results(topic), False


def _run_output(command: str) -> str:
    if "pytest" in command:
        return "........................................ [100%]\n40 passed in 1.92s"
    if command.startswith("cargo"):
        return "   Compiling kv-store v0.3.0\n    Finished `dev` profile in 2.41s"
    return f"$ {command.splitlines()[0]}\nok"


def _web_results(topic: _Topic) -> str:
    return (
        f"1. {topic.ident} - official documentation\n"
        f"2. Stack Overflow: {topic.title}\n3. GitHub issue: {topic.ident} regression"
    )


def _turns(
    rng: random.Random,
    source: str,
    topic: _Topic,
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

    def add(role: str, content: list, **fields: object) -> None:
        nonlocal parent
        mid = f"m{len(messages):05d}"
        messages.append(
            Message(id=mid, parent_id=parent, role=role, timestamp=t, content=content, **fields)  # type: ignore[arg-type]
        )
        parent = mid

    for turn in range(n_turns):
        t += timedelta(seconds=rng.randint(20, 400))
        if turn == 0:
            prompt = rng.choice(topic.asks)
        elif turn <= len(topic.follow_ups):
            prompt = topic.follow_ups[turn - 1]
        else:
            prompt = rng.choice(_NUDGES)
        add("user", [TextBlock(text=_fill(prompt, topic, rng))])
        blocks: list = []
        if thinking:
            blocks.append(ThinkingBlock(text=_fill(rng.choice(_REASONING), topic)))
        if tools and rng.random() < 0.7:
            call_id = f"call_{turn}_{rng.randint(1000, 9999)}"
            name, args, output, failed = _tool_call(rng, source, topic)
            blocks.append(ToolCallBlock(id=call_id, name=name, input=args))
            t += timedelta(seconds=rng.randint(1, 30))
            add("assistant", blocks, model=model)
            result = ToolResultBlock(call_id=call_id, name=name, output=output, is_error=failed)
            add("tool", [result])
            blocks = []
        answer = _fill(topic.answers[min(turn, len(topic.answers) - 1)], topic)
        if turn == 0 or rng.random() < 0.5:
            answer += "\n\n" + _fence(topic, rng.choice(topic.code))
        blocks.append(TextBlock(text=answer))
        t += timedelta(seconds=rng.randint(2, 90))
        usage = TokenUsage(input_tokens=rng.randint(800, 9000), output_tokens=rng.randint(50, 1500))
        add("assistant", blocks, model=model, usage=usage)
    return messages


def _session(
    rng: random.Random, index: int, source: str, n_turns: int, days_back: float
) -> Session:
    topic = _TOPICS[index % len(_TOPICS)]
    project = next(p for p in _PROJECTS if p.endswith("/" + topic.project))
    models = _MODELS[source]
    model = rng.choice(models) if models else None
    start = _ts(rng, days_back)
    messages = _turns(
        rng,
        source,
        topic,
        n_turns,
        start,
        model,
        tools=source in _TOOLS,
        thinking=source in ("claude-code", "claude-ai"),
    )
    # A long session must still have ended before BASE_TIME ("now" in the demo).
    overshoot = (messages[-1].timestamp or start) - (BASE_TIME - timedelta(minutes=2))
    if overshoot > timedelta(0):
        for message in messages:
            if message.timestamp is not None:
                message.timestamp -= overshoot
    source_id = f"{index:08x}-{rng.randint(0, 0xFFFF):04x}-4000-8000-{rng.getrandbits(48):012x}"
    usage = TokenUsage(
        input_tokens=sum(m.usage.input_tokens or 0 for m in messages if m.usage),
        output_tokens=sum(m.usage.output_tokens or 0 for m in messages if m.usage),
    )
    return Session(
        id=f"{source}-{source_id}",
        title=topic.title if source != "aider" else "",
        source=source,
        source_ref=SourceRef(path=_source_path(source, source_id, project, start), id=source_id),
        models=[model] if model else [],
        project=project if source not in ("chatgpt", "claude-ai") else None,
        git_branch="main" if source in ("claude-code", "codex-cli") else None,
        created=messages[0].timestamp or start,
        updated=messages[-1].timestamp or start,
        usage=usage,
        messages=messages,
    )


def _source_path(source: str, source_id: str, project: str, when: datetime) -> str:
    """Where each tool keeps such a session (the import's source path)."""
    match source:
        case "claude-code":
            return f"~/.claude/projects/{project.replace('/', '-')}/{source_id}.jsonl"
        case "codex-cli":
            stamp = when.strftime("%Y/%m/%d/rollout-%Y-%m-%dT%H-%M-%S")
            return f"~/.codex/sessions/{stamp}-{source_id}.jsonl"
        case "gemini-cli":
            return f"~/.gemini/tmp/{source_id[:8]}/chats/session-{source_id}.json"
        case "aider":
            return f"{project}/.aider.chat.history.md"
    return f"~/Downloads/{source}-export.zip"


def _subagent(parent: Session, rng: random.Random) -> Session:
    """An Explore subagent the parent session started to look for callers."""
    topic = _TOPICS[0]
    t = parent.created + timedelta(minutes=3)
    model = "claude-haiku-4-5-20251001"
    task = (
        f"Find every caller of `{topic.ident}` in the payments service. Report the file and "
        "line of each call and whether it passes its own random source."
    )
    found = (
        f"src/payments/client.py:88: return {topic.ident}(self._post, attempts=self.attempts)\n"
        f"src/payments/refunds.py:41: {topic.ident}(lambda: api.refund(order))"
    )
    report = (
        f"Two callers of `{topic.ident}`:\n\n"
        "- `src/payments/client.py:88`, the charge path, default random source\n"
        "- `src/payments/refunds.py:41`, refunds, default random source\n\n"
        "Neither passes `rand`, so both keep production behaviour after the change."
    )
    messages = [
        Message(id="m00000", role="user", timestamp=t, content=[TextBlock(text=task)]),
        Message(
            id="m00001",
            parent_id="m00000",
            role="assistant",
            timestamp=t + timedelta(seconds=4),
            model=model,
            content=[
                ToolCallBlock(
                    id="call_sub_1",
                    name="Grep",
                    input={"pattern": topic.ident, "path": "src", "output_mode": "content"},
                )
            ],
        ),
        Message(
            id="m00002",
            parent_id="m00001",
            role="tool",
            timestamp=t + timedelta(seconds=5),
            content=[ToolResultBlock(call_id="call_sub_1", name="Grep", output=found)],
        ),
        Message(
            id="m00003",
            parent_id="m00002",
            role="assistant",
            timestamp=t + timedelta(seconds=9),
            model=model,
            content=[TextBlock(text=report)],
            usage=TokenUsage(input_tokens=rng.randint(800, 3000), output_tokens=120),
        ),
    ]
    agent = "a1b2c3d"
    folder = (parent.source_ref.path or "").rsplit(".", 1)[0]
    return Session(
        id=f"{parent.id}-agent-{agent}",
        title=f"Explore: find every caller of {topic.ident}",
        source=parent.source,
        source_ref=SourceRef(
            path=f"{folder}/subagents/agent-{agent}.jsonl", id=parent.source_ref.id
        ),
        models=[model],
        project=parent.project,
        git_branch=parent.git_branch,
        created=t,
        updated=messages[-1].timestamp or t,
        parent_session_id=parent.id,
        extra={"agentType": "Explore"},
        usage=TokenUsage(input_tokens=messages[-1].usage.input_tokens, output_tokens=120),
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
            content=[TextBlock(text="quick one: " + first.text.split("?")[0].lower() + "?")],
        ),
    )

    # A Claude Code subagent: its parent's project, branch and resume id (subagents are
    # resumed through their parent), and a prompt written by the parent agent, not a person.
    parent = next(s for s in sessions if s.source == "claude-code")
    sessions.append(_subagent(parent, rng))

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
    log = "FATAL EXCEPTION: main\nProcess: app.camera, PID: 4242\njava.lang.SecurityException\n"
    claude_ai.messages[0].content.append(
        AttachmentBlock(name="logcat.txt", mime_type="text/plain", size=len(log), text=log)
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
