"""Search behaviour on a purpose-built store: every operator and filter gives exactly the
expected sessions, snippets cover the matched words, ranking and grouping hold."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions_tui.search import SearchIndex
from sessions_tui.search.query import parse

from ._search_fixture import UUID5, build_store, ids


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory):
    store = build_store(tmp_path_factory.mktemp("search") / "store")
    index = SearchIndex.open(store)
    assert index.state == "empty"
    index.catch_up()
    assert index.state == "ready"
    yield index
    index.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # words: all must match (in one message, or in the title)
        ("retry backoff", {"S1"}),
        ("retry", {"S1", "S5"}),
        ("terraform timeout", {"S2"}),
        ("flaky load", {"S1"}),  # "flaky" only in the title, "load" in a message
        # phrases
        ('"plan fails"', {"S2"}),
        ('"fails plan"', set()),
        ('"No space left on device"', {"S1"}),
        # exclusion removes whole sessions, even when the word is in another message
        ("retry -flaky", {"S5"}),
        ("atomic -load", set()),
        ("timeout -tool:codex-cli", {"S5"}),
        # OR, grouping
        ("terraform OR astro", {"S2", "S4"}),
        ("(terraform OR astro) timeout", {"S2"}),
        ("webhook | astro", {"S4", "S5"}),
        # prefix and typo tolerance
        ("terra*", {"S2"}),
        ("exponen*", {"S4"}),
        ("terrafrom~", {"S2"}),
        ("zebrfish~1", {"S6", "S7"}),
        # ASCII folding
        ("cafe", {"S4"}),
        ("café", {"S4"}),
        # code: identifiers, paths, ids, CamelCase parts
        ("retry_with_backoff", {"S1"}),
        ("atomic.py", {"S1"}),
        ("src/store/atomic.py", {"S1"}),
        ("store/atomic", {"S1"}),  # consecutive parts inside a longer word
        ("RETRY-WITH-BACKOFF", {"S1"}),  # any case, any punctuation between the parts
        ("check_src", set()),  # "check src/store/...": parts of two words, not one
        ("retry_test", set()),  # the title's "retry test" is prose, not this identifier
        ("CameraActivity", {"S1"}),
        ("camera", {"S1"}),
        ("activity", {"S1"}),
        ("bd-q3fy", {"S2"}),
        ("bd-q3*", {"S2"}),
        (UUID5, {"S5"}),
        ("0f8fad5b-d9cb*", {"S5"}),
        ("0f8fad5b", {"S5"}),
        ("Errno 28", {"S1"}),
        # CJK
        ("缓存是否失效", {"S3"}),
        ('"缓存是否失效"', {"S3"}),
        ("設定ファイル", {"S3"}),
        ("缓", {"S3"}),
        ("效", {"S3"}),
        ("缓失", set()),
        # filters
        ("tool:codex-cli", {"S2"}),
        ("tool:claude", {"S1", "S6", "S7"}),  # not an exact tool: tools containing it
        ("model:gpt-4o", {"S3"}),  # exact value: not gpt-4o-mini
        ("model:gpt-4o*", {"S3", "S4"}),
        ("model:sonnet", {"S1"}),
        ("project:payments-api", {"S1", "S5"}),  # last path component
        ("project:/home/u/src/infra", {"S2"}),
        ("project:PAYMENTS-API webhook", {"S5"}),
        ("role:assistant atomic", {"S1"}),
        ("role:user atomic", set()),
        ("role:tool space", {"S1"}),
        ("after:2025-02-01", {"S1", "S4", "S5", "S6"}),
        ("before:2025-01-01", {"S3", "S7"}),
        ("after:2025-01 before:2025-02", {"S2"}),
        ("on:2025-03-10", {"S1"}),
        ("is:starred", {"S1"}),
        ("-is:starred tool:codex-cli", {"S2"}),
        ("has:error", {"S1"}),
        ("tag:keep", {"S1"}),
        ("tag:blog", {"S4"}),
        ("in:title quartz", {"S2"}),
        ("tool:aider OR tool:chatgpt", {"S3", "S4"}),
        # nothing typed: every session
        ("", {"S1", "S2", "S3", "S4", "S5", "S6", "S7"}),
    ],
)
def test_operators_and_filters_give_exactly_the_expected_sessions(index, query, expected):
    results = index.search(query, limit=50)
    if not expected and results.looser is not None:
        # Nothing matched as typed: what is shown is explicitly the looser reading.
        assert "No exact matches" in (results.notice or "")
        return
    assert ids(results) == expected, results.notice
    assert results.total == len(expected)
    assert results.looser is None


def test_filter_only_query_lists_newest_first(index):
    results = index.search("after:2024-01-01", limit=50)
    updated = [r.updated for r in results.results]
    assert updated == sorted(updated, reverse=True)


def test_session_is_listed_once_with_its_best_hits(index):
    results = index.search("quartz", limit=50)
    listed = [r.session_id for r in results.results]
    assert len(listed) == len(set(listed)) == 2
    s1 = next(r for r in results.results if r.session_id == "S1")
    assert {h.message_id for h in s1.hits} == {"s1-a1", "s1-t1"}


def test_matching_messages_are_counted_without_the_title(index):
    by_id = {r.session_id: r for r in index.search("quartz").results}
    assert by_id["S2"].matched_messages == 0  # in its title only
    assert by_id["S1"].matched_messages == 2  # a tool call and its output


def test_title_match_ranks_above_tool_output(index):
    # "quartz" is in S2's title and deep in S1's tool call and output.
    assert [r.session_id for r in index.search("quartz").results] == ["S2", "S1"]


def test_user_prompt_ranks_above_assistant_text(index):
    # S5 has "retry" in a user prompt; S1 only in an identifier of a user prompt too, so
    # compare "timeout": S2 has it in the user prompt, S5 in an assistant answer.
    assert [r.session_id for r in index.search("timeout").results] == ["S2", "S5"]


def test_recency_breaks_ties(index):
    assert [r.session_id for r in index.search("zebrafish").results] == ["S6", "S7"]


def test_snippet_ranges_cover_the_matched_words(index):
    for query, words in [
        ("retry backoff", {"retry", "backoff"}),
        ('"No space left"', {"no space left"}),
        ("camera", {"camera"}),
        ("terra*", {"terraform"}),
        ("terrafrom~", {"terraform"}),
        ("缓存是否失效", {"缓存是否失效"}),
        ("cafe", {"café"}),
        ("atomic.py", {"atomic.py"}),
    ]:
        results = index.search(query)
        assert results.results, query
        for result in results.results:
            assert result.hits, query
            covered = set()
            for hit in result.hits:
                for a, b in hit.ranges:
                    assert 0 <= a < b <= len(hit.fragment)
                    covered.add(hit.fragment[a:b].lower())
            assert covered & words, (query, [h.fragment for h in result.hits])


def test_hit_fields_point_at_the_message(index):
    result = index.search("bd-q3fy").results[0]
    hit = result.hits[0]
    assert (hit.message_id, hit.role) == ("s2-a1", "assistant")
    assert hit.fragment[hit.ranges[0][0] : hit.ranges[0][1]] == "bd-q3fy"
    assert result.title == "Terraform plan fails: quartz module"
    assert result.source == "codex-cli"
    assert result.updated.year == 2025


def test_title_hit_for_a_title_only_match(index):
    result = index.search("flaky").results[0]
    assert result.session_id == "S1"
    assert result.hits[0].role == "title"
    assert result.hits[0].message_id == ""
    assert result.hits[0].fragment == "Fix flaky retry test"


def test_pasting_a_session_id_finds_it(index):
    assert index.search("S4").results[0].session_id == "S4"


def test_nothing_found_offers_the_looser_reading(index):
    results = index.search("terrafor")
    assert results.looser is not None and "terrafor*" in results.looser
    assert ids(results) == {"S2"}
    assert "No exact matches" in (results.notice or "")


def test_live_search_reads_an_unfinished_last_word_as_a_prefix(index):
    """Typing `retry ba` on the way to `retry backoff` lists the session at once, as the
    prefix reading (not the typo-tolerant one, which could match other words)."""
    results = index.search("retry backo", typing=True)
    assert ids(results) == {"S1"}
    assert results.looser == "retry backo*"
    assert results.notice == "Matching retry backo* as you type"  # not "no matches"
    # an exact match is kept as it is: the last word is not widened needlessly
    exact = index.search("terraform timeout", typing=True)
    assert ids(exact) == {"S2"} and exact.looser is None
    # a trailing space says the word is finished: no prefix reading, the looser one instead
    assert index.search("retry backo ", typing=True).looser != "retry backo*"
    # outside live search (the CLI, export and cleanup scopes) nothing changes
    assert index.search("retry backo").looser != "retry backo*"


def test_live_search_leaves_out_a_lone_last_letter_until_it_has_a_second(index):
    """`retry b` on the way to `retry backoff`: the `b` alone would match almost every
    session as a prefix (the slowest search there is) and narrow nothing, so the results
    stay those of `retry` and say why; the next letter counts again."""
    typed = index.search("retry b", typing=True)
    assert ids(typed) == ids(index.search("retry")) and typed.total
    assert "'b' is left out until it has a second letter" in (typed.notice or "")
    assert ids(index.search("retry ba", typing=True)) == {"S1"}
    # a finished query (CLI, export, cleanup) or a trailing space means the letter itself
    assert "left out" not in (index.search("retry b").notice or "")
    assert "left out" not in (index.search("retry b ", typing=True).notice or "")


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("retry b", "retry"),
        ("retry flaky x", "retry flaky"),
        ("c", None),  # the letter is the whole query
        ("-retry c", None),  # nothing else to search for
        ("tool:codex c", None),
        ("retry c*", None),  # asked for as a prefix
        ("retry ab", None),
        ("retry 中", None),  # one CJK character is a whole word
    ],
)
def test_which_lone_last_letter_is_left_out(typed, kept):
    from sessions_tui.search.query import one_letter_tail, unparse

    tail = one_letter_tail(parse(typed).tree)
    assert (unparse(tail[0]) if tail else None) == kept


@pytest.mark.parametrize(
    ("query", "common", "reading"),
    [
        ("retyr", set(), "retyr* OR retyr~"),
        ('"the test suite"', set(), "the (test* OR test~) (suite* OR suite~)"),
        ('"the test suite"', {"test"}, "the test (suite* OR suite~)"),
        ("api OR retyr", set(), "api OR retyr* OR retyr~"),
    ],
)
def test_the_looser_reading_widens_only_words_that_may_be_typos(query, common, reading):
    """Short words (`the`) and words frequent in the index (`test` in most sessions) are no
    typo and not unfinished; widening them would match most messages and cost the most."""
    from sessions_tui.search.query import loosen, unparse

    assert unparse(loosen(parse(query).tree, common.__contains__)) == reading


def test_words_frequent_in_the_index_stay_as_typed_in_the_looser_reading(index, monkeypatch):
    import sessions_tui.search.index as index_module

    query = '"terraform timeout plan"'  # no such phrase: its words, loosely
    assert index.search(query).looser == (
        "(terraform* OR terraform~) (timeout* OR timeout~) (plan* OR plan~)"
    )
    # in a big index these words would be in more than 1% of the messages
    monkeypatch.setattr(index_module, "_COMMON_MIN_DOCS", 0)
    results = index.search(query)
    assert results.looser == "terraform timeout plan" and ids(results) == {"S2"}


def test_nothing_found_even_loosely(index):
    results = index.search("qqqzzzxxx")
    assert results.total == 0 and results.results == [] and results.looser is None


@pytest.mark.parametrize(
    ("query", "fragment", "expected"),
    [
        ('"unclosed phrase', "Unclosed quote", set()),
        ('"plan fails', "Unclosed quote", {"S2"}),
        ("(terraform OR astro", "unclosed '('", {"S2", "S4"}),
        ("terraform )", "unmatched ')'", {"S2"}),
        ("terraform OR", "OR with nothing after", {"S2"}),
        ("OR terraform", "OR with nothing before", {"S2"}),
        ("tol:codex terraform", "did you mean 'tool:'", set()),
        ("after:someday terraform", "not a date", {"S2"}),
        ("role:robot terraform", "Unknown role", {"S2"}),
        ("is:pinned terraform", "Unknown filter", {"S2"}),
        ("tool:vim", "No sessions have tool 'vim'", set()),
        ("terraform -tool:vim", "tool 'vim', so excluding it removes nothing", {"S2"}),
        ("terraform NOT (tag:nope OR tool:vim)", "excluding it removes nothing", {"S2"}),
        ("terraform -", "ignored", {"S2"}),
        ("tool: terraform", "needs a value", {"S2"}),
        ('timeout tool:"codex-cli', 'read as tool:"codex-cli"', {"S2"}),
    ],
)
def test_malformed_queries_explain_and_search_leniently(index, query, fragment, expected):
    results = index.search(query, limit=50)
    assert fragment.lower() in (results.notice or "").lower()
    if results.looser is None:
        assert ids(results) == expected
    else:
        assert not expected


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(
        alphabet=st.sampled_from(list('ab -"()*~:|ORNT缓存\\\x00é0/.tool:is:after:2025')),
        max_size=40,
    )
    | st.text(max_size=30)
)
def test_random_queries_never_raise(index, query):
    results = index.search(query, limit=5)
    assert not (results.notice or "").startswith("Search failed"), results.notice
    assert results.total >= len(results.results)
    for result in results.results:
        for hit in result.hits:
            assert all(0 <= a < b <= len(hit.fragment) for a, b in hit.ranges)
    parse(query)


def test_paging(index):
    everything = [r.session_id for r in index.search("", limit=50).results]
    page = index.search("", limit=3, offset=2)
    assert [r.session_id for r in page.results] == everything[2:5]
    assert page.total == len(everything)


def test_highlight_ranges_in_any_text(index):
    text = "Retry: the RETRY_with_backoff helper; CameraActivity (缓存是否失效) café"
    assert [text[a:b] for a, b in index.highlight_ranges("retry", text)] == ["Retry", "RETRY"]
    assert [text[a:b] for a, b in index.highlight_ranges("camera", text)] == ["Camera"]
    assert [text[a:b] for a, b in index.highlight_ranges("缓存", text)] == ["缓存"]
    assert [text[a:b] for a, b in index.highlight_ranges("cafe", text)] == ["café"]
    assert [text[a:b] for a, b in index.highlight_ranges('"with backoff"', text)] == [
        "with_backoff"
    ]
    assert [text[a:b] for a, b in index.highlight_ranges("retr* -helper tool:x", text)] == [
        "Retry",
        "RETRY",
    ]
    assert index.highlight_ranges("tool:codex-cli", text) == []


def test_highlight_ranges_in_a_long_text(index):
    text = ("filler words here " * 3000) + "the zebrafish appears" + (" more filler" * 3000)
    found = [text[a:b] for a, b in index.highlight_ranges("zebrafish", text)]
    assert found == ["zebrafish"]


def test_suggestions(index):
    assert "terraform" in index.suggest("terr")
    assert index.suggest("zzzz") == []
    assert index.suggest("gpt-4o", field="model")[:2] == ["gpt-4o", "gpt-4o-mini"]
    assert index.suggest("pay", field="project") == ["payments-api"]
    assert index.suggest("co", field="tool") == ["codex-cli", "claude-code"]  # prefix first
    assert index.suggest("k", field="tag") == ["keep"]


def test_tui_filter_chips_round_trip():
    """The TUI writes filters with its own quoting (sessions_tui.tui.querystring.quote)."""
    from sessions_tui.search.query import Filter

    tree = parse('project:"my \\"odd\\" project" retry').tree
    assert tree.children[0] == Filter("project", 'my "odd" project')
    assert parse("from:2025-01-01").tree == parse("after:2025-01-01").tree
    assert parse("is:subagent").tree == Filter("subagent", "1")


def test_is_subagent_narrows_to_subagent_transcripts_and_its_negation_leaves_them_out(
    tmp_path,
):
    """`is:subagent` is a filter like `is:starred`: search, listing, export and cleanup
    scopes all mean the transcripts a parent session spawned, and nothing else."""
    from sessions_tui.demo_store import build_demo_store
    from sessions_tui.search import SearchIndex
    from sessions_tui.store import ListQuery

    store = build_demo_store(tmp_path / "store")
    subagents = {s.id for s in store.list() if s.parent_session_id}
    assert subagents and len(subagents) < store.count()
    assert set(store.index.ids(ListQuery(subagents=True))) == subagents
    assert not set(store.index.ids(ListQuery(subagents=False))) & subagents
    with SearchIndex.open(store) as index:
        index.catch_up()
        only = index.search("is:subagent", limit=100)
        assert {r.session_id for r in only.results} == subagents
        rest = index.search("-is:subagent", limit=100)
        assert len(rest.results) == store.count() - len(subagents)
        assert not {r.session_id for r in rest.results} & subagents
    store.close()


@pytest.mark.parametrize(
    ("typed", "reading"),
    [
        ("retry ba", "retry ba*"),
        ("terraform OR astr", "terraform OR astr*"),
        ("retry -flak", "retry -flak"),  # an exclusion is never widened
        ('retry "plan fa"', 'retry "plan fa"'),
        ("retry tool:cod", "retry tool:cod"),
        ("exponen*", "exponen*"),
    ],
)
def test_the_as_you_type_reading_widens_only_the_last_bare_word(typed, reading):
    from sessions_tui.search.query import as_you_type, unparse

    assert unparse(as_you_type(parse(typed).tree)) == reading


@pytest.mark.parametrize(
    "query", ["x" * 100, "retry " + "Ab9" * 50, '"' + "q" * 120 + '"', "é" * 50]
)
def test_a_word_too_long_to_be_indexed_matches_nothing_and_says_why(index, query):
    """The analyzer drops tokens of 100 bytes or more (base64, minified code): such a word
    must find nothing, not be ignored and match every session."""
    results = index.search(query)
    assert results.total == 0 and results.results == []
    assert "not indexed" in (results.notice or "")
    assert len(results.notice or "") < 200, "the notice quotes the word, cut"


def test_excluding_a_word_too_long_to_be_indexed_excludes_nothing(index):
    everything = index.search("retry")
    assert ids(index.search("retry -" + "z" * 120)) == ids(everything)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from("aZ9_./-'é ü缓Ⅻ²\"\\\n(),“"), max_size=40))
def test_split_words_are_indexed_as_the_analyzer_splits_them(text):
    """`ident_terms` splits ASCII itself: its parts must be the analyzer's, or lookups miss."""
    from sessions_tui.search.schema import words_analyzer
    from sessions_tui.search.tokenize import IDENT_RUN, ident_terms

    analyzer = words_analyzer()
    expected = []
    for word in text.split():
        parts = analyzer.analyze(word)
        expected += [
            " ".join(parts[i : i + n])
            for n in range(2, min(len(parts), IDENT_RUN) + 1)
            for i in range(len(parts) - n + 1)
        ]
    terms = ident_terms(text)
    assert sorted(terms) == sorted(expected)
    if terms:  # documents.py writes them into the document's JSON as they are, unescaped
        assert json.loads('["' + '","'.join(terms) + '"]') == terms


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("azAZB09 _-é"), max_size=12))
def test_the_camel_case_pre_check_is_the_plain_definition(text):
    """`has_camel` scans with a faster pattern; it must answer as the readable one does."""
    import re

    from sessions_tui.search.tokenize import has_camel, has_nospace

    plain = re.search(r"[a-z0-9][A-Z]|[A-Z][A-Z][a-z]", text) is not None
    assert has_camel(text) == plain
    assert has_nospace(text + "缓") and not has_nospace(text.replace("é", "e"))
