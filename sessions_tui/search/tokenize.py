"""Text analysis done in Python, mirrored exactly at index and query time.

Tantivy's analyzers (see `schema`) do the bulk of the work. Two things they cannot do are done
here, on the small part of the text that needs them:

* scripts written without spaces (Chinese, Japanese, Thai, ...) become overlapping character
  bigrams with consecutive positions, so a phrase like 缓存是否失效 is a phrase query over
  bigrams, and a single character is a prefix lookup;
* CamelCase identifiers are split into their parts (``CameraActivity`` -> camera, activity;
  ``HTTPServer`` -> http, server), indexed in their own field next to the whole identifier;
* words the analyzer splits (``retry_with_backoff``, ``src/store/atomic.py``) are also indexed
  whole, as every run of up to `IDENT_RUN` consecutive parts (``retry with``, ``with
  backoff``, ``retry with backoff``): looking one up is a single term, where a phrase query
  over parts that are each in hundreds of thousands of messages costs tens of milliseconds.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from itertools import filterfalse

import tantivy

from .schema import MAX_TOKEN_CHARS, words_analyzer

#: Scripts written without spaces between words. Hangul is spaced, but its words carry
#: attached particles, so bigrams help there too.
_NOSPACE = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u31f0-\u31ff"  # Katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # half-width katakana
    "\U00020000-\U0002fa1f"  # CJK extensions B-F, compatibility supplement
)
NOSPACE_RUN = re.compile(f"[{_NOSPACE}]+")
_HAS_NOSPACE = re.compile(f"[{_NOSPACE}]")
#: Gap between runs, so a phrase never matches across two runs.
_RUN_GAP = 8

#: Identifiers with an inner capital: fooBar, FooBar, HTTPServer, parseJSON2x.
CAMEL_IDENT = re.compile(r"\b[A-Za-z0-9]*(?:[a-z0-9][A-Z]|[A-Z][A-Z][a-z])[A-Za-z0-9]*\b")
#: Cheap pre-check: most text has no inner capital at all. The same test as an alternation
#: of the two cases, but anchored on the capital: three times faster to scan with.
_CAMEL_HINT = re.compile(r"[A-Z](?:(?<=[a-z0-9][A-Z])|(?=[A-Z][a-z]))")
_encode = json.JSONEncoder(ensure_ascii=False).encode
_CAMEL_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def has_nospace(text: str) -> bool:
    # isascii() is a C loop over the string, far cheaper than the regex on the usual text.
    return not text.isascii() and _HAS_NOSPACE.search(text) is not None


def cjk_grams(run: str) -> list[str]:
    """The terms a run of CJK text is indexed as: its bigrams, then its last character."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def cjk_tokens(text: str) -> tantivy.PreTokenizedString | None:
    """Bigram tokens (with positions and char offsets) for every no-space run in ``text``."""
    tokens: list[tantivy.Token] = []
    position = 0
    for match in NOSPACE_RUN.finditer(text):
        run, start = match.group(), match.start()
        for i, gram in enumerate(cjk_grams(run)):
            offset = start + (i if len(gram) == 2 or len(run) == 1 else len(run) - 1)
            tokens.append(tantivy.Token(gram, position, offset, offset + len(gram)))
            position += 1
        position += _RUN_GAP
    if not tokens:
        return None
    return tantivy.PreTokenizedString(text, tokens)


def cjk_tokens_json(text: str) -> str | None:
    """`cjk_tokens` as the JSON of tantivy's pre-tokenized string (for ``add_json``).

    Written by hand: a run of these scripts never holds a quote, backslash or control
    character, and building dicts for ``json.dumps`` cost more than the indexing.
    """
    parts: list[str] = []
    position = 0
    for match in NOSPACE_RUN.finditer(text):
        run, start = match.group(), match.start()
        grams = cjk_grams(run)
        last = len(grams) - 1
        for i, gram in enumerate(grams):
            offset = start + (len(run) - 1 if i == last and len(run) > 1 else i)
            parts.append(
                f'{{"offset_from":{offset},"offset_to":{offset + len(gram)},'
                f'"position":{position},"text":"{gram}","position_length":1}}'
            )
            position += 1
        position += _RUN_GAP
    if not parts:
        return None
    return '{"text":' + _encode(text) + ',"tokens":[' + ",".join(parts) + "]}"


def has_camel(text: str) -> bool:
    """Might ``text`` hold a CamelCase identifier (a lowercase letter or digit, then a capital;
    or two capitals, then a lowercase letter)?"""
    return _CAMEL_HINT.search(text) is not None


def camel_parts(identifier: str) -> list[tuple[int, int]]:
    """Char ranges of the parts of one CamelCase identifier."""
    return [m.span() for m in _CAMEL_PART.finditer(identifier)]


_PARTS_CACHE: dict[str, str] = {}


def camel_text(text: str) -> str:
    """The parts of every CamelCase identifier in ``text``, space separated (for `PARTS`)."""
    if _CAMEL_HINT.search(text) is None:
        return ""
    seen: set[str] = set()
    out: list[str] = []
    for ident in CAMEL_IDENT.findall(text):
        if ident in seen:
            continue
        seen.add(ident)
        parts = _PARTS_CACHE.get(ident)
        if parts is None:
            if len(_PARTS_CACHE) > 50_000:
                _PARTS_CACHE.clear()
            parts = " ".join(_CAMEL_PART.findall(ident))
            _PARTS_CACHE[ident] = parts
        out.append(parts)
    return " ".join(out)


def iter_camel(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, part) for each part of each CamelCase identifier in ``text``."""
    for match in CAMEL_IDENT.finditer(text):
        base = match.start()
        ident = match.group()
        for a, b in camel_parts(ident):
            yield base + a, base + b, ident[a:b]


#: What may surround a word without making it a compound: "(see", "done.", "“quoted”".
_EDGE_PUNCTUATION = string.punctuation + "“”‘’«»…¿¡"
_ASCII_PART = re.compile(r"[a-z0-9]+")
#: Runs of at most this many parts of a compound word are indexed (`ident_terms`).
IDENT_RUN = 4
_analyzer = words_analyzer()


def compound_term(parts: list[str]) -> str:
    """The `schema.IDENTS` term of consecutive parts of a compound word."""
    return " ".join(parts)


def ident_terms(text: str) -> list[str]:
    """Every run of 2 to `IDENT_RUN` consecutive parts of every compound word in ``text``:
    letters and digits joined by punctuation with no space between (``a.b``, ``x_y``).

    The parts are the words analyzer's tokens. Most words are plain and rejected by ``str``
    methods; ASCII compounds are split here the same way as tantivy would, at a fraction of
    the cost of a call into it per word (a regex over the whole text costs 5x as much).
    """
    out: list[str] = []
    for word in filterfalse(str.isalnum, text.split()):  # plain words never reach Python code
        terms = _IDENTS_CACHE.get(word)
        if terms is None:
            if len(_IDENTS_CACHE) > 100_000:
                _IDENTS_CACHE.clear()
            terms = _IDENTS_CACHE[word] = _word_ident_terms(word.strip(_EDGE_PUNCTUATION))
        out += terms
    return out


#: Compound words recur (paths, names of functions): their terms are worked out once.
_IDENTS_CACHE: dict[str, list[str]] = {}


def _word_ident_terms(word: str) -> list[str]:
    if not word or word.isalnum():
        return []
    if word.isascii():
        parts = [p for p in _ASCII_PART.findall(word.lower()) if len(p) < MAX_TOKEN_CHARS]
    else:
        parts = _analyzer.analyze(word)
    n = len(parts)
    return [
        compound_term(parts[i : i + size])
        for size in range(2, min(n, IDENT_RUN) + 1)
        for i in range(n - size + 1)
    ]
