"""The ChatGPT export importer, on a real export and on synthesized 2025-style conversations.

Expected figures for the real export were worked out with jq, independently of the importer
(run in /work/shared/realdata/chatgpt-export/pkuppens-my_chat_gpt):

    conversations:      jq 'length' conversations.json                                   -> 192
    user prompts on the current branch (walk parent links up from current_node, count user
    messages with a non-blank string part):
        jq '[.[] | . as $c | [$c.current_node | recurse($c.mapping[.].parent // empty)]
             | map($c.mapping[.].message | select(. != null and .author.role == "user"
                   and ([.content.parts[]? | strings | select(test("\\\\S"))] | length > 0)))
             | length] | add' conversations.json                                         -> 645
    tool calls (assistant messages whose recipient is not "all"): the same walk with
        select(. != null and .author.role == "assistant" and .recipient != "all")          -> 28
        and over every branch:
        jq '[.[].mapping[].message | select(. != null and .author.role == "assistant"
             and .recipient != "all")] | length' conversations.json                      -> 30
    messages: jq '[.[].mapping[].message | select(. != null)] | length'  -> 1560, of which
        193 have only empty parts (192 root system messages, 1 empty regeneration)  -> 1367 kept
"""

from __future__ import annotations

import copy
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sessions_tui.cli import main
from sessions_tui.importers import common
from sessions_tui.importers.base import ImporterError, ParseStats
from sessions_tui.importers.chatgpt import ChatGPTImporter
from sessions_tui.models import AttachmentBlock, Session, ThinkingBlock, ToolResultBlock
from sessions_tui.store.store import SessionStore

from ._importer_fuzz import (
    FUZZ,
    JSON_VALUES,
    NASTY_FRAGMENTS,
    check_parse,
    edit_slots,
    flip_splice_cut,
    fuzz_dir_fixture,
    fuzz_store_fixture,
    json_slots,
)

FIXTURES = (fuzz_dir_fixture, fuzz_store_fixture)  # used by the fuzz tests, by name
REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
EXPORT = REALDATA / "chatgpt-export" / "pkuppens-my_chat_gpt" / "conversations.json"
CLAUDE_EXPORT = (
    REALDATA / "claude-ai-export" / "idanmashaal-Now2ai-Claude-Export-Processor"
) / "conversations.json"

needs_realdata = pytest.mark.skipif(
    not EXPORT.is_file(), reason=f"real ChatGPT export not found at {EXPORT}"
)

OSCAR = "65e5bb56-a41c-407c-8e90-6261edbed4fa"  # branches at a browsing tool call
LOGO = "e96087ed-b714-4a54-a06a-e425db1680bd"  # the current branch is the OLDER regeneration
DATA_SCIENCE_MCQS = "e3e06ed6-3443-40e1-9a8d-a00bd68c88ec"  # ~70% into the file


def parse(path: Path) -> tuple[list[Session], ParseStats]:
    stats = ParseStats()
    return list(ChatGPTImporter().parse(path, stats)), stats


@pytest.fixture(scope="module")
def real() -> tuple[dict[str, Session], ParseStats]:
    if not EXPORT.is_file():
        pytest.skip(f"real ChatGPT export not found at {EXPORT}")
    sessions, stats = parse(EXPORT)
    return {s.source_ref.id: s for s in sessions}, stats


def show(store: Path, session_id: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["--store", str(store), "show", session_id, *args])
    assert result.exit_code == 0, result.output
    return result.output


# ---------------------------------------------------------------------------------------------
# The real export (2023)


@needs_realdata
def test_real_export_counts(real: tuple[dict[str, Session], ParseStats]) -> None:
    sessions, stats = real
    assert len(sessions) == 192
    transcript = [m for s in sessions.values() for m in s.transcript]
    assert sum(1 for m in transcript if m.role == "user" and m.kind == "message") == 645
    assert sum(len(m.tool_calls) for m in transcript) == 28
    assert sum(s.tool_call_count for s in sessions.values()) == 30
    assert sum(len(s.messages) for s in sessions.values()) == 1367
    assert stats.skipped_types["empty message"] == 193
    assert stats.bad_entries == []
    assert all(s.id == f"chatgpt-{cid}" for cid, s in sessions.items())


@needs_realdata
def test_real_titles_models_and_times(real: tuple[dict[str, Session], ParseStats]) -> None:
    sessions, _ = real
    multi_db = sessions["58f522f1-b174-492d-a52c-5240dacc06d0"]
    assert multi_db.title == "Django Multi-DB Setup"
    assert multi_db.models == ["gpt-4"]
    # create_time / update_time are float epoch seconds
    assert multi_db.created.isoformat() == "2023-06-09T13:39:59.717382+00:00"
    assert multi_db.updated.isoformat() == "2023-06-09T15:24:27+00:00"
    assert sessions[OSCAR].title == "Oscar for Rental Webshop"
    assert sessions[OSCAR].models == ["gpt-4-browsing"]
    # "New chat" is the placeholder of a conversation ChatGPT never named: first prompt instead
    flutter = sessions["ba745bf1-f90f-4b29-b8dc-d3c86ca33166"]
    assert flutter.title == "what is Flutter?"
    assert not any(s.title == "New chat" for s in sessions.values())


@needs_realdata
def test_real_current_branch_and_kept_alternates(
    real: tuple[dict[str, Session], ParseStats],
) -> None:
    logo = real[0][LOGO]
    # The path root -> current_node, as listed by jq (see the module docstring's walk).
    assert [(m.role, m.id[:8]) for m in logo.transcript] == [
        ("user", "4f8522a7"),
        ("assistant", "3aac083c"),
        ("user", "99f01d08"),
        ("assistant", "968e3b65"),
        ("user", "21c45853"),
        ("assistant", "e05424d0"),
        ("user", "c42c6b04"),
        ("assistant", "d80333b5"),
        ("user", "18dd45a4"),
        ("assistant", "101363c9"),
        ("user", "faffb887"),
        ("assistant", "5c6fc68f"),
        ("user", "c279ae78"),
        ("assistant", "7908547d"),
    ]
    for earlier, later in zip(logo.transcript, logo.transcript[1:], strict=False):
        assert later.parent_id == earlier.id
    # The newer regeneration the user did not keep is there, marked alternate, on its fork.
    (other,) = [m for m in logo.messages if m.alternate]
    assert other.id.startswith("50d1ea72")
    assert other.parent_id == "c42c6b04-0a3c-4563-897d-b7317866288d"
    assert "light gray" in other.text

    oscar = real[0][OSCAR]
    alternates = [m for m in oscar.messages if m.alternate]
    assert [m.role for m in alternates] == [
        "assistant",
        "tool",
        "assistant",
        "tool",
        "tool",
        "tool",
    ]
    assert alternates[0].parent_id.startswith("aaa219a9")  # forks at the user's prompt
    assert alternates[0].tool_calls[0].name == "browser"
    result = alternates[1].content[0]
    assert isinstance(result, ToolResultBlock)
    assert result.call_id == alternates[0].id and result.name == "browser"


@needs_realdata
def test_real_tool_calls_results_and_errors(real: tuple[dict[str, Session], ParseStats]) -> None:
    sessions, _ = real
    calls = [(m, c) for s in sessions.values() for m in s.messages for c in m.tool_calls]
    assert {c.name for _, c in calls} == {"browser", "show_me.get_MermaidRoute"}
    mermaid = next(c for _, c in calls if c.name == "show_me.get_MermaidRoute")
    assert isinstance(mermaid.input, dict) and "mermaid" in mermaid.input  # JSON input parsed
    results = [
        b for s in sessions.values() for m in s.messages for b in m.content
        if isinstance(b, ToolResultBlock)
    ]  # fmt: skip
    assert len(results) == 37  # every tool-role message (jq: .author.role == "tool")
    call_ids = {c.id for _, c in calls}
    assert all(r.call_id in call_ids for r in results)
    errors = [r for r in results if r.is_error]
    assert len(errors) == 2  # the two system_error messages
    assert "Failed to fetch page" in errors[0].output or "Failed to fetch page" in errors[1].output


@needs_realdata
def test_real_export_shows_deep_phrase_and_branches(
    real: tuple[dict[str, Session], ParseStats], tmp_path: Path
) -> None:
    store_path = tmp_path / "store"
    with SessionStore(store_path) as store:
        store.save_many(real[0].values())
    out = show(store_path, f"chatgpt-{DATA_SCIENCE_MCQS}")
    assert "het reduceren van de dimensie van data" in out  # byte ~2.0M of 2.8M
    out = show(store_path, f"chatgpt-{LOGO}")
    assert "light gray (such as #D3D3D3)" not in out
    assert "light gray (such as #D3D3D3)" in show(store_path, f"chatgpt-{LOGO}", "--all-branches")


@needs_realdata
def test_parsing_twice_gives_identical_sessions() -> None:
    first, _ = parse(EXPORT)
    second, _ = parse(EXPORT)
    assert [s.model_dump() for s in first] == [s.model_dump() for s in second]


# ---------------------------------------------------------------------------------------------
# Zips as downloaded, and hostile zips


@needs_realdata
def test_export_zip_gives_the_same_sessions(tmp_path: Path) -> None:
    archive = tmp_path / "6c0ffee-2025-01-31-12-00-00.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("user.json", '{"id": "user-x"}')
        zf.writestr("chat.html", "<html></html>")
        zf.write(EXPORT, "conversations.json")
        zf.writestr("file-abc-cat.png", b"\x89PNG....")
    from_zip, stats = parse(archive)
    direct, _ = parse(EXPORT)
    assert len(from_zip) == 192 and stats.bad_entries == []
    assert [s.model_dump() for s in from_zip] == [s.model_dump() for s in direct]
    # No file path in the session: the same conversation in another export is the same session.
    assert from_zip[0].source_ref.path is None
    assert from_zip[0].extra["url"] == f"https://chatgpt.com/c/{from_zip[0].source_ref.id}"
    importer = ChatGPTImporter()
    assert importer.sniff(archive, archive.read_bytes()[:4096])


@needs_realdata
def test_runner_imports_once_and_a_later_export_changes_only_what_changed(tmp_path: Path) -> None:
    """Through the import framework: the export, again (nothing), then as a newer zip in which
    one conversation grew and one is new (one updated, one new, the rest unchanged)."""
    from sessions_tui.importers.runner import import_paths

    conversations = json.loads(EXPORT.read_bytes())
    with SessionStore(tmp_path / "store") as store:
        first = import_paths(store, [EXPORT])
        assert (first.new, first.updated, first.failed) == (192, 0, 0)
        assert first.skipped_types["empty message"] == 193
        again = import_paths(store, [EXPORT])
        assert (again.new, again.updated, again.failed) == (0, 0, 0)
        grown = next(c for c in conversations if c["id"] == LOGO)
        leaf = grown["current_node"]
        grown["mapping"][leaf]["children"].append("followup")
        grown["mapping"]["followup"] = node(
            "followup", leaf, "user", text("One more question about the logo"), T0
        )
        grown["current_node"] = "followup"
        conversations.append(conversation_2025())
        archive = tmp_path / "later-export.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("conversations.json", json.dumps(conversations))
        later = import_paths(store, [archive])
        assert (later.new, later.updated, later.unchanged, later.failed) == (1, 1, 191, 0)
        assert later.updated_ids == [f"chatgpt-{LOGO}"]
        assert store.get(f"chatgpt-{LOGO}").transcript[-1].text.startswith("One more question")


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _small_export() -> bytes:
    return json.dumps([conversation_2025()]).encode()


@pytest.mark.parametrize(
    ("member", "symlink", "reason"),
    [
        ("../conversations.json", False, "unsafe member name"),
        ("/abs/conversations.json", False, "unsafe member name"),
        ("export/../../conversations.json", False, "unsafe member name"),
        ("conversations.json", True, "symlink"),
    ],
)
def test_hostile_zip_members_are_refused(
    tmp_path: Path, member: str, symlink: bool, reason: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    archive = work / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo(member)
        if symlink:
            info.external_attr = 0o120777 << 16
            zf.writestr(info, "/etc/passwd")
        else:
            zf.writestr(info, _small_export())
    before, cwd_before = _tree(tmp_path), set(os.listdir())
    with pytest.raises(ImporterError) as caught:
        parse(archive)
    assert caught.value.path == archive and reason in caught.value.reason
    assert _tree(tmp_path) == before and set(os.listdir()) == cwd_before


def test_zip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "MAX_MEMBER_BYTES", 256 * 1024)
    archive = tmp_path / "bomb.zip"
    payload = b'[{"mapping": {}, "title": "' + b"A" * (4 << 20) + b'"}]'
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("conversations.json", payload)
    assert archive.stat().st_size < 64 * 1024
    before = _tree(tmp_path)
    with pytest.raises(ImporterError) as caught:
        parse(archive)
    assert "too large" in caught.value.reason or "compression ratio" in caught.value.reason
    assert _tree(tmp_path) == before


def test_zip_without_an_export_or_with_claude_export(tmp_path: Path) -> None:
    empty = tmp_path / "other.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ImporterError, match=r"has no readable conversations\.json"):
        parse(empty)
    claude = tmp_path / "claude.zip"
    with zipfile.ZipFile(claude, "w") as zf:
        zf.writestr("conversations.json", json.dumps([{"uuid": "u", "chat_messages": []}]))
    with pytest.raises(ImporterError, match="another app's export"):
        parse(claude)
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ImporterError, match="not a readable zip"):
        parse(corrupt)


# ---------------------------------------------------------------------------------------------
# Synthesized 2025 export: every content type the format notes list


def node(
    key: str,
    parent: str | None,
    role: str | None,
    content: dict[str, Any] | None = None,
    t: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One mapping entry; ``children`` are filled in by `conversation`."""
    if role is None:
        return {"id": key, "message": None, "parent": parent, "children": []}
    metadata = extra.pop("metadata", {})
    message = {
        "id": key,
        "author": {"role": role, "name": extra.pop("name", None), "metadata": {}},
        "create_time": t,
        "update_time": None,
        "content": content or {"content_type": "text", "parts": [""]},
        "status": "finished_successfully",
        "end_turn": None,
        "weight": 1.0,
        "metadata": metadata,
        "recipient": extra.pop("recipient", "all"),
        "channel": None,
    }
    return {"id": key, "message": message, "parent": parent, "children": []}


def conversation(cid: str, nodes: list[dict[str, Any]], current: str, **fields: Any) -> dict:
    mapping = {n["id"]: n for n in nodes}
    for n in nodes:
        if n["parent"]:
            mapping[n["parent"]]["children"].append(n["id"])
    return {
        "title": fields.pop("title", "Cat picture"),
        "create_time": 1735689600.25,
        "update_time": 1735693200.5,
        "mapping": mapping,
        "moderation_results": [],
        "current_node": current,
        "plugin_ids": None,
        "conversation_id": cid,
        "conversation_template_id": None,
        "gizmo_id": None,
        "gizmo_type": None,
        "is_archived": False,
        "is_starred": None,
        "safe_urls": [],
        "blocked_urls": [],
        "default_model_slug": "o3",
        "conversation_origin": None,
        "voice": None,
        "async_status": None,
        "disabled_tool_ids": [],
        "is_do_not_remember": False,
        "memory_scope": "global_enabled",
        "id": cid,
        **fields,
    }


def text(*parts: Any) -> dict[str, Any]:
    return {"content_type": "text", "parts": list(parts)}


T0 = 1735689600.0


def conversation_2025() -> dict[str, Any]:
    hidden = {"is_visually_hidden_from_conversation": True}
    o3 = {"model_slug": "o3"}
    nodes = [
        node("root", None, None),
        node("sys", "root", "system", text(""), metadata=hidden),
        node(
            "ctx",
            "sys",
            "user",
            {
                "content_type": "user_editable_context",
                "user_profile": "I write Rust for a living.",
                "user_instructions": "Answer tersely.",
            },
            metadata={**hidden, "is_user_system_message": True},
        ),
        node(
            "u1",
            "ctx",
            "user",
            {
                "content_type": "multimodal_text",
                "parts": [
                    {
                        "content_type": "image_asset_pointer",
                        "asset_pointer": "file-service://file-IMG1",
                        "size_bytes": 1234,
                        "width": 10,
                        "height": 10,
                        "metadata": {"dalle": None, "sanitized": True},
                    },
                    "What is in this picture?",
                ],
            },
            T0 + 1,
            metadata={
                "attachments": [
                    {"id": "file-IMG1", "name": "cat.png", "mime_type": "image/png", "size": 1234},
                    {"id": "file-DOC9", "name": "notes.txt", "mime_type": "text/plain", "size": 5},
                ]
            },
        ),
        node(
            "a1",
            "u1",
            "assistant",
            {
                "content_type": "thoughts",
                "thoughts": [
                    {"summary": "Looking at the image", "content": "A cat sits on a keyboard."}
                ],
                "source_analysis_msg_id": "x",
            },
            T0 + 2,
            metadata=o3,
        ),
        node("a1r", "a1", "assistant", {"content_type": "reasoning_recap", "content": "Thought for 7s"}, T0 + 3, metadata=o3),  # noqa: E501
        node("a2", "a1r", "assistant", {"content_type": "code", "language": "python", "text": "print(6*7)"}, T0 + 4, recipient="python", metadata=o3),  # noqa: E501
        node("t1", "a2", "tool", {"content_type": "execution_output", "text": "42"}, T0 + 5, name="python"),  # noqa: E501
        node("w1", "t1", "assistant", text('{"search_query": [{"q": "cats"}]}'), T0 + 6, recipient="web.run", metadata=o3),  # noqa: E501
        node("w2", "w1", "tool", {"content_type": "sonic_webpage", "text": "Cats are popular pets."}, T0 + 7, name="web.run"),  # noqa: E501
        node("w3", "w2", "tool", {"content_type": "system_error", "name": "tool_error", "text": "Timeout fetching"}, T0 + 8, name="web.run"),  # noqa: E501
        node("a3", "w3", "assistant", text("A cat. And 6*7 is 42."), T0 + 9, metadata=o3),
        node("u2old", "a3", "user", text("Make it a poem"), T0 + 10),
        node("a4old", "u2old", "assistant", text("Roses are red, cats are too"), T0 + 11, metadata={"model_slug": "gpt-4o-mini"}),  # noqa: E501
        node("u2new", "a3", "user", text("Make it a haiku"), T0 + 20),
        node("a4new", "u2new", "assistant", text("Cat on the keyboard"), T0 + 21, metadata={"model_slug": "gpt-4o"}),  # noqa: E501
    ]  # fmt: skip
    return conversation("c-2025", nodes, "a4new", is_starred=True, is_archived=True,
                        gizmo_id="g-p-abc")  # fmt: skip


def write_export(
    tmp_path: Path, conversations: list[Any], name: str = "conversations.json"
) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(conversations), encoding="utf-8")
    return path


def test_2025_conversation_maps_every_content_type(tmp_path: Path) -> None:
    (session,), stats = parse(write_export(tmp_path, [conversation_2025()]))
    assert session.id == "chatgpt-c-2025" and session.source == "chatgpt"
    assert session.title == "Cat picture"
    assert session.models == ["o3", "gpt-4o", "gpt-4o-mini"]
    assert session.starred and session.tags == ["archived"]
    assert session.extra["default_model_slug"] == "o3" and session.extra["gizmo_id"] == "g-p-abc"
    assert session.created.timestamp() == 1735689600.25
    assert stats.skipped_types["hidden message"] == 1
    assert stats.unknown_types["sonic_webpage"] == 1

    shape = [(m.id, m.role, m.kind, [b.type for b in m.content]) for m in session.transcript]
    assert shape == [
        ("ctx", "system", "context", ["text"]),
        ("u1", "user", "message", ["attachment", "text", "attachment"]),
        ("a1", "assistant", "message", ["thinking"]),
        ("a1r", "assistant", "message", ["thinking"]),
        ("a2", "assistant", "message", ["tool_call"]),
        ("t1", "tool", "message", ["tool_result"]),
        ("w1", "assistant", "message", ["tool_call"]),
        ("w2", "tool", "message", ["tool_result"]),
        ("w3", "tool", "message", ["tool_result"]),
        ("a3", "assistant", "message", ["text"]),
        ("u2new", "user", "message", ["text"]),
        ("a4new", "assistant", "message", ["text"]),
    ]
    by_id = {m.id: m for m in session.messages}
    assert "Answer tersely." in by_id["ctx"].text and "Rust" in by_id["ctx"].text
    image, _, doc = by_id["u1"].content
    assert isinstance(image, AttachmentBlock) and isinstance(doc, AttachmentBlock)
    assert (image.kind, image.name, image.mime_type, image.uri, image.size) == (
        "image", "cat.png", "image/png", "file-service://file-IMG1", 1234
    )  # fmt: skip
    assert (doc.kind, doc.name, doc.uri) == ("file", "notes.txt", "file-service://file-DOC9")
    thought = by_id["a1"].content[0]
    assert isinstance(thought, ThinkingBlock) and "keyboard" in thought.text
    assert by_id["a2"].tool_calls[0].name == "python"
    assert by_id["a2"].tool_calls[0].input == "print(6*7)"
    assert by_id["a2"].model == "o3"
    assert by_id["w1"].tool_calls[0].input == {"search_query": [{"q": "cats"}]}
    results = {k: by_id[k].content[0] for k in ("t1", "w2", "w3")}
    assert all(isinstance(r, ToolResultBlock) for r in results.values())
    assert (results["t1"].call_id, results["t1"].name, results["t1"].output) == (
        "a2",
        "python",
        "42",
    )
    assert results["w2"].call_id == "w1" and "popular pets" in results["w2"].output
    assert results["w3"].is_error and "Timeout fetching" in results["w3"].output
    assert session.has_error

    # The edited prompt's first version and its answer: kept, alternate, linked.
    assert [(m.id, m.parent_id, m.alternate) for m in session.messages if m.alternate] == [
        ("u2old", "a3", True),
        ("a4old", "u2old", True),
    ]
    assert by_id["u2new"].parent_id == "a3"
    assert by_id["ctx"].parent_id is None  # the skipped hidden message passes its parent on


def test_2023_and_2025_shapes_in_one_file(tmp_path: Path) -> None:
    """A 2023 conversation has no conversation_id/default_model_slug; both import."""
    old = conversation("c-2023", [node("r", None, None), node("u", "r", "user", text("hi"), T0),
                                  node("a", "u", "assistant", text("hello"), T0 + 1,
                                       metadata={"model_slug": "text-davinci-002-render"})],
                       "a")  # fmt: skip
    for key in ("conversation_id", "default_model_slug", "is_starred", "is_archived"):
        old.pop(key)
    old["id"] = "c-2023"
    sessions, stats = parse(write_export(tmp_path, [old, conversation_2025()]))
    assert [s.id for s in sessions] == ["chatgpt-c-2023", "chatgpt-c-2025"]
    assert sessions[0].models == ["text-davinci-002-render"]
    assert not sessions[0].starred and sessions[0].tags == []
    assert stats.bad_entries == []


def test_missing_current_node_falls_back_to_the_newest_leaf(tmp_path: Path) -> None:
    conv = conversation_2025()
    conv["current_node"] = "no-such-node"
    (session,), _ = parse(write_export(tmp_path, [conv]))
    assert session.transcript[-1].id == "a4new"
    assert {m.id for m in session.messages if m.alternate} == {"u2old", "a4old"}


def test_titles_fall_back_to_the_first_prompt(tmp_path: Path) -> None:
    convs = []
    for cid, title in (("c1", "New chat"), ("c2", None), ("c3", "  Spaced\n title ")):
        convs.append(conversation(cid, [node("r", None, None), node("u", "r", "user",
                     text("Why is the sky blue?\nAsk twice"), T0)], "u", title=title))  # fmt: skip
    sessions, _ = parse(write_export(tmp_path, convs))
    assert [s.title for s in sessions] == ["Why is the sky blue?", "Why is the sky blue?",
                                           "Spaced title"]  # fmt: skip


def test_default_model_when_no_message_names_one(tmp_path: Path) -> None:
    conv = conversation("c", [node("r", None, None), node("u", "r", "user", text("hi"), T0)], "u")
    (session,), _ = parse(write_export(tmp_path, [conv]))
    assert session.models == ["o3"]


def test_empty_and_broken_conversations_are_counted_and_the_rest_imported(tmp_path: Path) -> None:
    empty = conversation("empty", [node("r", None, None), node("s", "r", "system", text(""))], "s")
    no_id = conversation_2025() | {"conversation_id": None, "id": None}
    no_mapping = conversation_2025() | {"conversation_id": "nm", "id": "nm", "mapping": "oops"}
    ping = node("x", "y", "user", text("ping"), T0)
    pong = node("y", "x", "assistant", text("pong"), T0 + 1)
    cyclic = conversation("cyc", [ping, pong], "y")
    cyclic["mapping"]["x"]["parent"] = "y"
    good = conversation_2025()
    dup = conversation_2025()
    sessions, stats = parse(
        write_export(tmp_path, [empty, no_id, 7, no_mapping, cyclic, good, dup])
    )
    assert [s.id for s in sessions] == ["chatgpt-cyc", "chatgpt-c-2025"]
    assert [m.text for m in sessions[0].messages] == ["ping", "pong"]
    assert stats.skipped_types["empty conversation"] == 1
    reasons = " | ".join(f"{w}: {r}" for w, r in stats.bad_entries)
    for expected in ("without an id", "expected an object, got int", "without a message mapping",
                     "cycle", "appears twice"):  # fmt: skip
        assert expected in reasons
    assert "internal error" not in reasons


def test_corrupt_conversation_does_not_lose_the_following_ones(tmp_path: Path) -> None:
    convs = [conversation(f"c{i}", [node("r", None, None), node("u", "r", "user",
             text(f"prompt number {i}"), T0 + i)], "u") for i in range(5)]  # fmt: skip
    raw = json.dumps(convs)
    at = raw.index("prompt number 2")
    broken = raw[:at] + 'prompt " number 2' + raw[at + len("prompt number 2") :]
    path = tmp_path / "conversations.json"
    path.write_text(broken)
    sessions, stats = parse(path)
    assert [s.source_ref.id for s in sessions] == ["c0", "c1", "c3", "c4"]
    assert len(stats.bad_entries) == 1 and "bad JSON" in stats.bad_entries[0][1]


@needs_realdata
def test_truncated_download_keeps_every_complete_conversation(tmp_path: Path) -> None:
    raw = EXPORT.read_bytes()
    cut = tmp_path / "conversations.json"
    cut.write_bytes(raw[: int(len(raw) * 0.6)])
    sessions, stats = parse(cut)
    complete = json.loads(raw)
    kept = [s.source_ref.id for s in sessions]
    assert kept == [c["id"] for c in complete[: len(kept)]]
    assert 80 < len(kept) < 192
    assert len(stats.bad_entries) == 1 and "truncated" in stats.bad_entries[0][1]


def test_file_level_errors_are_importer_errors(tmp_path: Path) -> None:
    cases = {
        "empty.json": b"",
        "scalar.json": b"42",
        "object.json": b'{"hello": 1}',
        "binary.json": bytes(range(256)),
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ImporterError) as caught:
            parse(path)
        assert caught.value.path == path
    with pytest.raises(ImporterError, match="cannot read"):
        parse(tmp_path / "missing.json")
    with pytest.raises(ImporterError, match="cannot read"):
        parse(tmp_path)


@pytest.mark.skipif(not CLAUDE_EXPORT.is_file(), reason=f"{CLAUDE_EXPORT} not found")
def test_a_claude_export_is_refused_clearly() -> None:
    with pytest.raises(ImporterError, match="not a ChatGPT export"):
        parse(CLAUDE_EXPORT)


# ---------------------------------------------------------------------------------------------
# Sniffing and discovery


@needs_realdata
def test_sniff_tells_chatgpt_from_claude_and_others(tmp_path: Path) -> None:
    importer = ChatGPTImporter()
    assert importer.sniff(EXPORT, EXPORT.read_bytes()[:4096])
    if CLAUDE_EXPORT.is_file():
        assert not importer.sniff(CLAUDE_EXPORT, CLAUDE_EXPORT.read_bytes()[:4096])
    shared = json.dumps([{"id": "x", "conversation_id": "y", "title": "t"}]).encode()
    assert not importer.sniff(tmp_path / "shared_conversations.json", shared)
    assert not importer.sniff(tmp_path / "x.jsonl", b'{"type": "user", "message": {}}\n')
    assert not importer.sniff(tmp_path / "missing.zip", b"PK\x03\x04garbage")
    assert not importer.sniff(tmp_path, b"")


def test_discover_finds_exports_and_skips_other_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    mine = write_export(tmp_path / "a", [conversation_2025()])
    (tmp_path / "b").mkdir()
    write_export(tmp_path / "b", [{"uuid": "u", "name": "", "chat_messages": []}])
    (tmp_path / "b" / "user.json").write_text("{}")
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("conversations.json", _small_export())
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("cat.png", b"png")
    assert list(ChatGPTImporter().discover(tmp_path)) == [mine, archive]
    assert list(ChatGPTImporter().discover(mine)) == [mine]
    assert ChatGPTImporter().default_locations() == []


# ---------------------------------------------------------------------------------------------
# JSON's sharp edges and fuzzing


def test_json_sharp_edges(tmp_path: Path) -> None:
    good = json.dumps(conversation_2025())
    nan = good.replace("1735689600.25", "NaN", 1)
    big = good.replace("1735689600.25", "1e400", 1)
    huge = good.replace("1735689600.25", "1" * 5000, 1)
    deep = '{"mapping": ' + "[" * 100_000 + "]" * 100_000 + "}"
    data = f"[{nan}, {big}, {huge}, {deep}, {good}]"
    path = tmp_path / "conversations.json"
    path.write_text(data)
    sessions, stats = parse(path)
    assert [s.id for s in sessions] == ["chatgpt-c-2025"]
    reasons = [r for _, r in stats.bad_entries]
    assert len(reasons) == 4, reasons
    assert (
        "NaN" in reasons[0] and "out of range" in reasons[1] and "nested too deeply" in reasons[3]
    )


def test_lone_surrogates_are_replaced_and_saveable(tmp_path: Path) -> None:
    conv = conversation_2025()
    conv["title"] = "bad \ud800 title"
    conv["mapping"]["a3"]["message"]["content"]["parts"] = ["answer \udfff here"]
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([conv]))  # ensure_ascii writes the \\ud800 escapes
    (session,), _ = parse(path)
    assert session.title == "bad \ufffd title"
    assert any("answer \ufffd here" in m.text for m in session.messages)
    with SessionStore(tmp_path / "store") as store:
        store.save(session)
        assert store.get(session.id).title == "bad \ufffd title"


def _seed_bytes() -> bytes:
    seed = [conversation_2025()]
    if EXPORT.is_file():
        seed += json.loads(EXPORT.read_bytes())[:3]
    return json.dumps(seed).encode()


SEED = _seed_bytes()


@FUZZ
@given(data=st.binary(max_size=2048))
def test_fuzz_random_bytes(data: bytes, fuzz_dir: Path, fuzz_store: SessionStore) -> None:
    path = fuzz_dir / "random.json"
    path.write_bytes(data)
    check_parse(ChatGPTImporter(), path, fuzz_store)


@FUZZ
@given(
    flips=st.lists(st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 255)), max_size=8),
    splices=st.lists(
        st.tuples(st.integers(0, len(SEED) - 1), st.sampled_from(NASTY_FRAGMENTS)), max_size=3
    ),
    cut=st.integers(1, len(SEED)),
)
def test_fuzz_mutated_real_input(
    flips: list[tuple[int, int]],
    splices: list[tuple[int, bytes]],
    cut: int,
    fuzz_dir: Path,
    fuzz_store: SessionStore,
) -> None:
    """Byte flips, sharp-edged values spliced in, and a truncation, on real input."""
    path = fuzz_dir / "mutated.json"
    path.write_bytes(flip_splice_cut(SEED, flips, splices, cut))
    check_parse(ChatGPTImporter(), path, fuzz_store)


BASE = conversation_2025()
BASE_SLOTS = len(json_slots(BASE))


@FUZZ
@given(
    edits=st.lists(st.tuples(st.integers(0, BASE_SLOTS - 1), JSON_VALUES), min_size=1, max_size=4),
    drop=st.booleans(),
)
def test_fuzz_structure_never_crashes(
    edits: list[tuple[int, Any]], drop: bool, fuzz_dir: Path, fuzz_store: SessionStore
) -> None:
    """Any field replaced by any JSON value (or deleted): no crash and no internal error."""
    conv = edit_slots(copy.deepcopy(BASE), edits, drop)
    path = fuzz_dir / "structured.json"
    path.write_text(json.dumps([conv, conversation_2025() | {"conversation_id": "ok"}]))
    stats = check_parse(ChatGPTImporter(), path, fuzz_store)
    assert not [r for _, r in stats.bad_entries if "internal error" in r]
