"""Off-the-shelf baselines ("peers") that the rules are compared with in the evaluation.

* ``jionlp`` dates: jionlp's rule-based time extractor (``jionlp.ner.extract_time``).
* ``jieba`` speakers: person names tagged ``nr`` by ``jieba.posseg``.
* ``jiojio`` speakers: person names tagged ``nr`` by jiojio, the segmenter and POS tagger that
  jionlp itself uses (jionlp has no person-name tagger of its own; jiojio is installed with it
  and ships its models inside the wheel).

jionlp resolves a date like 3月16日 against a time base: the report's publication date from the
manifest when there is one; otherwise jionlp's own default, the current clock, which gives the
wrong year for every report (the peer's handicap, kept on purpose: it is what a user of jionlp
gets without a base).

The peers know nothing about meetings, so they are given the gold meetings' places: each peer
prediction has one meeting per gold meeting, with that meeting's evidence span, and fills only
the fields it can predict (``Prediction.fields``); the evaluation reports the rest as n/a.

All three run offline: they load models and dictionaries from their own package folders. jieba
writes one cache file (``jieba.cache``) to the system temporary directory; nothing else is
written. The libraries are development dependencies, imported lazily: without them
:class:`PeerUnavailable` says what to install.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from types import ModuleType
from typing import Any

from .evalset import PredictedMeeting
from .evaluate import MeetingItem, Prediction, SpeakerItem
from .models import Annotation
from .text.normalise import NormalisedText, normalise

INSTALL_HINT = "install the peers with `.venv/bin/pip install jionlp jieba`"

DATE_FIELDS = frozenset({"date", "year"})
SPEAKER_FIELDS = frozenset({"speakers", "speaker_names"})

PERSON_TAG = "nr"
"""The person-name tag of both jieba and jiojio (PKU/ICTCLAS tag set)."""

_DAY_OR_MONTH = re.compile(r"[月日号]")
_DATETIME_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


class PeerUnavailable(ImportError):
    """A peer's package is not installed."""


# --- Lazy imports --------------------------------------------------------------------------------


def _import(name: str) -> ModuleType:
    """Import a peer package quietly (jionlp and jiojio print banners on import)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return __import__(name)
    except ImportError as error:
        raise PeerUnavailable(f"peer package {name!r} is missing: {INSTALL_HINT}") from error


@cache
def _jionlp() -> ModuleType:
    return _import("jionlp")


@cache
def _jieba_posseg() -> Any:
    jieba = _import("jieba")
    jieba.setLogLevel(logging.WARNING)
    import jieba.posseg

    return jieba.posseg


@cache
def _jiojio() -> ModuleType:
    jiojio = _import("jiojio")
    with contextlib.redirect_stdout(io.StringIO()):
        jiojio.init(pos=True)
    return jiojio


def available() -> dict[str, bool]:
    """Which peer packages can be imported (without importing them)."""
    from importlib.util import find_spec

    return {name: find_spec(name) is not None for name in ("jionlp", "jieba", "jiojio")}


# --- Where each gold meeting is ------------------------------------------------------------------


@dataclass(frozen=True)
class GoldPlace:
    """A gold meeting's evidence (raw offsets) and its passage and paragraph (normalised)."""

    raw_start: int
    raw_end: int
    passage: tuple[int, int]
    """From the meeting's evidence to the next gold meeting's evidence, or the end of the text."""
    paragraph: tuple[int, int]
    """The line (paragraph) of the normalised text that holds the evidence's first character."""


def gold_places(doc: NormalisedText, gold: Annotation) -> list[GoldPlace]:
    """Where each gold meeting is in ``doc``, in gold order."""
    starts = [bisect.bisect_left(doc.offsets, m.evidence.start) for m in gold.meetings]
    places = []
    for i, meeting in enumerate(gold.meetings):
        start = starts[i]
        end = max(starts[i + 1], start) if i + 1 < len(starts) else len(doc.text)
        para_start = doc.text.rfind("\n", 0, start) + 1
        para_end = doc.text.find("\n", start)
        places.append(
            GoldPlace(
                raw_start=meeting.evidence.start,
                raw_end=meeting.evidence.end,
                passage=(start, end),
                paragraph=(para_start, len(doc.text) if para_end < 0 else para_end),
            )
        )
    return places


# --- Dates: jionlp -------------------------------------------------------------------------------


class _FromJionlp(logging.Filter):
    """Matches records logged by jionlp code, which logs the tracebacks of expressions it cannot
    parse on the root logger (``logging.error``): a failed parse is simply no prediction here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return f"{os.sep}jionlp{os.sep}" not in record.pathname


@contextlib.contextmanager
def _quiet_jionlp() -> Iterator[None]:
    """Silence jionlp's banner prints and its root-logger tracebacks, for one call only."""
    root = logging.getLogger()
    quiet = _FromJionlp()
    root.addFilter(quiet)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        root.removeFilter(quiet)


def _time_base(published: date | None) -> dict[str, int] | None:
    if published is None:
        return None
    return {"year": published.year, "month": published.month, "day": published.day}


def _resolved_value(span: Any) -> str | None:
    """An ISO date at the precision jionlp resolved: a whole day, month or year becomes
    YYYY-MM-DD, YYYY-MM or YYYY; any other span is read as its first day."""
    if not (
        isinstance(span, list | tuple) and len(span) == 2 and all(isinstance(s, str) for s in span)
    ):
        return None
    first, last = (_DATETIME_DAY.match(s) for s in span)
    if first is None or last is None:
        return None
    (y1, m1, d1), (y2, m2, d2) = first.groups(), last.groups()
    try:
        start = date(int(y1), int(m1), int(d1))
        end = date(int(y2), int(m2), int(d2))
        month_ends = (end + timedelta(days=1)).day == 1
    except (ValueError, OverflowError):
        return None
    if start == end:
        return start.isoformat()
    if start.day == 1 and (y1, m1) == (y2, m2) and month_ends:
        return f"{y1}-{m1}"
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and y1 == y2:
        return y1
    return start.isoformat()


def jionlp_date(text: str, published: date | None) -> str | None:
    """The first time expression of ``text`` that names a day or month, resolved by jionlp
    against the publication date (jionlp's own default, the current time, when unknown)."""
    jio = _jionlp()
    base = _time_base(published)
    try:
        with _quiet_jionlp():
            found = (
                jio.ner.extract_time(text, time_base=base) if base else jio.ner.extract_time(text)
            )
    except Exception:  # a peer is a black box: a failure is simply no prediction
        return None
    for entity in found if isinstance(found, list) else ():
        if not isinstance(entity, dict) or not _DAY_OR_MONTH.search(str(entity.get("text", ""))):
            continue
        value = _resolved_value((entity.get("detail") or {}).get("time"))
        if value is not None:
            return value
    return None


def jionlp_dates(gold: Annotation, raw: str, published: date | None) -> Prediction:
    """The jionlp date of each gold meeting, read from the paragraph of its evidence."""
    doc = normalise(raw)
    meetings = tuple(
        MeetingItem(
            start=place.raw_start,
            end=place.raw_end,
            date=jionlp_date(doc.text[slice(*place.paragraph)], published),
        )
        for place in gold_places(doc, gold)
    )
    return Prediction(meetings=meetings, fields=DATE_FIELDS)


# --- Report sets: jionlp's first date and the place of the first sentences ---------------------

FIRST_SENTENCES = 2
"""How many sentences of a report the location baseline reads."""

REPORT_FIELDS = frozenset({"date", "level", "jurisdiction"})
_SENTENCE_END = re.compile(r"[。!?！？\n]")


def first_sentences(text: str, count: int = FIRST_SENTENCES) -> str:
    """The text up to the end of its ``count``-th sentence."""
    end = 0
    for _ in range(count):
        found = _SENTENCE_END.search(text, end)
        if found is None:
            return text
        end = found.end()
    return text[:end]


def jionlp_place(text: str) -> tuple[str, str]:
    """(level, jurisdiction) of the lowest unit jionlp's location parser finds in ``text``: a
    county-level unit → county, a city that is not a municipality → prefectural, a province →
    provincial, nothing → national (中华人民共和国)."""
    jio = _jionlp()
    with _quiet_jionlp():
        found = jio.parse_location(text)
    province, city, county = (found.get(key) for key in ("province", "city", "county"))
    if county:
        return "county", county
    if city and city != province:
        return "prefectural", city
    if province:
        return "provincial", province
    return "national", "中华人民共和国"


def jionlp_report_meeting(text: str, published: date | None) -> PredictedMeeting:
    """The naive baseline of a report: jionlp's first date of the whole text (publication date
    as time base), and the place jionlp's location parser finds in its first sentences."""
    level, jurisdiction = jionlp_place(first_sentences(text))
    return PredictedMeeting(
        date=jionlp_date(text, published), level=level, jurisdiction=jurisdiction
    )


REPORT_PEERS: dict[str, tuple[Callable[[str, date | None], PredictedMeeting], frozenset[str]]] = {
    "jionlp (first date; place of first sentences)": (jionlp_report_meeting, REPORT_FIELDS),
}
"""Baselines of the report sets: name → (guess from text and publication date, fields)."""


def report_peers() -> dict[str, tuple[Callable[[str, date | None], PredictedMeeting], frozenset]]:
    """The report-set baselines; raises :class:`PeerUnavailable` when jionlp is missing."""
    _jionlp()
    return dict(REPORT_PEERS)


# --- Speakers: jieba and jiojio ------------------------------------------------------------------


def _unique(names: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name.strip() for name in names if name.strip()))


def jieba_names(text: str) -> tuple[str, ...]:
    """Person names tagged by jieba, once each, in order of first mention."""
    posseg = _jieba_posseg()
    return _unique([pair.word for pair in posseg.cut(text) if pair.flag == PERSON_TAG])


def jiojio_names(text: str) -> tuple[str, ...]:
    """Person names tagged by jiojio, once each, in order of first mention."""
    jiojio = _jiojio()
    tagged = jiojio.cut(text)
    # (word, tag) pairs; plain words if some other code re-initialised jiojio without POS
    return _unique(
        [item[0] for item in tagged if isinstance(item, tuple) and item[1] == PERSON_TAG]
    )


def _speaker_prediction(
    gold: Annotation, raw: str, tagger: Callable[[str], tuple[str, ...]]
) -> Prediction:
    doc = normalise(raw)
    meetings = tuple(
        MeetingItem(
            start=place.raw_start,
            end=place.raw_end,
            speakers=tuple(
                SpeakerItem(name, ("spoke",)) for name in tagger(doc.text[slice(*place.passage)])
            ),
        )
        for place in gold_places(doc, gold)
    )
    return Prediction(meetings=meetings, fields=SPEAKER_FIELDS)


def jieba_speakers(gold: Annotation, raw: str) -> Prediction:
    """Every jieba person name in each gold meeting's passage, as a speaker who spoke."""
    return _speaker_prediction(gold, raw, jieba_names)


def jiojio_speakers(gold: Annotation, raw: str) -> Prediction:
    """Every jiojio person name in each gold meeting's passage, as a speaker who spoke."""
    return _speaker_prediction(gold, raw, jiojio_names)


# --- All peers -----------------------------------------------------------------------------------

PEERS: dict[str, Callable[[Annotation, str, date | None], Prediction]] = {
    "jionlp (dates)": jionlp_dates,
    "jieba (speakers)": lambda gold, raw, _published: jieba_speakers(gold, raw),
    "jiojio (speakers)": lambda gold, raw, _published: jiojio_speakers(gold, raw),
}
"""Peer name → function of (gold annotation, raw text, publication date)."""


def run_peers(
    hand: Mapping[str, Annotation],
    raws: Mapping[str, str],
    published: Mapping[str, date | None],
    names: tuple[str, ...] = tuple(PEERS),
) -> dict[str, dict[str, Prediction]]:
    """Predictions of each named peer for every gold document whose raw text is given.

    Raises :class:`PeerUnavailable` when a peer's package is missing.
    """
    return {
        name: {
            doc_id: PEERS[name](gold, raws[doc_id], published.get(doc_id))
            for doc_id, gold in sorted(hand.items())
            if doc_id in raws
        }
        for name in names
    }


__all__ = [
    "DATE_FIELDS",
    "PEERS",
    "REPORT_FIELDS",
    "REPORT_PEERS",
    "SPEAKER_FIELDS",
    "GoldPlace",
    "PeerUnavailable",
    "available",
    "first_sentences",
    "gold_places",
    "jieba_names",
    "jieba_speakers",
    "jiojio_names",
    "jiojio_speakers",
    "jionlp_date",
    "jionlp_dates",
    "jionlp_place",
    "jionlp_report_meeting",
    "report_peers",
    "run_peers",
]
