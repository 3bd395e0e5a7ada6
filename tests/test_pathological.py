"""Time on pathological pages grows linearly, and the linear forms of the patterns that were
quadratic or exponential find exactly what the old patterns found.

The shapes are those of ``tests/pathological.py`` that took quadratic or exponential time before
(``benchmarks/bench_pathological.py`` times all of them). Each is timed through the whole
pipeline at two lengths, eight times apart: linear time gives a ratio near 8, quadratic near 64.
The bound is generous (a slow, busy machine does not fail it) and a page that hangs fails at the
alarm instead of blocking the suite.
"""

from __future__ import annotations

import random
import re
import signal
import time
from contextlib import contextmanager

import pytest

from covidmeet_ds.rules import meetings, reports, requirements
from covidmeet_ds.text import normalise as norm
from covidmeet_ds.text.patterns import alternation
from covidmeet_ds.text.punctuation import Marks
from tests.pathological import REPORT, SHAPES, timed_pipeline

_SHAPES = {shape.name: shape for shape in SHAPES}
_GROWTH = 8
_SLACK = 3
"""Linear time may grow this many times more than the length before the test fails."""
_ALARM = 60
"""Seconds a page may take before the test fails (quadratic pages took minutes)."""

WORST = {
    # a run of spaces in a line that is no body text (breadcrumb separators, \s*…\s*)
    "spaces [line]": 10_000,
    "tabs [line]": 10_000,
    "mixed blanks in (|) [line]": 10_000,
    # page markers and paragraph breaks around a run of spaces
    "spaces in 第1|页 [line]": 10_000,
    "spaces in > [line]": 10_000,
    # a line of the tail starting with a long run of spaces
    "spaces after a related heading": 10_000,
    # unclosed HTML comments
    "<!-- [after_held]": 10_000,
    # byline-like short lines (nested quantifiers over spaces)
    "byline-like lines": 10_000,
    # many held verbs on one line (lead-ins read from the line's start for each)
    "会议召开": 5_000,
    # many meetings (the body read to its end for each)
    "numbered meetings": 5_000,
    "numbered held-after": 5_000,
    # purpose clauses with many 会议…对 and no closing verb
    "会议就作 [purpose]": 5_000,
    # a run of 贯彻落实 (one word or two: exponential)
    "研究贯彻落实…情况": 5_000,
}


@contextmanager
def _alarm(seconds: int, what: str):
    def expired(signum, frame):
        raise TimeoutError(f"{what} took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _seconds(text: str, what: str) -> float:
    """The best of two runs of the pipeline on ``text``."""
    best = float("inf")
    for _ in range(2):
        with _alarm(_ALARM, what):
            start = time.perf_counter()
            timed_pipeline(text)
            best = min(best, time.perf_counter() - start)
    return best


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    timed_pipeline(REPORT)  # dictionaries and compiled patterns, once


@pytest.mark.parametrize("name", list(WORST))
def test_time_grows_linearly(name: str) -> None:
    shape, size = _SHAPES[name], WORST[name]
    small = _seconds(shape.text(size), f"{name} at {size}")
    large = _seconds(shape.text(_GROWTH * size), f"{name} at {_GROWTH * size}")
    ratio = large / max(small, 1e-4)
    assert ratio < _GROWTH * _SLACK, (
        f"{name}: {small:.3f} s at {size} characters, {large:.3f} s at {_GROWTH * size} "
        f"(ratio {ratio:.0f}; linear is about {_GROWTH})"
    )


def test_every_worst_shape_exists() -> None:
    assert set(WORST) <= set(_SHAPES)


# --- the linear forms find what the old patterns found -----------------------------------------


def _strings(alphabet: list[str], count: int, longest: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(longest + 1)))
        for _ in range(count)
    ]


_OLD_HTML = re.compile(
    r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>|<!--.*?-->|&(?:[a-z]{2,8}|#\d{2,6});"
)
_OLD_PAGE_INLINE = re.compile(
    r"\s*(?:_第\s*\d{1,4}\s*页|第\s*\d{1,4}\s*页\s*[/／]\s*共\s*\d{1,4}\s*页)\s*"
)
_OLD_TAIL_CANDIDATE = re.compile(r"(?m)^[^\S\n]*(?=[^\n]*[。<&_])(\S[^\n]*?)[^\S\n]*$")
_OLD_NAV_SEPARATOR = re.compile(r"\s*[>›»|｜丨>]+\s*")


def test_html_spans_are_those_of_one_pattern() -> None:
    alphabet = [*"<>!-a b/&;#1\n\t", "<!--", "-->", "<a ", "&lt;", "<b>"]
    for text in _strings(alphabet, 5000, 20, 1):
        assert norm._html_spans(text) == [m.span() for m in _OLD_HTML.finditer(text)], text
        assert norm._has_html(text) == (_OLD_HTML.search(text) is not None), text
        line = text.strip()
        old = _OLD_HTML.search(line) is not None and not _OLD_HTML.sub("", line).strip()
        assert norm._is_html(line) == old, line


def test_page_markers_tail_lines_and_separators_as_before() -> None:
    pages = [*" \t_第1页/／共2\n", "_第1页", "第2页 / 共3页", "  "]
    for text in _strings(pages, 5000, 20, 2):
        old = [m.span() for m in _OLD_PAGE_INLINE.finditer(text)]
        assert [m.span() for m in norm._PAGE_INLINE.finditer(text)] == old, text
    tails = [*" \t\r\n。<&_a\x0b\x1c\u2028", "  ", "\n\n"]
    for text in _strings(tails, 5000, 20, 3):
        for start in {0, len(text) // 2}:
            old = [(m.span(), m.span(1)) for m in _OLD_TAIL_CANDIDATE.finditer(text, start)]
            new = [(m.span(), m.span(1)) for m in norm._TAIL_CANDIDATE.finditer(text, start)]
            assert new == old, (text, start)
    for text in _strings([*" \t>›»|｜丨>a\u3000"], 5000, 16, 4):
        line = text.strip()
        old = [item for item in _OLD_NAV_SEPARATOR.split(line) if item]
        new = [item for item in map(str.strip, norm._NAV_SEPARATORS.split(line)) if item]
        assert new == old, line


def test_byline_is_read_as_its_pattern_reads_it() -> None:
    cues = norm._cues()
    keys = ["编辑", "责任编辑", "记者", "通讯员", "作者"]  # a subset of byline_keys
    old = re.compile(rf"^(?:[\[【(]?(?:{alternation(keys)})\s*[:]\s*[^\d:]{{1,12}}\s*)+[\]】)]?$")
    alphabet = [*keys, "编", "辑", ":", " ", "\t", "张", "(", "【", "1", "١", "】", ")", "责任"]
    checked = 0
    for text in _strings(alphabet, 20000, 14, 5):
        line = text.strip()[:40]
        if line and not any(key in line for key in ("审核", "校对", "摄影", "责编", "编审")):
            assert norm._is_byline(line, cues) == (old.match(line) is not None), line
            checked += 1
    assert checked > 10000
    assert norm._is_byline("编辑:张某 责任编辑:李某", cues)
    assert norm._is_byline("(记者 张某某)", cues) is False
    assert norm._is_byline("【编辑: 张某】", cues)
    assert not norm._is_byline("编辑:2020年3月", cues)
    assert not norm._is_byline("编辑:" + "张" * 13, cues)


def test_byline_worst_lines_are_quick() -> None:
    cues = norm._cues()
    line = "(编辑: \t\t 责任编辑责任编辑:\t\t(张(责任编辑】】 任编辑\t张11编辑张"
    start = time.perf_counter()
    for _ in range(1000):
        norm._is_byline(line, cues)
    assert time.perf_counter() - start < 1.0


def test_lines_answer_as_the_line_scan_did() -> None:
    patterns = meetings._patterns()

    def old_quoted(text: str, position: int) -> bool:
        line_start = text.rfind("\n", 0, position) + 1
        return patterns.lead_in.search(text, line_start, position) is not None

    alphabet = ["指出", "强调", "说", ",", ":", "\n", " ", "。", "会议", "x", "某某在讲话中"]
    for text in _strings(alphabet, 2000, 40, 6):
        lines = meetings._Lines(text)
        for position in range(len(text)):
            assert lines.quoted(position) == old_quoted(text, position), (text, position)
            start = text.rfind("\n", 0, position) + 1
            end = text.find("\n", position)
            line = text[start : end if end >= 0 else len(text)]
            assert lines.punctuated(position) == ("," in line or "。" in line), (text, position)


def test_purpose_as_one_pattern_found_it() -> None:
    adverbs = "(?:进一步|专题|再|全面|集中|重点|及时|并)*"
    verbs = (
        "(?:研究|部署|安排|调度|分析|听取|审议|讨论|总结|推进|确定|决定|推出|动员|会商|研判)+了?"
    )
    old = re.compile(
        rf"(?:[^,;:。]*?会议(?:上|中)?)?{adverbs}(?:{verbs}(?P<object>.*)"
        rf"|(?:对|就|围绕)(?P<topic>.+?)(?:进行|作出|作)了?{adverbs}{verbs}"
        r"|(?:主要)?(?:议题|主题)(?:是|为)(?P<agenda>.*))"
    )
    refers_back = re.compile(
        r"[^,;:。]{0,8}?(?:贯彻落实|贯彻|落实)+(?:的|具体)*(?:措施|举措|意见|办法|方案|工作|任务)*$"
    )
    alphabet = [
        *["会议", "会", "上", "中", "对", "就", "围绕", "进行", "作出", "作", "了", "进一步"],
        *["专题", "研究", "部署", "议题", "主要", "是", "为", "x", "工作", ",", "。", "措施"],
        *["贯彻", "落实", "的", "具体", "举措", "\n"],
    ]
    found = 0
    for clause in _strings(alphabet, 20000, 10, 7):
        match = old.match(clause)
        expected = next(g for g in match.groups() if g is not None) if match else None
        assert reports._purpose(clause) == expected, clause
        found += expected is not None
        expected_back = refers_back.match(clause) is None
        assert (reports._cues().refers_back.match(clause) is None) == expected_back, clause
    assert found > 1000


def test_held_sentences_are_those_of_the_verbs() -> None:
    def old(text: str) -> set[str]:
        sentences = set()
        for verb in re.finditer("召开|举行|出席", text):
            start = max(text.rfind(mark, 0, verb.start()) for mark in "。!?;\n") + 1
            end = re.compile("[。!?;\n]").search(text, verb.end())
            sentence = text[start : end.start() if end else len(text)]
            if re.search("会议|峰会|论坛|发布会|记者会|吹风会|通气会", sentence):
                sentences.add(sentence)
        return sentences

    alphabet = ["召开", "举行", "出席", "会议", "。", "!", ";", "\n", "x", "论坛", "召"]
    for text in _strings(alphabet, 5000, 14, 8):
        assert set(reports._held_sentences(text)) == old(text), text


def test_paragraph_and_line_breaks_as_before() -> None:
    spaces = " \t\xa0"
    old_para = re.compile(
        "|".join(
            [
                *(
                    re.escape(c)
                    + r"(?:[ \t\xa0]*[\r\n]+\s*|(?<=[^\x00-\x7f].)[ \t\xa0]*(?=[^\x00-\x7f]))"
                    for c in spaces
                ),
                *(re.escape(c) + r"[\r\n]*\s*" for c in "\r\n"),
            ]
        )
    )
    old_breaks = re.compile(r"\s*[\r\n]\s*")
    for text in _strings([*" \t\xa0\n\ra页1\u3000\x0b"], 5000, 14, 9):
        spans = [m.span() for m in requirements._PARA_SEP.finditer(text)]
        assert spans == [m.span() for m in old_para.finditer(text)], repr(text)
        assert requirements._LINE_BREAKS.sub("", text) == old_breaks.sub("", text), repr(text)


def test_marks_find_what_rfind_and_find_find() -> None:
    for text in _strings([*"。!?\nab"], 2000, 20, 10):
        marks = Marks(text, "。!?\n")
        for position in range(len(text) + 1):
            last = max(text.rfind(mark, 0, position) for mark in "。!?\n")
            assert marks.last_before(position) == last
            following = [at for mark in "。!?\n" if (at := text.find(mark, position)) >= 0]
            assert marks.first_from(position) == min(following, default=-1)
