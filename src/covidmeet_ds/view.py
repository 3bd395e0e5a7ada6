"""``covidmeet-ds view``: a static review page per document, the evidence highlighted in the text.

Each page shows the raw text once per annotation (hand, rules) with every evidence span wrapped
in a ``<mark>`` coloured by the kind of field it supports (meeting, date, level, speaker,
requirement), and beside it the annotation as a list whose items link to their spans. When a
document has both a hand and a rule annotation, they are aligned as the evaluation aligns them
(:func:`.evaluate.align_meetings`, :func:`.evaluate.align_requirements`; speakers by name) and
every item only in the hand annotation (missed by the rules), only in the rules' (extra), or
with values that differ is marked, in the list and in the text.

The text is shown exactly: offsets are Python string indices (code points), every segment is cut
at those indices, escaped with :func:`html.escape`, and a carriage return is written ``&#13;`` so
that the HTML parser keeps it (it would turn CR LF into LF). Only U+0000 cannot be carried by
HTML: it is shown as ``␀`` in an element of class ``nul``. Spans that cross are split into pieces
that nest; each piece carries ``data-start``/``data-end`` (its own raw offsets), so the text of
every ``<mark>`` is ``raw[data-start:data-end]`` and the pieces of one evidence, joined in
document order, are its quote.

Rendering is pure (annotations and raw text in, HTML out); :func:`write_view` at the end reads
the corpus (validated first) and writes the folder beside its target, then swaps it in whole
(:mod:`.build.staging`): only a folder an earlier ``view`` wrote is ever replaced.
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from . import __version__
from .models import Annotation, Evidence, Meeting, Requirement, Speaker

IDENTITY = "view.json"
"""The file that marks a folder as written by ``view`` (the only kind of folder it replaces)."""
PAGES_DIR = "documents"
"""Document pages live in their own folder: no doc_id (``index`` is a valid one) can collide
with ``index.html``."""

KINDS = ("meeting", "date", "level", "speaker", "requirement")
_KIND_OF_FIELD = {
    "meetings": "meeting",
    "date": "date",
    "level": "level",
    "speakers": "speaker",
    "requirements": "requirement",
}
COLOURS = {
    "meeting": "rgba(66, 133, 244, 0.16)",
    "date": "rgba(255, 152, 0, 0.45)",
    "level": "rgba(156, 39, 176, 0.3)",
    "speaker": "rgba(76, 175, 80, 0.4)",
    "requirement": "rgba(255, 214, 0, 0.45)",
}
ANNOTATOR_TITLES = {"hand": "Hand annotation (gold)", "rule": "Rule annotation"}

ItemT = TypeVar("ItemT", Speaker, Requirement)
Status = Literal["agrees", "differs", "missed", "extra"]
STATUS_TEXT = {
    "agrees": "agrees",
    "differs": "values differ",
    "missed": "only in hand: missed by the rules",
    "extra": "only in the rules: not in the gold",
}


# --- evidence spans ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """One evidence of one annotation, located in the raw text."""

    annotator: str
    field: str
    """The item the evidence supports: ``meetings[0]``, ``meetings[0].date``,
    ``meetings[0].speakers[1]``…"""
    kind: str
    start: int
    end: int
    quote: str
    status: Status | None = None
    label: str = ""
    """A short description of the value, shown as the mark's tooltip."""


def field_path(parts: Sequence[str | int]) -> str:
    """``('meetings', 0, 'speakers', 1)`` → ``meetings[0].speakers[1]``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def anchor_id(annotator: str, path: str) -> str:
    """An HTML id for an item: ``hand-meetings-0-speakers-1`` (letters, digits, hyphens)."""
    slug = path.replace("[", "-").replace("].", "-").replace("]", "").replace(".", "-")
    return f"{annotator}-{slug}"


def iter_evidence(annotation: Annotation) -> Iterator[tuple[str, str, Evidence]]:
    """(kind, item path, evidence) of every evidence of ``annotation``, in document order."""
    for m, meeting in enumerate(annotation.meetings):
        here: tuple[str | int, ...] = ("meetings", m)
        yield "meeting", field_path(here), meeting.evidence
        if meeting.date.evidence is not None:
            yield "date", field_path((*here, "date")), meeting.date.evidence
        yield "level", field_path((*here, "level")), meeting.level.evidence
        for s, speaker in enumerate(meeting.speakers):
            yield "speaker", field_path((*here, "speakers", s)), speaker.evidence
        for r, requirement in enumerate(meeting.requirements):
            yield "requirement", field_path((*here, "requirements", r)), requirement.evidence


def evidence_spans(annotation: Annotation, marks: Differences | None = None) -> list[Span]:
    """Every evidence of ``annotation`` as a :class:`Span`, with its difference status."""
    labels = dict(_item_labels(annotation))
    spans = []
    for kind, path, evidence in iter_evidence(annotation):
        mark = marks.get(annotation.annotator, path) if marks is not None else None
        spans.append(
            Span(
                annotation.annotator,
                path,
                kind,
                evidence.start,
                evidence.end,
                evidence.quote,
                mark.status if mark else None,
                labels[path],
            )
        )
    return spans


def _item_labels(annotation: Annotation) -> Iterator[tuple[str, str]]:
    for m, meeting in enumerate(annotation.meetings):
        here = f"meetings[{m}]"
        yield here, f"{meeting.meeting_id}: {meeting.name or 'unnamed meeting'}"
        yield f"{here}.date", f"date: {meeting.date.value or 'unknown'}"
        jurisdiction = meeting.level.jurisdiction or "jurisdiction unknown"
        yield f"{here}.level", f"level: {meeting.level.level}, {jurisdiction}"
        for s, speaker in enumerate(meeting.speakers):
            roles = ", ".join(speaker.roles)
            yield f"{here}.speakers[{s}]", f"speaker: {speaker.name or 'unnamed'} ({roles})"
        for r, requirement in enumerate(meeting.requirements):
            yield f"{here}.requirements[{r}]", f"requirement: {requirement.category}"


# --- the text with its marks ---------------------------------------------------------------------


def escape_text(text: str) -> str:
    """Text content that the HTML parser gives back exactly: ``<>&"'`` escaped, CR as ``&#13;``
    (a literal CR is dropped or turned into LF by the parser), U+0000 shown as ``␀``."""
    escaped = html.escape(text, quote=True).replace("\r", "&#13;")
    return escaped.replace("\x00", '<span class="nul" title="U+0000 (NUL)">\u2400</span>')


def escape_attribute(value: str) -> str:
    """An attribute value, quoted with ``"``: ``&<>"'`` escaped, CR kept as ``&#13;``."""
    return html.escape(value, quote=True).replace("\r", "&#13;").replace("\x00", "\ufffd")


@dataclass
class _Piece:
    """One ``<mark>`` element: the part of a span between two boundaries where it nests."""

    span: Span
    start: int
    first: bool
    end: int = -1


_CLOSE = "</mark>"


def _check_spans(text: str, spans: Sequence[Span]) -> None:
    for span in spans:
        if not 0 <= span.start < span.end <= len(text):
            raise ValueError(
                f"{span.annotator} {span.field}: evidence [{span.start}, {span.end}) is not a "
                f"non-empty range of the raw text ({len(text)} characters): run "
                "`covidmeet-ds validate`"
            )


def marked_text(text: str, spans: Sequence[Span]) -> str:
    """``text`` as HTML with every span wrapped in ``<mark>`` elements that nest properly.

    At each boundary the spans that end there are closed; a span still open above one of them is
    closed too and reopened as a new piece right after, so crossing spans become nested pieces.
    Spans that start together open longest first (the outer one outside)."""
    _check_spans(text, spans)
    starting: dict[int, list[Span]] = defaultdict(list)
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):  # stable: annotation order
        starting[span.start].append(span)
    boundaries = sorted({0, len(text)} | {s.start for s in spans} | {s.end for s in spans})
    tokens: list[str | _Piece] = []
    stack: list[_Piece] = []
    for here, after in zip(boundaries, [*boundaries[1:], len(text)], strict=True):
        reopen: list[Span] = []
        while any(piece.span.end == here for piece in stack):
            top = stack.pop()
            top.end = here
            tokens.append(_CLOSE)
            if top.span.end != here:
                reopen.append(top.span)
        for span in reversed(reopen):  # outermost first, as they were
            stack.append(_Piece(span, here, first=False))
            tokens.append(stack[-1])
        for span in starting[here]:
            stack.append(_Piece(span, here, first=True))
            tokens.append(stack[-1])
        if after > here:
            tokens.append(escape_text(text[here:after]))
    if stack:  # every span ends at a boundary, the last of which is len(text)
        raise AssertionError(f"unclosed marks: {[piece.span.field for piece in stack]}")
    return "".join(token if isinstance(token, str) else _open_tag(token) for token in tokens)


def _open_tag(piece: _Piece) -> str:
    span = piece.span
    classes = ["hl", f"k-{span.kind}", f"a-{span.annotator}"]
    if span.status is not None:
        classes.append(f"st-{span.status}")
    attributes = {
        "class": " ".join(classes),
        "data-field": span.field,
        "data-kind": span.kind,
        "data-annotator": span.annotator,
        "data-start": str(piece.start),
        "data-end": str(piece.end),
        "data-evidence-start": str(span.start),
        "data-evidence-end": str(span.end),
        "title": f"{span.annotator} {span.field} · {span.label}",
    }
    if span.status is not None:
        attributes["data-status"] = span.status
    if piece.first:
        attributes = {"id": anchor_id(span.annotator, span.field), **attributes}
    return "<mark " + " ".join(f'{k}="{escape_attribute(v)}"' for k, v in attributes.items()) + ">"


# --- hand against rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """How one item of one annotation compares with the other annotation."""

    status: Status
    partner: str | None = None
    """The aligned item's path in the other annotation (None when there is none)."""
    values: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Field name → (this annotation's value, the other's), for the values that differ."""


@dataclass
class Differences:
    """Marks of the items of a hand and a rule annotation, by (annotator, item path)."""

    marks: dict[tuple[str, str], Mark] = field(default_factory=dict)
    flags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Quality flags only in one annotation, by annotator."""

    def get(self, annotator: str, path: str) -> Mark | None:
        return self.marks.get((annotator, path))

    def count(self, status: Literal["missed", "extra", "differs"]) -> int:
        """Meetings, speakers and requirements missed by the rules (or extra in them): a
        meeting's date and level are part of it; or the number of values that differ."""
        if status == "differs":
            return sum(len(m.values) for (who, _), m in self.marks.items() if who == "hand")
        annotator = "hand" if status == "missed" else "rule"
        return sum(
            1
            for (who, path), mark in self.marks.items()
            if who == annotator and mark.status == status and path.endswith("]")
        )

    def add_pair(self, hand_path: str, rule_path: str, values: dict[str, tuple[str, str]]) -> None:
        status: Status = "differs" if values else "agrees"
        self.marks["hand", hand_path] = Mark(status, rule_path, values)
        swapped = {name: (rule, hand) for name, (hand, rule) in values.items()}
        self.marks["rule", rule_path] = Mark(status, hand_path, swapped)

    def add_alone(self, annotator: str, path: str) -> None:
        self.marks[annotator, path] = Mark("missed" if annotator == "hand" else "extra")


def shown(value: object) -> str:
    """A value as the page shows it: null as ``—``, a list joined by ``、``."""
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return "、".join(str(item) for item in value) if value else "(none)"
    return str(value)


def _differing(pairs: Iterable[tuple[str, object, object]]) -> dict[str, tuple[str, str]]:
    return {name: (shown(a), shown(b)) for name, a, b in pairs if a != b}


def _meeting_values(hand: Meeting, rule: Meeting) -> dict[str, dict[str, tuple[str, str]]]:
    """Differing values of two aligned meetings, by item: the meeting, its date, its level."""
    return {
        "": _differing(
            [("name", hand.name, rule.name), ("convener", hand.convener, rule.convener)]
        ),
        ".date": _differing(
            (name, getattr(hand.date, name), getattr(rule.date, name))
            for name in ("value", "time_of_day", "year_basis")
        ),
        ".level": _differing(
            [
                ("level", hand.level.level, rule.level.level),
                ("jurisdiction", hand.level.jurisdiction, rule.level.jurisdiction),
            ]
        ),
    }


def _speaker_values(hand: Speaker, rule: Speaker) -> dict[str, tuple[str, str]]:
    # as the evaluation scores them: roles and titles as sets; the shown values keep their order
    return {
        name: (shown(a), shown(b))
        for name, a, b in (("roles", hand.roles, rule.roles), ("titles", hand.titles, rule.titles))
        if set(a) != set(b)
    }


def _requirement_values(hand: Requirement, rule: Requirement) -> dict[str, tuple[str, str]]:
    return _differing(
        (name, getattr(hand, name), getattr(rule, name))
        for name in ("category", "ordinal", "section", "text")
    )


def align_speakers(hand: Sequence[Speaker], rule: Sequence[Speaker]) -> list[tuple[int, int]]:
    """(hand index, rule index) of speakers with the same name (an unnamed one pairs with an
    unnamed one), each taken once, in order of mention: the evaluation counts names as a
    multiset, and this is the pairing that reaches its count."""
    used: set[int] = set()
    pairs = []
    for h, speaker in enumerate(hand):
        for r, other in enumerate(rule):
            if r not in used and other.name == speaker.name:
                used.add(r)
                pairs.append((h, r))
                break
    return pairs


def compare(hand: Annotation, rule: Annotation) -> Differences:
    """Mark every item of ``hand`` and ``rule``: aligned (agrees or differs), or alone."""
    from .evaluate import align_meetings, align_requirements, from_annotation

    differences = Differences()
    hand_items, rule_items = from_annotation(hand).meetings, from_annotation(rule).meetings
    pairs = align_meetings(hand_items, rule_items)
    for h, r in pairs:
        hand_meeting, rule_meeting = hand.meetings[h], rule.meetings[r]
        hand_path, rule_path = f"meetings[{h}]", f"meetings[{r}]"
        for suffix, values in _meeting_values(hand_meeting, rule_meeting).items():
            differences.add_pair(hand_path + suffix, rule_path + suffix, values)
        _compare_items(
            differences,
            (hand_path, rule_path, "speakers"),
            (hand_meeting.speakers, rule_meeting.speakers),
            align_speakers(hand_meeting.speakers, rule_meeting.speakers),
            _speaker_values,
        )
        _compare_items(
            differences,
            (hand_path, rule_path, "requirements"),
            (hand_meeting.requirements, rule_meeting.requirements),
            align_requirements(hand_items[h].requirements, rule_items[r].requirements),
            _requirement_values,
        )
    for annotator, annotation, aligned in (
        ("hand", hand, {h for h, _ in pairs}),
        ("rule", rule, {r for _, r in pairs}),
    ):
        for m, meeting in enumerate(annotation.meetings):
            if m not in aligned:
                for path in _meeting_item_paths(m, meeting):
                    differences.add_alone(annotator, path)
    hand_flags, rule_flags = set(hand.quality_flags), set(rule.quality_flags)
    differences.flags = {
        "hand": tuple(f for f in hand.quality_flags if f not in rule_flags),
        "rule": tuple(f for f in rule.quality_flags if f not in hand_flags),
    }
    return differences


def _compare_items(
    differences: Differences,
    paths: tuple[str, str, str],
    items: tuple[Sequence[ItemT], Sequence[ItemT]],
    pairs: Sequence[tuple[int, int]],
    values_of: Callable[[ItemT, ItemT], dict[str, tuple[str, str]]],
) -> None:
    """Mark the speakers (or requirements) of two aligned meetings: paths are (hand meeting,
    rule meeting, list name), items (hand list, rule list)."""
    hand_meeting, rule_meeting, name = paths
    hand_items, rule_items = items
    for h, r in pairs:
        differences.add_pair(
            f"{hand_meeting}.{name}[{h}]",
            f"{rule_meeting}.{name}[{r}]",
            values_of(hand_items[h], rule_items[r]),
        )
    for annotator, meeting_path, listed, taken in (
        ("hand", hand_meeting, hand_items, {h for h, _ in pairs}),
        ("rule", rule_meeting, rule_items, {r for _, r in pairs}),
    ):
        for index in range(len(listed)):
            if index not in taken:
                differences.add_alone(annotator, f"{meeting_path}.{name}[{index}]")


def _meeting_item_paths(m: int, meeting: Meeting) -> Iterator[str]:
    here = f"meetings[{m}]"
    yield from (here, f"{here}.date", f"{here}.level")
    yield from (f"{here}.speakers[{s}]" for s in range(len(meeting.speakers)))
    yield from (f"{here}.requirements[{r}]" for r in range(len(meeting.requirements)))


# --- pages ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentView:
    """What one page shows: the document, its raw text and its annotations (hand first)."""

    doc_id: str
    title: str
    raw_text: str
    annotations: tuple[Annotation, ...]
    details: tuple[tuple[str, str], ...] = ()
    """(label, value) pairs shown under the title: file, published, source…"""

    def differences(self) -> Differences | None:
        """Hand against rules, when the page has both."""
        by_annotator = {a.annotator: a for a in self.annotations}
        if "hand" in by_annotator and "rule" in by_annotator:
            return compare(by_annotator["hand"], by_annotator["rule"])
        return None


STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
  margin: 1rem 1.5rem; color: #1a1a1a; }
h1 { font-size: 1.35rem; margin-bottom: .25rem; }
h2 { font-size: 1.15rem; border-bottom: 1px solid #bbb; padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: .8rem 0 .3rem; }
h4 { font-size: .92rem; margin: .6rem 0 .2rem; }
.details, .legend { font-size: .85rem; color: #444; }
.legend span { display: inline-block; margin: 0 .6rem .3rem 0; padding: 0 .3rem; }
.panel { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.2rem;
  align-items: start; margin-bottom: 2rem; }
.raw { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 2; font-size: 15px;
  border: 1px solid #ccc; border-radius: 4px; padding: .8rem; background: #fff; }
.annotation { font-size: .88rem; line-height: 1.5; position: sticky; top: .5rem;
  max-height: 96vh; overflow-y: auto; }
.annotation ol { padding-left: 1.4rem; margin: .2rem 0; }
.annotation dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .6rem;
  margin: .2rem 0; }
.annotation dt { color: #555; }
.annotation dd { margin: 0; }
mark.hl { color: inherit; padding: 0; border-radius: 2px; }
mark.hl:target { outline: 3px solid #111; }
mark.st-missed { outline: 2px dashed #c62828; }
mark.st-extra { outline: 2px dotted #ef6c00; }
mark.st-differs { text-decoration: underline wavy #c62828; text-underline-offset: 3px; }
.nul { color: #c62828; }
.badge { font-size: .75rem; border-radius: 3px; padding: 0 .3rem; margin-left: .3rem;
  white-space: nowrap; }
.badge.missed { background: #ffebee; color: #b71c1c; border: 1px dashed #c62828; }
.badge.extra { background: #fff3e0; color: #e65100; border: 1px dotted #ef6c00; }
.badge.differs { background: #fce4ec; color: #880e4f; }
.other { color: #880e4f; }
.null { color: #888; }
.note { color: #555; font-size: .82rem; }
table.index { border-collapse: collapse; font-size: .9rem; }
table.index th, table.index td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; }
table.index td.n { text-align: right; }
"""


def _style() -> str:
    kinds = "\n".join(f"mark.k-{kind} {{ background: {COLOURS[kind]}; }}" for kind in KINDS)
    swatches = "\n".join(f".legend .k-{kind} {{ background: {COLOURS[kind]}; }}" for kind in KINDS)
    return STYLE + kinds + "\n" + swatches + "\n"


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape_text(title)}</title>\n<style>{_style()}</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )


def _legend() -> str:
    kinds = "".join(f'<span class="k-{kind}">{kind}</span>' for kind in KINDS)
    marks = (
        '<span class="badge missed">only in hand: missed by the rules</span>'
        '<span class="badge extra">only in the rules: not in the gold</span>'
        '<span class="badge differs">values differ</span>'
    )
    return f'<p class="legend">Evidence of: {kinds}<br>Hand against rules: {marks}</p>\n'


def _badge(mark: Mark | None) -> str:
    if mark is None or mark.status == "agrees":
        return ""
    return f'<span class="badge {mark.status}">{escape_text(STATUS_TEXT[mark.status])}</span>'


def _partner_link(annotator: str, mark: Mark | None) -> str:
    if mark is None or mark.partner is None:
        return ""
    other = "rule" if annotator == "hand" else "hand"
    href = "#" + anchor_id(other, mark.partner)
    return f' <a class="partner" href="{href}">↔ {other}</a>'


def _value(name: str, value: object, mark: Mark | None, annotator: str) -> str:
    """One value, with the other annotation's when it differs."""
    css = ' class="null"' if value is None else ""
    text = f"<span{css}>{escape_text(shown(value))}</span>"
    if mark is not None and name in mark.values:
        other = "rule" if annotator == "hand" else "hand"
        text += f' <span class="other">≠ {other}: {escape_text(mark.values[name][1])}</span>'
    return text


def _link(annotator: str, path: str, label: str) -> str:
    return f'<a href="#{anchor_id(annotator, path)}">{escape_text(label)}</a>'


def _note(note: str | None) -> str:
    return f'<div class="note">{escape_text(note)}</div>' if note else ""


def _rows(rows: Iterable[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{escape_text(k)}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _meeting_html(annotation: Annotation, m: int, marks: Differences | None) -> str:
    who = annotation.annotator
    meeting = annotation.meetings[m]
    here = f"meetings[{m}]"

    def mark_of(path: str) -> Mark | None:
        return marks.get(who, path) if marks is not None else None

    meeting_mark, date_mark, level_mark = (
        mark_of(p) for p in (here, f"{here}.date", here + ".level")
    )
    date = meeting.date
    date_value = _value("value", date.value, date_mark, who)
    if date.evidence is not None:
        date_value = _link(who, f"{here}.date", "evidence") + " " + date_value
    rows = [
        ("name", _value("name", meeting.name, meeting_mark, who)),
        ("convener", _value("convener", meeting.convener, meeting_mark, who)),
        ("date", date_value + _badge(date_mark) + _note(date.note)),
        ("precision", escape_text(date.precision)),
        ("time of day", _value("time_of_day", date.time_of_day, date_mark, who)),
        ("year basis", _value("year_basis", date.year_basis, date_mark, who)),
        (
            "level",
            _link(who, f"{here}.level", "evidence")
            + " "
            + _value("level", meeting.level.level, level_mark, who)
            + _badge(level_mark),
        ),
        (
            "jurisdiction",
            _value("jurisdiction", meeting.level.jurisdiction, level_mark, who)
            + _note(meeting.level.note),
        ),
    ]
    heading = (
        f"<h3>{_link(who, here, f'Meeting {meeting.meeting_id}')}"
        f"{_badge(meeting_mark)}{_partner_link(who, meeting_mark)}</h3>"
    )
    speakers = "".join(
        _speaker_html(who, f"{here}.speakers[{s}]", speaker, mark_of(f"{here}.speakers[{s}]"))
        for s, speaker in enumerate(meeting.speakers)
    )
    requirements = "".join(
        _requirement_html(
            who, f"{here}.requirements[{r}]", item, mark_of(f"{here}.requirements[{r}]")
        )
        for r, item in enumerate(meeting.requirements)
    )
    return (
        f'<section class="meeting">{heading}{_rows(rows)}'
        f"<h4>Speakers ({len(meeting.speakers)})</h4><ol>{speakers}</ol>"
        f"<h4>Requirements ({len(meeting.requirements)})</h4><ol>{requirements}</ol></section>\n"
    )


def _speaker_html(who: str, path: str, speaker: Speaker, mark: Mark | None) -> str:
    name = speaker.name if speaker.name is not None else "(unnamed)"
    return (
        f"<li>{_link(who, path, name)}{_badge(mark)}{_partner_link(who, mark)}"
        f"<br>titles: {_value('titles', speaker.titles, mark, who)}"
        f"<br>roles: {_value('roles', speaker.roles, mark, who)}{_note(speaker.note)}</li>"
    )


def _requirement_html(who: str, path: str, item: Requirement, mark: Mark | None) -> str:
    numbers = [str(n) for n in (item.section, item.ordinal) if n is not None]
    number = "item " + ".".join(numbers) if numbers else "unnumbered item"
    return (
        f"<li>{_link(who, path, number)} {_value('category', item.category, mark, who)}"
        f"{_badge(mark)}{_partner_link(who, mark)}"
        f"<br>ordinal: {_value('ordinal', item.ordinal, mark, who)}, "
        f"section: {_value('section', item.section, mark, who)}"
        f"<br>{_value('text', item.text, mark, who)}</li>"
    )


def _annotation_html(annotation: Annotation, marks: Differences | None) -> str:
    who = annotation.annotator
    flags = shown(annotation.quality_flags)
    only = marks.flags.get(who, ()) if marks is not None else ()
    alone = (
        f' <span class="badge {"missed" if who == "hand" else "extra"}">'
        f"only here: {escape_text(shown(only))}</span>"
        if only
        else ""
    )
    rules = f"<br>rules: {escape_text(shown(annotation.rules))}" if annotation.rules else ""
    header = (
        f'<p class="details">version {escape_text(annotation.annotator_version)}{rules}'
        f"<br>quality flags: {escape_text(flags)}{alone}</p>"
    )
    notes = (
        f"<details><summary>notes</summary>{_note(annotation.notes)}</details>"
        if annotation.notes
        else ""
    )
    meetings = "".join(_meeting_html(annotation, m, marks) for m in range(len(annotation.meetings)))
    if not annotation.meetings:
        meetings = "<p>No meeting.</p>"
    return f'<div class="annotation">{header}{notes}{meetings}</div>'


def _summary(view: DocumentView, marks: Differences | None) -> str:
    annotators = [a.annotator for a in view.annotations]
    if marks is None:
        shown_ones = " and ".join(annotators) if annotators else "no annotation"
        return f"<p>This document has {escape_text(shown_ones)}: nothing to compare.</p>\n"
    counts = {status: marks.count(status) for status in ("missed", "extra", "differs")}
    return (
        '<p class="summary">Hand against rules: '
        f'<span class="badge missed">{counts["missed"]} missed item(s)</span>'
        f'<span class="badge extra">{counts["extra"]} extra item(s)</span>'
        f'<span class="badge differs">{counts["differs"]} differing value(s)</span></p>\n'
    )


def render_document(view: DocumentView, index_href: str = "../index.html") -> str:
    """The review page of one document (a complete, self-contained HTML file)."""
    marks = view.differences()
    details = " · ".join(
        f"{escape_text(label)}: {escape_text(value)}" for label, value in view.details
    )
    body = [
        f'<p><a href="{escape_attribute(index_href)}">← all documents</a></p>\n',
        f"<h1>{escape_text(view.title)}</h1>\n",
        f'<p class="details">doc_id: {escape_text(view.doc_id)}'
        + (f" · {details}" if details else "")
        + "</p>\n",
        _legend(),
        _summary(view, marks),
    ]
    for annotation in view.annotations:
        who = annotation.annotator
        spans = evidence_spans(annotation, marks)
        body.append(
            f'<section class="panel" id="{who}">'
            f"<div><h2>{escape_text(ANNOTATOR_TITLES.get(who, who))}</h2>"
            f'<div class="raw" lang="zh" data-annotator="{escape_attribute(who)}">'
            f"{marked_text(view.raw_text, spans)}</div></div>"
            f"<div><h2>{escape_text(who)}: {len(annotation.meetings)} meeting(s)</h2>"
            f"{_annotation_html(annotation, marks)}</div></section>\n"
        )
    if not view.annotations:
        body.append(f'<div class="raw" lang="zh">{escape_text(view.raw_text)}</div>\n')
    return _page(f"{view.doc_id}: {view.title}", "".join(body))


def page_path(doc_id: str) -> str:
    """Where a document's page is, relative to the folder."""
    return f"{PAGES_DIR}/{doc_id}.html"


def render_index(views: Sequence[DocumentView]) -> str:
    """``index.html``: every document with its counts of meetings and differences."""
    rows = []
    for view in views:
        marks = view.differences()
        by_annotator = {a.annotator: a for a in view.annotations}
        cells = [
            f'<a href="{escape_attribute(page_path(view.doc_id))}">{escape_text(view.doc_id)}</a>',
            escape_text(view.title),
        ]
        numbers = [
            len(by_annotator["hand"].meetings) if "hand" in by_annotator else None,
            len(by_annotator["rule"].meetings) if "rule" in by_annotator else None,
            *((marks.count(s) if marks else None) for s in ("missed", "extra", "differs")),
        ]
        row = "".join(f"<td>{cell}</td>" for cell in cells) + "".join(
            f'<td class="n">{shown(n)}</td>' for n in numbers
        )
        rows.append(f"<tr>{row}</tr>")
    head = "".join(
        f"<th>{name}</th>"
        for name in (
            "doc_id",
            "title",
            "hand meetings",
            "rule meetings",
            "missed",
            "extra",
            "differ",
        )
    )
    body = (
        "<h1>covidmeet_ds: review pages</h1>\n"
        "<p>Each page shows the raw text with every evidence highlighted, the annotation beside "
        "it, and the hand annotation against the rules' (aligned as the evaluation aligns them)."
        "</p>\n"
        f'<table class="index"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
        "</table>\n"
    )
    return _page("covidmeet_ds: review pages", body)


# --- the edge: reading the corpus, writing the folder --------------------------------------------


class ViewError(Exception):
    """The pages cannot be written; nothing was. ``problems`` are located."""

    def __init__(self, problems: Sequence, what: str):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} {what}")


@dataclass(frozen=True)
class ViewResult:
    out: Path
    files: dict[str, str]
    """Relative path → sha256 of every file written but ``SHA256SUMS``."""


def read_views(root: Path, doc_ids: Sequence[str]) -> list[DocumentView]:
    """The pages' contents for ``doc_ids`` (every document of the manifest when empty), read
    through :mod:`.reader` after the manifest, the raw files and these documents' annotations
    validate. Raises :class:`ViewError` naming every problem, and every unknown doc_id."""
    from .corpus import Layout
    from .problems import Problem
    from .reader import CorpusReader, iter_manifest, read_document
    from .validate import validate_corpus

    layout = Layout(root)
    reader = CorpusReader(root, keep_texts=False)
    reader.read_manifest()
    if reader.problems:
        raise ViewError(sorted(set(reader.problems)), "validation problem(s)")
    entries = {entry.doc_id: entry for entry in iter_manifest(layout)}
    wanted = list(dict.fromkeys(doc_ids)) if doc_ids else list(entries)
    unknown = [doc_id for doc_id in wanted if doc_id not in entries]
    if unknown:
        name = layout.relative(layout.manifest)
        raise ViewError(
            [Problem(name, 1, 1, "", f"no document with doc_id {d!r} in {name}") for d in unknown],
            "unknown document(s)",
        )
    paths = [
        layout.annotation_path(annotator, doc_id)
        for doc_id in wanted
        for annotator in ANNOTATOR_TITLES
        if layout.annotation_path(annotator, doc_id).exists()
        or layout.annotation_path(annotator, doc_id).is_symlink()
    ]
    problems = validate_corpus(root, paths) if paths else []
    if problems:
        raise ViewError(problems, "validation problem(s)")
    views = []
    for doc_id in wanted:
        document = read_document(layout, entries[doc_id])
        entry = document.entry
        details = [("file", f"raw/{entry.file}"), ("script", entry.script)]
        if entry.published is not None:
            details.append(("published", entry.published.isoformat()))
        if entry.source_site is not None:
            details.append(("source", entry.source_site))
        if entry.source_url is not None:
            details.append(("url", entry.source_url))
        annotations = tuple(a for a in (document.hand, document.rule) if a is not None)
        views.append(
            DocumentView(doc_id, entry.title, document.raw_text, annotations, tuple(details))
        )
    return views


def write_pages(folder: Path, views: Sequence[DocumentView]) -> dict[str, str]:
    """Write ``index.html``, one page per document and ``view.json`` into ``folder``; returns
    every file's sha256 by relative path."""
    from .build.staging import sha256_file

    (folder / PAGES_DIR).mkdir()
    written = {"index.html": render_index(views)}
    for view in views:
        written[page_path(view.doc_id)] = render_document(view)
    identity = {
        "covidmeet_ds": __version__,
        "documents": [view.doc_id for view in views],
        "files": sorted(written),
    }
    written[IDENTITY] = json.dumps(identity, ensure_ascii=False, indent=2) + "\n"
    for relative, text in written.items():
        (folder / relative).write_text(text, encoding="utf-8", newline="\n")
    return {relative: sha256_file(folder / relative) for relative in sorted(written)}


def write_view(root: Path, doc_ids: Sequence[str], out: Path) -> ViewResult:
    """Validate, read and render ``doc_ids`` (all documents when empty) into ``out``, replaced
    whole. Raises :class:`ViewError` (problems, or a failure while writing: the previous folder
    is kept) and :class:`.build.staging.StagingError` (``out`` may not be replaced)."""
    from .build.staging import MARKER, check_output, staged_directory
    from .problems import Problem

    where = {"command": "view", "option": "--out", "identity": IDENTITY}
    check_output(out, protect=(root,), **where)
    views = read_views(root, doc_ids)
    try:
        with staged_directory(out, protect=(root,), **where) as folder:
            files = write_pages(folder, views)
            sums = "".join(f"{sha}  {relative}\n" for relative, sha in files.items())
            (folder / MARKER).write_text(sums, encoding="utf-8", newline="\n")
    except OSError as error:
        problem = Problem(
            str(error.filename or out),
            1,
            1,
            "",
            f"cannot write the pages: {error.strerror or error}; the previous output is unchanged",
        )
        raise ViewError([problem], "write problem(s)") from error
    return ViewResult(out=out, files=files)


__all__ = [
    "IDENTITY",
    "KINDS",
    "Differences",
    "DocumentView",
    "Mark",
    "Span",
    "ViewError",
    "ViewResult",
    "anchor_id",
    "compare",
    "escape_text",
    "evidence_spans",
    "marked_text",
    "read_views",
    "render_document",
    "render_index",
    "write_view",
]
