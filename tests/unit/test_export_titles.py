"""Titles in exports and in ``show``: a secret is never leaked through a title cut short, and a
session without a title of its own is headed as `list` shows it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sessions_tui.cli import main
from sessions_tui.export.redact import Redactor
from sessions_tui.models import Message, Session, TextBlock
from sessions_tui.store import SessionStore
from sessions_tui.store.metaindex import display_title

AWS = "AKIAIOSFODNN7EXAMPLE"
GHP = "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB"
PROMPT = f"my key is {AWS} and token {GHP} please rotate both of them today"

#: Aider ends its own lines with two spaces (¶ here).
HISTORY = f"""
# aider chat started at 2025-01-02 10:00:00

#### {PROMPT}¶

Rotated.

# aider chat started at 2025-01-03 10:00:00

#### Now make setup-uv handle the empty case too.¶

Done.
""".replace("¶", "  ")


def run(store: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--store", str(store), *args])


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    history = tmp_path / "proj" / ".aider.chat.history.md"
    history.parent.mkdir()
    history.write_text(HISTORY)
    root = tmp_path / "store"
    assert run(root, "import", str(history)).exit_code == 0
    return root


def ids(store: Path) -> dict[str, str]:
    """Session id by the first word of its first prompt."""
    out = {}
    for sid in (row["id"] for row in json.loads(run(store, "list", "--json").stdout)):
        session = SessionStore(store).get(sid)
        out[session.messages[0].text.split()[0]] = sid
    return out


def leaked(text: str) -> list[str]:
    """Pieces of the two secrets (8 characters after the prefix is already too much)."""
    return [piece for piece in (AWS[:8], GHP[:12], GHP[4:14]) if piece in text]


def test_the_title_is_cut_through_the_token(store: Path) -> None:
    # the premise: the importer's title stops inside the GitHub token
    session = SessionStore(store).get(ids(store)["my"])
    assert session.title.endswith("…") and "ghp_abc" in session.title
    assert GHP not in session.title


@pytest.mark.parametrize("fmt", ["md", "html", "txt"])
def test_exports_never_leak_a_secret_through_the_title(store: Path, fmt: str) -> None:
    sid = ids(store)["my"]
    result = run(store, "export", sid, "--format", fmt, "--out", "-")
    assert result.exit_code == 0, result.output
    assert leaked(result.stdout) == []
    assert "[REDACTED:github-token]" in result.stdout.split("\n\n")[0] or fmt == "html"
    if fmt == "md":
        heading = result.stdout.splitlines()[0]
        assert heading.startswith("# my key is [REDACTED:aws-access-key] and token ")
        assert heading.endswith("…") and "[REDACTED:github-token]" in heading
    if fmt == "html":
        assert "<title>my key is [REDACTED:aws-access-key] and token [REDACTED:" in result.stdout


@pytest.mark.parametrize("layout", ["--per-session", "--zip"])
@pytest.mark.parametrize("fmt", ["md", "html", "txt"])
def test_files_of_a_per_session_export_leak_nothing(
    store: Path, tmp_path: Path, layout: str, fmt: str
) -> None:
    out = tmp_path / ("out.zip" if layout == "--zip" else "out")
    result = run(store, "export", "--all", "--format", fmt, layout, "--out", str(out))
    assert result.exit_code == 0, result.output
    if layout == "--zip":
        with zipfile.ZipFile(out) as archive:
            files = {name: archive.read(name).decode() for name in archive.namelist()}
    else:
        files = {p.name: p.read_text() for p in out.iterdir()}
    assert len(files) == 2
    for name, text in files.items():
        assert leaked(name) == [] and "AKIA" not in name and "ghp_" not in name
        assert leaked(text) == []


def test_a_multi_session_html_toc_leaks_nothing(store: Path) -> None:
    result = run(store, "export", "--all", "--format", "html", "--out", "-")
    assert '<nav class="toc">' in result.stdout
    assert leaked(result.stdout) == []


@pytest.mark.parametrize(
    "cut",
    [
        "ghp_abcdefghijklmnopqrstuvwxyz012345678",
        "github_pat_11ABCDEFG0123456789abcdef",
        "sk-ant-api03-abcdefghij",
        "sk-proj-abcdefghij",
        "sk-abcdef0123",
        "AKIAIOSFODNN7E",
        "xoxb-1234-5678",
        "xoxp-1234-5678",
        "AIzaSyA1234567",
        "glpat-abcdef0123",
        "hf_abcdefABCDEF0123",
        "sk_live_abcdef0123",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIi",
    ],
)
@pytest.mark.parametrize("ending", ["…", "...", ""])
def test_a_known_prefix_cut_at_the_end_of_a_title_is_redacted(cut: str, ending: str) -> None:
    redactor = Redactor()
    title = f"Deploy with token {cut}{ending}"
    assert redactor.redact_title(title) == f"Deploy with token [REDACTED:secret]{ending}" or (
        # long enough for its full rule: redacted under its own kind
        "[REDACTED:" in redactor.redact_title(title) and cut not in redactor.redact_title(title)
    )
    # A title the importer did not cut from a prompt (a tool's summary) is redacted too.
    session = Session(
        id="s",
        title=title,
        messages=[Message(id="m", role="user", content=[TextBlock(text="unrelated")])],
    )
    redacted, counts = redactor.redact_session(session)
    assert cut not in redacted.title and counts


def test_ordinary_titles_are_left_alone() -> None:
    redactor = Redactor()
    for title in (
        "Fix the task-runner…",
        "Use the sk- prefix check",
        "Rename hf_ helpers and AKIA docs",
        "Parse eyJ tokens in the middle of a title",
    ):
        assert redactor.redact_title(title) == title


# -- the heading of an untitled session --------------------------------------------------------


def test_show_and_exports_head_an_untitled_session_as_list_does(tmp_path: Path) -> None:
    root = tmp_path / "store"
    session = Session(
        id="aider-untitled",
        title="",
        source="aider",
        messages=[
            Message(
                id="u",
                role="user",
                content=[TextBlock(text="Now make setup-uv handle the empty case too.")],
            ),
            Message(id="a", role="assistant", content=[TextBlock(text="Done.")]),
        ],
    )
    with SessionStore(root) as s:
        s.save(session)
    expected = display_title(session)
    assert expected == "Now make setup-uv handle the empty case too."
    [row] = json.loads(run(root, "list", "--json").stdout)
    assert row["title"] == expected
    assert run(root, "show", "aider-untitled").stdout.splitlines()[0] == expected
    md = run(root, "show", "aider-untitled", "--markdown").stdout
    assert md.splitlines()[0] == f"# {expected}"
    for fmt, heading in (("md", f"# {expected}"), ("txt", expected)):
        out = run(root, "export", "aider-untitled", "--format", fmt, "--out", "-").stdout
        assert out.splitlines()[0] == heading and "(untitled)" not in out
    html = run(root, "export", "aider-untitled", "--format", "html", "--out", "-").stdout
    assert f"<h1>{expected}</h1>" in html and f"<title>{expected}</title>" in html


def test_an_untitled_sessions_heading_is_redacted(tmp_path: Path) -> None:
    root = tmp_path / "store"
    prompt = "x " * 40 + f"token {GHP} rotate"  # display_title cuts at 100: mid-token
    session = Session(
        id="untitled-secret",
        messages=[Message(id="u", role="user", content=[TextBlock(text=prompt)])],
    )
    assert GHP not in display_title(session) and GHP[:10] in display_title(session)
    with SessionStore(root) as s:
        s.save(session)
    for fmt in ("md", "html", "txt"):
        out = run(root, "export", "untitled-secret", "--format", fmt, "--out", "-").stdout
        assert leaked(out) == [], fmt
