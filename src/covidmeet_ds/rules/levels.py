"""The administrative level of the body that held a meeting, and the area it governs.

The level is read from *this* meeting's convener and name, in that order, then from its held
clause, then from the titles of the officials who chaired it: 国务院, 国家卫生健康委, 全国… →
national; 省委, 全省…, a province's name → provincial; 市… → prefectural; 县/区/旗 → county;
乡/镇/街道 → township. A cue inside a reference to another meeting (传达全国会议精神,
全国会议结束后) is skipped. Cue words are data (``data/levels.yaml``); provinces come from the
gazetteer (``data/provinces.yaml``).

The jurisdiction of a provincial meeting that says only 省 is the province the text points to:
full and short names, officials' titles (江西省委书记) and compounds of the one-character
abbreviation (来赣人员, 入黔, 全黔), scored first in the held clause, then in the passage, then in
the whole body. A 市 meeting in a report that names only one of 北京/天津/上海/重庆 is provincial:
province-level municipalities are provincial even when the text says 市.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import islice

from pydantic import ValidationError

from ..models import PROVINCE_LEVEL_MUNICIPALITIES, Evidence, MeetingLevel
from ..taxonomy import provinces, read_data
from ..text import to_simplified
from ..text.normalise import NormalisedText
from ..text.patterns import alternation, scanning
from .context import ReportContext
from .meetings import MeetingSpan

DATA = ("levels.yaml", "provinces.yaml")

NATIONAL_JURISDICTION = "中华人民共和国"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PLACE_STOP = re.compile(r"[召开的在由和与及等全我本各该了后对就向为,,。;;、\s]")
_UNIT_START = re.compile(r"[省市州县区旗盟]")
"""A unit character right after a unit is the real unit (杭州市: the unit is 市, not 州)."""
_PHRASE_END = re.compile(scanning(r"[,,。;;、]|[就对把将要在和与及向为]|召开|举行|提出|传达"))
"""Where the noun phrase after a cue ends: a relay word beyond it belongs to the predicate."""
_FURNITURE = re.compile(
    r"相关推荐|热点推荐|相关阅读|相关资源|相关搜索|相关文章|相关新闻|延伸阅读|推荐阅读|评论一下|版权所有|版权与信息产品"
)


@dataclass(frozen=True)
class _Cue:
    """One cue of the level found in a string."""

    start: int
    end: int
    level: str | None
    """None for a redacted unit (全x), whose level depends on the province being known."""
    jurisdiction: str | None
    kind: str


@dataclass(frozen=True)
class _Data:
    cue: re.Pattern[str]
    lower_unit: re.Pattern[str]
    """A city, county … named right after a province (江西省南昌市委)."""
    unit_levels: dict[str, str]
    false_units: tuple[str, ...]
    relay_before: tuple[str, ...]
    relay_after: tuple[str, ...]
    full_names: dict[str, str]
    """Full name or short name → full name."""
    province_mention: re.Pattern[str]
    abbreviation: re.Pattern[str]
    abbreviations: dict[str, str]
    other_before: tuple[str, ...]
    other_after: tuple[str, ...]
    weights: dict[str, int]


@cache
def _data() -> _Data:
    """Cue data and gazetteer, compiled once into the patterns the rules use."""
    data = read_data("levels.yaml")
    gazetteer = provinces()
    full = {p.name: p.name for p in gazetteer} | {p.short: p.name for p in gazetteer}
    units = dict(data["units"])
    bodies = alternation(data["body_suffixes"])
    gap = int(data["body_gap"])
    body = rf"(?=[^,,。;;、\s]{{0,{gap}}}?(?:{bodies}))"
    redaction = data["redaction"]
    own = alternation(data["own_unit_prefixes"])
    cue = re.compile(
        scanning(
            rf"(?P<national>{alternation(data['national'])})"
            rf"|(?P<full>{alternation(p.name for p in gazetteer)})"
            rf"|(?P<short>{alternation(p.short for p in gazetteer)}){body}"
            rf"|(?P<own>{own})(?P<ownunit>{alternation(units)})"
            rf"|(?P<redacted>(?:{own}){redaction}(?![A-Za-z])|{redaction}(?=委|政府))"
            rf"|(?P<unit>{alternation(units)}){body}"
        )
    )
    lower = alternation(u for u, level in units.items() if level != "provincial")
    ambiguous = set(data["ambiguous_abbreviations"])
    abbreviations = {p.abbreviation: p.name for p in gazetteer if p.abbreviation not in ambiguous}
    prefixes = alternation(data["abbreviation_prefixes"])
    return _Data(
        cue=cue,
        lower_unit=re.compile(rf"(?P<place>[\u4e00-\u9fff]{{1,5}}?)(?P<unit>{lower}){body}"),
        unit_levels=units,
        false_units=tuple(data["false_units"]),
        relay_before=tuple(data["relay_before"]),
        relay_after=tuple(data["relay_after"]),
        full_names=full,
        province_mention=re.compile(alternation(full)),
        abbreviation=re.compile(
            rf"(?:{prefixes})(?:[((]返[))]|返)?(?P<abbr>{alternation(abbreviations)})"
        ),
        abbreviations=abbreviations,
        other_before=tuple(data["other_province_before"]),
        other_after=tuple(data["other_province_after"]),
        weights={k: int(v) for k, v in data["weights"].items()},
    )


# --- cues of the level ---


@lru_cache(maxsize=64)
def _false_unit_shifts(unit: str) -> tuple[tuple[str, int], ...]:
    """The ordinary words holding ``unit`` and where (社区 holds 区 at 1): a cue lookup."""
    return tuple(
        (word, shift)
        for word in _data().false_units
        for shift in range(len(word))
        if word.startswith(unit, shift)
    )


def _is_false_unit(text: str, start: int, end: int) -> bool:
    """社区, 城市, 市场 …: the unit character is part of an ordinary word."""
    for word, shift in _false_unit_shifts(text[start:end]):
        lo = start - shift
        if lo >= 0 and text.startswith(word, lo):
            return True
    return False


def _in_relay(text: str, start: int, end: int) -> bool:
    """The cue names another meeting being relayed or studied (传达全国会议精神)."""
    data = _data()
    before = text[max(0, start - 6) : start]
    after = text[end : end + 20]
    stop = _PHRASE_END.search(after)
    after = after[: stop.start()] if stop else after
    if any(word in before for word in data.relay_before):
        return True
    return any(word in after for word in data.relay_after)


def _place_before(text: str, start: int) -> str | None:
    """The place name right before a unit character (武汉 in 武汉市委), if it looks like one."""
    lo = start
    while (
        lo > 0
        and start - lo < 5
        and _CJK.match(text[lo - 1])
        and not _PLACE_STOP.match(text[lo - 1])
    ):
        lo -= 1
    place = text[lo:start]
    return place if len(place) >= 2 else None


def _lower_unit(text: str, start: int) -> _Cue | None:
    """A city or county named right after its province (江西省 + 南昌市委), if any."""
    data = _data()
    match = data.lower_unit.match(text, start)
    if match is None or _PLACE_STOP.search(match.group("place")):
        return None
    unit = match.group("unit")
    if _is_false_unit(text, match.start("unit"), match.end("unit")):
        return None
    name = match.group("place") + unit
    return _Cue(start, match.end("unit"), data.unit_levels[unit], name, "unit")


def _cue_from(match: re.Match[str], text: str) -> _Cue | None:
    data = _data()
    start, end = match.span()
    if match.group("national"):
        return _Cue(start, end, "national", NATIONAL_JURISDICTION, "national")
    if match.group("full") or match.group("short"):
        lower = _lower_unit(text, end) if match.group("full") else None
        if lower is not None:
            return _Cue(start, lower.end, lower.level, lower.jurisdiction, "unit")
        name = data.full_names[match.group("full") or match.group("short")]
        return _Cue(start, end, "provincial", name, "province")
    if match.group("redacted"):
        return _Cue(start, end, None, None, "redacted")
    unit = match.group("ownunit") or match.group("unit")
    unit_start = match.start("ownunit") if match.group("ownunit") else start
    if _is_false_unit(text, unit_start, unit_start + len(unit)):
        return None
    if _UNIT_START.match(text, unit_start + len(unit)):
        return None  # 州 of 杭州市: part of the place name of the next unit
    level = data.unit_levels[unit]
    place = None if match.group("ownunit") else _place_before(text, start)
    if place is None or level == "provincial":
        return _Cue(start, end, level, None, "unit")
    jurisdiction = place + unit
    if jurisdiction in PROVINCE_LEVEL_MUNICIPALITIES:
        return _Cue(start - len(place), end, "provincial", jurisdiction, "province")
    return _Cue(start - len(place), end, level, jurisdiction, "unit")


def _first_cue(text: str, start: int = 0, end: int | None = None) -> _Cue | None:
    """The first cue of ``text[start:end]`` that is not part of a reference to another meeting."""
    end = len(text) if end is None else end
    for match in _data().cue.finditer(text, start, end):
        if _in_relay(text, *match.span()):
            continue
        cue = _cue_from(match, text)
        if cue is not None:
            return cue
    return None


# --- the province behind a provincial or municipal meeting ---


def _province_hits(text: str) -> dict[str, list[str]]:
    """Province full name → the words of ``text`` pointing to it (weighted by repetition)."""
    data = _data()
    hits: dict[str, list[str]] = {}
    for match in data.province_mention.finditer(text):
        word = match.group()
        before = text[max(0, match.start() - 4) : match.start()]
        after = text[match.end() : match.end() + 2]
        if before.endswith(data.other_before):
            continue
        if after.startswith(data.other_after):
            continue
        full = data.full_names[word]
        weight = data.weights["full_name" if word == full else "short_name"]
        hits.setdefault(full, []).extend([word] * weight)
    for match in data.abbreviation.finditer(text):
        full = data.abbreviations[match.group("abbr")]
        hits.setdefault(full, []).extend([match.group()] * data.weights["abbreviation"])
    return hits


def _leader(hits: dict[str, list[str]], among: frozenset[str] | None = None) -> str | None:
    """The province with the strictly highest score (optionally among some names only)."""
    scores = Counter({name: len(words) for name, words in hits.items() if words})
    if among is not None:
        scores = Counter({k: v for k, v in scores.items() if k in among})
    ranked = scores.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def _describe(hits: dict[str, list[str]], name: str) -> str:
    words = "、".join(dict.fromkeys(hits.get(name, [])))
    return f"the words {words} point to {name}"


def _body_end(text: str, start: int) -> int:
    cut = _FURNITURE.search(text, start)
    return cut.start() if cut else len(text)


def _scopes(doc: NormalisedText, meeting: MeetingSpan) -> Iterator[tuple[str, str]]:
    """Where the province is looked for, nearest first (furniture left out); each scope is
    cut only when the nearer ones did not decide."""
    text = doc.text
    yield (
        "the held clause",
        " ".join(
            s
            for s in (meeting.convener, meeting.name, text[meeting.held_start : meeting.held_end])
            if s
        ),
    )
    body_end = _body_end(text, meeting.start)
    yield "the meeting's passage", text[meeting.start : min(meeting.end, body_end)]
    yield "the report's body", text[:body_end]


def _province(doc: NormalisedText, meeting: MeetingSpan) -> tuple[str | None, str]:
    """The province a 省 meeting belongs to, and how it was identified."""
    for where, scope in _scopes(doc, meeting):
        hits = _province_hits(scope)
        leader = _leader(hits)
        if leader:
            return leader, f"The text says only 省; in {where}, {_describe(hits, leader)}."
        if hits:
            return None, f"In {where} several provinces are named equally often; none is chosen."
    return None, "The text says only 省 and names no province."


def _municipality(doc: NormalisedText, meeting: MeetingSpan) -> tuple[str | None, str]:
    """A 市 meeting with no city named: the province-level municipality the report is about.

    When the body names no province at all, the rest of the page (its related links, which the
    normalised body leaves out) is the last witness: a site's links about one municipality place
    a 市 meeting there. A body that names any province is never overruled by the page."""
    municipalities = frozenset(PROVINCE_LEVEL_MUNICIPALITIES)
    for where, scope in islice(_scopes(doc, meeting), 1, None):
        hits = _province_hits(scope)
        if not hits:
            continue
        leader = _leader(hits)
        if leader in municipalities:
            return leader, (
                f"The text says only 市; in {where}, {_describe(hits, leader)}, a "
                "province-level municipality, so the level is provincial."
            )
        return None, f"The text says only 市 and names no city; in {where} it names provinces."
    hits = _province_hits(to_simplified(doc.raw))
    leader = _leader(hits)
    if leader in municipalities:
        return leader, (
            f"The text says only 市 and its body names no place; only the rest of the page "
            f"(its own links and furniture) does: {_describe(hits, leader)}, a province-level "
            "municipality, so the level is provincial."
        )
    return None, "The text says only 市 and names no city."


# --- evidence and the public rule ---


def _locate(text: str, needle: str | None, start: int, end: int) -> tuple[int, int] | None:
    if not needle:
        return None
    at = text.find(needle, max(0, start - 5), end + 5)
    if at < 0:
        at = text.find(needle)
    return (at, at + len(needle)) if at >= 0 else None


def _extend(text: str, cue: _Cue, offset: int) -> tuple[int, int]:
    """A cue inside the text, extended to the end of its noun phrase (for the quote)."""
    start = offset + cue.start
    stop = re.compile(r"[,,。;;、\s]|召开|举行|主持").search(text, offset + cue.end)
    end = stop.start() if stop else len(text)
    return start, max(offset + cue.end, min(end, start + 30))


def _find_cue(doc: NormalisedText, meeting: MeetingSpan) -> tuple[_Cue, tuple[int, int]] | None:
    """This meeting's cue and its span in the text: convener, name, held clause, chair's title."""
    text = doc.text
    for label in (meeting.convener, meeting.name):
        cue = _first_cue(label) if label else None
        span = _locate(text, label, meeting.held_start, meeting.held_end) if cue else None
        if cue is not None and span is not None:
            return cue, span
    cue = _first_cue(text, meeting.held_start, meeting.held_end)
    if cue is not None:
        return cue, _extend(text, cue, 0)
    end = min(meeting.end, _body_end(text, meeting.start))
    for sentence in re.finditer(r"[^。!?\n]*(?:主持|讲话)[^。!?\n]*", text[meeting.start : end]):
        cue = _first_cue(text, meeting.start + sentence.start(), meeting.start + sentence.end())
        if cue is not None:
            return cue, _extend(text, cue, 0)
    return None


def _resolve(doc: NormalisedText, meeting: MeetingSpan, cue: _Cue) -> tuple[str, str | None, str]:
    """Level, jurisdiction and note from the cue and, when needed, the rest of the text."""
    if cue.level == "national":
        return "national", NATIONAL_JURISDICTION, ""
    if cue.jurisdiction is not None:
        return cue.level or "provincial", cue.jurisdiction, ""
    if cue.level in (None, "provincial"):
        province, note = _province(doc, meeting)
        if cue.level is None:
            note = f"The unit is redacted (全x, x委); {note}"
        return "provincial", province, note
    if cue.level == "prefectural":
        municipality, note = _municipality(doc, meeting)
        if municipality is not None:
            return "provincial", municipality, note
        return "prefectural", None, note
    return cue.level, None, f"The text gives the {cue.level} unit but not its name."


def _extract(doc: NormalisedText, meeting: MeetingSpan) -> MeetingLevel | None:
    found = _find_cue(doc, meeting)
    if found is None:
        return None
    cue, span = found
    level, jurisdiction, note = _resolve(doc, meeting, cue)
    if cue.level is None and jurisdiction is None:
        return None  # a redacted unit whose province is unknown tells nothing
    try:
        evidence: Evidence = doc.evidence(*span)
        return MeetingLevel(
            level=level, jurisdiction=jurisdiction, evidence=evidence, note=note or None
        )
    except ValidationError:  # the contract refuses this candidate
        return None


def extract_level(ctx: ReportContext, meeting: MeetingSpan) -> MeetingLevel | None:
    """The level and jurisdiction of the meeting's convening body, or None when nothing in the
    text shows the level."""
    return _extract(ctx.doc, meeting)


__all__ = ["DATA", "extract_level"]
