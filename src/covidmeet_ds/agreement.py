"""Agreement between two hand annotations of the same reports (``covidmeet-ds agreement``).

Two annotators label the same reports by the same guidelines, the second blind to the first; this
module says, field by field, how often they agree, and lists every value on which they differ so
that the differences can be reconciled.

Items are paired exactly as the evaluation pairs gold and prediction (:mod:`.evaluate`): meetings
by overlapping evidence, then by equal (level, date); requirements by character IoU ≥ 0.5 of
their evidence. Annotation A takes the place of the gold only for naming: every figure is
symmetric in A and B.

* Meetings: the share of documents where both count the same number of meetings, and detection
  F1 (2 × aligned / (meetings of A + meetings of B)).
* Date, level, jurisdiction: the share of aligned meetings with the same value; the level also
  gets Cohen's kappa over the aligned meetings.
* Speakers: F1 over names and over (name, role) pairs, within aligned meetings (the speakers of an
  unaligned meeting count against the agreement).
* Requirements: span F1 (IoU ≥ 0.5), then over aligned requirements the share with the same
  category (and Cohen's kappa) and the same ordinal.

Every figure comes with ``n``, what it is computed over. A figure with nothing to compute over,
and a kappa whose chance agreement is 1 (both annotators used one same label throughout), is None.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .corpus import write_text_atomic
from .evaluate import (
    Counts,
    MeetingItem,
    align_meetings,
    align_requirements,
    from_annotation,
    score_document,
)
from .models import Annotation, Meeting, Requirement

# --- Cohen's kappa -------------------------------------------------------------------------------


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of two raters who labelled the same items: ``pairs`` holds (label of the
    first, label of the second) per item. κ = (p_o − p_e) / (1 − p_e), with p_o the observed
    agreement and p_e the agreement expected by chance from each rater's label frequencies.

    None when it is undefined: no items, or p_e = 1 (both raters gave every item one same label,
    so chance alone explains their agreement)."""
    n = len(pairs)
    if not n:
        return None
    agreed = sum(a == b for a, b in pairs)
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    chance = sum(first[label] * second[label] for label in first)  # p_e × n², an integer
    if chance == n * n:
        return None
    return (n * agreed - chance) / (n * n - chance)


# --- Counting ------------------------------------------------------------------------------------


@dataclass
class PairCounts:
    """What two annotations of one document (or of several, summed) agree on."""

    documents: int = 0
    same_meeting_count: int = 0
    scored: Counts = field(default_factory=Counts)
    """The evaluation's counts with A in the place of the gold and B of the prediction."""
    same_precision: int = 0
    level_pairs: list[tuple[str, str]] = field(default_factory=list)
    """(level in A, level in B) of each aligned meeting."""
    category_pairs: list[tuple[str, str]] = field(default_factory=list)
    """(category in A, category in B) of each aligned requirement."""

    def add(self, other: PairCounts) -> None:
        self.documents += other.documents
        self.same_meeting_count += other.same_meeting_count
        self.scored.add(other.scored)
        self.same_precision += other.same_precision
        self.level_pairs += other.level_pairs
        self.category_pairs += other.category_pairs


def date_precision(value: str | None) -> str:
    """The precision a date value has (the model keeps ``precision`` equal to it)."""
    return {None: "unknown", 4: "year", 7: "month", 10: "day"}[
        None if value is None else len(value)
    ]


def compare_document(a: Annotation, b: Annotation) -> PairCounts:
    """The agreement counts of two annotations of one document."""
    first, second = from_annotation(a), from_annotation(b)
    counts = PairCounts(
        documents=1,
        same_meeting_count=int(len(a.meetings) == len(b.meetings)),
        scored=score_document(first, second),
    )
    for i, j in align_meetings(first.meetings, second.meetings):
        one, other = first.meetings[i], second.meetings[j]
        counts.same_precision += date_precision(one.date) == date_precision(other.date)
        counts.level_pairs.append((one.level or "", other.level or ""))
        for k, m in align_requirements(one.requirements, other.requirements):
            counts.category_pairs.append(
                (one.requirements[k].category or "", other.requirements[m].category or "")
            )
    return counts


# --- Figures -------------------------------------------------------------------------------------


class Figure(BaseModel):
    """One agreement figure: what is compared, how, the value and what it is computed over."""

    model_config = ConfigDict(extra="forbid")
    key: str
    """A stable name (``level.kappa``)."""
    subject: str
    """The field compared (Level)."""
    measure: str
    """How (Cohen's kappa over aligned meetings)."""
    value: float | None
    """None when there is nothing to compute it over, or a kappa is undefined."""
    n: int
    unit: str
    """What ``n`` counts (aligned meetings)."""


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _f1(tp: int, fp: int, fn: int) -> tuple[float | None, int]:
    """F1 and the number of distinct items (matched ones counted once) it is computed over."""
    return _ratio(2 * tp, 2 * tp + fp + fn), tp + fp + fn


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def figures(counts: PairCounts) -> list[Figure]:
    """Every agreement figure of ``counts``, in the order of the table."""
    c = counts.scored
    aligned = c.matched_meetings
    rows: list[tuple[str, str, str, float | None, int, str]] = [
        (
            "meetings.count",
            "Meetings",
            "same number of meetings in the document",
            _ratio(counts.same_meeting_count, counts.documents),
            counts.documents,
            "documents",
        ),
        (
            "meetings.f1",
            "Meetings",
            "detection F1 (aligned by evidence, then level and date)",
            *_f1(aligned, c.predicted_meetings - aligned, c.gold_meetings - aligned),
            "meetings",
        ),
        (
            "date.value",
            "Date",
            "same value",
            _ratio(c.date_correct, aligned),
            aligned,
            "aligned meetings",
        ),
        (
            "date.precision",
            "Date",
            "same precision (day, month, year, unknown)",
            _ratio(counts.same_precision, aligned),
            aligned,
            "aligned meetings",
        ),
        (
            "date.time_of_day",
            "Date",
            "same time of day",
            _ratio(c.time_of_day_correct, aligned),
            aligned,
            "aligned meetings",
        ),
        (
            "level.agreement",
            "Level",
            "same level",
            _ratio(c.level_correct, aligned),
            aligned,
            "aligned meetings",
        ),
        (
            "level.kappa",
            "Level",
            "Cohen's kappa",
            cohen_kappa(counts.level_pairs),
            len(counts.level_pairs),
            "aligned meetings",
        ),
        (
            "jurisdiction.agreement",
            "Jurisdiction",
            "same jurisdiction",
            _ratio(c.jurisdiction_correct, aligned),
            aligned,
            "aligned meetings",
        ),
        (
            "speakers.names",
            "Speakers",
            "F1 over names",
            *_f1(c.name_tp, c.name_fp, c.name_fn),
            "speakers",
        ),
        (
            "speakers.roles",
            "Speakers",
            "F1 over (name, role)",
            *_f1(c.speaker_tp, c.speaker_fp, c.speaker_fn),
            "(name, role) pairs",
        ),
        (
            "requirements.f1",
            "Requirements",
            "span F1 (evidence IoU ≥ 0.5)",
            *_f1(c.requirement_tp, c.requirement_fp, c.requirement_fn),
            "requirements",
        ),
        (
            "category.agreement",
            "Requirement category",
            "same category",
            _ratio(c.category_correct, c.requirement_tp),
            c.requirement_tp,
            "aligned requirements",
        ),
        (
            "category.kappa",
            "Requirement category",
            "Cohen's kappa",
            cohen_kappa(counts.category_pairs),
            len(counts.category_pairs),
            "aligned requirements",
        ),
        (
            "ordinal.agreement",
            "Requirement ordinal",
            "same ordinal",
            _ratio(c.ordinal_correct, c.requirement_tp),
            c.requirement_tp,
            "aligned requirements",
        ),
        (
            "quality_flags.f1",
            "Quality flags",
            "F1 over (document, flag)",
            *_f1(c.flag_tp, c.flag_fp, c.flag_fn),
            "flags",
        ),
    ]
    return [
        Figure(key=key, subject=subject, measure=measure, value=_rounded(value), n=n, unit=unit)
        for key, subject, measure, value, n, unit in rows
    ]


class DocumentAgreement(BaseModel):
    """The figures of one document."""

    model_config = ConfigDict(extra="forbid")
    doc_id: str
    meetings_a: int
    meetings_b: int
    figures: list[Figure]


class AgreementReport(BaseModel):
    """The agreement of two folders of hand annotations (``reports/agreement.json``): figures
    and document ids only, never texts."""

    model_config = ConfigDict(extra="forbid")
    folder_a: str
    folder_b: str
    guidelines_a: list[str]
    """The guidelines versions (``annotator_version``) the annotations of A follow."""
    guidelines_b: list[str]
    documents: list[str]
    """The documents both folders annotate, which the figures are computed over."""
    only_in_a: list[str]
    only_in_b: list[str]
    figures: list[Figure]
    per_document: list[DocumentAgreement]


def compare(
    folder_a: str,
    a: Mapping[str, Annotation],
    folder_b: str,
    b: Mapping[str, Annotation],
) -> AgreementReport:
    """The agreement of two sets of annotations keyed by doc_id, over the documents in both."""
    paired = sorted(set(a) & set(b))
    total = PairCounts()
    per_document = []
    for doc_id in paired:
        counts = compare_document(a[doc_id], b[doc_id])
        total.add(counts)
        per_document.append(
            DocumentAgreement(
                doc_id=doc_id,
                meetings_a=len(a[doc_id].meetings),
                meetings_b=len(b[doc_id].meetings),
                figures=figures(counts),
            )
        )
    return AgreementReport(
        folder_a=folder_a,
        folder_b=folder_b,
        guidelines_a=sorted({a[d].annotator_version for d in paired}),
        guidelines_b=sorted({b[d].annotator_version for d in paired}),
        documents=paired,
        only_in_a=sorted(set(a) - set(b)),
        only_in_b=sorted(set(b) - set(a)),
        figures=figures(total),
        per_document=per_document,
    )


# --- Rendering -----------------------------------------------------------------------------------


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def figures_table(report: AgreementReport) -> list[str]:
    """The Markdown table of the figures over all documents."""
    return _table(
        ("Field", "Measure", "Agreement", "n"),
        ((f.subject, f.measure, _number(f.value), f"{f.n} {f.unit}") for f in report.figures),
    )


_DOCUMENT_COLUMNS = (
    ("Meetings F1", "meetings.f1"),
    ("Date", "date.value"),
    ("Level", "level.agreement"),
    ("Jurisdiction", "jurisdiction.agreement"),
    ("Speakers (name, role) F1", "speakers.roles"),
    ("Requirements F1", "requirements.f1"),
    ("Category", "category.agreement"),
)


def documents_table(report: AgreementReport) -> list[str]:
    """The Markdown table of the main figures per document."""
    rows = []
    for document in report.per_document:
        values = {f.key: f.value for f in document.figures}
        rows.append(
            (
                f"`{document.doc_id}`",
                f"{document.meetings_a} / {document.meetings_b}",
                *(_number(values[key]) for _, key in _DOCUMENT_COLUMNS),
            )
        )
    header = ("Document", "Meetings A / B", *(title for title, _ in _DOCUMENT_COLUMNS))
    return _table(header, rows)


def render_markdown(report: AgreementReport) -> str:
    """The figures over all documents, then per document, then what only one folder has."""
    lines = [
        f"**Agreement of `{report.folder_a}` (A) and `{report.folder_b}` (B)**, "
        f"{len(report.documents)} documents",
        "",
        *figures_table(report),
        "",
        "**Per document**",
        "",
        *documents_table(report),
        "",
    ]
    lines += _only_lines(report)
    return "\n".join(lines).rstrip("\n") + "\n"


def _only_lines(report: AgreementReport) -> list[str]:
    lines = []
    for name, ids in (("A", report.only_in_a), ("B", report.only_in_b)):
        if ids:
            lines.append(f"Only in {name} (not compared): {', '.join(ids)}")
    return lines


def render_text(report: AgreementReport) -> str:
    """The figures as plain aligned columns."""
    header = ("field", "measure", "agreement", "n")
    rows = [(f.subject, f.measure, _number(f.value), f"{f.n} {f.unit}") for f in report.figures]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        f"agreement of {report.folder_a} (A) and {report.folder_b} (B), "
        f"{len(report.documents)} documents",
        "",
    ]
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    lines.append("")
    for document in report.per_document:
        values = " ".join(
            f"{key}={_number(f.value)}"
            for f in document.figures
            for title, key in _DOCUMENT_COLUMNS
            if f.key == key
        )
        lines.append(
            f"{document.doc_id}: meetings {document.meetings_a}/{document.meetings_b} {values}"
        )
    lines += _only_lines(report)
    return "\n".join(lines).rstrip("\n") + "\n"


def report_json(report: AgreementReport) -> str:
    """The report as deterministic JSON text (sorted keys, UTF-8 as is, trailing newline)."""
    data = report.model_dump(mode="json")
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def write_report(path: Path, report: AgreementReport) -> None:
    """Write the report to ``path`` (normally ``reports/agreement.json``), atomically."""
    write_text_atomic(Path(path), report_json(report))


# --- Differences ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One value on which the two annotations of a document differ."""

    doc_id: str
    where: str
    """The meeting (``m1`` in A / ``m2`` in B), speaker or requirement concerned."""
    field: str
    a: str
    b: str

    def __str__(self) -> str:
        return f"{self.doc_id} {self.where} {self.field}: A {self.a} | B {self.b}"


def _shown(value: object) -> str:
    return "—" if value is None or value == [] else str(value)


def _short(quote: str, limit: int = 40) -> str:
    quote = " ".join(quote.split())
    return quote if len(quote) <= limit else quote[:limit] + "…"


def _meeting_summary(meeting: Meeting) -> str:
    return (
        f"{meeting.meeting_id} {meeting.name or '(unnamed)'} {meeting.date.value or 'undated'} "
        f"{meeting.level.level}, {len(meeting.speakers)} speakers, "
        f"{len(meeting.requirements)} requirements: «{_short(meeting.evidence.quote)}»"
    )


def _requirement_summary(requirement: Requirement) -> str:
    return (
        f"{requirement.category}, ordinal {_shown(requirement.ordinal)}, "
        f"evidence {requirement.evidence.start}–{requirement.evidence.end}: "
        f"«{_short(requirement.evidence.quote)}»"
    )


_MEETING_FIELDS = (
    ("name", lambda m: m.name),
    ("convener", lambda m: m.convener),
    ("date.value", lambda m: m.date.value),
    ("date.precision", lambda m: m.date.precision),
    ("date.time_of_day", lambda m: m.date.time_of_day),
    ("date.year_basis", lambda m: m.date.year_basis),
    ("level.level", lambda m: m.level.level),
    ("level.jurisdiction", lambda m: m.level.jurisdiction),
)


def _speaker_differences(doc_id: str, where: str, a: Meeting, b: Meeting) -> list[Difference]:
    out = []
    by_name_a = {s.name: s for s in a.speakers}
    by_name_b = {s.name: s for s in b.speakers}
    for name in [s.name for s in a.speakers] + [
        s.name for s in b.speakers if s.name not in by_name_a
    ]:
        one, other = by_name_a.get(name), by_name_b.get(name)
        label = f"{where} speaker {name or '(unnamed)'}"
        if one is None or other is None:
            present = one or other
            assert present is not None
            described = f"{present.roles} {present.titles}"
            a_side, b_side = (described, "—") if other is None else ("—", described)
            out.append(Difference(doc_id, label, "speaker", a_side, b_side))
            continue
        if one.roles != other.roles:
            out.append(Difference(doc_id, label, "roles", str(one.roles), str(other.roles)))
        if one.titles != other.titles:
            out.append(Difference(doc_id, label, "titles", str(one.titles), str(other.titles)))
    return out


def _requirement_differences(
    doc_id: str, where: str, a: Meeting, b: Meeting, first: MeetingItem, second: MeetingItem
) -> list[Difference]:
    out = []
    pairs = align_requirements(first.requirements, second.requirements)
    aligned_a = {i for i, _ in pairs}
    aligned_b = {j for _, j in pairs}
    for i, j in pairs:
        one, other = a.requirements[i], b.requirements[j]
        label = f"{where} requirement A#{i + 1}/B#{j + 1} «{_short(one.evidence.quote, 24)}»"
        for name in ("category", "ordinal", "section"):
            if getattr(one, name) != getattr(other, name):
                out.append(
                    Difference(
                        doc_id,
                        label,
                        name,
                        _shown(getattr(one, name)),
                        _shown(getattr(other, name)),
                    )
                )
    for index, requirement in enumerate(a.requirements):
        if index not in aligned_a:
            label = f"{where} requirement A#{index + 1}"
            out.append(Difference(doc_id, label, "span", _requirement_summary(requirement), "—"))
    for index, requirement in enumerate(b.requirements):
        if index not in aligned_b:
            label = f"{where} requirement B#{index + 1}"
            out.append(Difference(doc_id, label, "span", "—", _requirement_summary(requirement)))
    return out


def differences(doc_id: str, a: Annotation, b: Annotation) -> list[Difference]:
    """Every value on which two annotations of one document differ, in text order: meetings only
    one annotation has, then per aligned meeting its fields, speakers and requirements, then
    quality flags. Evidence spans are compared only through the alignment."""
    first, second = from_annotation(a), from_annotation(b)
    pairs = align_meetings(first.meetings, second.meetings)
    out: list[Difference] = []
    aligned_a = {i for i, _ in pairs}
    aligned_b = {j for _, j in pairs}
    for index, meeting in enumerate(a.meetings):
        if index not in aligned_a:
            out.append(
                Difference(doc_id, meeting.meeting_id, "meeting", _meeting_summary(meeting), "—")
            )
    for index, meeting in enumerate(b.meetings):
        if index not in aligned_b:
            out.append(
                Difference(doc_id, meeting.meeting_id, "meeting", "—", _meeting_summary(meeting))
            )
    for i, j in pairs:
        one, other = a.meetings[i], b.meetings[j]
        where = f"{one.meeting_id}/{other.meeting_id}"
        for name, get in _MEETING_FIELDS:
            if get(one) != get(other):
                out.append(Difference(doc_id, where, name, _shown(get(one)), _shown(get(other))))
        out += _speaker_differences(doc_id, where, one, other)
        out += _requirement_differences(
            doc_id, where, one, other, first.meetings[i], second.meetings[j]
        )
    only_a = [flag for flag in a.quality_flags if flag not in b.quality_flags]
    only_b = [flag for flag in b.quality_flags if flag not in a.quality_flags]
    if only_a or only_b:
        out.append(Difference(doc_id, "document", "quality_flags", _shown(only_a), _shown(only_b)))
    return out


def all_differences(a: Mapping[str, Annotation], b: Mapping[str, Annotation]) -> list[Difference]:
    """:func:`differences` of every document both sets annotate, by doc_id."""
    return [
        item
        for doc_id in sorted(set(a) & set(b))
        for item in differences(doc_id, a[doc_id], b[doc_id])
    ]


__all__ = [
    "AgreementReport",
    "Difference",
    "DocumentAgreement",
    "Figure",
    "PairCounts",
    "all_differences",
    "cohen_kappa",
    "compare",
    "compare_document",
    "date_precision",
    "differences",
    "figures",
    "render_markdown",
    "render_text",
    "report_json",
    "write_report",
]
