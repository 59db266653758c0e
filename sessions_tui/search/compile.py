"""From a parsed query to a tantivy query, built programmatically (never `parse_query`).

How each part of the language maps onto the index (fields in `schema`):

* a word is looked up in the message text, in the session title carried by every message
  (boosted, and only when another word must match too: a single word finds the title through
  the session's own document, whose text holds it) and, for a single lowercase word, in the
  parts of CamelCase identifiers. A word the analyzer splits (``atomic.py``, ``bd-q3fy``,
  ``retry_with_backoff``) matches exactly that sequence of parts inside a word of the text:
  one `IDENTS` term, or for more than `tokenize.IDENT_RUN` parts a phrase query narrowed
  by the term of its first parts (so ``retry_with_backoff`` does not match prose saying
  "retry with backoff"). CJK
  text is a phrase over character bigrams in the `CJK` field.
* ``word*`` expands the last part to the terms of the dictionary starting with it; ``word~``
  is a fuzzy (Levenshtein) term.
* filters are term, term-set and range lookups on keyword and fast fields every document has.
  A tool/model/project/tag value that is not an exact value of the index matches the values
  that contain it (``model:sonnet`` -> every sonnet model), and says so if none does.
* ``-x`` excludes whole sessions: the sessions having any document matching ``x`` are found
  with a terms aggregation and removed by key (doc-level for filters, where it is the same).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import tantivy

from . import schema as f
from .query import And, Filter, Node, Not, Or, Phrase, Word
from .tokenize import IDENT_RUN, NOSPACE_RUN, cjk_grams, compound_term

#: Field boosts (on top of `schema.TIER_BOOST`): the session title, carried by every message
#: document, counts double; a part of a CamelCase identifier counts less than a whole word.
TITLE_BOOST = 2.0
PARTS_BOOST = 0.7
#: A prefix expands to at most this many terms (the most frequent first); a one-letter prefix
#: (typed on the way to a word in live search) to fewer: it has thousands, each a long list.
MAX_PREFIX_TERMS = 400
MAX_SHORT_PREFIX_TERMS = 50
#: Session-level exclusion looks at most at this many sessions; beyond, documents are
#: excluded one by one (a session mentioning the word elsewhere may then still be listed).
MAX_EXCLUDED_SESSIONS = 50_000

_SCORED = frozenset({f.TITLE, f.TEXT, f.PARTS, f.CJK, f.IDENTS})
#: A run of letters and digits: one token of the words analyzer, which drops a token of
#: `schema.MAX_TOKEN_CHARS` UTF-8 bytes or more (tantivy's remove_long counts bytes).
_WORD_RUN = re.compile(r"[^\W_]+")


def _cut(text: str, limit: int = 40) -> str:
    """A query word as quoted back to the user: short, whatever was pasted."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


_M, _S, _N = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot
#: Matches no document (a clause that can never hold).
_NOTHING = tantivy.Query.boolean_query([(_N, tantivy.Query.all_query())])


def auto_distance(token: str) -> int:
    """Edit distance for ``word~`` by length: none for 1-2 chars, 1 up to 5, then 2."""
    n = len(token)
    return 0 if n <= 2 else 1 if n <= 5 else 2


@dataclass(slots=True)
class Compiled:
    query: tantivy.Query
    #: True when the query has words to rank by; False for filters only (then sessions are
    #: listed newest first, one document each).
    scored: bool
    notices: list[str] = field(default_factory=list)
    #: Only session documents can match (one per session): counting documents counts sessions.
    one_per_session: bool = False


def _text_items(node: Node | None) -> int:
    """Words and phrases outside negations."""
    if isinstance(node, (Word, Phrase)):
        return 1
    if isinstance(node, (And, Or)):
        return sum(_text_items(c) for c in node.children)
    return 0


def _has_role(node: Node | None) -> bool:
    if isinstance(node, Filter):
        return node.key == "role"
    if isinstance(node, (And, Or)):
        return any(_has_role(c) for c in node.children)
    return False


class Compiler:
    """Compiles trees against one searcher (filter vocabularies come from its dictionary)."""

    def __init__(
        self,
        schema: tantivy.Schema,
        searcher: tantivy.Searcher,
        analyzer: tantivy.TextAnalyzer,
        vocab: dict[str, list[str]] | None = None,
        subagent_keys: Callable[[], list[int]] = list,
    ) -> None:
        """``subagent_keys``: the session keys of the subagent transcripts (the index does
        not hold which sessions are subagents; the store's metadata index does)."""
        self.schema = schema
        self.subagent_keys = subagent_keys
        self.searcher = searcher
        self.analyzer = analyzer
        self.vocab = vocab if vocab is not None else {}
        self.notices: list[str] = []
        self.in_title = False
        self.with_title = True
        self.negated = 0  # how many NOTs enclose the node being compiled

    # -- entry point ------------------------------------------------------------------------

    def compile(self, tree: Node | None, *, in_title: bool = False) -> Compiled:
        from .query import has_text

        self.in_title = in_title
        self.notices = []
        scored = has_text(tree)
        # The title is on every message document so that the words of a query can match
        # across the title and a message ("flaky load"). With a single word or phrase the
        # session's own document, which holds the title, finds the same sessions, so the
        # (large) title postings of every message are left out; a role filter needs them,
        # since the session document has no role.
        self.with_title = _text_items(tree) > 1 or _has_role(tree)
        query = tantivy.Query.all_query() if tree is None else self.top(tree)
        one = (not scored and not _has_role(tree)) or in_title
        if one:
            # Filters only (or title search): one document per session, the session's own.
            query = tantivy.Query.boolean_query([(_M, query), (_M, self.term(f.ROLE, "title"))])
        return Compiled(query, scored, self.notices, one_per_session=one)

    def top(self, tree: Node) -> tantivy.Query:
        """The top level: an AND whose text negations exclude whole sessions."""
        children = tree.children if isinstance(tree, And) else (tree,)
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for child in children:
            if isinstance(child, Not):
                clauses.append((_N, self.exclusion(child.child)))
            else:
                clauses.append((_M, self.node(child)))
        if all(occur == _N for occur, _q in clauses):
            clauses.append((_M, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    def exclusion(self, node: Node) -> tantivy.Query:
        from .query import has_text

        # Excluding a session for a word anywhere in it: its own document covers the title.
        with_title, self.with_title = self.with_title, False
        try:
            inner = self.negation(node)
        finally:
            self.with_title = with_title
        if not has_text(node):
            return inner  # session fields: excluding documents excludes sessions
        result = self.searcher.aggregate(
            inner,
            {"s": {"terms": {"field": f.SKEY, "size": MAX_EXCLUDED_SESSIONS}}},
        )
        agg = result.get("s", {})
        keys = [int(b["key"]) for b in agg.get("buckets", [])]
        if not keys:
            return inner
        by_session = tantivy.Query.term_set_query(self.schema, f.SKEY, keys)
        if agg.get("sum_other_doc_count"):
            return tantivy.Query.boolean_query([(_S, by_session), (_S, inner)])
        return by_session

    # -- nodes ------------------------------------------------------------------------------

    def node(self, node: Node) -> tantivy.Query:
        if isinstance(node, Word):
            return self.word(node)
        if isinstance(node, Phrase):
            return self.phrase(node.text)
        if isinstance(node, Filter):
            return self.filter(node)
        if isinstance(node, Not):
            return tantivy.Query.boolean_query(
                [(_M, tantivy.Query.all_query()), (_N, self.negation(node.child))]
            )
        if isinstance(node, And):
            return tantivy.Query.boolean_query([(_M, self.node(c)) for c in node.children])
        if isinstance(node, Or):
            return tantivy.Query.boolean_query([(_S, self.node(c)) for c in node.children])
        raise TypeError(node)

    def negation(self, node: Node) -> tantivy.Query:
        """The query for what a NOT excludes (its notices then say so)."""
        self.negated += 1
        try:
            return self.node(node)
        finally:
            self.negated -= 1

    def tokens(self, text: str) -> list[str]:
        return self.analyzer.analyze(text)

    def unindexable(self, text: str) -> bool:
        """Whether ``text`` holds a word too long to be in the index (`schema.MAX_TOKEN_CHARS`):
        the analyzer drops it, so the query must match nothing rather than ignore it."""
        if len(text.encode()) < f.MAX_TOKEN_CHARS or not any(
            len(m.group().encode()) >= f.MAX_TOKEN_CHARS for m in _WORD_RUN.finditer(text)
        ):
            return False
        self.notices.append(
            f"'{_cut(text)}' holds a word of {f.MAX_TOKEN_CHARS} letters or more; such words "
            "(base64, minified code) are not indexed, so nothing matches it"
        )
        return True

    def segments(self, text: str) -> list[tuple[bool, str]]:
        """Split text into (is_cjk, segment) pieces in order."""
        out: list[tuple[bool, str]] = []
        pos = 0
        for match in NOSPACE_RUN.finditer(text):
            if match.start() > pos:
                out.append((False, text[pos : match.start()]))
            out.append((True, match.group()))
            pos = match.end()
        if pos < len(text):
            out.append((False, text[pos:]))
        return out

    def word(self, word: Word) -> tantivy.Query:
        if self.unindexable(word.text):
            return _NOTHING
        parts: list[tantivy.Query] = []
        segments = self.segments(word.text)
        for i, (is_cjk, segment) in enumerate(segments):
            last = i == len(segments) - 1
            if is_cjk:
                parts.append(self.cjk(segment, prefix=word.prefix and last))
                continue
            tokens = self.tokens(segment)
            if not tokens:
                continue
            if word.fuzzy is not None:
                parts.extend(self.fuzzy(t, word.fuzzy) for t in tokens)
            elif word.prefix and last:
                parts.append(self.prefix(tokens))
            elif len(tokens) == 1:
                parts.append(self.single(tokens[0]))
            else:
                parts.append(self.compound(tokens))
        return self.all_of(parts, word.text)

    def phrase(self, text: str) -> tantivy.Query:
        if self.unindexable(text):
            return _NOTHING
        parts: list[tantivy.Query] = []
        for is_cjk, segment in self.segments(text):
            if is_cjk:
                parts.append(self.cjk(segment, prefix=False))
                continue
            tokens = self.tokens(segment)
            if len(tokens) == 1:
                parts.append(self.single(tokens[0], camel=False))
            elif len(tokens) > 1:
                one_word = len(segment.split()) == 1
                parts.append(self.compound(tokens) if one_word else self.words_phrase(tokens))
        return self.all_of(parts, text)

    def all_of(self, parts: list[tantivy.Query], text: str) -> tantivy.Query:
        if not parts:
            self.notices.append(f"'{_cut(text)}' has no letters or digits to search for: ignored")
            return tantivy.Query.all_query()
        if len(parts) == 1:
            return parts[0]
        return tantivy.Query.boolean_query([(_M, p) for p in parts])

    # -- fields ------------------------------------------------------------------------------
    #
    # A word is looked up in several fields as ONE flat disjunction of (boosted) term scorers:
    # nesting unions costs tantivy about twice as much as a flat one.

    def text_fields(self) -> list[tuple[str, float]]:
        """(field, boost) a word or phrase is looked up in."""
        if self.in_title:
            return [(f.TITLE, TITLE_BOOST)]
        if self.with_title:
            return [(f.TEXT, 1.0), (f.TITLE, TITLE_BOOST)]
        return [(f.TEXT, 1.0)]

    def parts_fields(self) -> list[tuple[str, float]]:
        return [] if self.in_title else [(f.PARTS, PARTS_BOOST)]

    def cjk_fields(self) -> list[tuple[str, float]]:
        return [(f.CJK, 1.0)]

    @staticmethod
    def any_of(clauses: list[tuple[tantivy.Query, float]]) -> tantivy.Query:
        """A flat disjunction of boosted queries."""
        queries = [q if b == 1.0 else tantivy.Query.boost_query(q, b) for q, b in clauses]
        if not queries:
            return tantivy.Query.empty_query()
        if len(queries) == 1:
            return queries[0]
        return tantivy.Query.boolean_query([(_S, q) for q in queries])

    def single(self, token: str, camel: bool = True) -> tantivy.Query:
        fields = self.text_fields() + (self.parts_fields() if camel else [])
        return self.any_of([(self.term(name, token), boost) for name, boost in fields])

    def words_phrase(self, tokens: list[str]) -> tantivy.Query:
        return self.any_of(
            [
                (tantivy.Query.phrase_query(self.schema, name, tokens), boost)
                for name, boost in self.text_fields()
            ]
        )

    def compound(self, tokens: list[str]) -> tantivy.Query:
        """A word the analyzer splits into ``tokens`` (see the module docstring)."""
        if self.in_title:
            return self.words_phrase(tokens)
        first = self.term(f.IDENTS, compound_term(tokens[:IDENT_RUN]))
        if len(tokens) <= IDENT_RUN:
            in_text = first
        else:
            phrase = tantivy.Query.phrase_query(self.schema, f.TEXT, tokens)
            in_text = tantivy.Query.boolean_query([(_M, first), (_M, phrase)])
        clauses = [(in_text, 1.0)]
        if self.with_title:
            clauses.append((tantivy.Query.phrase_query(self.schema, f.TITLE, tokens), TITLE_BOOST))
        return self.any_of(clauses)

    def prefix(self, tokens: list[str]) -> tantivy.Query:
        if len(tokens) > 1:
            return self.any_of(
                [
                    (tantivy.Query.phrase_prefix_query(self.schema, name, tokens), boost)
                    for name, boost in self.text_fields()
                ]
            )
        clauses: list[tuple[tantivy.Query, float]] = []
        for name, boost in self.text_fields() + self.parts_fields():
            clauses += [(q, boost) for q in self.expand(name, tokens[0])]
        return self.any_of(clauses)

    def expand(self, field_name: str, prefix: str) -> list[tantivy.Query]:
        """A term query per dictionary term starting with ``prefix`` (most frequent first,
        capped)."""
        cap = MAX_SHORT_PREFIX_TERMS if len(prefix) == 1 else MAX_PREFIX_TERMS
        terms = self.searcher.terms_with_prefix(field_name, prefix, limit=cap)
        return [self.term(field_name, t) for t, _n in terms]

    def fuzzy(self, token: str, distance: int) -> tantivy.Query:
        d = auto_distance(token) if distance < 0 else distance
        if d == 0:
            return self.single(token)
        return self.any_of(
            [
                (tantivy.Query.fuzzy_term_query(self.schema, name, token, d, True), boost)
                for name, boost in self.text_fields()
            ]
        )

    def cjk(self, run: str, prefix: bool = False) -> tantivy.Query:
        clauses: list[tuple[tantivy.Query, float]] = []
        if len(run) == 1:
            # One character: every bigram starting with it, or the run-final unigram.
            for name, boost in self.cjk_fields():
                clauses.append((tantivy.Query.phrase_prefix_query(self.schema, name, [run]), boost))
            return self.any_of(clauses)
        # The run's bigrams in order (a prefix is the same: words starting with the run).
        grams = cjk_grams(run)[:-1]
        for name, boost in self.cjk_fields():
            if len(grams) == 1:
                clauses.append((self.term(name, grams[0]), boost))
            else:
                clauses.append((tantivy.Query.phrase_query(self.schema, name, grams), boost))
        return self.any_of(clauses)

    def term(self, field_name: str, value: str | int) -> tantivy.Query:
        """A term; scored (BM25 with frequencies) on text fields, a plain lookup elsewhere."""
        option = "freq" if field_name in _SCORED else "basic"
        return tantivy.Query.term_query(self.schema, field_name, value, option)

    # -- filters ------------------------------------------------------------------------------

    def filter(self, flt: Filter) -> tantivy.Query:
        if flt.key == "date":
            return tantivy.Query.range_query(
                self.schema,
                f.UPDATED,
                tantivy.FieldType.Integer,
                flt.low_ms,
                None if flt.high_ms is None else flt.high_ms - 1,
            )
        if flt.key == "role":
            return self.term(f.ROLE, flt.value)
        if flt.key in ("starred", "error"):
            return self.term(f.STARRED if flt.key == "starred" else f.ERROR, int(flt.value))
        if flt.key == "subagent":
            keys = self.subagent_keys()
            if not keys:
                return tantivy.Query.empty_query()
            return tantivy.Query.term_set_query(self.schema, f.SKEY, keys)
        field_name = {"tool": f.SOURCE, "model": f.MODEL, "project": f.PROJECT, "tag": f.TAG}[
            flt.key
        ]
        values = self.values(field_name)
        if flt.prefix:
            chosen = [v for v in values if v.startswith(flt.value)]
        elif flt.value in values:
            chosen = [flt.value]
        else:
            chosen = [v for v in values if flt.value in v]
            if flt.key == "project" and chosen:
                # Prefer the last path component over every path that merely contains it.
                names = [v for v in chosen if "/" not in v and "\\" not in v]
                chosen = names or chosen
        if not chosen:
            known = ", ".join(sorted(values)[:8]) if flt.key in ("tool", "model") else ""
            hint = f" (known: {known}{', …' if len(values) > 8 else ''})" if known else ""
            if self.negated % 2:
                hint = ", so excluding it removes nothing"
            self.notices.append(f"No sessions have {flt.key} '{flt.value}'{hint}")
            return tantivy.Query.empty_query()
        if len(chosen) == 1:
            return self.term(field_name, chosen[0])
        return tantivy.Query.term_set_query(self.schema, field_name, chosen)

    def values(self, field_name: str) -> list[str]:
        """Every distinct value of a keyword field (a few hundred at most), cached per reader."""
        cached = self.vocab.get(field_name)
        if cached is None:
            cached = [t for t, _n in self.searcher.terms_with_prefix(field_name, "")]
            self.vocab[field_name] = cached
        return cached
