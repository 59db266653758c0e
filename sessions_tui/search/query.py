"""The query language: a forgiving parser from what people type to a small syntax tree.

The language is GitHub's and Gmail's (see docs/query-language.md)::

    retry backoff            both words (in the same message, or one of them in the title)
    "exact phrase"           the words in this order
    -flaky  -tool:aider      exclude (sessions that mention it anywhere)
    timeout OR deadline      either; binds tighter than the implicit AND
    (a OR b) c               grouping
    retr*  atomic.py  bd-q3fy  CameraActivity  src/store/atomic.py
    retyr~  retyr~2          typo tolerance (edit distance 1 or 2)
    tool:claude-code model:gpt-4o project:NAME role:user tag:NAME
    after:2025-01-01 before:2025-02 on:2025-03-04 after:7d
    is:starred has:error in:title

Parsing never fails. Whatever it has to reinterpret (an unclosed quote or parenthesis, a
dangling OR, an unknown filter, a bad date) is reported in `Parsed.notices` and the best
lenient reading is searched. Turning the tree into a tantivy query is `compile.py`'s job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..ages import age_days

# -- syntax tree ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    """A bare word. ``prefix`` for ``word*``; ``fuzzy`` is the edit distance for ``word~``
    (-1: chosen from the word's length)."""

    text: str
    prefix: bool = False
    fuzzy: int | None = None


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str


@dataclass(frozen=True, slots=True)
class Filter:
    """A ``key:value`` filter, already validated (``key`` is canonical, ``value`` cleaned)."""

    key: str
    value: str
    prefix: bool = False
    #: For date filters: the half-open range [low, high) in unix ms (None: unbounded).
    low_ms: int | None = None
    high_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


Node = Word | Phrase | Filter | Not | And | Or


@dataclass(slots=True)
class Parsed:
    """The tree of a query (None: nothing to search for) and what the parser reinterpreted."""

    tree: Node | None
    notices: list[str] = field(default_factory=list)
    #: ``in:title``: words match the session title only.
    in_title: bool = False

    @property
    def notice(self) -> str | None:
        return "; ".join(self.notices) if self.notices else None


# -- filters --------------------------------------------------------------------------------

#: Filter keys and their aliases (lowercase).
FILTER_KEYS = {
    "tool": "tool",
    "source": "tool",
    "model": "model",
    "project": "project",
    "repo": "project",
    "role": "role",
    "tag": "tag",
    "label": "tag",
    "after": "after",
    "since": "after",
    "from": "after",
    "before": "before",
    "until": "before",
    "on": "on",
    "date": "on",
    "is": "is",
    "has": "has",
    "in": "in",
}
ROLES = {
    "user": "user",
    "me": "user",
    "prompt": "user",
    "assistant": "assistant",
    "ai": "assistant",
    "answer": "assistant",
    "tool": "tool",
    "system": "system",
    "title": "title",
}
IS_VALUES = {
    "starred": ("starred", "1"),
    "unstarred": ("starred", "0"),
    "error": ("error", "1"),
    "subagent": ("subagent", "1"),
}
HAS_VALUES = {"error": ("error", "1"), "errors": ("error", "1")}
IN_VALUES = {"title"}

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_FUZZY_RE = re.compile(r"~(\d?)$")


def _month_add(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    return moment.replace(year=moment.year + month // 12, month=month % 12 + 1, day=1)


def parse_date(value: str, now: datetime | None = None) -> tuple[datetime, datetime] | None:
    """The [start, end) span a date names, in UTC: ``2025``, ``2025-03``, ``2025-03-04``, an ISO
    time, ``today``, ``yesterday``, or an age (`ages.age_days`: ``7d``, ``2w``, ``6mo``)."""
    now = now or datetime.now(UTC)
    text = value.strip().lower()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if text == "today":
        return today, today + timedelta(days=1)
    if text == "yesterday":
        return today - timedelta(days=1), today
    days = age_days(text)
    if days is not None:
        try:
            return now - timedelta(days=days), now
        except OverflowError:  # older than year 1: everything
            return datetime.min.replace(tzinfo=UTC), now
    match = _DATE_RE.match(text)
    try:
        if match:
            year, month, day = match.group(1), match.group(2), match.group(3)
            if day:
                start = datetime(int(year), int(month), int(day), tzinfo=UTC)
                return start, start + timedelta(days=1)
            if month:
                start = datetime(int(year), int(month), 1, tzinfo=UTC)
                return start, _month_add(start, 1)
            start = datetime(int(year), 1, 1, tzinfo=UTC)
            return start, start.replace(year=start.year + 1)
        moment = datetime.fromisoformat(value.strip())
    except (ValueError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment, moment + timedelta(seconds=1)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _close_key(key: str) -> str | None:
    """The filter key ``key`` is probably a typo of (for a helpful notice), if any."""
    best: tuple[int, str] | None = None
    for known in FILTER_KEYS:
        d = edit_distance(key, known, 2)
        if d <= (1 if len(key) <= 4 else 2) and (best is None or d < best[0]):
            best = (d, known)
    return best[1] if best else None


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (adjacent transpositions cost 1), giving up above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[len(b)]


# -- lexer ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # word | phrase | lparen | rparen | or | not | and | field
    text: str = ""
    key: str = ""  # for "field": the raw key
    quoted: bool = False  # for "field": the value was quoted


_SPACE = frozenset(" \t\r\n\f\v\u3000")
_FIELD_RE = re.compile(r"^([A-Za-z]+):(.*)$", re.S)


def _closing_quote(text: str, start: int) -> int:
    """Index of the quote closing a quoted filter value (``\\"`` is an escaped quote)."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    return -1


def _lex(text: str, notices: list[str]) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    depth = 0
    while i < n:
        ch = text[i]
        if ch in _SPACE:
            i += 1
            continue
        if ch == "(":
            toks.append(_Tok("lparen"))
            depth += 1
            i += 1
            continue
        if ch == ")":
            if depth > 0:
                depth -= 1
                toks.append(_Tok("rparen"))
            else:
                notices.append("Ignored an unmatched ')'")
            i += 1
            continue
        if ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                rest = text[i + 1 :].strip()
                if rest:
                    notices.append(f'Unclosed quote: searched for "{rest}" as words')
                i += 1  # lex the rest as ordinary words
                continue
            toks.append(_Tok("phrase", text[i + 1 : end]))
            i = end + 1
            continue
        if ch == "-" and i + 1 < n and text[i + 1] not in _SPACE and text[i + 1] != "-":
            toks.append(_Tok("not"))
            i += 1
            continue
        if ch == "|":
            toks.append(_Tok("or"))
            i += 1
            continue
        # A bare token: up to whitespace, a quote that opens a phrase, or a ')' closing a group.
        start = i
        local = 0
        while i < n:
            c = text[i]
            if c in _SPACE:
                break
            if c == "(":
                local += 1
            elif c == ")":
                if local > 0:
                    local -= 1
                elif depth > 0:
                    break
            elif c == '"':
                # key:"quoted value"
                match = _FIELD_RE.match(text[start:i])
                if match and i == start + len(match.group(1)) + 1:
                    end = _closing_quote(text, i + 1)
                    if end < 0 and text[i + 1 :].strip():
                        # key:"my project (unclosed): the value runs to the end, as typed
                        end = n
                        notices.append(
                            f'Unclosed quote: read as {match.group(1)}:"{text[i + 1 :].strip()}"'
                        )
                    if end >= 0:
                        value = re.sub(r"\\(.)", r"\1", text[i + 1 : end]).strip()
                        toks.append(_Tok("field", value, key=match.group(1), quoted=True))
                        i = end + 1
                        start = -1
                        break
                break
            i += 1
        if start < 0:
            continue
        word = text[start:i]
        if not word:
            i += 1
            continue
        if word == "OR":
            toks.append(_Tok("or"))
        elif word == "AND":
            toks.append(_Tok("and"))
        elif word == "NOT":
            toks.append(_Tok("not"))
        else:
            match = _FIELD_RE.match(word)
            if match and (match.group(2) or match.group(1).lower() in FILTER_KEYS):
                toks.append(_Tok("field", match.group(2), key=match.group(1)))
            else:
                toks.append(_Tok("word", word))
    return toks


# -- parser -----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, toks: list[_Tok], notices: list[str], now: datetime | None) -> None:
        self.toks = toks
        self.pos = 0
        self.notices = notices
        self.now = now
        self.in_title = False

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def parse_and(self, nested: bool) -> Node | None:
        items: list[Node] = []
        while (tok := self.peek()) is not None:
            if tok.kind == "rparen":
                if nested:
                    break
                self.take()
                continue
            if tok.kind in ("and",):
                self.take()
                continue
            if tok.kind == "or":
                self.take()
                if not items:
                    self.notices.append("Ignored OR with nothing before it")
                continue
            node = self.parse_or()
            if node is not None:
                items.append(node)
        if not items:
            return None
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_or(self) -> Node | None:
        first = self.parse_unary()
        options = [first] if first is not None else []
        while (tok := self.peek()) is not None and tok.kind == "or":
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("rparen", "or", "and"):
                self.notices.append("Ignored OR with nothing after it")
                continue
            node = self.parse_unary()
            if node is not None:
                options.append(node)
        if not options:
            return None
        return options[0] if len(options) == 1 else Or(tuple(options))

    def parse_unary(self) -> Node | None:
        tok = self.peek()
        if tok is None:
            return None
        if tok.kind == "not":
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("rparen", "or", "and"):
                self.notices.append("Ignored '-' or NOT with nothing after it")
                return None
            child = self.parse_unary()
            if child is None:
                return None
            if isinstance(child, Not):
                return child.child
            return Not(child)
        return self.parse_atom()

    def parse_atom(self) -> Node | None:
        tok = self.take()
        if tok.kind == "lparen":
            node = self.parse_and(nested=True)
            if (nxt := self.peek()) is not None and nxt.kind == "rparen":
                self.take()
            else:
                self.notices.append("Closed an unclosed '('")
            return node
        if tok.kind == "phrase":
            text = tok.text.strip()
            return Phrase(text) if text else None
        if tok.kind == "field":
            return self.field(tok)
        if tok.kind == "word":
            return self.word(tok.text)
        return None

    def word(self, text: str) -> Word | None:
        fuzzy: int | None = None
        prefix = False
        match = _FUZZY_RE.search(text)
        if match and len(text) > len(match.group()):
            fuzzy = int(match.group(1)) if match.group(1) else -1
            if fuzzy > 2:
                self.notices.append(f"Typo tolerance is at most 2 edits: {text} searched as ~2")
                fuzzy = 2
            text = text[: match.start()]
        elif text.endswith("*") and len(text.rstrip("*")) > 0:
            prefix = True
            text = text.rstrip("*")
        return Word(text, prefix, fuzzy) if text else None

    def field(self, tok: _Tok) -> Node | None:
        raw_key, value = tok.key, tok.text.strip()
        key = FILTER_KEYS.get(raw_key.lower())
        if key is None:
            close = _close_key(raw_key.lower())
            if close and not tok.quoted:
                self.notices.append(
                    f"Unknown filter '{raw_key}:' (did you mean '{close}:'?): searched as text"
                )
            return Phrase(f"{raw_key}:{value}") if tok.quoted else self.word(f"{raw_key}:{value}")
        if not value:
            self.notices.append(f"'{key}:' needs a value: ignored")
            return None
        lowered = value.lower()
        if key in ("tool", "model", "project", "tag"):
            prefix = lowered.endswith("*") and not tok.quoted
            value = lowered.rstrip("*") if prefix else lowered
            if not value:
                self.notices.append(f"'{key}:*' matches everything: ignored")
                return None
            return Filter(key, value, prefix=prefix)
        if key == "role":
            role = ROLES.get(lowered)
            if role is None:
                self.notices.append(
                    f"Unknown role '{value}' (roles: user, assistant, tool, system): ignored"
                )
                return None
            return Filter("role", role)
        if key in ("is", "has"):
            table = IS_VALUES if key == "is" else HAS_VALUES
            found = table.get(lowered)
            if found is None:
                known = ", ".join(f"{key}:{v}" for v in table)
                self.notices.append(f"Unknown filter '{key}:{value}' (known: {known}): ignored")
                return None
            return Filter(found[0], found[1])
        if key == "in":
            if lowered not in IN_VALUES:
                self.notices.append(f"Unknown filter 'in:{value}' (known: in:title): ignored")
                return None
            self.in_title = True
            return None
        span = parse_date(value, self.now)
        if span is None:
            self.notices.append(
                f"'{key}:{value}' is not a date (try 2025-01-31, 2025-01, 2025, 7d, "
                "yesterday): ignored"
            )
            return None
        start, end = span
        if key == "after":
            return Filter("date", value, low_ms=_ms(start))
        if key == "before":
            return Filter("date", value, high_ms=_ms(start))
        return Filter("date", value, low_ms=_ms(start), high_ms=_ms(end))


def parse(text: str, now: datetime | None = None) -> Parsed:
    """Parse a query string. Never raises; see `Parsed.notices` for what was reinterpreted."""
    notices: list[str] = []
    toks = _lex(text, notices)
    parser = _Parser(toks, notices, now)
    try:
        tree = parser.parse_and(nested=False)
    except RecursionError:
        notices.append("Query nested too deeply: searched for its words")
        words = [Word(t.text) for t in toks if t.kind == "word"]
        tree = And(tuple(words)) if words else None
    return Parsed(tree, notices, parser.in_title)


# -- looking at trees -------------------------------------------------------------------------


def has_text(node: Node | None) -> bool:
    """Does the tree match on text anywhere (outside a negation)?"""
    if node is None:
        return False
    if isinstance(node, (Word, Phrase)):
        return True
    if isinstance(node, (And, Or)):
        return any(has_text(c) for c in node.children)
    return False


def positive_text(node: Node | None) -> list[Word | Phrase]:
    """Words and phrases outside any negation: what highlighting looks for."""
    out: list[Word | Phrase] = []

    def walk(n: Node | None) -> None:
        if isinstance(n, (Word, Phrase)):
            out.append(n)
        elif isinstance(n, (And, Or)):
            for c in n.children:
                walk(c)

    walk(node)
    return out


#: Words this short stay as they are in the looser reading: `the*` or `the~` match
#: hundreds of words in nearly every message (the costliest query there is) and mean nothing.
SHORT_WORD = 3


def loosen(node: Node | None, common: Callable[[str], bool] | None = None) -> Node | None:
    """The looser reading offered when a query finds nothing: every word also matches as a
    prefix and with typos, phrases become their words.

    Words of `SHORT_WORD` letters or fewer, and those ``common`` says are frequent in the
    index, stay as typed: they are neither typos nor unfinished, and widening them (`the*`,
    `test~`) matches hundreds of words in most messages, the costliest query there is.
    """
    if node is None:
        return None
    if isinstance(node, Word):
        if node.prefix or node.fuzzy is not None or len(node.text) <= SHORT_WORD:
            return node
        if common is not None and common(node.text):
            return node
        return Or((Word(node.text, prefix=True), Word(node.text, fuzzy=-1)))
    if isinstance(node, Phrase):
        words = [Word(w) for w in node.text.split()]
        loose = [loosen(w, common) for w in words]
        items = tuple(x for x in loose if x is not None)
        return items[0] if len(items) == 1 else And(items) if items else None
    if isinstance(node, (And, Or)):
        children = (loosen(c, common) for c in node.children)
        return type(node)(tuple(c for c in children if c is not None))
    return node


def as_you_type(node: Node | None) -> Node | None:
    """The reading of a query still being typed: its last word is unfinished, so it matches
    as a prefix (``retry b`` finds ``retry backoff``) instead of missing and falling back to
    the slower looser reading. Words before it, phrases and filters are unchanged."""
    if isinstance(node, Word):
        return node if node.prefix or node.fuzzy is not None else Word(node.text, prefix=True)
    if isinstance(node, (And, Or)) and node.children:
        last = as_you_type(node.children[-1])
        if last is not None:
            return type(node)((*node.children[:-1], last))
    return node


def is_word_start(text: str) -> bool:
    """One ASCII letter or digit: the start of a word being typed, which as a prefix would
    match nearly everything (one CJK character is a whole word)."""
    return len(text) == 1 and text.isascii() and text.isalnum()


def left_out(letter: str) -> str:
    """The notice for a word start live search leaves out (`is_word_start`)."""
    return f"'{letter}' is left out until it has a second letter"


def one_letter_tail(node: Node | None) -> tuple[Node | None, str] | None:
    """A query being typed that ends in a lone letter after other words (``borrow c``): the
    query without it, and the letter. Until it has a second letter, that word would match
    nearly everything as a prefix, at the cost of the slowest search there is, and narrow
    nothing; live search leaves it out for that one keystroke."""
    if not isinstance(node, And) or len(node.children) < 2:
        return None
    last = node.children[-1]
    if not isinstance(last, Word) or last.prefix or last.fuzzy is not None:
        return None
    if not is_word_start(last.text):
        return None
    rest = node.children[:-1]
    if not positive_text(And(rest)):
        return None  # `-retry c` or `tool:codex c`: the letter is all there is to search
    return (rest[0] if len(rest) == 1 else And(rest)), last.text


def unparse(node: Node | None) -> str:
    """A query string for a tree (how the looser reading is shown)."""
    if node is None:
        return ""
    if isinstance(node, Word):
        suffix = "*" if node.prefix else ""
        if node.fuzzy is not None:
            suffix = "~" if node.fuzzy < 0 else f"~{node.fuzzy}"
        return node.text + suffix
    if isinstance(node, Phrase):
        return f'"{node.text}"'
    if isinstance(node, Filter):
        if node.key == "date":
            if node.low_ms is not None and node.high_ms is not None:
                return f"on:{node.value}"
            return f"{'after' if node.low_ms is not None else 'before'}:{node.value}"
        if node.key in ("starred", "error", "subagent"):
            if node.key == "starred":
                return "is:starred" if node.value == "1" else "is:unstarred"
            return "has:error" if node.key == "error" else "is:subagent"
        value = f'"{node.value}"' if any(c in _SPACE for c in node.value) else node.value
        return f"{node.key}:{value}{'*' if node.prefix else ''}"
    if isinstance(node, Not):
        inner = unparse(node.child)
        return f"-({inner})" if isinstance(node.child, (And, Or)) else f"-{inner}"
    if isinstance(node, Or):
        return " OR ".join(
            f"({unparse(c)})" if isinstance(c, And) else unparse(c) for c in node.children
        )
    return " ".join(f"({unparse(c)})" if isinstance(c, Or) else unparse(c) for c in node.children)
