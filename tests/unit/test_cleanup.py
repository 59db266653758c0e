"""Cleanup: each policy, their combination, starred protection, a preview that writes nothing,
apply-then-restore byte-identical, sessions written meanwhile survive, symlinks are never
followed, and a cleanup SIGKILLed midway loses nothing."""

from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import string
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from sessions_tui.cleanup import CleanupPolicy, apply, parse_age, parse_size, preview, undo
from sessions_tui.cleanup.policy import PolicyError
from sessions_tui.cli import main
from sessions_tui.models import Message, Session, TextBlock
from sessions_tui.store import SessionStore

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


def _noise(n: int) -> str:
    """Text that does not compress (the store writes zstd), so file size follows ``n``."""
    rng = random.Random(n)
    return "".join(rng.choice(string.ascii_letters) for _ in range(n))


def make(
    sid: str,
    *,
    days_old: float = 1,
    source: str = "claude-code",
    project: str | None = "/p",
    reply: bool = True,
    body: str | None = None,
    starred: bool = False,
    parent: str | None = None,
    padding: int = 0,
) -> Session:
    when = NOW - timedelta(days=days_old)
    messages = [Message(id="u", role="user", timestamp=when, content=[TextBlock(text=body or sid)])]
    if reply:
        messages.append(
            Message(
                id="a",
                role="assistant",
                timestamp=when,
                content=[TextBlock(text="reply " + _noise(padding))],
            )
        )
    return Session(
        id=sid,
        title=sid,
        source=source,
        project=project,
        created=when,
        updated=when,
        starred=starred,
        parent_session_id=parent,
        messages=messages,
    )


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    store = SessionStore(tmp_path / "store")
    store.save_many(
        [
            make("old-aider", days_old=200, source="aider"),
            make("old-claude", days_old=150),
            make("old-starred", days_old=300, starred=True),
            make("new-aider", days_old=2, source="aider"),
            make("new-claude", days_old=1),
            make("no-reply", days_old=10, reply=False),
            make("big", days_old=5, padding=200_000),
            make("dup-first", days_old=40, body="same words"),
            # the same conversation imported again later under another id: a duplicate
            make("dup-second", days_old=40, body="same words").model_copy(
                update={"created": NOW - timedelta(days=30), "title": "imported again"}
            ),
            # the same words on another day: a different conversation, not a duplicate
            make("same-words-later", days_old=20, body="same words"),
            make("child", days_old=150, parent="old-claude"),
            Session(id="empty", title="empty", created=NOW, updated=NOW - timedelta(days=3)),
        ]
    )
    return store


def ids(plan) -> set[str]:
    return {c.id for c in plan.candidates}


def test_parse_age_and_size() -> None:
    assert parse_age("90d") == 90
    assert parse_age("2w") == 14
    assert parse_age("12h") == 0.5
    assert parse_age("6mo") == 180
    assert parse_age("1y") == 365
    assert parse_age("30") == 30
    assert parse_size("500k") == 500 * 1024
    assert parse_size("1.5GB") == int(1.5 * (1 << 30))
    assert parse_size("10MiB") == 10 << 20
    for bad in ("3x", "-1d", "0d", ""):
        with pytest.raises(PolicyError):
            parse_age(bad)


@pytest.mark.parametrize(
    ("age", "days"),
    [
        ("12h", 0.5),
        ("90d", 90),
        ("2w", 14),
        ("6mo", 180),
        ("6m", 180),
        ("1y", 365),
        ("3weeks", 21),
        ("2 months", 60),
    ],
)
def test_cleanup_and_the_query_language_read_an_age_alike(age: str, days: float) -> None:
    """`cleanup --older-than 6mo` and `after:6mo` in a search mean the same span."""
    from datetime import UTC, datetime, timedelta

    from sessions_tui.search.query import parse_date

    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert parse_age(age) == days
    assert parse_date(age, now=now) == (now - timedelta(days=days), now)


def test_older_than_selects_old_sessions_but_never_starred(store: SessionStore) -> None:
    plan = preview(store, CleanupPolicy(older_than_days=90), now_ms=NOW_MS)
    assert ids(plan) == {"old-aider", "old-claude", "child"}
    assert plan.protected_starred == 1
    assert plan.bytes == sum(os.path.getsize(store.path_of(i)) for i in ids(plan))


def test_older_than_says_how_old_each_session_is(store: SessionStore) -> None:
    """The preview's reason is each session's own age, not the threshold repeated: a
    200-day-old session must not read "not updated for 90 days"."""
    plan = preview(store, CleanupPolicy(older_than_days=90), now_ms=NOW_MS)
    reasons = {c.id: c.reasons for c in plan.candidates}
    assert reasons["old-aider"] == ["not updated for 200 days"]
    assert reasons["old-claude"] == ["not updated for 150 days"]


def test_scope_narrows_criteria(store: SessionStore) -> None:
    plan = preview(store, CleanupPolicy(older_than_days=90, sources=("aider",)), now_ms=NOW_MS)
    assert ids(plan) == {"old-aider"}
    assert plan.considered == 2


def test_scope_alone_selects_the_whole_scope(store: SessionStore) -> None:
    plan = preview(store, CleanupPolicy(sources=("aider",)), now_ms=NOW_MS)
    assert ids(plan) == {"old-aider", "new-aider"}


def test_keep_newest(store: SessionStore) -> None:
    plan = preview(store, CleanupPolicy(keep_newest=8), now_ms=NOW_MS)
    # 12 sessions; the 4 oldest go except the starred one, which is kept anyway
    assert ids(plan) == {"old-aider", "old-claude", "child"}
    assert plan.protected_starred == 1


def test_keep_newest_protects_within_criteria(store: SessionStore) -> None:
    plan = preview(store, CleanupPolicy(older_than_days=90, keep_newest=10), now_ms=NOW_MS)
    assert ids(plan) == {"old-aider"}  # old-claude and child are among the newest 10


def test_larger_than(store: SessionStore) -> None:
    plan = preview(store, CleanupPolicy(larger_than=parse_size("50k")), now_ms=NOW_MS)
    assert ids(plan) == {"big"}


def test_trivial_finds_empty_and_unanswered(store: SessionStore) -> None:
    plan = preview(store, CleanupPolicy(trivial=True), now_ms=NOW_MS)
    assert ids(plan) == {"no-reply", "empty"}
    reasons = {c.id: c.reasons for c in plan.candidates}
    assert reasons["empty"] == ["empty"] and reasons["no-reply"] == ["no assistant reply"]


def test_duplicates_keep_the_first_copy(store: SessionStore) -> None:
    plan = preview(store, CleanupPolicy(duplicates=True), now_ms=NOW_MS)
    assert ids(plan) == {"dup-second"}
    assert plan.candidates[0].reasons == ["duplicate of dup-first"]


def test_criteria_all_must_hold_unless_any(store: SessionStore) -> None:
    both = CleanupPolicy(trivial=True, older_than_days=7)
    assert ids(preview(store, both, now_ms=NOW_MS)) == {"no-reply"}
    either = CleanupPolicy(trivial=True, duplicates=True, larger_than=50_000, match_any=True)
    assert ids(preview(store, either, now_ms=NOW_MS)) == {"no-reply", "empty", "dup-second", "big"}


def test_subagents_follow_their_parent(store: SessionStore) -> None:
    plan = preview(store, CleanupPolicy(older_than_days=90, projects=("/p",)), now_ms=NOW_MS)
    assert "child" in ids(plan)
    only = preview(
        store,
        CleanupPolicy(sources=("claude-code",), older_than_days=140, with_subagents=False),
        now_ms=NOW_MS,
    )
    assert ids(only) == {"old-claude", "child"}  # child qualifies by its own age here


def test_a_kept_parent_keeps_its_subagents(store: SessionStore) -> None:
    """Keep-newest or an age limit must not strip a kept session of its subagent transcripts:
    here the parent is starred (never removed), so its old child stays with it."""
    store.set_starred(["old-claude"], True)
    plan = preview(store, CleanupPolicy(older_than_days=90), now_ms=NOW_MS)
    assert "child" not in ids(plan) and "old-claude" not in ids(plan)
    alone = preview(store, CleanupPolicy(older_than_days=90, with_subagents=False), now_ms=NOW_MS)
    assert "child" in ids(alone)


def test_empty_policy_selects_nothing(store: SessionStore) -> None:
    assert preview(store, CleanupPolicy()).candidates == []


def _hash_tree(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_dry_run_changes_no_byte_of_the_store(store: SessionStore) -> None:
    root = store.root
    store.close()
    before = _hash_tree(root)
    args = ["--older-than", "1d", "--empty", "--duplicates", "--any", "--dry-run"]
    result = subprocess.run(
        [sys.executable, "-m", "sessions_tui", "--store", str(root), "cleanup", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\d+ sessions? would go", result.stdout, re.MULTILINE)
    assert _hash_tree(root) == before


def test_apply_then_restore_is_byte_identical(store: SessionStore) -> None:
    plan = preview(store, CleanupPolicy(older_than_days=90), now_ms=NOW_MS)
    files = {c.id: store.path_of(c.id).read_bytes() for c in plan.candidates}
    result = apply(store, plan)
    assert set(result.removed) == set(files)
    assert result.bytes_freed == sum(len(b) for b in files.values())
    for sid in files:
        assert not store.exists(sid)
        assert store.summary(sid) is None  # out of the metadata index too
    assert {e.session_id for e in store.trash()} == set(files)
    report = undo(store, result)
    assert set(report.restored) == set(files)
    for sid, data in files.items():
        assert store.path_of(sid).read_bytes() == data
        assert store.summary(sid) is not None
    ops = [e["op"] for e in store.operations()]
    assert ops[-2:] == ["cleanup", "restore"]
    logged = store.operations()[-2]
    assert set(logged["ids"]) == set(files) and logged["policy"]["older_than_days"] == 90


def test_listeners_hear_the_delete(store: SessionStore) -> None:
    events = []
    store.listeners.append(events.append)
    plan = preview(store, CleanupPolicy(trivial=True), now_ms=NOW_MS)
    apply(store, plan)
    assert [(e.kind, set(e.ids)) for e in events] == [("deleted", {"no-reply", "empty"})]


def test_a_session_written_after_the_preview_survives(store: SessionStore) -> None:
    plan = preview(store, CleanupPolicy(older_than_days=90), now_ms=NOW_MS)
    session = store.get("old-aider")
    session.messages.append(
        Message(id="late", role="user", content=[TextBlock(text="still here?")])
    )
    store.save(session)
    result = apply(store, plan)
    assert result.changed == ["old-aider"]
    assert store.exists("old-aider")
    assert len(store.get("old-aider").messages) == 3
    assert set(result.removed) == {"old-claude", "child"}


def test_starring_after_the_preview_protects_too(store: SessionStore) -> None:
    plan = preview(store, CleanupPolicy(older_than_days=90), now_ms=NOW_MS)
    store.set_starred(["old-claude"], True)
    result = apply(store, plan)
    assert "old-claude" in result.changed and store.exists("old-claude")


def _swap_for_symlink(store: SessionStore, sid: str, outside: Path) -> Path:
    target = store.path_of(sid)
    outside.write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(outside)
    return target


def test_symlinked_session_files_are_never_deleted_through(
    store: SessionStore, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.json"
    link = _swap_for_symlink(store, "old-aider", outside)
    plan = preview(store, CleanupPolicy(older_than_days=90), now_ms=NOW_MS)
    assert "old-aider" not in ids(plan)
    apply(store, plan)
    assert outside.exists() and link.is_symlink()


def test_a_file_swapped_for_a_symlink_after_the_preview_is_skipped(
    store: SessionStore, tmp_path: Path
) -> None:
    plan = preview(store, CleanupPolicy(older_than_days=90), now_ms=NOW_MS)
    assert "old-aider" in ids(plan)
    outside = tmp_path / "outside.json"
    link = _swap_for_symlink(store, "old-aider", outside)
    result = apply(store, plan)
    assert "old-aider" in result.changed and "old-aider" not in result.removed
    assert outside.exists() and link.is_symlink()
    assert set(result.removed) == {"old-claude", "child"}


def test_cli_refuses_without_a_terminal_and_applies_with_yes(store: SessionStore) -> None:
    root = str(store.root)
    refused = CliRunner().invoke(main, ["--store", root, "cleanup", "--empty"])
    assert refused.exit_code == 1
    assert "no terminal" in refused.output and store.exists("empty")
    done = CliRunner().invoke(main, ["--store", root, "cleanup", "--empty", "--yes"])
    assert done.exit_code == 0, done.output
    assert "Moved 2 sessions, " in done.output
    assert not store.exists("empty") and not store.exists("no-reply")
    undone = CliRunner().invoke(main, ["--store", root, "cleanup", "--undo"])
    assert undone.exit_code == 0, undone.output
    # the cleanup's time in the one format every command prints (ISO UTC, ms, Z)
    assert re.search(
        r"^Restored 2 sessions removed by the cleanup of \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\.$",
        undone.output,
        re.MULTILINE,
    ), undone.output
    assert store.exists("empty") and store.exists("no-reply")
    again = CliRunner().invoke(main, ["--store", root, "cleanup", "--undo"])
    assert again.exit_code == 0 and again.output.startswith("Nothing to undo"), again.output


def test_cli_needs_a_policy_and_valid_values(store: SessionStore) -> None:
    root = str(store.root)
    none = CliRunner().invoke(main, ["--store", root, "cleanup", "--dry-run"])
    assert none.exit_code == 2 and "name a policy" in none.output
    bad = CliRunner().invoke(main, ["--store", root, "cleanup", "--older-than", "soon"])
    assert bad.exit_code == 2 and "not an age" in bad.output


# -- SIGKILL midway --------------------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import os, sys
    from sessions_tui.cleanup import CleanupPolicy, apply, preview
    from sessions_tui.store import SessionStore

    store = SessionStore(sys.argv[1])
    plan = preview(store, CleanupPolicy(sources=("aider",)))
    real_rename = os.rename
    count = 0

    def reporting_rename(src, dst):
        global count
        real_rename(src, dst)
        count += 1
        print(count, flush=True)      # the parent kills us after the Nth move
        sys.stdin.readline()          # and waits here so the kill lands exactly there

    os.rename = reporting_rename
    apply(store, plan)
    print("done", flush=True)
    """
)


@pytest.mark.parametrize("kill_after", [1, 17, 39])
def test_cleanup_killed_midway_loses_nothing(tmp_path: Path, kill_after: int) -> None:
    root = tmp_path / "store"
    store = SessionStore(root)
    store.save_many([make(f"a{i:02d}", source="aider") for i in range(40)])
    store.save_many([make(f"c{i:02d}") for i in range(5)])
    everything = {s.id for s in store.list()}
    before = {sid: store.path_of(sid).read_bytes() for sid in everything}
    store.close()
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    child = subprocess.Popen(
        [sys.executable, str(script), str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(kill_after):
            line = child.stdout.readline()
            assert line.strip().isdigit(), line
            if int(line) < kill_after:
                child.stdin.write("\n")
                child.stdin.flush()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    reopened = SessionStore(root)
    in_store = {sid for sid in everything if reopened.exists(sid)}
    in_trash = {e.session_id for e in reopened.trash()}
    assert in_store | in_trash == everything, "a session was lost"
    assert not (in_store & in_trash), "a session is in both places"
    # the interrupted step was rolled back as a whole: everything is where it was
    assert in_store == everything
    for sid, data in before.items():
        assert reopened.path_of(sid).read_bytes() == data
    assert {s.id for s in reopened.list()} == everything
