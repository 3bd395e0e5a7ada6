"""Is a page a report of a COVID-19 prevention meeting held by a Chinese party or government body?

The filter in front of the crawl (``covidmeet-ds crawl``). A page is kept when it describes at
least one meeting (:func:`.meetings.segment`) that is domestic, whose convening body has an
administrative level (:func:`.levels.extract_level`), and that is a *prevention* meeting: a
meeting held to work on the epidemic, not a meeting about other work that mentions it. A
report that mentions a leader's instruction (批示, 指示) or a circular is kept all the same when
it reports such a meeting. Otherwise the page is dropped with the first reason that applies,
cheapest test first:

``no_text``             fewer Han characters than a short news item;
``not_epidemic``        no epidemic word anywhere in the raw page (checked before normalising),
                        or none in the passage of any meeting the page describes;
``international``       the meetings reported are international summits or forums;
``not_government``      the meetings reported are held by a company, school, hospital …, or
                        by a body whose administrative level the rules cannot establish;
``other_topic``         the meetings reported are held by a governing body about other work
                        (the economy, spring farming, a plan) and mention the epidemic only
                        in passing;
``press_conference``    no meeting held, but a press conference or briefing;
``inspection``          no meeting held; the report leads with a leader's inspection visit;
``written_instruction`` no meeting held, but a leader's written instruction or a circular;
``meeting_mentioned``   no meeting held; the report only refers to a meeting (传达学习会议精神,
                        某会议召开后,各地…);
``no_meeting``          no sentence reports a meeting being held.

Is a meeting a prevention meeting? In this order (see :func:`is_prevention_meeting`):

1. its name or convener names prevention work (疫情防控工作会议, 应对疫情工作领导小组会议,
   联防联控机制, 防控指挥部; a bare 领导小组会议 is the group named in the presider's title
   chain) → yes;
2. a session numbered by term and sitting (…届…次会议) whose name does not → no;
3. its stated purpose, the clauses that follow its held clause (召开会议,研究部署…;
   分析…形势;听取…汇报) or open the next sentence with the meeting (会议传达…,研究…): if
   one names prevention work → yes; if some state a purpose and none names prevention work
   (审议《…》, 部署春季农业生产) → no;
4. without a stated purpose, the passage decides: it is a prevention meeting when at least
   :data:`PREVENTION_SHARE` of its sentences speak of the epidemic.

A name or purpose that names prevention only as one side of balancing it with other work
(统筹疫情防控和经济社会发展) states neither; it falls through to the next test.

Cue words are data (``data/reports.yaml``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from itertools import islice
from typing import Literal, get_args

from ..taxonomy import DataFile, load_data
from ..text import to_traditional
from ..text.normalise import NormalisedText
from ..text.patterns import alternation, scanning
from ..text.punctuation import SENTENCE_BREAKS
from .context import ReportContext
from .levels import extract_level
from .meetings import MeetingSpan

DATA = ("reports.yaml",)

DropReason = Literal[
    "no_text",
    "not_epidemic",
    "international",
    "not_government",
    "other_topic",
    "press_conference",
    "inspection",
    "written_instruction",
    "meeting_mentioned",
    "no_meeting",
]
DROP_REASONS: tuple[str, ...] = get_args(DropReason)
"""Every reason, in the order the filter tests them."""

PREVENTION_SHARE = 0.5
"""The share of a passage's sentences that must speak of the epidemic for a meeting that states
no purpose to count as a prevention meeting. A prevention meeting's passage is about the epidemic
sentence after sentence (its directives are prevention measures); a meeting about other work
brings the epidemic in as background (统筹疫情防控和…, 受疫情影响) in a few of its sentences.
Half keeps the two apart with a margin on both sides on the development set (prevention
passages about 0.55 and up, other work about 0.35 and below)."""

_MIN_SENTENCE = 6
"""Sentences shorter than this (headings, datelines, 会议指出) do not count in the share."""

_HAN = re.compile(r"[\u4e00-\u9fff]")
_HELD_VERB = re.compile(r"召开|举行|出席")
_MEETING_WORD = re.compile(r"会议|峰会|论坛|发布会|记者会|吹风会|通气会")
_SENTENCE_END = re.compile(f"[{re.escape(SENTENCE_BREAKS)}]")
_STATEMENT_END = re.compile(r"[。!?\n]")
"""A purpose statement runs to the end of the sentence: ';' separates the purposes it lists."""
_CLAUSE_BREAK = re.compile(r"[,;:]")
_BARE_NAME = re.compile(r"(?P<body>[^\W\d_]{2,6}?)(?:全体|专题|扩大)?会议$")
"""A meeting name that is only a body word (领导小组会议, 指挥部全体会议)."""
_SESSION = re.compile(r"届[^,;。]{0,20}?次")
"""A session numbered by term and sitting (十三届全国人大三次会议, 第十届委员会第五次主席会议):
a people's congress, a CPPCC or a party committee in plenary session holds to its statutory
agenda; unless its name names prevention, the epidemic is background there."""
_MENTIONED_AFTER = re.compile(r"(?:以)?(?:之?后|以来|结束后)")
"""What follows a held clause that only sets the time of something else (会议召开后)."""
_LEAD_SENTENCES = 2
"""How many sentences of the body may carry an inspection visit's lead."""


class _CueFile(DataFile):
    """``data/reports.yaml``."""

    min_han_characters: int
    epidemic: tuple[str, ...]
    covid: tuple[str, ...]
    other_diseases: tuple[str, ...]
    prevention_body: tuple[str, ...]
    prevention_work: tuple[str, ...]
    epidemic_work: tuple[str, ...]
    epidemic_measures: tuple[str, ...]
    balancing: tuple[str, ...]
    purpose_verbs: tuple[str, ...]
    purpose_adverbs: tuple[str, ...]
    transmission_verbs: tuple[str, ...]
    implementation_words: tuple[str, ...]
    implementation_objects: tuple[str, ...]
    international: tuple[str, ...]
    press_conference: tuple[str, ...]
    inspection: tuple[str, ...]
    inspection_travel: tuple[str, ...]
    instruction: tuple[str, ...]
    meeting_mentioned: tuple[str, ...]
    non_government: tuple[str, ...]


@dataclass(frozen=True)
class _Cues:
    min_han: int
    epidemic: re.Pattern[str]
    epidemic_any_script: re.Pattern[str]
    covid: re.Pattern[str]
    other_disease: re.Pattern[str]
    prevention_body: re.Pattern[str]
    prevention_work: re.Pattern[str]
    epidemic_work: re.Pattern[str]
    balancing: re.Pattern[str]
    epidemic_sentence: re.Pattern[str]
    purpose: _PurposePatterns
    transmission: re.Pattern[str]
    refers_back: re.Pattern[str]
    agenda_sentence: re.Pattern[str]
    international: re.Pattern[str]
    press_conference: re.Pattern[str]
    inspection: re.Pattern[str]
    instruction: re.Pattern[str]
    meeting_mentioned: re.Pattern[str]
    non_government: re.Pattern[str]


def _cue_pattern(words: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    return re.compile(scanning(alternation(words)))


@dataclass(frozen=True)
class _PurposePatterns:
    """A clause that states what the meeting is for: the object is what it names
    (研究部署|全市疫情防控工作; 对|恢复交通秩序工作|进行部署; 主要议题是|学习…). A purpose may
    also follow 会议 inside the clause (召开会议专题研究…).

    As one pattern, ``(?:[^,;:。]*?会议(?:上|中)?)?`` + ``statement``, a clause with many 会议
    and 对 but no closing verb was read to its end from each of them (quadratic); the places
    the lead may end are tried in Python, in the pattern's order, and the form with a topic
    (对…进行部署) only where a closing verb can still follow (``topic_end``)."""

    statement: re.Pattern[str]
    """The purpose in one of its forms, after the lead."""
    statement_without_topic: re.Pattern[str]
    """The same without the form 对…进行部署 (where no closing verb follows)."""
    topic_end: re.Pattern[str]
    """What closes the form with a topic (进行部署)."""


def _purpose_patterns(data: _CueFile) -> _PurposePatterns:
    adverbs = f"(?:{alternation(data.purpose_adverbs)})*"
    verbs = f"(?:{alternation(data.purpose_verbs)})+了?"
    named = rf"{verbs}(?P<object>.*)"
    topic_end = rf"(?:进行|作出|作)了?{adverbs}{verbs}"
    topic = rf"(?:对|就|围绕)(?P<topic>.+?){topic_end}"
    agenda = r"(?:主要)?(?:议题|主题)(?:是|为)(?P<agenda>.*)"
    return _PurposePatterns(
        statement=re.compile(rf"{adverbs}(?:{named}|{topic}|{agenda})"),
        statement_without_topic=re.compile(rf"{adverbs}(?:{named}|{agenda})"),
        topic_end=re.compile(topic_end),
    )


_TOPIC_END_START = re.compile("[进作]")
_LEAD_STOP = re.compile("[,;:。]")


def _lead_ends(clause: str) -> Iterator[int]:
    """Where ``(?:[^,;:。]*?会议(?:上|中)?)?`` can end, in the order it tries them: after each
    会议 (with 上 or 中 first), then the clause's start (no lead)."""
    stop = _LEAD_STOP.search(clause)
    limit = stop.start() if stop else len(clause)
    at = clause.find("会议", 0, limit + 2)
    while at >= 0:
        end = at + 2
        if clause.startswith(("上", "中"), end):
            yield end + 1
        yield end
        at = clause.find("会议", end, limit + 2)
    yield 0


def _purpose(clause: str) -> str | None:
    """What the clause states the meeting is for, if it states it."""
    patterns = _cues().purpose
    starts = [m.start() for m in _TOPIC_END_START.finditer(clause)]
    last_topic_end = next(
        (start for start in reversed(starts) if patterns.topic_end.match(clause, start)), -1
    )
    for start in _lead_ends(clause):
        # 对 and one character of topic at least come before the closing verb
        topical = last_topic_end >= start + 2
        pattern = patterns.statement if topical else patterns.statement_without_topic
        match = pattern.match(clause, start)
        if match:
            return next(group for group in match.groups() if group is not None)
    return None


def _transmission_pattern(data: _CueFile) -> re.Pattern[str]:
    """A clause that passes on what others decided (传达学习…精神, 会议传达了…部署要求): what
    it names is the instruction transmitted, not the meeting's own purpose."""
    adverbs = f"(?:{alternation(data.purpose_adverbs)})*"
    verbs = f"(?:{alternation(data.transmission_verbs)})+了?"
    return re.compile(rf"(?:[^,;:。]*?会议(?:上|中)?)?{adverbs}{verbs}")


def _refers_back_pattern(data: _CueFile) -> re.Pattern[str]:
    """A purpose object that only refers back to what was transmitted (我省贯彻落实措施)."""
    words = alternation(data.implementation_words)
    objects = alternation(data.implementation_objects)
    # possessive: 贯彻落实 is one word or two, and backtracking over every split of a run of
    # them was exponential; no word starts like what may follow the run (的, 具体, an object)
    return re.compile(rf"[^,;:。]{{0,8}}?(?:{words})++(?:的|具体)*(?:{objects})*$")


@cache
def _cues() -> _Cues:
    data = load_data("reports.yaml", _CueFile)
    epidemic = list(data.epidemic)
    adverbs = alternation(data.purpose_adverbs)
    agenda_verbs = alternation((*data.purpose_verbs, *data.transmission_verbs))
    travel, inspection = alternation(data.inspection_travel), alternation(data.inspection)
    return _Cues(
        min_han=data.min_han_characters,
        epidemic=_cue_pattern(epidemic),
        epidemic_any_script=_cue_pattern(epidemic + [to_traditional(w) for w in epidemic]),
        covid=_cue_pattern(data.covid),
        other_disease=_cue_pattern(data.other_diseases),
        prevention_body=_cue_pattern(data.prevention_body),
        prevention_work=_cue_pattern(data.prevention_work),
        epidemic_work=_cue_pattern(data.epidemic_work),
        balancing=_cue_pattern(data.balancing),
        epidemic_sentence=_cue_pattern(
            (
                *data.epidemic,
                *data.prevention_body,
                *data.prevention_work,
                *data.epidemic_work,
                *data.epidemic_measures,
            )
        ),
        purpose=_purpose_patterns(data),
        transmission=_transmission_pattern(data),
        refers_back=_refers_back_pattern(data),
        agenda_sentence=re.compile(rf"会议(?:{adverbs})*(?:{agenda_verbs})"),
        international=_cue_pattern(data.international),
        press_conference=_cue_pattern(data.press_conference),
        inspection=re.compile(rf"(?:{travel})[^。;!?]{{0,30}}?(?:{inspection})"),
        instruction=_cue_pattern(data.instruction),
        meeting_mentioned=_cue_pattern(data.meeting_mentioned),
        non_government=re.compile(rf"(?:{alternation(data.non_government)})(?:召开|举行)"),
    )


def prefilter(raw: str) -> DropReason | None:
    """The reason to drop a raw page without normalising it, if there is one (cheap)."""
    cues = _cues()
    if not _has_han(raw, cues.min_han):
        return "no_text"
    if cues.epidemic_any_script.search(raw) is None:
        return "not_epidemic"
    return None


def _has_han(text: str, count: int) -> bool:
    """At least ``count`` Han characters (stops counting there)."""
    return sum(1 for _ in islice(_HAN.finditer(text), count)) >= count


# --- is this meeting a prevention meeting? -------------------------------------------------------


def names_prevention(phrase: str, context: str | None = None) -> bool:
    """Whether a name or purpose names epidemic prevention work: a prevention body; a
    prevention word with an epidemic word in ``context`` (the phrase itself by default); or an
    epidemic-work word with an epidemic word in the phrase itself. Not when the phrase names
    prevention only as one side of balancing it with other work."""
    cues = _cues()
    if cues.prevention_body.search(phrase):
        return not _balances(phrase, cues.prevention_body)
    epidemic_here = cues.epidemic.search(phrase) is not None
    if cues.prevention_work.search(phrase):
        named = epidemic_here or cues.epidemic.search(context or phrase) is not None
    else:
        named = epidemic_here and cues.epidemic_work.search(phrase) is not None
    return named and not _balances(phrase, cues.epidemic if epidemic_here else cues.prevention_work)


def _balances(phrase: str, cue: re.Pattern[str]) -> bool:
    """A balancing word (统筹, 兼顾, 结合) before every cue of the phrase (and there is one)."""
    balance = _cues().balancing.search(phrase)
    hits = [hit.start() for hit in cue.finditer(phrase)]
    return balance is not None and bool(hits) and all(hit > balance.start() for hit in hits)


def _names(text: str, span: MeetingSpan) -> Iterator[str]:
    """The meeting's name and convener, and the part of the held clause that writes them: after
    the held verb (县委召开…会议, 主持召开…会议), or before it when only that part names a
    meeting (…调度会在某地召开). Not a presider's title chain (…指挥长某某主持召开…)."""
    yield from (part for part in (span.convener, span.name) if part)
    held = text[span.held_start : span.held_end]
    verb = _HELD_VERB.search(held)
    if verb is None:
        yield held
        return
    after = held[verb.end() :]
    if "会" not in after:
        yield held[: verb.start()]
        return
    yield after
    referred = _bare_body(after, held[: verb.start()])
    if referred:
        yield referred


def _bare_body(name: str, before: str) -> str | None:
    """The body a bare meeting name refers back to: 主持召开领导小组会议 after a title chain
    that names …疫情工作领导小组组长 means that group. The title of the chain (between 、 or ,)
    that holds the name's body word, if there is one."""
    stem = _BARE_NAME.match(name)
    if stem is None:
        return None
    at = before.rfind(stem.group("body"))
    if at < 0:
        return None
    start = max(before.rfind(mark, 0, at) for mark in "、,") + 1
    end = min((i for i in (before.find(m, at) for m in "、,") if i >= 0), default=len(before))
    return before[start:end]


def _statement(text: str, span: MeetingSpan) -> str:
    """The sentences that may state the meeting's purpose: the rest of the held sentence, and
    the next sentence when it opens with the meeting's agenda (会议传达…,研究…)."""
    end = _STATEMENT_END.search(text, span.held_start, span.end)
    first_end = end.start() if end else span.end
    statement = text[span.held_start : first_end]
    following = first_end + 1
    if following < span.end and _cues().agenda_sentence.match(text, following):
        end = _STATEMENT_END.search(text, following, span.end)
        statement += "。" + text[following : end.start() if end else span.end]
    return statement


def _purposes(statement: str) -> Iterator[str]:
    """What each purpose clause of the statement names (its object). A clause that transmits
    others' instructions (传达学习…部署要求) states no purpose of the meeting's own."""
    cues = _cues()
    for clause in _CLAUSE_BREAK.split(statement.replace("。", ";")):
        if cues.transmission.match(clause):
            continue
        purpose = _purpose(clause)
        if purpose is not None:
            yield purpose


def _states_own_topic(purpose: str) -> bool:
    """Not a purpose that only refers back (研究我省贯彻落实措施), nor one that names
    prevention only as one side of balancing it with other work."""
    cues = _cues()
    return cues.refers_back.match(purpose) is None and not _balances(purpose, cues.epidemic)


def _disease(phrase: str) -> Literal["covid", "other"] | None:
    """Which epidemic a name or purpose is about: COVID-19 when it names it or says an epidemic
    word before any other disease (疫情防控和禽流感防控); another disease when it names one and
    not COVID-19 (非洲猪瘟疫情防控, 动物防疫); None when it names no epidemic."""
    cues = _cues()
    if cues.covid.search(phrase):
        return "covid"
    other = cues.other_disease.search(phrase)
    if other is None:
        return "covid" if cues.epidemic.search(phrase) else None
    return "covid" if cues.epidemic.search(phrase, 0, other.start()) else "other"


def _about_other_disease(text: str, span: MeetingSpan) -> bool:
    """The meeting's name, or else its stated purposes, name another epidemic and not COVID-19."""
    names = list(_names(text, span))
    for phrases in (names, list(_purposes(_statement(text, span)))):
        diseases = {_disease(phrase) for phrase in phrases}
        if "covid" in diseases:
            return False
        if "other" in diseases:
            return True
    return False


def _epidemic_share(text: str, span: MeetingSpan) -> float:
    """The share of the passage's sentences that speak of the epidemic."""
    sentences = [
        s for s in _SENTENCE_END.split(text[span.start : span.end]) if len(s) >= _MIN_SENTENCE
    ]
    if not sentences:
        return 0.0
    sentence_cue = _cues().epidemic_sentence
    return sum(1 for s in sentences if sentence_cue.search(s)) / len(sentences)


def is_prevention_meeting(doc: NormalisedText, span: MeetingSpan) -> bool:
    """Whether the meeting is held to work on the epidemic (see the module's docstring)."""
    text = doc.text
    names = list(_names(text, span))
    if any(names_prevention(name) for name in names):
        return True
    if any(_SESSION.search(name) for name in names):
        return False
    statement = _statement(text, span)
    stated = [purpose for purpose in _purposes(statement) if _states_own_topic(purpose)]
    if stated:
        return any(names_prevention(purpose, statement) for purpose in stated)
    return _epidemic_share(text, span) >= PREVENTION_SHARE


# --- why a report with no meeting of a governing body is dropped ---------------------------------


def _held_sentences(text: str) -> Iterator[str]:
    """Sentences that report some meeting held, by whoever (the segmenter wants a body), each
    once however many verbs it holds. The search for a sentence's start stops at the end of the
    sentence before (reading back to the text's start for each verb was quadratic)."""
    floor = 0
    for verb in _HELD_VERB.finditer(text):
        if verb.start() < floor:
            continue  # in the sentence already read
        start = max(text.rfind(mark, floor, verb.start()) for mark in SENTENCE_BREAKS) + 1
        end = _SENTENCE_END.search(text, verb.end())
        floor = end.start() if end else len(text)
        sentence = text[start:floor]
        if _MEETING_WORD.search(sentence):
            yield sentence


def _lead(text: str) -> str:
    """The first sentences of the body (a report's lead)."""
    ends = list(islice(_SENTENCE_END.finditer(text), _LEAD_SENTENCES))
    return text[: ends[-1].end()] if ends else text


def _leads_with_inspection(text: str) -> bool:
    """The lead reports a visit to inspect (到某地调研, 赴某区督导检查), before any meeting it
    may report held (…调研,并主持召开座谈会), not after (召开会议,听取赴各地督导的汇报)."""
    lead = _lead(text)
    visit = _cues().inspection.search(lead)
    if visit is None:
        return False
    held = _HELD_VERB.search(lead)
    return held is None or visit.start() < held.start()


def _why_no_meeting(text: str) -> DropReason:
    """No meeting of a governing body: is there another kind of meeting, or an instruction?"""
    cues = _cues()
    held = list(_held_sentences(text))
    if any(cues.international.search(sentence) for sentence in held):
        return "international"
    if any(cues.non_government.search(sentence) for sentence in held):
        return "not_government"
    if any(cues.press_conference.search(sentence) for sentence in held):
        return "press_conference"
    if _leads_with_inspection(text):
        return "inspection"
    if cues.instruction.search(text):
        return "written_instruction"
    if cues.meeting_mentioned.search(text):
        return "meeting_mentioned"
    return "no_meeting"


def _only_mentioned(doc: NormalisedText, span: MeetingSpan) -> bool:
    """The held clause is the background of what the report tells (…会议召开后,各地传达学习
    会议精神): the meeting is mentioned, not reported."""
    return _MENTIONED_AFTER.match(doc.text, span.held_end) is not None


def _is_international(doc: NormalisedText, span: MeetingSpan) -> bool:
    held = doc.text[span.held_start : span.held_end]
    return _cues().international.search(held) is not None


_MEETING_STAGES: tuple[DropReason, ...] = (
    "meeting_mentioned",
    "international",
    "not_government",
    "not_epidemic",
    "other_topic",
)
"""The reasons a meeting the report describes is not a prevention meeting, in the order tested."""


def meeting_drop_reason(ctx: ReportContext, span: MeetingSpan) -> DropReason | None:
    """Why this meeting is not a COVID-19 prevention meeting of a Chinese party or government
    body (one of ``_MEETING_STAGES``), or None when it is one."""
    doc = ctx.doc
    if _only_mentioned(doc, span):
        return "meeting_mentioned"
    if _is_international(doc, span):
        return "international"
    if ctx.memo(("level", span), lambda: extract_level(ctx, span)) is None:
        return "not_government"
    if _cues().epidemic.search(doc.text, span.start, span.end) is None or _about_other_disease(
        doc.text, span
    ):
        return "not_epidemic"
    return None if is_prevention_meeting(doc, span) else "other_topic"


def prevention_meetings(ctx: ReportContext) -> tuple[MeetingSpan, ...]:
    """The meetings of the report that are prevention meetings: the ones annotated."""
    return tuple(span for span in ctx.meetings if meeting_drop_reason(ctx, span) is None)


def classify(ctx: ReportContext) -> DropReason | None:
    """Why the report is not one of a COVID-19 prevention meeting held by a Chinese party or
    government body, or None to keep it. With several meetings and none kept, the reason is the
    one of the meeting that came furthest through the tests."""
    cues = _cues()
    doc = ctx.doc
    if not _has_han(doc.text, cues.min_han):
        return "no_text"
    if cues.epidemic.search(doc.text) is None:
        return "not_epidemic"
    if not ctx.meetings:
        return _why_no_meeting(doc.text)
    reasons = [meeting_drop_reason(ctx, span) for span in ctx.meetings]
    if None in reasons:
        return None
    return max((r for r in reasons if r is not None), key=_MEETING_STAGES.index)


__all__ = [
    "DATA",
    "DROP_REASONS",
    "PREVENTION_SHARE",
    "DropReason",
    "classify",
    "is_prevention_meeting",
    "meeting_drop_reason",
    "names_prevention",
    "prefilter",
    "prevention_meetings",
]
