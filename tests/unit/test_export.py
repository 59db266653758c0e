"""Export: snapshots of Markdown and HTML, a self-contained HTML page, the lossless JSON round
trip through the native importer, the output layouts, and the CLI's refusals and reports.

Snapshots live in tests/unit/test_export_snapshots/; after a deliberate change to the output,
regenerate them with ``UPDATE_EXPORT_SNAPSHOTS=1 pytest tests/unit/test_export.py`` and review
the diff.
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from sessions_tui.cli import main
from sessions_tui.demo import demo_sessions
from sessions_tui.export import FORMATS, Exporter, ExportError, export_sessions, redaction_for
from sessions_tui.export.html import to_html
from sessions_tui.export.render import to_markdown
from sessions_tui.importers.base import ParseStats
from sessions_tui.importers.native import NativeImporter
from sessions_tui.models import (
    AttachmentBlock,
    Message,
    Session,
    SourceRef,
    TextBlock,
    ThinkingBlock,
    TokenUsage,
    ToolCallBlock,
    ToolResultBlock,
)
from sessions_tui.store import SessionStore
from sessions_tui.store.fileformat import encode

SNAPSHOTS = Path(__file__).parent / "test_export_snapshots"
T0 = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
FAKE_KEY = "AKIAQ7XEXAMPLE2KEY34"


def fixture_session() -> Session:
    """A small session exercising every block type and the characters that break renderers."""

    def at(minutes: int) -> datetime:
        return T0.replace(minute=T0.minute + minutes)

    return Session(
        id="fixture-session-1",
        title="Fix <script> injection & `retry` loop",
        source="claude-code",
        source_ref=SourceRef(path="/home/dev/.claude/projects/x/fixture.jsonl", id="abc"),
        models=["claude-sonnet-4-5"],
        project="/home/dev/src/payments",
        git_branch="fix/retry",
        created=T0,
        updated=at(5),
        usage=TokenUsage(input_tokens=1200, output_tokens=340),
        messages=[
            Message(
                id="m1",
                role="user",
                timestamp=at(0),
                content=[
                    TextBlock(
                        text="Why does <b>this</b> loop forever?\n\n```python\nwhile True:\n"
                        "    retry()  # </pre><script>alert(1)</script>\n```\n"
                        "Also the bell \x07 and ESC \x1b[2J should stay harmless."
                    )
                ],
            ),
            Message(
                id="m2",
                parent_id="m1",
                role="assistant",
                model="claude-sonnet-4-5",
                timestamp=at(1),
                content=[
                    ThinkingBlock(text="The loop has no exit condition.\nCheck the counter."),
                    TextBlock(text="Let me look at the file."),
                    ToolCallBlock(id="c1", name="Read", input={"path": "src/retry.py"}),
                ],
            ),
            Message(
                id="m3",
                parent_id="m2",
                role="tool",
                timestamp=at(2),
                content=[
                    ToolResultBlock(
                        call_id="c1", name="Read", output="def retry():\n    ```\n    pass"
                    ),
                    ToolResultBlock(call_id="c2", name="Bash", output="exit 1", is_error=True),
                ],
            ),
            Message(
                id="m4",
                parent_id="m3",
                role="assistant",
                model="claude-sonnet-4-5",
                timestamp=at(3),
                content=[
                    TextBlock(text="Add a `max_attempts` bound. 修好了 ✓"),
                    AttachmentBlock(name="patch.diff", mime_type="text/x-diff", text="+ n += 1"),
                ],
            ),
            Message(
                id="m5",
                parent_id="m3",
                role="assistant",
                alternate=True,
                timestamp=at(4),
                content=[TextBlock(text="(abandoned regeneration)")],
            ),
        ],
    )


def _check_snapshot(name: str, actual: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_EXPORT_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from its snapshot (see module docstring)"


def test_markdown_matches_snapshot() -> None:
    _check_snapshot("fixture.md", FORMATS["md"].render_file(fixture_session()))


def test_html_matches_snapshot() -> None:
    _check_snapshot("fixture.html", FORMATS["html"].render_file(fixture_session()))


def test_markdown_keeps_code_fences_unbreakable() -> None:
    md = to_markdown(fixture_session())
    # the tool output contains ``` so its fence must be longer
    assert "````\ndef retry():\n    ```\n    pass\n````" in md
    assert "(abandoned regeneration)" not in md
    assert "(abandoned regeneration)" in to_markdown(fixture_session(), include_alternates=True)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.text: list[str] = []
        self.style = ""
        self.errors: list[str] = []

    VOID = frozenset({"meta", "br", "img", "hr", "link", "input"})

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "style":
            self.style += data
        else:
            self.text.append(data)


def _parse(page: str) -> _Collector:
    parser = _Collector()
    parser.feed(page)
    parser.close()
    return parser


def _assert_self_contained(page: str) -> _Collector:
    parsed = _parse(page)
    assert not parsed.errors, parsed.errors
    assert not parsed.stack, f"unclosed tags {parsed.stack}"
    lowered = page.lower()
    assert "@import" not in lowered and "url(" not in lowered
    for tag, attrs in parsed.tags:
        assert tag not in ("script", "img", "iframe", "link", "object", "embed"), tag
        for attr in ("src", "href", "action", "srcset"):
            value = (attrs.get(attr) or "").strip().lower()
            assert not value or value.startswith("#"), (tag, attr, value)
    return parsed


def test_html_is_well_formed_self_contained_and_escaped() -> None:
    page = to_html(fixture_session())
    parsed = _assert_self_contained(page)
    text = "".join(parsed.text)
    # the user's markup arrives as text, never as elements
    assert "Why does <b>this</b> loop forever?" in text
    assert "</pre><script>alert(1)</script>" in text
    assert [t for t, _ in parsed.tags].count("details") == 5  # thinking, call, 2 results, file
    assert "\x1b" not in page and "\x07" not in page
    assert "␛[2J" in text


def test_html_of_many_sessions_links_only_inside_the_page(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "store")
    store.save_many(demo_sessions())
    out = tmp_path / "all.html"
    ids = [s.id for s in store.list()]
    report = export_sessions(store, ids, "html", out)
    page = out.read_text(encoding="utf-8")
    parsed = _assert_self_contained(page)
    anchors = {a["href"][1:] for t, a in parsed.tags if t == "a"}
    targets = {a.get("id") for t, a in parsed.tags if t == "article"}
    assert anchors == targets and len(targets) == len(ids) == report.sessions


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    store = SessionStore(tmp_path / "store")
    store.save_many([*demo_sessions(), fixture_session()])
    return store


def test_json_export_reimports_identical_sessions(store: SessionStore, tmp_path: Path) -> None:
    ids = [s.id for s in store.list()]
    out = tmp_path / "backup.json"
    export_sessions(store, ids, "json", out)
    stats = ParseStats()
    importer = NativeImporter()
    assert importer.sniff(out, out.read_bytes()[:4096])
    back = list(importer.parse(out, stats))
    assert not stats.bad_entries
    assert [s.id for s in back] == ids
    for session in back:
        original = store.get(session.id)
        assert session == original
        assert encode(session, compress=False) == encode(original, compress=False)
    # saved into a fresh store, each file is the same session again
    other = SessionStore(tmp_path / "other")
    other.save_many(back)
    for sid in ids:
        assert other.get(sid) == store.get(sid)


def test_single_session_json_is_exactly_a_store_file(store: SessionStore, tmp_path: Path) -> None:
    out = tmp_path / "one.json"
    export_sessions(store, ["fixture-session-1"], "json", out)
    assert out.read_bytes() == encode(store.get("fixture-session-1"), compress=False)


def test_json_zip_and_directory_exports_reimport(store: SessionStore, tmp_path: Path) -> None:
    ids = [s.id for s in store.list()][:5]
    export_sessions(store, ids, "json", tmp_path / "b.zip", layout="zip")
    export_sessions(store, ids, "json", tmp_path / "dir", layout="per-session")
    importer = NativeImporter()
    from_zip = list(importer.parse(tmp_path / "b.zip", ParseStats()))
    from_dir = [
        s for p in importer.discover(tmp_path / "dir") for s in importer.parse(p, ParseStats())
    ]
    for got in (from_zip, from_dir):
        assert sorted(s.id for s in got) == sorted(ids)
        assert all(s == store.get(s.id) for s in got)


def test_every_json_export_layout_imports_by_plain_import_path(
    store: SessionStore, tmp_path: Path
) -> None:
    """What a user does: `sessions-tui import backup.zip` (no --from) on each export layout."""
    from sessions_tui.importers.runner import import_paths

    ids = sorted(s.id for s in store.list())[:5]
    export_sessions(store, ids, "json", tmp_path / "b.zip", layout="zip")
    export_sessions(store, ids, "json", tmp_path / "dir", layout="per-session")
    export_sessions(store, ids, "json", tmp_path / "one.json")
    for i, path in enumerate(("b.zip", "dir", "one.json")):
        fresh = SessionStore(tmp_path / f"fresh{i}")
        summary = import_paths(fresh, [tmp_path / path])
        assert not summary.failures, (path, summary.failures)
        assert sorted(r.id for r in fresh.list()) == ids, path
        assert all(fresh.get(sid) == store.get(sid) for sid in ids), path


def test_a_corrupt_line_in_a_json_export_is_reported_and_the_rest_import(
    store: SessionStore, tmp_path: Path
) -> None:
    ids = [s.id for s in store.list()][:3]
    out = tmp_path / "b.json"
    export_sessions(store, ids, "json", out)
    lines = out.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"title":"', b'"title":"X', 1)  # breaks its checksum
    out.write_bytes(b"\n".join(lines))
    stats = ParseStats()
    back = list(NativeImporter().parse(out, stats))
    assert [s.id for s in back] == [ids[0], ids[2]]
    assert len(stats.bad_entries) == 1 and "checksum" in stats.bad_entries[0][1]
    assert stats.bad_entries[0][0].endswith(":2")


def test_jsonl_is_one_message_a_line_with_its_session(store: SessionStore, tmp_path: Path) -> None:
    out = tmp_path / "m.jsonl"
    export_sessions(store, ["fixture-session-1"], "jsonl", out)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    session = store.get("fixture-session-1")
    assert len(records) == len(session.messages)
    assert {r["sessionId"] for r in records} == {session.id}
    assert [r["id"] for r in records] == [m.id for m in session.messages]
    assert records[-1]["alternate"] is True
    assert "\x1b" not in out.read_text(encoding="utf-8")  # JSON escapes it


def test_files_are_private_and_nothing_is_overwritten_without_force(
    store: SessionStore, tmp_path: Path
) -> None:
    out = tmp_path / "x" / "one.md"
    export_sessions(store, ["fixture-session-1"], "md", out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    before = out.read_bytes()
    with pytest.raises(ExportError, match="already exists"):
        export_sessions(store, ["fixture-session-1"], "md", out)
    assert out.read_bytes() == before
    export_sessions(store, ["fixture-session-1"], "txt", out, force=True)
    assert out.read_bytes() != before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp left

    folder = tmp_path / "per"
    export_sessions(store, ["fixture-session-1"], "html", folder, layout="per-session")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (written,) = folder.iterdir()
    assert written.name == "fixture-session-1.html"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    with pytest.raises(ExportError, match="already exists"):
        export_sessions(store, ["fixture-session-1"], "html", folder, layout="per-session")


def test_zip_members_are_named_by_session_and_private(store: SessionStore, tmp_path: Path) -> None:
    ids = [s.id for s in store.list()][:4]
    out = tmp_path / "s.zip"
    export_sessions(store, ids, "md", out, layout="zip")
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == sorted(f"{i}.md" for i in ids)
        for info in archive.infolist():
            assert (info.external_attr >> 16) & 0o777 == 0o600


def test_refuses_to_write_inside_the_store(store: SessionStore) -> None:
    with pytest.raises(ExportError, match="inside the store"):
        export_sessions(store, ["fixture-session-1"], "md", store.root / "x.md")


def test_redaction_defaults_per_format(store: SessionStore, tmp_path: Path) -> None:
    leaky = fixture_session().model_copy(update={"id": "leaky", "title": f"key {FAKE_KEY}"})
    store.save(leaky)
    md = Exporter(
        store,
        ["leaky"],
        FORMATS["md"],
        tmp_path / "l.md",
        redaction=redaction_for(FORMATS["md"], None),
    )
    report = md.run()
    assert FAKE_KEY not in (tmp_path / "l.md").read_text(encoding="utf-8")
    assert report.redactions.counts["aws-access-key"] == 1
    assert redaction_for(FORMATS["json"], None) is None  # a backup is lossless by default
    assert redaction_for(FORMATS["json"], None, emails=True) is not None  # unless asked


@pytest.mark.parametrize("layout", ["file", "zip"])
def test_cancelled_export_leaves_nothing(store: SessionStore, tmp_path: Path, layout) -> None:
    import threading

    from sessions_tui.export import ExportCancelled

    cancel = threading.Event()
    out = tmp_path / ("c.html" if layout == "file" else "c.zip")
    ids = [s.id for s in store.list()]
    exporter = Exporter(
        store,
        ids,
        FORMATS["html"],
        out,
        layout=layout,
        cancel=cancel,
        progress=lambda done, total: cancel.set() if done == 3 else None,
    )
    with pytest.raises(ExportCancelled):
        exporter.run()
    assert list(tmp_path.iterdir()) == [store.root]


# -- the command line -----------------------------------------------------------------------


def _run(store: SessionStore, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--store", str(store.root), *args], input=input)


def test_cli_export_reports_redactions_and_writes_the_file(
    store: SessionStore, tmp_path: Path
) -> None:
    store.save(fixture_session().model_copy(update={"id": "leaky", "title": f"key {FAKE_KEY}"}))
    out = tmp_path / "leaky.html"
    result = _run(store, "export", "leaky", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Redaction: 1 redacted: 1 aws-access-key" in result.output
    assert FAKE_KEY not in out.read_text(encoding="utf-8")
    again = _run(store, "export", "leaky", "--out", str(out))
    assert again.exit_code == 1 and "already exists" in again.output
    raw = _run(store, "export", "leaky", "--out", str(out), "--no-redact", "--force")
    assert raw.exit_code == 0 and FAKE_KEY in out.read_text(encoding="utf-8")


def test_cli_export_format_from_extension_and_stdout(store: SessionStore, tmp_path: Path) -> None:
    result = _run(store, "export", "fixture-session-1", "--out", "-", "--format", "md")
    assert result.exit_code == 0
    assert result.output.startswith("# Fix <script> injection")
    bad = _run(store, "export", "fixture-session-1", "--out", str(tmp_path / "x.weird"))
    assert bad.exit_code == 1 and "choose a format" in bad.output
    missing = _run(store, "export", "no-such-id", "--out", str(tmp_path / "x.md"))
    assert missing.exit_code == 1 and "no session with id 'no-such-id'" in missing.output
    nothing = _run(store, "export", "--out", str(tmp_path / "x.md"))
    assert nothing.exit_code == 2 and "--query" in nothing.output


def test_cli_export_query_and_filters(store: SessionStore, tmp_path: Path) -> None:
    out = tmp_path / "q"
    args = ["--tool", "aider", "--per-session", "--format", "md", "-o", str(out)]
    result = _run(store, "export", *args)
    assert result.exit_code == 0, result.output
    aider = {s.id for s in store.list() if s.source == "aider"}
    assert {p.stem for p in out.iterdir()} == aider and aider
    result = _run(store, "export", "--query", "injection", "--format", "txt", "--out", "-")
    assert result.exit_code == 0, result.output
    assert "Fix <script> injection" in result.output


# -- what a reader of `show` and of a text or Markdown export sees ----------------------------


def test_all_branches_marks_each_abandoned_message() -> None:
    """With --all-branches a regeneration the user left must not read as part of the
    conversation: its heading says so, and only its heading."""
    from sessions_tui.export.render import to_text

    session = fixture_session()
    for text in (
        to_markdown(session, include_alternates=True),
        to_text(session, include_alternates=True),
    ):
        lines = text.splitlines()
        body = lines.index("(abandoned regeneration)")
        heading = next(x for x in reversed(lines[:body]) if x.startswith(("## ", "--- ")))
        assert "abandoned branch" in heading and "Assistant" in heading
        assert [x for x in lines if "abandoned branch" in x] == [heading]
    assert "abandoned branch" not in to_markdown(session)


def test_plain_text_names_the_tool_of_each_result() -> None:
    """`show` prints results apart from their calls: without the tool's name a reader cannot
    tell whose output it is."""
    from sessions_tui.export.render import to_text

    text = to_text(fixture_session())
    assert "[tool result: Read]\ndef retry():" in text
    assert "[tool error: Bash]\nexit 1" in text
