"""The index schema and its analyzers: one document per message, plus one per session.

Every document carries its session's filterable fields (tool, models, project, tags, starred,
has-error, updated), so a filter is a term or range lookup on the same document a word matched.
Bump `SCHEMA_VERSION` whenever fields, analyzers or document contents change: an index built
with another version is rebuilt automatically.

What a document *is* (the session's own title document, a prompt the user typed, an answer,
tool output) decides how much a match in it counts: `WEIGHT`, a fast field tantivy multiplies
the score by. Per-kind text fields boosted at query time would be cheaper to collect, but
tantivy's BM25 divides a document's length by its field's average over *all* documents, so a
sparse field (titles: one document per session; prompts) is penalised for its sparseness,
enough to undo the boosts (measured: a prompt outranked the title).
"""

from __future__ import annotations

import tantivy

SCHEMA_VERSION = 3

#: Words: split on anything not a letter or digit (so `retry_with_backoff`, `atomic.py` and
#: `bd-q3fy` become several tokens, also indexed whole in `IDENTS`), lowercased and folded to
#: ASCII where a folding exists (`café` matches `cafe`). Tokens longer than this are base64 or
#: minified noise nobody types, and are dropped.
MAX_TOKEN_CHARS = 100
WORDS = "st_words"
#: Keywords (tool, model, project, tag, role): the whole value, lowercased.
KEYWORD = "st_kw"

#: Field names, one place.
SID = "sid"  # session id (raw), for deletes and per-session restriction
SKEY = "skey"  # u64 hash of the session id: grouping by session through a fast field
MID = "mid"  # message id ("" for the session document)
ROLE = "role"  # user | assistant | tool | system | title
SOURCE = "source"
MODEL = "model"  # every model the session used, and the message's own
PROJECT = "project"  # full path and its last component
TAG = "tag"
STARRED = "starred"
ERROR = "error"  # the session has a tool error or error message
UPDATED = "updated"  # session updated, unix ms
BUCKET = "bucket"  # skey % BUCKETS: a uniform sample of sessions, for estimating totals
WEIGHT = "weight"  # ranking prior by role: title > user prompt > answer > tool output
TITLE = "title"  # the session title, on every document (so title words AND message words)
TEXT = "text"  # the message's readable text (stored: snippets come from it)
PARTS = "parts"  # parts of CamelCase identifiers ("CameraActivity" -> camera activity)
CJK = "cjk"  # character bigrams of scripts written without spaces (pre-tokenized)
IDENTS = "idents"  # runs of parts of split words ("retry with", "retry with backoff", ...)
#: Sessions are split into this many buckets by key; counting the matching sessions of a few
#: buckets estimates the total of a query matching too many to count quickly.
BUCKETS = 64


def words_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def keyword_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw())
        .filter(tantivy.Filter.lowercase())
        .build()
    )


def build_schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field(SID, stored=True, tokenizer_name="raw", index_option="basic")
    b.add_unsigned_field(SKEY, indexed=True, fast=True)
    b.add_unsigned_field(BUCKET, indexed=True)
    b.add_text_field(MID, stored=True, tokenizer_name="raw", index_option="basic")
    b.add_text_field(ROLE, stored=True, tokenizer_name=KEYWORD, index_option="basic")
    b.add_text_field(SOURCE, tokenizer_name=KEYWORD, index_option="basic")
    b.add_text_field(MODEL, tokenizer_name=KEYWORD, index_option="basic")
    b.add_text_field(PROJECT, tokenizer_name=KEYWORD, index_option="basic")
    b.add_text_field(TAG, tokenizer_name=KEYWORD, index_option="basic")
    b.add_unsigned_field(STARRED, indexed=True)
    b.add_unsigned_field(ERROR, indexed=True)
    b.add_integer_field(UPDATED, indexed=True, fast=True)
    b.add_float_field(WEIGHT, fast=True)
    b.add_text_field(TITLE, tokenizer_name=WORDS, index_option="position")
    b.add_text_field(TEXT, stored=True, tokenizer_name=WORDS, index_option="position")
    b.add_text_field(PARTS, tokenizer_name=WORDS, index_option="freq")
    b.add_text_field(CJK, tokenizer_name="raw", index_option="position")
    b.add_text_field(IDENTS, tokenizer_name="raw", index_option="freq")
    return b.build()


def register_analyzers(index: tantivy.Index) -> None:
    """Custom analyzers live in the process, not the index files: register on every open."""
    index.register_tokenizer(WORDS, words_analyzer())
    index.register_tokenizer(KEYWORD, keyword_analyzer())
