"""Meeting dates: the seeds against the gold, and each general pattern on invented text."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covidmeet_ds.models import MeetingDate
from covidmeet_ds.rules.dates import extract_date
from covidmeet_ds.rules.meetings import MeetingSpan
from covidmeet_ds.text.normalise import normalise

from .rules_helpers import context, gold_spans, load_seeds

SEEDS = load_seeds()
GOLD = [
    (seed, span, meeting)
    for seed in SEEDS
    for span, meeting in zip(gold_spans(seed), seed.gold.meetings, strict=True)
]


def _date(text: str, held: str, published: date | None = None, occurrence: int = 0) -> MeetingDate:
    """The date of the meeting whose held clause is ``held`` (its passage runs to the end)."""
    doc = normalise(text)
    held = normalise(held).text  # the text is matched with its punctuation folded
    start = -1
    for _ in range(occurrence + 1):
        start = doc.text.index(held, start + 1)
    span = MeetingSpan(start, len(doc.text), start, start + len(held), None, None)
    return extract_date(context(doc, published), span)


# --- seeds ---


@pytest.mark.parametrize(
    ("seed", "span", "gold"), GOLD, ids=[f"{s.doc_id}-{m.meeting_id}" for s, _, m in GOLD]
)
def test_seed_dates_match_the_gold(seed, span, gold) -> None:
    found = extract_date(context(seed.doc, seed.published), span)
    assert found.value == gold.date.value
    assert found.precision == gold.date.precision
    assert found.time_of_day == gold.date.time_of_day
    assert found.year_basis == gold.date.year_basis
    assert found.evidence is not None
    assert seed.raw[found.evidence.start : found.evidence.end] == found.evidence.quote
    overlap = min(found.evidence.end, gold.date.evidence.end) - max(
        found.evidence.start, gold.date.evidence.start
    )
    assert overlap > 0, (found.evidence.quote, gold.date.evidence.quote)


def test_seed_accuracy_is_at_least_the_target() -> None:
    found = [extract_date(context(seed.doc, seed.published), span).value for seed, span, _ in GOLD]
    gold = [meeting.date.value for _, _, meeting in GOLD]
    exact = sum(f == g for f, g in zip(found, gold, strict=True)) / len(gold)
    years = sum((f or "")[:4] == (g or "")[:4] for f, g in zip(found, gold, strict=True))
    assert exact >= 0.95
    assert years / len(gold) >= 0.95


def test_upload_year_in_a_document_title_is_not_the_meeting_year() -> None:
    seed = next(s for s in SEEDS if s.published and s.published.year == 2023)
    span = gold_spans(seed)[0]
    found = extract_date(context(seed.doc, seed.published), span)
    assert found.value == "2020"
    assert "re-post or upload" in (found.note or "")


# --- year from the publication date ---


def test_day_and_time_with_year_from_publication() -> None:
    found = _date(
        "5月9日下午,省政府召开全省防控工作会议。会议要求加强监测。",
        "5月9日下午,省政府召开全省防控工作会议",
        date(2021, 5, 10),
    )
    assert (found.value, found.precision, found.time_of_day) == ("2021-05-09", "day", "afternoon")
    assert found.year_basis == "publication"
    assert found.evidence is not None and found.evidence.quote == "5月9日下午"


def test_december_meeting_published_in_january_is_the_previous_year() -> None:
    found = _date(
        "12月30日晚上,市委召开常委会会议,部署元旦期间防控工作。",
        "12月30日晚上,市委召开常委会会议",
        date(2022, 1, 3),
    )
    assert (found.value, found.time_of_day) == ("2021-12-30", "evening")


def test_today_takes_the_publication_date() -> None:
    found = _date(
        "今天上午,县政府召开防控工作会议。", "今天上午,县政府召开防控工作会议", date(2022, 4, 8)
    )
    assert (found.value, found.time_of_day, found.year_basis) == (
        "2022-04-08",
        "morning",
        "publication",
    )


def test_yesterday_is_the_day_before_publication() -> None:
    found = _date("昨日,区委召开疫情防控会议。", "昨日,区委召开疫情防控会议", date(2022, 3, 1))
    assert found.value == "2022-02-28"


# --- explicit years and numerals ---


def test_explicit_year_wins_over_publication() -> None:
    found = _date(
        "2021年8月3日,市委召开防控工作会议。", "2021年8月3日,市委召开防控工作会议", date(2022, 1, 1)
    )
    assert (found.value, found.year_basis) == ("2021-08-03", "explicit")


def test_chinese_numerals() -> None:
    found = _date("二〇二〇年二月十三日,省委召开会议。", "二〇二〇年二月十三日,省委召开会议")
    assert (found.value, found.year_basis) == ("2020-02-13", "explicit")


def test_date_outside_the_window_is_null_with_a_note() -> None:
    found = _date("2024年3月1日,市委召开会议。", "2024年3月1日,市委召开会议")
    assert found.value is None and found.year_basis == "unknown"
    assert "window" in (found.note or "")


# --- context anchors ---


def test_context_anchor_places_the_year() -> None:
    text = "市防控领导小组今天(1月9日)上午召开会议,部署落实“乙类乙管”各项措施。"
    found = _date(text, "市防控领导小组今天(1月9日)上午召开会议")
    assert (found.value, found.year_basis, found.time_of_day) == (
        "2023-01-09",
        "context",
        "morning",
    )
    assert "乙类乙管" in (found.note or "")
    assert found.evidence is not None and found.evidence.quote == "今天(1月9日)上午"


def test_early_2020_name_of_the_disease_dates_a_bare_today_to_the_year() -> None:
    text = "今日召开全县新型冠状病毒感染的肺炎防控工作会议,部署防控工作。"
    found = _date(text, "今日召开全县新型冠状病毒感染的肺炎防控工作会议")
    assert (found.value, found.precision, found.year_basis) == ("2020", "year", "context")
    assert found.note


def test_decisive_anchor_overrides_a_far_publication_date() -> None:
    text = "今日召开全县新型冠状病毒感染的肺炎防控工作会议,部署防控工作。"
    found = _date(text, "今日召开全县新型冠状病毒感染的肺炎防控工作会议", date(2023, 6, 1))
    assert (found.value, found.year_basis) == ("2020", "context")


def test_broad_anchors_that_fit_several_years_give_no_year() -> None:
    found = _date("3月5日,市委召开新冠肺炎疫情防控会议。", "3月5日,市委召开新冠肺炎疫情防控会议")
    assert found.value is None
    assert found.evidence is not None and found.note


def test_today_without_publication_or_anchor_is_null() -> None:
    found = _date("今天,区政府召开会议,部署工作。", "今天,区政府召开会议")
    assert (found.value, found.precision, found.year_basis) == (None, "unknown", "unknown")
    assert found.note


def test_redacted_day_gives_the_month() -> None:
    text = "1月xx日,x委召开会议,研究新型冠状病毒感染的肺炎防控工作。"
    found = _date(text, "1月xx日,x委召开会议")
    assert (found.value, found.precision) == ("2020-01", "month")


# --- lunar dates, other meetings' dates, relative dates ---


def test_lunar_date_of_the_meeting_is_converted_when_the_year_is_known() -> None:
    found = _date(
        "农历正月初三,省委召开常委会会议。", "农历正月初三,省委召开常委会会议", date(2020, 2, 2)
    )
    assert (found.value, found.year_basis) == ("2020-01-27", "publication")


def test_lunar_date_of_another_meeting_is_not_the_meetings_date() -> None:
    text = (
        "1月28日上午,省委召开常委会会议。会议指出,农历正月初一,中央召开会议,"
        "专门研究新型冠状病毒感染的肺炎防控。"
    )
    found = _date(text, "1月28日上午,省委召开常委会会议")
    assert (found.value, found.time_of_day) == ("2020-01-28", "morning")


def test_date_in_the_sentence_before_the_held_clause() -> None:
    text = "2月3日上午,全市疫情防控工作会议在市政府召开,会议由市长主持。"
    found = _date(text, "全市疫情防控工作会议在市政府召开", date(2022, 2, 5))
    assert (found.value, found.time_of_day) == ("2022-02-03", "morning")


def test_cut_off_dates_are_not_meeting_dates() -> None:
    text = "今日召开全省防控工作会议。截至3月1日,全省累计报告病例10例。"
    found = _date(text, "今日召开全省防控工作会议")
    assert found.value is None


def test_meeting_held_right_after_takes_the_previous_meeting_date() -> None:
    text = (
        "4月2日下午,国务院召开全国疫情防控电视电话会议。"
        "在随后召开的全省疫情防控会议上,省长强调要严防输入。"
    )
    found = _date(text, "在随后召开的全省疫情防控会议上", date(2021, 4, 3))
    assert (found.value, found.time_of_day, found.year_basis) == ("2021-04-02", None, "publication")
    assert found.evidence is not None and found.evidence.quote == "在随后召开的"


def test_no_date_at_all_is_null() -> None:
    found = _date("省委召开会议,研究部署防控工作。", "省委召开会议")
    assert found.value is None and found.evidence is None and found.note


# --- days without a month, 号, relative words, datelines and stamps ---


@pytest.mark.parametrize(
    ("text", "held", "published", "expected"),
    [
        # a day without a month takes the month of the publication date …
        (
            "市长王晓峰26日主持召开防控工作会议。",
            "市长王晓峰26日主持召开防控工作会议",
            date(2021, 7, 27),
            "2021-07-26",
        ),
        # … or of the month before, when that day is still to come in the publication's month
        ("县政府30日召开会议,部署防控。", "县政府30日召开会议", date(2022, 4, 2), "2022-03-30"),
        ("县政府31日召开会议,部署防控。", "县政府31日召开会议", date(2021, 1, 2), "2020-12-31"),
        (
            "全市防控会议17日在市行政中心召开。",
            "全市防控会议17日在市行政中心召开",
            date(2020, 8, 18),
            "2020-08-17",
        ),
        (
            "5号上午,镇党委召开防控部署会。",
            "5号上午,镇党委召开防控部署会",
            date(2022, 5, 6),
            "2022-05-05",
        ),
        (
            "4月12号下午,区委召开疫情防控调度会。",
            "4月12号下午,区委召开疫情防控调度会",
            date(2022, 4, 13),
            "2022-04-12",
        ),
        (
            "前天晚上,街道召开防控工作会议。",
            "前天晚上,街道召开防控工作会议",
            date(2022, 1, 9),
            "2022-01-07",
        ),
        (
            "今天(8日)傍晚,市指挥部召开会议。",
            "今天(8日)傍晚,市指挥部召开会议",
            date(2021, 6, 8),
            "2021-06-08",
        ),
        (
            "今天（8日）傍晚，市指挥部召开会议。",
            "今天（8日）傍晚，市指挥部召开会议",
            date(2021, 6, 8),
            "2021-06-08",
        ),
    ],
)
def test_days_counted_from_the_report(text, held, published, expected) -> None:
    found = _date(text, held, published)
    assert (found.value, found.precision, found.year_basis) == (expected, "day", "publication")
    assert found.note


def test_full_width_digits_are_read() -> None:
    found = _date("１２日，区委召开会议。", "１２日，区委召开会议", date(2020, 3, 14))
    assert found.value == "2020-03-12"


def test_a_number_with_hao_is_not_a_day() -> None:
    text = "区委召开会议,部署5号楼封控工作。"
    found = _date(text, "区委召开会议", date(2022, 5, 6))
    assert found.value is None


def test_a_length_of_days_is_not_a_day() -> None:
    found = _date("会议要求,14日内完成排查。区委召开会议。", "区委召开会议", date(2022, 5, 6))
    assert found.value is None


def test_bare_day_without_any_report_date_is_null() -> None:
    found = _date("市委26日召开会议。", "市委26日召开会议")
    assert found.value is None and found.note


@pytest.mark.parametrize("sep", [",", "，"])
def test_the_meeting_date_beats_the_dateline(sep) -> None:
    text = f"本报3月2日讯{sep}省防控指挥部1日召开视频调度会{sep}部署防控工作。"
    found = _date(text, "省防控指挥部1日召开视频调度会", date(2021, 3, 3))
    assert found.value == "2021-03-01"
    assert found.evidence is not None and found.evidence.quote == "1日"


def test_news_agency_dateline_is_not_the_meeting_date() -> None:
    text = "新华社某地5月9日电 市政府8日下午召开全市防控工作会议。"
    found = _date(text, "市政府8日下午召开全市防控工作会议", date(2022, 5, 10))
    assert (found.value, found.time_of_day) == ("2022-05-08", "afternoon")


def test_today_counts_from_the_dateline_not_the_stamp() -> None:
    text = "某某日报6月3日讯 今天上午,县委召开疫情防控工作会议。"
    found = _date(text, "今天上午,县委召开疫情防控工作会议", date(2021, 6, 4))
    assert (found.value, found.time_of_day) == ("2021-06-03", "morning")
    assert "dateline" in (found.note or "")


def test_dateline_without_publication_dates_today_with_context() -> None:
    text = "本报1月28日讯 今日,县指挥部召开新型冠状病毒感染的肺炎防控会议。"
    found = _date(text, "今日,县指挥部召开新型冠状病毒感染的肺炎防控会议")
    assert (found.value, found.year_basis) == ("2020-01-28", "context")


@pytest.mark.parametrize(
    "stamp", ["发布时间:2021年02月03日 10:00 ", "2021年02月03日 10:20 来源:区融媒体中心 "]
)
def test_publication_stamps_are_not_meeting_dates(stamp) -> None:
    text = f"{stamp}区委2日召开常委会会议,研究防控工作。"
    found = _date(text, "区委2日召开常委会会议", date(2021, 2, 3))
    assert found.value == "2021-02-02"


def test_stamp_alone_does_not_date_the_meeting() -> None:
    text = "发布时间：2021年02月03日 10:00\n区委召开常委会会议,研究防控工作。"
    found = _date(text, "区委召开常委会会议", date(2021, 2, 3))
    assert found.value is None


@pytest.mark.parametrize(
    ("published", "expected", "precision"),
    [
        (date(2020, 3, 20), "2020-03", "month"),
        (date(2020, 3, 3), "2020", "year"),
        (date(2021, 1, 2), None, "unknown"),
    ],
)
def test_recently_gives_the_month_only_when_the_report_date_allows(
    published, expected, precision
) -> None:
    found = _date("省委近日召开常委会会议,研究防控工作。", "省委近日召开常委会会议", published)
    assert (found.value, found.precision, found.time_of_day) == (expected, precision, None)
    assert found.note


def test_the_day_before_is_not_a_vague_word() -> None:
    found = _date("节日前,县委召开防控会议。", "县委召开防控会议", date(2021, 9, 20))
    assert found.value is None


def test_same_day_without_an_earlier_meeting_is_the_report_day() -> None:
    found = _date("当天下午,镇党委召开防控会议。", "当天下午,镇党委召开防控会议", date(2022, 4, 2))
    assert (found.value, found.time_of_day) == ("2022-04-02", "afternoon")


def test_held_clause_date_wins_over_other_dates_of_the_passage() -> None:
    text = "市委3日召开常委会会议。会议指出,2月28日以来新增病例下降,要在5日前完成排查。"
    found = _date(text, "市委3日召开常委会会议", date(2022, 3, 4))
    assert found.value == "2022-03-03"


@pytest.mark.parametrize(
    ("when", "published", "expected"),
    [
        ("本周三", date(2021, 8, 6), "2021-08-04"),  # a Friday: the Wednesday of its week
        ("周日下午", date(2020, 2, 10), "2020-02-09"),  # a Monday: the Sunday before
        ("上周五下午", date(2021, 9, 20), "2021-09-17"),
        ("星期一上午", date(2021, 9, 13), "2021-09-13"),
    ],
)
def test_days_of_the_week_count_back_from_the_report(when, published, expected) -> None:
    found = _date(f"{when},县委召开疫情防控会议。", f"{when},县委召开疫情防控会议", published)
    assert (found.value, found.year_basis) == (expected, "publication")


def test_a_surname_zhou_is_not_a_weekday() -> None:
    found = _date("市长周一鸣主持召开会议。", "市长周一鸣主持召开会议", date(2021, 9, 13))
    assert found.value is None


# --- never raises ---

PIECES = st.sampled_from(
    [
        "1月",
        "26日",
        "xx日",
        "今天",
        "(",
        ")",
        "上午",
        "农历正月初",
        "十",
        "二〇二〇年",
        "召开",
        "会议",
        "随后",
        "结束后",
        "乙类乙管",
        "新型冠状病毒感染的肺炎",
        "。",
        ",",
        "\n",
        "截至",
        "省委",
        "9999年",
        "2月30日",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=30),
    st.none() | st.dates(),
    st.integers(0, 50),
    st.integers(0, 50),
)
def test_never_raises(pieces, published, a, b) -> None:
    doc = normalise("".join(pieces))
    n = len(doc.text)
    lo, hi = sorted((min(a, n), min(b, n)))
    for span in (
        MeetingSpan(0, n, 0, n, None, None),
        MeetingSpan(lo, max(hi, lo + 1), lo, max(hi, lo + 1), "会议", "省委"),
    ):
        assert isinstance(extract_date(context(doc, published), span), MeetingDate)


# --- the cue file ---


def test_misspelt_key_in_the_cue_file_raises(monkeypatch) -> None:
    from covidmeet_ds import taxonomy
    from covidmeet_ds.rules.dates import _DateCues

    data = taxonomy.read_data("dates.yaml")
    data["held_verb"] = data.pop("held_verbs")
    monkeypatch.setattr(taxonomy, "read_data", lambda name: data)
    with pytest.raises(taxonomy.DataFileError, match="held_verb"):
        taxonomy.load_data("dates.yaml", _DateCues)


def test_unknown_time_of_day_in_the_cue_file_raises(monkeypatch) -> None:
    from covidmeet_ds import taxonomy
    from covidmeet_ds.rules.dates import _DateCues

    data = taxonomy.read_data("dates.yaml")
    data["time_of_day"]["午夜"] = "midnight"
    monkeypatch.setattr(taxonomy, "read_data", lambda name: data)
    with pytest.raises(taxonomy.DataFileError, match="time_of_day"):
        taxonomy.load_data("dates.yaml", _DateCues)
