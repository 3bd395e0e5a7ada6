"""Is a page a report of a COVID-19 prevention meeting held by a Chinese party or government body?

The filter in front of the crawl (``covidmeet-ds crawl``). A page is kept when it describes at
least one meeting (:func:`.meetings.segment`) whose convening body has an administrative level
(:func:`.levels.extract_level`) and whose passage speaks of the epidemic. Otherwise it is dropped
with the first reason that applies, cheapest test first:

``no_text``             fewer Han characters than a short news item;
``not_epidemic``        no epidemic word anywhere in the raw page (checked before normalising),
                        or none in the passage of any meeting the page describes;
``international``       the meetings reported are international summits or forums;
``not_government``      the meetings reported are held by a company, school, hospital …, or
                        by a body whose administrative level the rules cannot establish;
``written_instruction`` no meeting held, but a leader's written instruction or a circular;
``no_meeting``          no sentence reports a meeting being held.

Cue words are data (``data/reports.yaml``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from itertools import islice
from typing import Literal, get_args

from ..taxonomy import read_data
from ..text import to_traditional
from ..text.normalise import NormalisedText
from ..text.patterns import alternation, scanning
from .context import ReportContext
from .levels import extract_level
from .meetings import MeetingSpan

DATA = ("reports.yaml",)

DropReason = Literal[
    "no_text",
    "not_epidemic",
    "written_instruction",
    "no_meeting",
    "international",
    "not_government",
]
DROP_REASONS: tuple[str, ...] = get_args(DropReason)
"""Every reason, in the order the filter tests them."""

_HAN = re.compile(r"[\u4e00-\u9fff]")
_HELD_VERB = re.compile(r"召开|举行|出席")
_MEETING_WORD = re.compile(r"会议|峰会|论坛")
_SENTENCE_END = re.compile(r"[。!?;\n]")


def _held_sentences(text: str) -> Iterator[str]:
    """Sentences that report some meeting held, by whoever (the segmenter wants a body)."""
    for verb in _HELD_VERB.finditer(text):
        start = max(text.rfind(mark, 0, verb.start()) for mark in "。!?;\n") + 1
        end = _SENTENCE_END.search(text, verb.end())
        sentence = text[start : end.start() if end else len(text)]
        if _MEETING_WORD.search(sentence):
            yield sentence


def _has_han(text: str, count: int) -> bool:
    """At least ``count`` Han characters (stops counting there)."""
    return sum(1 for _ in islice(_HAN.finditer(text), count)) >= count


@dataclass(frozen=True)
class _Cues:
    min_han: int
    epidemic: re.Pattern[str]
    epidemic_any_script: re.Pattern[str]
    international: re.Pattern[str]
    instruction: re.Pattern[str]
    non_government: re.Pattern[str]


def _cue_pattern(words: list[str]) -> re.Pattern[str]:
    return re.compile(scanning(alternation(words)))


@cache
def _cues() -> _Cues:
    data = read_data("reports.yaml")
    epidemic = list(data["epidemic"])
    return _Cues(
        min_han=int(data["min_han_characters"]),
        epidemic=_cue_pattern(epidemic),
        epidemic_any_script=_cue_pattern(epidemic + [to_traditional(w) for w in epidemic]),
        international=_cue_pattern(list(data["international"])),
        instruction=_cue_pattern(list(data["instruction"])),
        non_government=re.compile(rf"(?:{alternation(data['non_government'])})(?:召开|举行)"),
    )


def prefilter(raw: str) -> DropReason | None:
    """The reason to drop a raw page without normalising it, if there is one (cheap)."""
    cues = _cues()
    if not _has_han(raw, cues.min_han):
        return "no_text"
    if cues.epidemic_any_script.search(raw) is None:
        return "not_epidemic"
    return None


def _is_international(doc: NormalisedText, span: MeetingSpan) -> bool:
    held = doc.text[span.held_start : span.held_end]
    return _cues().international.search(held) is not None


def _why_no_meeting(text: str) -> DropReason:
    """No meeting of a governing body: is there another kind of meeting, or an instruction?"""
    cues = _cues()
    held = list(_held_sentences(text))
    if any(cues.international.search(sentence) for sentence in held):
        return "international"
    if any(cues.non_government.search(sentence) for sentence in held):
        return "not_government"
    return "written_instruction" if cues.instruction.search(text) else "no_meeting"


def classify(ctx: ReportContext) -> DropReason | None:
    """Why the report is not one of a COVID-19 prevention meeting held by a Chinese party or
    government body, or None to keep it."""
    cues = _cues()
    doc = ctx.doc
    if not _has_han(doc.text, cues.min_han):
        return "no_text"
    if cues.epidemic.search(doc.text) is None:
        return "not_epidemic"
    if not ctx.meetings:
        return _why_no_meeting(doc.text)
    domestic = [span for span in ctx.meetings if not _is_international(doc, span)]
    if not domestic:
        return "international"
    governed = [span for span in domestic if extract_level(ctx, span) is not None]
    if not governed:
        return "not_government"
    about_epidemic = any(cues.epidemic.search(doc.text, s.start, s.end) for s in governed)
    return None if about_epidemic else "not_epidemic"


__all__ = ["DATA", "DROP_REASONS", "DropReason", "classify", "prefilter"]
