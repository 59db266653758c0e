"""Secret redaction for exports: keys and tokens, private keys, JWTs, URL passwords, and more.

Rules key on distinctive prefixes, as gitleaks does, so ordinary prose and code are left alone.
Every built-in rule is written so that it cannot backtrack badly on hostile input (a 200 KB line
of base64 or of repeated prefixes):

* each rule first checks its literal *needles* with ``str.__contains__`` (memchr speed), so most
  strings never reach a regular expression;
* every pattern opens with a look-behind that only lets a match start where a token can start
  (not in the middle of a run of token characters), and every repetition is bounded and
  possessive (``{m,n}+``, Python 3.11), so one attempt costs at most a fixed number of steps;
* PEM blocks, whose body is unbounded, are found with ``str.find`` rather than a regex.

User patterns (``AppSettings.redact_patterns``, ``--redact-pattern``) run as written: their
speed is their author's business, but a pattern that does not compile is a clear error.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..models import Session

#: What replaces a secret: the kind stays visible, so a reader knows something was there.
PLACEHOLDER = "[REDACTED:{kind}]"

# Characters a token can be made of; a match may only start where the previous char is not one.
_TOK = r"A-Za-z0-9_\-"
_START = rf"(?<![{_TOK}])"
_END = rf"(?![{_TOK}])"


def _has_digit_and_letter(text: str) -> bool:
    return any(c.isdigit() for c in text) and any(c.isalpha() for c in text)


_PLACEHOLDER_WORDS = ("password", "passwd", "secret", "changeme", "example", "redacted")


def _placeholder_password(text: str) -> bool:
    """``${PASS}``, ``<password>``, ``***``, ``your_password``: documentation, not secrets."""
    lowered = text.lower()
    return (
        text[0] in "${<%["
        or set(text) <= set("*xX.")
        or lowered in ("pass", "pwd", "pw", "user", "token")
        or any(word in lowered for word in _PLACEHOLDER_WORDS)
    )


#: Identifier prefixes of API objects (messages, tool calls, requests): random-looking, public.
_ID_PREFIXES = (
    "msg_",
    "toolu_",
    "srvtoolu_",
    "req_",
    "call_",
    "chatcmpl-",
    "resp_",
    "run_",
    "file-",
    "agent_msg_",
    "thread_",
    "asst_",
)


#: ``GPT2Tokenizer.from_pretrained``: code assigned to a variable named like a secret.
_DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,100}(?:\.[A-Za-z_][A-Za-z0-9_]{0,100}){1,20}$")


def _random_token(text: str) -> bool:
    """High-entropy, mixed-case, with digits; not hex, not an API object id, not a path."""
    return (
        shannon_entropy(text) >= 4.3
        and _has_digit_and_letter(text)
        and any(c.isupper() for c in text)
        and any(c.islower() for c in text)
        and not text.startswith(_ID_PREFIXES)
        and text.count("/") < 2
    )


def shannon_entropy(text: str) -> float:
    """Bits per character of ``text`` (0 for the empty string)."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of secret.

    Attributes:
        kind: the name reported in counts and shown in the placeholder.
        pattern: the regular expression; group ``secret`` (if present) is the part replaced.
        needles: literal strings one of which must occur for the rule to run at all.
        check: an extra test on the matched secret, to keep false positives down.
        replacement: a fixed replacement instead of the placeholder (home paths become ``~``).
    """

    kind: str
    pattern: re.Pattern[str]
    needles: tuple[str, ...]
    check: Callable[[str], bool] | None = None
    replacement: str | None = None


def _rule(
    kind: str,
    pattern: str,
    needles: Iterable[str],
    check: Callable[[str], bool] | None = None,
    flags: int = 0,
    replacement: str | None = None,
) -> Rule:
    return Rule(kind, re.compile(pattern, flags), tuple(needles), check, replacement)


#: The default rules, most specific first (an Anthropic key also looks like an OpenAI ``sk-``).
SECRET_RULES: tuple[Rule, ...] = (
    _rule(
        "aws-access-key",
        r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])",
        ("AKIA", "ASIA", "ABIA", "ACCA"),
    ),
    _rule(
        "github-token",
        rf"{_START}(?:gh[pousr]_[A-Za-z0-9]{{36,255}}+|github_pat_[A-Za-z0-9_]{{40,255}}+){_END}",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _rule(
        "anthropic-key",
        rf"{_START}sk-ant-[A-Za-z0-9_\-]{{20,255}}+{_END}",
        ("sk-ant-",),
    ),
    _rule(
        "openai-key",
        rf"{_START}sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{{20,255}}+{_END}",
        ("sk-proj-", "sk-svcacct-", "sk-admin-"),
    ),
    _rule(
        "openai-key",
        rf"{_START}sk-[A-Za-z0-9]{{20,255}}+{_END}",
        ("sk-",),
        check=_has_digit_and_letter,
    ),
    _rule(
        "slack-token",
        rf"{_START}(?:xox[abposr]|xapp)-[A-Za-z0-9\-]{{10,255}}+{_END}",
        ("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-", "xapp-"),
        check=_has_digit_and_letter,
    ),
    _rule("google-api-key", rf"{_START}AIza[A-Za-z0-9_\-]{{35}}{_END}", ("AIza",)),
    _rule("gitlab-token", rf"{_START}glpat-[A-Za-z0-9_\-]{{20,255}}+{_END}", ("glpat-",)),
    _rule(
        "huggingface-token",
        rf"{_START}hf_[A-Za-z0-9]{{30,64}}+{_END}",
        ("hf_",),
        check=_has_digit_and_letter,
    ),
    _rule(
        "stripe-key",
        rf"{_START}(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{{16,255}}+{_END}",
        ("sk_live_", "rk_live_", "sk_test_", "rk_test_"),
    ),
    _rule(
        "jwt",
        rf"{_START}eyJ[A-Za-z0-9_\-]{{8,4096}}+\.eyJ[A-Za-z0-9_\-]{{8,8192}}+"
        rf"\.[A-Za-z0-9_\-]{{8,4096}}+{_END}",
        ("eyJ",),
    ),
    # scheme://user:password@host -> only the password goes. Placeholders such as ${PASS},
    # <password> or *** are left alone: they are not secrets and flagging them is noise.
    _rule(
        "url-password",
        r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{0,31}+://[^\s/:@?#\"'<>]{0,256}+:"
        r"(?P<secret>[^\s/@?#\"'<>]{1,256}+)@",
        ("://",),
        check=lambda s: not _placeholder_password(s),
    ),
)

#: A known secret prefix and what follows it, up to the end of a title that was cut short (by
#: an importer, or by the listing's width) with or without an ellipsis. The full rules need a
#: whole token (``ghp_`` and 36 characters); the first 35 of them are still a leak.
CUT_SECRET = re.compile(
    rf"{_START}(?:AKIA|ASIA|ABIA|ACCA|gh[pousr]_|github_pat_|sk-|sk_live_|sk_test_|rk_live_|"
    rf"rk_test_|xox[abposr]-|xapp-|AIza|glpat-|hf_|eyJ)[A-Za-z0-9_\-.]{{1,4096}}+"
    r"(?=[ \t]{0,8}+(?:…|\.\.\.)?[ \t]{0,8}+$)"
)

#: What ends a title cut from a longer text (`importers.common.cut_title`).
ELLIPSIS = "…"

EMAIL_RULE = _rule(
    "email",
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}+@"
    r"[A-Za-z0-9\-]{1,63}+(?:\.[A-Za-z0-9\-]{1,63}+){1,8}+(?![A-Za-z0-9\-]|\.[A-Za-z0-9])",
    ("@",),
    # the last label must be a plausible TLD, not a file extension of an @2x image name
    check=lambda s: (
        s.rsplit(".", 1)[-1].isalpha()
        and len(s.rsplit(".", 1)[-1]) >= 2
        and s.rsplit(".", 1)[-1].lower() not in {"png", "jpg", "jpeg", "gif", "svg", "webp"}
    ),
)


def _home_rules() -> tuple[Rule, ...]:
    rules = [
        _rule(
            "home-path",
            r"(?<![A-Za-z0-9_.\-/])/(?:home|Users)/(?!Shared(?![A-Za-z0-9._\-]))"
            r"[A-Za-z0-9._\-]{1,64}+(?![A-Za-z0-9._\-])",
            ("/home/", "/Users/"),
            replacement="~",
        ),
        _rule(
            "home-path",
            r"(?<![A-Za-z0-9])[A-Za-z]:\\{1,2}+Users\\{1,2}+[^\\/:*?\"<>|\s]{1,64}+"
            r"(?![^\\/:*?\"<>|\s])",
            ("Users\\",),
            flags=re.IGNORECASE,
            replacement="~",
        ),
    ]
    home = str(Path.home())
    if len(home) > 3 and not home.startswith(("/home/", "/Users/")):
        # an unusual home (/var/lib/alice, /data/alice): redact it literally as well
        rules.append(_rule("home-path", re.escape(home) + r"(?![A-Za-z0-9._\-])", (home,)))
        rules[-1] = Rule("home-path", rules[-1].pattern, (home,), None, "~")
    return tuple(rules)


#: Only with ``entropy=True``: assignments to secret-sounding names, and long random tokens.
ENTROPY_RULES: tuple[Rule, ...] = (
    _rule(
        "generic-secret",
        r"(?<![A-Za-z0-9])(?:api[_\-]?key|secret|token|passw(?:or)?d|pwd|auth[_\-]?key|"
        r"access[_\-]?key)[A-Za-z0-9_\-]{0,24}+[\"']?[ \t]{0,4}+[:=][ \t]{0,4}+[\"']?"
        r"(?P<secret>[A-Za-z0-9_\-+/=.~]{12,256}+)",
        (),
        check=lambda s: (
            shannon_entropy(s) >= 3.5 and _has_digit_and_letter(s) and not _DOTTED_NAME.match(s)
        ),
        flags=re.IGNORECASE,
    ),
    _rule(
        "high-entropy",
        r"(?<![A-Za-z0-9+/_=\-])(?P<secret>[A-Za-z0-9+/_\-]{32,200}+)={0,2}+(?![A-Za-z0-9+/_=\-])",
        (),
        # hex (git SHAs, hashes) tops out at 4 bits a character: stay above it
        check=_random_token,
    ),
)

_PEM_BEGIN = "-----BEGIN "
_PEM_HEAD = re.compile(r"-----BEGIN ([A-Z0-9 ]{0,40})PRIVATE KEY( BLOCK)?-----")
#: A real key body (base64 lines, and Proc-Type/DEK-Info headers of encrypted keys) is < 16 KB.
_PEM_MAX_BODY = 16384
_PEM_BODY = re.compile(r"[A-Za-z0-9+/=\s:,\-]*+")
#: Body of a block cut off before its END line: base64 lines only, so following prose survives.
_PEM_TRUNCATED = re.compile(r"(?:\r?\n[A-Za-z0-9+/=]{1,128}+(?=\r?\n|$)){0,256}+")


class InvalidPattern(ValueError):
    """A user-supplied redaction pattern that is not a valid regular expression."""


@dataclass(slots=True)
class RedactionReport:
    """How many secrets of each kind were redacted (and in how many sessions)."""

    counts: Counter[str] = field(default_factory=Counter)
    sessions: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def merge(self, other: RedactionReport) -> None:
        self.counts.update(other.counts)
        self.sessions += other.sessions

    def summary(self) -> str:
        """One line such as ``3 redacted: 2 aws-access-key, 1 jwt`` (or ``nothing redacted``)."""
        if not self.total:
            return "nothing redacted"
        parts = ", ".join(f"{n} {kind}" for kind, n in sorted(self.counts.items()))
        return f"{self.total} redacted: {parts}"


@dataclass(frozen=True, slots=True)
class RedactionOptions:
    """Which rules to run. The defaults are the share-safe set used for Markdown and HTML."""

    secrets: bool = True
    emails: bool = False
    home_paths: bool = False
    entropy: bool = False
    patterns: Sequence[str] = ()

    @property
    def active(self) -> bool:
        return self.secrets or self.emails or self.home_paths or self.entropy or bool(self.patterns)


#: Members of the session model that are identifiers, not text: never redacted, so the output
#: stays a valid session (ids keep their alphabet) and links between messages survive. Only
#: the model's own members: the same names inside free-form data (a tool call's ``input``,
#: ``extra``) are redacted like any text.
_SESSION_IDS = frozenset({"id", "parentSessionId", "source"})
_MESSAGE_IDS = frozenset({"id", "parentId", "role", "kind"})
_BLOCK_IDS = frozenset({"type", "id", "callId", "kind", "mimeType"})


class Redactor:
    """Applies a set of rules to strings and to whole sessions, counting what it replaced."""

    def __init__(self, options: RedactionOptions = RedactionOptions()) -> None:
        self.options = options
        rules: list[Rule] = []
        if options.secrets:
            rules += SECRET_RULES
        if options.entropy:
            rules += ENTROPY_RULES
        if options.emails:
            rules.append(EMAIL_RULE)
        if options.home_paths:
            rules += _home_rules()
        for pattern in options.patterns:
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise InvalidPattern(f"redaction pattern {pattern!r}: {exc}") from None
            if compiled.search(""):
                raise InvalidPattern(f"redaction pattern {pattern!r} matches the empty string")
            rules.append(Rule("custom", compiled, ()))
        self.rules = tuple(rules)
        self.pem = options.secrets

    def redact_text(self, text: str, counts: Counter[str] | None = None) -> str:
        """``text`` with every secret replaced; adds what it found to ``counts``."""
        if not text or not self.rules:
            return text
        if counts is None:
            counts = Counter()
        if self.pem and _PEM_BEGIN in text:
            text = _redact_pem(text, counts)
        for rule in self.rules:
            if rule.needles and not any(n in text for n in rule.needles):
                continue
            text = _apply(rule, text, counts)
        return text

    def redact_title(self, title: str, counts: Counter[str] | None = None) -> str:
        """A title with every secret replaced, including one cut short at its end: a title
        is often the first words of a prompt, cut (``… token ghp_abcdef…``), and what is
        left of a token there is too short for its rule but still part of the secret."""
        if counts is None:
            counts = Counter()
        return self._redact_cut(self.redact_text(title, counts), counts)

    def _redact_cut(self, title: str, counts: Counter[str]) -> str:
        if not self.options.secrets or not title:
            return title
        found = 0

        def replace(_match: re.Match[str]) -> str:
            nonlocal found
            found += 1
            return PLACEHOLDER.format(kind="secret")

        title = CUT_SECRET.sub(replace, title)
        if found:
            counts["secret"] += found
        return title

    def redact_session(self, session: Session) -> tuple[Session, Counter[str]]:
        """A redacted copy of ``session`` (the original is untouched) and the counts.

        A title cut from a prompt is made again from the redacted prompt, so a secret the cut
        went through is replaced whole (`redact_title` also catches one it cannot trace)."""
        counts: Counter[str] = Counter()
        data = session.model_dump(mode="python", by_alias=True)
        messages = data.pop("messages", None) or []
        cleaned = self._walk_model(data, counts, _SESSION_IDS)
        cleaned["messages"] = [self._walk_message(m, counts) for m in messages]
        if session.title.strip():
            line = _title_source(session)
            if line is not None:  # its secrets are counted in the message it came from
                cleaned["title"] = _recut(self.redact_text(line), session.title)
            cleaned["title"] = self._redact_cut(cleaned["title"], counts)
        if not counts and cleaned.get("title") == session.title:
            return session, counts
        return Session.model_validate(cleaned), counts

    def _walk_model(
        self, data: dict[str, Any], counts: Counter[str], ids: frozenset[str]
    ) -> dict[str, Any]:
        """One level of the model: its identifier members kept, everything else redacted."""
        return {k: v if k in ids else self._walk(v, counts) for k, v in data.items()}

    def _walk_message(self, message: dict[str, Any], counts: Counter[str]) -> dict[str, Any]:
        cleaned = self._walk_model(
            {k: v for k, v in message.items() if k != "content"}, counts, _MESSAGE_IDS
        )
        cleaned["content"] = [
            self._walk_model(b, counts, _BLOCK_IDS) if isinstance(b, dict) else b
            for b in message.get("content") or []
        ]
        return cleaned

    def _walk(self, value: Any, counts: Counter[str]) -> Any:
        """Free-form data: every string redacted, keys included."""
        if isinstance(value, str):
            return self.redact_text(value, counts)
        if isinstance(value, dict):
            return {
                (self.redact_text(k, counts) if isinstance(k, str) else k): self._walk(v, counts)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self._walk(v, counts) for v in value]
        return value


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            return line
    return ""


def _title_source(session: Session, look_at: int = 20) -> str | None:
    """The first line of the user message ``session.title`` was cut from, if it was (an
    importer names an untitled session after its first prompt, cut with an ellipsis)."""
    title = " ".join(session.title.split())
    cut = title.endswith(ELLIPSIS)
    core = title[: -len(ELLIPSIS)].rstrip() if cut else title
    if not core:
        return None
    for message in session.messages:
        if message.role != "user":
            continue
        look_at -= 1
        if look_at < 0:
            break
        line = _first_line(message.text)
        if line == title or (cut and len(line) > len(core) and line.startswith(core)):
            return line
    return None


def _recut(line: str, old_title: str) -> str:
    """``line`` (redacted) cut as ``old_title`` was cut from it, never inside a placeholder."""
    if not old_title.rstrip().endswith(ELLIPSIS):
        return line
    width = max(len(old_title.rstrip()) - len(ELLIPSIS), 1)
    if len(line) <= width:
        return line
    cut = line[:width]
    start = cut.rfind("[REDACTED:")
    if start >= 0 and "]" not in cut[start:]:
        end = line.find("]", start)
        cut = line[: end + 1] if end >= 0 else cut[:start]
    else:
        words = cut.rsplit(" ", 1)[0]
        cut = words if len(words) > width // 2 else cut
    return cut.rstrip() + ELLIPSIS


def _apply(rule: Rule, text: str, counts: Counter[str]) -> str:
    found = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal found
        secret_group = "secret" in match.re.groupindex
        secret = match.group("secret") if secret_group else match.group(0)
        if rule.check is not None and not rule.check(secret):
            return match.group(0)
        found += 1
        new = (
            rule.replacement if rule.replacement is not None else PLACEHOLDER.format(kind=rule.kind)
        )
        if not secret_group:
            return new
        start, end = match.span("secret")
        whole = match.group(0)
        offset = match.start()
        return whole[: start - offset] + new + whole[end - offset :]

    result = rule.pattern.sub(replace, text)
    if found:
        counts[rule.kind] += found
    return result


def _redact_pem(text: str, counts: Counter[str]) -> str:
    """Replace PEM private-key blocks, including ones cut off before their END line.

    Linear: each BEGIN is looked at once; the END line of each label is searched for once and
    remembered (END positions only move forward); a body is checked only when it is short; and
    scanning resumes after whatever was replaced.
    """
    out: list[str] = []
    pos = 0
    found = 0
    next_footer: dict[str, int] = {}
    while (start := text.find(_PEM_BEGIN, pos)) >= 0:
        head = _PEM_HEAD.match(text, start)
        if head is None:
            out.append(text[pos : start + len(_PEM_BEGIN)])
            pos = start + len(_PEM_BEGIN)
            continue
        footer = f"-----END {head.group(1)}PRIVATE KEY{head.group(2) or ''}-----"
        at = next_footer.get(footer)
        if at is None or (0 <= at < head.end()):
            at = text.find(footer, head.end())
            next_footer[footer] = at
        if (
            at >= 0
            and at - head.end() <= _PEM_MAX_BODY
            and _PEM_BODY.fullmatch(text, head.end(), at)
        ):
            end = at + len(footer)
        else:
            body = _PEM_TRUNCATED.match(text, head.end())
            end = body.end() if body else head.end()
        out.append(text[pos:start])
        out.append(PLACEHOLDER.format(kind="private-key"))
        found += 1
        pos = end
    if not found:
        return text
    out.append(text[pos:])
    counts["private-key"] += found
    return "".join(out)
