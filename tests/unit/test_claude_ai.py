"""The Claude.ai export importer, on a real export and on synthesized 2024 and 2026 exports.

Expected figures for the real export were worked out with jq, independently of the importer
(run in /work/shared/realdata/claude-ai-export/idanmashaal-Now2ai-Claude-Export-Processor; this
copy wraps the array as {"conversations": [...]}):

    conversations:  jq '.conversations | length' conversations.json                    -> 2
    conversations with no readable message (every text blank, no other block):
        jq '[.conversations[] | select([.chat_messages[] | select((.text|test("\\\\S")) or
             ([.content[]? | select(.type != "text" or (.text|test("\\\\S")))] | length > 0))]
             | length == 0)] | length' conversations.json                              -> 1
        so 1 session is imported and 1 empty conversation is counted as skipped
    user prompts:   jq '[.conversations[].chat_messages[] | select(.sender=="human" and
                         (.text|test("\\\\S")))] | length' conversations.json          -> 6
    tool calls:     jq '[.conversations[].chat_messages[].content[]
                         | select(.type=="tool_use")] | length' conversations.json     -> 6
    tool results:   the same with "tool_result"                                        -> 4
    message order (no parent links in this export, so by time):
        jq -r '.conversations[0].chat_messages | sort_by(.created_at) | .[]
               | "\\(.sender) \\(.uuid[:8])"' conversations.json
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
from sessions_tui.importers.claude_ai import ROOT_PARENT, ClaudeAIImporter
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
EXPORT = (
    REALDATA / "claude-ai-export" / "idanmashaal-Now2ai-Claude-Export-Processor"
) / "conversations.json"
CHATGPT_EXPORT = REALDATA / "chatgpt-export" / "pkuppens-my_chat_gpt" / "conversations.json"

needs_realdata = pytest.mark.skipif(
    not EXPORT.is_file(), reason=f"real Claude.ai export not found at {EXPORT}"
)
NEWS = "a0ac6e43-77dc-434a-8749-49ddc9bad978"


def parse(path: Path) -> tuple[list[Session], ParseStats]:
    stats = ParseStats()
    return list(ClaudeAIImporter().parse(path, stats)), stats


def show(store: Path, session_id: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["--store", str(store), "show", session_id, *args])
    assert result.exit_code == 0, result.output
    return result.output


def write_export(tmp_path: Path, value: Any, name: str = "conversations.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# The real export


@needs_realdata
def test_real_export_counts_and_order() -> None:
    sessions, stats = parse(EXPORT)
    assert len(sessions) == 1
    assert stats.skipped_types["empty conversation"] == 1
    assert stats.bad_entries == []
    (news,) = sessions
    assert news.id == f"claude-ai-{NEWS}"
    assert news.title == "Summarizing News Articles with Tone and Perspective"
    assert news.models == []
    assert news.created.isoformat() == "2025-02-24T23:10:22.591852+00:00"
    assert news.updated.isoformat() == "2025-02-24T23:15:46.663929+00:00"
    assert sum(1 for m in news.transcript if m.role == "user" and m.kind == "message") == 6
    assert news.tool_call_count == 6
    assert [f"{m.role} {m.id[:8]}" for m in news.transcript] == [
        "user 60855f92",
        "assistant 217763b8",
        "user 7c110ab0",
        "assistant cf9950f5",
        "user 0a182f9b",
        "assistant 884cf00e",
        "user acfdcd76",
        "assistant b17e5915",
        "user 60ce016f",
        "assistant 24d04b24",
        "user b2cd068c",
        "assistant 3ff96041",
    ]
    for earlier, later in zip(news.transcript, news.transcript[1:], strict=False):
        assert later.parent_id == earlier.id
    assert not any(m.alternate for m in news.messages)


@needs_realdata
def test_real_tool_blocks_stay_inside_the_assistant_turn() -> None:
    (news,), _ = parse(EXPORT)
    turn = next(m for m in news.messages if m.id.startswith("217763b8"))
    assert [b.type for b in turn.content] == ["text", "tool_call", "tool_result", "text"]
    call, result = turn.content[1], turn.content[2]
    assert isinstance(result, ToolResultBlock)
    assert call.name == "artifacts" and isinstance(call.input, dict)
    # The export has no ids here: the result is paired with the call in its own message.
    assert result.call_id == call.id and result.output == "OK" and not result.is_error
    results = [b for m in news.messages for b in m.content if isinstance(b, ToolResultBlock)]
    assert len(results) == 4
    assert {r.call_id for r in results} <= {c.id for m in news.messages for c in m.tool_calls}
    # The whitespace-only text blocks around tool use are dropped, not shown as empty turns.
    assert all(b.text.strip() for m in news.messages for b in m.content if b.type == "text")


@needs_realdata
def test_real_attachment_text_is_kept_once() -> None:
    (news,), _ = parse(EXPORT)
    first = news.transcript[0]
    (attachment,) = [b for b in first.content if isinstance(b, AttachmentBlock)]
    assert attachment.name == "PDF document.pdf"
    assert attachment.mime_type == "application/pdf" and attachment.size == 20698
    assert "globes.co.il/news/article.aspx?did=1001502887" in (attachment.text or "")


@needs_realdata
def test_real_export_deep_phrase_in_show(tmp_path: Path) -> None:
    sessions, _ = parse(EXPORT)
    store_path = tmp_path / "store"
    with SessionStore(store_path) as store:
        store.save_many(sessions)
    out = show(store_path, f"claude-ai-{NEWS}")
    assert "hover:bg-blue-700 text-white font-bold py-3 px-6" in out  # byte ~52,000 of 61,455
    assert "simpler Markdown artifact instead of the React component" in out
    assert "did=1001502887" in out  # inside the attachment's extracted text


@needs_realdata
def test_real_export_as_zip_gives_the_same_sessions(tmp_path: Path) -> None:
    archive = tmp_path / "data-2025-02-25-batch-0000.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.json", "[]")
        zf.writestr("projects.json", '[{"uuid": "p", "name": "x", "docs": []}]')
        zf.write(EXPORT, "conversations.json")
    from_zip, stats = parse(archive)
    direct, _ = parse(EXPORT)
    assert stats.skipped_types["empty conversation"] == 1
    assert [s.model_dump() for s in from_zip] == [s.model_dump() for s in direct]
    assert from_zip[0].extra["url"] == f"https://claude.ai/chat/{NEWS}"
    assert ClaudeAIImporter().sniff(archive, archive.read_bytes()[:4096])


@needs_realdata
def test_runner_imports_the_file_then_the_zip_as_unchanged(tmp_path: Path) -> None:
    from sessions_tui.importers.runner import import_paths

    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(EXPORT, "conversations.json")
    with SessionStore(tmp_path / "store") as store:
        first = import_paths(store, [EXPORT.parent])
        assert (first.new, first.failed, first.by_source["claude-ai"]) == (1, 0, 1)
        assert first.skipped_types["empty conversation"] == 1
        later = import_paths(store, [archive])
        assert (later.new, later.updated, later.unchanged, later.failed) == (0, 0, 1, 0)


@needs_realdata
def test_parsing_twice_gives_identical_sessions() -> None:
    first, _ = parse(EXPORT)
    second, _ = parse(EXPORT)
    assert [s.model_dump() for s in first] == [s.model_dump() for s in second]


# ---------------------------------------------------------------------------------------------
# Synthesized 2026 export: branches, thinking, tools, token budget, attachments and files


def msg(uuid: str, sender: str, parent: str | None, t: str, *blocks: dict, **extra: Any) -> dict:
    text = "".join(b.get("text", "") for b in blocks if b["type"] == "text")
    out = {
        "uuid": uuid,
        "text": text,
        "content": [
            {"start_timestamp": t, "stop_timestamp": t, "flags": None, **b} for b in blocks
        ],
        "sender": sender,
        "created_at": t,
        "updated_at": t,
        "attachments": extra.pop("attachments", []),
        "files": extra.pop("files", []),
    }
    if parent is not None:
        out["parent_message_uuid"] = parent
    return out | extra


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value, "citations": []}


def at(minute: int) -> str:
    return f"2026-01-10T10:{minute:02d}:00.000000Z"


def conversation_2026() -> dict[str, Any]:
    h1 = msg(
        "h1", "human", ROOT_PARENT, at(1), text("Plan a trip to Lisbon"),
        attachments=[{"file_name": "notes.txt", "file_size": 12, "file_type": "txt",
                      "extracted_content": "Day 1: Alfama"}],
        files=[{"file_uuid": "f-1", "file_name": "notes.txt"},
               {"file_uuid": "f-2", "file_name": "map.png", "file_kind": "image"}],
    )  # fmt: skip
    a1 = msg(
        "a1", "assistant", "h1", at(2),
        {"type": "thinking", "thinking": "The user wants an itinerary.",
         "summaries": [{"summary": "Planning the trip"}], "cut_off": False, "signature": "x"},
        text("Let me search."),
        {"type": "tool_use", "id": "toolu_1", "name": "web_search", "input": {"query": "Lisbon"},
         "message": "Searching", "integration_name": None},
        {"type": "tool_result", "tool_use_id": "toolu_1", "name": "web_search",
         "content": [{"type": "text", "text": "Lisbon is the capital of Portugal"}],
         "is_error": False},
        {"type": "token_budget", "remaining": 1000},
        {"type": "citation_card", "title": "Lonely Planet", "text": "Best of Lisbon"},
        text("Here is a plan: ride tram 28."),
    )  # fmt: skip
    h2_old = msg("h2old", "human", "a1", at(3), text("Make it 3 days"))
    a2_old = msg("a2old", "assistant", "h2old", at(4), text("A 3-day plan"))
    h2 = msg("h2", "human", "a1", at(5), text("Make it 5 days"))
    a2_first = msg(
        "a2first", "assistant", "h2", at(6),
        {"type": "tool_use", "name": "bash_tool", "input": {"command": "ls"}},
        {"type": "tool_result", "name": "bash_tool", "content": "permission denied",
         "is_error": True},
    )  # fmt: skip
    a2_retry = msg("a2retry", "assistant", "h2", at(7), text("A 5-day plan with Sintra"))
    stray_root = msg("h0", "human", ROOT_PARENT, at(0), text("hello?"))
    blank = msg("blank", "assistant", "h0", at(0), text("  "))
    messages = [a2_retry, h1, a1, h2_old, a2_old, h2, a2_first, stray_root, blank]
    return {
        "uuid": "conv-2026",
        "name": "",
        "summary": "Planning a Lisbon trip.\nThe user asks for an itinerary.",
        "created_at": at(0),
        "updated_at": at(7),
        "account": {"uuid": "acct"},
        "chat_messages": messages,
    }


def test_2026_conversation(tmp_path: Path) -> None:
    (session,), stats = parse(write_export(tmp_path, [conversation_2026()]))
    assert session.id == "claude-ai-conv-2026" and session.source == "claude-ai"
    assert session.title == "Planning a Lisbon trip."  # no name: the summary's first line
    assert session.extra["summary"].startswith("Planning a Lisbon trip.")
    assert session.models == []
    # The newest leaf is the retry: its branch is the transcript.
    assert [m.id for m in session.transcript] == ["h1", "a1", "h2", "a2retry"]
    assert [(m.id, m.parent_id) for m in session.messages if m.alternate] == [
        ("h0", None),
        ("h2old", "a1"),
        ("a2old", "h2old"),
        ("a2first", "h2"),
    ]
    assert stats.skipped_types == {"token_budget": 1, "empty message": 1}
    assert stats.unknown_types == {"block citation_card": 1}

    by_id = {m.id: m for m in session.messages}
    h1 = by_id["h1"]
    assert [b.type for b in h1.content] == ["text", "attachment", "attachment"]
    notes, image = h1.content[1], h1.content[2]
    assert isinstance(notes, AttachmentBlock) and isinstance(image, AttachmentBlock)
    assert (notes.name, notes.text, notes.mime_type, notes.size) == (
        "notes.txt", "Day 1: Alfama", "text/plain", 12
    )  # fmt: skip
    assert (image.kind, image.name, image.uri) == ("image", "map.png", "claude-ai-file:f-2")

    a1 = by_id["a1"]
    assert [b.type for b in a1.content] == [
        "thinking", "text", "tool_call", "tool_result", "text", "text"
    ]  # fmt: skip
    thinking = a1.content[0]
    assert isinstance(thinking, ThinkingBlock)
    assert thinking.text == "Planning the trip\n\nThe user wants an itinerary."
    assert a1.tool_calls[0].id == "toolu_1" and a1.tool_calls[0].input == {"query": "Lisbon"}
    result = a1.content[3]
    assert isinstance(result, ToolResultBlock)
    assert result.call_id == "toolu_1" and "capital of Portugal" in result.output
    assert "Lonely Planet" not in a1.text and "Best of Lisbon" in a1.text

    failed = by_id["a2first"]
    call, error = failed.content
    assert isinstance(error, ToolResultBlock)
    assert error.is_error and error.output == "permission denied" and error.call_id == call.id
    assert session.has_error

    store_path = tmp_path / "store"
    with SessionStore(store_path) as store:
        store.save(session)
    out = show(store_path, session.id)
    assert "A 5-day plan with Sintra" in out and "A 3-day plan" not in out
    assert "A 3-day plan" in show(store_path, session.id, "--all-branches")


def test_2024_export_without_content_or_parents(tmp_path: Path) -> None:
    """Older exports: text/attachments/files only; the export order is not chronological."""

    def old(uuid: str, sender: str, t: str, text: str, **extra: Any) -> dict[str, Any]:
        times = {"created_at": t, "updated_at": t}
        files = {"attachments": extra.get("attachments", []), "files": extra.get("files", [])}
        return {"uuid": uuid, "text": text, "sender": sender, **times, **files}

    conv = {
        "uuid": "conv-2024",
        "name": "Old chat",
        "created_at": "2024-03-01T09:00:00Z",
        "updated_at": "2024-03-01T09:05:00Z",
        "chat_messages": [
            old("m2", "assistant", "2024-03-01T09:01:00Z", "Hi, how can I help?"),
            old("m1", "human", "2024-03-01T09:00:30Z", "Hello Claude"),
            old(
                "m3",
                "human",
                "2024-03-01T09:02:00Z",
                "Read this",
                attachments=[
                    {
                        "file_name": "a.py",
                        "file_size": 3,
                        "file_type": "text/x-python",
                        "extracted_content": "x=1",
                    }
                ],
            ),
        ],
    }
    empty = {"uuid": "conv-empty", "name": "Nothing", "created_at": "2024-03-01T09:00:00Z",
             "chat_messages": []}  # fmt: skip
    sessions, stats = parse(write_export(tmp_path, [empty, conv]))
    (session,) = sessions
    assert session.title == "Old chat"
    assert [(m.id, m.role, m.parent_id) for m in session.messages] == [
        ("m1", "user", None),
        ("m2", "assistant", "m1"),
        ("m3", "user", "m2"),
    ]
    attachment = session.messages[2].content[1]
    assert isinstance(attachment, AttachmentBlock)
    assert attachment.text == "x=1" and attachment.mime_type == "text/x-python"
    assert stats.skipped_types["empty conversation"] == 1


def test_title_falls_back_to_the_first_prompt_and_single_object_files(tmp_path: Path) -> None:
    conv = conversation_2026()
    conv["summary"] = ""
    (session,), _ = parse(write_export(tmp_path, conv))  # one conversation, not an array
    assert session.title == "Plan a trip to Lisbon"


def test_broken_conversations_are_counted_and_the_rest_imported(tmp_path: Path) -> None:
    no_uuid = conversation_2026() | {"uuid": None}
    odd_messages = conversation_2026() | {"uuid": "odd"}
    odd_messages["chat_messages"] = [5, "x", *odd_messages["chat_messages"][:3]]
    bad_sender = conversation_2026() | {"uuid": "sender"}
    bad_sender["chat_messages"][1]["sender"] = "robot"
    dup = conversation_2026()
    sessions, stats = parse(
        write_export(tmp_path, [no_uuid, odd_messages, bad_sender, conversation_2026(), dup, []])
    )
    assert [s.source_ref.id for s in sessions] == ["odd", "sender", "conv-2026"]
    robot = next(m for m in sessions[1].messages if m.id == "h1")
    assert (robot.role, robot.kind) == ("system", "event")
    assert stats.unknown_types["sender robot"] == 1
    reasons = " | ".join(r for _, r in stats.bad_entries)
    for expected in ("without a uuid", "not an object", "appears twice", "expected an object"):
        assert expected in reasons
    assert "internal error" not in reasons


def test_truncated_download_keeps_complete_conversations(tmp_path: Path) -> None:
    convs = [conversation_2026() | {"uuid": f"c{i}"} for i in range(4)]
    raw = json.dumps(convs)
    path = tmp_path / "conversations.json"
    path.write_text(raw[: raw.index('"c3"') + 200])
    sessions, stats = parse(path)
    assert [s.source_ref.id for s in sessions] == ["c0", "c1", "c2"]
    assert len(stats.bad_entries) == 1 and "truncated" in stats.bad_entries[0][1]


@pytest.mark.skipif(not CHATGPT_EXPORT.is_file(), reason=f"{CHATGPT_EXPORT} not found")
def test_a_chatgpt_export_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(ImporterError, match=r"not a Claude\.ai export"):
        parse(CHATGPT_EXPORT)
    archive = tmp_path / "chatgpt.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(CHATGPT_EXPORT, "conversations.json")
    with pytest.raises(ImporterError, match="another app's export"):
        parse(archive)


# ---------------------------------------------------------------------------------------------
# Hostile zips


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize(
    ("member", "symlink", "reason"),
    [
        ("../conversations.json", False, "unsafe member name"),
        ("..\\conversations.json", False, "unsafe member name"),
        ("C:/conversations.json", False, "unsafe member name"),
        ("conversations.json", True, "symlink"),
    ],
)
def test_hostile_zip_members_are_refused(
    tmp_path: Path, member: str, symlink: bool, reason: str
) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo(member)
        if symlink:
            info.external_attr = 0o120777 << 16
            zf.writestr(info, "../../etc/passwd")
        else:
            zf.writestr(info, json.dumps([conversation_2026()]))
    before, cwd_before = _tree(tmp_path), set(os.listdir())
    with pytest.raises(ImporterError) as caught:
        parse(archive)
    assert caught.value.path == archive and reason in caught.value.reason
    assert _tree(tmp_path) == before and set(os.listdir()) == cwd_before


def test_zip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "MAX_MEMBER_BYTES", 256 * 1024)
    archive = tmp_path / "bomb.zip"
    payload = b'[{"uuid": "u", "chat_messages": [], "name": "' + b"A" * (4 << 20) + b'"}]'
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("conversations.json", payload)
    before = _tree(tmp_path)
    with pytest.raises(ImporterError) as caught:
        parse(archive)
    assert "too large" in caught.value.reason or "compression ratio" in caught.value.reason
    assert _tree(tmp_path) == before


# ---------------------------------------------------------------------------------------------
# Sniffing and discovery


def test_sniff_and_discover(tmp_path: Path) -> None:
    importer = ClaudeAIImporter()
    mine = write_export(tmp_path, [conversation_2026()])
    assert importer.sniff(mine, mine.read_bytes()[:4096])
    wrapped = b'{\n  "conversations": [\n    {\n      "uuid": "a", "name": "", "chat_messages": []'
    assert importer.sniff(tmp_path / "c.json", wrapped)
    chatgpt = b'[{"title": "x", "create_time": 1.0, "mapping": {"a": {"message": null}}}]'
    assert not importer.sniff(tmp_path / "c.json", chatgpt)
    projects = b'[{"uuid": "p", "name": "n", "docs": []}]'
    assert not importer.sniff(tmp_path / "projects.json", projects)
    assert not importer.sniff(tmp_path / "nope.zip", b"PK\x03\x04")
    archive = tmp_path / "sub" / "export.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("conversations.json", mine.read_bytes())
    (tmp_path / "sub" / "projects.json").write_bytes(projects)
    assert list(importer.discover(tmp_path)) == [mine, archive]
    assert importer.default_locations() == []


# ---------------------------------------------------------------------------------------------
# JSON's sharp edges and fuzzing


def test_json_sharp_edges_and_surrogates(tmp_path: Path) -> None:
    good = conversation_2026()
    good["name"] = "trip \ud83d"  # a lone high surrogate
    good_text = json.dumps(good)
    nan = json.dumps(conversation_2026() | {"uuid": "n"}).replace('"acct"', "NaN")
    huge = json.dumps(conversation_2026() | {"uuid": "h"}).replace('"acct"', "9" * 5000)
    deep = '{"uuid": "d", "chat_messages": ' + "[" * 50_000 + "]" * 50_000 + "}"
    path = tmp_path / "conversations.json"
    path.write_text(f"[{nan}, {huge}, {deep}, {good_text}]")
    sessions, stats = parse(path)
    assert [s.source_ref.id for s in sessions] == ["conv-2026"]
    assert sessions[0].title == "trip \ufffd"
    assert len(stats.bad_entries) == 3
    with SessionStore(tmp_path / "store") as store:
        store.save_many(sessions)


def test_deeply_nested_tool_input_stays_saveable(tmp_path: Path) -> None:
    conv = conversation_2026()
    nested: Any = "leaf"
    for _ in range(500):
        nested = {"a": nested}
    conv["chat_messages"][2]["content"][2]["input"] = nested
    (session,), _ = parse(write_export(tmp_path, [conv]))
    call = next(m for m in session.messages if m.id == "a1").tool_calls[0]
    # Kept as its JSON text: readable and saveable, nothing lost.
    assert isinstance(call.input, str) and json.loads(call.input) == nested
    with SessionStore(tmp_path / "store") as store:
        store.save(session)


def _seed() -> bytes:
    seed: list[Any] = [conversation_2026()]
    if EXPORT.is_file():
        seed += json.loads(EXPORT.read_bytes())["conversations"]
    return json.dumps(seed).encode()


SEED = _seed()


@FUZZ
@given(data=st.binary(max_size=2048))
def test_fuzz_random_bytes(data: bytes, fuzz_dir: Path, fuzz_store: SessionStore) -> None:
    path = fuzz_dir / "random.json"
    path.write_bytes(data)
    check_parse(ClaudeAIImporter(), path, fuzz_store)


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
    check_parse(ClaudeAIImporter(), path, fuzz_store)


BASE = conversation_2026()
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
    path.write_text(json.dumps([conv, conversation_2026() | {"uuid": "ok"}]))
    stats = check_parse(ClaudeAIImporter(), path, fuzz_store)
    assert not [r for _, r in stats.bad_entries if "internal error" in r]
