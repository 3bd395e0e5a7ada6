"""The gazetteer of administrative divisions and the place index over texts."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from covidmeet_ds.places import (
    DivisionRow,
    chain_at,
    find_places,
    gazetteer,
    parse_divisions,
    place_rules,
)
from covidmeet_ds.taxonomy import provinces
from covidmeet_ds.text import to_simplified

FULL_WIDTH = str.maketrans(",;:()!?", "，；：（）！？")


def _by_name(name: str):
    found = [d for d in gazetteer().divisions if d.name == name]
    assert len(found) == 1, name
    return found[0]


def _names(text: str) -> list[tuple[str, list[str]]]:
    return [(m.text, [c.name for c in m.candidates]) for m in find_places(text)]


# --- the table ---------------------------------------------------------------------------------


def test_every_code_has_six_digits_and_is_unique() -> None:
    codes = [d.code for d in gazetteer().divisions]
    assert all(re.fullmatch(r"[1-9]\d{5}", code) for code in codes)
    assert codes == sorted(set(codes))


def test_every_parent_exists_one_level_up_or_is_the_province() -> None:
    places = gazetteer()
    for division in places.divisions:
        parent = places.parent_of(division)
        if division.level == "provincial":
            assert parent is None
            assert division.province == division.name
            continue
        assert parent is not None, division.name
        assert parent.code[:2] == division.code[:2]
        assert division.province == places.division(division.code[:2] + "0000").name
        if division.level == "prefectural":
            assert parent.level == "provincial"
        else:
            assert parent.level in {"provincial", "prefectural"}


def test_34_provincial_units_as_the_source_has_them() -> None:
    provincial = gazetteer().provincial()
    assert len(provincial) == 34
    kinds = {d.name: d.kind for d in provincial}
    assert kinds["香港特别行政区"] == kinds["澳门特别行政区"] == "special_administrative_region"
    assert kinds["台湾省"] == "province"
    assert {n for n, k in kinds.items() if k == "municipality"} == {
        "北京市",
        "天津市",
        "上海市",
        "重庆市",
    }
    assert sum(k == "autonomous_region" for k in kinds.values()) == 5


def test_no_placeholder_rows() -> None:
    names = {d.name for d in gazetteer().divisions}
    assert not names & {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def test_every_level_below_the_province_is_populated() -> None:
    levels = {d.level for d in gazetteer().divisions}
    assert levels == {"provincial", "prefectural", "county"}
    assert all(
        any(d.parent == province.code for d in gazetteer().divisions)
        for province in gazetteer().provincial()
        if province.code[:2] not in {"71", "81", "82"}
    )


@pytest.mark.parametrize(
    ("name", "level", "kind", "parent"),
    [
        ("西藏自治区", "provincial", "autonomous_region", None),
        ("重庆市", "provincial", "municipality", None),
        ("万州区", "county", "district", "重庆市"),
        ("朝阳区", None, "district", None),
        ("仙桃市", "county", "county_city", "湖北省"),
        ("神农架林区", "county", "forestry_district", "湖北省"),
        ("六枝特区", "county", "special_district", "六盘水市"),
        ("锡林郭勒盟", "prefectural", "league", "内蒙古自治区"),
        ("甘孜藏族自治州", "prefectural", "autonomous_prefecture", "四川省"),
        ("阿里地区", "prefectural", "prefecture", "西藏自治区"),
        ("昆山市", "county", "county_city", "苏州市"),
        ("鄂伦春自治旗", "county", "autonomous_banner", "呼伦贝尔市"),
        ("长阳土家族自治县", "county", "autonomous_county", "宜昌市"),
    ],
)
def test_levels_kinds_and_parents(name, level, kind, parent) -> None:
    found = [d for d in gazetteer().divisions if d.name == name]
    assert found and all(d.kind == kind for d in found)
    if level is not None:
        (division,) = found
        assert division.level == level
        parent_division = gazetteer().parent_of(division)
        assert (parent_division and parent_division.name) == parent


# --- short forms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shorts"),
    [
        ("湖北省", ("湖北",)),
        ("上海市", ("上海",)),
        ("广西壮族自治区", ("广西",)),
        ("新疆维吾尔自治区", ("新疆",)),
        ("内蒙古自治区", ("内蒙古",)),
        ("香港特别行政区", ("香港",)),
        ("甘孜藏族自治州", ("甘孜州", "甘孜")),
        ("黔南布依族苗族自治州", ("黔南州", "黔南")),
        ("伊犁哈萨克自治州", ("伊犁州", "伊犁")),
        ("锡林郭勒盟", ("锡林郭勒",)),
        ("阿里地区", ("阿里",)),
        ("长阳土家族自治县", ("长阳县", "长阳")),
        ("龙胜各族自治县", ("龙胜县", "龙胜")),
        ("鄂伦春自治旗", ("鄂伦春旗",)),
        ("浦东新区", ("浦东",)),
        ("井陉矿区", ("井陉",)),
        ("万州区", ("万州",)),
        ("神农架林区", ("神农架",)),
        ("苏尼特左旗", ()),
        ("滑县", ()),
        ("和平区", ()),
    ],
)
def test_short_forms_are_derived_by_rule(name, shorts) -> None:
    found = [d for d in gazetteer().divisions if d.name == name]
    assert found
    assert all(d.short_forms == shorts for d in found)


def test_short_forms_are_never_one_character_nor_a_common_word() -> None:
    common = place_rules().common_words
    for division in gazetteer().divisions:
        for form in division.short_forms:
            assert len(form) >= 2 and form not in common, (division.name, form)


def test_a_province_short_form_is_not_given_to_a_lower_unit() -> None:
    assert "河北" not in _by_name("河北区").short_forms
    assert [d.name for d in gazetteer().by_form["河北"][0]] == ["河北省"]
    assert _by_name("海南藏族自治州").short_forms == ("海南州",)


def test_provinces_table_comes_from_the_gazetteer() -> None:
    table = provinces()
    assert [p.name for p in table] == [d.name for d in gazetteer().provincial()]
    assert {p.name: p.abbreviation for p in table}["湖北省"] == "鄂"
    assert {p.name: p.short for p in table}["宁夏回族自治区"] == "宁夏"


# --- validation of rows ------------------------------------------------------------------------

HEADER = "code\tname\tlevel\tkind\tparent\n"


def test_rows_are_validated() -> None:
    with pytest.raises(ValidationError):
        DivisionRow(code="42000", name="某某省", level="provincial", kind="province", parent="")
    with pytest.raises(ValidationError):  # a county code read as a province
        DivisionRow(code="420101", name="某某省", level="provincial", kind="province", parent="")
    with pytest.raises(ValidationError):  # the kind's suffix is missing
        DivisionRow(
            code="420100", name="某某县", level="prefectural", kind="league", parent="420000"
        )
    with pytest.raises(ValidationError):
        DivisionRow(
            code="420000", name="某某省", level="provincial", kind="province", parent="", x="1"
        )


def test_the_table_is_checked_as_a_whole() -> None:
    province = "420000\t某某省\tprovincial\tprovince\t\n"
    county = "420102\t某某区\tcounty\tdistrict\t420100\n"
    with pytest.raises(ValueError, match="not in the table"):
        parse_divisions(HEADER + province + county)
    with pytest.raises(ValueError, match="sorted"):
        parse_divisions(HEADER + province.replace("420000", "430000") + province)
    with pytest.raises(ValueError, match="header"):
        parse_divisions(province)
    rows = parse_divisions("# a comment\n" + HEADER + province + county.replace("420100", "420000"))
    assert [row.parent for row in rows] == [None, "420000"]


# --- finding places ----------------------------------------------------------------------------


def test_full_and_short_forms_are_found() -> None:
    mentions = find_places("昨日湖北省召开会议，湖北各地和甘孜州同步参加。")
    assert [(m.text, m.form) for m in mentions] == [
        ("湖北省", "full"),
        ("湖北", "short"),
        ("甘孜州", "short"),
    ]
    assert all(m.division is not None for m in mentions)
    assert mentions[2].division.name == "甘孜藏族自治州"


def test_longest_match_wins() -> None:
    (mention,) = find_places("甘孜藏族自治州召开调度会")
    assert mention.text == "甘孜藏族自治州" and mention.form == "full"
    (mention,) = find_places("锡林郭勒盟召开专题会")
    assert mention.division.kind == "league"


def test_a_bare_shared_short_form_keeps_every_candidate() -> None:
    (mention,) = find_places("甘孜各地")
    assert [d.name for d in mention.candidates] == ["甘孜藏族自治州", "甘孜县"]
    assert mention.division is None


def test_a_shared_district_name_is_resolved_by_the_city_before_it() -> None:
    mentions = find_places("南京市鼓楼区和福州市鼓楼区分别召开会议")
    districts = [m for m in mentions if m.text == "鼓楼区"]
    assert [d.division.parent for d in districts] == [
        _by_name("南京市").code,
        _by_name("福州市").code,
    ]
    assert all(d.chained for d in districts)
    (alone,) = find_places("鼓楼区召开会议")
    assert len(alone.candidates) > 1


def test_a_municipality_district_is_resolved_by_the_municipality() -> None:
    beijing, chaoyang = find_places("北京市朝阳区召开会议")
    assert beijing.division.kind == "municipality"
    assert chaoyang.division.level == "county" and chaoyang.division.parent == beijing.division.code


def test_the_unit_below_narrows_a_shared_name_above_it() -> None:
    city, district = find_places("朝阳双塔区召开会议")
    assert city.division.name == "朝阳市" and district.division.name == "双塔区"


def test_a_county_level_city_and_a_unit_directly_under_its_province() -> None:
    province, city = find_places("湖北省仙桃市召开会议")
    assert city.chained and city.division.level == "county"
    assert city.division.parent == province.division.code


def test_unit_suffix_that_starts_another_word() -> None:
    (mention,) = find_places("北京市场监管部门开展检查")
    assert mention.text == "北京" and mention.form == "short"


def test_two_character_names_need_their_parent_or_a_clear_start() -> None:
    assert _names("市委和县委召开会议") == []
    assert _names("赵县长主持会议") == []
    assert _names("阳泉市城区召开会议")[-1] == ("城区", ["城区"])
    assert _names("城区召开会议") == []
    assert _names("马鞍山市和县召开会议")[-1] == ("和县", ["和县"])
    assert _names("和县召开会议") == [("和县", ["和县"])]


def test_full_width_and_half_width_text_give_the_same_places() -> None:
    half = "会议(视频)在湖北省武汉市召开;甘孜州,锡林郭勒盟:万州区!"
    full = half.translate(FULL_WIDTH)
    assert full != half
    assert [(m.start, m.end, m.candidates) for m in find_places(half)] == [
        (m.start, m.end, m.candidates) for m in find_places(full)
    ]
    assert [m.text for m in find_places(full)] == [
        "湖北省",
        "武汉市",
        "甘孜州",
        "锡林郭勒盟",
        "万州区",
    ]


def test_start_and_end_bound_the_search() -> None:
    text = "湖北省召开会议，四川省召开会议"
    assert [m.text for m in find_places(text, start=3)] == ["四川省"]
    assert [m.text for m in find_places(text, 0, 8)] == ["湖北省"]
    assert [m.start for m in find_places(text, start=8)] == [8]


# --- chains ------------------------------------------------------------------------------------


def test_chain_at_gives_the_units_written_one_after_the_other() -> None:
    text = "8日，湖北省武汉市武昌区召开会议"
    end = text.index("召开")
    chain = chain_at(text, end)
    assert [m.text for m in chain] == ["湖北省", "武汉市", "武昌区"]
    assert [m.division.level for m in chain] == ["provincial", "prefectural", "county"]
    assert chain_at(text, end + 1) == ()


def test_a_chain_stops_at_a_unit_that_is_not_above() -> None:
    text = "上海市四川省成都市召开会议"
    chain = chain_at(text, text.index("召开"))
    assert [m.text for m in chain] == ["四川省", "成都市"]


def test_a_municipality_chain_and_a_league() -> None:
    text = "重庆市万州区召开会议"
    assert [m.division.name for m in chain_at(text, 6)] == ["重庆市", "万州区"]
    text = "内蒙古锡林郭勒盟召开会议"
    assert [m.division.code for m in chain_at(text, 8)] == ["150000", "152500"]


# --- overlapping names -------------------------------------------------------------------------


def _unique_forms() -> list[tuple[str, str]]:
    """(form, official name) for every form naming one division, common words left out."""
    rules = place_rules()
    return [
        (form, found[0].name)
        for form, (found, _) in gazetteer().by_form.items()
        if len(found) == 1 and form not in rules.generic_full_names | rules.common_words
    ]


@pytest.mark.parametrize("width", ["half", "full"])
def test_a_name_starts_after_a_verb_before_names_never_inside_it(width) -> None:
    """召开 + 江某: the name is 江某, not a short form 开江 that takes the verb's last character;
    a two-character full name right after the verb is read as after punctuation."""
    verbs = place_rules().words_before_names if width == "half" else ("召开", "举行")
    for verb in verbs:
        for form, name in _unique_forms():
            text = f"3日,张某{verb}{form}疫情防控会议。"
            if width == "full":
                text = text.translate(FULL_WIDTH)
            assert _names(text) == [(form, [name])], text


def test_a_short_form_yields_to_a_full_name_starting_inside_it() -> None:
    """某江 + 江某市 written 某江某市: the full name is the place, not the short form before it."""
    places = gazetteer()
    fulls: dict[str, list[str]] = {}
    for form, (found, kind) in places.by_form.items():
        if kind == "full" and len(form) > 2 and len(found) == 1:
            fulls.setdefault(form[0], []).append(form)
    pairs = [
        (short, full)
        for short, (_, kind) in places.by_form.items()
        if kind == "short"
        for full in fulls.get(short[-1], [])
        if short[:-1] + full[0] == short and (short[:-1] + full) not in places.by_form
    ][::40]
    assert pairs
    for short, full in pairs:
        text = f"3日,{short[:-1]}{full}召开会议。"
        found = [m.text for m in find_places(text)]
        if found and len(found[0]) > len(short) and found[0] != short:
            continue  # a longer name at the start is read first
        assert full in found and short not in found, text
        assert [m.text for m in find_places(text.translate(FULL_WIDTH))] == found


def test_names_the_script_converter_rewrites_are_found_in_converted_text() -> None:
    """Texts are matched in Simplified script; the converter rewrites a few characters of
    official names (乾 → 干), and such names are still found, with their official name."""
    rewritten = [
        (to_simplified(form), found)
        for form, (found, _) in gazetteer().by_form.items()
        if to_simplified(form) != form
    ]
    assert rewritten
    for alias, found in rewritten:
        (mention,) = find_places(f"3日,{alias}召开会议。")
        assert mention.candidates == found
