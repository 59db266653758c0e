"""The Aider importer, on the real history in ../shared/realdata/aider and on small histories
written here for versions and accidents the real set lacks (2023 and v0.37 headers, several
launches in one file, renamed copies, stripped trailing spaces, code fences that look like
aider's own lines).

Expected figures were worked out with grep, independently of the importer
(H = .aider.chat.history.md, I = .aider.input.history):
  sessions:   grep -c '^# aider chat started at' H -> 1
  prompts:    I has 29 entries (grep -c '^# 20' I): 19 start with "/" and 10 do not; 2 of
              those 10 are "N" answers to yes/no questions (not prompts), and 8 of the 19 are
              "/code X", which aider runs as the prompt X -> 8 + 8 = 16 prompts
  commands:   19 - 8 = 11 slash commands
  replies:    grep -c '^> Tokens:' H -> 20 (aider reports tokens after every reply)
  thinking:   grep -c '^<think>' H -> 4 replies of qwen3 start with a <think> block
  tokens:     the "sent"/"received" figures of the 20 Tokens lines summed with awk
              -> 148200 sent, 18044 received
  tool calls: aider has none -> 0
"""

from __future__ import annotations

import os
import random
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sessions_tui.cli import main
from sessions_tui.importers.aider import AiderImporter
from sessions_tui.importers.base import ImporterError, ParseStats
from sessions_tui.models import Session, ThinkingBlock
from sessions_tui.store.store import SessionStore

from ._importer_fuzz import (
    FUZZ,
    NASTY_FRAGMENTS,
    check_parse,
    fuzz_store_fixture,
    mutate_bytes,
)

FIXTURES = (fuzz_store_fixture,)  # used by the fuzz tests, by name
IMPORTER = AiderImporter()
REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
REPO = "AndrewJacop-Simple-Calulator"
HISTORY = ".aider.chat.history.md"


@pytest.fixture
def aider_dir(realdata: Path) -> Path:
    return realdata / "aider" / REPO


@pytest.fixture
def new_york() -> Iterator[None]:
    """Aider's times are local: pin the importing machine's zone (EDT in May: UTC-4)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def parse(path: Path) -> tuple[list[Session], ParseStats]:
    stats = ParseStats()
    return list(IMPORTER.parse(path, stats)), stats


def prompts(session: Session) -> list[str]:
    return [m.text for m in session.messages if m.role == "user" and m.kind == "message"]


def commands(session: Session) -> list[str]:
    return [m.text for m in session.messages if m.role == "user" and m.kind == "command"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Real files


def test_real_history(aider_dir: Path, new_york: None) -> None:
    path = aider_dir / HISTORY
    assert IMPORTER.sniff(path, path.read_bytes()[:4096])
    assert list(IMPORTER.discover(aider_dir.parent)) == [path]
    (s,), stats = parse(path)
    assert stats.bad_entries == []
    assert s.source == "aider"
    assert s.title == "give me a quick summarized overview of this repo"
    assert s.models == [
        "gemini/gemini-2.5-pro-exp-03-25",
        "openai/qwen3:32b",
        "gemini/gemini-2.5-pro-preview-03-25",
        "openai/deepseek.deepseek-chat",
    ]
    assert s.project == str(aider_dir)
    assert len(prompts(s)) == 16
    assert len(commands(s)) == 11
    assert not any(p.startswith("/code") for p in prompts(s) + commands(s))
    assert s.tool_call_count == 0
    replies = [m for m in s.messages if m.role == "assistant"]
    assert len(replies) == 20
    assert sum(any(isinstance(b, ThinkingBlock) for b in m.content) for m in replies) == 4
    assert all(m.model == "openai/qwen3:32b" for m in replies if m.content[0].type == "thinking")
    assert s.usage is not None
    assert (s.usage.input_tokens, s.usage.output_tokens) == (148200, 18044)
    assert s.extra["cost_usd"] == 0.03
    assert s.extra["aider_version"] == "0.82.2"
    # a Markdown heading "#### ..." inside a reply is not a prompt
    assert not any("If you're using **npm**" in p for p in prompts(s))
    assert any("#### If you're using **npm**:" in m.text for m in replies)
    # the header time and the input-history times are New York local times
    assert s.created.isoformat() == "2025-05-04T21:02:36+00:00"
    first = next(m for m in s.messages if m.role == "user")
    assert first.timestamp is not None
    assert first.timestamp.isoformat() == "2025-05-04T21:06:57.158813+00:00"
    assert all(m.timestamp is not None for m in s.messages if m.role == "user")
    errors = [m.text for m in s.messages if m.kind == "error"]
    assert any("The LLM did not conform to the edit format." in e for e in errors)
    model_switch = s.messages[
        s.messages.index(next(m for m in s.messages if m.text == "/model openai/qwen3:32b")) + 1
    ]
    assert model_switch.kind == "command" and "Main model: openai/qwen3:32b" in model_switch.text


def test_ids_do_not_depend_on_the_time_zone(aider_dir: Path, new_york: None) -> None:
    ny = parse(aider_dir / HISTORY)[0][0]
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    tokyo = parse(aider_dir / HISTORY)[0][0]
    assert ny.id == tokyo.id
    assert (ny.created - tokyo.created).total_seconds() == 13 * 3600


def test_show_and_reparse(aider_dir: Path, tmp_path: Path) -> None:
    (s,), _ = parse(aider_dir / HISTORY)
    with SessionStore(tmp_path / "store") as store:
        store.save(s)
    result = CliRunner().invoke(main, ["--store", str(tmp_path / "store"), "show", s.id])
    assert result.exit_code == 0, result.output
    assert "# Development Journey - Simple Calculator with Emoji Bubbles" in result.output
    assert "Applied edit to README-j.md" in result.output  # the very last line
    assert parse(aider_dir / HISTORY)[0][0].model_dump() == s.model_dump()


def test_import_through_the_runner_is_idempotent(aider_dir: Path, tmp_path: Path) -> None:
    runner = pytest.importorskip("sessions_tui.importers.runner")
    with SessionStore(tmp_path / "store") as store:
        assert runner.import_paths(store, [aider_dir / HISTORY]).failed == 0
        assert [s.source for s in store.list()] == ["aider"]
        assert not runner.import_paths(store, [aider_dir / HISTORY]).changed


def test_truncated_and_damaged_history_keeps_the_rest(aider_dir: Path, tmp_path: Path) -> None:
    data = (aider_dir / HISTORY).read_bytes()
    cut = data.index(b"update the README-j.md file") + 20  # inside the last prompt
    damaged = data[:1000] + b"\n\xff\xfe garbage \x00 line\n" + data[1000:cut]
    path = write(tmp_path / HISTORY, "")
    path.write_bytes(damaged)
    (s,), stats = parse(path)
    assert stats.bad_entries == [(str(path), "invalid UTF-8 replaced by U+FFFD")]
    assert len(prompts(s)) == 16
    assert prompts(s)[-1] == "update the README-j."  # the cut prompt is kept as written


# ---------------------------------------------------------------------------------------------
# Versions and accidents not in the real set

#: Aider ends its own lines with two spaces; "¶" stands for them (and "⤸" joins a line cut
#: to fit this file), so no editor can strip them from the fixture.
OLD_2023 = """
# aider chat started at 2023-07-20 10:15:02

> Model: gpt-4¶
> Git repo: .git¶

#### add a docstring to main¶

> Commit before the chat proceeds? y¶
> Commit 1a2b3c4 Added changes before aider.¶

#### now add type hints¶
#### to every function¶

main.py
<<<<<<< HEAD
def main():
=======
def main() -> None:
>>>>>>> updated

> Applied edit to main.py¶
> Commit 5d6e7f8 aider: Added type hints.¶

# aider chat started at 2024-06-11 02:29:05

> C:\\Users\\dev\\aider.exe --model gpt-4o¶
> Aider v0.37.0¶
> Models: gpt-4o with diff edit format, weak model gpt-3.5-turbo¶

#### /add main.py¶
> Added C:\\Users\\dev\\proj\\main.py to the chat¶

#### explain the quoting rules¶

Here is an example of aider's own history:

```markdown
# aider chat started at 2020-01-01 00:00:00

#### not a prompt, just an example
> not aider output either
```

> a quoted remark inside the reply
that continues here.

Done.

> Tokens: 2,345 sent, 1.2k cache write, 5.1k cache hit, 300 received. Cost: $0.01 message, ⤸
$0.02 session.¶
> litellm.RateLimitError: OpenAIException - rate limited¶
> Retrying in 0.2 seconds...¶
""".replace(" ⤸\n", " ").replace("¶", "  ")


def test_old_formats_several_launches_and_fences(tmp_path: Path) -> None:
    path = write(tmp_path / "proj" / HISTORY, OLD_2023)
    (old, new), stats = parse(path)
    assert stats.bad_entries == []
    assert old.models == ["gpt-4"]
    assert "aider_version" not in old.extra
    assert prompts(old) == ["add a docstring to main", "now add type hints\nto every function"]
    assert [m.role for m in old.messages] == [
        "system",
        "user",
        "system",
        "user",
        "assistant",
        "system",
    ]
    assert "<<<<<<< HEAD" in old.messages[4].text and old.messages[4].model == "gpt-4"
    assert new.models == ["gpt-4o"]
    assert new.extra["aider_version"] == "0.37.0"
    assert commands(new) == ["/add main.py"]
    assert prompts(new) == ["explain the quoting rules"]
    (reply,) = [m for m in new.messages if m.role == "assistant"]
    assert "#### not a prompt, just an example" in reply.text
    assert "# aider chat started at 2020-01-01" in reply.text
    assert "> a quoted remark inside the reply\nthat continues here." in reply.text
    assert reply.usage is not None
    assert (reply.usage.input_tokens, reply.usage.cache_write_tokens) == (2345, 1200)
    assert (reply.usage.cache_read_tokens, reply.usage.output_tokens) == (5100, 300)
    assert new.messages[-1].kind == "error" and "RateLimitError" in new.messages[-1].text
    assert new.extra["cost_usd"] == 0.02
    assert old.id != new.id


def test_renamed_copy_in_the_same_folder_keeps_ids(tmp_path: Path) -> None:
    original = write(tmp_path / "proj" / HISTORY, OLD_2023)
    copy = tmp_path / "proj" / "aider.chat.history 2024-06-12_1654.md"
    shutil.copy(original, copy)
    elsewhere = tmp_path / "other" / HISTORY
    elsewhere.parent.mkdir()
    shutil.copy(original, elsewhere)
    assert IMPORTER.sniff(copy, copy.read_bytes()[:4096])
    ids = [s.id for s in parse(original)[0]]
    assert [s.id for s in parse(copy)[0]] == ids
    assert not set(ids) & {s.id for s in parse(elsewhere)[0]}
    assert sorted(p.name for p in IMPORTER.discover(tmp_path / "proj")) == sorted(
        [HISTORY, copy.name]
    )


def test_same_header_twice_gives_two_sessions(tmp_path: Path) -> None:
    block = "\n# aider chat started at 2024-01-01 09:00:00\n\n#### hello  \n\nHi.\n"
    path = write(tmp_path / HISTORY, block + block.replace("hello", "again"))
    first, second = parse(path)[0]
    assert first.id != second.id
    assert (prompts(first), prompts(second)) == (["hello"], ["again"])


def test_stripped_trailing_spaces_fall_back_to_prefixes(tmp_path: Path) -> None:
    text = "\n".join(line.rstrip() for line in OLD_2023.splitlines())
    path = write(tmp_path / HISTORY, text)
    old, new = parse(path)[0]
    assert prompts(old) == ["add a docstring to main", "now add type hints\nto every function"]
    assert prompts(new) == ["explain the quoting rules"]
    replies = [m.text for m in new.messages if m.role == "assistant"]
    assert any("#### not a prompt, just an example" in r for r in replies)  # inside a fence
    # without the markers a quote in a reply cannot be told from aider output: it splits it
    assert len(replies) == 2


def test_unterminated_output_is_ended_by_the_next_prompt(tmp_path: Path) -> None:
    text = (
        "\n# aider chat started at 2024-02-02 10:00:00\n\n"
        "#### /run make  \n> make: *** No rule to make target\nStop.\n\n"
        "#### fix the makefile  \n\nAdded a default target.\n"
    )
    (s,), _ = parse(write(tmp_path / HISTORY, text))
    assert commands(s) == ["/run make"]
    assert prompts(s) == ["fix the makefile"]
    output = s.messages[1]
    assert output.kind == "command" and "No rule to make target\nStop." in output.text
    assert s.messages[-1].text == "Added a default target."


def test_input_history_times_and_think_blocks(tmp_path: Path, new_york: None) -> None:
    text = (
        "\n# aider chat started at 2024-03-10 01:59:00\n\n> Main model: deepseek/deepseek-r1  \n\n"
        "#### /ask why is it slow?  \n\n#### why is it slow?  \n\n"
        "<think>\nThe loop is quadratic.\n</think>\n\nIt is quadratic; use a set.\n\n"
        "> Tokens: 1k sent, 50 received.  \n"
    )
    path = write(tmp_path / HISTORY, text)
    write(
        tmp_path / ".aider.input.history",
        "\n# 2024-03-10 01:58:00.000001\n+older, before the session\n"
        "\n# 2024-03-10 03:00:30.500000\n+/ask why is it slow?\n",
    )
    (s,), _ = parse(path)
    (prompt,) = [m for m in s.messages if m.role == "user"]
    assert prompt.text == "why is it slow?" and prompt.kind == "message"
    # 03:00:30 local on the day clocks spring forward in New York is EDT (UTC-4)
    assert prompt.timestamp is not None
    assert prompt.timestamp.isoformat() == "2024-03-10T07:00:30.500000+00:00"
    assert s.created.isoformat() == "2024-03-10T06:59:00+00:00"  # 01:59 EST (UTC-5)
    (reply,) = [m for m in s.messages if m.role == "assistant"]
    assert [b.type for b in reply.content] == ["thinking", "text"]
    assert reply.content[0].text == "The loop is quadratic."
    assert reply.model == "deepseek/deepseek-r1"
    assert s.updated == prompt.timestamp


def test_not_an_aider_history(tmp_path: Path) -> None:
    path = write(tmp_path / "notes.md", "# My notes\n\n#### a heading  \n")
    assert not IMPORTER.sniff(path, path.read_bytes())
    with pytest.raises(ImporterError, match="not an aider chat history"):
        parse(path)
    with pytest.raises(ImporterError, match="cannot read"):
        parse(tmp_path / "missing" / HISTORY)
    empty = write(tmp_path / "e" / HISTORY, "\n# aider chat started at 2024-01-01 00:00:00\n\n")
    assert parse(empty)[0] == []


def test_discover_is_bounded_and_skips_heavy_folders(tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    write(home / "code" / "app" / HISTORY, OLD_2023)  # depth 2 under ~: found
    write(home / "a" / "b" / "c" / HISTORY, OLD_2023)  # depth 3 under ~: too deep for ~
    write(home / "code" / "app" / "node_modules" / "x" / HISTORY, OLD_2023)
    write(home / ".cache" / HISTORY, OLD_2023)
    write(home / "code" / "app" / "aider-notes.md", "just notes about aider")
    found = [p.relative_to(home).as_posix() for p in IMPORTER.discover(home)]
    assert found == [f"code/app/{HISTORY}"]
    # an explicit folder is searched more deeply
    assert [p.relative_to(home).as_posix() for p in IMPORTER.discover(home / "a")] == [
        f"a/b/c/{HISTORY}"
    ]
    monkeypatch.setenv("AIDER_CHAT_HISTORY_FILE", "~/custom.md")
    assert home / "custom.md" in IMPORTER.default_locations()


# ---------------------------------------------------------------------------------------------
# Fuzzing


def _seed() -> bytes:
    path = REALDATA / "aider" / REPO / HISTORY
    return path.read_bytes()[:20000] if path.is_file() else OLD_2023.encode()


SEED = _seed()


@FUZZ
@given(st.binary(max_size=3000))
def test_fuzz_random_bytes(tmp_path: Path, fuzz_store: SessionStore, data: bytes) -> None:
    path = tmp_path / HISTORY
    path.write_bytes(b"# aider chat started at 2024-01-01 00:00:00\n" + data)
    check_parse(IMPORTER, path, fuzz_store)


@FUZZ
@given(
    seed=st.integers(0, 2**32),
    steps=st.integers(1, 5),
    fragment=st.sampled_from([*NASTY_FRAGMENTS, b"#### ", b"> ", b"```", b"\r", b"\x1b[2J"]),
    base=st.sampled_from(["real", "old"]),
)
def test_fuzz_mutated_histories(
    tmp_path: Path, fuzz_store: SessionStore, seed: int, steps: int, fragment: bytes, base: str
) -> None:
    rng = random.Random(seed)
    data = SEED if base == "real" else OLD_2023.encode()
    for _ in range(steps):
        data = mutate_bytes(data, rng, fragment)
    path = tmp_path / HISTORY
    path.write_bytes(data)
    check_parse(IMPORTER, path, fuzz_store)
