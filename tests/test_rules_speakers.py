"""Speaker rules: the seeds against the gold (with gold meeting spans), general patterns on
invented sentences with invented names, and never raising on arbitrary input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covidmeet_ds.models import Speaker
from covidmeet_ds.rules.meetings import MeetingSpan
from covidmeet_ds.rules.speakers import extract_speakers
from covidmeet_ds.text import to_simplified
from covidmeet_ds.text.normalise import normalise

from .rules_helpers import context, gold_spans, load_seeds

SEEDS = load_seeds()


def _pairs(speakers: list[Speaker]) -> set[tuple[str | None, str]]:
    return {(s.name, role) for s in speakers for role in s.roles}


def _extract(text: str) -> list[Speaker]:
    doc = normalise(text)
    return extract_speakers(context(doc), MeetingSpan(0, len(doc.text), 0, 1, None, None))


def _summary(text: str) -> list[tuple[str | None, list[str], list[str]]]:
    return [(s.name, s.titles, s.roles) for s in _extract(text)]


# --- the seeds ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: s.doc_id)
def test_seed_speakers_match_gold(seed) -> None:
    for span, meeting in zip(gold_spans(seed), seed.gold.meetings, strict=True):
        found = extract_speakers(context(seed.doc), span)
        assert _pairs(found) == _pairs(meeting.speakers), meeting.meeting_id
        gold_titles = {s.name: s.titles for s in meeting.speakers}
        for speaker in found:
            assert speaker.titles == gold_titles[speaker.name]
            quote = speaker.evidence.quote
            assert seed.raw[speaker.evidence.start : speaker.evidence.end] == quote
            if speaker.name:
                assert speaker.name in to_simplified(quote)


def test_seed_micro_f1_reaches_target() -> None:
    tp = fp = fn = 0
    for seed in SEEDS:
        for span, meeting in zip(gold_spans(seed), seed.gold.meetings, strict=True):
            found, gold = (
                _pairs(extract_speakers(context(seed.doc), span)),
                _pairs(meeting.speakers),
            )
            tp, fp, fn = tp + len(found & gold), fp + len(found - gold), fn + len(gold - found)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert 2 * precision * recall / (precision + recall) >= 0.9


def test_speech_text_has_one_unnamed_speaker_and_no_studied_leader() -> None:
    seed = next(
        s for s in SEEDS if any(p.name is None for m in s.gold.meetings for p in m.speakers)
    )
    (speaker,) = extract_speakers(context(seed.doc), gold_spans(seed)[0])
    assert speaker.name is None and speaker.roles == ["spoke"] and speaker.note
    assert "我" in speaker.evidence.quote


def test_branch_venue_attendance_and_later_speech_are_separate_meetings() -> None:
    seed = next(s for s in SEEDS if len(s.gold.meetings) == 2 and s.gold.meetings[0].speakers)
    first, second = (extract_speakers(context(seed.doc), span) for span in gold_spans(seed))
    assert [s.roles for s in first] == [["attended"]]
    # the same person, named bare in the second meeting, keeps the titles of the first mention
    again = next(s for s in second if s.name == first[0].name)
    assert again.roles == ["spoke"] and again.titles == first[0].titles


# --- general patterns on invented text ----------------------------------------------------


def test_titles_split_on_enumeration_comma_and_compound_roles() -> None:
    assert _summary("市委书记、市长赵明远主持会议并讲话。") == [
        ("赵明远", ["市委书记", "市长"], ["presided", "spoke"])
    ]


def test_concatenated_titles_are_split_at_a_new_title() -> None:
    assert _summary("省委书记省长钱立华出席会议。") == [
        ("钱立华", ["省委书记", "省长"], ["attended"])
    ]


def test_leading_group_stays_one_title() -> None:
    assert _summary("市委常委、市疫情防控工作领导小组副组长孙海燕出席会议并讲话。") == [
        ("孙海燕", ["市委常委", "市疫情防控工作领导小组副组长"], ["spoke"])
    ]


def test_passive_presiding() -> None:
    assert _summary("会议由副省长李文杰主持。") == [("李文杰", ["副省长"], ["presided"])]


def test_group_title_is_shared_by_the_list() -> None:
    found = _summary("市领导周建华、吴海涛,区委书记郑晓光在分会场参加会议。")
    assert found == [
        ("周建华", ["市领导"], ["attended"]),
        ("吴海涛", ["市领导"], ["attended"]),
        ("郑晓光", ["区委书记"], ["attended"]),
    ]


def test_group_title_after_deng() -> None:
    found = _summary("冯立新、陈思远等省领导出席会议。")
    assert found == [("冯立新", ["省领导"], ["attended"]), ("陈思远", ["省领导"], ["attended"])]


def test_people_listed_after_the_verb() -> None:
    found = _summary("出席会议的市领导还有褚文龙、卫红梅。")
    assert found == [("褚文龙", ["市领导"], ["attended"]), ("卫红梅", ["市领导"], ["attended"])]


def test_several_people_share_one_verb_across_commas() -> None:
    found = _summary("省委书记蒋志强,省委副书记、省长沈家明出席会议并讲话。")
    assert [(name, roles) for name, _, roles in found] == [
        ("蒋志强", ["spoke"]),
        ("沈家明", ["spoke"]),
    ]


def test_different_verbs_in_one_sentence() -> None:
    found = _summary("会议由市委副书记、市长许文斌主持,市委书记何建军出席并讲话。")
    assert found == [
        ("许文斌", ["市委副书记", "市长"], ["presided"]),
        ("何建军", ["市委书记"], ["spoke"]),
    ]


def test_conveying_a_speech_is_speaking_but_its_author_is_not_a_speaker() -> None:
    (speaker,) = _extract("市委副书记秦志远传达了省委书记朱振华在全省会议上的讲话精神。")
    assert (speaker.name, speaker.roles) == ("秦志远", ["spoke"])
    assert speaker.evidence.quote.endswith("讲话精神")


def test_bare_name_counts_only_when_titled_elsewhere() -> None:
    text = "市委书记韩国栋主持会议。韩国栋强调,要抓紧抓实。会议强调,要加强管理。杨光明指出,要慎重。"
    assert _summary(text) == [("韩国栋", ["市委书记"], ["presided", "spoke"])]


def test_honorific_marks_a_name() -> None:
    assert _summary("朱振华同志主持会议。") == [("朱振华", [], ["presided"])]


def test_adverbials_between_person_and_verb() -> None:
    text = "市长秦志远在讲话中强调,要做好防控。副市长许文斌就下一步工作作出部署。"
    assert _summary(text) == [
        ("秦志远", ["市长"], ["spoke"]),
        ("许文斌", ["副市长"], ["spoke"]),
    ]


def test_passage_limits_the_speakers() -> None:
    text = "市委书记何建军主持会议。第二天,市长吕志刚主持召开另一个会议。"
    doc = normalise(text)
    cut = doc.text.index("第二天")
    first = extract_speakers(context(doc), MeetingSpan(0, cut, 0, 1, None, None))
    second = extract_speakers(
        context(doc), MeetingSpan(cut, len(doc.text), cut, cut + 1, None, None)
    )
    assert [s.name for s in first] == ["何建军"]
    assert [s.name for s in second] == ["吕志刚"]


@pytest.mark.parametrize(
    "text",
    [
        "会议传达学习了施明德总书记重要讲话精神。",
        "施明德总书记强调,要坚持人民至上。",
        "按照省委书记张国强要求,会议部署了工作。",
        "会议指出,日前市委书记孔令华主持召开会议,部署防控工作。",
        "会议强调:日前市委书记孔令华主持召开会议。",
        "相关市领导出席会议。",
        "会议决定,由曹明亮、严文军同志担任领导小组组长。",
        "会议听取了市卫健委关于疫情防控工作的汇报。",
    ],
)
def test_studied_quoted_or_unnamed_people_are_not_speakers(text: str) -> None:
    assert _extract(text) == []


def test_unnamed_speaker_of_a_speech_text() -> None:
    (speaker,) = _extract("同志们:今天召开全市疫情防控工作会议。下面,我讲三点意见。")
    assert speaker.name is None and speaker.roles == ["spoke"] and speaker.note
    assert speaker.evidence.quote == "下面,我讲三点意见"


def test_traditional_script_gives_simplified_labels() -> None:
    (speaker,) = _extract("省委書記、省長華國強主持會議並講話。")
    assert speaker.name == "华国强" and speaker.titles == ["省委书记", "省长"]
    assert speaker.evidence.quote == "省委書記、省長華國強主持會議並講話"


# --- never raise --------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "省委书记",
        "、",
        ",",
        "。",
        "主持会议",
        "并讲话",
        "出席",
        "由",
        "等",
        "在分会场",
        "同志",
        "我",
        "强调",
        "下面,我讲几点",
        "出席会议的有",
        "赵明远",
        "李",
        "x",
        "\n",
        "(lǐ)",
        "參加會議",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(st.one_of(_PIECES, st.text(max_size=6)), max_size=30),
    bounds=st.tuples(st.integers(-5, 400), st.integers(-5, 400)),
)
def test_never_raises(pieces: list[str], bounds: tuple[int, int]) -> None:
    doc = normalise("".join(pieces))
    speakers = extract_speakers(context(doc), MeetingSpan(bounds[0], bounds[1], 0, 0, None, None))
    for speaker in speakers:
        assert isinstance(speaker, Speaker)


# --- the cue file ---


def test_misspelt_key_in_the_cue_file_raises(monkeypatch) -> None:
    from covidmeet_ds import taxonomy
    from covidmeet_ds.rules.speakers import _SpeakerCues

    data = taxonomy.read_data("speakers.yaml")
    data["title_head"] = data.pop("title_heads")
    monkeypatch.setattr(taxonomy, "read_data", lambda name: data)
    with pytest.raises(taxonomy.DataFileError, match="title_head"):
        taxonomy.load_data("speakers.yaml", _SpeakerCues)


def test_misspelt_role_in_the_cue_file_raises(monkeypatch) -> None:
    from covidmeet_ds import taxonomy
    from covidmeet_ds.rules.speakers import _SpeakerCues

    data = taxonomy.read_data("speakers.yaml")
    data["roles"]["presiding"] = data["roles"].pop("presided")
    monkeypatch.setattr(taxonomy, "read_data", lambda name: data)
    with pytest.raises(taxonomy.DataFileError, match="roles"):
        taxonomy.load_data("speakers.yaml", _SpeakerCues)


# --- long title chains, dates before the verb, post-titles, bylines (invented names) ---------


def _held(text: str, held: str) -> list[tuple[str | None, list[str], list[str]]]:
    """Speakers of a meeting whose held clause is ``held`` (its passage runs to the end)."""
    doc = normalise(text)
    start = doc.text.index(normalise(held).text)
    span = MeetingSpan(start, len(doc.text), start, start + len(held), None, None)
    return [(s.name, s.titles, s.roles) for s in extract_speakers(context(doc), span)]


@pytest.mark.parametrize("comma", ["、", "，", ","])
def test_presider_after_a_chain_of_titles_with_a_day_before_the_verb(comma) -> None:
    sep = "、"
    text = (
        f"省委常委{sep}常务副省长{sep}省应对疫情工作领导小组组长方启明26日主持召开领导小组"
        f"会议{comma}部署防控工作。"
    )
    assert _summary(text) == [
        ("方启明", ["省委常委", "常务副省长", "省应对疫情工作领导小组组长"], ["presided"])
    ]


@pytest.mark.parametrize("when", ["今天上午", "3月5日下午", "5号上午", "昨日", "17日晚"])
def test_time_between_name_and_verb_is_not_part_of_the_name(when) -> None:
    text = f"市委书记、市指挥部指挥长林振宇{when}主持召开全市防控调度会。"
    assert _summary(text) == [("林振宇", ["市委书记", "市指挥部指挥长"], ["presided"])]


def test_department_names_with_he_stay_in_the_title() -> None:
    text = "省卫生和计划生育委员会主任邓文博出席会议并讲话。"
    assert _summary(text) == [("邓文博", ["省卫生和计划生育委员会主任"], ["spoke"])]


def test_compound_surname_and_two_character_name_after_titles() -> None:
    assert _summary("县委书记欧阳宁、县长江涛出席会议。") == [
        ("欧阳宁", ["县委书记"], ["attended"]),
        ("江涛", ["县长"], ["attended"]),
    ]


def test_list_ending_with_unnamed_experts_keeps_the_names() -> None:
    text = "指挥部成员严立群、谷晓东、柏远航和有关专家参加会议。"
    assert [name for name, _, _ in _summary(text)] == ["严立群", "谷晓东", "柏远航"]


def test_two_people_joined_by_he() -> None:
    text = "市长秦海波和副市长卢佳出席会议。"
    assert _summary(text) == [
        ("秦海波", ["市长"], ["attended"]),
        ("卢佳", ["副市长"], ["attended"]),
    ]


def test_speech_roles() -> None:
    text = "镇党委书记韦一鸣主持会议。镇长石晓春作部署,镇党委副书记甘明提出要求。"
    assert _summary(text) == [
        ("韦一鸣", ["镇党委书记"], ["presided"]),
        ("石晓春", ["镇长"], ["spoke"]),
        ("甘明", ["镇党委副书记"], ["spoke"]),
    ]


def test_presider_named_with_a_title_after_the_name() -> None:
    text = "2月9日,葛振华书记主持召开区委常委会会议,研究防控工作。"
    assert _held(text, "2月9日,葛振华书记主持召开区委常委会会议") == [("葛振华", [], ["presided"])]


def test_leader_quoted_with_a_title_after_the_name_is_not_a_speaker() -> None:
    text = "市委召开常委会会议。会议指出,要学习贯彻。顾一帆书记强调,要压实责任。"
    assert _held(text, "市委召开常委会会议") == []


@pytest.mark.parametrize("colon", [",", "，", ":", "："])
def test_other_meeting_told_as_content_gives_no_presider(colon) -> None:
    text = (
        f"3日,市长万立平主持召开市防控领导小组会议。会议指出{colon}上周,某某同志主持召开"
        "全省防控工作会议并讲话。1日,邵建军书记主持召开省委常委会会议。"
    )
    assert _held(text, "3日,市长万立平主持召开市防控领导小组会议") == [
        ("万立平", ["市长"], ["presided"])
    ]


def test_presider_named_at_the_end_of_the_passage_still_counts() -> None:
    text = "县委召开疫情防控工作会议。会议强调,要严格落实各项措施。会议由副县长闫丽主持。"
    assert _held(text, "县委召开疫情防控工作会议") == [("闫丽", ["副县长"], ["presided"])]


@pytest.mark.parametrize(
    "byline",
    [
        "本报讯(记者 唐晓 通讯员 池明)",
        "本报讯（记者 唐晓 通讯员 池明）",
        "记者:唐晓 ",
    ],
)
def test_reporters_in_bylines_are_never_speakers(byline) -> None:
    text = f"{byline}3月2日,市委书记霍启东主持召开会议。编辑:柯蓝 责任编辑:骆平"
    assert [name for name, _, _ in _summary(text)] == ["霍启东"]


def test_leader_whose_instructions_are_studied_is_not_a_speaker() -> None:
    text = (
        "区委召开会议,传达学习某某总书记重要讲话精神和省委书记诸葛明批示要求。"
        "区委书记温立平主持会议并讲话。"
    )
    assert [name for name, _, _ in _summary(text)] == ["温立平"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("镇党委书记岩桑主持会议。", "岩桑"),  # a surname outside the list, after a title
        ("副市长、市指挥部副指挥长钭立新主持会议。", "钭立新"),
        ("自治州州长阿布都·热合曼主持会议并讲话。", "阿布都·热合曼"),
        ("旗委书记、旗长巴音朝鲁主持会议。", "巴音朝鲁"),
        ("县长陶建和作具体部署。", "陶建和"),
        ("市委书记、市长戈晓峰到市指挥部主持召开调度会。", "戈晓峰"),
    ],
)
def test_names_after_a_title_need_no_listed_surname(text, name) -> None:
    assert [found for found, _, _ in _summary(text)] == [name]


@pytest.mark.parametrize(
    "text", ["副区长带队参加会议。", "市长本人出席会议。", "市委书记李明亲自主持会议。"]
)
def test_words_after_a_title_that_are_not_names(text) -> None:
    assert [name for name, _, _ in _summary(text) if name not in {"李明"}] == []


# --- names read by their place after a title (names of minorities) ------------------------

HALF_WIDTH = str.maketrans("，；：（）", ",;:()")
WIDTHS = (lambda text: text, lambda text: text.translate(HALF_WIDTH))


@pytest.mark.parametrize("width", WIDTHS, ids=("full", "half"))
def test_long_name_without_a_listed_surname_after_a_title(width) -> None:
    text = width("旗委书记朝鲁门格日主持会议并讲话，旗长方卫东作具体部署。")
    assert _summary(text) == [
        ("朝鲁门格日", ["旗委书记"], ["presided", "spoke"]),
        ("方卫东", ["旗长"], ["spoke"]),
    ]


@pytest.mark.parametrize("width", WIDTHS, ids=("full", "half"))
def test_six_character_name_after_a_title_chain(width) -> None:
    text = width("州委副书记、州长阿不都吉力力出席会议并讲话。")
    assert _summary(text) == [("阿不都吉力力", ["州委副书记", "州长"], ["spoke"])]


@pytest.mark.parametrize("width", WIDTHS, ids=("full", "half"))
def test_name_given_with_a_title_once_is_a_name_when_bare(width) -> None:
    text = width(
        "镇党委书记索朗拉姆、镇长刘建平在分会场参加会议。随后，镇里召开会议，"
        "索朗拉姆主持会议并讲话。索朗拉姆要求，各村要做好排查。"
    )
    assert _summary(text) == [
        ("索朗拉姆", ["镇党委书记"], ["presided", "spoke"]),
        ("刘建平", ["镇长"], ["attended"]),
    ]


def test_bare_long_name_never_titled_is_nobody() -> None:
    assert _summary("索朗拉姆主持会议并讲话。") == []


@pytest.mark.parametrize(
    "text",
    [
        "县长围绕春耕生产作部署。",
        "市长远程视频参加会议，",
        "区委书记逐一点评作讲话。",
        "局长带队检查工作汇报，",
    ],
)
def test_phrases_after_a_title_are_not_long_names(text) -> None:
    assert _summary(text) == []
    assert _summary(text.translate(HALF_WIDTH)) == []


@pytest.mark.parametrize("width", WIDTHS, ids=("full", "half"))
def test_time_after_a_name_is_not_part_of_a_long_name(width) -> None:
    text = width("市委书记包乌恩今天上午主持会议，")
    assert _summary(text) == [("包乌恩", ["市委书记"], ["presided"])]
    text = width("市委书记巴图达来今天主持会议，")
    assert _summary(text) == [("巴图达来", ["市委书记"], ["presided"])]
