"""Redaction: every kind of planted secret is found, ordinary text is left alone, and no rule
takes more than linear time on hostile 200 KB inputs."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from sessions_tui.demo import demo_sessions
from sessions_tui.export.redact import (
    EMAIL_RULE,
    ENTROPY_RULES,
    SECRET_RULES,
    InvalidPattern,
    RedactionOptions,
    Redactor,
)
from sessions_tui.models import Message, Session, TextBlock, ToolCallBlock, ToolResultBlock

# Planted secrets (all fake, built from obviously synthetic characters), by expected kind.
PLANTED = {
    "aws-access-key": "AKIAQ7XEXAMPLE2KEY34",
    "github-token": "ghp_" + "Ab3" * 12,
    "anthropic-key": "sk-ant-api03-" + "xY9_" * 20,
    "openai-key": "sk-proj-" + "Qw3-" * 12,
    "slack-token": "xoxb-1234567890-0987654321-" + "aB3" * 8,
    "google-api-key": "AIza" + "Sy9" * 11 + "xy",
    "gitlab-token": "glpat-" + "Zx8_" * 5,
    "huggingface-token": "hf_" + "Kp7" * 11 + "q",
    "stripe-key": "sk_live_" + "51Hx" * 6,
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
}
EXTRA_PLANTED = {
    "openai-key": "sk-" + "T3BlbkFJ" * 4 + "9z",  # legacy OpenAI style
    "github-token": "github_pat_11ABCDEFG0" + "x1Y2" * 14,
    "stripe-key": "rk_live_" + "Ab12" * 6,
    "slack-token": "xoxp-2222222222-3333333333-" + "cD4" * 8,
}
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAx3Zb0fakefakefakefakefakefakefakefakefakefakefakefake\n"
    "c29tZWJhc2U2NGZha2VrZXltYXRlcmlhbGhlcmVub3RyZWFsYXRhbGw=\n"
    "-----END RSA PRIVATE KEY-----"
)


def redact(text: str, **options) -> tuple[str, Counter[str]]:
    counts: Counter[str] = Counter()
    return Redactor(RedactionOptions(**options)).redact_text(text, counts), counts


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_each_planted_kind_is_found_in_prose(kind: str) -> None:
    secret = PLANTED[kind]
    out, counts = redact(f"here it is: {secret}, use it wisely")
    assert secret not in out
    assert f"[REDACTED:{kind}]" in out
    assert out.startswith("here it is: ") and out.endswith(", use it wisely")
    assert counts == Counter({kind: 1})


@pytest.mark.parametrize(("kind", "secret"), sorted(EXTRA_PLANTED.items()))
def test_other_spellings_of_the_same_kinds(kind: str, secret: str) -> None:
    out, counts = redact(f'export TOKEN="{secret}"')
    assert secret not in out
    assert counts[kind] == 1


def test_private_key_block_goes_whole_and_text_around_it_stays() -> None:
    out, counts = redact(f"my key:\n{PEM}\nplease keep it safe")
    assert out == "my key:\n[REDACTED:private-key]\nplease keep it safe"
    assert counts == Counter({"private-key": 1})


def test_truncated_private_key_block_still_goes_but_following_prose_stays() -> None:
    cut = PEM.rsplit("\n", 1)[0]  # no END line (a log cut short)
    out, counts = redact(f"{cut}\nThen I said hello.")
    assert "MIIEow" not in out and "c29tZWJh" not in out
    assert out.endswith("\nThen I said hello.")
    assert counts["private-key"] == 1


def test_url_password_keeps_scheme_user_and_host() -> None:
    out, counts = redact("connect to postgres://admin:s3cr3t-Pa55@db.internal:5432/app now")
    assert out == "connect to postgres://admin:[REDACTED:url-password]@db.internal:5432/app now"
    assert counts == Counter({"url-password": 1})


@pytest.mark.parametrize(
    "text",
    [
        "postgres://user:${DB_PASSWORD}@localhost/db",
        "https://user:<password>@example.com",
        "redis://:****@cache:6379",
    ],
)
def test_url_password_placeholders_are_not_secrets(text: str) -> None:
    out, counts = redact(text)
    assert out == text and not counts


def test_several_secrets_in_one_string_are_all_counted() -> None:
    text = " ".join(PLANTED.values()) + "\n" + PEM
    out, counts = redact(text)
    for secret in PLANTED.values():
        assert secret not in out
    assert counts == Counter({kind: 1 for kind in PLANTED} | {"private-key": 1})


@pytest.mark.parametrize(
    "text",
    [
        "commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 fixed it",  # git SHA
        "id 123e4567-e89b-12d3-a456-426614174000",  # UUID
        "from huggingface_hub import hf_hub_download",
        "pip install scikit-learn; import sklearn as sk",
        "the task-force-for-long-hyphenated-css-class-names-here is done",
        "sk-this-is-not-a-key-because-it-has-hyphens",
        "AKIA is a prefix but AKIAshort is not a key",
        "see https://example.com/path?x=1 and ssh git@github.com:me/repo.git",
        "eyJ but not a jwt: eyJhbGciOiJIUzI1NiJ9 alone",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END CERTIFICATE-----",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    out, counts = redact(text)
    assert out == text and not counts


def test_a_fixture_without_secrets_is_unchanged() -> None:
    redactor = Redactor(RedactionOptions())
    for session in demo_sessions():
        redacted, counts = redactor.redact_session(session)
        assert not counts, (session.id, counts)
        assert redacted == session


def test_emails_and_home_paths_only_when_asked() -> None:
    text = "mail bob.smith@example.co.uk. logs in /home/alice/proj and C:\\Users\\Bob\\x"
    out, counts = redact(text)
    assert out == text and not counts
    out, counts = redact(text, emails=True, home_paths=True)
    assert out == "mail [REDACTED:email]. logs in ~/proj and ~\\x"
    assert counts == Counter({"email": 1, "home-path": 2})


def test_emails_do_not_flag_retina_image_names() -> None:
    _out, counts = redact("icon@2x.png and logo@3x.webp", emails=True)
    assert not counts


def test_entropy_rules_only_when_asked() -> None:
    text = 'config: api_key = "Zx8kQ2mN7pL4vR9tW3yB" and token tQ8xL2vB9nM4kP7rZ3wY6cF1hJ5sD0gA'
    assert redact(text)[1] == Counter()
    out, counts = redact(text, entropy=True)
    assert "Zx8kQ2mN7pL4vR9tW3yB" not in out
    assert "tQ8xL2vB9nM4kP7rZ3wY6cF1hJ5sD0gA" not in out
    assert counts["generic-secret"] + counts["high-entropy"] == 2


def test_entropy_rule_skips_hex_hashes() -> None:
    sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    assert redact(f"sha256 {sha}", entropy=True)[1] == Counter()


def test_custom_patterns_run_and_count() -> None:
    out, counts = redact("ticket ACME-1234 and ACME-99", patterns=[r"ACME-\d+"])
    assert out == "ticket [REDACTED:custom] and [REDACTED:custom]"
    assert counts == Counter({"custom": 2})


@pytest.mark.parametrize("pattern", ["(unclosed", "a*"])
def test_bad_custom_patterns_are_a_clear_error(pattern: str) -> None:
    with pytest.raises(InvalidPattern, match="redaction pattern"):
        Redactor(RedactionOptions(patterns=[pattern]))


def test_session_redaction_reaches_tool_inputs_and_outputs_but_never_ids() -> None:
    key = PLANTED["aws-access-key"]
    session = Session(
        id="s1",
        title=f"leaked {key}",
        messages=[
            Message(id="m1", role="user", content=[TextBlock(text=f"key {key}")]),
            Message(
                id="m2",
                role="assistant",
                content=[
                    ToolCallBlock(id="c1", name="bash", input={"cmd": f"export K={key}", "n": 1}),
                    ToolResultBlock(call_id="c1", output=f"K={key}"),
                ],
            ),
        ],
    )
    redacted, counts = Redactor().redact_session(session)
    assert counts == Counter({"aws-access-key": 4})
    assert key not in redacted.model_dump_json()
    assert key in session.model_dump_json()  # the original is untouched
    assert [m.id for m in redacted.messages] == ["m1", "m2"]
    assert redacted.messages[1].content[0].input["n"] == 1


def test_secrets_under_identifier_names_inside_free_form_data_are_redacted() -> None:
    """`id`, `type`, `role`... are kept only as the model's own members: in a tool's input, in
    `extra` or in the tags they are data like any other, and so are dictionary keys."""
    p = PLANTED
    session = Session(
        id="s1",
        tags=[p["stripe-key"]],
        extra={"source": p["slack-token"]},
        messages=[
            Message(
                id="m1",
                role="assistant",
                content=[
                    ToolCallBlock(
                        id="c1",
                        name="http",
                        input={
                            "id": p["github-token"],
                            "type": p["aws-access-key"],
                            "role": p["openai-key"],
                            "headers": {"kind": p["gitlab-token"]},
                            p["huggingface-token"]: "as a key",
                        },
                    ),
                    ToolResultBlock(call_id="c1", output="ok"),
                ],
            )
        ],
    )
    redacted, counts = Redactor().redact_session(session)
    dumped = redacted.model_dump_json()
    for kind in (
        "stripe-key",
        "slack-token",
        "github-token",
        "aws-access-key",
        "openai-key",
        "gitlab-token",
        "huggingface-token",
    ):
        assert p[kind] not in dumped, kind
        assert counts[kind] == 1, kind
    # the model's own identifiers stay, so the session is still valid and linked
    assert redacted.id == "s1" and redacted.messages[0].id == "m1"
    assert redacted.messages[0].content[1].call_id == "c1"


def test_url_password_with_an_empty_user_name() -> None:
    out, counts = redact("REDIS_URL=redis://:s3cretpw@cache:6379/0")
    assert out == "REDIS_URL=redis://:[REDACTED:url-password]@cache:6379/0"
    assert counts == Counter({"url-password": 1})


# -- linear time on hostile input -----------------------------------------------------------

SIZE = 200_000


def _adversarial() -> dict[str, str]:
    """Inputs shaped to make a careless regex backtrack: long runs of token characters,
    repeated prefixes that never complete, almost-matches of every rule."""
    inputs = {
        "letters": "a" * SIZE,
        "base64": ("Ab3+/x9Z" * (SIZE // 8)),
        "prefix-akia": "AKIA" * (SIZE // 4),
        "prefix-sk": "sk-" * (SIZE // 3),
        "prefix-ghp": "ghp_" * (SIZE // 4),
        "prefix-eyj": "eyJ" * (SIZE // 3),
        "jwt-dots": ("eyJ" + "a" * 9 + ".") * (SIZE // 13),
        "url": "a://" * (SIZE // 4),
        "url-user": "x://" + "u:" * (SIZE // 2),
        "at-signs": "a@" * (SIZE // 2),
        "email-labels": "a@" + "b." * (SIZE // 2),
        "pem-begin": "-----BEGIN RSA PRIVATE KEY-----" * (SIZE // 31),
        "pem-begin-lines": "-----BEGIN RSA PRIVATE KEY-----\n" + "QUJD\n" * (SIZE // 5),
        "home": "/home/" * (SIZE // 6),
        "assign": "api_key=" * (SIZE // 8),
        "spaces": " " * SIZE,
        "slack": "xoxb-" * (SIZE // 5),
    }
    return inputs


def _best_time(func, text: str, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func(text)
        best = min(best, time.perf_counter() - start)
    return best


def _growth(redactor: Redactor, big: str) -> tuple[float, float]:
    """(time at 200 KB / time at 50 KB, time at 200 KB / a plain str.find over 200 KB)."""
    small = big[: len(big) // 4]
    redactor.redact_text(small)  # warm up
    t_small = _best_time(redactor.redact_text, small, repeat=5)
    t_big = _best_time(redactor.redact_text, big, repeat=5)
    t_find = _best_time(lambda s: s.find("\x00"), big, repeat=5)
    return t_big / max(t_small, 1e-9), t_big / max(t_find, 1e-9)


def test_every_rule_is_linear_on_hostile_200kb_inputs() -> None:
    """Time each input at 50 KB and at 200 KB in the same run: linear work grows about 4x,
    quadratic work 16x. No absolute threshold, so a slow or busy machine cannot fail it; and
    an input is only judged when its work is substantial next to a plain ``str.find`` over
    the same text (tiny timings are all noise). A suspect input is measured once more before
    it fails, since another process may have stolen the CPU during one measurement."""
    redactor = Redactor(RedactionOptions(emails=True, home_paths=True, entropy=True))
    failures = []
    for name, big in _adversarial().items():
        for _attempt in range(2):
            growth, vs_find = _growth(redactor, big)
            if growth <= 9 or vs_find < 50:
                break
        else:
            failures.append(f"{name}: x{growth:.1f} for 4x the input ({vs_find:.0f}x a find)")
    assert not failures, failures


def test_rules_have_bounded_shapes() -> None:
    """Every built-in pattern uses bounded possessive repetition only (no bare * or + after
    a class), the structure that rules out catastrophic backtracking."""
    import re

    for rule in (*SECRET_RULES, *ENTROPY_RULES, EMAIL_RULE):
        source = rule.pattern.pattern
        unbounded = re.findall(r"\](?:[*+])(?!\+)", source)
        assert not unbounded, (rule.kind, source)
