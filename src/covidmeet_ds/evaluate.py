"""Score an annotator (the rules, or an off-the-shelf peer) against the gold, field by field.

Scoring is pure: it compares annotations and returns counts; only :func:`write_report` touches
the disk. Every metric is a micro-average: the counts of all documents are summed first, so a
long report weighs more than a short one, exactly as it does for a user of the dataset.

Protocol (also printed under the tables, so the card says how its numbers were made):

* Meetings are aligned one-to-one inside a document, greedily: first the pairs whose meeting
  evidence spans (raw offsets) overlap, largest overlap first; then the remaining pairs with equal
  (level, date value), in text order. A gold meeting left unmatched is a miss for every field; a
  predicted meeting left unmatched is a false positive for speakers and requirements.
* Name, convener, date, year, time of day, level and jurisdiction are accuracies over gold
  meetings (exact values; year = the first four characters of ``date.value``).
* Speakers: precision/recall/F1 over (name, role) pairs, one per role of each speaker, within
  aligned meetings; over names alone; and over (name, title) pairs.
* Requirements: a predicted requirement matches a gold one of the aligned meeting when their raw
  evidence spans overlap with IoU ≥ 0.5 (one-to-one, best IoU first); category accuracy is over
  the matched pairs, and so are ordinal, section and text (exact) accuracies.
* Quality flags: precision/recall/F1 over (document, flag) pairs.
* Per level: counts of each gold meeting under its gold level; a predicted meeting with no gold
  partner under its own level (quality flags belong to documents and are left out).

Annotations are first reduced to :class:`Prediction`, a light structure holding only what is
scored. Peers that predict only some fields produce a ``Prediction`` directly and declare those
fields; the others are reported as n/a rather than as zeros.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from .corpus import write_text_atomic
from .models import Annotation

RULES = "rules"
"""The key of the rules in ``results``: they also get a per-document table."""

REQUIREMENT_IOU = 0.5
"""Minimum character IoU of raw evidence spans for a predicted requirement to match."""

FIELDS = (
    "meetings",
    "name",
    "convener",
    "date",
    "year",
    "time_of_day",
    "level",
    "jurisdiction",
    "speakers",
    "speaker_names",
    "speaker_titles",
    "requirements",
    "ordinal",
    "section",
    "text",
    "category",
    "quality_flags",
)
"""Scored fields, in the column order of the tables."""

ALL_FIELDS = frozenset(FIELDS)


# --- What is scored ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeakerItem:
    """A speaker: the name (None when the text hides it) and each role played."""

    name: str | None
    roles: tuple[str, ...]
    titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequirementItem:
    """A requirement: its raw evidence span and its category."""

    start: int
    end: int
    category: str | None = None
    ordinal: int | None = None
    section: int | None = None
    text: str | None = None


@dataclass(frozen=True)
class MeetingItem:
    """A meeting: its raw evidence span and the scored values (None when not predicted)."""

    start: int
    end: int
    date: str | None = None
    level: str | None = None
    name: str | None = None
    convener: str | None = None
    time_of_day: str | None = None
    jurisdiction: str | None = None
    speakers: tuple[SpeakerItem, ...] = ()
    requirements: tuple[RequirementItem, ...] = ()
    dates_scored: bool = True
    """False for a gold meeting whose dates are out of its annotation's scope (not annotated):
    its date, year and time of day are not scored."""
    levels_scored: bool = True
    """The same for its level and jurisdiction."""


@dataclass(frozen=True)
class Prediction:
    """One document as seen by the scorer, and which fields its annotator predicts."""

    meetings: tuple[MeetingItem, ...] = ()
    fields: frozenset[str] = ALL_FIELDS
    quality_flags: frozenset[str] = frozenset()


EMPTY = Prediction()
"""A document the annotator did not label: every gold meeting is a miss."""


def from_annotation(annotation: Annotation) -> Prediction:
    """The scored content of a full annotation (gold or rules): every field is predicted."""
    return Prediction(
        meetings=tuple(
            MeetingItem(
                start=meeting.evidence.start,
                end=meeting.evidence.end,
                date=None if meeting.date is None else meeting.date.value,
                level=None if meeting.level is None else meeting.level.level,
                name=meeting.name,
                convener=meeting.convener,
                time_of_day=None if meeting.date is None else meeting.date.time_of_day,
                jurisdiction=None if meeting.level is None else meeting.level.jurisdiction,
                speakers=tuple(
                    SpeakerItem(s.name, tuple(s.roles), tuple(s.titles)) for s in meeting.speakers
                ),
                requirements=tuple(
                    RequirementItem(
                        r.evidence.start, r.evidence.end, r.category, r.ordinal, r.section, r.text
                    )
                    for r in meeting.requirements
                ),
            )
            for meeting in annotation.meetings
        ),
        quality_flags=frozenset(annotation.quality_flags),
    )


def within_scope(prediction: Prediction, scope: Iterable[str], *, gold: bool) -> Prediction:
    """``prediction`` (of the gold or of an annotator) reduced to the fields the gold annotation
    covers: out of scope, a field is not annotated, so neither side's values are scored (no
    meetings at all when meetings are out of scope; no speakers, no requirements; gold dates and
    levels marked not scored)."""
    fields = set(scope)
    if "meetings" not in fields:
        return replace(prediction, meetings=())
    updates: dict[str, Any] = {}
    if "speakers" not in fields:
        updates["speakers"] = ()
    if "requirements" not in fields:
        updates["requirements"] = ()
    if gold:
        updates["dates_scored"] = "dates" in fields
        updates["levels_scored"] = "levels" in fields
    if not updates:
        return prediction
    return replace(prediction, meetings=tuple(replace(m, **updates) for m in prediction.meetings))


def _as_prediction(item: Annotation | Prediction | None) -> Prediction:
    if item is None:
        return EMPTY
    if isinstance(item, Prediction):
        return item
    return from_annotation(item)


# --- Counts and metrics --------------------------------------------------------------------------


@dataclass
class Counts:
    """Raw counts of one document (or of several, summed): every metric derives from them."""

    gold_meetings: int = 0
    dated_gold_meetings: int = 0
    """Gold meetings whose dates are annotated (in scope): the denominator of date accuracies."""
    levelled_gold_meetings: int = 0
    """Gold meetings whose levels are annotated: the denominator of level and jurisdiction."""
    predicted_meetings: int = 0
    matched_meetings: int = 0
    name_correct: int = 0
    convener_correct: int = 0
    date_correct: int = 0
    year_correct: int = 0
    time_of_day_correct: int = 0
    level_correct: int = 0
    jurisdiction_correct: int = 0
    speaker_tp: int = 0
    speaker_fp: int = 0
    speaker_fn: int = 0
    name_tp: int = 0
    name_fp: int = 0
    name_fn: int = 0
    title_tp: int = 0
    title_fp: int = 0
    title_fn: int = 0
    requirement_tp: int = 0
    requirement_fp: int = 0
    requirement_fn: int = 0
    category_correct: int = 0
    ordinal_correct: int = 0
    section_correct: int = 0
    text_correct: int = 0
    flag_tp: int = 0
    flag_fp: int = 0
    flag_fn: int = 0

    def add(self, other: Counts) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def ratio(numerator: int, denominator: int) -> float | None:
    """None when there is nothing to divide by: 'undefined' is not the same as 0 or 1."""
    return numerator / denominator if denominator else None


def prf(tp: int, fp: int, fn: int) -> dict[str, float | None]:
    """Precision, recall and F1; F1 = 2tp / (2tp + fp + fn), undefined only with no items."""
    return {
        "precision": ratio(tp, tp + fp),
        "recall": ratio(tp, tp + fn),
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
    }


def metrics(counts: Counts, predicted_fields: Iterable[str] = ALL_FIELDS) -> dict[str, Any]:
    """Every metric of ``counts``; fields the annotator does not predict are None (n/a)."""
    c = counts
    out: dict[str, Any] = {
        "meetings": prf(
            c.matched_meetings,
            c.predicted_meetings - c.matched_meetings,
            c.gold_meetings - c.matched_meetings,
        ),
        "name": ratio(c.name_correct, c.gold_meetings),
        "convener": ratio(c.convener_correct, c.gold_meetings),
        "date": ratio(c.date_correct, c.dated_gold_meetings),
        "year": ratio(c.year_correct, c.dated_gold_meetings),
        "time_of_day": ratio(c.time_of_day_correct, c.dated_gold_meetings),
        "level": ratio(c.level_correct, c.levelled_gold_meetings),
        "jurisdiction": ratio(c.jurisdiction_correct, c.levelled_gold_meetings),
        "speakers": prf(c.speaker_tp, c.speaker_fp, c.speaker_fn),
        "speaker_names": prf(c.name_tp, c.name_fp, c.name_fn),
        "speaker_titles": prf(c.title_tp, c.title_fp, c.title_fn),
        "requirements": prf(c.requirement_tp, c.requirement_fp, c.requirement_fn),
        "ordinal": ratio(c.ordinal_correct, c.requirement_tp),
        "section": ratio(c.section_correct, c.requirement_tp),
        "text": ratio(c.text_correct, c.requirement_tp),
        "category": ratio(c.category_correct, c.requirement_tp),
        "quality_flags": prf(c.flag_tp, c.flag_fp, c.flag_fn),
    }
    chosen = set(predicted_fields)
    return {name: (value if name in chosen else None) for name, value in out.items()}


@dataclass(frozen=True)
class Scores:
    """One annotator against the gold: counts per document and summed (micro-average)."""

    fields: frozenset[str]
    """The fields this annotator predicts; the others are n/a."""
    documents: Mapping[str, Counts]
    total: Counts = field(default_factory=Counts)
    levels: Mapping[str, Counts] = field(default_factory=dict)
    """Counts per level (gold level; an unmatched predicted meeting under its own level)."""

    def metrics(self, doc_id: str | None = None) -> dict[str, Any]:
        """The metrics of one document, or the micro-averaged metrics when ``doc_id`` is None."""
        counts = self.total if doc_id is None else self.documents[doc_id]
        return metrics(counts, self.fields)

    def level_metrics(self, level: str) -> dict[str, Any]:
        """The metrics of one level; quality flags belong to documents, so they are n/a."""
        return metrics(self.levels[level], self.fields - {"quality_flags"})

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data: fields, and counts plus metrics overall and per document."""
        return {
            "fields": sorted(self.fields),
            "total": {"counts": self.total.as_dict(), "metrics": _rounded(self.metrics())},
            "levels": {
                level: {"counts": counts.as_dict(), "metrics": _rounded(self.level_metrics(level))}
                for level, counts in sorted(self.levels.items(), key=_level_key)
            },
            "documents": {
                doc_id: {"counts": counts.as_dict(), "metrics": _rounded(self.metrics(doc_id))}
                for doc_id, counts in sorted(self.documents.items())
            },
        }


LEVELS = ("national", "provincial", "prefectural", "county", "township")


def _level_key(entry: tuple[str, Any]) -> tuple[int, str]:
    return (LEVELS.index(entry[0]) if entry[0] in LEVELS else len(LEVELS), entry[0])


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value


# --- Alignment -----------------------------------------------------------------------------------


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def _iou(a: RequirementItem, b: RequirementItem) -> float:
    inter = _overlap(a.start, a.end, b.start, b.end)
    union = (a.end - a.start) + (b.end - b.start) - inter
    return inter / union if union > 0 else 0.0


def _greedy(candidates: list[tuple[float, int, int]]) -> list[tuple[int, int]]:
    """One-to-one pairs from (score, gold index, predicted index), best score first; ties go to
    the earlier gold item, then the earlier predicted one, so the result is deterministic."""
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, g, p in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if g not in used_gold and p not in used_pred:
            used_gold.add(g)
            used_pred.add(p)
            pairs.append((g, p))
    return sorted(pairs)


def align_meetings(
    gold: Sequence[MeetingItem], predicted: Sequence[MeetingItem]
) -> list[tuple[int, int]]:
    """(gold index, predicted index) of aligned meetings: evidence overlap first, then equal
    (level, date value) in text order for what is left. A missing level never matches."""
    pairs = _greedy(
        [
            (float(overlap), g, p)
            for g, gm in enumerate(gold)
            for p, pm in enumerate(predicted)
            if (overlap := _overlap(gm.start, gm.end, pm.start, pm.end)) > 0
        ]
    )
    used_gold = {g for g, _ in pairs}
    used_pred = {p for _, p in pairs}
    for g, gm in enumerate(gold):
        if g in used_gold or gm.level is None:
            continue
        for p, pm in enumerate(predicted):
            if p not in used_pred and (pm.level, pm.date) == (gm.level, gm.date):
                pairs.append((g, p))
                used_pred.add(p)
                break
    return sorted(pairs)


def align_requirements(
    gold: Sequence[RequirementItem], predicted: Sequence[RequirementItem]
) -> list[tuple[int, int]]:
    """(gold index, predicted index) of requirements with IoU ≥ 0.5, best IoU first."""
    return _greedy(
        [
            (iou, g, p)
            for g, gr in enumerate(gold)
            for p, pr in enumerate(predicted)
            if (iou := _iou(gr, pr)) >= REQUIREMENT_IOU
        ]
    )


# --- Scoring -------------------------------------------------------------------------------------


def _speaker_pairs(meeting: MeetingItem) -> Counter[tuple[str | None, str]]:
    return Counter((s.name, role) for s in meeting.speakers for role in s.roles)


def _speaker_names(meeting: MeetingItem) -> Counter[str | None]:
    return Counter(s.name for s in meeting.speakers)


def _speaker_titles(meeting: MeetingItem) -> Counter[tuple[str | None, str]]:
    return Counter((s.name, title) for s in meeting.speakers for title in s.titles)


def _count_matches(gold: Counter, predicted: Counter) -> tuple[int, int, int]:
    tp = sum((gold & predicted).values())
    return tp, sum(predicted.values()) - tp, sum(gold.values()) - tp


def _score_pair(gold: MeetingItem, predicted: MeetingItem, counts: Counts) -> None:
    counts.name_correct += gold.name == predicted.name
    counts.convener_correct += gold.convener == predicted.convener
    if gold.dates_scored:
        counts.date_correct += gold.date == predicted.date
        counts.year_correct += (gold.date or "")[:4] == (predicted.date or "")[:4]
        counts.time_of_day_correct += gold.time_of_day == predicted.time_of_day
    if gold.levels_scored:
        counts.level_correct += gold.level == predicted.level
        counts.jurisdiction_correct += gold.jurisdiction == predicted.jurisdiction
    tp, fp, fn = _count_matches(_speaker_pairs(gold), _speaker_pairs(predicted))
    counts.speaker_tp += tp
    counts.speaker_fp += fp
    counts.speaker_fn += fn
    tp, fp, fn = _count_matches(_speaker_names(gold), _speaker_names(predicted))
    counts.name_tp += tp
    counts.name_fp += fp
    counts.name_fn += fn
    tp, fp, fn = _count_matches(_speaker_titles(gold), _speaker_titles(predicted))
    counts.title_tp += tp
    counts.title_fp += fp
    counts.title_fn += fn
    matched = align_requirements(gold.requirements, predicted.requirements)
    counts.requirement_tp += len(matched)
    counts.requirement_fp += len(predicted.requirements) - len(matched)
    counts.requirement_fn += len(gold.requirements) - len(matched)
    for g, p in matched:
        gold_item, predicted_item = gold.requirements[g], predicted.requirements[p]
        counts.category_correct += gold_item.category == predicted_item.category
        counts.ordinal_correct += gold_item.ordinal == predicted_item.ordinal
        counts.section_correct += gold_item.section == predicted_item.section
        counts.text_correct += gold_item.text == predicted_item.text


def _score_unmatched(meeting: MeetingItem, counts: Counts, *, is_gold: bool) -> None:
    """An unmatched meeting: its speakers and requirements are all misses (gold) or all false
    positives (predicted); its date, level and jurisdiction simply never count as correct."""
    pairs = sum(_speaker_pairs(meeting).values())
    names = len(meeting.speakers)
    titles = sum(_speaker_titles(meeting).values())
    requirements = len(meeting.requirements)
    if is_gold:
        counts.speaker_fn += pairs
        counts.name_fn += names
        counts.title_fn += titles
        counts.requirement_fn += requirements
    else:
        counts.speaker_fp += pairs
        counts.name_fp += names
        counts.title_fp += titles
        counts.requirement_fp += requirements


UNKNOWN_LEVEL = "no level"


def score_document_levels(gold: Prediction, predicted: Prediction) -> dict[str, Counts]:
    """The counts of one document's meetings per level (gold level; a predicted meeting with no
    gold partner under its own level)."""
    levels: dict[str, Counts] = {}

    def at(level: str | None) -> Counts:
        return levels.setdefault(level or UNKNOWN_LEVEL, Counts())

    pairs = align_meetings(gold.meetings, predicted.meetings)
    for g, p in pairs:
        counts = at(gold.meetings[g].level)
        counts.matched_meetings += 1
        counts.predicted_meetings += 1
        _score_pair(gold.meetings[g], predicted.meetings[p], counts)
    matched_gold = {g for g, _ in pairs}
    matched_pred = {p for _, p in pairs}
    for g, meeting in enumerate(gold.meetings):
        at(meeting.level).gold_meetings += 1
        at(meeting.level).dated_gold_meetings += meeting.dates_scored
        at(meeting.level).levelled_gold_meetings += meeting.levels_scored
        if g not in matched_gold:
            _score_unmatched(meeting, at(meeting.level), is_gold=True)
    for p, meeting in enumerate(predicted.meetings):
        if p not in matched_pred:
            at(meeting.level).predicted_meetings += 1
            _score_unmatched(meeting, at(meeting.level), is_gold=False)
    return levels


def _score_flags(gold: Prediction, predicted: Prediction, counts: Counts) -> None:
    counts.flag_tp += len(gold.quality_flags & predicted.quality_flags)
    counts.flag_fp += len(predicted.quality_flags - gold.quality_flags)
    counts.flag_fn += len(gold.quality_flags - predicted.quality_flags)


def score_document(gold: Prediction, predicted: Prediction) -> Counts:
    """The counts of one document (its meetings at every level, and its quality flags)."""
    counts = Counts()
    for level_counts in score_document_levels(gold, predicted).values():
        counts.add(level_counts)
    _score_flags(gold, predicted, counts)
    return counts


def score(
    hand: Mapping[str, Annotation], predicted: Mapping[str, Annotation | Prediction]
) -> Scores:
    """Score ``predicted`` against the gold ``hand`` (both keyed by doc_id).

    Only documents with gold are scored; a document without a prediction counts as an empty
    annotation. The predicted fields are those every given prediction declares (all fields for
    annotations).
    """
    given = [_as_prediction(item) for item in predicted.values()]
    predicted_fields = frozenset.intersection(*(p.fields for p in given)) if given else ALL_FIELDS
    documents: dict[str, Counts] = {}
    levels: dict[str, Counts] = {}
    total = Counts()
    for doc_id in sorted(hand):
        scope = hand[doc_id].fields_in_scope
        gold = within_scope(from_annotation(hand[doc_id]), scope, gold=True)
        prediction = within_scope(_as_prediction(predicted.get(doc_id)), scope, gold=False)
        counts = Counts()
        for level, level_counts in score_document_levels(gold, prediction).items():
            levels.setdefault(level, Counts()).add(level_counts)
            counts.add(level_counts)
        _score_flags(gold, prediction, counts)
        documents[doc_id] = counts
        total.add(counts)
    return Scores(fields=predicted_fields, documents=documents, total=total, levels=levels)


# --- The crawl filter against the gold's report kinds --------------------------------------------


@dataclass
class FilterScores:
    """The crawl filter's keep/drop decision on corpus documents whose gold gives a report kind:
    a ``meeting_report`` should be kept, a near-miss dropped (ideally with its own reason)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    same_reason: int = 0
    """Near-misses dropped with the reason named like the gold kind."""
    decisions: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(gold kind, the filter's decision: ``kept`` or its drop reason) → documents."""

    def add(self, kind: str, drop_reason: str | None) -> None:
        self.decisions[(kind, "kept" if drop_reason is None else drop_reason)] += 1
        if kind == "meeting_report":
            if drop_reason is None:
                self.tp += 1
            else:
                self.fn += 1
        elif drop_reason is None:
            self.fp += 1
        else:
            self.tn += 1
            self.same_reason += drop_reason == kind

    def markdown(self) -> str:
        scores = prf(self.tp, self.fp, self.fn)
        rows = "\n".join(
            f"| {kind} | {decision} | {n} |"
            for (kind, decision), n in sorted(self.decisions.items())
        )
        return (
            "### Crawl filter on the corpus (gold report kinds)\n\n"
            f"Documents: {self.tp + self.fn} meeting reports, {self.fp + self.tn} near-misses. "
            f"Keeping meeting reports: P {_number(scores['precision'])} / "
            f"R {_number(scores['recall'])} / F1 {_number(scores['f1'])}; near-misses dropped "
            f"with their own reason: {self.same_reason} of {self.tn}.\n\n"
            "| gold report kind | filter | documents |\n|---|---|---|\n" + rows + "\n"
        )


def filter_scores(
    documents: Iterable[tuple[Annotation, str, date | None]],
) -> FilterScores:
    """Score the crawl filter (``rules.reports.classify``) on (gold, raw text, publication date)
    of corpus documents; gold without a report kind is skipped."""
    from .rules.context import ReportContext
    from .rules.reports import classify

    scores = FilterScores()
    for gold, raw, published in documents:
        if gold.report_kind is not None:
            scores.add(gold.report_kind.kind, classify(ReportContext.from_raw(raw, published)))
    return scores


# --- Report --------------------------------------------------------------------------------------

_MEETING_COLUMNS = (
    ("Meetings P / R / F1", "meetings"),
    ("Name", "name"),
    ("Convener", "convener"),
    ("Date", "date"),
    ("Year", "year"),
    ("Time of day", "time_of_day"),
    ("Level", "level"),
    ("Jurisdiction", "jurisdiction"),
    ("Speakers (name, role) P / R / F1", "speakers"),
    ("Speaker names F1", "speaker_names"),
    ("Titles (name, title) P / R / F1", "speaker_titles"),
)
_REQUIREMENT_COLUMNS = (
    ("Requirements P / R / F1", "requirements"),
    ("Ordinal", "ordinal"),
    ("Section", "section"),
    ("Text", "text"),
    ("Category", "category"),
    ("Quality flags P / R / F1", "quality_flags"),
)

PROTOCOL = (
    "Micro-averaged over gold meetings (name, convener, date, year, time of day, level, "
    "jurisdiction: accuracy, exact values) and over items (speakers, titles, requirements, "
    "quality flags: precision / recall / F1). Meetings are aligned one-to-one by "
    "overlapping evidence, then by equal (level, date). A requirement matches when its raw "
    "evidence span has IoU ≥ 0.5 with the gold one; ordinal, section, text and category "
    "accuracies are over matched requirements. Per level: each gold meeting under its gold "
    "level, a predicted meeting with no gold partner under its own (quality flags belong to "
    "documents, so they are not counted per level). n/a: the annotator does not predict that "
    "field."
)
"""How the tables are made, whoever the annotator: printed under every evaluation."""

_NOTES = (
    "These are development figures: the rules were written on these seed reports. "
    + PROTOCOL
    + " Peers are given the gold "
    "meetings' passages (dates: the paragraph of the meeting's evidence, with the publication "
    "date as time base when the manifest has one; speakers: every person name tagged in the "
    "meeting's passage, as a speaker who spoke), so their meeting alignment is not scored."
)


def _cell(value: Any, key: str) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, dict):
        if key == "speaker_names":
            return _number(value["f1"])
        return " / ".join(_number(value[part]) for part in ("precision", "recall", "f1"))
    return _number(value)


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _table(
    first: str, rows: Sequence[tuple[str, int, dict[str, Any]]], columns=_MEETING_COLUMNS
) -> list[str]:
    header = [first, "Gold meetings", *(title for title, _ in columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, gold_meetings, values in rows:
        cells = [label, str(gold_meetings), *(_cell(values[key], key) for _, key in columns)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _tables(title: str, first: str, rows: Sequence[tuple[str, int, dict[str, Any]]]) -> list[str]:
    """Meetings and speakers, then requirements and flags: one table would be too wide."""
    return [
        f"**{title}**: meetings and speakers",
        "",
        *_table(first, rows),
        "",
        f"**{title}**: requirements and quality flags",
        "",
        *_table(first, rows, _REQUIREMENT_COLUMNS),
        "",
    ]


def render_markdown(
    results: Mapping[str, Scores],
    *,
    title: str = "Seed reports",
    detailed: str = RULES,
    notes: str = _NOTES,
) -> str:
    """Every annotator (in the given order), then the ``detailed`` one per level and per
    document, then ``notes``. The defaults give the seed reports' tables (rules first, then
    peers) with the development-figures note; :mod:`covidmeet_ds.predictions` passes its own."""
    rows = [(name, s.total.gold_meetings, s.metrics()) for name, s in results.items()]
    lines = _tables(f"{title}, all documents (micro-averaged)", "Annotator", rows)
    chosen = results.get(detailed)
    if chosen is not None:
        per_level = [
            (level, counts.gold_meetings, chosen.level_metrics(level))
            for level, counts in sorted(chosen.levels.items(), key=_level_key)
        ]
        lines += _tables(f"{title}, {detailed} per level", "Level", per_level)
        per_doc = [
            (f"`{doc_id}`", counts.gold_meetings, chosen.metrics(doc_id))
            for doc_id, counts in sorted(chosen.documents.items())
        ]
        lines += _tables(f"{title}, {detailed} per document", "Document", per_doc)
    lines.append(notes)
    return "\n".join(lines) + "\n"


def report_data(
    results: Mapping[str, Scores], sets: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The content of ``reports/evaluation.json``: numbers per annotator and the seed tables,
    and under ``sets`` the report sets' entries (figures and tables only, never texts; see
    :func:`covidmeet_ds.evalset.set_report`)."""
    return {
        "annotators": {name: scores.to_dict() for name, scores in results.items()},
        "markdown": render_markdown(results),
        "sets": dict(sets or {}),
    }


class EvaluatedSet(BaseModel):
    """A report set's entry in ``reports/evaluation.json``: its table, and its figures."""

    model_config = ConfigDict(extra="allow")
    markdown: str
    rules_fingerprint: str | None = None


class EvaluationReport(BaseModel):
    """``reports/evaluation.json`` as the card and the next evaluation read it (figures are
    kept as extra fields: only the tables and fingerprints are read back)."""

    model_config = ConfigDict(extra="allow")
    markdown: str
    sets: dict[str, EvaluatedSet] = {}


def report_json(results: Mapping[str, Scores], sets: Mapping[str, Any] | None = None) -> str:
    """The report as deterministic JSON text (sorted keys, UTF-8 as is, trailing newline)."""
    data = report_data(results, sets)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def write_report(
    path: Path, results: Mapping[str, Scores], sets: Mapping[str, Any] | None = None
) -> None:
    """Write the report to ``path`` (normally ``reports/evaluation.json``), atomically."""
    write_text_atomic(Path(path), report_json(results, sets))


__all__ = [
    "ALL_FIELDS",
    "FIELDS",
    "PROTOCOL",
    "RULES",
    "Counts",
    "EvaluatedSet",
    "EvaluationReport",
    "FilterScores",
    "MeetingItem",
    "Prediction",
    "RequirementItem",
    "Scores",
    "SpeakerItem",
    "align_meetings",
    "align_requirements",
    "filter_scores",
    "from_annotation",
    "metrics",
    "prf",
    "ratio",
    "render_markdown",
    "report_data",
    "report_json",
    "score",
    "score_document",
    "within_scope",
    "write_report",
]
