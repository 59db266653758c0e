"""Ranking by what a document is (title, prompt, answer, tool output) and totals of queries
that match more sessions than a page: exact when every match was seen, otherwise an estimate
that says so, on a real index on disk."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from sessions_tui.cli import main
from sessions_tui.models import Message, Session, TextBlock, ToolCallBlock, ToolResultBlock
from sessions_tui.search import SearchIndex
from sessions_tui.store import SessionStore

_DAY = datetime(2025, 1, 1, tzinfo=UTC)


def _session(sid: str, messages: list[Message], *, title: str, age_days: int = 0) -> Session:
    moment = _DAY - timedelta(days=age_days)
    return Session(
        id=sid, title=title, source="claude-code", created=moment, updated=moment, messages=messages
    )


def _text(mid: str, role: str, text: str) -> Message:
    return Message(id=mid, role=role, content=[TextBlock(text=text)])


def _tool_output(mid: str, text: str) -> Message:
    return Message(id=mid, role="tool", content=[ToolResultBlock(call_id="c1", output=text)])


@pytest.fixture(scope="module")
def tiers(tmp_path_factory: pytest.TempPathFactory):
    """One session per kind of document holding the word "ocelot", the same sentence each
    time, the newest where it should rank lowest (so recency cannot explain the order)."""
    sentence = "the ocelot config changed again today"
    filler = "nothing to see in this message at all"
    sessions = [
        _session(
            "TOOL",
            [
                _text("tool-u", "user", filler),
                Message(
                    id="tool-a",
                    role="assistant",
                    content=[ToolCallBlock(id="c1", name="Bash", input={"command": "ls"})],
                ),
                _tool_output("tool-t", sentence),
            ],
            title="Tool session",
            age_days=0,
        ),
        _session(
            "ANSWER",
            [_text("ans-u", "user", filler), _text("ans-a", "assistant", sentence)],
            title="Answer session",
            age_days=1,
        ),
        _session(
            "PROMPT",
            [_text("pr-u", "user", sentence), _text("pr-a", "assistant", filler)],
            title="Prompt session",
            age_days=2,
        ),
        _session(
            "TITLE",
            [_text("ti-u", "user", filler), _text("ti-a", "assistant", filler)],
            title=sentence,
            age_days=3,
        ),
    ]
    store = SessionStore(tmp_path_factory.mktemp("tiers") / "store")
    store.save_many(sessions)
    index = SearchIndex.open(store)
    index.catch_up()
    yield index
    index.close()


def test_title_then_prompt_then_answer_then_tool_output(tiers):
    results = tiers.search("ocelot")
    assert [r.session_id for r in results.results] == ["TITLE", "PROMPT", "ANSWER", "TOOL"]
    scores = [r.score for r in results.results]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 4


def test_role_order_holds_for_phrases_prefixes_and_typos(tiers):
    for query in ('"ocelot config"', "ocelo*", "ocelat~"):
        order = [r.session_id for r in tiers.search(query).results]
        assert order == ["TITLE", "PROMPT", "ANSWER", "TOOL"], query


def test_two_words_still_match_across_title_and_message(tiers):
    # "nothing" is in messages only; in every other session "ocelot" is in another message.
    assert [r.session_id for r in tiers.search("ocelot nothing").results] == ["TITLE"]


def test_hits_point_at_the_matching_message_of_each_tier(tiers):
    hits = {r.session_id: r.hits[0] for r in tiers.search("ocelot").results}
    assert (hits["TITLE"].role, hits["TITLE"].message_id) == ("title", "")
    assert (hits["PROMPT"].role, hits["PROMPT"].message_id) == ("user", "pr-u")
    assert (hits["ANSWER"].role, hits["ANSWER"].message_id) == ("assistant", "ans-a")
    assert (hits["TOOL"].role, hits["TOOL"].message_id) == ("tool", "tool-t")


# -- totals -----------------------------------------------------------------------------------

_MANY = 700


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory):
    """700 sessions mentioning "narwhal" (in eight messages each: more matching documents than
    are fetched to count exactly), 30 mentioning "walrus"."""
    root = tmp_path_factory.mktemp("many") / "store"
    store = SessionStore(root)
    sessions = []
    for n in range(_MANY):
        messages = [_text(f"m{n}-{k}", "user", f"narwhal sighting {k} of {n}") for k in range(8)]
        if n < 30:
            messages.append(_text(f"m{n}-w", "assistant", "a walrus too"))
        sessions.append(_session(f"N{n:04d}", messages, title=f"log {n}", age_days=n % 50))
    store.save_many(sessions)
    index = SearchIndex.open(store)
    index.catch_up()
    yield root, index
    index.close()


def test_total_is_exact_when_every_match_was_seen(many):
    _root, index = many
    small = index.search("walrus", limit=5)
    assert (small.total, small.total_is_estimate) == (30, False)
    everything = index.search("narwhal", limit=_MANY)
    assert (everything.total, everything.total_is_estimate) == (_MANY, False)
    assert len(everything.results) == _MANY
    listed = index.search("tool:claude-code", limit=5)  # filters only: counted exactly
    assert (listed.total, listed.total_is_estimate) == (_MANY, False)


def test_large_total_is_a_labelled_estimate_close_to_the_truth(many):
    _root, index = many
    page = index.search("narwhal", limit=5)
    assert len(page.results) == 5
    assert page.total_is_estimate
    assert abs(page.total - _MANY) <= _MANY * 0.1, page.total
    assert page.to_json()["total_is_estimate"] is True


def test_cli_says_about_for_an_estimate(many):
    root, _index = many
    result = CliRunner().invoke(main, ["--store", str(root), "search", "narwhal", "--limit", "3"])
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().splitlines()[-1].startswith("about ")
    data = json.loads(
        CliRunner()
        .invoke(main, ["--store", str(root), "search", "narwhal", "--limit", "3", "--json"])
        .stdout
    )
    assert data["total_is_estimate"] is True and abs(data["total"] - _MANY) <= _MANY * 0.1


def test_paging_to_the_end_gives_the_exact_total(many):
    _root, index = many
    last = index.search("narwhal", limit=50, offset=_MANY - 20)
    assert len(last.results) == 20
    assert (last.total, last.total_is_estimate) == (_MANY, False)


def test_title_hit_text_is_the_title(tiers):
    hit = tiers.search("ocelot").results[0].hits[0]
    assert hit.fragment == "the ocelot config changed again today"
    assert hit.ranges and hit.fragment[hit.ranges[0][0] : hit.ranges[0][1]] == "ocelot"
