"""The meeting-report filter in front of `covidmeet-ds crawl`: what it keeps and why it drops.

Every report here is written for the test (invented bodies and generic titles)."""

from __future__ import annotations

import pytest

from covidmeet_ds import taxonomy
from covidmeet_ds.rules.context import ReportContext
from covidmeet_ds.rules.meetings import MeetingSpan
from covidmeet_ds.rules.reports import (
    DROP_REASONS,
    PREVENTION_SHARE,
    _CueFile,
    classify,
    is_prevention_meeting,
    names_prevention,
    prefilter,
)
from covidmeet_ds.taxonomy import DataFileError, load_data, read_data
from covidmeet_ds.text import to_traditional
from covidmeet_ds.text.normalise import normalise

from .rules_helpers import load_seeds

SEEDS = load_seeds()
PADDING = "各地各部门要统筹做好经济社会发展各项工作,确保人民群众生产生活秩序平稳有序。" * 3
EPIDEMIC_PADDING = (
    "会议要求,要严格落实疫情防控各项措施,加强重点人群核酸检测。"
    "要做好隔离点管理和发热门诊值守,及时发现处置疫情。"
    "要压实属地责任,确保疫情防控工作不留死角。"
)
_FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in ",;:()!?"}
"""Half-width punctuation → its full-width twin (，；：（）！？)."""


def _full_width(text: str) -> str:
    return text.translate(_FULL_WIDTH)


WIDTHS = pytest.mark.parametrize("widen", [str, _full_width], ids=["half", "full"])


def _reason(text: str) -> str | None:
    return prefilter(text) or classify(ReportContext.from_raw(text))


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: s.doc_id)
def test_every_seed_report_is_kept(seed) -> None:
    assert prefilter(seed.raw) is None
    assert classify(ReportContext.of(seed.doc)) is None


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: s.doc_id)
def test_traditional_script_pages_are_kept_too(seed) -> None:
    assert _reason(to_traditional(seed.raw)) is None


DROPPED = {
    "no_text": "疫情防控会议召开。",
    "not_epidemic": (
        "3月5日上午,某市召开安全生产工作会议,部署春季安全生产工作。会议要求,各地要压实责任。"
        + "各地各部门要统筹做好经济社会发展各项工作,确保生产生活秩序平稳有序。" * 3
    ),
    "international": (
        "3月26日晚,二十国集团领导人召开应对新冠肺炎特别峰会视频会议,与会领导人讨论疫情应对。"
        + PADDING
    ),
    "not_government": (
        "3月2日上午,某科技有限公司召开疫情防控工作会议,部署复工复产期间疫情防控工作。" + PADDING
    ),
    "other_topic": (
        "4月8日,省政府召开常务会议,研究部署春季农业生产工作,审议《省乡村振兴促进条例(草案)》。"
        "会议指出,受疫情影响,农资运输一度受阻。要统筹疫情防控和农业生产,抓好春耕备耕。"
        "要落实种粮补贴政策,稳定粮食播种面积。要加强农田水利建设,提高防灾减灾能力。"
        "要推进高标准农田建设,确保全年粮食产量稳定。"
    ),
    "press_conference": (
        "5月6日上午,市政府新闻办举行新闻发布会,通报本市新冠肺炎疫情防控最新情况。"
        "发布会上,市卫生健康委负责人介绍,全市新增无症状感染者2例。" + PADDING
    ),
    "inspection": (
        "1月15日,省长到某市调研督导疫情防控工作,实地察看集中隔离点和核酸检测实验室。"
        "他强调,要坚持外防输入、内防反弹,严格落实各项防控措施。" + PADDING
    ),
    "written_instruction": (
        "近日,省委书记对全省疫情防控工作作出批示,要求各地坚决落实各项防控措施。" + PADDING
    ),
    "meeting_mentioned": (
        "连日来,各地认真传达学习省委常委会会议精神,扎实做好疫情防控各项工作。"
        "某区组织干部下沉社区,协助开展核酸检测。" + PADDING
    ),
    "no_meeting": (
        "全省新增本土确诊病例3例,均在集中隔离点发现。疫情防控形势依然严峻复杂。" + PADDING
    ),
}


def test_every_drop_reason_has_a_report() -> None:
    assert set(DROPPED) == set(DROP_REASONS)


@WIDTHS
@pytest.mark.parametrize("reason", DROPPED)
def test_each_drop_reason(reason: str, widen) -> None:
    text = widen(DROPPED[reason])
    assert widen is str or reason == "no_text" or "，" in text
    assert _reason(text) == reason


KEPT = {
    "standing_committee": (
        "2月3日下午,省委常委会召开会议,研究部署新冠肺炎疫情防控工作。"
        "会议要求,各级党委政府要压实属地责任,严格落实各项防控措施。" + PADDING
    ),
    "headquarters_by_name": (
        "11月2日晚,县新冠肺炎疫情防控指挥部召开会议。会议听取了全县核酸检测情况汇报。"
        + EPIDEMIC_PADDING
    ),
    "instruction_studied_at_the_meeting": (
        "3月9日,市委常委会召开会议,传达学习省委书记关于疫情防控工作的批示精神,"
        "研究部署全市疫情防控工作。会议要求,要把批示要求落实到每个社区。" + EPIDEMIC_PADDING
    ),
    "instruction_before_the_meeting": (
        "近日,省委书记就做好冬春季疫情防控工作作出批示,要求各地从严从紧落实防控措施。\n"
        "12月1日,市政府召开疫情防控工作会议,贯彻落实省委书记批示要求,部署冬春季疫情防控工作。"
        + EPIDEMIC_PADDING
    ),
    "purpose_in_the_next_sentence": (
        "4月12日,区委常委会召开会议。会议传达学习了上级有关文件精神,研究部署全区疫情防控工作。"
        + PADDING
    ),
    "epidemic_and_economy_on_the_agenda": (
        "4月20日,市委常委会召开会议,分析当前疫情防控形势,研究部署常态化疫情防控工作;"
        "分析一季度经济运行情况,部署下一阶段经济工作。" + PADDING
    ),
}


@WIDTHS
@pytest.mark.parametrize("kind", KEPT)
def test_prevention_meetings_are_kept(kind: str, widen) -> None:
    assert _reason(widen(KEPT[kind])) is None


@pytest.mark.parametrize(
    "kind", ["instruction_studied_at_the_meeting", "instruction_before_the_meeting"]
)
def test_a_report_that_mentions_an_instruction_is_kept(kind: str) -> None:
    assert "批示" in KEPT[kind]
    assert _reason(KEPT[kind]) is None


def test_a_meeting_elsewhere_on_the_page_does_not_make_it_about_the_epidemic() -> None:
    """The epidemic has to be in the passage of a meeting, not only somewhere on the page."""
    text = (
        "全省新增本土确诊病例3例,疫情形势严峻。\n"
        "3月5日上午,省政府召开安全生产工作会议,部署春季安全生产工作。会议要求,压实责任。"
        + "各地各部门要统筹做好经济社会发展各项工作,确保生产生活秩序平稳有序。"
        * 3
    )
    assert _reason(text) == "not_epidemic"


# --- the topical decision for one meeting, given its span ---------------------------------------


def _whole_text_meeting(text: str, held: str) -> tuple:
    """The normalised report and one meeting whose held clause is ``held`` and whose passage
    runs to the end of the report."""
    doc = normalise(text)
    start = doc.text.index(held)
    return doc, MeetingSpan(start, len(doc.text), start, start + len(held), None, None)


def test_a_purpose_naming_prevention_work_decides() -> None:
    doc, span = _whole_text_meeting(
        "6月2日,县政府召开会议,研究部署全县疫情防控工作。" + PADDING, "县政府召开会议"
    )
    assert is_prevention_meeting(doc, span)


def test_a_purpose_naming_other_work_decides_even_in_an_epidemic_passage() -> None:
    doc, span = _whole_text_meeting(
        "6月2日,县政府召开会议,研究全县重点项目建设工作。" + EPIDEMIC_PADDING, "县政府召开会议"
    )
    assert not is_prevention_meeting(doc, span)


def test_balancing_prevention_with_other_work_leaves_it_to_the_passage() -> None:
    held = "区政府召开会议"
    opening = "7月1日,区政府召开会议,部署统筹推进疫情防控和经济社会发展工作。"
    doc, span = _whole_text_meeting(opening + EPIDEMIC_PADDING, held)
    assert is_prevention_meeting(doc, span)
    doc, span = _whole_text_meeting(opening + PADDING, held)
    assert not is_prevention_meeting(doc, span)


def test_prevention_as_the_setting_of_other_work_is_not_a_purpose() -> None:
    doc, span = _whole_text_meeting(
        "10月9日,市政府召开会议,部署结合疫情防控深入开展城乡环境整治。" + PADDING,
        "市政府召开会议",
    )
    assert not is_prevention_meeting(doc, span)


def test_without_a_stated_purpose_the_share_of_epidemic_sentences_decides() -> None:
    doc, span = _whole_text_meeting("9日,领导小组召开会议。" + EPIDEMIC_PADDING, "领导小组召开会议")
    assert is_prevention_meeting(doc, span)
    doc, span = _whole_text_meeting(
        "9日,领导小组召开会议。会议指出,疫情防控不能放松。" + PADDING, "领导小组召开会议"
    )
    assert not is_prevention_meeting(doc, span)
    assert 0 < PREVENTION_SHARE < 1


@pytest.mark.parametrize(
    ("phrase", "names"),
    [
        ("疫情防控工作会议", True),
        ("应对新冠肺炎疫情工作领导小组会议", True),
        ("国务院联防联控机制", True),
        ("听取全县疫情形势汇报", True),
        ("应对疫情影响稳外贸的举措", False),
        ("统筹推进疫情防控和稳就业工作电视电话会议", False),
        ("春季农业生产工作", False),
        ("分析研判疫情输入风险", True),
        ("防范化解重大风险", False),
        ("安全隐患排查整治", False),
    ],
)
def test_names_prevention(phrase: str, names: bool) -> None:
    assert names_prevention(phrase) is names


@WIDTHS
def test_a_meeting_named_in_the_held_clause_is_a_prevention_meeting(widen) -> None:
    held = "乡党委书记主持召开全乡疫情防控工作调度会"
    text = widen("5日," + held + ",乡长通报了返乡人员排查情况。" + PADDING)
    doc, span = _whole_text_meeting(text, held)
    assert is_prevention_meeting(doc, span)


def test_a_meeting_that_only_sets_the_time_is_mentioned_not_reported() -> None:
    held = "全省疫情防控工作电视电话会议召开"
    text = held + "后,各县区迅速传达学习会议精神,部署本地疫情防控工作。" + EPIDEMIC_PADDING
    doc, span = _whole_text_meeting(text, held)
    assert classify(ReportContext.of(doc, meetings=(span,))) == "meeting_mentioned"


def test_a_bare_group_meeting_is_the_group_the_presider_leads() -> None:
    held = "6日,副省长、省应对新冠肺炎疫情工作领导小组副组长赵某某主持召开领导小组会议"
    doc, span = _whole_text_meeting(held + "。" + PADDING, held)
    assert is_prevention_meeting(doc, span)


def test_a_numbered_session_is_not_a_prevention_meeting_unless_named_so() -> None:
    held = "县十四届人大常委会第五次会议在县行政中心举行"
    doc, span = _whole_text_meeting(held + "。" + EPIDEMIC_PADDING, held)
    assert not is_prevention_meeting(doc, span)
    held = "市十五届疫情防控工作领导小组第三次会议在市行政中心举行"
    doc, span = _whole_text_meeting(held + "。" + PADDING, held)
    assert is_prevention_meeting(doc, span)


def test_measures_count_towards_the_share_of_epidemic_sentences() -> None:
    measures = (
        "会议要求,要加快收治确诊患者,增派医护人员。要扩大检测范围,做好密切接触者排查。"
        "要保障口罩和防护服供应。"
    )
    doc, span = _whole_text_meeting("9日,指挥部召开会议。" + measures, "指挥部召开会议")
    assert is_prevention_meeting(doc, span)


@WIDTHS
@pytest.mark.parametrize(
    "lead",
    [
        "8月3日,副县长深入甲镇、乙乡,调研疫情防控和疫苗接种工作。",
        "10月9日晚,镇党委书记带队对各村疫情防控卡点进行督查,查看值守情况。",
    ],
)
def test_inspection_leads(lead: str, widen) -> None:
    assert _reason(widen(lead + "他要求,要严格落实来人登记和健康码查验。" + PADDING)) == (
        "inspection"
    )


def test_a_misspelt_key_in_the_cue_file_raises(monkeypatch) -> None:
    assert load_data("reports.yaml", _CueFile).epidemic
    data = read_data("reports.yaml")
    data["epidemics"] = data.pop("epidemic")
    monkeypatch.setattr(taxonomy, "read_data", lambda name: data)
    with pytest.raises(DataFileError, match=r"reports\.yaml.*epidemic"):
        load_data("reports.yaml", _CueFile)


def test_the_filter_never_raises_on_odd_input() -> None:
    for text in ("", "\n\n", "x" * 5000, "会议" * 400, "疫情" * 100 + "召开会议。" * 50):
        assert _reason(text) in (*DROP_REASONS, None)


TRANSMITTING = (
    "{held},传达学习上级关于疫情防控工作的重要指示精神,研究我县贯彻落实措施。\n"
    "会议指出,当前疫情防控形势严峻复杂,外防输入压力持续加大。\n"
    "会议强调,要严格落实重点人群核酸检测,做好隔离点管理。要加强发热门诊值守,及时发现病例。"
)


@pytest.mark.parametrize(
    "held", ["3月2日,县委书记主持召开县委常委会会议", "3月2日,县委常委会召开扩大会议"]
)
@WIDTHS
def test_transmitting_instructions_then_implementing_them_is_decided_by_the_passage(
    held: str, widen
) -> None:
    assert _reason(widen(TRANSMITTING.format(held=held))) is None


@WIDTHS
def test_a_purpose_that_only_refers_back_does_not_make_other_work_prevention(widen) -> None:
    text = (
        "3月2日,县委常委会召开会议,传达学习上级关于春季农业生产的部署要求,研究我县贯彻落实措施。"
        "会议指出,受疫情影响,农资运输一度受阻。要落实种粮补贴政策,稳定粮食播种面积。"
        "要加强农田水利建设,提高防灾减灾能力。要推进高标准农田建设,确保粮食产量稳定。"
    )
    assert _reason(widen(text)) == "other_topic"


ANIMAL_DISEASE = (
    "6月3日,市政府召开{name}工作会议,总结前期防控工作,部署下一阶段防疫工作。副市长出席会议。\n"
    "会议指出,今年以来全市未发生区域性疫情,但防控形势依然严峻。\n"
    "会议要求,要严格落实调运监管和消毒措施,做好强制免疫。会议还对新冠肺炎疫情防控期间的市场供应作了安排。"
)


@pytest.mark.parametrize(
    "name", ["非洲猪瘟防控", "重大动物疫病防控", "禽流感疫情防控", "手足口病防治"]
)
@WIDTHS
def test_a_meeting_about_another_epidemic_is_not_epidemic(name: str, widen) -> None:
    assert _reason(widen(ANIMAL_DISEASE.format(name=name))) == "not_epidemic"


@pytest.mark.parametrize("name", ["新冠肺炎疫情和流感防控", "疫情防控和禽流感防控"])
def test_a_meeting_about_covid_and_another_epidemic_is_kept(name: str) -> None:
    assert _reason(ANIMAL_DISEASE.format(name=name)) is None


@pytest.mark.parametrize("comma", [",", "，"])
def test_a_meeting_of_member_states_is_international(comma: str) -> None:
    text = (
        f"10月9日{comma}某区域合作机制成员国卫生部门以视频方式举行新冠肺炎疫情防控合作会议{comma}"
        f"交流疫苗研发和边境卫生检疫经验。各方表示将加强疫情信息通报。"
    ) * 2
    assert _reason(text) == "international"
