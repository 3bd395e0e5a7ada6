"""Segment a report into the meetings it describes.

A meeting is *described* when a sentence of the body reports it being held. The sentence opens
(after an optional date) with a convener and 召开…会议 (国务院召开全国…会议; 省委常委会召开扩大会议;
领导小组今天上午召开会议; 今日召开…会议), or says a meeting was held right after another
(在随后召开的…会议上), or reports a body issuing requirements after a meeting
(会议结束后,省卫生健康委就…提出六项要求). Meetings only referred to (会议指出,总书记主持召开…会议;
学习…会议精神) do not open the sentence, and headings and headline lists have no sentence
punctuation, so neither counts.

Each meeting's passage runs from its sentence to the next meeting's sentence (or the end).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from ..taxonomy import read_data
from ..text.normalise import NormalisedText


@dataclass(frozen=True)
class MeetingSpan:
    """One meeting's share of the normalised text (offsets into ``NormalisedText.text``)."""

    start: int
    """Where the meeting's passage starts (the sentence that reports it held)."""
    end: int
    """Where it ends: the start of the next meeting's passage, or the end of the body."""
    held_start: int
    """The clause that reports the meeting being held (本次会议召开的句子), start …"""
    held_end: int
    """… and end; it becomes the meeting's evidence."""
    name: str | None
    """The meeting's name as written (…会议), if the held clause gives one."""
    convener: str | None
    """The body that held it as written (国务院, 省委常委会), if the held clause gives one."""


_BREAKS = "。!?;"
"""After these (or whitespace) a sentence starts."""


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    cues = read_data("meetings.yaml")
    body = "|".join(sorted(cues["body_suffixes"], key=len, reverse=True))
    generic = "|".join(sorted(cues["generic_names"], key=len, reverse=True))
    day = r"(?:\d{1,2}|[xX]{1,2})"
    date = rf"(?:(?:\d{{4}}年)?\d{{1,2}}月{day}日|今天|今日|昨天|昨日|当天|当日|日前|近日)"
    time = r"(?:上午|下午|晚上|晚|早上)"
    when = rf"(?:{date}(?:\({day}?\d{{0,2}}月?{day}日\))?{time}?|{time})"
    place = r"(?:在[^,。;!?\s]{1,15}?)"
    convener = rf"(?P<convener>[^,。;!?\s、\"“”]{{0,30}}?(?:{body}))"
    name = r"(?P<name>(?!的)[^,。;!?\s]{0,40}?会议)"
    return {
        "convened": re.compile(
            rf"^(?:{when},?)?{place}?{convener}?{when}?{place}?召开(?:了)?{name}"
        ),
        "after": re.compile(rf"^在?(?:随后|紧接着|之后|其后)召开的{name}上"),
        "follow_up": re.compile(
            rf"^[^,。;!?\s]{{0,20}}?(?:会议)?(?:结束后|后),?{convener}"
            r"(?:就|对|围绕)[^。!?\n]{0,120}?提出[^。!?\n,]{0,8}?要求"
        ),
        "generic": re.compile(rf"^(?:{generic})$"),
        "sentence_start": re.compile(rf"(?:^|(?<=[{_BREAKS}\n])|(?<=\s))(?=\S)"),
    }


def _has_sentence_punctuation(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    return "," in line or "。" in line


_WINDOW = 200
"""How far a held clause may reach from the start of its sentence."""
_REQUIRED = ("召开", "提出")
"""Every held pattern needs one of these words in its window (召开…会议, …提出…要求)."""
_REQUIRED_WORD = re.compile("|".join(_REQUIRED))
_SENTENCE_BREAK = re.compile(rf"[{_BREAKS}\s](?=\S)")
"""The character before a sentence start other than the first (see ``sentence_start``)."""


def _held(doc: NormalisedText, start: int) -> tuple[int, str | None, str | None] | None:
    """If a held clause opens the sentence at ``start``: its end, name and convener (as the
    page writes them)."""
    text = doc.text
    if all(text.find(word, start, start + _WINDOW) < 0 for word in _REQUIRED):
        return None  # none of the patterns can match: most sentences are decided here
    patterns = _patterns()
    window = text[start : start + _WINDOW]
    for kind in ("convened", "after", "follow_up"):
        match = patterns[kind].match(window)
        if not match:
            continue
        convener, name = (
            doc.surface(start + match.start(group), start + match.end(group))
            if match.groupdict().get(group) is not None
            else None
            for group in ("convener", "name")
        )
        if name and convener and patterns["generic"].match(name):
            name = convener + name  # 领导小组 + 会议 → 领导小组会议
        if name and patterns["generic"].match(name):
            name = None
        return start + match.end(), name, convener
    return None


def _sentence_starts(text: str, lo: int, hi: int) -> Iterator[int]:
    """The matches of the ``sentence_start`` pattern in ``[lo, hi]``, in order: after the start
    of the text, they are the positions after a ``_SENTENCE_BREAK`` character."""
    if lo == 0 and _patterns()["sentence_start"].match(text, 0, hi + 1):
        yield 0
    for before in _SENTENCE_BREAK.finditer(text, max(0, lo - 1), hi + 1):
        yield before.end()


def _candidate_starts(text: str) -> Iterator[int]:
    """The sentence starts, in order, that have a required word close enough after them for a
    held clause (the others cannot open one, and there are many)."""
    lo = hi = -1
    for word in _REQUIRED_WORD.finditer(text):
        first = max(0, word.end() - _WINDOW)
        if first > hi + 1 and hi >= 0:
            yield from _sentence_starts(text, lo, hi)
            lo = first
        elif hi < 0:
            lo = first
        hi = word.start()
    if hi >= 0:
        yield from _sentence_starts(text, lo, hi)


def segment(doc: NormalisedText) -> list[MeetingSpan]:
    """The meetings described by ``doc``, in order of first mention."""
    text = doc.text
    found: list[tuple[int, int, str | None, str | None]] = []
    seen_names: set[str] = set()
    for start in _candidate_starts(text):
        if found and start < found[-1][1]:
            continue
        held = _held(doc, start)
        if held is None or not _has_sentence_punctuation(text, start):
            continue
        end, name, convener = held
        if name and name in seen_names:
            continue
        if name:
            seen_names.add(name)
        found.append((start, end, name, convener))
    spans = []
    for i, (start, end, name, convener) in enumerate(found):
        passage_end = found[i + 1][0] if i + 1 < len(found) else len(text)
        spans.append(MeetingSpan(start, passage_end, start, end, name, convener))
    return spans


__all__ = ["MeetingSpan", "segment"]
