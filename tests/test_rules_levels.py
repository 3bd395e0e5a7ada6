"""Meeting levels and jurisdictions: the seeds against the gold, and general patterns on invented
text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covidmeet_ds.models import MeetingLevel
from covidmeet_ds.rules.levels import extract_level
from covidmeet_ds.rules.meetings import MeetingSpan
from covidmeet_ds.text.normalise import normalise

from .rules_helpers import context, gold_spans, load_seeds

SEEDS = load_seeds()
GOLD = [
    (seed, span, meeting)
    for seed in SEEDS
    for span, meeting in zip(gold_spans(seed), seed.gold.meetings, strict=True)
]


def _level(
    text: str, held: str, convener: str | None = None, name: str | None = None
) -> MeetingLevel | None:
    """The level of the meeting whose held clause is ``held`` (its passage runs to the end)."""
    doc = normalise(text)
    start = doc.text.index(held)
    span = MeetingSpan(start, len(doc.text), start, start + len(held), name, convener)
    return extract_level(context(doc), span)


def _pair(level: MeetingLevel | None) -> tuple[str | None, str | None]:
    return (level.level, level.jurisdiction) if level else (None, None)


# --- seeds ---


@pytest.mark.parametrize(
    ("seed", "span", "gold"), GOLD, ids=[f"{s.doc_id}-{m.meeting_id}" for s, _, m in GOLD]
)
def test_seed_levels_match_the_gold(seed, span, gold) -> None:
    found = extract_level(context(seed.doc), span)
    assert found is not None
    assert (found.level, found.jurisdiction) == (gold.level.level, gold.level.jurisdiction)
    assert seed.raw[found.evidence.start : found.evidence.end] == found.evidence.quote
    if gold.level.note:
        assert found.note  # the province was identified from the text: say how


def test_seed_levels_without_the_gold_convener_and_name() -> None:
    """The held clause alone still shows the level (the segmenter may give no convener)."""
    for seed, span, gold in GOLD:
        bare = MeetingSpan(span.start, span.end, span.held_start, span.held_end, None, None)
        assert _pair(extract_level(context(seed.doc), bare)) == (
            gold.level.level,
            gold.level.jurisdiction,
        ), seed.doc_id


# --- national ---


def test_state_council_teleconference_is_national() -> None:
    found = _level(
        "9月2日,国务院召开全国疫情防控电视电话会议。我市设分会场收听收看。",
        "国务院召开全国疫情防控电视电话会议",
    )
    assert _pair(found) == ("national", "中华人民共和国")
    assert found is not None and found.evidence.quote.startswith("国务院")


def test_relayed_national_meeting_does_not_make_a_provincial_meeting_national() -> None:
    text = "省政府召开常务会议,传达全国疫情防控工作会议精神。会议要求来湘人员做好登记。"
    assert _pair(_level(text, "省政府召开常务会议,传达全国疫情防控工作会议精神")) == (
        "provincial",
        "湖南省",
    )


def test_after_the_national_meeting_the_provincial_body_decides() -> None:
    text = "全国会议结束后,省卫健委就落实全国会议精神提出三项要求。要做好入粤人员管理。"
    found = _level(text, "全国会议结束后,省卫健委就落实全国会议精神提出三项要求")
    assert _pair(found) == ("provincial", "广东省")


# --- provincial ---


def test_full_province_name_in_the_convener() -> None:
    found = _level("湖南省委召开常委会会议。", "湖南省委召开常委会会议", convener="湖南省委")
    assert _pair(found) == ("provincial", "湖南省")


def test_province_from_an_abbreviation_compound() -> None:
    text = "省委常委会召开会议。会议要求,对来皖人员逐一登记,援助湖北的医疗队要做好防护。"
    found = _level(text, "省委常委会召开会议", convener="省委常委会")
    assert _pair(found) == ("provincial", "安徽省")
    assert found is not None and "来皖" in (found.note or "")


def test_ambiguous_abbreviations_do_not_count() -> None:
    text = "全省防控工作会议召开。会议要求开创全新局面。"
    found = _level(text, "全省防控工作会议召开")
    assert _pair(found) == ("provincial", None)
    assert found is not None and found.note


def test_province_from_an_officials_title() -> None:
    text = "省防控指挥部召开会议。江西省委书记主持会议并讲话。"
    assert _pair(_level(text, "省防控指挥部召开会议")) == ("provincial", "江西省")


def test_municipality_is_provincial_even_when_the_text_says_city() -> None:
    found = _level("北京市委召开常委会会议。", "北京市委召开常委会会议", convener="北京市委")
    assert _pair(found) == ("provincial", "北京市")


def test_unnamed_city_in_a_report_about_a_municipality_is_provincial() -> None:
    text = "市委常委会今天召开会议。市委书记主持会议。会议要求重庆各区县加强防控。"
    found = _level(text, "市委常委会今天召开会议", convener="市委常委会")
    assert _pair(found) == ("provincial", "重庆市")


def test_redacted_unit_with_an_identified_province() -> None:
    text = "今日召开全x防控工作会议。要管好入川人员,守护全川群众健康。"
    assert _pair(_level(text, "今日召开全x防控工作会议")) == ("provincial", "四川省")


def test_redacted_unit_without_a_province_gives_nothing() -> None:
    assert _level("今日召开全x防控工作会议。", "今日召开全x防控工作会议") is None


# --- prefectural, county, township ---


def test_named_city_is_prefectural() -> None:
    found = _level("武汉市委召开常委会会议。", "武汉市委召开常委会会议")
    assert _pair(found) == ("prefectural", "武汉市")


def test_unnamed_city_in_a_province_is_prefectural_with_a_note() -> None:
    text = "市政府召开防控工作会议。会议要求全市落实浙江健康码管理。"
    found = _level(text, "市政府召开防控工作会议")
    assert _pair(found) == ("prefectural", None)
    assert found is not None and found.note


def test_county_and_township() -> None:
    assert _pair(_level("安岳县委召开会议。", "安岳县委召开会议")) == ("county", "安岳县")
    found = _level("镇党委召开防控工作会议。", "镇党委召开防控工作会议")
    assert _pair(found) == ("township", None)


def test_level_from_the_chair_when_the_held_clause_has_no_cue() -> None:
    text = "防控工作会议昨日召开。县委书记主持会议并讲话。"
    assert _pair(_level(text, "防控工作会议昨日召开"))[0] == "county"


def test_ordinary_words_are_not_units() -> None:
    assert _level("社区防控工作领导小组召开会议。", "社区防控工作领导小组召开会议") is None


# --- never raises ---

PIECES = st.sampled_from(
    [
        "省委",
        "全x",
        "x委",
        "市",
        "县",
        "全国",
        "国务院",
        "召开",
        "会议",
        "来鲁",
        "上海",
        "。",
        ",",
        "\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=30),
    st.integers(0, 50),
    st.integers(0, 50),
    st.none() | st.text(max_size=6),
)
def test_never_raises(pieces, a, b, label) -> None:
    doc = normalise("".join(pieces))
    n = len(doc.text)
    lo, hi = sorted((min(a, n), min(b, n)))
    for span in (
        MeetingSpan(0, n, 0, n, None, None),
        MeetingSpan(lo, max(hi, lo + 1), lo, max(hi, lo + 1), label, label),
    ):
        found = extract_level(context(doc), span)
        assert found is None or isinstance(found, MeetingLevel)


def test_city_whose_name_contains_a_unit_character() -> None:
    found = _level("杭州市委召开常委会会议。", "杭州市委召开常委会会议")
    assert _pair(found) == ("prefectural", "杭州市")


def test_city_named_after_its_province() -> None:
    found = _level("湖北省武汉市委召开会议。", "湖北省武汉市委召开会议")
    assert _pair(found) == ("prefectural", "武汉市")
    found = _level("湖北省政府召开全省会议。", "湖北省政府召开全省会议")
    assert _pair(found) == ("provincial", "湖北省")
