"""Listing filters (`ListQuery`, ``list --tool/--model/--project``) mean what the same filter
means in a search query (docs/query-language.md): exact, ``prefix*`` or contained values, a
project by its path or its last path component. Checked against the real search index."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sessions_tui.cli import main
from sessions_tui.search import SearchIndex
from sessions_tui.store import ListQuery, SessionStore

from ._search_fixture import build_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> SessionStore:
    return build_store(tmp_path_factory.mktemp("filters") / "store")


def listed(store: SessionStore, **filters) -> set[str]:
    return {r.id for r in store.list(ListQuery(**filters))}


def searched(store: SessionStore, query: str) -> set[str]:
    with SearchIndex.open(store) as index:
        index.catch_up()
        return {r.session_id for r in index.search(query, limit=100).results}


@pytest.mark.parametrize(
    ("filters", "query", "expected"),
    [
        ({"sources": ["gemini"]}, "tool:gemini", {"S5"}),
        ({"sources": ["claude"]}, "tool:claude", {"S1", "S6", "S7"}),
        ({"sources": ["Claude-Code"]}, "tool:Claude-Code", {"S1"}),
        ({"sources": ["c*"]}, "tool:c*", {"S1", "S2", "S3", "S6", "S7"}),
        ({"sources": ["aider", "chat"]}, "(tool:aider OR tool:chat)", {"S3", "S4"}),
        ({"models": ["sonnet"]}, "model:sonnet", {"S1"}),
        ({"models": ["gpt-4o"]}, "model:gpt-4o", {"S3"}),  # exact: not gpt-4o-mini
        ({"models": ["gpt-4o*"]}, "model:gpt-4o*", {"S3", "S4"}),
        ({"models": ["gpt"]}, "model:gpt", {"S2", "S3", "S4"}),
        ({"projects": ["payments-api"]}, "project:payments-api", {"S1", "S5"}),
        ({"projects": ["/home/u/src/payments-api"]}, "project:/home/u/src/payments-api", {"S1"}),
        ({"projects": ["pay*"]}, "project:pay*", {"S1", "S5"}),
        ({"projects": ["infr"]}, "project:infr", {"S2"}),
        ({"projects": ["src"]}, "project:src", {"S1", "S2", "S4"}),  # no name has it: paths
        ({"tags": ["kee"]}, "tag:kee", {"S1"}),
        ({"sources": ["nosuchtool"]}, "tool:nosuchtool", set()),
    ],
)
def test_list_matches_what_search_matches(store, filters, query, expected) -> None:
    assert listed(store, **filters) == expected
    assert searched(store, query) == expected
    assert store.count(ListQuery(**filters)) == len(expected)
    rows = json.loads(store.index.query_json(ListQuery(**filters)))
    assert {row["id"] for row in rows} == expected


@pytest.mark.parametrize(
    ("kind", "value", "positive"),
    [
        ("tool", "claude", {"sources": ["claude"]}),
        ("model", "gpt-4o*", {"models": ["gpt-4o*"]}),
        ("project", "payments-api", {"projects": ["payments-api"]}),
        ("tag", "kee", {"tags": ["kee"]}),
        ("tool", "nosuchtool", {"sources": ["nosuchtool"]}),
    ],
)
def test_an_excluded_value_lists_every_other_session_as_search_does(
    store, kind, value, positive
) -> None:
    everything = listed(store)
    expected = everything - listed(store, **positive)
    assert listed(store, exclude=[(kind, value)]) == expected
    assert searched(store, f"-{kind}:{value}") == expected


def test_filters_combine(store) -> None:
    assert listed(store, sources=["claude"], projects=["payments-api"]) == {"S1"}
    assert listed(store, sources=["gemini"], models=["sonnet"]) == set()


def test_unmatched_values_are_named_with_the_known_ones(store) -> None:
    notes = store.index.unmatched(ListQuery(sources=["gemni", "aider"], projects=["nowhere"]))
    assert notes[0].startswith("no sessions have tool 'gemni' (known: aider, chatgpt, ")
    assert notes[1] == "no sessions have project 'nowhere'"
    assert len(notes) == 2


def test_distinct_values_come_from_the_index(store) -> None:
    assert store.index.distinct("tool") == [
        "aider",
        "chatgpt",
        "claude-ai",
        "claude-code",
        "codex-cli",
        "gemini-cli",
    ]
    assert "/home/u/src/infra" in store.index.distinct("project")
    assert store.index.distinct("tag") == ["blog", "keep"]


def test_list_command_filters_by_partial_values(store) -> None:
    def run(*args: str):
        return CliRunner().invoke(main, ["--store", str(store.root), "list", "--json", *args])

    def ids(*args: str) -> set[str]:
        result = run(*args)
        assert result.exit_code == 0, result.output
        return {row["id"] for row in json.loads(result.stdout)}

    assert ids("--tool", "gemini") == {"S5"}
    assert ids("--model", "sonnet") == {"S1"}
    assert ids("--project", "payments-api") == {"S1", "S5"}
    result = CliRunner().invoke(main, ["--store", str(store.root), "list", "--tool", "gemni"])
    assert result.exit_code == 0
    assert "No sessions match." in result.stderr
    assert "note: no sessions have tool 'gemni' (known: aider, " in result.stderr
