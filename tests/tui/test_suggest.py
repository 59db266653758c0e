"""The search bar's completions (`tui.widgets.suggest`) on a real index of the demo store."""

from __future__ import annotations

import pytest

from sessions_tui.demo_store import build_demo_store
from sessions_tui.search import SearchIndex
from sessions_tui.tui.widgets.suggest import suggestion_for


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory):
    store = build_demo_store(tmp_path_factory.mktemp("suggest") / "store")
    index = SearchIndex.open(store)
    index.catch_up()
    yield index
    index.close()
    store.close()


@pytest.mark.parametrize(
    ("typed", "offered"),
    [
        ("retr", "retry"),
        ("Retr", "Retry"),  # what was typed stays as typed
        ("retry backo", "retry backoff"),
        ("retry_wi", "retry_with"),
        ("-flak", "-flaky"),
        ("tool:cl", "tool:claude-code"),
        ("source:cod", "source:codex-cli"),
        ("model:gpt", "model:gpt-4o"),
        ("tag:ke", "tag:keep"),
        ("is:sta", "is:starred"),
        ("role:ass", "role:assistant"),
    ],
)
def test_the_last_word_is_completed(index, typed, offered):
    assert suggestion_for(index, typed) == offered


@pytest.mark.parametrize(
    "typed", ["", "r", "retry ", '"retr', "retry", "zzzqqq", "after:2025", "tool:claude-code"]
)
def test_nothing_is_offered_when_no_completion_helps(index, typed):
    assert suggestion_for(index, typed) is None


def test_nothing_is_offered_before_the_index_is_open():
    assert suggestion_for(None, "retr") is None
