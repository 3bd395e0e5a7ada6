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
