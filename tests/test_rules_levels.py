"""Meeting levels and jurisdictions: the seeds against the gold, and general patterns on invented
text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from covidmeet_ds.models import MeetingLevel
from covidmeet_ds.places import gazetteer
from covidmeet_ds.rules.levels import _LevelCues, extract_level
from covidmeet_ds.rules.meetings import MeetingSpan
from covidmeet_ds.taxonomy import DataFileError, load_data, provinces, read_data
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


def _expected(seed, gold) -> tuple[str | None, str | None]:
    """The gold level and jurisdiction, except where the body never names the jurisdiction:
    a place named only in the page's furniture does not count (issue 10), so the rule gives
    the unit's own level, no jurisdiction, and a note (a 市 then stays prefectural)."""
    jurisdiction = gold.level.jurisdiction
    province = next((p for p in provinces() if p.name == jurisdiction), None)
    if province is None or gold.level.level == "national":
        return gold.level.level, jurisdiction
    if any(name in seed.doc.text for name in (province.short, province.abbreviation)):
        return gold.level.level, jurisdiction
    return "prefectural" if province.kind == "municipality" else gold.level.level, None


@pytest.mark.parametrize(
    ("seed", "span", "gold"), GOLD, ids=[f"{s.doc_id}-{m.meeting_id}" for s, _, m in GOLD]
)
def test_seed_levels_match_the_gold(seed, span, gold) -> None:
    found = extract_level(context(seed.doc), span)
    assert found is not None
    assert (found.level, found.jurisdiction) == _expected(seed, gold)
    assert seed.raw[found.evidence.start : found.evidence.end] == found.evidence.quote
    if gold.level.note or found.jurisdiction is None:
        assert found.note  # the place was identified from the text, or not: say how


def test_seed_levels_without_the_gold_convener_and_name() -> None:
    """The held clause alone still shows the level (the segmenter may give no convener)."""
    for seed, span, gold in GOLD:
        bare = MeetingSpan(span.start, span.end, span.held_start, span.held_end, None, None)
        found = _pair(extract_level(context(seed.doc), bare))
        assert found == _expected(seed, gold), seed.doc_id


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


# --- the convening body's own unit (issue 10), in both punctuation widths ---

FULL_WIDTH = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "!": "！"})


def _both_widths(text: str) -> list[str]:
    return [text, text.translate(FULL_WIDTH)]


def _held(text: str, held: str, convener: str | None = None, name: str | None = None):
    """The level of ``held`` in ``text`` in both widths (the same answer, or the test fails)."""
    answers = set()
    for variant in _both_widths(text):
        found = _level(variant, held, convener, name)  # matched on the folded text
        if found is not None:
            doc = normalise(variant)
            assert doc.raw[found.evidence.start : found.evidence.end] == found.evidence.quote
        answers.add(_pair(found))
    assert len(answers) == 1, answers
    return answers.pop()


def test_an_officials_highest_title_does_not_decide_the_level() -> None:
    text = "4月2日,浙江省委常委、宁波市委书记林某主持召开市委常委会会议,部署全市疫情防控工作。"
    held = "4月2日,浙江省委常委、宁波市委书记林某主持召开市委常委会会议"
    assert _held(text, held) == ("prefectural", "宁波市")
    assert _held(text, held, name="市委常委会会议") == ("prefectural", "宁波市")


def test_the_lowest_unit_of_a_chain_is_the_bodys_own() -> None:
    text = "江苏省苏州市吴江区委召开疫情防控工作会议。"
    assert _held(text, "江苏省苏州市吴江区委召开疫情防控工作会议") == ("county", "吴江区")
    text = "1月3日,福建省泉州市晋江市青阳街道党工委召开防控部署会。"
    held = "1月3日,福建省泉州市晋江市青阳街道党工委召开防控部署会"
    assert _held(text, held) == ("township", "青阳街道")


def test_a_county_level_city_is_county() -> None:
    text = "5月6日,晋江市召开疫情防控工作会议,市委书记陈某主持。"
    assert _held(text, "5月6日,晋江市召开疫情防控工作会议") == ("county", "晋江市")


def test_an_unnamed_city_is_resolved_from_the_report_and_may_be_county_level() -> None:
    text = "5月6日,我市召开疫情防控工作会议。晋江市委书记陈某主持会议并讲话。全市要加强排查。"
    found = _level(text, "5月6日,我市召开疫情防控工作会议")
    assert _pair(found) == ("county", "晋江市")
    assert found is not None and "晋江市" in (found.note or "")


def test_an_unnamed_district_is_the_district_the_report_names_as_its_own() -> None:
    text = (
        "9月1日,我区召开疫情防控调度会。长寿区委书记张某主持会议。会议指出,"
        "重庆主城疫情外溢风险加大,对来长返长人员要落地即检。"
    )
    assert _held(text, "9月1日,我区召开疫情防控调度会") == ("county", "长寿区")


def test_an_autonomous_region_is_provincial() -> None:
    text = "2月7日,内蒙古自治区党委召开常委会会议,研究疫情防控工作。"
    held = "2月7日,内蒙古自治区党委召开常委会会议"
    assert _held(text, held) == ("provincial", "内蒙古自治区")
    text = "自治区党委召开常委会会议。内蒙古自治区党委书记赵某主持。"
    assert _held(text, "自治区党委召开常委会会议") == ("provincial", "内蒙古自治区")


def test_a_district_of_a_municipality_is_county_and_a_shared_name_is_resolved() -> None:
    text = "5月7日,天津市委常委、和平区委书记刘某主持召开区委常委会会议,部署全区防控工作。"
    held = "5月7日,天津市委常委、和平区委书记刘某主持召开区委常委会会议"
    assert _held(text, held) == ("county", "和平区")
    text = "南京市鼓楼区召开疫情防控工作会议。"
    assert _held(text, "南京市鼓楼区召开疫情防控工作会议") == ("county", "鼓楼区")


def test_short_forms_give_the_official_full_name() -> None:
    assert _held("甘孜州委召开防控会议。", "甘孜州委召开防控会议") == (
        "prefectural",
        "甘孜藏族自治州",
    )
    text = "全盟疫情防控调度会召开。兴安盟委书记吴某主持会议。"
    assert _held(text, "全盟疫情防控调度会召开") == ("prefectural", "兴安盟")
    text = "全州疫情防控会议召开,州委书记杨某主持。会议要求黔东南州各县严格排查。"
    assert _held(text, "全州疫情防控会议召开") == ("prefectural", "黔东南苗族侗族自治州")


def test_townships_by_form_and_by_their_own_unit_words() -> None:
    text = "3月16日上午,青石镇召开疫情防控推进会,镇党委书记李某主持。"
    assert _held(text, "3月16日上午,青石镇召开疫情防控推进会") == ("township", "青石镇")
    text = "我镇及时召开疫情防控紧急会议。青石镇党委书记李某主持会议。"
    assert _held(text, "我镇及时召开疫情防控紧急会议") == ("township", "青石镇")
    text = "街道党工委召开防控会议。柳湾街道各社区要做好排查。"
    assert _held(text, "街道党工委召开防控会议") == ("township", "柳湾街道")
    text = "白沙乡疫情防控工作会议在乡政府召开。"
    assert _held(text, "白沙乡疫情防控工作会议在乡政府召开") == ("township", "白沙乡")


def test_a_stray_nationwide_word_in_the_background_does_not_make_a_township_national() -> None:
    text = (
        "3月1日,青石镇召开疫情防控工作会议。镇党委书记李某主持会议。"
        "会议指出,当前全国疫情形势严峻,国务院联防联控机制作出部署。"
    )
    assert _held(text, "3月1日,青石镇召开疫情防控工作会议") == ("township", "青石镇")


def test_national_bodies() -> None:
    text = "国务院联防联控机制2月6日召开电视电话会议。"
    assert _held(text, "国务院联防联控机制2月6日召开电视电话会议") == ("national", "中华人民共和国")
    text = "中央应对疫情工作领导小组召开会议。"
    assert _held(text, "中央应对疫情工作领导小组召开会议") == ("national", "中华人民共和国")
    text = "交通运输部召开全国交通运输系统疫情防控部署会。"
    held = "交通运输部召开全国交通运输系统疫情防控部署会"
    assert _held(text, held) == ("national", "中华人民共和国")


def test_places_in_quotations_and_background_do_not_decide_the_province() -> None:
    text = (
        "省委常委会召开会议,省委书记王某主持。会议宣读了“致湖南、湖南医护人员的感谢信”。"
        "另据湖南省消息,湖南新增病例。会议要求江西省各地加强排查。"
    )
    assert _held(text, "省委常委会召开会议") == ("provincial", "江西省")


def test_a_venue_is_not_the_convener() -> None:
    text = "省应对疫情工作领导小组会议在南昌召开。江西省委书记王某主持。"
    assert _held(text, "省应对疫情工作领导小组会议在南昌召开") == ("provincial", "江西省")


def test_an_organisation_in_a_place_has_no_level() -> None:
    assert _level("昌平区人民医院召开防控会议。", "昌平区人民医院召开防控会议") is None
    assert _level("晋江市某某集团召开防控会议。", "晋江市某某集团召开防控会议") is None


def test_the_report_context_indexes_the_places_once() -> None:
    ctx = context(normalise("福建省泉州市召开会议。晋江市要加强排查。"))
    assert [m.text for m in ctx.places] == ["福建省", "泉州市", "晋江市"]
    assert ctx.places is ctx.places


def test_a_misspelt_key_in_the_cue_file_raises() -> None:
    data = read_data("levels.yaml")
    assert load_data("levels.yaml", _LevelCues).national
    misspelt = {("nationals" if key == "national" else key): v for key, v in data.items()}
    with pytest.raises(ValidationError):
        _LevelCues.model_validate(misspelt)
    with pytest.raises(DataFileError):
        load_data("levels.yaml", type("_Strict", (_LevelCues,), {"__annotations__": {"x": int}}))


def test_an_autonomous_regions_party_committee_is_written_qu_dangwei() -> None:
    text = "3月5日,区党委召开常委会会议。广西壮族自治区党委书记某某主持会议。"
    assert _held(text, "3月5日,区党委召开常委会会议") == ("provincial", "广西壮族自治区")
    text = "3月5日,区委召开常委会会议。青秀区委书记某某主持会议。"
    assert _held(text, "3月5日,区委召开常委会会议") == ("county", "青秀区")


def test_an_unnamed_unit_whose_place_the_report_never_names_keeps_its_level() -> None:
    text = "12月1日,县疫情防控指挥部召开调度会。会议要求做好返乡人员排查。"
    found = _level(text, "12月1日,县疫情防控指挥部召开调度会")
    assert _pair(found) == ("county", None)
    assert found is not None and found.note


# --- every kind of division, named in full or short, right before a body ---


def _sample_of_each_kind(per_kind: int = 3) -> list:
    """The first divisions of each kind by code whose full name names only them (a shared name
    such as 朝阳区 is not decidable from one sentence) and is not a common word (城区)."""
    places = gazetteer()
    sample: dict[str, list] = {}
    for division in places.divisions:
        if len(places.by_form[division.name][0]) != 1:
            continue
        if division.name in places.rules.generic_full_names:
            continue
        chosen = sample.setdefault(division.kind, [])
        if len(chosen) < per_kind:
            chosen.append(division)
    return [division for chosen in sample.values() for division in chosen]


def _bodies(division) -> list[str]:
    """Bodies of the division as reports write them, with its full name and its short forms."""
    bodies = [division.name + suffix for suffix in ("人民政府", "新冠肺炎疫情防控指挥部")]
    bodies.append(division.name + "疫情防控工作领导小组")
    if division.kind == "autonomous_region":
        bodies += [division.name + "党委", division.name + "党委常委会"]
    elif division.kind not in ("prefecture", "special_administrative_region"):
        bodies += [division.name + "委", division.name + "委常委会"]
    for short in division.short_forms:
        if len(gazetteer().by_form[short][0]) == 1:
            bodies += [short + "疫情防控指挥部", short + "疫情防控工作领导小组"]
    return bodies


SAMPLE = _sample_of_each_kind()


def test_the_sample_covers_every_kind_in_the_gazetteer() -> None:
    assert {d.kind for d in SAMPLE} == {d.kind for d in gazetteer().divisions}


@pytest.mark.parametrize("division", SAMPLE, ids=[f"{d.kind}-{d.code}" for d in SAMPLE])
def test_a_division_named_before_its_body_is_the_convener(division) -> None:
    """Before 召开 (as convener or not) and as the meeting's name after 主持召开, in both
    widths: the level and the official full name of that division."""
    expected = (division.level, division.name)
    for body in _bodies(division):
        before = f"3月5日下午,{body}召开会议,研究部署下一步防控工作。"
        assert _held(before, f"{body}召开会议", convener=body) == expected, body
        assert _held(before, f"{body}召开会议") == expected, body
        after = f"3月5日,张某主持召开{body}调度会,听取各组汇报。会议要求做好防控工作。"
        held = f"张某主持召开{body}调度会"
        assert _held(after, held, name=f"{body}调度会") == expected, body
        assert _held(after, held) == expected, body


def test_a_county_level_citys_body_named_in_full_after_the_verb() -> None:
    """召开 + a name whose first character would also end a short form (开江): the full name of
    the county-level city is the place, with the title chain before the verb."""
    text = (
        "3月4日晚,无锡市委常委、江阴市委书记王某主持召开江阴市新冠肺炎疫情防控指挥部"
        "调度会,听取流调溯源情况汇报。"
    )
    held = "无锡市委常委、江阴市委书记王某主持召开江阴市新冠肺炎疫情防控指挥部调度会"
    name = "江阴市新冠肺炎疫情防控指挥部调度会"
    assert _held(text, held, name=name) == ("county", "江阴市")
    assert _held(text, held) == ("county", "江阴市")


def test_the_held_sentence_names_the_own_banner_before_the_passages_other_places() -> None:
    text = (
        "6月2日,我旗召开疫情防控专题会议,传达上级会议精神,安排部署乌审旗下一阶段防控工作。"
        "会议指出,杭锦旗、达拉特旗等地近期出现病例,与我旗人员往来频繁。"
        "旗委书记张某主持会议并讲话。"
    )
    found = _held(text, "6月2日,我旗召开疫情防控专题会议")
    assert found == ("county", "乌审旗")


def test_a_city_whose_short_name_ends_with_zhen_is_not_a_township() -> None:
    text = "8月1日,景德镇疫情防控指挥部召开会议,部署全市核酸检测工作。"
    assert _held(text, "8月1日,景德镇疫情防控指挥部召开会议") == ("prefectural", "景德镇市")


@pytest.mark.parametrize("comma", [",", "，"])
def test_a_township_meeting_held_at_its_own_offices(comma: str) -> None:
    for town, office in (("白沙乡", "在乡政府二楼会议室"), ("青石镇", "在镇便民服务中心")):
        held = f"7月5日下午{comma}{town}{office}召开疫情防控工作例会"
        text = f"{held}{comma}部署近期防控工作。党委书记王某主持会议。"
        assert _pair(_level(text, held.replace("，", ","))) == ("township", town)
