"""``sessions-tui search`` and ``reindex`` as a user runs them: plain and JSON output, filter
flags, exit codes, a store written by an import being searchable at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sessions_tui.cli import main
from sessions_tui.models import Message, Session, TextBlock
from sessions_tui.store import SessionStore

from ._search_fixture import build_store


def run(store: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--store", str(store), *args])


@pytest.fixture
def store(tmp_path: Path) -> Path:
    build_store(tmp_path / "store")
    return tmp_path / "store"


def test_plain_output_lists_sessions_with_snippets(store):
    result = run(store, "search", "terraform")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Terraform plan fails: quartz module" in out
    assert "S2" in out
    assert "user: terraform plan fails with a timeout on the RDS module" in out
    assert "\x1b[" not in out  # not a terminal: no colour codes
    assert out.rstrip().splitlines()[-1].startswith("1 session matches")


def test_matches_are_coloured_on_a_terminal_unless_no_color_is_set(store, monkeypatch):
    coloured = CliRunner().invoke(main, ["--store", str(store), "search", "terraform"], color=True)
    assert "\x1b[" in coloured.stdout  # a terminal (simulated): matches styled
    monkeypatch.setenv("NO_COLOR", "1")
    plain = CliRunner().invoke(main, ["--store", str(store), "search", "terraform"], color=True)
    assert plain.exit_code == 0 and "\x1b[" not in plain.stdout
    assert "Terraform plan fails" in plain.stdout


def test_json_output_has_exactly_the_documented_shape(store):
    result = run(store, "search", "retry", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"query", "total", "results"}
    assert data["query"] == "retry"
    assert data["total"] == 2
    for item in data["results"]:
        assert set(item) == {"session_id", "title", "source", "updated", "score", "hits"}
        for hit in item["hits"]:
            assert set(hit) == {"message_id", "role", "fragment", "ranges"}
            for a, b in hit["ranges"]:
                assert hit["fragment"][a:b].lower() == "retry"
    assert {i["session_id"] for i in data["results"]} == {"S1", "S5"}


def test_filter_flags_are_appended_to_the_query(store):
    result = run(
        store, "search", "--json", "--tool", "aider", "--tool", "chatgpt", "--after", "2024-06"
    )
    data = json.loads(result.stdout)
    assert data["query"] == "(tool:aider OR tool:chatgpt) after:2024-06"
    assert {i["session_id"] for i in data["results"]} == {"S3", "S4"}
    data = json.loads(run(store, "search", "--json", "--starred", "--has-error").stdout)
    assert {i["session_id"] for i in data["results"]} == {"S1"}
    data = json.loads(run(store, "search", "backoff", "--json", "--project", "blog").stdout)
    assert {i["session_id"] for i in data["results"]} == {"S4"}
    data = json.loads(run(store, "search", "atomic", "--json", "--role", "assistant").stdout)
    assert {i["session_id"] for i in data["results"]} == {"S1"}


def test_nothing_found_exits_1_with_a_message(store):
    result = run(store, "search", "qqqzzzxxx")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "No sessions match." in result.stderr


def test_notice_goes_to_stderr(store):
    result = run(store, "search", '"plan fails')
    assert result.exit_code == 0
    assert "note: Unclosed quote" in result.stderr
    assert "Unclosed" not in result.stdout


def test_limit(store):
    data = json.loads(run(store, "search", "--json", "--limit", "2").stdout)
    assert len(data["results"]) == 2 and data["total"] == 7


def test_a_session_written_by_another_process_is_found_at_once(store):
    run(store, "search", "anything")  # builds the index
    SessionStore(store).save(
        Session(
            id="NEW",
            title="Fresh import",
            messages=[Message(id="m", role="user", content=[TextBlock(text="a lone wombat")])],
        )
    )
    data = json.loads(run(store, "search", "wombat", "--json").stdout)
    assert [i["session_id"] for i in data["results"]] == ["NEW"]


def test_control_characters_in_fragments_are_made_visible(store):
    SessionStore(store).save(
        Session(
            id="EVIL",
            messages=[
                Message(
                    id="m",
                    role="user",
                    content=[TextBlock(text="pelican \x1b]52;c;ZXZpbA==\x07 \x1b[2J clear")],
                )
            ],
        )
    )
    result = run(store, "search", "pelican")
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "␛]52;c;ZXZpbA==␇" in result.stdout


def test_reindex_reports_what_it_did(store):
    result = run(store, "reindex")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Indexed 7 sessions (")
    data = json.loads(run(store, "search", "terraform", "--json", "--no-update").stdout)
    assert [i["session_id"] for i in data["results"]] == ["S2"]
