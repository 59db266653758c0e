"""Where a query matches in a text, and the short fragment of a message shown for a hit.

`Matcher` finds match ranges in *any* text (a stored message, a whole transcript in the TUI)
with the very analyzer the index uses, so what is highlighted is what was found: words and
their ASCII foldings, phrases (token sequences), prefixes, typo-tolerant words, CamelCase
parts and CJK runs. Ranges are character offsets, end exclusive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import tantivy

from .compile import auto_distance
from .query import Phrase, Word, edit_distance
from .tokenize import NOSPACE_RUN, camel_parts, has_camel

#: Texts longer than this are not tokenized whole: windows around literal hits are.
_LONG_TEXT = 4_000
_WINDOW = 300
_MAX_WINDOWS = 10_000
#: Where no literal occurs (typo-tolerant words, folded accents): the text's beginning.
_FALLBACK_CHARS = 50_000


@dataclass(slots=True)
class Matcher:
    analyzer: tantivy.TextAnalyzer
    terms: set[str] = field(default_factory=set)
    prefixes: list[str] = field(default_factory=list)
    fuzzy: list[tuple[str, int]] = field(default_factory=list)
    #: Token sequences; the flag says the last token is a prefix.
    phrases: list[tuple[tuple[str, ...], bool]] = field(default_factory=list)
    cjk: list[str] = field(default_factory=list)
    _cache: dict[str, bool] = field(default_factory=dict)
    _literal: re.Pattern[str] | None = None

    @classmethod
    def build(cls, analyzer: tantivy.TextAnalyzer, items: list[Word | Phrase]) -> Matcher:
        m = cls(analyzer)
        literals: list[str] = []
        for item in items:
            prefix = isinstance(item, Word) and item.prefix
            fuzzy = item.fuzzy if isinstance(item, Word) else None
            pieces: list[tuple[bool, str]] = []
            pos = 0
            for match in NOSPACE_RUN.finditer(item.text):
                if match.start() > pos:
                    pieces.append((False, item.text[pos : match.start()]))
                pieces.append((True, match.group()))
                pos = match.end()
            if pos < len(item.text):
                pieces.append((False, item.text[pos:]))
            for i, (is_cjk, piece) in enumerate(pieces):
                if is_cjk:
                    m.cjk.append(piece)
                    literals.append(piece)
                    continue
                tokens = analyzer.analyze(piece)
                if not tokens:
                    continue
                literals.extend(tokens)
                last = i == len(pieces) - 1
                if fuzzy is not None:
                    for token in tokens:
                        d = auto_distance(token) if fuzzy < 0 else fuzzy
                        if d:
                            m.fuzzy.append((token, d))
                        else:
                            m.terms.add(token)
                elif len(tokens) > 1:
                    m.phrases.append((tuple(tokens), prefix and last))
                elif prefix and last:
                    m.prefixes.append(tokens[0])
                else:
                    m.terms.add(tokens[0])
        if literals and not m.fuzzy:
            # Literal pre-scan for long texts (case-insensitive; folded forms may be missed,
            # then the text's beginning is tokenized instead).
            ordered = sorted(set(literals), key=len, reverse=True)
            m._literal = re.compile("|".join(re.escape(x) for x in ordered), re.I)
        return m

    @property
    def empty(self) -> bool:
        return not (self.terms or self.prefixes or self.fuzzy or self.phrases or self.cjk)

    def token_matches(self, token: str) -> bool:
        hit = self._cache.get(token)
        if hit is None:
            hit = (
                token in self.terms
                or any(token.startswith(p) for p in self.prefixes)
                or any(edit_distance(token, t, d) <= d for t, d in self.fuzzy)
            )
            self._cache[token] = hit
        return hit

    def ranges(self, text: str, max_windows: int = _MAX_WINDOWS) -> list[tuple[int, int]]:
        """Sorted, merged char ranges of ``text`` that the query matches.

        Long texts are tokenized only around literal occurrences of the query's words (at most
        ``max_windows`` windows): a snippet needs a few, a transcript highlight many.
        """
        if self.empty or not text:
            return []
        if len(text) <= _LONG_TEXT:
            found = self._ranges_in(text, 0)
        else:
            found = []
            for start, end in self._windows(text, max_windows):
                found.extend(self._ranges_in(text[start:end], start))
        return _merge(found)

    def _windows(self, text: str, max_windows: int) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        if self._literal is not None:
            for match in self._literal.finditer(text):
                a = max(0, match.start() - _WINDOW)
                b = min(len(text), match.end() + _WINDOW)
                if spans and a <= spans[-1][1]:
                    spans[-1] = (spans[-1][0], b)
                else:
                    if len(spans) >= max_windows:
                        break
                    spans.append((a, b))
        if not spans:
            spans = [(0, min(len(text), _FALLBACK_CHARS))]
        # Windows start and end on whitespace so no token is cut in two.
        out = []
        for a0, b0 in spans:
            a, b = a0, b0
            while a > 0 and not text[a - 1].isspace() and a0 - a < 200:
                a -= 1
            while b < len(text) and not text[b].isspace() and b - b0 < 200:
                b += 1
            out.append((a, b))
        return out

    def _ranges_in(self, text: str, base: int) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        if self.terms or self.prefixes or self.fuzzy or self.phrases:
            tokens = self.analyzer.pre_tokenize(text).tokens
            words = [t.text for t in tokens]
            # CamelCase parts are only looked for in a text that has an inner capital at all.
            camel = bool(self.terms or self.prefixes or self.fuzzy) and has_camel(text)
            for i, token in enumerate(tokens):
                if self.token_matches(words[i]):
                    found.append((base + token.char_offset_from, base + token.char_offset_to))
                elif camel:
                    found.extend(self._camel(text, token, base))
            for phrase, last_prefix in self.phrases:
                n = len(phrase)
                first = phrase[0]
                for i in range(len(words) - n + 1):
                    if words[i] != first:
                        continue
                    if words[i : i + n - 1] != list(phrase[: n - 1]):
                        continue
                    tail = words[i + n - 1]
                    if tail == phrase[-1] or (last_prefix and tail.startswith(phrase[-1])):
                        found.append(
                            (
                                base + tokens[i].char_offset_from,
                                base + tokens[i + n - 1].char_offset_to,
                            )
                        )
        for run in self.cjk:
            start = text.find(run)
            while start >= 0:
                found.append((base + start, base + start + len(run)))
                start = text.find(run, start + len(run))
        return found

    def _camel(self, text: str, token: tantivy.Token, base: int) -> list[tuple[int, int]]:
        a, b = token.char_offset_from, token.char_offset_to
        original = text[a:b]
        if original.islower() or original.isupper() or not original.isascii():
            return []
        out = []
        for pa, pb in camel_parts(original):
            part = original[pa:pb].lower()
            if self.token_matches(part):
                out.append((base + a + pa, base + a + pb))
        return out


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


_WS = re.compile(r"\s+")


def fragment(
    text: str, ranges: list[tuple[int, int]], width: int = 180
) -> tuple[str, list[tuple[int, int]]]:
    """The best ``width``-character window of ``text`` and the ranges inside it.

    The window holds the most matches (distinct words first), starts a little before the first
    of them, ends on word boundaries, shows ``…`` where text was cut, and has its whitespace
    collapsed to single spaces so it fits on one line; ranges are shifted to match.
    """
    if not ranges:
        end = min(len(text), width)
        while end < len(text) and end < width + 20 and not text[end].isspace():
            end += 1
        frag, _ = _normalise(text, 0, end, [])
        return (frag + ("…" if end < len(text) else "")).strip(), []
    best_start, best_score = ranges[0][0], (-1, -1)
    considered = ranges[:400]
    words = [text[a:b].lower() for a, b in considered]
    j = 0
    counts: dict[str, int] = {}
    for i, (a, _b) in enumerate(considered):
        # Extend the window [i, j) to every range ending within width of this start.
        while j < len(considered) and considered[j][1] <= a + width:
            counts[words[j]] = counts.get(words[j], 0) + 1
            j += 1
        score = (len(counts), j - i)
        if score > best_score:
            best_start, best_score = a, score
        if j > i:
            counts[words[i]] -= 1
            if not counts[words[i]]:
                del counts[words[i]]
        else:
            j = i + 1
    # Lead in with some context before the first match, on a word boundary.
    start = max(0, best_start - width // 4)
    while start > 0 and start > best_start - width // 2 and not text[start - 1].isspace():
        start -= 1
    if start > 0 and not text[start - 1].isspace():
        while start < best_start and not text[start].isspace():
            start += 1
    end = min(len(text), start + width)
    first_end = next(b for a, b in ranges if a >= best_start)
    end = max(end, min(len(text), first_end))
    while end < len(text) and end < start + width + 20 and not text[end].isspace():
        end += 1
    inside = [(max(a, start), min(b, end)) for a, b in ranges if a < end and b > start]
    frag, shifted = _normalise(text, start, end, inside)
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    stripped = frag.lstrip()
    cut = len(frag) - len(stripped)
    shifted = [(a - cut + len(lead), b - cut + len(lead)) for a, b in shifted]
    stripped = stripped.rstrip()
    shifted = [
        (a, min(b, len(lead) + len(stripped))) for a, b in shifted if a < len(lead) + len(stripped)
    ]
    return lead + stripped + tail, shifted


def _normalise(
    text: str, start: int, end: int, ranges: list[tuple[int, int]]
) -> tuple[str, list[tuple[int, int]]]:
    """``text[start:end]`` with whitespace runs collapsed, and ``ranges`` mapped onto it."""
    piece = text[start:end]
    out: list[str] = []
    mapping = [0] * (len(piece) + 1)
    pos = 0
    last = 0
    for match in _WS.finditer(piece):
        a, b = match.span()
        out.append(piece[last:a])
        for k in range(last, a):
            mapping[k] = pos + (k - last)
        pos += a - last
        for k in range(a, b):
            mapping[k] = pos
        out.append(" ")
        pos += 1
        last = b
    out.append(piece[last:])
    for k in range(last, len(piece) + 1):
        mapping[k] = pos + (k - last)
    shifted = []
    for a, b in ranges:
        ma, mb = mapping[a - start], mapping[b - start]
        if mb > ma:
            shifted.append((ma, mb))
    return "".join(out), shifted
