"""Requirements: the directives a meeting issued (guidelines §7).

A meeting's passage is cut into *units*, each of which becomes one :class:`Requirement`:

1. section headings ``一、…`` (ordinal = position among the headings, section null);
2. enumerated items ``一是/二是``, ``一要/二要``, ``第一,/第二,``, ``首先,/其次,/再次,`` (mixed, as
   machine-spun texts mix them), ``(一)``: an item runs from its marker to the next marker or the
   end of its paragraph; ``section`` is the enclosing heading's ordinal;
3. unnumbered sub-headings that head a paragraph (``严格信息报送工作。…``): the whole paragraph;
4. every other sentence that carries a directive cue (要, 必须, 一律, a leading directive verb …).

Quotes exclude lead-ins (``会议强调,``, ``某某指出,``) and list markers, and include the closing
``。``. Page-split markers of document previews (``…梳理\\n\\n8、,抓紧…``) are looked through: they
stay inside the raw evidence quote but never break a unit, and are dropped from ``text``.

All cue words live in ``data/requirements.yaml``; nothing here names a particular report.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain

from pydantic import ValidationError

from ..models import Requirement
from ..taxonomy import DataFile, categories, load_data
from ..text import to_simplified
from ..text.normalise import NormalisedText
from ..text.patterns import alternation, finditer, scanning
from ..text.punctuation import fold_width, marks_in
from .context import ReportContext
from .meetings import MeetingSpan

DATA = ("requirements.yaml", "taxonomy.yaml")

_TERMINATORS = "。!?"
_TERMINATOR = re.compile(f"[{_TERMINATORS}]")
_PIECE_END = re.compile(f"[{_TERMINATORS};]")
_MIN_CONTINUATION = 4
"""A continuing sentence shorter than this (会议强调。) says nothing to do."""
_SPACES = " \t\xa0"
"""The horizontal spaces of the patterns below: space, tab and no-break space (the ideographic
space folds to a space in ``NormalisedText.text``)."""


def _by_first_character(branch: dict[str, str]) -> re.Pattern[str]:
    """One alternative per first character (``{char: rest}``, the rest is read after it).

    ``re`` skips straight to the positions where a branch starts only when every branch
    starts with a literal; a leading lookbehind or ``[…]*`` would be tried at every position.
    A lookbehind written after the first character (``c(?<=[…].)``) tests the same character
    before it."""
    return re.compile("|".join(f"{re.escape(char)}{rest}" for char, rest in branch.items()))


_PAGE_SPLIT = _by_first_character(
    {char: r"(?<=[^\s。!?;:”’」』].)[ \t\xa0]*\n\s*\d{1,3}、" for char in _SPACES}
    | {"\n": r"(?<=[^\s。!?;:”’」』]\n)\s*\d{1,3}、"}
)
"""A page-break marker of a document preview: a line break and ``N、`` in mid-sentence (after
a character that ends no sentence), with the spaces before the break."""
_PARA_SEP = _by_first_character(
    {
        char: (
            r"(?:(?<![ \t\xa0].)[ \t\xa0]*[\r\n]+\s*"
            r"|(?<=[^\x00-\x7f].)[ \t\xa0]*(?=[^\x00-\x7f]))"
        )
        for char in _SPACES
    }
    | {char: r"[\r\n]*\s*" for char in "\r\n"}
)
"""Paragraph breaks: line breaks with the spaces around them, or spaces between two CJK
characters (documents flattened to one line keep their paragraphs as spaces). Spaces before a
line break are taken from the first of them only: a match starting at a later one would have
started at the one before it, and trying each of a long run read the rest of the run each time
(quadratic)."""
_LINE_BREAKS = re.compile(r"(?<!\s)\s*[\r\n]\s*")
"""A line break with the whitespace around it, from the first of that whitespace only (as in
``_PARA_SEP``)."""
_CLAUSE_MARKS = ",;。!?:"
_CLAUSE_SEP = re.compile(f"[{_CLAUSE_MARKS}]")
_HEADING = re.compile(r"[一二三四五六七八九十]{1,3}、")
_DATE_OPENER = re.compile(r"[0-9xX]{1,2}月[0-9xX]{0,2}日?,|[0-9xX]{1,2}月[0-9xX]{1,2}日")
_OPEN_QUOTES = {"“": "”", "‘": "’", "「": "」", "『": "』"}
_HEAD_PUNCT = re.compile(r"[,、;:“”]")
"""A sub-heading is a single short clause: none of these."""
_LEADING_JUNK = re.compile(r"[\s”’」』、,;:]+")
_TRAILING_SEPARATORS = ";,"
"""Left out at the end of a quote: they separate the unit from the next one."""
_MARKER_AFTER = "。!?;:,"
"""Punctuation after which a marker may start an item (else it is part of a word: 统一要求)."""


@dataclass(frozen=True)
class _Cues:
    """The compiled cue data of ``requirements.yaml``."""

    numerals: dict[str, int]
    marker: re.Pattern[str]
    sequence_words: dict[str, int]
    furniture: tuple[str, ...]
    furniture_contains: tuple[str, ...]
    lead_in: re.Pattern[str]
    held_lead_in: re.Pattern[str]
    strong: re.Pattern[str]
    weak: re.Pattern[str]
    past: re.Pattern[str]
    initial: re.Pattern[str]
    veto: re.Pattern[str]
    implementing: re.Pattern[str]
    continuation_veto: re.Pattern[str]
    continuation_openers_veto: tuple[str, ...]
    body_opener: re.Pattern[str]
    subheading_verb: re.Pattern[str]
    subheading_max: int
    category_cue: re.Pattern[str]
    category_cue_spans_clauses: bool
    category_of: dict[str, str]


class _CueFile(DataFile):
    """``data/requirements.yaml``: the cue words of the requirement extractor."""

    numerals: dict[str, int]
    numeral_item_suffixes: tuple[str, ...]
    sequence_words: dict[str, int]
    furniture_line_cues: tuple[str, ...]
    furniture_contains: tuple[str, ...]
    lead_in_verbs: tuple[str, ...]
    held_lead_in_verbs: tuple[str, ...]
    strong_cues: tuple[str, ...]
    weak_cues: tuple[str, ...]
    past_markers: tuple[str, ...]
    initial_adverbs: tuple[str, ...]
    initial_verbs: tuple[str, ...]
    initial_connectives: tuple[str, ...]
    veto_cues: tuple[str, ...]
    implementing_verbs: tuple[str, ...]
    bare_lead_in_subjects: tuple[str, ...]
    bare_lead_in_verbs: tuple[str, ...]
    continuation_veto: tuple[str, ...]
    continuation_openers_veto: tuple[str, ...]
    heading_body_openers: tuple[str, ...]
    subheading_verbs: tuple[str, ...]
    subheading_max_chars: int
    extra_cues: dict[str, tuple[str, ...]]


def _category_of(data: _CueFile) -> dict[str, str]:
    """Each category cue (the taxonomy's, then the extra ones) with its category."""
    category_of: dict[str, str] = {}
    for category in categories():
        for cue in category.cues:
            category_of.setdefault(cue, category.name)
    for name, cues in data.extra_cues.items():
        for cue in cues:
            category_of.setdefault(cue, name)
    return category_of


@cache
def _cues() -> _Cues:
    data = load_data("requirements.yaml", _CueFile)
    num = f"[{''.join(data.numerals)}]{{1,2}}"
    suffixes = alternation(data.numeral_item_suffixes)
    seq = alternation(list(data.sequence_words))
    marker = re.compile(
        scanning(
            rf"(?P<num>{num})(?:{suffixes})"
            rf"|第(?P<ord>{num})[,、:]"
            rf"|(?P<seq>{seq})[,、:]"
            rf"|\((?P<paren>{num})\)"
        )
    )
    verbs = alternation(data.lead_in_verbs)
    held_verbs = alternation(data.held_lead_in_verbs)
    category_of = _category_of(data)
    initial = (
        rf"(?:(?:{alternation(data.initial_adverbs)}),?)*(?:{alternation(data.initial_verbs)})"
    )
    return _Cues(
        numerals=data.numerals,
        marker=marker,
        sequence_words=data.sequence_words,
        furniture=data.furniture_line_cues,
        furniture_contains=data.furniture_contains,
        lead_in=re.compile(
            rf"[^,。;:“”要]{{0,25}}?(?:{verbs})[,:]"
            rf"|(?:{alternation(data.bare_lead_in_subjects)})"
            rf"(?:还|并|也|同时|进一步)?(?:{alternation(data.bare_lead_in_verbs)})(?![,:])"
        ),
        # …会议上,某某强调, | …出席并讲话,要求各地… | …会议要求各地…
        held_lead_in=re.compile(
            rf"(?:{held_verbs})[,:]|[,:](?:{held_verbs})"
            rf"|(?:{alternation(data.bare_lead_in_subjects)})(?:{held_verbs})"
        ),
        # 要 not in 重要, 主要 … nor in 要求, 要点 …; the lookbehind follows 要 (and tests the
        # character before it) so that every branch starts with a literal, which re scans fast
        strong=re.compile(
            scanning(
                rf"{alternation(data.strong_cues)}"
                r"|要(?<![重主只纪摘首必需须提扼概简想]要)(?![求点素闻件地害职道塞])"
            )
        ),
        weak=re.compile(alternation(data.weak_cues)),
        past=re.compile(alternation(data.past_markers)),
        initial=re.compile(rf"(?:(?:{alternation(data.initial_connectives)}),?)?{initial}"),
        veto=re.compile(alternation(data.veto_cues)),
        implementing=re.compile(alternation(data.implementing_verbs)),
        continuation_veto=re.compile(
            scanning(rf"{alternation(data.continuation_veto)}|{_DATE_OPENER.pattern}")
        ),
        continuation_openers_veto=data.continuation_openers_veto,
        body_opener=re.compile(
            scanning(rf"{alternation(data.heading_body_openers)}|{_DATE_OPENER.pattern}")
        ),
        subheading_verb=re.compile(alternation(data.subheading_verbs)),
        subheading_max=data.subheading_max_chars,
        category_cue=re.compile(alternation(list(category_of))),
        category_cue_spans_clauses=any(_CLAUSE_SEP.search(cue) for cue in category_of),
        category_of=category_of,
    )


# --------------------------------------------------------------------------------------------
# Category


def _category_cues(cues: _Cues, text: str) -> Iterator[re.Match[str]]:
    """The category cues of ``text`` clause by clause, in order. When no cue holds a clause
    separator, no cue can span two clauses and one scan of the whole text finds the same."""
    if not cues.category_cue_spans_clauses:
        return cues.category_cue.finditer(text)
    return chain.from_iterable(map(cues.category_cue.finditer, _CLAUSE_SEP.split(text)))


def categorise(text: str) -> str:
    """The taxonomy category of a requirement's text.

    The guidelines let the head clause decide, and when the head names only a goal or a resolve,
    the first concrete measure. So clauses are read in order and the first one holding a cue of a
    concrete category decides (earliest cue in it; overlapping cues resolve to the longest, so
    政治责任 is political, not accountability). Political cues never decide while a concrete cue
    follows; a directive naming no concrete measure is ``political_mobilisation``; ``other`` is
    the last resort.
    """
    return _category(fold_width(text))


def _category(text: str) -> str:
    """``categorise`` of a text whose punctuation is already folded."""
    cues = _cues()
    political = False
    for match in _category_cues(cues, text):
        name = cues.category_of[match.group()]
        if name == "political_mobilisation":
            political = True
            continue
        return name
    if political or _is_directive(text):
        return "political_mobilisation"
    return "other"


# --------------------------------------------------------------------------------------------
# Text view


@dataclass(frozen=True)
class _View:
    """A meeting's passage with page-split markers cut out; ``index[i]`` is the normalised index
    of ``text[i]``, so a unit found here maps back to a raw quote that still contains them."""

    text: str
    index: Sequence[int]
    """Increasing; a ``range`` when no marker was cut out."""
    surface: str
    """``text`` with the page's own punctuation widths (``NormalisedText.surface``)."""

    def to_view(self, normalised: int) -> int:
        return bisect.bisect_left(self.index, normalised)


def _view(doc: NormalisedText, start: int, end: int) -> _View:
    chunk = doc.text[start:end]
    surface = doc.surface(start, end)
    if "\n" not in chunk or _PAGE_SPLIT.search(chunk) is None:
        return _View(chunk, range(start, start + len(chunk)), surface)
    parts: list[str] = []
    surface_parts: list[str] = []
    index: list[int] = []
    position = 0
    for match in _PAGE_SPLIT.finditer(chunk):
        parts.append(chunk[position : match.start()])
        surface_parts.append(surface[position : match.start()])
        index.extend(range(start + position, start + match.start()))
        position = match.end()
    parts.append(chunk[position:])
    surface_parts.append(surface[position:])
    index.extend(range(start + position, start + len(chunk)))
    return _View("".join(parts), tuple(index), "".join(surface_parts))


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans = []
    position = 0
    for match in _PARA_SEP.finditer(text):
        if match.start() > position:
            spans.append((position, match.start()))
        position = match.end()
    if position < len(text):
        spans.append((position, len(text)))
    return spans


def _is_furniture(cues: _Cues, paragraph: str) -> bool:
    """Page furniture after the article body: related links, editor, copyright, comments."""
    if paragraph.startswith(cues.furniture):
        return True
    return (
        len(paragraph) <= 40
        and not _TERMINATOR.search(paragraph)
        and any(cue in paragraph for cue in cues.furniture_contains)
    )


# --------------------------------------------------------------------------------------------
# Directives


def _vetoed(cues: _Cues, sentence: str) -> bool:
    """Does the sentence report someone else's instruction, an appointment or who chaired?
    Not when the cue is the object of an implementing verb earlier in its clause
    (贯彻…主持召开的会议精神, 落实…批示要求): that is itself a directive."""
    for match in cues.veto.finditer(sentence):
        clause_start = _clause_start(sentence, match.start())
        if not cues.implementing.search(sentence, clause_start, match.start()):
            return True
    return False


def _clause_start(text: str, position: int) -> int:
    """Where the clause holding ``text[position]`` starts."""
    return marks_in(text, _CLAUSE_MARKS).last_before(position) + 1


def _is_directive(sentence: str) -> bool:
    """Does the sentence tell someone what to do (not assess, narrate or appoint)?"""
    cues = _cues()
    if _vetoed(cues, sentence):
        return False
    if cues.strong.search(sentence) or cues.initial.match(sentence):
        return True
    return bool(cues.weak.search(sentence)) and not cues.past.search(sentence)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The quote of a sentence: no leading closing quotes or lead-in (会议强调,), no unbalanced
    opening quote, no surrounding space, no trailing ``;`` or ``,`` (一是…;二是…)."""
    cues = _cues()
    while end > start and (text[end - 1].isspace() or text[end - 1] in _TRAILING_SEPARATORS):
        end -= 1
    for _ in range(2):
        before = start
        junk = _LEADING_JUNK.match(text, start, end)
        if junk:
            start = junk.end()
        lead_in = cues.lead_in.match(text, start, end)
        if lead_in:
            start = lead_in.end()
        if start == before:
            break  # a second pass from the same place finds the same nothing
    if (
        start < end
        and text[start] in _OPEN_QUOTES
        and _OPEN_QUOTES[text[start]] not in text[start:end]
    ):
        start += 1
    return start, end


# --------------------------------------------------------------------------------------------
# Units


@dataclass
class _Unit:
    start: int
    end: int
    kind: str
    """``heading``, ``item`` or ``plain``."""
    section: int | None
    """Index (in the unit list) of the enclosing heading."""
    list_id: int | None = None


@dataclass
class _State:
    units: list[_Unit]
    section: int | None = None
    list_id: int | None = None
    lists: int = 0


def _heading_end(cues: _Cues, text: str, start: int, end: int) -> tuple[int, int]:
    """Where a section heading ends (and its body starts) when no break separates them.

    The heading runs to the first 。 of its paragraph, except when its body runs on without a
    break: before a body opener (a date, 疫情发生后 …) or before a short sub-heading that ends
    the first sentence (…压实各方责任。)."""
    terminator = _TERMINATOR.search(text, start, end)
    stop = terminator.start() if terminator else end
    clause_start = start
    for clause in _CLAUSE_SEP.split(text[start:stop]):
        opener = cues.body_opener.search(clause, 4)
        if opener:
            cut = clause_start + opener.start()
            return cut, cut
        last_start = clause_start
        clause_start += len(clause) + 1
    if not terminator:
        return end, end
    for match in cues.subheading_verb.finditer(text, last_start, stop):
        if match.start() - last_start >= 6 and stop - match.start() <= cues.subheading_max:
            return match.start(), match.start()
    return stop + 1, stop + 1


def _previous_char(text: str, start: int, position: int) -> str:
    """The last non-space character of ``text[start:position]`` ("" when there is none)."""
    while position > start and text[position - 1].isspace():
        position -= 1
    return text[position - 1] if position > start else ""


def _markers(cues: _Cues, text: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """Enumeration markers in a paragraph: (marker start, item start, value)."""
    found = []
    for match in finditer(cues.marker, text, start, end):
        previous = _previous_char(text, start, match.start())
        if previous and previous not in _MARKER_AFTER:
            continue
        numeral = match.group("num") or match.group("ord") or match.group("paren")
        if numeral:
            value = _numeral_value(cues, numeral)
        else:
            value = cues.sequence_words.get(match.group("seq"), 0)
        found.append((match.start(), match.end(), value))
    return found


def _numeral_value(cues: _Cues, numeral: str) -> int:
    if len(numeral) == 1:
        return cues.numerals.get(numeral, 0)
    tens, units = numeral[0], numeral[1]
    if tens == "十":
        return 10 + cues.numerals.get(units, 0)
    return cues.numerals.get(tens, 0) * 10 + (0 if units == "十" else cues.numerals.get(units, 0))


def _accepted(quote: str, kind: str) -> bool:
    """Headings are always kept; an enumerated item, or a sentence that continues a directive
    of its paragraph (要加强…。统一调配…。), only needs not to narrate the past, to assess or to
    appoint (items of a 会议要求 list are often bare verb phrases: 加快…互认); anything else must
    be a directive."""
    if kind == "heading":
        return True
    if _is_directive(quote):
        return True
    cues = _cues()
    if kind == "item":
        return not _vetoed(cues, quote) and not cues.past.search(quote)
    if kind == "continued":
        return (
            len(quote) > _MIN_CONTINUATION
            and not _vetoed(cues, quote)
            and not cues.past.search(quote)
            and not quote.startswith(cues.continuation_openers_veto)
            and not cues.continuation_veto.search(quote)
        )
    return False


def _add(state: _State, text: str, start: int, end: int, kind: str) -> bool:
    """Add the unit ``text[start:end]`` (trimmed) when it is accepted as ``kind``."""
    start, end = _trim(text, start, end)
    if start >= end:
        return False
    if not _accepted(text[start:end], kind):
        return False
    unit_kind = "plain" if kind == "continued" else kind
    state.units.append(_Unit(start, end, unit_kind, state.section, state.list_id))
    return True


def _plain(state: _State, text: str, start: int, end: int) -> None:
    """Text outside enumerations: a sub-heading paragraph, or directive sentences."""
    cues = _cues()
    terminator = _TERMINATOR.search(text, start, end)
    if not terminator:
        return  # a title or an editor's sub-title, not a sentence of the report
    head_start, _ = _trim(text, start, terminator.start())
    head = text[head_start : terminator.start()]
    rest = text[terminator.end() : end].strip()
    if (
        rest
        and not _has_lead_in(text, start, head_start)
        and 0 < len(head) <= cues.subheading_max
        and not _HEAD_PUNCT.search(head)
        and (cues.subheading_verb.match(head) or cues.initial.match(head))
    ):
        _add(state, text, start, end, "plain")
        return
    directed = False
    for piece_start, piece_end in _directive_pieces(text, start, end):
        kind = "continued" if directed else "plain"
        directed = _add(state, text, piece_start, piece_end, kind) or directed


def _has_lead_in(text: str, start: int, head_start: int) -> bool:
    """Did trimming ``text[start:head_start]`` drop a lead-in (会议强调,) and not only space and
    punctuation? A paragraph led in so reports what was said; it has no sub-heading."""
    junk = _LEADING_JUNK.match(text, start, head_start)
    return (junk.end() if junk else start) < head_start


def _directive_pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The sentences of ``text[start:end]``, each split further at a ``;`` followed by a clause
    that opens with a directive (要加强…;要做好…;严格…): one requirement per directive. A clause
    with its own subject (…;各医院要…) elaborates the one before and stays with it."""
    position = start
    for match in chain(_PIECE_END.finditer(text, start, end), ((None),)):
        piece_end = match.end() if match else end
        if match and match.group() == ";" and not _opens_directive(text, piece_end, end):
            continue
        if text[position:piece_end].strip():
            yield position, piece_end
        position = piece_end


def _opens_directive(text: str, start: int, end: int) -> bool:
    """Does the clause at ``start`` open with a directive (要…, 必须…, 加强…)?"""
    cues = _cues()
    clause_end = _CLAUSE_SEP.search(text, start, end)
    clause = text[start : clause_end.start() if clause_end else end].strip()
    return bool(cues.strong.match(clause) or cues.initial.match(clause))


def _paragraph(state: _State, text: str, start: int, end: int, at_para_start: bool) -> None:
    cues = _cues()
    heading = _HEADING.match(text, start, end) if at_para_start else None
    if heading:
        head_end, body = _heading_end(cues, text, heading.end(), end)
        state.section = None
        state.list_id = None
        _add(state, text, heading.end(), head_end, "heading")
        if state.units and state.units[-1].kind == "heading" and state.units[-1].start >= start:
            state.section = len(state.units) - 1
        start = body
    markers = _markers(cues, text, start, end)
    first = markers[0][0] if markers else end
    if first > start:
        _plain(state, text, start, first)
    for i, (_, item_start, value) in enumerate(markers):
        item_end = markers[i + 1][0] if i + 1 < len(markers) else end
        if value == 1 or state.list_id is None:
            state.lists += 1
            state.list_id = state.lists
        _add(state, text, item_start, item_end, "item")


def _floor(view: _View, meeting: MeetingSpan, paragraphs: list[tuple[int, int]]) -> int:
    """Where directives may start: after the sentence reporting the meeting, or after a
    lead-in that follows the held clause in that sentence (…会议上,某某强调,)."""
    held_end = view.to_view(meeting.held_end)
    for para_start, para_end in paragraphs:
        if para_end < held_end:
            continue
        if para_start > held_end:
            return para_start
        terminator = _TERMINATOR.search(view.text, held_end, para_end)
        stop = terminator.start() if terminator else para_end
        lead_in = _cues().held_lead_in.search(view.text, held_end, stop)
        if lead_in:
            return lead_in.end()
        return stop + 1 if terminator else para_end
    return held_end


def _units(view: _View, meeting: MeetingSpan) -> list[_Unit]:
    cues = _cues()
    paragraphs = _paragraphs(view.text)
    floor = _floor(view, meeting, paragraphs)
    state = _State(units=[])
    for para_start, para_end in paragraphs:
        if para_end <= floor:
            continue
        if para_start >= floor and _is_furniture(cues, view.text[para_start:para_end]):
            break
        start = max(para_start, floor)
        _paragraph(state, view.text, start, para_end, at_para_start=start == para_start)
    return state.units


# --------------------------------------------------------------------------------------------
# Requirements


def _numbered(units: list[_Unit]) -> list[tuple[_Unit, int | None, int | None]]:
    """(unit, ordinal, section) with ordinals 1, 2, 3… per list, as the Meeting model checks:
    headings and top-level items share one list; items of a section number within it."""
    heading_ordinal: dict[int, int] = {}
    counters: dict[int | None, int] = {}
    out = []
    for i, unit in enumerate(units):
        section = heading_ordinal.get(unit.section) if unit.section is not None else None
        if unit.kind == "plain":
            out.append((unit, None, section))
            continue
        if unit.kind == "heading":
            section = None
        counters[section] = counters.get(section, 0) + 1
        if unit.kind == "heading":
            heading_ordinal[i] = counters[None]
        out.append((unit, counters[section], section))
    return out


def _unbroken(text: str) -> str:
    """``text`` without its line breaks and the spaces around them."""
    return _LINE_BREAKS.sub("", text) if "\n" in text or "\r" in text else text


def _texts(view: _View, units: list[_Unit]) -> list[tuple[str, str]]:
    """Each unit's text without line breaks, in Simplified script, as written and folded.

    One OpenCC call (and one fold) for all of them: joined by line breaks, which no conversion
    rule spans and no unit text holds any more, they convert exactly as they would one by one."""
    if not units:
        return []
    joined = "\n".join(_unbroken(view.surface[unit.start : unit.end]) for unit in units)
    simplified = to_simplified(joined)
    return list(zip(simplified.split("\n"), fold_width(simplified).split("\n"), strict=True))


def _requirement(
    doc: NormalisedText,
    view: _View,
    unit: _Unit,
    texts: tuple[str, str],
    ordinal: int | None,
    section: int | None,
) -> Requirement | None:
    text, folded = texts
    try:
        return Requirement(
            ordinal=ordinal,
            section=section,
            text=text,
            category=_category(folded),
            evidence=doc.evidence(view.index[unit.start], view.index[unit.end - 1] + 1),
        )
    except ValidationError:  # the contract refuses this candidate
        return None


def extract_requirements(ctx: ReportContext, meeting: MeetingSpan) -> list[Requirement]:
    """The directives of one meeting, in text order (empty when none can be found)."""
    doc = ctx.doc
    start = max(0, min(meeting.start, len(doc.text)))
    end = max(start, min(meeting.end, len(doc.text)))
    view = _view(doc, start, end)
    if not view.text:
        return []
    requirements = []
    numbered = _numbered(_units(view, meeting))
    texts = _texts(view, [unit for unit, _, _ in numbered])
    for (unit, ordinal, section), text in zip(numbered, texts, strict=True):
        requirement = _requirement(doc, view, unit, text, ordinal, section)
        if requirement is not None:
            requirements.append(requirement)
    return _consistent(requirements)


def _consistent(requirements: list[Requirement]) -> list[Requirement]:
    """Renumber after dropped candidates so that the Meeting model accepts the list."""
    top = {r.ordinal for r in requirements if r.section is None and r.ordinal}
    counters: dict[int | None, int] = {}
    remap: dict[int, int] = {}
    out = []
    for r in requirements:
        section = r.section if r.section in top else None
        section = remap.get(section, section) if section is not None else None
        ordinal = r.ordinal
        if ordinal is not None:
            counters[section] = counters.get(section, 0) + 1
            if section is None:
                remap[ordinal] = counters[None]
            ordinal = counters[section]
        if (ordinal, section) != (r.ordinal, r.section):
            r = r.model_copy(update={"ordinal": ordinal, "section": section})
        out.append(r)
    return out


__all__ = ["DATA", "categorise", "extract_requirements"]
