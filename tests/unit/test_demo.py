"""The demo sessions read like real ones: users ask, assistants explain, code is fenced in the
project's language, and a subagent belongs to its parent (same project, same resume id)."""

from __future__ import annotations

import re

from sessions_tui.demo import demo_sessions, generate_sessions
from sessions_tui.tui.resume import resume_command, resume_note

FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)
LANGS = {
    "payments-api": {"python"},
    "sessions-tui": {"python", "yaml", "sql"},
    "infra": {"hcl", "yaml"},
    "blog": {"javascript"},
    "ml-notebooks": {"python"},
    "mobile-app": {"kotlin"},
    "kv-store": {"rust"},
}


def _texts(session, role):
    return [m.text for m in session.messages if m.role == role and m.text]


def test_code_fences_use_the_language_of_the_sessions_project():
    fenced = 0
    for session in demo_sessions():
        for text in _texts(session, "assistant"):
            for lang, body in FENCE.findall(text):
                fenced += 1
                assert lang, session.id
                if session.project:
                    name = session.project.rsplit("/", 1)[-1]
                    assert lang in LANGS[name], (session.title, lang)
                if 'resource "' in body:  # Terraform is never in a Python fence
                    assert lang == "hcl"
    assert fenced > 20


def test_users_ask_and_assistants_answer_in_different_voices():
    user, assistant = set(), set()
    for session in demo_sessions():
        user.update(_texts(session, "user"))
        assistant.update(_texts(session, "assistant"))
    assert not user & assistant
    assistant_openings = ("Let me", "I'll", "I ran", "The simplest", "This keeps")
    assert not [t for t in user if t.startswith(assistant_openings)]
    assert not [t for t in user if "```" in t]  # users paste outputs, not fenced answers
    assert len(user) > 40 and len(assistant) > 30  # varied, not a handful of templates


def test_a_subagent_has_its_parents_project_branch_and_resume_id():
    sessions = {s.id: s for s in demo_sessions()}
    subagents = [s for s in sessions.values() if s.parent_session_id]
    assert subagents
    for sub in subagents:
        parent = sessions[sub.parent_session_id]
        assert sub.project == parent.project and sub.git_branch == parent.git_branch
        assert sub.source_ref.id == parent.source_ref.id
        assert resume_command(sub.source, sub.source_ref.id, sub.project) == resume_command(
            parent.source, parent.source_ref.id, parent.project
        )
        assert parent.created <= sub.created <= sub.updated <= parent.updated


def test_demo_and_generated_sessions_are_deterministic():
    assert [s.model_dump() for s in demo_sessions()] == [s.model_dump() for s in demo_sessions()]
    first = [s.id for s in generate_sessions(50, seed=3)]
    assert first == [s.id for s in generate_sessions(50, seed=3)] and len(set(first)) == 50


def test_every_demo_session_ended_before_the_demos_now():
    from sessions_tui.demo import BASE_TIME

    for session in demo_sessions():
        assert session.created <= session.updated < BASE_TIME, session.title


def test_an_imported_claude_code_subagent_resumes_its_parent():
    parent = "4c2ddfdc-0000-4000-8000-1950fb1b0257"
    for child in (f"{parent}.agent-36541525", f"{parent}.sidechain-0f8fad5b"):
        # the command alone, ready to paste: the note is said beside it, not in a comment
        assert resume_command("claude-code", child, "/src/app") == (
            f"cd /src/app && claude --resume {parent}"
        )
        assert "parent session" in (resume_note("claude-code", child) or "")
    assert resume_command("claude-code", parent, None) == f"claude --resume {parent}"
    assert resume_note("claude-code", parent) is None
