"""The meeting-report filter in front of `covidmeet-ds crawl`: what it keeps and why it drops."""

from __future__ import annotations

import pytest

from covidmeet_ds.rules.context import ReportContext
from covidmeet_ds.rules.reports import DROP_REASONS, classify, prefilter
from covidmeet_ds.text import to_traditional

from .rules_helpers import load_seeds

SEEDS = load_seeds()
PADDING = "各地各部门要统筹做好经济社会发展各项工作,确保人民群众生产生活秩序平稳有序。" * 3


def _reason(text: str) -> str | None:
    return prefilter(text) or classify(ReportContext.from_raw(text))


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: s.doc_id)
def test_every_seed_report_is_kept(seed) -> None:
    assert prefilter(seed.raw) is None
    assert classify(ReportContext.of(seed.doc)) is None


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: s.doc_id)
def test_traditional_script_pages_are_kept_too(seed) -> None:
    assert _reason(to_traditional(seed.raw)) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("疫情防控会议召开。", "no_text"),
        (
            "3月5日上午,某市召开安全生产工作会议,部署春季安全生产工作。会议要求,各地要压实责任。"
            + "各地各部门要统筹做好经济社会发展各项工作,确保生产生活秩序平稳有序。" * 3,
            "not_epidemic",
        ),
        (
            "近日,省委书记对全省疫情防控工作作出批示,要求各地坚决落实各项防控措施。" + PADDING,
            "written_instruction",
        ),
        (
            "全省新增本土确诊病例3例,均在集中隔离点发现。疫情防控形势依然严峻复杂。" + PADDING,
            "no_meeting",
        ),
        (
            "3月26日晚,二十国集团领导人召开应对新冠肺炎特别峰会视频会议,与会领导人讨论疫情应对。"
            + PADDING,
            "international",
        ),
        (
            "3月2日上午,某科技有限公司召开疫情防控工作会议,部署复工复产期间疫情防控工作。"
            + PADDING,
            "not_government",
        ),
    ],
)
def test_each_drop_reason(text: str, reason: str) -> None:
    assert reason in DROP_REASONS
    assert _reason(text) == reason


def test_a_government_meeting_on_the_epidemic_is_kept() -> None:
    text = (
        "2月3日下午,省委常委会召开会议,研究部署新冠肺炎疫情防控工作。"
        "会议要求,各级党委政府要压实属地责任,严格落实各项防控措施。" + PADDING
    )
    assert _reason(text) is None


def test_a_meeting_elsewhere_on_the_page_does_not_make_it_about_the_epidemic() -> None:
    """The epidemic has to be in the passage of a meeting, not only somewhere on the page."""
    text = (
        "全省新增本土确诊病例3例,疫情形势严峻。\n"
        "3月5日上午,省政府召开安全生产工作会议,部署春季安全生产工作。会议要求,压实责任。"
        + "各地各部门要统筹做好经济社会发展各项工作,确保生产生活秩序平稳有序。"
        * 3
    )
    assert _reason(text) == "not_epidemic"


def test_the_filter_never_raises_on_odd_input() -> None:
    for text in ("", "\n\n", "x" * 5000, "会议" * 400, "疫情" * 100 + "召开会议。" * 50):
        assert _reason(text) in (*DROP_REASONS, None)
