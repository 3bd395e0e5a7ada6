"""Requirement rules: synthetic enumerations of every form, nested sections, quote boundaries,
the five seeds against their gold (IoU ≥ 0.5 on raw evidence spans), and never raising."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covidmeet_ds import taxonomy
from covidmeet_ds.models import Meeting, Requirement
from covidmeet_ds.rules import requirements
from covidmeet_ds.rules.meetings import MeetingSpan
from covidmeet_ds.rules.requirements import categorise, extract_requirements
from covidmeet_ds.taxonomy import DataFileError, category_names
from covidmeet_ds.text.normalise import normalise

from .rules_helpers import context, gold_spans, load_seeds

HELD = "5月8日上午,市卫生健康委召开全市疫情防控工作会议。"


def extract(body: str, held: str = HELD) -> list[Requirement]:
    """Requirements of a one-meeting synthetic report whose first sentence reports the meeting."""
    doc = normalise(held + body)
    held_end = len(held) - 1
    span = MeetingSpan(0, len(doc.text), 0, held_end, None, None)
    return extract_requirements(context(doc), span)


def texts(requirements: list[Requirement]) -> list[str]:
    return [r.text for r in requirements]


def numbering(requirements: list[Requirement]) -> list[tuple[int | None, int | None]]:
    return [(r.ordinal, r.section) for r in requirements]


def full_width(text: str) -> str:
    """``text`` with its ASCII punctuation written full-width, as many pages write it."""
    return text.translate(str.maketrans(",;:()!?", "，；：（）！？"))


WIDTHS = pytest.mark.parametrize("width", [str, full_width], ids=["half", "full"])


def iou(a, b) -> float:
    inter = max(0, min(a.end, b.end) - max(a.start, b.start))
    return inter / (max(a.end, b.end) - min(a.start, b.start))


# -------------------------------------------------------------------------------- enumerations


@pytest.mark.parametrize(
    "markers",
    [
        ("一是", "二是", "三是"),
        ("一要", "二要", "三要"),
        ("第一,", "第二,", "第三,"),
        ("首先,", "其次,", "再次,"),
        ("第一,", "其次,", "第三,"),  # spun: 其次 for 第二
    ],
)
def test_enumeration_forms(markers: tuple[str, str, str]) -> None:
    a, b, c = markers
    body = (
        f"\n\n会议要求,{a}加强口岸入境人员管理。{b}做好学校开学准备,师生返校前要报告健康状况。"
        f"{c}加快恢复餐饮企业正常经营。"
    )
    found = extract(body)
    assert texts(found) == [
        "加强口岸入境人员管理。",
        "做好学校开学准备,师生返校前要报告健康状况。",
        "加快恢复餐饮企业正常经营。",
    ]
    assert numbering(found) == [(1, None), (2, None), (3, None)]
    assert [r.category for r in found] == ["entry_control", "schools", "workplaces_economy"]


def test_items_split_across_paragraphs_and_trailing_sentences() -> None:
    body = (
        "\n\n第一,严格农贸市场消毒。每天对摊位进行消杀。"
        "\n\n第二,落实社区网格化管理。街道干部要逐户登记。"
    )
    found = extract(body)
    assert texts(found) == [
        "严格农贸市场消毒。每天对摊位进行消杀。",
        "落实社区网格化管理。街道干部要逐户登记。",
    ]
    assert numbering(found) == [(1, None), (2, None)]


def test_new_list_restarts_ordinals_after_a_lead_in_sentence() -> None:
    body = (
        "\n\n会议要求,各区要保持清醒头脑,绝不能放松。一是做好核酸检测。二是做好疫苗接种。"
        "\n\n会议强调,疫情形势总体平稳。"
    )
    found = extract(body)
    assert texts(found) == ["各区要保持清醒头脑,绝不能放松。", "做好核酸检测。", "做好疫苗接种。"]
    assert numbering(found) == [(None, None), (1, None), (2, None)]
    assert [r.category for r in found] == [
        "political_mobilisation",
        "testing_screening",
        "vaccination",
    ]


def test_marker_inside_a_word_is_not_an_item() -> None:
    found = extract("\n\n会议强调,要统一要求,防止出现第二代病例。")
    assert texts(found) == ["要统一要求,防止出现第二代病例。"]
    assert numbering(found) == [(None, None)]


# ------------------------------------------------------------------------------ nested sections


NESTED = (
    "下面,我讲几点意见。"
    " 一、提高思想认识,增强做好防控工作的责任感 各级干部要克服麻痹思想。"
    " 二、强化重点环节管控,守住不发生聚集性疫情的底线"
    " 一是加强养老机构管理。"
    " 二是加强冷链食品检测。"
    " 三、加强组织保障,确保各项措施落地见效严格落实值班制度。各单位要安排专人值守。"
)


def test_section_headings_with_nested_items() -> None:
    found = extract(NESTED)
    assert texts(found) == [
        "提高思想认识,增强做好防控工作的责任感",
        "各级干部要克服麻痹思想。",
        "强化重点环节管控,守住不发生聚集性疫情的底线",
        "加强养老机构管理。",
        "加强冷链食品检测。",
        "加强组织保障,确保各项措施落地见效",
        "严格落实值班制度。各单位要安排专人值守。",
    ]
    assert numbering(found) == [
        (1, None),
        (None, 1),
        (2, None),
        (1, 2),
        (2, 2),
        (3, None),
        (None, 3),
    ]
    # the list is valid as a Meeting's requirements (ordinals without gaps, known sections)
    Meeting.model_validate(
        {
            "meeting_id": "m1",
            "name": None,
            "convener": None,
            "evidence": found[0].evidence.model_dump(),
            "date": {"value": None, "precision": "unknown", "year_basis": "unknown", "note": "x"},
            "level": {
                "level": "prefectural",
                "jurisdiction": None,
                "evidence": found[0].evidence.model_dump(),
                "note": "x",
            },
            "speakers": [],
            "requirements": [r.model_dump() for r in found],
        }
    )


def test_heading_running_into_a_dated_body() -> None:
    body = " 一、做好春节防控,确保群众平安过节3月2日,省里召开了专题会议。各地要加强值守。"
    found = extract(body)
    assert texts(found)[:2] == ["做好春节防控,确保群众平安过节", "各地要加强值守。"]


# ------------------------------------------------------------------------ sentences and quotes


def test_lead_ins_assessments_and_quotes() -> None:
    body = (
        "\n\n会议指出,当前疫情形势总体平稳,防控工作取得了明显成效。"
        "\n\n“守住底线,关键是要严格闭环管理。”张某强调,要严防境外疫情输入。"
        "\n\n会议决定,由李某担任领导小组组长。王某主持会议。"
    )
    found = extract(body)
    assert texts(found) == ["守住底线,关键是要严格闭环管理。", "要严防境外疫情输入。"]
    doc = normalise(HELD + body)
    first = found[0].evidence
    assert doc.raw[first.start - 1] == "“" and doc.raw[first.end] == "”"


def test_lead_in_inside_the_held_sentence() -> None:
    held = "在随后召开的全市会议上,"
    found = extract("陈某强调,要压实属地责任,不得层层加码。", held=held)
    assert texts(found) == ["要压实属地责任,不得层层加码。"]
    assert found[0].category == "accountability_discipline"


@WIDTHS
def test_directives_after_a_speech_in_the_held_sentence(width) -> None:
    held = width("6月2日,市政府召开全市防控调度会")
    doc = normalise(
        held + width(",市长李某出席并讲话,要求各区立即开展重点人员排查,坚决防止疫情外溢。")
    )
    span = MeetingSpan(0, len(doc.text), 0, len(held), None, None)
    found = extract_requirements(context(doc), span)
    assert texts(found) == [width("各区立即开展重点人员排查,坚决防止疫情外溢。")]


def test_the_held_sentence_itself_is_not_a_requirement() -> None:
    held = "3月1日,区委召开会议,要求坚决落实各项防控措施"
    assert extract("。", held=held) == []


def test_subtitles_without_sentence_end_are_skipped() -> None:
    found = extract("\n\n要坚持科学精准防控\n\n要加强农村地区疫情防控。")
    assert texts(found) == ["要加强农村地区疫情防控。"]


def test_traditional_pinyin_and_page_split_are_cleaned_from_text() -> None:
    body = "\n\n會議強調,要加強學(xué)校防控,做好\n\n3、師生健康監測。"
    found = extract(body)
    assert texts(found) == ["要加强学校防控,做好师生健康监测。"]
    assert "3、" in found[0].evidence.quote and "(xué)" in found[0].evidence.quote


def test_furniture_after_the_body_is_ignored() -> None:
    body = "\n\n会议要求,要加强宣传引导。\n\n相关推荐\n\n严禁转载,要注明出处。"
    assert texts(extract(body)) == ["要加强宣传引导。"]


# ------------------------------------------------------------- directive paragraphs, both widths


@WIDTHS
def test_sentences_continuing_a_directive_are_directives(width) -> None:
    body = width(
        "\n\n会议强调,要全力做好物资保障工作。统一调配全县防护用品。"
        "对独居老人逐户上门走访。当前形势依然复杂严峻。会后,张某前往隔离点检查。"
    )
    assert texts(extract(body)) == [
        width("要全力做好物资保障工作。"),
        width("统一调配全县防护用品。"),
        width("对独居老人逐户上门走访。"),
    ]


def test_a_continuation_needs_a_directive_before_it_in_its_paragraph() -> None:
    body = "\n\n会议指出,全县疫情防控总体平稳。统一调配全县防护用品。\n\n对独居老人逐户走访。"
    assert texts(extract(body)) == []


def test_continuations_that_describe_are_not_directives() -> None:
    body = (
        "\n\n会议要求,各村要严格落实返乡人员登记。我县外出务工人员多,防控压力大。"
        "这是当前最紧迫的任务。疫苗接种已覆盖九成人口。"
    )
    assert texts(extract(body)) == ["各村要严格落实返乡人员登记。"]


@WIDTHS
def test_yao_chains_split_at_semicolons(width) -> None:
    body = width(
        "\n\n会议强调,要压实四方责任;要加强农贸市场管理;各街道要做好重点人员排查;"
        "严格执行日报告制度。"
    )
    assert texts(extract(body)) == [
        width("要压实四方责任"),
        # a clause with its own subject elaborates the one before
        width("要加强农贸市场管理;各街道要做好重点人员排查"),
        width("严格执行日报告制度。"),
    ]


@WIDTHS
def test_enumerated_items_separated_by_semicolons(width) -> None:
    body = width(
        "\n\n会议要求:一是严格落实值班值守制度;二是加强农贸市场管理;三是做好重点人员排查。"
    )
    found = extract(body)
    assert texts(found) == [
        "严格落实值班值守制度",
        "加强农贸市场管理",
        "做好重点人员排查。",
    ]
    assert numbering(found) == [(1, None), (2, None), (3, None)]


@WIDTHS
def test_parenthesised_items(width) -> None:
    body = width("\n\n(一)严格落实核酸检测。(二)做好集中隔离点管理。")
    found = extract(body)
    assert texts(found) == ["严格落实核酸检测。", "做好集中隔离点管理。"]
    assert numbering(found) == [(1, None), (2, None)]


@WIDTHS
def test_paragraphs_of_what_the_meeting_stressed(width) -> None:
    body = width(
        "\n\n会议认为,近期全县疫情形势总体平稳。要继续坚持科学精准防控;"
        "要落实早发现要求,守住不发生规模性疫情的底线。"
        "\n\n会议强调,各乡镇必须坚决扛起属地责任。加强重点场所值守。"
    )
    assert texts(extract(body)) == [
        width("要继续坚持科学精准防控"),
        width("要落实早发现要求,守住不发生规模性疫情的底线。"),
        width("各乡镇必须坚决扛起属地责任。"),
        width("加强重点场所值守。"),
    ]


def test_a_lead_in_without_a_comma_is_left_out() -> None:
    body = "\n\n会议要求加强冷链物流环节监管,落实从业人员定期检测。会议还强调要关心关爱一线人员。"
    assert texts(extract(body)) == [
        "加强冷链物流环节监管,落实从业人员定期检测。",
        "要关心关爱一线人员。",
    ]


def test_a_led_in_paragraph_has_no_sub_heading() -> None:
    body = "\n\n会议强调,要做好物资保障工作。统一调配防护用品。"
    assert texts(extract(body)) == ["要做好物资保障工作。", "统一调配防护用品。"]
    body = "\n\n严格信息报送工作。各单位每日按时上报。"
    assert texts(extract(body)) == ["严格信息报送工作。各单位每日按时上报。"]


def test_carrying_out_an_instruction_is_a_directive_but_reporting_one_is_not() -> None:
    body = (
        "\n\n会议强调,要认真落实省委主要负责同志批示要求,从严从紧抓好外防输入。"
        "\n\n要深入贯彻市委书记主持召开的专题会议精神。"
        "\n\n县委书记王某作出批示,要求各地加强排查。"
    )
    assert texts(extract(body)) == [
        "要认真落实省委主要负责同志批示要求,从严从紧抓好外防输入。",
        "要深入贯彻市委书记主持召开的专题会议精神。",
    ]


def test_headings_in_full_width_text() -> None:
    body = full_width(
        "\n\n一、加强组织领导\n\n各乡镇要成立工作专班,实行日调度。"
        "\n\n二、强化重点人群管理\n\n一是做好返乡人员登记。二是落实居家健康监测。"
    )
    found = extract(body)
    assert texts(found) == [
        "加强组织领导",
        "各乡镇要成立工作专班，实行日调度。",
        "强化重点人群管理",
        "做好返乡人员登记。",
        "落实居家健康监测。",
    ]
    assert numbering(found) == [(1, None), (None, 1), (2, None), (1, 2), (2, 2)]


# ------------------------------------------------------------------------------------ category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("严防境外疫情输入。", "entry_control"),
        ("加快电子健康码的互认通用。", "surveillance_monitoring"),
        ("坚决打好保卫战。继续把医疗救治放在第一位。", "medical_treatment"),
        ("要牢固树立责任意识,制定应急预案。", "command_coordination"),
        ("要提高政治站位,坚决打赢疫情防控阻击战。", "political_mobilisation"),
        ("暂停各类演出活动。", "gatherings_events"),
        ("", "other"),
        ("天气晴朗。", "other"),
    ],
)
def test_categorise(text: str, category: str) -> None:
    assert categorise(text) == category


# ------------------------------------------------------------------------------------ cue file


def test_a_misspelt_key_in_the_cue_file_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    data = taxonomy.read_data("requirements.yaml")
    data["strong_cue"] = data.pop("strong_cues")
    monkeypatch.setattr(taxonomy, "read_data", lambda name: data)
    with pytest.raises(DataFileError, match="strong_cue"):
        taxonomy.load_data("requirements.yaml", requirements._CueFile)


def test_the_cue_file_loads() -> None:
    cues = taxonomy.load_data("requirements.yaml", requirements._CueFile)
    assert cues.numerals["三"] == 3 and "必须" in cues.strong_cues


# ---------------------------------------------------------------------------------------- seeds


SEEDS = load_seeds()


def _match(pred: list[Requirement], gold: list[Requirement]) -> list[tuple[int, int]]:
    """One-to-one greedy matching by IoU of raw evidence spans (≥ 0.5)."""
    pairs = sorted(
        (
            (iou(p.evidence, g.evidence), i, j)
            for i, p in enumerate(pred)
            for j, g in enumerate(gold)
        ),
        reverse=True,
    )
    used_p: set[int] = set()
    used_g: set[int] = set()
    matched = []
    for value, i, j in pairs:
        if value >= 0.5 and i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            matched.append((i, j))
    return matched


def test_seeds_precision_recall_and_category() -> None:
    tp = n_pred = n_gold = same_category = 0
    for seed in SEEDS:
        for meeting, span in zip(seed.gold.meetings, gold_spans(seed), strict=True):
            pred = extract_requirements(context(seed.doc), span)
            matched = _match(pred, meeting.requirements)
            tp += len(matched)
            n_pred += len(pred)
            n_gold += len(meeting.requirements)
            same_category += sum(
                pred[i].category == meeting.requirements[j].category for i, j in matched
            )
            # the extracted list is valid as the meeting's requirements
            Meeting.model_validate(meeting.model_copy(update={"requirements": pred}).model_dump())
    precision, recall = tp / n_pred, tp / n_gold
    assert n_gold == 96
    assert 2 * precision * recall / (precision + recall) >= 0.85
    assert same_category / tp >= 0.75


def _seed(doc_id: str):
    return next(s for s in SEEDS if s.doc_id == doc_id)


def test_seed_enumerated_lists_keep_ordinals() -> None:
    seed = _seed("netease-shandong-nhc-teleconference")
    m1, m2 = (extract_requirements(context(seed.doc), s) for s in gold_spans(seed))
    assert numbering(m2) == [(i, None) for i in range(1, 7)]
    assert [r.evidence for r in m2] == [r.evidence for r in seed.gold.meetings[1].requirements]
    assert numbering(m1) == [(None, None), *((i, None) for i in range(1, 6)), (None, None)]


def test_seed_speech_sections_and_page_splits() -> None:
    seed = _seed("jinchutou-sichuan-speech")
    (span,) = gold_spans(seed)
    found = extract_requirements(context(seed.doc), span)
    headings = [r for r in found if r.ordinal and r.section is None]
    assert [r.ordinal for r in headings] == list(range(1, 8))
    gold = seed.gold.meetings[0].requirements
    assert numbering(found) == numbering(gold)
    assert texts(found) == texts(gold)
    assert all("\n" not in r.text for r in found)


# ------------------------------------------------------------------------------- never raising


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("一二三是要第,，。、 \n会议强调加强x1(（）)“”"))
        | st.characters(),
        max_size=300,
    ),
    a=st.integers(-5, 400),
    b=st.integers(-5, 400),
    c=st.integers(-5, 400),
)
def test_never_raises(text: str, a: int, b: int, c: int) -> None:
    doc = normalise(text)
    span = MeetingSpan(a, b, min(a, c), c, None, None)
    found = extract_requirements(context(doc), span)
    assert all(isinstance(r, Requirement) for r in found)
    for r in found:
        assert doc.raw[r.evidence.start : r.evidence.end] == r.evidence.quote
    assert categorise(text) in category_names()
