"""The fast-scanning rewrites of the rules' patterns match exactly like the plain patterns."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from covidmeet_ds.text import patterns
from covidmeet_ds.text.patterns import alternation, first_characters, scanning

ALPHABET = "ab.c*\\-]^防控疫情x,。"
texts = st.text(alphabet=ALPHABET + " \n", max_size=60)
words = st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=4), min_size=1, max_size=8)


def _spans(pattern: str, text: str) -> list[tuple[tuple[int, int], tuple]]:
    return [(m.span(), m.groups()) for m in re.finditer(pattern, text)]


@settings(max_examples=300, deadline=None)
@given(words=words, text=texts, suffix=st.sampled_from(["", "x", "c?x", "(?=a)", "[^,]{0,2}?。"]))
def test_alternation_matches_like_the_longest_first_alternation(words, text, suffix) -> None:
    plain = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    trie = alternation(words)
    assert _spans(f"(?:{plain}){suffix}", text) == _spans(f"(?:{trie}){suffix}", text)


def _atom(draw_depth: int) -> st.SearchStrategy[str]:
    leaves = st.one_of(
        st.sampled_from(list(ALPHABET.replace("\\", "").replace("*", "").replace("]", ""))).map(
            re.escape
        ),
        st.sampled_from(["[ab]", "[防控]", "\\s", "\\d", "[^a]", ".", "^", "$", "(?<=a)", "(?!b)"]),
    )
    if draw_depth > 2:
        return leaves
    inner = _sequence(draw_depth + 1)
    return st.one_of(
        leaves,
        st.tuples(inner, st.sampled_from(["", "?", "*", "+", "{0,2}", "??", "{1,3}?"])).map(
            lambda t: f"(?:{t[0]}){t[1]}"
        ),
        st.tuples(inner, inner).map(lambda t: f"(?:{t[0]}|{t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}|{t[1]}"),
        inner.map(lambda s: f"({s})"),
    )


def _sequence(depth: int) -> st.SearchStrategy[str]:
    return st.lists(_atom(depth), min_size=1, max_size=3).map("".join)


@settings(max_examples=500, deadline=None)
@given(pattern=_sequence(0), text=texts, data=st.data())
def test_scanning_matches_like_the_pattern(pattern, text, data) -> None:
    try:
        plain = re.compile(pattern)
    except re.error:
        return
    fast = re.compile(scanning(pattern))
    pos = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(pos, len(text)))
    assert [(m.span(), m.groups()) for m in plain.finditer(text, pos, end)] == [
        (m.span(), m.groups()) for m in fast.finditer(text, pos, end)
    ]
    a, b = plain.match(text, pos, end), fast.match(text, pos, end)
    assert (a and b and a.span() == b.span() and a.groups() == b.groups()) or (a is b is None)


@settings(max_examples=500, deadline=None)
@given(pattern=_sequence(0), text=texts, data=st.data())
def test_search_and_finditer_are_exactly_re(pattern, text, data) -> None:
    try:
        compiled = re.compile(pattern)
    except re.error:
        return
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    plain = compiled.search(text, start, end)
    fast = patterns.search(compiled, text, start, end)
    assert (plain and fast and plain.span() == fast.span()) or (plain is fast is None)
    assert [m.span() for m in compiled.finditer(text, start, end)] == [
        m.span() for m in patterns.finditer(compiled, text, start, end)
    ]


def test_first_characters() -> None:
    assert first_characters(r"(?P<p>主持(?:召开)?)|(?:作|做)了?讲话") == "主作做"
    assert first_characters(r"a*") is None  # can match empty
    assert first_characters(r".b") is None  # any character
    assert first_characters(r"(?i)ab") is None  # other cases match too
    assert scanning(r"(?<=x)ab|cd") == r"(?=[ac])(?:(?<=x)ab|cd)"
