"""Who took part in a meeting: the people who presided, spoke or attended.

Chinese meeting reports name participants in a few fixed shapes, which these rules read:

- ``<titles><name>(<adverbial>)<role verb>``: 市委书记、市长某某主持会议并讲话, 某某在分会场出席;
- lists sharing one verb: 省领导甲、乙、丙,某市市长丁在主会场或分会场参加会议 (a group title
  such as 省领导 belongs to every name after it);
- the passive 会议由副省长某某主持;
- a bare name with a verb (某某强调), accepted only for a name the report also gives with a
  title somewhere, so that 会议强调 or 文件指出 never become people;
- a speech text whose speaker says 我 (下面,我强调几点意见): one speaker with a null name.

People who are only studied or quoted are left out: their names follow the title (某某总书记),
their clause starts with 学习/贯彻/按照…, or they come after a reported-speech lead-in
(会议指出,…). Cue words live in ``data/speakers.yaml``; no official is named anywhere.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cache

from pydantic import ValidationError

from ..models import Speaker
from ..taxonomy import DataFile, load_data
from ..text.normalise import NormalisedText
from ..text.patterns import alternation, finditer, never_empty, required_character, scanning, search
from .context import ReportContext
from .meetings import MeetingSpan

DATA = ("speakers.yaml",)

ROLE_ORDER = ("presided", "spoke", "attended")
SENTENCE_END = re.compile(r"[。!?;:\n”」』]")
"""Where a subject cannot reach back past."""
CLAUSE_END = re.compile(r"[。!?;:,\n]")
COMMA = re.compile(r",")
HAN = re.compile(r"^[\u3400-\u9fff]+$")
DOTTED_NAME = re.compile(r"^[\u3400-\u9fff]{1,7}[·•‧・][\u3400-\u9fff]{1,7}$")
TIME_ADVERBIAL_REACH = 16
"""How far from the end of a subject a date or time before the verb is looked for."""
"""A transliterated name (of a minority or a foreigner) with a middle dot: 某某·某某."""
DOTS = "·•‧・"
DOTTED_TAIL = re.compile(rf"[{DOTS}][\u3400-\u9fff]{{1,7}}$")
DOTTED_NAME_MAX = 15
NAME_FINAL_CONJUNCTION = "和"
"""A list conjunction that also ends names (建和, 永和); a subject cannot end with it otherwise."""
UNLISTED_SURNAME_MAX = 3
"""After a title a name need not start with a listed surname; up to this long it is a name
whatever it holds (钭某, 岩光) …"""
POSITIONAL_NAME_MAX = 6
"""… and up to this long when it also holds no adverbial, time or phrase word (names of
minorities: 额尔敦某某, 某某卓嘎, 阿不都某某): it is read by its place between the last title
head and the role verb, not by its surname."""
GIVEN_NAME_MAX = 2
NAME_MIN = 1 + 1
"""The shortest name: a one-character surname and a one-character given name."""
NAME_MAX = 2 + GIVEN_NAME_MAX
"""The longest name: a compound surname and a two-character given name."""
UNNAMED_REACH = 10
"""下面,我强调几点看法: the evidence runs on to the clause end when it is this near."""
MAX_TITLE = 40
"""A title longer than this is a phrase, not a title."""
CHAIN_REACH = 20
"""How far after the first role verb further verbs of the same clause are read (…并讲话)."""
EVIDENCE_REACH = 40
"""The evidence runs on to the clause end when it is this near (…传达了全国会议精神)."""
SUBJECT_REACH = 160
"""How far before a role verb its subject may start: a list of people, never a paragraph."""
MAX_GROUP = 120
"""A comma-free list of people longer than this is prose."""


@dataclass(frozen=True)
class _Cues:
    """The contents of ``speakers.yaml``, compiled."""

    role_verbs: re.Pattern[str]
    listed_after: re.Pattern[str]
    blocked_after: tuple[str, ...]
    blocked_before: tuple[str, ...]
    studied_prefixes: tuple[str, ...]
    reported_speech: re.Pattern[str]
    adverbial: re.Pattern[str]
    group_title: re.Pattern[str]
    """甲、乙等省领导(在…): the group title after 等, up to the next adverbial."""
    passive_prefix: re.Pattern[str]
    heads: tuple[str, ...]
    title_stop_word: re.Pattern[str]
    title_stop_exception: re.Pattern[str]
    time_adverbial: re.Pattern[str]
    not_in_long_names: tuple[str, ...]
    title_starter: re.Pattern[str]
    """Where a new title starts (a lookahead: the match is empty, its start is the offset)."""
    name_suffixes: tuple[str, ...]
    post_titles: tuple[str, ...]
    list_conjunction: re.Pattern[str]
    generic_presided_tail: re.Pattern[str]
    non_name_chars: frozenset[str]
    non_names: frozenset[str]
    unnamed_speech: tuple[re.Pattern[str], ...]
    unnamed_note: str
    surnames: frozenset[str]
    compound_surnames: tuple[str, ...]


class _Roles(DataFile):
    """Role verbs by role, as regular expressions."""

    presided: tuple[str, ...]
    spoke: tuple[str, ...]
    attended: tuple[str, ...]


class _SpeakerCues(DataFile):
    """The contents of ``data/speakers.yaml``."""

    roles: _Roles
    listed_after: str
    blocked_after: tuple[str, ...]
    blocked_before: tuple[str, ...]
    studied_prefixes: tuple[str, ...]
    reported_speech: str
    adverbial_markers: tuple[str, ...]
    passive_prefix: str
    title_starters: tuple[str, ...]
    title_heads: tuple[str, ...]
    title_stop_words: tuple[str, ...]
    title_stop_exceptions: tuple[str, ...]
    time_adverbial: str
    not_in_long_names: tuple[str, ...]
    name_suffixes: tuple[str, ...]
    post_titles: tuple[str, ...]
    list_conjunctions: tuple[str, ...]
    generic_presided_tail: str
    non_name_chars: str
    non_names: tuple[str, ...]
    unnamed_speech: tuple[str, ...]
    unnamed_note: str
    compound_surnames: tuple[str, ...]
    surnames: str


@cache
def _cues() -> _Cues:
    data = load_data("speakers.yaml", _SpeakerCues)
    verbs = "|".join(f"(?P<{role}>{'|'.join(getattr(data.roles, role))})" for role in ROLE_ORDER)
    markers = data.adverbial_markers
    return _Cues(
        role_verbs=re.compile(scanning(verbs)),
        listed_after=re.compile(scanning(data.listed_after)),
        blocked_after=data.blocked_after,
        blocked_before=data.blocked_before,
        studied_prefixes=data.studied_prefixes,
        reported_speech=re.compile(scanning(data.reported_speech)),
        adverbial=re.compile(alternation(markers)),
        group_title=re.compile(r"等([\u3400-\u9fff]{2,12}?)(?=" + alternation(markers) + "|$)"),
        passive_prefix=re.compile(data.passive_prefix),
        heads=tuple(sorted(data.title_heads, key=len, reverse=True)),
        title_stop_word=re.compile(alternation(data.title_stop_words)),
        title_stop_exception=re.compile(alternation(data.title_stop_exceptions)),
        time_adverbial=re.compile(data.time_adverbial),
        not_in_long_names=data.not_in_long_names,
        title_starter=re.compile(f"(?=(?:{alternation(data.title_starters)}))"),
        name_suffixes=data.name_suffixes,
        post_titles=tuple(sorted(data.post_titles, key=len, reverse=True)),
        list_conjunction=re.compile(alternation(data.list_conjunctions)),
        generic_presided_tail=re.compile(data.generic_presided_tail),
        non_name_chars=frozenset(data.non_name_chars),
        non_names=frozenset(data.non_names),
        unnamed_speech=tuple(re.compile(scanning(p)) for p in data.unnamed_speech),
        unnamed_note=data.unnamed_note.strip(),
        surnames=frozenset(data.surnames.strip()),
        compound_surnames=data.compound_surnames,
    )


@dataclass
class _Person:
    """One person named in a subject, before merging."""

    name: str
    titles: list[str]
    honorific: bool = False
    """Written with 同志: a name even without a title."""
    post_title: bool = False
    """Written with a title after the name (某某书记): a presider only, never a known name."""


@dataclass
class _Mention:
    """A subject (one or more people) with the role verbs that follow it."""

    people: list[_Person]
    roles: set[str]
    start: int
    end: int
    first_role: str = ""
    names_a_meeting: bool = False
    """主持 is followed by a meeting's name (主持召开中央…会议), not by a bare 会议."""


@dataclass
class _Entry:
    """A speaker being assembled: the first evidence span, all roles seen."""

    name: str
    roles: set[str] = field(default_factory=set)
    start: int = 0
    end: int = 0


# --- names and titles ---------------------------------------------------------------------


def _is_name(text: str, cues: _Cues, after_title: bool = False) -> bool:
    """A common surname and a one- or two-character given name, free of function characters
    (so 某某就 or 某某也 is not taken for a four-character name). Right after a title, any
    two or three characters free of them, a longer name read by its place (``_is_long_name``)
    or a name with a middle dot are a name too."""
    if after_title and len(text) <= DOTTED_NAME_MAX and DOTTED_NAME.match(text):
        return True
    if not NAME_MIN <= len(text) <= (POSITIONAL_NAME_MAX if after_title else NAME_MAX):
        return False  # the length test below fails for any surname; checked first, it is cheap
    if not HAN.match(text) or text in cues.non_names:
        return False
    listed = text[0] in cues.surnames
    inner = text[1:] if listed else text  # a listed surname may be a function character (和)
    if after_title and text.endswith(NAME_FINAL_CONJUNCTION):
        inner = inner[:-1]  # 某某建和作部署: after a title, a name may end with 和
    if not cues.non_name_chars.isdisjoint(inner):
        return False
    surname = 2 if text.startswith(cues.compound_surnames) else 1
    if (listed or surname == 2) and 1 <= len(text) - surname <= GIVEN_NAME_MAX:
        return True
    if not after_title:
        return False
    return len(text) <= UNLISTED_SURNAME_MAX or _is_long_name(text, cues)


def _is_long_name(text: str, cues: _Cues) -> bool:
    """Four to six characters after a title that are no surname and given name (names of
    minorities), unless they hold an adverbial (某某亲自, 某某通过), a word of a phrase
    (围绕, 视频) or a time (某某今天), or end with a title."""
    return (
        cues.adverbial.search(text, 1) is None
        and not text.endswith(cues.heads)
        and cues.time_adverbial.search(text) is None
        and not any(word in text for word in cues.not_in_long_names)
    )


def _head_ends_at(text: str, end: int, cues: _Cues) -> bool:
    """Whether a title head ends just before ``end`` (省委书记 + 省长: a head ends at 4)."""
    return 0 < end <= len(text) and text.endswith(cues.heads, 0, end)


def _split_titles(text: str, cues: _Cues) -> list[str]:
    """Concatenated titles (省委书记省长) split after a head that is followed by a new title."""
    titles: list[str] = []
    start = 0
    for starter in cues.title_starter.finditer(text, 1):
        end = starter.start()
        if _head_ends_at(text, end, cues):
            titles.append(text[start:end])
            start = end
    titles.append(text[start:])
    return [t for t in titles if t]


def _is_title(text: str, cues: _Cues) -> bool:
    return (
        0 < len(text) <= MAX_TITLE
        and text.endswith(cues.heads)
        and not text.startswith(cues.studied_prefixes)
        and cues.title_stop_word.search(cues.title_stop_exception.sub("", text)) is None
    )


def _title_and_name(part: str, cues: _Cues) -> tuple[str, str] | None:
    """``part`` as title + name, cutting after the latest head that leaves a valid name.

    A name is two to six characters long (a dotted name up to ``DOTTED_NAME_MAX``), so only
    cuts that near the end are tried."""
    longest = DOTTED_NAME_MAX if _has_dotted_tail(part) else POSITIONAL_NAME_MAX
    for end in range(len(part) - NAME_MIN, len(part) - longest - 1, -1):
        if not _head_ends_at(part, end, cues):
            continue
        title, name = part[:end], part[end:]
        if _is_name(name, cues, after_title=True) and _is_title(title, cues):
            return title, name
    return None


def _strip_honorific(part: str, cues: _Cues) -> tuple[str, bool]:
    for suffix in cues.name_suffixes:
        if part.endswith(suffix) and len(part) > len(suffix):
            return part[: -len(suffix)], True
    return part, False


def _may_end_with_name(part: str, cues: _Cues) -> bool:
    """Whether ``part`` can end with a name (``_is_name`` of one of its last 2 to 4
    characters): a cheap test that rules out most prose before the full parse."""
    if len(part) < NAME_MIN or part[-2] in cues.non_name_chars:
        return False
    if part[-1] in cues.non_name_chars and not part.endswith(NAME_FINAL_CONJUNCTION):
        return False
    if any(
        part[at] in cues.surnames or part.startswith(cues.compound_surnames, at)
        for at in range(max(0, len(part) - NAME_MAX), len(part) - NAME_MIN + 1)
    ):
        return True
    if any(
        _head_ends_at(part, len(part) - n, cues) for n in range(NAME_MIN, POSITIONAL_NAME_MAX + 1)
    ):
        return True  # a title right before: any surname
    return _has_dotted_tail(part)


def _has_dotted_tail(part: str) -> bool:
    """Whether ``part`` ends with the dot and surname of a transliterated name (·某某)."""
    tail = part[-8:]
    return any(dot in tail for dot in DOTS) and DOTTED_TAIL.search(tail) is not None


def _post_titled_name(part: str, cues: _Cues) -> str | None:
    """The name of 某某书记 / 某某市长 (a name and a title after it), if ``part`` is one."""
    for title in cues.post_titles:
        if part.endswith(title) and _is_name(part[: -len(title)], cues):
            return part[: -len(title)]
    return None


def _is_person(part: str, cues: _Cues) -> bool:
    part = _strip_honorific(part.strip(), cues)[0]
    return (
        _is_name(part, cues)
        or _title_and_name(part, cues) is not None
        or _post_titled_name(part, cues) is not None
    )


def _parts(segment: str, cues: _Cues) -> list[str]:
    """The 、-separated parts of a subject, with 甲和乙 split when both sides name a person."""
    parts: list[str] = []
    for part in segment.split("、"):
        pieces = cues.list_conjunction.split(part) if cues.list_conjunction.search(part) else []
        if len(pieces) > 1 and all(_is_person(piece, cues) for piece in pieces):
            parts.extend(pieces)
        else:
            parts.append(part)
    return parts


def _parse_group(
    segment: str, cues: _Cues, bare: frozenset[str] = frozenset()
) -> list[_Person] | None:
    """The people of one comma-free subject (甲、乙 / 省委书记、省长某某), or None if it is
    not made of people only. ``bare`` are names the report gives after a title that are no
    surname and given name (尼玛某某): without a title they are still names."""
    if len(segment) > MAX_GROUP:
        return None
    last, _ = _strip_honorific(segment[segment.rfind("、") + 1 :].strip(), cues)
    if not (_may_end_with_name(last, cues) or last in bare):
        return None  # the last part names nobody, so the group fails: most prose ends here
    people: list[_Person] = []
    pending: list[str] = []
    shared: list[str] = []
    for raw_part in _parts(segment, cues):
        part, honorific = _strip_honorific(raw_part.strip(), cues)
        if not part:
            return None
        post_titled = _post_titled_name(part, cues)
        if post_titled is not None:
            people.append(_Person(post_titled, list(pending), post_title=True))
            shared, pending = list(pending), []
            continue
        if _is_title(part, cues) and not honorific:
            pending.extend(_split_titles(part, cues))
            continue
        if _is_name(part, cues) or part in bare:
            titles = pending or shared
        else:
            split = _title_and_name(part, cues)
            if split is None:
                return None
            titles = pending + _split_titles(split[0], cues)
            part = split[1]
        people.append(_Person(part, list(titles), honorific))
        shared, pending = list(titles), []
    if pending or not people:
        return None
    return people


# --- subjects and role verbs --------------------------------------------------------------


def _segments(text: str, offset: int) -> list[tuple[int, str]]:
    """Comma-separated pieces of ``text`` with their absolute starts."""
    pieces = []
    start = 0
    for match in COMMA.finditer(text):
        pieces.append((offset + start, text[start : match.start()]))
        start = match.end()
    pieces.append((offset + start, text[start:]))
    return pieces


def _last_group(
    start: int, text: str, cues: _Cues, bare: frozenset[str]
) -> tuple[int, list[_Person]] | None:
    """The people right before the role verb: strip 会议由…, then cut off an adverbial
    (在分会场, 等) at the first place that leaves a list of people."""
    start, text = start + len(text) - len(text.lstrip()), text.strip()
    passive = cues.passive_prefix.match(text)
    if passive:
        start, text = start + passive.end(), text[passive.end() :]
    people = _parse_timed_group(text, cues, bare)
    if people:
        return start, people
    for marker in cues.adverbial.finditer(text, 0, MAX_GROUP + 1):
        people = _parse_timed_group(text[: marker.start()], cues, bare)
        if people:
            _share_group_title(people, text[marker.start() :], cues)
            return start, people
    return None


def _parse_timed_group(text: str, cues: _Cues, bare: frozenset[str]) -> list[_Person] | None:
    """``_parse_group``, after cutting off a date or time the subject ends with (某某26日)."""
    people = _parse_group(text, cues, bare)
    if people is None:
        timed = cues.time_adverbial.search(text, max(0, len(text) - TIME_ADVERBIAL_REACH))
        if timed is not None and timed.start() > 0:
            people = _parse_group(text[: timed.start()], cues, bare)
    return people


def _share_group_title(people: list[_Person], rest: str, cues: _Cues) -> None:
    """甲、乙等省领导出席: the title after 等 belongs to each untitled name of the list."""
    match = cues.group_title.match(rest)
    if match and _is_title(match.group(1), cues):
        for person in people:
            person.titles = person.titles or [match.group(1)]


_Subject = tuple[int, list[_Person]] | None


@cache
def _never_empty(pattern: re.Pattern[str]) -> bool:
    return never_empty(pattern)


@dataclass(frozen=True)
class _Report:
    """What every reading of one report shares: its text, its sentence ends, and the subject
    already read before each role verb (the whole report is read, then each meeting's
    passage, and most verbs are read twice)."""

    text: str
    sentence_ends: list[int]
    subjects: dict[tuple[int, int], _Subject]
    """``(sentence start, verb start)`` → where the subject starts and its people, or None."""
    scans: dict[re.Pattern[str], list[re.Match[str]]] = field(default_factory=dict)
    """Each cue pattern's matches in the whole report, with the starts of the matches."""
    scan_starts: dict[re.Pattern[str], list[int]] = field(default_factory=dict)
    bare_names: frozenset[str] = frozenset()
    """Names given with a title that are no surname and given name (``_parse_group``)."""

    def with_bare_names(self, names: frozenset[str]) -> _Report:
        """This report reading ``names`` as names without a title too: the subjects found to
        be nobody are read again."""
        subjects = {key: found for key, found in self.subjects.items() if found is not None}
        return _Report(self.text, self.sentence_ends, subjects, self.scans, self.scan_starts, names)

    @classmethod
    def of(cls, text: str) -> _Report:
        return cls(text, [m.end() for m in SENTENCE_END.finditer(text)], {})

    def finditer(self, pattern: re.Pattern[str], start: int, end: int) -> list[re.Match[str]]:
        """``pattern.finditer(self.text, start, end)``, taken from the scan of the whole report
        when the stretch runs to its end and no match of that scan runs across ``start``: a
        match at a position does not depend on where the search began, so both scans find the
        same matches from there on (for patterns that match no empty string)."""
        if end != len(self.text) or not _never_empty(pattern):
            return list(finditer(pattern, self.text, start, end))
        scan = self.scans.get(pattern)
        if scan is None:
            scan = list(finditer(pattern, self.text))
            self.scans[pattern] = scan
            self.scan_starts[pattern] = [match.start() for match in scan]
        i = bisect.bisect_left(self.scan_starts[pattern], start)
        if i and scan[i - 1].end() > start:
            return list(finditer(pattern, self.text, start, end))
        return scan[i:]


@dataclass(frozen=True)
class _Scope:
    """A stretch of a report with its reported-speech lead-ins (会议指出,) found once, so that
    each role verb looks them up instead of rescanning."""

    report: _Report
    start: int
    end: int
    leads: list[int]
    """Where each reported-speech lead-in ends."""

    @classmethod
    def of(cls, report: _Report, start: int, end: int, cues: _Cues) -> _Scope:
        leads = [m.end() for m in report.finditer(cues.reported_speech, start, end)]
        return cls(report, start, end, leads)

    def sentence_start(self, position: int) -> int:
        """Just after the last sentence end at or before ``position`` (not before the scope)."""
        ends = self.report.sentence_ends
        i = bisect.bisect_right(ends, position)
        return max(self.start, ends[i - 1]) if i else self.start

    def reported(self, sentence_start: int, position: int) -> bool:
        """Whether a lead-in (会议指出, / 会议强调:) ends in this sentence before ``position``."""
        i = bisect.bisect_left(self.leads, sentence_start)
        return i < len(self.leads) and self.leads[i] <= position


def _people_before(report: _Report, sentence_start: int, verb_start: int, cues: _Cues) -> _Subject:
    """The people a role verb at ``verb_start`` is said of, reading back over whole comma
    pieces that are lists of people (省领导甲、乙,某市市长丙在…参加会议), and where they start."""
    text, bare = report.text, report.bare_names
    window = max(sentence_start, verb_start - SUBJECT_REACH)
    pieces = _segments(text[window:verb_start], window)
    if window > sentence_start and len(pieces) > 1:
        pieces = pieces[1:]  # cut short by the window: not a whole piece
    last = _last_group(*pieces[-1], cues, bare)
    if last is None:
        return None
    start, people = last
    for piece_start, piece in reversed(pieces[:-1]):
        group = _parse_group(piece.strip(), cues, bare)
        if group is None:
            break
        start, people = piece_start + (len(piece) - len(piece.lstrip())), group + people
    return start, people


def _subject(scope: _Scope, verb_start: int, cues: _Cues) -> _Mention | None:
    """The subject of a role verb, unless it is only quoted (会议指出,…某某主持…)."""
    sentence_start = scope.sentence_start(verb_start)
    subjects = scope.report.subjects
    key = (sentence_start, verb_start)
    if key not in subjects:
        subjects[key] = _people_before(scope.report, sentence_start, verb_start, cues)
    found = subjects[key]
    if found is None or scope.reported(sentence_start, found[0]):
        return None
    start, people = found
    return _Mention(list(people), set(), start, verb_start)


def _blocked(text: str, match: re.Match[str], cues: _Cues) -> bool:
    """学习…重要讲话精神, 按…要求: the verb names a text, not somebody's part in the meeting."""
    before = text[max(0, match.start() - 2) : match.start()]
    return text.startswith(cues.blocked_after, match.end()) or before.endswith(cues.blocked_before)


def _verb_chain(text: str, first: re.Match[str], limit: int, cues: _Cues) -> tuple[set[str], int]:
    """All roles named in the clause from the first verb on (主持会议并讲话), and where the
    evidence stops: the clause end when it is near, else the last verb."""
    clause_end = CLAUSE_END.search(text, first.end(), min(limit, first.end() + EVIDENCE_REACH))
    reach = min(clause_end.start() if clause_end else limit, first.end() + CHAIN_REACH)
    roles = {first.lastgroup or ""}
    end = first.end()
    for match in cues.role_verbs.finditer(text, first.end(), reach):
        if not _blocked(text, match, cues):
            roles.add(match.lastgroup or "")
            end = match.end()
    return roles - {""}, clause_end.start() if clause_end else end


def _mentions(report: _Report, start: int, end: int, cues: _Cues) -> list[_Mention]:
    """Every subject + role-verb clause in ``text[start:end]``."""
    text = report.text
    scope = _Scope.of(report, start, end, cues)
    mentions: list[_Mention] = []
    consumed = start
    for match in report.finditer(cues.role_verbs, start, end):
        if match.start() < consumed or _blocked(text, match, cues):
            continue
        mention = _subject(scope, match.start(), cues)
        if mention is None:
            continue
        first_role = match.lastgroup or ""
        if first_role != "presided" and any(p.post_title for p in mention.people):
            continue  # 某某总书记强调: a leader quoted, not a participant
        mention.roles, mention.end = _verb_chain(text, match, end, cues)
        mention.first_role = first_role
        mention.names_a_meeting = (
            first_role == "presided"
            and cues.generic_presided_tail.match(text, match.end(), end) is None
        )
        consumed = mention.end
        mentions.append(mention)
    return mentions


def _listed(report: _Report, start: int, end: int, cues: _Cues) -> list[_Mention]:
    """出席会议的省领导还有甲、乙,丙: people listed after the verb, with the group title."""
    mentions = []
    for match in report.finditer(cues.listed_after, start, end):
        group = match.group("group")
        people: list[_Person] = []
        list_end = match.start("list")
        for piece_start, piece in _segments(match.group("list"), match.start("list")):
            found = _parse_group(piece.strip(), cues, report.bare_names)
            if found is None:
                break
            people.extend(found)
            list_end = piece_start + len(piece.rstrip())
        if not people:
            continue
        shared = group if _is_title(group, cues) else ""
        for person in people:
            person.titles = person.titles or ([shared] if shared else [])
            person.honorific = True  # the construction itself says these are people
        mentions.append(_Mention(people, {"attended"}, match.start(), list_end))
    return mentions


def _accepted(mention: _Mention, known: set[str]) -> list[_Person]:
    """The people of a mention that are really people: a group needs a title, 同志 or names
    the report gives with a title elsewhere."""
    if any(p.titles or p.honorific or p.post_title for p in mention.people):
        return mention.people
    if all(p.name in known for p in mention.people):
        return mention.people
    return []


def _fullest_titles(mentions: list[_Mention]) -> dict[str, tuple[str, ...]]:
    """For each name, its titles at its fullest mention (most titles, then longest)."""
    best: dict[str, tuple[str, ...]] = {}
    for mention in mentions:
        for person in mention.people:
            current = best.get(person.name, ())
            if (len(person.titles), len("".join(person.titles))) > (
                len(current),
                len("".join(current)),
            ):
                best[person.name] = tuple(person.titles)
    return best


@dataclass(frozen=True)
class ReportPeople:
    """The people of a report: names it gives with a title somewhere (so a bare mention of
    them counts) and each name's fullest titles."""

    report: _Report
    known: frozenset[str]
    titles: dict[str, tuple[str, ...]]


def report_people(doc: NormalisedText) -> ReportPeople:
    """The people of the whole report (``ReportContext.people`` keeps them for every meeting)."""
    cues = _cues()
    text = doc.text
    report = _Report.of(text)
    everywhere = _mentions(report, 0, len(text), cues) + _listed(report, 0, len(text), cues)
    titled = [m for m in everywhere if any(p.titles or p.honorific for p in m.people)]
    known = frozenset(p.name for m in titled for p in m.people)
    bare = frozenset(name for name in known if not _is_name(name, cues))
    if bare:  # 党委书记尼玛某某出席…尼玛某某主持: the bare mention is read again
        report = report.with_bare_names(bare)
    return ReportPeople(report, known, _fullest_titles(everywhere))


# --- assembling speakers ------------------------------------------------------------------


def _roles(roles: set[str]) -> list[str]:
    if roles & {"presided", "spoke"}:
        roles = roles - {"attended"}
    return [role for role in ROLE_ORDER if role in roles]


def _speaker(doc: NormalisedText, entry: _Entry, titles: list[str]) -> Speaker | None:
    try:
        return Speaker(
            name=entry.name,
            titles=titles,
            roles=_roles(entry.roles),
            evidence=doc.evidence(entry.start, entry.end),
        )
    except ValidationError:  # the contract refuses this candidate
        return None


@cache
def _required_character(pattern: re.Pattern[str]) -> tuple[str, int] | None:
    return required_character(pattern)


def _search(pattern: re.Pattern[str], text: str, start: int, end: int) -> re.Match[str] | None:
    """``pattern.search(text, start, end)``, started just before the first occurrence of a
    character every match holds (我 of 下面,我强调): the passage before it holds no match."""
    required = _required_character(pattern)
    if required is not None:
        char, reach = required
        at = text.find(char, start, end)
        if at < 0:
            return None
        start = max(start, at - reach)
    return search(pattern, text, start, end)


def _unnamed(doc: NormalisedText, start: int, end: int, cues: _Cues) -> tuple[int, Speaker] | None:
    """The 我 of a speech text (下面,我强调几点看法), as a speaker without a name."""
    text = doc.text
    found = [m for p in cues.unnamed_speech if (m := _search(p, text, start, end))]
    if not found:
        return None
    match = min(found, key=lambda m: m.start())
    clause_end = CLAUSE_END.search(text, match.end(), min(end, match.end() + UNNAMED_REACH))
    stop = clause_end.start() if clause_end else None
    try:
        speaker = Speaker(
            name=None,
            titles=[],
            roles=["spoke"],
            evidence=doc.evidence(match.start(), stop or match.end()),
            note=cues.unnamed_note,
        )
    except ValidationError:  # the contract refuses this candidate
        return None
    return match.start(), speaker


def _content_start(report: _Report, meeting: MeetingSpan, end: int, cues: _Cues) -> int:
    """Where the meeting's content begins: the first reported-speech lead-in (会议指出,) after
    its held clause, or the end of its passage."""
    held_end = max(0, min(meeting.held_end, end))
    lead = report.finditer(cues.reported_speech, held_end, end)
    return lead[0].start() if lead else end


def extract_speakers(ctx: ReportContext, meeting: MeetingSpan) -> list[Speaker]:
    """People who presided, spoke at or attended ``meeting``, in order of first mention.

    Clauses are read only inside the meeting's passage; titles come from each person's fullest
    mention anywhere in the report (a person is often titled in full once, then named bare).
    """
    cues = _cues()
    doc = ctx.doc
    text = doc.text
    start = max(0, min(meeting.start, len(text)))
    end = max(start, min(meeting.end, len(text)))
    people = ctx.people
    entries: dict[str, _Entry] = {}
    report = people.report
    passage = _mentions(report, start, end, cues) + _listed(report, start, end, cues)
    content = _content_start(report, meeting, end, cues)
    for mention in sorted(passage, key=lambda m: m.start):
        if mention.names_a_meeting and mention.start >= content:
            continue  # 会议指出,…某某主持召开…会议: another meeting, told as content
        for person in _accepted(mention, people.known):
            entry = entries.setdefault(person.name, _Entry(person.name))
            if not entry.roles:
                entry.start, entry.end = mention.start, mention.end
            entry.roles |= mention.roles
    ordered: list[tuple[int, Speaker]] = []
    for entry in entries.values():
        speaker = _speaker(doc, entry, list(people.titles.get(entry.name, ())))
        if speaker is not None:
            ordered.append((entry.start, speaker))
    unnamed = _unnamed(doc, start, end, cues)
    if unnamed is not None:
        ordered.append(unnamed)
    return [speaker for _, speaker in sorted(ordered, key=lambda pair: pair[0])]


__all__ = ["DATA", "ReportPeople", "extract_speakers", "report_people"]
