"""When a meeting took place: its date expression, the year behind it, and the time of day.

Reports rarely write the year: they say ``3月16日下午``, ``今天(1月17日)上午`` or ``今日召开``. The
rule first finds the meeting's own date expression, looking where the report dates *this*
meeting: in the held clause, then in the sentence around it, then at the start of its passage
(only a date followed by 召开/举行 there), never in other meetings' passages or page furniture. A
meeting "held right after" another (在随后召开的…, 全国会议结束后) takes the date of the last
meeting held before it.

The year then comes, in the order of the guidelines, from a year written with the date
(``explicit``), from the article's own publication date (``publication``: the latest such date not
after publication), or from terms that date a phase of the epidemic (``context``, anchors in
``data/dates.yaml``). A *decisive* anchor (an official name of a short period, such as
新型冠状病毒感染的肺炎) overrides a publication date far outside its period: such a date belongs
to a re-post or an upload. A date that cannot be placed in a year is null, with a note.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import Literal

from pydantic import Field, ValidationError

from ..models import DATE_WINDOW, Evidence, MeetingDate
from ..taxonomy import DataFile, load_data
from ..text.normalise import NormalisedText
from ..text.patterns import alternation, scanning, search
from ..text.punctuation import CLAUSE_BREAKS, SENTENCE_BREAKS, marks_in
from .context import ReportContext
from .meetings import MeetingSpan

DATA = ("dates.yaml",)

_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}

_NUM = r"[0-9０-９]{1,2}|[一二三四五六七八九十〇零]{1,3}"
_REDACTED = r"[xX×*＊]{1,2}"
_YEAR = r"[0-9０-９]{4}|[〇零一二三四五六七八九]{4}|20[xX×*＊]{2}"
_LUNAR_DAY = (
    r"初[一二三四五六七八九十]|二十[一二三四五六七八九]?|廿[一二三四五六七八九]|三十"
    r"|十[一二三四五六七八九]?"
)
_SENTENCE_END = re.compile(f"[{re.escape(SENTENCE_BREAKS)}]")
_CLAUSE_END = re.compile(f"[{re.escape(CLAUSE_BREAKS)}]")
_HELD_TAIL = re.compile(r"(?:召开|举行)的?")
_YEARS = range(DATE_WINDOW[0].year, DATE_WINDOW[1].year + 1)


TimeOfDay = Literal["morning", "afternoon", "evening"]


class _AnchorRow(DataFile):
    """A term that dates a phase of the epidemic, as written in ``data/dates.yaml``."""

    pattern: str
    start: date = Field(alias="from")
    until: date
    decisive: bool
    note: str


class _DateCues(DataFile):
    """The contents of ``data/dates.yaml``."""

    anchors: tuple[_AnchorRow, ...]
    decisive_slack_days_before: int
    decisive_slack_days_after: int
    spring_festival: dict[int, date]
    time_of_day: dict[str, TimeOfDay]
    relative_days: dict[str, int]
    vague_days: tuple[str, ...]
    vague_days_reach: int
    vague_not_after: tuple[str, ...]
    bare_hao_followed_by: tuple[str, ...]
    weekdays: dict[str, int]
    this_week: tuple[str, ...]
    last_week: tuple[str, ...]
    relative_cues: tuple[str, ...]
    same_day_cues: tuple[str, ...]
    held_verbs: tuple[str, ...]
    not_event_before: tuple[str, ...]
    not_event_after: tuple[str, ...]
    stamp_after: str
    dateline: str
    dateline_reach: int
    furniture_markers: tuple[str, ...]


@dataclass(frozen=True)
class _Anchor:
    """A term that dates a phase of the epidemic, compiled."""

    pattern: re.Pattern[str]
    start: date
    until: date
    decisive: bool
    note: str


@dataclass(frozen=True)
class _Cues:
    anchors: tuple[_Anchor, ...]
    slack_before: timedelta
    slack_after: timedelta
    spring_festival: dict[int, date]
    time_of_day: dict[str, str]
    relative_days: dict[str, int]
    weekdays: dict[str, int]
    last_week: frozenset[str]
    vague_reach: int
    relative: re.Pattern[str]
    same_day: frozenset[str]
    held_verbs: re.Pattern[str]
    not_event_before: tuple[str, ...]
    not_event_after: tuple[str, ...]
    stamp_after: re.Pattern[str]
    dateline: re.Pattern[str]
    dateline_reach: int
    furniture: re.Pattern[str]
    expression: re.Pattern[str]


@cache
def _cues() -> _Cues:
    """The cue data, read once; the date grammar's regex includes its time-of-day words."""
    data = load_data("dates.yaml", _DateCues)
    anchors = tuple(
        _Anchor(
            pattern=re.compile(row.pattern),
            start=row.start,
            until=row.until,
            decisive=row.decisive,
            note=" ".join(row.note.split()),
        )
        for row in data.anchors
    )
    times = alternation([*data.time_of_day, "中午"])
    inner = rf"(?:(?:(?P<iyear>{_YEAR})年)?(?P<imonth>{_NUM})月)?(?P<iday>{_NUM})[日号]?"
    today = rf"(?P<rel>{alternation(data.relative_days)})(?:\({inner}\))?"
    absolute = (
        rf"(?<![0-9０-９])(?:(?P<year>{_YEAR})年)?(?P<month>{_NUM}|{_REDACTED})月"
        rf"(?:(?P<day>{_NUM}|{_REDACTED})[日号])?"
    )
    # 26日, 5号上午: a day of the report's own month (or the month before)
    bare = (
        r"(?<![0-9０-９月年第.])(?P<bday>[0-9０-９]{1,2})"
        rf"(?:日|号(?={alternation(data.bare_hao_followed_by)}))"
    )
    not_after = "".join(f"(?<!{re.escape(word)})" for word in data.vague_not_after)
    vague = rf"{not_after}(?P<vague>{alternation(data.vague_days)})"
    follows = alternation(data.bare_hao_followed_by)
    weekday = (
        rf"(?:(?P<week>{alternation([*data.this_week, *data.last_week])})(?:周|星期|礼拜)?"
        rf"|(?:周|星期|礼拜))(?P<wday>{alternation(data.weekdays)})"
    )
    weekday = rf"(?:{weekday})(?(week)|(?={follows}))"
    lunar = (
        rf"(?:农历)?(?:正月(?P<lday>{_LUNAR_DAY})|大年(?P<nday>初[一二三四五六七八九十])"
        r"|(?P<eve>除夕|大年三十))"
    )
    expression = re.compile(
        scanning(rf"(?:{today}|{absolute}|{bare}|{vague}|{weekday}|{lunar})(?P<tod>{times})?")
    )
    return _Cues(
        anchors=anchors,
        slack_before=timedelta(days=data.decisive_slack_days_before),
        slack_after=timedelta(days=data.decisive_slack_days_after),
        spring_festival=dict(data.spring_festival),
        time_of_day=dict(data.time_of_day),
        relative_days=dict(data.relative_days),
        weekdays=dict(data.weekdays),
        last_week=frozenset(data.last_week),
        vague_reach=data.vague_days_reach,
        relative=re.compile(alternation(data.relative_cues)),
        same_day=frozenset(data.same_day_cues),
        held_verbs=re.compile(alternation(data.held_verbs)),
        not_event_before=data.not_event_before,
        not_event_after=data.not_event_after,
        stamp_after=re.compile(data.stamp_after),
        dateline=re.compile(scanning(data.dateline)),
        dateline_reach=data.dateline_reach,
        furniture=re.compile(alternation(data.furniture_markers)),
        expression=expression,
    )


# --- parsing date expressions ---


@dataclass(frozen=True)
class _Expr:
    """One date expression of the text, parsed."""

    start: int
    end: int
    kind: str
    """``day`` (月日), ``month`` (年月 or a redacted day), ``lunar``, ``today`` (今日 alone, or
    昨天 with ``shift``), ``bare_day`` (26日: the month is the report's), ``vague`` (近日),
    ``weekday`` (本周三, 上周五: ``day`` is the weekday, Monday 0, ``shift`` -7 for last week) or
    ``latest_weekday`` (周三 alone)."""
    year: int | None = None
    month: int | None = None
    day: int | None = None
    lunar_offset: int | None = None
    """Days after the Spring Festival (正月初一 → 0, 除夕 → -1)."""
    shift: int = 0
    """For ``today``: 0 for 今天/今日, -1 for 昨天/昨日 (``data/dates.yaml``)."""
    time_of_day: str | None = None


def _number(token: str | None) -> int | None:
    """Arabic, full-width or Chinese numerals (二十六, 十一, 二〇二〇); None if redacted."""
    if not token:
        return None
    token = token.translate(_DIGITS)
    if token.isdigit():
        return int(token)
    if "十" not in token:
        digits = [_CN_DIGITS.get(ch) for ch in token]
        if None in digits:
            return None
        return int("".join(str(d) for d in digits))
    tens, _, units = token.partition("十")
    if len(tens) > 1 or len(units) > 1 or (tens and tens not in _CN_DIGITS):
        return None
    if units and units not in _CN_DIGITS:
        return None
    value = _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(units, 0)
    return value if value > 0 else None


def _lunar_offset(token: str) -> int | None:
    day = _number(token.replace("初", "").replace("廿", "二十"))
    return None if day is None or not 1 <= day <= 30 else day - 1


def _parse(match: re.Match[str], cues: _Cues) -> _Expr | None:
    groups = match.groupdict()
    tod = cues.time_of_day.get(groups["tod"] or "")
    span = {"start": match.start(), "end": match.end(), "time_of_day": tod}
    if groups["rel"]:
        if groups["imonth"]:
            return _absolute(groups["iyear"], groups["imonth"], groups["iday"], span)
        if groups["iday"]:
            return _bare_day(groups["iday"], span)
        return _Expr(kind="today", shift=cues.relative_days[groups["rel"]], **span)
    if groups["month"]:
        return _absolute(groups["year"], groups["month"], groups["day"], span)
    if groups["bday"]:
        return _bare_day(groups["bday"], span)
    if groups["vague"]:
        return _Expr(kind="vague", **span)
    if groups["wday"]:
        week = groups["week"]
        shift = -7 if week in cues.last_week else 0
        kind = "weekday" if week else "latest_weekday"
        return _Expr(kind=kind, day=cues.weekdays[groups["wday"]], shift=shift, **span)
    if groups["eve"]:
        return _Expr(kind="lunar", lunar_offset=-1, **span)
    offset = _lunar_offset(groups["lday"] or groups["nday"] or "")
    return None if offset is None else _Expr(kind="lunar", lunar_offset=offset, **span)


def _bare_day(day: str, span: dict) -> _Expr | None:
    day_n = _number(day)
    if day_n is None or not 1 <= day_n <= 31:
        return None
    return _Expr(kind="bare_day", day=day_n, **span)


def _absolute(year: str | None, month: str, day: str | None, span: dict) -> _Expr | None:
    year_n, month_n, day_n = _number(year), _number(month), _number(day)
    if month_n is None or not 1 <= month_n <= 12:
        return None  # a redacted month says nothing
    if day_n is not None and not 1 <= day_n <= 31:
        return None
    if day is None and year_n is None:
        return None  # a bare 3月 is too vague to be the meeting's date
    kind = "day" if day_n is not None else "month"
    return _Expr(kind=kind, year=year_n, month=month_n, day=day_n, **span)


def _expressions(text: str, start: int, end: int) -> Iterator[_Expr]:
    """Date expressions in ``text[start:end]`` that can be the date of an event."""
    cues = _cues()
    for match in cues.expression.finditer(text, max(0, start), max(0, end)):
        before = text[max(0, match.start() - 8) : match.start()].rstrip()
        after = text[match.end() : match.end() + 8]
        if before.endswith(cues.not_event_before):
            continue
        if after.startswith(cues.not_event_after) or cues.stamp_after.match(after):
            continue
        expr = _parse(match, cues)
        if expr is not None:
            yield expr


def _followed_by_held_verb(text: str, expr: _Expr) -> bool:
    """A date closely followed, in the same sentence, by 召开/举行: the date of a meeting."""
    window = text[expr.end : expr.end + 40]
    stop = _SENTENCE_END.search(window)
    return bool(_cues().held_verbs.search(window[: stop.start()] if stop else window))


# --- finding the meeting's own date ---


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    breaks = marks_in(text, SENTENCE_BREAKS)
    after = breaks.first_from(end)
    return breaks.last_before(start) + 1, (len(text) if after < 0 else after)


def _own_expression(text: str, meeting: MeetingSpan) -> _Expr | None:
    """The date expression that dates this meeting: held clause, its sentence, passage start."""
    held = next(_expressions(text, meeting.held_start, meeting.held_end), None)
    if held is not None:
        return held
    if _relative_cue(text, meeting) is not None:
        return None  # the meeting takes the date of the one before it
    lo, hi = _sentence_bounds(text, meeting.held_start, meeting.held_end)
    before = list(_expressions(text, lo, meeting.held_start))
    if before:
        return before[-1]
    for expr in _expressions(text, meeting.held_end, hi):
        if _followed_by_held_verb(text, expr):
            return expr
    head_end = min(meeting.end, meeting.start + 150)
    for expr in _expressions(text, meeting.start, head_end):
        if _followed_by_held_verb(text, expr):
            return expr
    return None


def _relative_cue(text: str, meeting: MeetingSpan) -> tuple[int, int] | None:
    """The words saying the meeting followed another (在随后召开的, 全国会议结束后), if any."""
    match = _cues().relative.search(text, meeting.held_start, meeting.held_end)
    if match is None:
        return None
    clause_starts = [m.end() for m in _CLAUSE_END.finditer(text, meeting.held_start, match.start())]
    start = clause_starts[-1] if clause_starts else meeting.held_start
    tail = _HELD_TAIL.match(text[match.end() : match.end() + 3])
    return start, match.end() + (tail.end() if tail else 0)


def _previous_meeting_date(text: str, meeting: MeetingSpan) -> _Expr | None:
    """The date of the last meeting reported held before this one (a date + 召开/举行)."""
    held = [
        expr
        for expr in _expressions(text, meeting.held_start - 1500, meeting.held_start)
        if _followed_by_held_verb(text, expr)
    ]
    return held[-1] if held else None


# --- placing the expression in a year ---


@dataclass(frozen=True)
class _Resolved:
    value: str
    basis: str
    note: str


def _interval(expr: _Expr, year: int) -> tuple[date, date] | None:
    """The days the expression can denote in ``year`` (None if it denotes none)."""
    try:
        if expr.kind == "day":
            day = date(year, expr.month or 0, expr.day or 0)
            return day, day
        if expr.kind == "month":
            month = expr.month or 0
            last = calendar.monthrange(year, month)[1]
            return date(year, month, 1), date(year, month, last)
        if expr.kind == "lunar":
            festival = _cues().spring_festival.get(year)
            if festival is None or expr.lunar_offset is None:
                return None
            day = festival + timedelta(days=expr.lunar_offset)
            return day, day
        if expr.kind in ("bare_day", "weekday", "latest_weekday"):
            return None  # a day without a month is placed only by the report's own date
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:  # not a calendar date (2月30日)
        return None


def _format(interval: tuple[date, date]) -> str:
    """ISO 8601 at the precision the interval allows: a day, a month or a year."""
    lo, hi = interval
    if lo == hi:
        return lo.isoformat()
    if (lo.year, lo.month) == (hi.year, hi.month):
        return f"{lo.year:04d}-{lo.month:02d}"
    return f"{lo.year:04d}"


@dataclass(frozen=True)
class _Scope:
    """``text[:end]``, without copying it (the body of a long report is a scope of each of its
    meetings)."""

    text: str
    end: int


_PREFIX_SENSITIVE = re.compile(r"\(\?<?[=!>]|\$|\\[bBZ]|[*+?}]\+")
"""What can make a pattern match a prefix of a text where it does not match the whole text:
lookarounds, ends, word boundaries and atomic or possessive parts (a test of the pattern's
source that may say so of some that cannot)."""


@lru_cache(maxsize=64)
def _first_match(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    return pattern.search(text)


def _search_prefix(pattern: re.Pattern[str], scope: _Scope) -> re.Match[str] | None:
    """``pattern.search(scope.text[:scope.end])``. For a pattern that does not look around, the
    first match of the whole text is also the first of a prefix it fits in, and there is none
    in a prefix that ends before it starts: the text is read once for all its meetings."""
    if _PREFIX_SENSITIVE.search(pattern.pattern):
        return pattern.search(scope.text, 0, scope.end)
    first = _first_match(pattern, scope.text)
    if first is None or first.start() >= scope.end:
        return None
    return first if first.end() <= scope.end else pattern.search(scope.text, 0, scope.end)


def _anchors_in(scope: _Scope) -> list[tuple[_Anchor, str]]:
    found = []
    for anchor in _cues().anchors:
        match = _search_prefix(anchor.pattern, scope)
        if match:
            found.append((anchor, match.group()))
    return found


def _conflicting(day: date, anchors: list[tuple[_Anchor, str]]) -> tuple[_Anchor, str] | None:
    """A decisive anchor whose period is far from ``day``, if any."""
    cues = _cues()
    for anchor, term in anchors:
        if anchor.decisive and not (
            anchor.start - cues.slack_before <= day <= anchor.until + cues.slack_after
        ):
            return anchor, term
    return None


def _month_of(day: date) -> tuple[date, date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def _by_report_day(expr: _Expr, report_day: date) -> tuple[date, date] | None:
    """The latest reading of the expression that is not after the report's own date; 今天 and
    昨日 count from it, a bare 26日 is in its month or the month before."""
    if expr.kind == "today":
        day = report_day + timedelta(days=expr.shift)
        return day, day
    if expr.kind == "vague":
        earliest = report_day - timedelta(days=_cues().vague_reach)
        if earliest.month == report_day.month:
            return _month_of(report_day)
        if earliest.year == report_day.year:
            return date(report_day.year, 1, 1), date(report_day.year, 12, 31)
        return None
    if expr.kind in ("weekday", "latest_weekday"):
        weekday = expr.day or 0
        if expr.kind == "latest_weekday":
            day = report_day - timedelta(days=(report_day.weekday() - weekday) % 7)
        else:
            week_start = report_day - timedelta(days=report_day.weekday())
            day = week_start + timedelta(days=weekday + expr.shift)
        return (day, day) if day <= report_day else None
    if expr.kind == "bare_day":
        month_start = report_day.replace(day=1)
        for first in (month_start, (month_start - timedelta(days=1)).replace(day=1)):
            if expr.day and expr.day <= calendar.monthrange(first.year, first.month)[1]:
                day = first.replace(day=expr.day)
                if day <= report_day:
                    return day, day
        return None
    for year in (report_day.year, report_day.year - 1):
        interval = _interval(expr, year)
        if interval is not None and interval[0] <= report_day:
            return interval
    return None


def _by_context(expr: _Expr, anchors: list[tuple[_Anchor, str]]) -> tuple[int, list] | None:
    """The one year in which most anchors agree with the expression (None on a tie or none)."""
    scores: dict[int, list[tuple[_Anchor, str]]] = {}
    for year in _YEARS:
        interval = _interval(expr, year)
        if interval is None:
            continue
        agreeing = [(a, t) for a, t in anchors if a.start <= interval[1] and interval[0] <= a.until]
        if agreeing:
            scores[year] = agreeing
    if not scores:
        return None
    best = max(len(v) for v in scores.values())
    years = [y for y, v in scores.items() if len(v) == best]
    return (years[0], scores[years[0]]) if len(years) == 1 else None


def _anchor_note(agreeing: list[tuple[_Anchor, str]]) -> str:
    return " ".join(f"{term}: {anchor.note}" for anchor, term in agreeing)


@dataclass(frozen=True)
class _ReportDay:
    """The report's own date: its dateline (3月2日电) placed in a year, or its publication date."""

    day: date
    source: str


def _dateline(text: str) -> _Expr | None:
    """The dateline near the start of the report (新华社某地3月2日电, 某某日报3月2日讯)."""
    cues = _cues()
    match = search(cues.dateline, text, 0, cues.dateline_reach)
    if match is None:
        return None
    return _absolute(
        match.group("year"),
        match.group("month"),
        match.group("day"),
        {"start": match.start(), "end": match.end(), "time_of_day": None},
    )


def _report_day(text: str, published: date | None) -> _ReportDay | None:
    dateline = _dateline(text)
    if dateline is not None and (dateline.year is not None or published is not None):
        if dateline.year is not None:
            interval = _interval(dateline, dateline.year)
        else:
            interval = _by_report_day(dateline, published) if published else None
        if interval is not None:
            quoted = text[dateline.start : dateline.end]
            return _ReportDay(interval[0], f"dateline {quoted} ({interval[0].isoformat()})")
    if published is not None:
        return _ReportDay(published, f"publication date {published.isoformat()}")
    return None


def _on_dateline(expr: _Expr, text: str) -> _Expr:
    """Without a year for the report's date, a 今天 or a bare day takes the month and day of a
    dateline (so that context terms can still place it); other expressions stay as they are."""
    dateline = _dateline(text)
    if dateline is None or expr.kind not in ("today", "bare_day") or dateline.day is None:
        return expr
    leap_year = 2020  # any leap year: only the month and day are kept
    dateline_day = date(leap_year, dateline.month or 1, dateline.day)
    if expr.kind == "today":
        day = dateline_day + timedelta(days=expr.shift)
    elif expr.day is not None and expr.day <= dateline.day:
        day = dateline_day.replace(day=expr.day)
    else:
        return expr
    return _Expr(
        expr.start, expr.end, "day", month=day.month, day=day.day, time_of_day=expr.time_of_day
    )


def _publication_note(expr: _Expr, text: str, report_day: _ReportDay) -> str:
    quoted = text[expr.start : expr.end]
    if expr.kind == "today":
        return f"{quoted} counts from the report's {report_day.source}."
    if expr.kind == "bare_day":
        return (
            f"{quoted} gives only the day; month and year from the report's {report_day.source}: "
            "the latest such day not after it."
        )
    if expr.kind in ("weekday", "latest_weekday"):
        return f"{quoted} counts back from the report's {report_day.source}."
    if expr.kind == "vague":
        return (
            f"{quoted} says only that the meeting was recent, so only the month (or the year) "
            f"of the report's {report_day.source} is given."
        )
    return f"Year from the report's {report_day.source}: the latest such date not after it."


def _resolve(
    text: str, expr: _Expr, published: date | None, scopes: list[_Scope]
) -> _Resolved | str:
    """The expression's value and year basis, or the reason it has none."""
    if expr.year is not None:
        interval = _interval(expr, expr.year)
        if interval is None:
            return f"{text[expr.start : expr.end]} is not a calendar date."
        return _Resolved(_format(interval), "explicit", "Year written with the date.")
    anchors = next((found for found in map(_anchors_in, scopes) if found), [])
    overridden = ""
    report_day = _report_day(text, published)
    if report_day is not None:
        interval = _by_report_day(expr, report_day.day)
        conflict = _conflicting(interval[0], anchors) if interval else None
        if interval is not None and conflict is None:
            note = _publication_note(expr, text, report_day)
            return _Resolved(_format(interval), "publication", note)
        if conflict is not None:
            overridden = (
                f"The report's {report_day.source} is far from the period of "
                f"{conflict[1]}, so it is a re-post or upload date, not the article's. "
            )
    expr = _on_dateline(expr, text) if report_day is None else expr
    placed = _by_context(expr, anchors)
    if placed is None:
        reason = "no term in the text dates it" if not anchors else "its dating terms disagree"
        return f"{overridden}The date has no year near the meeting, and {reason}."
    year, agreeing = placed
    interval = _interval(expr, year)
    if interval is None:
        return f"{overridden}The date cannot be placed in {year}."
    note = (
        f"{overridden}No year is written with the date; it is placed in {year} by the terms "
        f"that date the text. {_anchor_note(agreeing)}"
    )
    if expr.kind in ("today", "vague"):
        note += f" The text says only {text[expr.start : expr.end]}, so only the year is given."
    if expr.kind == "lunar":
        note += " The lunar date is converted with that year's Spring Festival."
    return _Resolved(_format(interval), "context", note)


# --- the public rule ---


def _scopes(text: str, start: int, end: int) -> list[_Scope]:
    """Where to look for dating terms: the passage, then the body, both without furniture."""
    furniture = _cues().furniture
    cut = furniture.search(text, start, end)
    passage = text[start : cut.start() if cut else end]
    body_cut = _furniture_from(text, end) if cut is None else cut.start()
    return [_Scope(passage, len(passage)), _Scope(text, len(text) if body_cut < 0 else body_cut)]


@lru_cache(maxsize=4)
def _furniture_starts(text: str) -> list[int]:
    """Every position where a furniture marker starts (markers may overlap)."""
    starts = re.compile(f"(?=(?:{_cues().furniture.pattern}))")
    return [match.start() for match in starts.finditer(text)]


def _furniture_from(text: str, start: int) -> int:
    """``furniture.search(text, start).start()``, or -1: the markers are found once per text
    (searched to the end of the text for each meeting, they were quadratic)."""
    starts = _furniture_starts(text)
    index = bisect_left(starts, start)
    return starts[index] if index < len(starts) else -1


def _null(note: str, evidence: Evidence | None = None) -> MeetingDate:
    return MeetingDate(
        value=None,
        precision="unknown",
        year_basis="unknown",
        evidence=evidence,
        note=note,
    )


def _build(
    doc: NormalisedText,
    resolved: _Resolved | str,
    evidence_span: tuple[int, int],
    time_of_day: str | None,
    prefix: str = "",
) -> MeetingDate:
    evidence = doc.evidence(*evidence_span)
    if isinstance(resolved, str):
        return _null(prefix + resolved, evidence)
    precision = {4: "year", 7: "month", 10: "day"}[len(resolved.value)]
    try:
        return MeetingDate(
            value=resolved.value,
            precision=precision,
            time_of_day=time_of_day if precision == "day" else None,
            year_basis=resolved.basis,
            evidence=evidence,
            note=prefix + resolved.note,
        )
    except ValidationError:
        return _null(
            f"{prefix}The date read as {resolved.value}, outside the window of the epidemic "
            f"({DATE_WINDOW[0].isoformat()} … {DATE_WINDOW[1].isoformat()}).",
            evidence,
        )


def _extract(doc: NormalisedText, meeting: MeetingSpan, published: date | None) -> MeetingDate:
    text = doc.text
    expr = _own_expression(text, meeting)
    if expr is not None:
        scopes = _scopes(text, min(meeting.start, expr.start), meeting.end)
        resolved = _resolve(text, expr, published, scopes)
        if isinstance(resolved, _Resolved) and expr.kind == "month" and expr.year is None:
            resolved = _Resolved(
                resolved.value, resolved.basis, resolved.note + " The day is redacted."
            )
        return _build(doc, resolved, (expr.start, expr.end), expr.time_of_day)
    cue = _relative_cue(text, meeting)
    previous = _previous_meeting_date(text, meeting) if cue else None
    if cue is not None and previous is not None:
        scopes = _scopes(text, previous.start, meeting.end)
        resolved = _resolve(text, previous, published, scopes)
        quoted = text[previous.start : previous.end]
        prefix = f"Held right after the meeting of {quoted}, so it takes that date. "
        return _build(doc, resolved, cue, None, prefix)
    same_day = _same_day_cue(text, cue) if cue is not None else None
    if same_day is not None:
        scopes = _scopes(text, meeting.start, meeting.end)
        return _build(doc, _resolve(text, same_day, published, scopes), cue, same_day.time_of_day)
    return _null("The text gives no date for this meeting.")


def _same_day_cue(text: str, cue: tuple[int, int]) -> _Expr | None:
    """当天下午 with no earlier meeting to refer to: the report's own day, like 今天."""
    cues = _cues()
    for word in cues.same_day:
        at = text.find(word, *cue)
        if at >= 0:
            end = at + len(word)
            words = sorted(cues.time_of_day, key=len, reverse=True)
            time_word = next((w for w in words if text.startswith(w, end)), "")
            tod = cues.time_of_day.get(time_word)
            return _Expr(at, end + len(time_word), "today", time_of_day=tod)
    return None


def extract_date(ctx: ReportContext, meeting: MeetingSpan) -> MeetingDate:
    """The meeting's date, from its own date expression and the year behind it (a date that
    cannot be established is null with a note)."""
    return _extract(ctx.doc, meeting, ctx.published)


__all__ = ["DATA", "extract_date"]
