"""The search bar's query language as the TUI reads it: filters, chips, listing queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessions_tui.tui.querystring import (
    Filter,
    QueryError,
    parse,
    parse_date,
    to_list_query,
    with_filter,
    without_filter,
)

NOW = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)


def test_filters_and_free_text_are_separated_in_order():
    parsed = parse('tool:claude-code retry project:"my app" is:starred backoff source:aider')
    assert parsed.text == "retry backoff"
    assert parsed.filters == [
        Filter("tool", "claude-code"),
        Filter("project", "my app"),
        Filter("is", "starred"),
        Filter("tool", "aider"),  # source: is an alias of tool:
    ]


def test_the_search_engines_aliases_are_filters_here_too():
    """What search reads as a filter gets a chip and a listing, not a free-text search."""
    parsed = parse("has:error repo:infra label:keep")
    assert parsed.filters == [
        Filter("is", "error"),
        Filter("project", "infra"),
        Filter("tag", "keep"),
    ]
    assert parsed.text == ""


def test_unknown_keys_and_empty_values_stay_free_text():
    parsed = parse("http://example.org foo: tool:")
    assert parsed.filters == []
    assert parsed.text == "http://example.org foo: tool:"


def test_unbalanced_quote_while_typing_does_not_fail():
    assert parse('tool:codex-cli "half typed').filters == [Filter("tool", "codex-cli")]


def test_adding_replaces_same_key_but_tags_accumulate():
    q = with_filter("retry tool:aider", Filter("tool", "codex-cli"))
    assert q == "tool:codex-cli retry"
    q = with_filter(q, Filter("tag", "a"), replace=False)
    q = with_filter(q, Filter("tag", "b"), replace=False)
    assert parse(q).values("tag") == ["a", "b"]
    assert without_filter(q, Filter("tag", "a")) == "tool:codex-cli tag:b retry"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30))
def test_filter_values_round_trip_through_quoting(value):
    if not value.strip():
        return
    query = with_filter("words here", Filter("project", value))
    assert parse(query).values("project") == [value]
    assert parse(query).text == "words here"


def test_dates_absolute_relative_and_named():
    assert parse_date("2026-01-31", NOW) == datetime(2026, 1, 31, tzinfo=UTC)
    assert parse_date("7d", NOW) == NOW - timedelta(days=7)
    assert parse_date("2w", NOW) == NOW - timedelta(days=14)
    assert parse_date("12h", NOW) == NOW - timedelta(hours=12)  # the ages search takes
    assert parse_date("6mo", NOW) == parse_date("6m", NOW) == NOW - timedelta(days=180)
    assert parse_date("2025-03", NOW) == datetime(2025, 3, 1, tzinfo=UTC)  # as search reads it
    assert parse_date("2025", NOW) == datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_date("today", NOW) == datetime(2026, 11, 20, tzinfo=UTC)
    assert parse_date("yesterday", NOW) == datetime(2026, 11, 19, tzinfo=UTC)
    with pytest.raises(QueryError, match="'someday' is not a date"):
        parse_date("someday", NOW)


def test_list_query_from_filters():
    parsed = parse(
        "tool:codex-cli model:gpt-5.4 project:infra after:7d before:2026-11-19 is:starred tag:keep"
    )
    query = to_list_query(parsed, NOW)
    assert list(query.sources) == ["codex-cli"]
    assert list(query.models) == ["gpt-5.4"]
    assert list(query.projects) == ["infra"]  # as typed: the index resolves it as search does
    assert list(query.tags) == ["keep"]
    assert query.starred is True
    assert query.updated_after_ms == int((NOW - timedelta(days=7)).timestamp() * 1000)
    assert query.updated_before_ms == int(datetime(2026, 11, 19, tzinfo=UTC).timestamp() * 1000)
    assert parsed.errors == []


def test_bad_values_are_reported_not_raised():
    parsed = parse("after:soon is:weird")
    query = to_list_query(parsed, NOW)
    assert query.updated_after_ms is None
    assert len(parsed.errors) == 2
    assert "is:weird is unknown" in parsed.errors[1]


def test_an_exclusion_is_a_filter_the_listing_cannot_answer():
    parsed = parse("-tool:codex-cli is:unstarred -tag:junk")
    assert parsed.filters == [
        Filter("tool", "codex-cli", negated=True),
        Filter("is", "unstarred"),
        Filter("tag", "junk", negated=True),
    ]
    assert parsed.text == ""  # the listing answers it: it excludes too
    assert str(parsed) == "-tool:codex-cli is:unstarred -tag:junk"
    query = to_list_query(parsed, NOW)
    assert query.sources == [] and query.tags == []  # not read as tool:codex-cli, tag:junk
    assert list(query.exclude) == [("tool", "codex-cli"), ("tag", "junk")]
    assert query.starred is False
    flipped = to_list_query(parse("-is:starred -is:subagent -after:2026-01-01"), NOW)
    assert flipped.starred is False and flipped.subagents is False
    assert flipped.updated_before_ms == int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000)
    assert without_filter(str(parsed), Filter("tag", "junk", negated=True)) == (
        "-tool:codex-cli is:unstarred"
    )
