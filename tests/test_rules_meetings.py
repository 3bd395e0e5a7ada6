"""Meeting segmentation: the seeds against the gold, and general patterns on invented text."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covidmeet_ds.rules.meetings import segment
from covidmeet_ds.text.normalise import normalise

from .rules_helpers import load_seeds

SEEDS = load_seeds()


def _held(text: str) -> list[str]:
    doc = normalise(text)
    return [doc.text[s.held_start : s.held_end] for s in segment(doc)]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: s.doc_id)
def test_seed_meetings_are_the_gold_meetings(seed) -> None:
    spans = segment(seed.doc)
    assert len(spans) == len(seed.gold.meetings)
    for span, meeting in zip(spans, seed.gold.meetings, strict=True):
        evidence = seed.doc.evidence(span.held_start, span.held_end)
        overlap = min(evidence.end, meeting.evidence.end) - max(
            evidence.start, meeting.evidence.start
        )
        assert overlap > 0, (evidence.quote, meeting.evidence.quote)
        assert span.name == meeting.name
        assert span.convener == meeting.convener
    for previous, following in itertools.pairwise(spans):
        assert previous.end == following.start


def test_a_convened_meeting_with_date_and_generic_name() -> None:
    text = "5月8日上午,县委常委会召开会议,研究部署疫情防控工作。\n会议指出,要抓紧抓实各项措施。"
    doc = normalise(text)
    (span,) = segment(doc)
    assert span.convener == "县委常委会"
    assert span.name == "县委常委会会议"
    assert doc.text[span.held_start : span.held_end] == "5月8日上午,县委常委会召开会议"
    assert span.end == len(doc.text)


def test_referenced_meetings_and_headings_do_not_count() -> None:
    text = (
        "市政府召开疫情防控工作会议\n\n"  # a heading: no sentence punctuation
        "昨天下午,市政府召开疫情防控工作会议,市长出席。\n"
        "会议指出,国务院召开的全国电视电话会议作出了部署,要认真学习贯彻。"
        "要定期召开会议研判形势。"
    )
    assert _held(text) == ["昨天下午,市政府召开疫情防控工作会议"]


def test_a_meeting_held_right_after_another() -> None:
    text = (
        "2月3日,国务院召开全国疫情防控电视电话会议。\n"
        "在随后召开的全区疫情防控工作会议上,区委书记强调,要严防死守。"
    )
    assert _held(text) == [
        "2月3日,国务院召开全国疫情防控电视电话会议",
        "在随后召开的全区疫情防控工作会议上",
    ]


def test_requirements_issued_after_a_meeting() -> None:
    text = (
        "4月2日,国家卫生健康委召开全国视频会议。\n"
        "全国会议结束后,市卫生健康委就落实会议精神提出三项要求:一是加强监测。"
    )
    held = _held(text)
    assert len(held) == 2
    assert held[1].startswith("全国会议结束后,市卫生健康委")


def test_the_same_meeting_named_twice_is_one_meeting() -> None:
    text = (
        "1月5日,省委常委会召开扩大会议,研究疫情防控。\n今天,省委常委会召开扩大会议,部署下一步工作。"
    )
    assert len(_held(text)) == 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    doc = normalise(text)
    for span in segment(doc):
        assert 0 <= span.start <= span.held_start < span.held_end <= span.end <= len(doc.text)
        doc.evidence(span.held_start, span.held_end)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, len(SEEDS) - 1), st.integers(0, 10_000), st.integers(0, 3_000))
def test_never_raises_on_cut_seeds(index: int, start: int, length: int) -> None:
    raw = SEEDS[index].raw[start : start + length]
    doc = normalise(raw)
    for span in segment(doc):
        assert doc.evidence(span.held_start, span.held_end).quote
