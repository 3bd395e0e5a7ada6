"""Segment a report into the meetings it describes.

A meeting is *described* when a clause of the body reports it being held, in any of the ways
reports write that:

- a convener, a person with any chain of titles, or a place opens the clause, then (after a
  date, a place and adverbs) a convening verb and the meeting's name: 省委常委会召开扩大会议,
  县委书记某某主持召开专题会议, 我区紧急召开调度会, 国务院举行全体会议;
- the meeting's name opens the clause and a convening verb closes it: …会议X日在某地召开,
  会议以视频形式召开, X日,…推进会召开;
- someone presides over, attends or watches a named meeting: 某某主持领导小组会议,
  某某出席全国…电视电话会议 (a bare 会议 after them is the meeting already reported);
- a meeting held right after another: 在随后召开的…会议上 (a relative clause counts only in this
  form), or a body issuing requirements after a meeting: 会议结束后,某委就…提出…要求.

Datelines before the first sentence (本报讯(记者 …), 某某日报讯, 新华社…电, 某某网消息:) are not
part of the held clause. A meeting is only *mentioned* — and not counted — when its clause is
a plan or a rule (要定期召开, 将于…召开, 关于召开), the object of something else (祝贺…成功召开),
the source of what is studied (传达学习…召开的…会议精神, 贯彻…会议部署), or inside what someone
said (a paragraph in which 会议指出, / 某某强调, came before, unless the sentence opens with
随后, 会后 …). Headings and headline lists have no sentence punctuation and never count. A
report that is itself a speech describes only the meeting it was given at.

Each meeting's passage runs from its held clause to the next meeting's (or the end). A clause
with a bare 会议 and no convener belongs to the meeting already found, unless it opens with a
sequence marker; a name already found is the same meeting.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from functools import cache

from ..taxonomy import DataFile, load_data
from ..text.normalise import NormalisedText
from ..text.patterns import alternation
from ..text.punctuation import SENTENCE_BREAKS


@dataclass(frozen=True)
class MeetingSpan:
    """One meeting's share of the normalised text (offsets into ``NormalisedText.text``)."""

    start: int
    """Where the meeting's passage starts (the clause that reports it held)."""
    end: int
    """Where it ends: the start of the next meeting's passage, or the end of the body. A
    meeting recalled as held earlier has its paragraph only, inside the passage of the
    meeting the report is about."""
    held_start: int
    """The clause that reports the meeting being held (本次会议召开的句子), start …"""
    held_end: int
    """… and end; it becomes the meeting's evidence."""
    name: str | None
    """The meeting's name as written (…会议, …调度会), if the held clause gives one."""
    convener: str | None
    """The body that held it as written (国务院, 省委常委会), if the held clause gives one."""


class _MeetingCues(DataFile):
    body_suffixes: tuple[str, ...]
    generic_names: tuple[str, ...]
    meeting_nouns: tuple[str, ...]
    convene_verbs: tuple[str, ...]
    passive_verbs: tuple[str, ...]
    attend_verbs: tuple[str, ...]
    manner_words: tuple[str, ...]
    manner_phrases: tuple[str, ...]
    sequence_markers: tuple[str, ...]
    speech_verbs: tuple[str, ...]
    modal_words: tuple[str, ...]
    topic_verbs: tuple[str, ...]
    plan_words: tuple[str, ...]
    speech_title_ending: str
    speech_markers: tuple[str, ...]
    study_verbs: tuple[str, ...]
    study_objects: tuple[str, ...]
    news_outlet_endings: tuple[str, ...]
    dateline_words: tuple[str, ...]
    byline_roles: tuple[str, ...]
    byline_closers: tuple[str, ...]
    recall_openers: tuple[str, ...]


@dataclass(frozen=True)
class _Patterns:
    anchor: re.Pattern[str]
    """Every verb a held clause can turn on (召开, 举行, 主持, 出席 …) and 提出 (follow-ups)."""
    convene: frozenset[str]
    passive: frozenset[str]
    attend: frozenset[str]
    name_after: re.Pattern[str]
    """A meeting's name right after a verb (召开[了]全市…推进会)."""
    name_extension: re.Pattern[str]
    """What may follow a name and still belong to it (常委会(扩大)会议)."""
    ends_in_name: re.Pattern[str]
    """A clause (date, place and manner stripped) that ends in a meeting's name."""
    passive_end: re.Pattern[str]
    """Right after a passive verb: the clause ends (…会议在京召开, / 召开。/ 召开并…)."""
    pre_tail: re.Pattern[str]
    """What sits between a convener and its verb: dates, places, adverbs (X日在京紧急)."""
    mid_tail: re.Pattern[str]
    """What sits between a meeting's name and a passive verb (X日在京以视频形式)."""
    lead: re.Pattern[str]
    """What opens a clause before its subject: dates, times, sequence markers."""
    sequence: re.Pattern[str]
    modal_end: re.Pattern[str]
    topic_verb: re.Pattern[str]
    plan_word: re.Pattern[str]
    speech: re.Pattern[str]
    """A report that is itself a speech: its title, or how it addresses the audience."""
    study_verb: re.Pattern[str]
    study_object: re.Pattern[str]
    body_end: re.Pattern[str]
    generic: re.Pattern[str]
    dateline: re.Pattern[str]
    lead_in: re.Pattern[str]
    """A sentence that quotes someone: 会议指出, / 某某在讲话中强调:."""
    speech_verb: re.Pattern[str]
    """The verb and punctuation every ``lead_in`` ends with (a cheap test before it)."""
    follow_up: re.Pattern[str]
    recall_opener: re.Pattern[str]


@cache
def _cues() -> _MeetingCues:
    return load_data("meetings.yaml", _MeetingCues)


_DAY = r"\d{1,2}(?:日|号)"
_DATE = (
    rf"(?:(?:\d{{4}}年)?\d{{1,2}}月{_DAY}(?:(?:至|到|-){_DAY})?|{_DAY}(?:(?:至|到|-){_DAY})?"
    r"|\d{1,2}月[xX]{1,2}日|[xX]{1,2}日|今天|今日|昨天|昨日|前天|明天|明日|当天|当日|当晚|日前|近日|[本上下]周.?|[本下]月)"
)
_TIME = r"(?:上午|下午|晚上|晚间|晚|早上|中午|凌晨|傍晚|\d{1,2}(?:时|点)(?:\d{1,2}分|半)?)"
_WHEN = rf"(?:{_DATE}(?:\({_DATE}\))?{_TIME}*|{_TIME}+)"
_CLAUSE = r"[^,。;!?:\s\"“”]"
"""A character inside one clause."""
_NAME_PART = rf"(?:{_CLAUSE}|“[^“”,。\n]{{1,20}}”|\"[^\",。\n]{{1,20}}\")"
"""A character of a meeting's name, or a phrase it quotes (“外防输入”疫情防控工作部署会)."""
_BREAKS = SENTENCE_BREAKS
"""After these a sentence starts (whitespace too, outside parentheses)."""
_WINDOW = 200
"""How far back from its verb a held clause may start."""
_LONG = 120
"""A held clause longer than this starts at its last comma, not at its sentence's start."""
_LEAD_IN_PREFIX = 40
"""How many characters a lead-in may have before its speech verb (某某在讲话中强调:)."""


@cache
def _patterns() -> _Patterns:
    cues = _cues()
    nouns = alternation(cues.meeting_nouns)
    body = alternation(cues.body_suffixes)
    place = rf"(?:在{_CLAUSE}{{1,15}}?)"
    manner = alternation(cues.manner_words)
    phrase = rf"(?:{alternation(cues.manner_phrases)}){_CLAUSE}{{0,8}}?(?:形式|方式)"
    held_words = alternation({*cues.convene_verbs, *cues.attend_verbs, "提出"} - {""})
    outlet = alternation(cues.news_outlet_endings)
    roles = alternation(cues.byline_roles)
    byline = rf"\((?:{roles})[^()\n]{{0,40}}\)"
    plain_byline = (
        rf"(?:{roles})[^,。:()\n]{{1,20}}?(?:{alternation(cues.byline_closers)})(?=[\s:])"
    )
    dateline = (
        rf"(?:{byline}|{plain_byline}"
        rf"|[^\s,。:()]{{0,12}}?(?:{outlet})讯[】\]]?(?:\([^()\n]{{0,40}}\))?"
        rf"|[^\s,。:()]{{1,20}}?\d{{1,2}}月{_DAY}电(?:\([^()\n]{{0,40}}\))?"
        rf"|[^\s,。:()]{{1,12}}?消息(?:\([^()\n]{{0,20}}\))?(?=:)"
        r")[\s:]*"
    )
    speech = alternation(cues.speech_verbs)
    return _Patterns(
        anchor=re.compile(held_words),
        convene=frozenset(cues.convene_verbs),
        passive=frozenset(cues.passive_verbs),
        attend=frozenset(cues.attend_verbs),
        name_after=re.compile(rf"了?(?P<name>{_NAME_PART}{{0,40}}?(?:{nouns}))(?![议会])"),
        name_extension=re.compile(r"(?:\([^()\n]{1,6}\))?(?:扩大|全体)?会议"),
        ends_in_name=re.compile(rf"(?:{nouns})(?:\([^()\n]{{1,6}}\))?$"),
        passive_end=re.compile(r"了?(?:[,。;!?:\s]|并|$)"),
        pre_tail=re.compile(rf"(?:{_WHEN}|{place}|{manner}|{phrase}|,)+$"),
        mid_tail=re.compile(
            rf"(?:{_WHEN}|{place}|{phrase}|于|在京|隆重|顺利|正式|如期|视频|线上|{manner})+$"
        ),
        lead=re.compile(
            rf"^(?:(?:{alternation(cues.sequence_markers)}|{_WHEN}|{place}|据悉|近期)[,\s]*)+"
        ),
        sequence=re.compile(rf"(?:在|,)?(?:{alternation(cues.sequence_markers)})"),
        modal_end=re.compile(rf"(?:{alternation(cues.modal_words)})(?:{manner})*$"),
        topic_verb=re.compile(alternation(cues.topic_verbs)),
        plan_word=re.compile(alternation(cues.plan_words)),
        speech=re.compile(
            rf"{re.escape(cues.speech_title_ending)}\s*(?:\n|$)"
            rf"|(?:^|\n)\s*(?:{alternation(cues.speech_markers)})"
        ),
        study_verb=re.compile(alternation(cues.study_verbs)),
        study_object=re.compile(rf"^(?:{alternation(cues.study_objects)})"),
        body_end=re.compile(rf"(?:{body})$"),
        generic=re.compile(rf"^(?:{alternation(cues.generic_names)})$"),
        dateline=re.compile(dateline),
        lead_in=re.compile(
            rf"(?:^|(?<=[{_BREAKS}\s]))[^。;!?\s]{{0,{_LEAD_IN_PREFIX}}}?(?:{speech})[,:]"
        ),
        speech_verb=re.compile(rf"(?:{speech})[,:]"),
        follow_up=re.compile(
            rf"{_CLAUSE}{{0,20}}?(?:会议)?(?:结束后|后),?(?P<convener>{_CLAUSE}{{0,30}}?(?:{body}))"
            r"(?:就|对|围绕)[^。!?\n]{0,120}?提出[^。!?\n,]{0,8}?要求"
        ),
        recall_opener=re.compile(rf"\s*(?:{alternation(cues.recall_openers)})"),
    )


@dataclass(frozen=True)
class _Held:
    """One clause that reports a meeting held (offsets into the normalised text)."""

    start: int
    end: int
    name: str | None
    convener: str | None
    opens_sequence: bool
    """The sentence opens with 随后, 会后 …: a further meeting even when unnamed."""


class _Lines:
    """The lines of a text, and what the held clauses ask of the line they stand in: whether it
    has sentence punctuation, and where someone's words first open in it (会议指出,).

    Each is worked out once per line, and a line is found by bisection: asked again at each of
    many verbs on one long line, reading the line from its start each time was quadratic."""

    def __init__(self, text: str):
        self.text = text
        self.breaks = [match.start() for match in _NEWLINE.finditer(text)]
        self._punctuated: dict[int, bool] = {}
        self._first_lead_in: dict[int, int] | None = None

    def bounds(self, position: int) -> tuple[int, int]:
        """``[start, end)`` of the line holding ``position`` (without its newline)."""
        index = bisect_left(self.breaks, position)
        start = self.breaks[index - 1] + 1 if index else 0
        end = self.breaks[index] if index < len(self.breaks) else len(self.text)
        return start, end

    def punctuated(self, position: int) -> bool:
        """Whether the line holding ``position`` has a comma or a full stop."""
        start, end = self.bounds(position)
        if start not in self._punctuated:
            text = self.text
            self._punctuated[start] = text.find(",", start, end) >= 0 or "。" in text[start:end]
        return self._punctuated[start]

    def quoted(self, position: int) -> bool:
        """Whether someone's words (会议指出, / 某某强调,), opened earlier in this paragraph, are
        still running at ``position``: a lead-in ends on this line at or before it."""
        if self._first_lead_in is None:
            self._first_lead_in = self._lead_in_ends()
        first = self._first_lead_in.get(self.bounds(position)[0])
        return first is not None and first <= position

    def _lead_in_ends(self) -> dict[int, int]:
        """Line start → where the first lead-in of the line ends (lines with one only).

        A lead-in ends with a speech verb and its comma or colon and is at most
        ``_lead_in_reach()`` characters long; the first to end is the first verb end for which a
        lead-in is found in that reach before it (nothing in the line ends earlier). As no
        speech verb holds a comma or a colon, the verbs found one after the other end at every
        place a lead-in can end."""
        patterns = _patterns()
        reach = _lead_in_reach()
        first: dict[int, int] = {}
        for verb in patterns.speech_verb.finditer(self.text):
            end = verb.end()
            start = self.bounds(end - 1)[0]
            if start in first:
                continue
            if patterns.lead_in.search(self.text, max(start, end - reach), end) is not None:
                first[start] = end
        return first


_NEWLINE = re.compile("\n")


@cache
def _lead_in_reach() -> int:
    """The longest a lead-in can be: 40 characters, a speech verb and its comma or colon."""
    verbs = _cues().speech_verbs
    punctuated = [verb for verb in verbs if "," in verb or ":" in verb]
    if punctuated:
        raise ValueError(f"data/meetings.yaml: speech_verbs {punctuated} hold a comma or colon")
    return _LEAD_IN_PREFIX + max(map(len, verbs), default=0) + 1


_NEAR = 62
"""How far after its verb a meeting's name may end."""


def _sentence_start(text: str, verb: int) -> int:
    """Where the sentence holding ``verb`` starts: after a break or whitespace outside
    parentheses (a byline's ``(记者 某某)`` does not split it); at most ``_WINDOW`` back."""
    lo = max(0, verb - _WINDOW)
    start = max(text.rfind(char, lo, verb) for char in _BREAKS) + 1
    if start == 0:
        comma = text.rfind(",", lo, verb)
        start = comma + 1 if lo > 0 and comma >= 0 else lo
    if not _WHITESPACE.search(text, start, verb):
        return start
    depth = 0
    for i in range(verb - 1, start - 1, -1):
        char = text[i]
        if char == ")":
            depth += 1
        elif char == "(":
            depth = max(0, depth - 1)
        elif char.isspace() and depth == 0:
            return i + 1
    return start


_WHITESPACE = re.compile(r"\s")


def _skip_dateline(text: str, start: int, verb: int) -> int:
    """Past any datelines and bylines that open the sentence (本报讯(记者 …), 新华社…电)."""
    dateline = _patterns().dateline
    while start < verb:
        match = dateline.match(text, start, verb)
        if not match or match.end() == start:
            return start
        start = match.end()
    return start


def _clause_start(text: str, sentence: int, verb: int) -> int:
    """The start of the held clause: its sentence, or its last comma when the sentence is long."""
    if verb - sentence <= _LONG:
        return sentence
    comma = text.rfind(",", sentence, verb)
    return comma + 1 if comma >= 0 else sentence


def _strip_tail(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    return text[: match.start()] if match else text


def _strip_lead(text: str) -> tuple[str, int]:
    """``text`` without the dates, times and sequence markers that open it, and how many
    characters were dropped."""
    match = _patterns().lead.match(text)
    return (text[match.end() :], match.end()) if match else (text, 0)


def _convener(doc: NormalisedText, start: int, verb: int) -> str | None:
    """The body named right before the verb (dates, places and adverbs aside), as written."""
    patterns = _patterns()
    pre = doc.text[start:verb]
    pre = pre[pre.rfind(",") + 1 :] if "," in pre else pre
    offset = verb - len(pre)
    head, dropped = _strip_lead(_strip_tail(patterns.pre_tail, pre))
    if head and len(head) <= 30 and patterns.body_end.search(head) and "、" not in head:
        return doc.surface(offset + dropped, offset + dropped + len(head))
    return None


def _name_after(doc: NormalisedText, at: int, limit: int) -> tuple[int, int] | None:
    """The span of the meeting's name right after a verb that ends at ``at``."""
    patterns = _patterns()
    match = patterns.name_after.match(doc.text, at, limit)
    if not match:
        return None
    end = match.end("name")
    extension = patterns.name_extension.match(doc.text, end, limit)
    if extension:
        end = extension.end()
    return match.start("name"), end


def _is_plan(text: str, start: int, verb: int) -> bool:
    """要定期召开, 将于X日召开, 关于召开, 祝贺…成功召开 …: the meeting is planned, ruled on or
    the object of something else, not reported held."""
    patterns = _patterns()
    pre = _strip_tail(patterns.mid_tail, text[start:verb])
    clause = text.rfind(",", start, verb) + 1 or start
    head = _strip_tail(patterns.mid_tail, text[clause:verb])  # not the place: 在…服务中心召开
    return (
        patterns.modal_end.search(pre) is not None
        or patterns.topic_verb.search(head) is not None
        or patterns.plan_word.search(head) is not None
    )


def _is_studied(text: str, start: int, verb: int, name_end: int) -> bool:
    """传达学习…(召开的)…会议精神, 贯彻…会议部署: the meeting is the source of what is studied."""
    patterns = _patterns()
    after = text[name_end : name_end + 4]
    if after.startswith(("的", "精神")):
        return True  # 召开…会议的通知, 参加会议的人员, 召开…会议精神
    studied = patterns.study_object.match(after) and patterns.study_verb.search(text, start, verb)
    return bool(studied)


def _generic_or(doc: NormalisedText, span: tuple[int, int], convener: str | None) -> str | None:
    """The name as written; a generic one (会议, 扩大会议) is completed by its convener or
    dropped."""
    name = doc.surface(*span)
    if _patterns().generic.match(doc.text[span[0] : span[1]]):
        return convener + name if convener else None
    return name


def _held_at(doc: NormalisedText, verb: re.Match[str], lines: _Lines) -> _Held | None:
    """The held clause turning on ``verb``, or None when it reports no meeting held."""
    text = doc.text
    patterns = _patterns()
    word, at, after = verb.group(), verb.start(), verb.end()
    limit = min(len(text), after + _NEAR)
    name_span = None
    if word == "提出":
        if text.find("后", max(0, at - _WINDOW), at) < 0:
            return None  # no 会议结束后 before it: most 提出 are decided here
    elif text.startswith("的", after):
        name_span = _name_after(doc, after + 1, limit)
        if not name_span or not text.startswith("上", name_span[1]):
            return None
    elif word in patterns.convene or word in patterns.attend:
        name_span = _name_after(doc, after, limit)
        if name_span and any(v in text[name_span[0] : name_span[1]] for v in ("召开", "举行")):
            name_span = None  # another verb inside: the clause turns on that one
        generic = name_span and patterns.generic.match(text[name_span[0] : name_span[1]])
        if word in patterns.attend and (not name_span or generic):
            return None  # 主持会议, 出席会议: the meeting already reported; 主持召开: see 召开
        if not name_span and not (
            word in patterns.passive and patterns.passive_end.match(text, after)
        ):
            return None
    sentence = _skip_dateline(text, _sentence_start(text, at), at)
    opens_sequence = patterns.sequence.match(text, sentence, at) is not None
    if not opens_sequence and lines.quoted(at):
        return None
    if word == "提出":
        match = patterns.follow_up.match(text, sentence, min(len(text), sentence + _WINDOW))
        if not match or match.end() < after:
            return None
        convener = doc.surface(match.start("convener"), match.end("convener"))
        return _Held(sentence, match.end(), None, convener, True)
    start = _clause_start(text, sentence, at)
    if text.startswith("的", after) and name_span:
        return _relative(doc, start, at, name_span, opens_sequence)
    if _is_plan(text, start, at):
        return None
    if name_span is None:
        return _passive(doc, start, at, after, opens_sequence)
    if _is_studied(text, start, at, name_span[1]):
        return None
    convener = _convener(doc, start, at) if word in patterns.convene else None
    name = _generic_or(doc, name_span, convener)
    return _Held(start, name_span[1], name, convener, opens_sequence)


def _relative(
    doc: NormalisedText, start: int, at: int, name_span: tuple[int, int], opens_sequence: bool
) -> _Held | None:
    """在随后召开的…会议上, 在今天召开的…会议上: the only relative clause that reports a meeting
    held (…召开的…会议精神 and …会议上的讲话 are studied, not held)."""
    text = doc.text
    if "在" not in text[start:at] or text.rfind("在", start, at) < at - 20:
        return None
    if text.startswith("上的", name_span[1]) or _is_studied(text, start, at, name_span[1] + 1):
        return None
    name = _generic_or(doc, name_span, None)
    return _Held(start, name_span[1] + 1, name, None, opens_sequence)


def _passive(
    doc: NormalisedText, start: int, at: int, after: int, opens_sequence: bool
) -> _Held | None:
    """…会议X日在某地召开 / 会议以视频形式召开 / X日,…推进会召开."""
    patterns = _patterns()
    text = doc.text
    clause_from = max(start, text.rfind(",", start, at) + 1)
    pre = _strip_tail(patterns.mid_tail, text[clause_from:at])
    if not patterns.ends_in_name.search(pre) or _is_plan(text, clause_from, at):
        return None
    head, dropped = _strip_lead(pre)
    if not head:
        return None
    name_start = clause_from + dropped
    name = _generic_or(doc, (name_start, name_start + len(head)), None)
    return _Held(start, after, name, None, opens_sequence)


def _after(text: str, held: _Held, floor: int, verb: int) -> _Held:
    """A held clause that shares its sentence with the previous one starts after it, at the
    next comma (国务院召开…会议后,我省随即召开…会议)."""
    comma = text.find(",", floor, verb)
    start = comma + 1 if comma >= 0 else floor
    return replace(held, start=start)


def _held_clauses(doc: NormalisedText) -> list[_Held]:
    """Every clause reporting a meeting held that opens a new meeting, in order."""
    text = doc.text
    found: list[_Held] = []
    seen_names: set[str] = set()
    lines = _Lines(text)
    for verb in _patterns().anchor.finditer(text):
        if found and verb.start() < found[-1].end:
            continue
        held = _held_at(doc, verb, lines)
        if held is None or not lines.punctuated(verb.start()):
            continue
        if found and held.start < found[-1].end:
            held = _after(text, held, found[-1].end, verb.start())
        if held.name is None and held.convener is None and found and not held.opens_sequence:
            continue  # 会议以视频形式召开: the meeting already reported
        if held.name and held.name in seen_names:
            continue
        if held.name:
            seen_names.add(held.name)
        found.append(held)
    return found


def _is_speech(text: str) -> bool:
    """Whether the report is a speech (a line ending …会议上的讲话, or addressing 同志们)."""
    return _patterns().speech.search(text) is not None


_MONTH_DAY = re.compile(r"(?:(\d{1,2})月)?(\d{1,2})(?:日|号)")
_DAYS_BEFORE_MONTH = (0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335)
_HALF_YEAR = 183


def _held_day(text: str, held: _Held) -> tuple[int | None, int] | None:
    """The (month, day) the held clause gives, if it gives one (2月19日, 19日)."""
    match = _MONTH_DAY.search(text, held.start, held.end)
    if match is None:
        return None
    month = int(match.group(1)) if match.group(1) else None
    return month, int(match.group(2))


def _is_earlier(day: tuple[int | None, int], than: tuple[int | None, int]) -> bool:
    """Whether ``day`` comes before ``than`` (within half a year back; a day without its month
    is in the other's month)."""
    (month, number), (other_month, other_number) = day, than
    if month is None or other_month is None or not 1 <= month <= 12 or not 1 <= other_month <= 12:
        return number < other_number
    gap = (
        _DAYS_BEFORE_MONTH[other_month - 1] + other_number - _DAYS_BEFORE_MONTH[month - 1] - number
    ) % 366
    return 0 < gap < _HALF_YEAR


def _is_recalled(text: str, held: _Held, host: _Held) -> bool:
    """A further meeting that was held before the report's meeting (此前,…召开; a date earlier
    than the report's meeting's): background to the report, not where its passage ends."""
    if held.opens_sequence:
        return False
    if _patterns().recall_opener.match(text, held.start):
        return True
    day, host_day = _held_day(text, held), _held_day(text, host)
    return day is not None and host_day is not None and _is_earlier(day, host_day)


def _recall_end(text: str, held: _Held, limit: int) -> int:
    """A recalled meeting's passage: its paragraph, up to a sentence that quotes the meeting
    (会议指出,), which is the report's meeting again."""
    paragraph_end = text.find("\n", held.end, limit)
    end = limit if paragraph_end < 0 else paragraph_end
    quote = _patterns().lead_in.search(text, held.end, end)
    return quote.start() if quote else end


def segment(doc: NormalisedText) -> list[MeetingSpan]:
    """The meetings described by ``doc``, in order of first mention. A speech describes only
    the meeting it was given at: the meetings it recalls are the speaker's words. A meeting
    recalled as held before the report's meeting has only its own paragraph as its passage,
    nested in the passage of the report's meeting, which runs on past it."""
    text = doc.text
    found = _held_clauses(doc)
    if len(found) > 1 and _is_speech(text):
        found = found[:1]
    recalled = [False] * len(found)
    host = None
    for i, held in enumerate(found):
        if host is not None and _is_recalled(text, held, host):
            recalled[i] = True
        else:
            host = held
    # where the next meeting that is not recalled starts, for each meeting (read backwards:
    # looked for from each meeting forwards, it was quadratic in the number of meetings)
    following = [len(text)] * len(found)
    for i in range(len(found) - 2, -1, -1):
        following[i] = following[i + 1] if recalled[i + 1] else found[i + 1].start
    spans = []
    for i, held in enumerate(found):
        end = _recall_end(text, held, following[i]) if recalled[i] else following[i]
        spans.append(MeetingSpan(held.start, end, held.start, held.end, held.name, held.convener))
    return spans


__all__ = ["MeetingSpan", "segment"]
