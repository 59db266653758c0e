"""``sessions-tui search`` words that start with ``-`` (exclusions) need no ``--``, options
still work wherever they are, and every example of ``search --help`` runs."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sessions_tui.cli import main

from ._search_fixture import build_store


def run(store: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--store", str(store), *args])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("words") / "store"
    build_store(root).close()
    return root


def found(result: Result) -> set[str]:
    assert result.exit_code in (0, 1), result.output
    return {item["session_id"] for item in json.loads(result.stdout)["results"]}


def test_an_exclusion_needs_no_double_dash(store: Path) -> None:
    # S1's title says "flaky"; S5 only mentions a retry.
    assert found(run(store, "search", "retry", "--json")) == {"S1", "S5"}
    result = run(store, "search", "retry", "-flaky", "--json")
    assert result.exit_code == 0, result.output
    assert found(result) == {"S5"}
    assert json.loads(result.stdout)["query"] == "retry -flaky"


def test_exclusions_whose_letters_are_short_options_stay_words(store: Path) -> None:
    # -h is help, but -hotfix is a word: nothing is split into single-letter options.
    result = run(store, "search", "retry", "-hotfix", "-tool:gemini-cli", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["query"] == "retry -hotfix -tool:gemini-cli"
    assert found(result) == {"S1"}


def test_options_work_anywhere_among_the_words(store: Path) -> None:
    first = found(run(store, "search", "--limit", "1", "retry", "-zebra", "--json"))
    second = found(run(store, "search", "retry", "--limit", "1", "-zebra", "--json", "--offset=1"))
    assert len(first) == len(second) == 1
    assert first | second == {"S1", "S5"}
    result = run(store, "search", "retry", "--tool", "gemini-cli", "-flaky", "--json")
    assert json.loads(result.stdout)["query"] == "retry -flaky tool:gemini-cli"
    assert found(result) == {"S5"}


def test_after_a_typed_double_dash_everything_is_a_word(store: Path) -> None:
    result = run(store, "search", "--json", "--", "retry", "--limit")
    assert json.loads(result.stdout)["query"] == "retry --limit"


def test_a_misspelt_long_option_is_still_an_error(store: Path) -> None:
    result = run(store, "search", "retry", "--limt", "3")
    assert result.exit_code == 2
    assert "--limt" in result.output


def test_help_still_works(store: Path) -> None:
    for flag in ("-h", "--help"):
        result = run(store, "search", "retry", flag)
        assert result.exit_code == 0
        assert "Examples:" in result.stdout


def test_every_help_example_runs(store: Path) -> None:
    help_text = run(store, "search", "--help").stdout
    examples = re.findall(r"^\s*sessions-tui (search .*)$", help_text, flags=re.MULTILINE)
    assert len(examples) >= 3
    for example in examples:
        result = run(store, *shlex.split(example))
        # 0: something matched, 1: nothing did; a usage error (2) or a traceback is a bug.
        assert result.exit_code in (0, 1), f"{example}: {result.output}"
        assert "Error:" not in result.stderr, example
        assert result.exception is None or isinstance(result.exception, SystemExit), example


def test_json_updated_is_iso_utc_with_milliseconds(store: Path) -> None:
    data = json.loads(run(store, "search", "atomic.py", "--json").stdout)
    [item] = data["results"]
    assert item["updated"] == "2025-03-10T12:00:00.000Z"
