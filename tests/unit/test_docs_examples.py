"""The examples in docs/ run and do what the docs say: a foreign writer's file is accepted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sessions_tui import SessionStore
from sessions_tui.models import ToolCallBlock

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _python_blocks(name: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / name).read_text(encoding="utf-8"), re.S)


def test_storage_format_example_writer_is_accepted(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    SessionStore(store_dir).close()
    code = _python_blocks("storage-format.md")[-1].replace("/path/to/store", str(store_dir))
    exec(compile(code, "storage-format.md example", "exec"), {})

    store = SessionStore(store_dir)
    [summary] = store.list()
    assert (summary.id, summary.title, summary.source) == ("myapp-42", "Hello", "myapp")
    session = store.get("myapp-42")
    assert [m.text for m in session.messages] == ["Hi", "Hello!"]
    assert store.verify().ok


def test_python_api_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    exec(compile(_python_blocks("python-api.md")[0], "python-api.md example", "exec"), {})
    out = capsys.readouterr().out
    assert "Plan the database migration" in out
    assert out.rstrip().endswith(" Plan the database migration 3"), "the listing counts appends"

    store = SessionStore(tmp_path / "notes" / "chat-store")
    [summary] = store.list()
    assert summary.message_count == 3 and summary.tool_call_count == 1
    session = store.get(summary.id)
    assert session.source == "myapp" and session.models == ["gpt-4o"]
    assert isinstance(session.messages[1].content[1], ToolCallBlock)
    assert session.messages[2].parent_id == session.messages[1].id
