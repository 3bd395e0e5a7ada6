"""normalise(): furniture removal, pinyin, script, page splits, quality flags and the offset map.

Seeds are checked against their gold (flags, evidence that must survive, requirement texts that
must be findable); general patterns with small synthetic texts; invariants with hypothesis.
"""

from __future__ import annotations

import bisect
import typing
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covidmeet_ds.models import Annotation, Evidence, QualityFlag
from covidmeet_ds.text import to_simplified
from covidmeet_ds.text.normalise import NormalisedText, normalise

from .rules_helpers import load_seeds

SEEDS = [(seed.doc_id, seed.raw, seed.gold) for seed in load_seeds()]
SEED_IDS = [doc_id for doc_id, _, _ in SEEDS]
DOCS = {doc_id: normalise(raw) for doc_id, raw, _ in SEEDS}
RAWS = [raw for _, raw, _ in SEEDS]


def _evidence(gold: Annotation) -> list[Evidence]:
    found: list[Evidence] = []
    for meeting in gold.meetings:
        found.append(meeting.evidence)
        found.append(meeting.level.evidence)
        if meeting.date.evidence is not None:
            found.append(meeting.date.evidence)
        found.extend(speaker.evidence for speaker in meeting.speakers)
        found.extend(requirement.evidence for requirement in meeting.requirements)
    return found


def _check_invariants(doc: NormalisedText) -> None:
    raw, text, offsets = doc.raw, doc.text, doc.offsets
    assert len(offsets) == len(text)
    assert all(a < b for a, b in pairwise(offsets))
    assert not offsets or (offsets[0] >= 0 and offsets[-1] < len(raw))
    for i, o in enumerate(offsets):
        # a character is its raw character, or that character converted to Simplified script
        assert text[i] == raw[o] or (not raw[o].isascii() and not text[i].isascii())
    flags = set(doc.flags)
    assert flags <= set(typing.get_args(QualityFlag))
    assert len(flags) == len(doc.flags)


# --- the seeds -------------------------------------------------------------------------------


@pytest.mark.parametrize(("doc_id", "raw", "gold"), SEEDS, ids=SEED_IDS)
def test_flags_match_gold(doc_id: str, raw: str, gold: Annotation) -> None:
    assert set(DOCS[doc_id].flags) == set(gold.quality_flags)


@pytest.mark.parametrize(("doc_id", "raw", "gold"), SEEDS, ids=SEED_IDS)
def test_gold_evidence_survives(doc_id: str, raw: str, gold: Annotation) -> None:
    """Furniture removal drops no character a gold quote stands on (pinyin and page-split
    markers excepted: they are removed on purpose)."""
    doc = DOCS[doc_id]
    kept = set(doc.offsets)
    removed_on_purpose = set()
    for start, end, kind in doc.removed:
        if kind in ("pinyin", "page_split"):
            removed_on_purpose.update(range(start, end))
    for evidence in _evidence(gold):
        lost = [
            i
            for i in range(evidence.start, evidence.end)
            if i not in kept and i not in removed_on_purpose
        ]
        assert not lost, f"{evidence.quote!r} lost {raw[lost[0] : lost[-1] + 1]!r}"


@pytest.mark.parametrize(("doc_id", "raw", "gold"), SEEDS, ids=SEED_IDS)
def test_gold_requirement_text_is_findable(doc_id: str, raw: str, gold: Annotation) -> None:
    """Requirement texts are written in the normalised form; they occur verbatim in ``text``,
    and the evidence of that span is the gold quote."""
    doc = DOCS[doc_id]
    for meeting in gold.meetings:
        for requirement in meeting.requirements:
            at = doc.text.find(requirement.text)
            assert at >= 0, requirement.text
            evidence = doc.evidence(at, at + len(requirement.text))
            assert (evidence.start, evidence.end) == (
                requirement.evidence.start,
                requirement.evidence.end,
            )


@pytest.mark.parametrize(("doc_id", "raw", "gold"), SEEDS, ids=SEED_IDS)
def test_seed_invariants(doc_id: str, raw: str, gold: Annotation) -> None:
    _check_invariants(DOCS[doc_id])
    assert to_simplified(DOCS[doc_id].text) == DOCS[doc_id].text


def test_netease_related_headlines_are_dropped() -> None:
    doc = DOCS["netease-shandong-nhc-teleconference"]
    assert doc.text.startswith("我市组织收听收看")
    assert doc.text.endswith("组织了收听收看。")
    for junk in ("网易首页", "分享至", "相关推荐", "热点推荐", "2023-04-01", "进入关怀版"):
        assert junk not in doc.text


def test_redian_wechat_prompt_related_reading_and_disclaimer_are_dropped() -> None:
    doc = DOCS["redian-shanghai-leading-group"]
    assert doc.text.endswith("相关市领导出席会议。")
    for junk in ("编辑:姜晨", "扫码", "相关阅读", "©", "不代表同意其说法"):
        assert junk not in doc.text


def test_cri_navigation_and_copyright_block_are_dropped_dateline_kept() -> None:
    doc = DOCS["cri-hubei-provincial-teleconference"]
    assert "城市远洋" not in doc.text
    assert "版权" not in doc.text and "XX" not in doc.text
    assert "2020-11-04 09:30:53来源:湖北日报" in doc.text  # the article's own timestamp
    assert doc.text.endswith("(湖北日报记者李保林、周呈思)")


def test_mirror_spam_html_comments_dropped_pinyin_removed_simplified() -> None:
    doc = DOCS["mirror-shandong-standing-committee"]
    assert doc.text.startswith("省委常委会召开扩大会议 研究部署疫情防控工作")
    for junk in ("激情", "<", "我的位置", "评论", "验证码", "(xué)", "xué"):
        assert junk not in doc.text
    at = doc.text.index("认真学习贯彻")
    assert doc.evidence(at, at + 6).quote == "認(rèn)真學(xué)習(xí)貫徹"


def test_jinchutou_preview_header_page_splits_and_footer() -> None:
    doc = DOCS["jinchutou-sichuan-speech"]
    for junk in ("上传人", "第1页 / 共9页", "_第", "点击查看更多", "由会员分享", "相关资源"):
        assert junk not in doc.text
    assert "与该主题相关的文章" not in doc.text
    assert "金锄头文库版权所有" not in doc.text
    # sentences broken by the page preview are whole again, and no page number is left
    assert "切实维护人民群众生命健康平安。" in doc.text
    assert "强化信息报送和舆论引导" in doc.text
    assert "\n2、" not in doc.text and "\n14、" not in doc.text
    assert doc.text.endswith("守护好全川群众生命平安和身体健康。")


def test_jinchutou_spun_pairs_are_exposed_not_rewritten() -> None:
    doc = DOCS["jinchutou-sichuan-speech"]
    for pair in (("党中心", "党中央"), ("平安", "安全"), ("刚好", "及时"), ("探讨", "研究")):
        assert pair in doc.spun
    assert "党中心" in doc.text
    for doc_id in SEED_IDS:
        if doc_id != "jinchutou-sichuan-speech":
            assert DOCS[doc_id].spun == ()


# --- general patterns on synthetic text ------------------------------------------------------

BODY = "会议强调,各地要严格落实属地责任,加强重点人群健康监测,及时发布疫情信息,坚决防止疫情扩散。"


def test_pinyin_removed_and_offsets_point_to_raw() -> None:
    raw = "會議要求認(rèn)真學(xué)習(xí)。"
    doc = normalise(raw)
    assert doc.text == "会议要求认真学习。"
    assert "pinyin_injected" in doc.flags
    at = doc.text.index("学习")
    assert doc.evidence(at, at + 2).quote == "學(xué)習"  # a reading after the span is not quoted


def test_navigation_widgets_and_copyright_lines_are_dropped() -> None:
    raw = (
        "首页 > 要闻 > 正文\n\n分享到\n\n"
        f"{BODY}\n\n本站所有内容版权所有,未经授权不得转载\n联系我们 | 关于我们\n"
    )
    doc = normalise(raw)
    assert doc.text == BODY
    assert doc.flags == ("boilerplate",)


def test_related_headlines_dropped_but_body_after_them_kept() -> None:
    raw = f"{BODY}\n延伸阅读\n某地发布新规\n又一地调整政策\n{BODY.replace('强调', '指出')}\n"
    doc = normalise(raw)
    assert doc.text == f"{BODY}\n{BODY.replace('强调', '指出')}"
    assert "某地" not in doc.text


def test_related_block_above_the_article_does_not_swallow_it() -> None:
    after = "截至目前,全省累计报告病例50例。"
    raw = f"相关新闻\n某地发布新规\n又一地调整政策\n   {BODY}\n{after}\n"
    doc = normalise(raw)
    assert doc.text == f"{BODY}\n{after}"
    assert doc.evidence(0, 2).start == raw.index(BODY)


def test_long_meeting_paragraph_with_widget_words_is_kept() -> None:
    line = "会议要求,各级各部门要认真评论分析舆情,发现问题及时举报处置,确保信息公开透明。"
    assert normalise(f"相关推荐\n{line}").text == line


def test_headline_on_topic_is_not_a_widget() -> None:
    assert (
        normalise("评论员文章:坚决打赢疫情防控阻击战").text == "评论员文章:坚决打赢疫情防控阻击战"
    )


def test_spam_banner_and_html_fragments() -> None:
    raw = f"甲乙网_丙丁站_戊己论坛_庚辛视频_壬癸小说\n<div class='x'></div>\n{BODY}<br/>\n"
    doc = normalise(raw)
    assert doc.text == BODY
    assert {"spam", "html"} <= set(doc.flags)


def test_page_split_markers_join_the_broken_sentence() -> None:
    page = "各地要严格落实属地责任,加强重点人群健康监测,及时发布疫情信息,坚决防止疫情扩散。" * 2
    raw = (
        f"1、{page}要求各地切实维护人\n\n2、民群众生命安全。{page}加强\n\n"
        f"3、联防联控。{page}强化\n\n4、宣传引导。"
    )
    doc = normalise(raw)
    assert "维护人民群众生命安全" in doc.text
    assert "加强联防联控" in doc.text and "强化宣传引导" in doc.text
    assert "、" not in doc.text.replace("1、", "")
    assert "page_split" in doc.flags
    at = doc.text.index("维护人民群众")
    assert doc.evidence(at, at + 6).quote == "维护人\n\n2、民群众"


def test_numbered_list_with_punctuation_is_not_a_page_split() -> None:
    raw = "1、加强组织领导。\n2、严格落实责任。\n3、做好宣传引导。\n"
    doc = normalise(raw)
    assert doc.text == raw.strip()
    assert "page_split" not in doc.flags


def test_inline_page_marker_is_removed_inside_a_paragraph() -> None:
    raw = "会议要求,各地要加强重点人群_第2页健康监测,确保各项措施落实到位。"
    doc = normalise(raw)
    assert doc.text == "会议要求,各地要加强重点人群健康监测,确保各项措施落实到位。"
    assert "page_split" in doc.flags


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("全x各地要加强监测,1月xx日召开会议。", True),
        ("xx市和xx县要做好防控。", True),
        ("请访问 www.xx.com 或 example.org 了解详情。", False),
        ("医院要配备X光机和CT,做好Xbox游戏厅消毒。", False),
        ("全x各地要加强监测。", False),
    ],
)
def test_redaction_placeholders(text: str, redacted: bool) -> None:
    assert ("redacted" in normalise(text).flags) is redacted


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("坚决贯彻党中心、国务院决策部署。", ("党中心", "党中央")),
        ("保障人民群众生命平安和身体健康。", ("平安", "安全")),
        ("要刚好发布疫情信息。", ("刚好", "及时")),
        ("省政府常务会议探讨部署防控工作。", ("探讨", "研究")),
        ("推进平安建设,祝大家平安。", None),
        ("这项工作刚好一年,刚好在春节前完成。", None),
        ("专家深入探讨了病毒的来源。", None),
        ("党中央高度重视。", None),
    ],
)
def test_spun_synonyms_only_in_telling_contexts(text: str, pair: tuple[str, str] | None) -> None:
    doc = normalise(text)
    assert doc.text == text  # flagged, never rewritten
    if pair is None:
        assert doc.spun == () and "spun" not in doc.flags
    else:
        assert pair in doc.spun and "spun" in doc.flags


def test_traditional_flag_needs_a_traditional_body() -> None:
    assert "traditional" in normalise("會議強調,要堅決貫徹落實黨中央決策部署。").flags
    assert "traditional" not in normalise("会议强调,要坚决贯彻落实党中央决策部署。").flags


@pytest.mark.parametrize("raw", ["", "\n\n", "   ", "abc", "0", "<br>", "第1页 / 共9页"])
def test_degenerate_inputs(raw: str) -> None:
    _check_invariants(normalise(raw))


# --- properties ------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "\n",
        "\n\n",
        " ",
        "相关推荐\n",
        "首页 > 新闻 > 正文\n",
        "(xué)",
        "學(xué)習(xí)",
        "\n\n2、",
        "_第3页",
        "第1页 / 共9页",
        "<div>",
        "&nbsp;",
        "x",
        "xx",
        "版权所有",
        "_",
        "。",
        BODY,
    ]
)


@st.composite
def _mutated_seed(draw: st.DrawFn) -> str:
    """A random slice of a seed with random furniture-like pieces inserted."""
    raw = draw(st.sampled_from(RAWS))
    start = draw(st.integers(0, len(raw)))
    end = draw(st.integers(start, min(len(raw), start + 3000)))
    text = raw[start:end]
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        piece = draw(st.one_of(_PIECES, st.text(max_size=12)))
        text = text[:at] + piece + text[at:]
    return text


def _check_random_spans(doc: NormalisedText, data: st.DataObject) -> None:
    if not doc.text:
        return
    for _ in range(5):
        start = data.draw(st.integers(0, len(doc.text) - 1))
        end = data.draw(st.integers(start + 1, len(doc.text)))
        evidence = doc.evidence(start, end)
        assert evidence.quote == doc.raw[evidence.start : evidence.end]
        assert evidence.start == doc.offsets[start]
        assert evidence.end == doc.offsets[end - 1] + 1
        assert bisect.bisect_left(doc.offsets, evidence.start) == start


_PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY
@given(raw=st.text(), data=st.data())
def test_property_arbitrary_unicode(raw: str, data: st.DataObject) -> None:
    doc = normalise(raw)
    _check_invariants(doc)
    _check_random_spans(doc, data)


@_PROPERTY
@given(raw=st.text(alphabet=st.sampled_from("學習會議(xué)_x\n 、。2第页>|<a>相关推荐")))
def test_property_noise_alphabet(raw: str) -> None:
    _check_invariants(normalise(raw))


@_PROPERTY
@given(raw=_mutated_seed(), data=st.data())
def test_property_mutated_seeds(raw: str, data: st.DataObject) -> None:
    doc = normalise(raw)
    _check_invariants(doc)
    _check_random_spans(doc, data)


def test_lone_surrogates_from_json_escapes_do_not_stop_normalisation() -> None:
    """A crawl's JSON can hold "\\ud800"; the text keeps its length and offsets."""
    raw = "會議\ud800強調"
    doc = normalise(raw)
    assert doc.text == "会议\ufffd强调"
    assert doc.raw_span(0, len(doc.text)) == (0, len(raw))
