"""The administrative level of the body that held a meeting, and the area it governs.

The level is that of the convening body's OWN unit: the lowest unit of the chain it is written
with (某省某市某镇党委 → township, that 镇). It is read from this meeting's convener, then its
name, then its held clause (the body right before 召开, else the name after it), and only then
from the titles of the officials who chaired it; in a chain of titles the one nearest the verb is
the post that convenes (某省委常委、某市委书记主持召开 → the 市). Places come from the gazetteer
(``covidmeet_ds.places``: official full names, short forms, levels, county-level cities);
townships (乡/镇/街道), which it does not hold, are recognised by form: a name of two to four
characters right before 镇/乡/街道 and a body or a verb (某某镇党委, 某某街道召开).

A body written with its unit word only (我区, 市委, 全镇, 县疫情防控指挥部) is resolved from the
report: the place of that kind it names most as its own (in titles, before bodies), nearest scope
first (held clause, the meeting's passage, the body). Places after 在/赴/援助…, in quotations and
in background sentences (另据, 此前) do not count. National meetings are those of national bodies
(国务院, 中共中央, ministries); 全国 counts only in the convener, the name or the held clause,
and only when no lower unit does. Cue words are data (``data/levels.yaml``).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

from pydantic import ValidationError

from ..models import Evidence, MeetingLevel
from ..places import Division, PlaceMention, find_places, gazetteer
from ..taxonomy import DataFile, load_data, provinces
from ..text.patterns import alternation, scanning
from ..text.punctuation import marks_in
from .context import ReportContext
from .meetings import MeetingSpan

DATA = ("levels.yaml", "provinces.yaml")

NATIONAL_JURISDICTION = "中华人民共和国"
_HAN = re.compile(r"[\u4e00-\u9fff]")
_UNIT_START = re.compile(r"[省市州县区旗盟]")
"""A unit character right after a unit is the real unit (杭州市: the unit is 市, not 州)."""
_PHRASE_END = re.compile(scanning(r"[,。;、]|[就对把将要在和与及向为]|召开|举行|提出|传达"))
"""Where the noun phrase after a cue ends: a relay word beyond it belongs to the predicate."""
_CENTRAL_GROUP = r"中央[^,。;、\s]{0,16}?领导小组"
_SENTENCE_ENDS = "。!?\n"
_SENTENCE = re.compile(r"[^。!?\n]+")
_QUOTE = re.compile(r"“[^”\n]{0,400}”")
_FURNITURE_WORDS = (
    *("相关推荐", "热点推荐", "相关阅读", "相关资源", "相关搜索", "相关文章", "相关新闻"),
    *("延伸阅读", "推荐阅读", "评论一下", "版权所有", "版权与信息产品"),
)
_FURNITURE = re.compile("|".join(_FURNITURE_WORDS))
_FURNITURE_LONGEST = max(map(len, _FURNITURE_WORDS))
_CHAIR = re.compile(r"主持|讲话")

Level = Literal["provincial", "prefectural", "county", "township"]


# --- cue data ---------------------------------------------------------------------------------


class _Unit(DataFile):
    level: Level
    kinds: tuple[str, ...]


class _Length(DataFile):
    min: int
    max: int


class _Weights(DataFile):
    full_name: int
    short_name: int
    abbreviation: int
    as_body: int


class _LevelCues(DataFile):
    """``data/levels.yaml``."""

    national: tuple[str, ...]
    nationwide: str
    units: dict[str, _Unit]
    unit_bodies: dict[str, str]
    own_unit_prefixes: tuple[str, ...]
    body_suffixes: tuple[str, ...]
    body_gap: int
    township_next: tuple[str, ...]
    township_name_not_first: frozenset[str]
    township_name_never: frozenset[str]
    township_name_length: _Length
    convene_verbs: tuple[str, ...]
    organisations: tuple[str, ...]
    false_units: tuple[str, ...]
    redaction: str
    relay_before: tuple[str, ...]
    relay_after: tuple[str, ...]
    other_place_before: tuple[str, ...]
    other_place_after: tuple[str, ...]
    background_openers: tuple[str, ...]
    abbreviation_prefixes: tuple[str, ...]
    ambiguous_abbreviations: frozenset[str]
    weights: _Weights


@dataclass(frozen=True)
class _Data:
    cues: _LevelCues
    national: re.Pattern[str]
    nationwide: re.Pattern[str]
    own_unit: re.Pattern[str]
    bodied_unit: re.Pattern[str]
    redacted: re.Pattern[str]
    township: re.Pattern[str]
    verb: re.Pattern[str]
    organisation: re.Pattern[str]
    as_body: re.Pattern[str]
    abbreviation: re.Pattern[str]
    abbreviations: dict[str, str]


@cache
def _data() -> _Data:
    """Cue data, compiled once into the patterns the rule uses."""
    cues = load_data("levels.yaml", _LevelCues)
    units = alternation(cues.units)
    body = rf"(?=[^,。;、\s]{{0,{cues.body_gap}}}?(?:{alternation(cues.body_suffixes)}))"
    own = alternation(cues.own_unit_prefixes)
    townships = alternation(u for u, unit in cues.units.items() if unit.level == "township")
    abbreviations = {
        p.abbreviation: p.name
        for p in provinces()
        if p.abbreviation not in cues.ambiguous_abbreviations
    }
    return _Data(
        cues=cues,
        national=re.compile(rf"{alternation(cues.national)}|{_CENTRAL_GROUP}"),
        nationwide=re.compile(re.escape(cues.nationwide)),
        own_unit=re.compile(rf"(?:{own})(?P<unit>{units})"),
        bodied_unit=re.compile(rf"(?P<unit>{units}){body}"),
        redacted=re.compile(rf"(?:{own}){cues.redaction}(?![A-Za-z])|{cues.redaction}(?=委|政府)"),
        township=re.compile(rf"(?P<unit>{townships})(?={alternation(cues.township_next)})"),
        verb=re.compile(alternation(cues.convene_verbs)),
        organisation=re.compile(
            rf"[^,。;、\s]{{0,{cues.body_gap}}}?(?:{alternation(cues.organisations)})"
        ),
        as_body=re.compile(body),
        abbreviation=re.compile(
            rf"(?:{alternation(cues.abbreviation_prefixes)})(?:\(返\)|返)?"
            rf"(?P<abbr>{alternation(abbreviations)})"
        ),
        abbreviations=abbreviations,
    )


# --- cues of the convening body's unit --------------------------------------------------------


@dataclass(frozen=True)
class _Cue:
    """The unit of a body written in the text: ``text[start:end]``."""

    start: int
    end: int
    level: str | None
    """None for a redacted unit (全x), whose level depends on the province being known."""
    jurisdiction: str | None
    kind: Literal["national", "nationwide", "place", "township", "unit", "redacted"]
    unit: str | None = None
    """The unit word of a body written without its place (市 of 市委), to resolve."""
    candidates: tuple[Division, ...] = ()
    """The divisions a place cue may name, when its name is shared."""


def _in_relay(text: str, start: int, end: int) -> bool:
    """The cue names another meeting being relayed or studied (传达全国会议精神)."""
    cues = _data().cues
    before = text[max(0, start - 6) : start]
    after = text[end : end + 20]
    stop = _PHRASE_END.search(after)
    after = after[: stop.start()] if stop else after
    return any(w in before for w in cues.relay_before) or any(w in after for w in cues.relay_after)


@lru_cache(maxsize=64)
def _false_unit_shifts(unit: str) -> tuple[tuple[str, int], ...]:
    """The ordinary words holding ``unit`` and where (社区 holds 区 at 1): a cue lookup."""
    return tuple(
        (word, shift)
        for word in _data().cues.false_units
        for shift in range(len(word))
        if word.startswith(unit, shift)
    )


def _is_false_unit(text: str, start: int, end: int) -> bool:
    """社区, 城市, 乡镇 …: the unit character is part of an ordinary word."""
    for word, shift in _false_unit_shifts(text[start:end]):
        lo = start - shift
        if lo >= 0 and text.startswith(word, lo):
            return True
    return False


def _is_elsewhere(text: str, start: int, end: int) -> bool:
    """A place after 在/赴/援助 … or before 返/籍 …: not the speaker's own place."""
    cues = _data().cues
    before = text[max(0, start - 2) : start]
    return before.endswith(cues.other_place_before) or text.startswith(cues.other_place_after, end)


def _township_name_start(text: str, unit_start: int, floor: int, ends: frozenset[int]) -> int:
    """Where the township name before ``unit_start`` begins, or -1: right after a place of the
    chain (某县某某镇), else after a non-Han character (,某某镇召开)."""
    length = _data().cues.township_name_length
    for size in range(length.min, length.max + 1):
        start = unit_start - size
        if start < floor:
            break
        if not _HAN.fullmatch(text[start]):
            break
        if start in ends or start == floor or not _HAN.match(text, start - 1):
            return start
    return -1


def _townships(text: str, start: int, end: int, ends: frozenset[int]) -> Iterator[_Cue]:
    """Townships named in ``text[start:end]`` (某某镇党委, 某某街道召开)."""
    data = _data()
    for match in data.township.finditer(text, start, end):
        unit_start = match.start()
        if _is_false_unit(text, unit_start, match.end()):
            continue
        name_start = _township_name_start(text, unit_start, start, ends)
        if name_start < 0 or text[name_start] in data.cues.township_name_not_first:
            continue
        if any(char in data.cues.township_name_never for char in text[name_start:unit_start]):
            continue  # 某某乡在乡政府召开: 乡在 is no name
        if _is_elsewhere(text, name_start, match.end()):
            continue
        name = text[name_start : match.end()]
        yield _Cue(name_start, match.end(), "township", name, "township")


def _inside_place(position: int, mentions: Sequence[PlaceMention]) -> bool:
    """Whether ``position`` is inside a name of the gazetteer (the 镇 of a city named 某某镇)."""
    at = bisect_right(mentions, position, key=lambda m: m.start) - 1
    return at >= 0 and mentions[at].end > position


def _place_cues(
    text: str, mentions: Sequence[PlaceMention], townships: dict[int, _Cue]
) -> Iterator[_Cue]:
    """One cue per chain of places (某省某市, 某市某镇): its lowest unit."""
    chain: list[PlaceMention] = []
    for mention in [*mentions, None]:
        if mention is not None and chain and mention.start == chain[-1].end:
            chain.append(mention)
            continue
        if chain:
            lowest = chain[-1]
            township = townships.pop(lowest.end, None)
            if township is not None:
                yield _Cue(
                    chain[0].start, township.end, "township", township.jurisdiction, "township"
                )
            elif not _is_elsewhere(text, chain[0].start, lowest.end):
                yield _place_cue(chain[0].start, lowest)
        chain = [] if mention is None else [mention]


def _place_cue(start: int, mention: PlaceMention) -> _Cue:
    candidates = mention.candidates
    levels = {d.level for d in candidates}
    level = levels.pop() if len(levels) == 1 else None
    if len(candidates) == 1:
        return _Cue(start, mention.end, level, candidates[0].name, "place")
    return _Cue(start, mention.end, level, None, "place", candidates=candidates)


def _unit_cues(text: str, start: int, end: int, covered: list[tuple[int, int]]) -> Iterator[_Cue]:
    """Bodies written with their unit word only (全省, 我区, 市委, 镇党委, 州疫情防控指挥部)."""
    data = _data()
    seen: set[int] = set()
    for pattern in (data.own_unit, data.bodied_unit):
        for match in pattern.finditer(text, start, end):
            unit_start = match.start("unit")
            unit = match.group("unit")
            unit_end = unit_start + len(unit)
            if unit_start in seen or any(lo <= unit_start < hi for lo, hi in covered):
                continue
            if any(hi == unit_start for _, hi in covered):
                continue  # 某某县县委: the place before already names the unit
            if _is_false_unit(text, unit_start, unit_end) or _UNIT_START.match(text, unit_end):
                continue
            seen.add(unit_start)
            unit = next(
                (
                    u
                    for body, u in data.cues.unit_bodies.items()
                    if text.startswith(body, unit_start)
                ),
                unit,
            )
            level = data.cues.units[unit].level
            yield _Cue(match.start(), match.end(), level, None, "unit", unit=unit)


def _cues(
    text: str, start: int, end: int, mentions: Sequence[PlaceMention], nationwide: bool
) -> list[_Cue]:
    """Every cue of a body's unit in ``text[start:end]``, left to right (relays left out)."""
    data = _data()
    found: list[_Cue] = [
        _Cue(m.start(), m.end(), "national", NATIONAL_JURISDICTION, "national")
        for m in data.national.finditer(text, start, end)
    ]
    ends = frozenset(m.end for m in mentions)
    townships = {
        cue.start: cue
        for cue in _townships(text, start, end, ends)
        if not _inside_place(cue.end - 1, mentions)
    }
    found += _place_cues(text, mentions, townships)
    found += townships.values()
    covered = [(c.start, c.end) for c in found] + [(m.start, m.end) for m in mentions]
    found += _unit_cues(text, start, end, covered)
    found += [
        _Cue(m.start(), m.end(), None, None, "redacted")
        for m in data.redacted.finditer(text, start, end)
    ]
    if nationwide:
        found += [
            _Cue(m.start(), m.end(), "national", NATIONAL_JURISDICTION, "nationwide")
            for m in data.nationwide.finditer(text, start, end)
        ]
    found = [
        c
        for c in found
        if not _in_relay(text, c.start, c.end) and not _is_organisation(text, c, end)
    ]
    return sorted(found, key=lambda c: (c.start, -c.end))


def _is_organisation(text: str, cue: _Cue, end: int) -> bool:
    """某县人民医院, 某某大学: the place is where an organisation is, not a government's unit."""
    if cue.kind in ("national", "nationwide"):
        return False
    verb = _data().verb.search(text, cue.end, end)
    stop = verb.start() if verb else end
    return _data().organisation.match(text[:stop], cue.end) is not None


def _choose(cues: list[_Cue], verb: int | None) -> _Cue | None:
    """The convening body's cue: the one nearest before the verb (the last title of a chain of
    titles is the post that convenes), else the first after it; 全国 only when nothing else."""
    real = [c for c in cues if c.kind != "nationwide"]
    if not real:
        return cues[0] if cues else None
    if verb is not None:
        before = [c for c in real if c.end <= verb]
        if before:
            return before[-1]
    return real[0]


# --- the report's own place for a body named by its unit word only ----------------------------


def _mentions_in(mentions: Sequence[PlaceMention], start: int, end: int) -> list[PlaceMention]:
    lo = bisect_left(mentions, start, key=lambda m: m.start)
    out = []
    for mention in mentions[lo:]:
        if mention.start >= end:
            break
        if mention.end <= end:
            out.append(mention)
    return out


def _body_end(text: str, start: int, end: int | None = None) -> int:
    """Where the first furniture word at or after ``start`` starts, at most ``end``. The search
    stops where a word starting before ``end`` would end: run to the text's end for every
    meeting of a long report, it was quadratic."""
    if end is None:
        end = len(text)
    cut = _FURNITURE.search(text, start, end + _FURNITURE_LONGEST - 1)
    return min(cut.start(), end) if cut else end


@dataclass(frozen=True)
class _Own:
    """Where the report's own places may be named: its body without quotations and background
    sentences."""

    end: int
    excluded: tuple[tuple[int, int], ...]

    def counts(self, start: int) -> bool:
        return start < self.end and not any(lo <= start < hi for lo, hi in self.excluded)


def _own(text: str) -> _Own:
    openers = _data().cues.background_openers
    excluded = [m.span() for m in _QUOTE.finditer(text)]
    excluded += [
        m.span() for m in _SENTENCE.finditer(text) if m.group().lstrip(" ,").startswith(openers)
    ]
    return _Own(_body_end(text, 0), tuple(excluded))


def _scores(
    text: str, mentions: Iterable[PlaceMention], kinds: frozenset[str], own: _Own, province: str
) -> dict[str, list[str]]:
    """Official name → the words naming it as the report's own place (repeated by weight)."""
    weights = _data().cues.weights
    hits: dict[str, list[str]] = {}
    for mention in mentions:
        if not own.counts(mention.start) or _is_elsewhere(text, mention.start, mention.end):
            continue
        fitting = [d for d in mention.candidates if d.kind in kinds]
        if len(fitting) > 1:
            fitting = [d for d in fitting if d.province == province]
        if len(fitting) != 1:
            continue
        weight = weights.full_name if mention.form == "full" else weights.short_name
        if _data().as_body.match(text, mention.end):
            weight += weights.as_body
        hits.setdefault(fitting[0].name, []).extend([mention.text] * weight)
    return hits


def _abbreviation_hits(text: str, start: int, end: int, own: _Own) -> dict[str, list[str]]:
    data = _data()
    hits: dict[str, list[str]] = {}
    for match in data.abbreviation.finditer(text, start, end):
        if own.counts(match.start()):
            name = data.abbreviations[match.group("abbr")]
            hits.setdefault(name, []).extend([match.group()] * data.cues.weights.abbreviation)
    return hits


def _township_hits(
    text: str,
    start: int,
    end: int,
    unit: str,
    own: _Own,
    ends: frozenset[int],
    mentions: Sequence[PlaceMention],
) -> dict[str, list[str]]:
    """Townships with this unit word named in ``text[start:end]`` (a township's own report
    names it; a quotation or the background does not count)."""
    hits: dict[str, list[str]] = {}
    for cue in _townships(text, start, end, ends):
        if _inside_place(cue.end - 1, mentions):
            continue
        if cue.jurisdiction and cue.jurisdiction.endswith(unit) and own.counts(cue.start):
            hits.setdefault(cue.jurisdiction, []).append(cue.jurisdiction)
    return hits


def _leader(hits: dict[str, list[str]]) -> str | None:
    """The name with the strictly highest score."""
    best = max(map(len, hits.values()), default=0)
    if best == 0:
        return None
    leaders = [name for name, words in hits.items() if len(words) == best]
    return leaders[0] if len(leaders) == 1 else None


def _held_sentence(text: str, meeting: MeetingSpan, stop: int) -> tuple[int, int]:
    """The sentence that reports the meeting held (我县召开…会议,…部署某县…工作。), within the
    meeting's passage: it names the own place before the passage's other news does."""
    marks = marks_in(text, _SENTENCE_ENDS)
    opened = marks.last_before(meeting.held_start)
    closes = marks.first_from(meeting.held_end, stop)
    start = max(opened + 1, min(meeting.start, meeting.held_start))
    return start, stop if closes < 0 else closes


def _scopes(text: str, meeting: MeetingSpan, end: int) -> Iterator[tuple[str, int, int]]:
    """Where the own place is looked for, nearest first."""
    yield "the held clause", meeting.held_start, meeting.held_end
    stop = min(meeting.end, end)
    yield "the held sentence", *_held_sentence(text, meeting, stop)
    yield "the meeting's passage", meeting.start, stop
    yield "the report's body", 0, end


def _report_province(ctx: ReportContext, own: _Own) -> str:
    """The province the report names most as its own (for shared short names), or ''."""
    text = ctx.doc.text
    kinds = frozenset().union(*(_data().cues.units[u].kinds for u in ("省", "自治区", "市")))
    hits = _scores(text, ctx.places, kinds, own, "")
    for name, words in _abbreviation_hits(text, 0, own.end, own).items():
        hits.setdefault(name, []).extend(words)
    provincial = {d.name for d in gazetteer().provincial()}
    leader = _leader({k: v for k, v in hits.items() if k in provincial})
    return leader or ""


@dataclass(frozen=True)
class _Report:
    """What the resolution needs about the whole report, computed once per report."""

    places: tuple[PlaceMention, ...]
    own: _Own
    province: str
    ends: frozenset[int]


def _report(ctx: ReportContext) -> _Report:
    """The report's resolution data, computed once per report (``ReportContext.memo``)."""
    return ctx.memo("levels.report", lambda: _read_report(ctx))


def _read_report(ctx: ReportContext) -> _Report:
    places = ctx.places
    own = _own(ctx.doc.text)
    return _Report(places, own, _report_province(ctx, own), frozenset(m.end for m in places))


def _resolve_unit(
    ctx: ReportContext, meeting: MeetingSpan, unit: str
) -> tuple[str, str | None, str]:
    """Level, full name and note of a body written with its unit word only (我区, 市委)."""
    data = _data()
    text = ctx.doc.text
    spec = data.cues.units[unit]
    report = _report(ctx)
    own, province, ends = report.own, report.province, report.ends
    kinds = frozenset(spec.kinds)
    for where, start, end in _scopes(text, meeting, own.end):
        if spec.level == "township":
            hits = _township_hits(text, start, end, unit, own, ends, report.places)
        else:
            hits = _scores(text, _mentions_in(ctx.places, start, end), kinds, own, province)
            if spec.level == "provincial":
                for name, words in _abbreviation_hits(text, start, end, own).items():
                    hits.setdefault(name, []).extend(words)
        leader = _leader(hits)
        if leader is not None:
            words = "、".join(dict.fromkeys(hits[leader]))
            note = f"The text says only {unit}; in {where}, the words {words} point to {leader}."
            return _level_of(leader, spec.level), leader, note
        if hits:
            note = f"The text says only {unit}; in {where} several places are named equally often."
            return spec.level, None, note
    return spec.level, None, f"The text says only {unit} and names no place of that kind."


def _level_of(name: str, fallback: str) -> str:
    """The level of a division by its official name (townships are not in the gazetteer)."""
    found = gazetteer().by_form.get(name)
    if found is None or found[1] != "full":
        return fallback
    levels = {d.level for d in found[0]}
    return levels.pop() if len(levels) == 1 else fallback


def _resolve_shared(ctx: ReportContext, cue: _Cue) -> tuple[str | None, str | None, str]:
    """A place whose name is shared (通州区): the one in the province the report is about."""
    province = _report(ctx).province
    inside = [d for d in cue.candidates if d.province == province]
    if len(inside) == 1:
        note = f"The name is shared by several places; the report is about {province}."
        return inside[0].level, inside[0].name, note
    return cue.level, None, "The name is shared by several places; the text does not tell which."


# --- the public rule --------------------------------------------------------------------------


def _locate(text: str, needle: str, start: int, end: int) -> int:
    at = text.find(needle, max(0, start - 5), end + 5)
    return at if at >= 0 else text.find(needle)


_PHRASE_STOP = re.compile(r"[,。;、\s]|召开|举行|主持")
_PHRASE_REACH = 30
"""A cue's quote runs at most this far from its start."""


def _extend(text: str, start: int, end: int) -> tuple[int, int]:
    """A cue extended to the end of its noun phrase (for the quote)."""
    # a stop starting past the reach changes nothing: the search ends there (+2 for 召开)
    stop = _PHRASE_STOP.search(text, end, start + _PHRASE_REACH + 2)
    stop_at = stop.start() if stop else len(text)
    return start, max(end, min(stop_at, start + _PHRASE_REACH))


def _label_cue(
    ctx: ReportContext, label: str, meeting: MeetingSpan
) -> tuple[_Cue, int, int] | None:
    """The cue of a convener or a meeting name, with where the label is in the text."""
    text = ctx.doc.text
    at = _locate(text, label, meeting.held_start, meeting.held_end)
    if at < 0:
        mentions: Sequence[PlaceMention] = find_places(label)
        cue = _choose(_cues(label, 0, len(label), mentions, nationwide=True), None)
        return None if cue is None else (cue, -1, -1)
    mentions = _mentions_in(ctx.places, at, at + len(label))
    cue = _choose(_cues(text, at, at + len(label), mentions, nationwide=True), None)
    return None if cue is None else (cue, at, at + len(label))


def _find_cue(ctx: ReportContext, meeting: MeetingSpan) -> tuple[_Cue, tuple[int, int]] | None:
    """This meeting's cue and the span that shows it: convener, name, held clause, chair."""
    text = ctx.doc.text
    for label in (meeting.convener, meeting.name):
        found = _label_cue(ctx, label, meeting) if label else None
        if found is not None:
            cue, start, end = found
            if start < 0:  # the label is not written as such: the held clause shows it
                start, end = meeting.held_start, meeting.held_end
            return cue, (start, end)
    start, end = meeting.held_start, meeting.held_end
    verb = _data().verb.search(text, start, end)
    mentions = _mentions_in(ctx.places, start, end)
    cue = _choose(_cues(text, start, end, mentions, True), verb.start() if verb else None)
    if cue is not None:
        return cue, _extend(text, cue.start, cue.end)
    stop = _body_end(text, meeting.start, meeting.end)
    for sentence in _SENTENCE.finditer(text, meeting.start, stop):
        chair = _CHAIR.search(sentence.group())
        if chair is None:
            continue
        lo, hi = sentence.span()
        cues = _cues(text, lo, hi, _mentions_in(ctx.places, lo, hi), nationwide=False)
        cue = _choose(cues, lo + chair.start())
        if cue is not None:
            return cue, _extend(text, cue.start, cue.end)
    return None


def _resolve(
    ctx: ReportContext, meeting: MeetingSpan, cue: _Cue
) -> tuple[str | None, str | None, str]:
    """Level, jurisdiction and note of the cue, from the rest of the text when needed."""
    if cue.kind in ("national", "nationwide"):
        return "national", NATIONAL_JURISDICTION, ""
    if cue.kind == "redacted":
        level, name, note = _resolve_unit(ctx, meeting, "省")
        return level, name, f"The unit is redacted (全x, x委); {note}"
    if cue.unit is not None:
        return _resolve_unit(ctx, meeting, cue.unit)
    if cue.jurisdiction is None and cue.candidates:
        return _resolve_shared(ctx, cue)
    return cue.level, cue.jurisdiction, ""


def _extract(ctx: ReportContext, meeting: MeetingSpan) -> MeetingLevel | None:
    found = _find_cue(ctx, meeting)
    if found is None:
        return None
    cue, span = found
    level, jurisdiction, note = _resolve(ctx, meeting, cue)
    if level is None or (cue.kind == "redacted" and jurisdiction is None):
        return None  # a redacted unit whose province is unknown tells nothing
    evidence: Evidence = ctx.doc.evidence(*span)
    try:
        return MeetingLevel(
            level=level, jurisdiction=jurisdiction, evidence=evidence, note=note or None
        )
    except ValidationError:  # the contract refuses this candidate
        return None


def extract_level(ctx: ReportContext, meeting: MeetingSpan) -> MeetingLevel | None:
    """The level and jurisdiction of the meeting's convening body, or None when nothing in the
    text shows the level."""
    return _extract(ctx, meeting)


__all__ = ["DATA", "NATIONAL_JURISDICTION", "extract_level"]
