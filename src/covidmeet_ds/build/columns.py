"""The one declaration of the published columns: per config, each column's name, shape,
one-line description and value.

Everything else is derived from :data:`TABLES`: the ``datasets.Features`` (:mod:`.features`), the
label plan and row encoder, the rows, the null checks, the card's and Croissant's column
descriptions. A column is added in one place: its :class:`Column` here. Beside every class label
(a column or a struct field) the derivation adds ``<label>_name`` (:mod:`.shapes`); its value is
filled from the label when a row is encoded, so no declaration lists it.

A row is built from a *record*: a meeting (``meetings``), a requirement with its meeting
(``requirements``), a document (``documents``), a category (``taxonomy``, one table for the whole
dataset, in the ``train`` split).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from typing import Any

from datasets import Value

from ..joinkeys import JoinKeys, jurisdiction_keys
from ..models import (
    Annotation,
    Category,
    ManifestEntry,
    Meeting,
    MeetingDate,
    MeetingLevel,
    ReportKind,
    Requirement,
    Speaker,
)
from ..published import MOVED_OUT, published_annotation
from ..reader import SourceDocument
from ..taxonomy import Category as TaxonomyCategory
from ..taxonomy import categories
from .shapes import (
    Shape,
    field_shape,
    list_of,
    null_paths,
    nullable,
    one_line,
    published_fields,
    shape_of,
    struct,
    struct_shape,
    with_label_names,
)

SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class Column:
    """One published column: its name, shape (with a one-line description) and value."""

    name: str
    shape: Shape
    value: Callable[[Any], Any]
    """The decoded value (class labels as names, dates as ``date``) from the table's record."""


def column(
    name: str, shape: Shape, value: Callable[[Any], Any], description: str | None = None
) -> Column:
    """A column; ``description`` replaces the shape's (the model field's docstring)."""
    return Column(name, replace(shape, description=description or shape.description), value)


@dataclass(frozen=True)
class Table:
    """A published config: its columns, where its records come from and its splits."""

    name: str
    description: str
    columns: tuple[Column, ...]
    records: Callable[[SourceDocument], Iterable[Any]] | None = None
    """The records of one document (per-document tables)."""
    static_records: Callable[[], Iterable[Any]] | None = None
    """The records of the whole table (tables that do not come from documents)."""
    splits: tuple[str, ...] = SPLITS

    @cached_property
    def shapes(self) -> dict[str, Shape]:
        """Every published column in order, label-name columns included."""
        return with_label_names({c.name: c.shape for c in self.columns})

    def row(self, record: Any) -> dict[str, Any]:
        """The decoded row of one record (label-name columns are filled when encoding)."""
        return {c.name: c.value(record) for c in self.columns}

    def rows(self, document: SourceDocument) -> Iterator[dict[str, Any]]:
        """The rows of one document, in text order (none for a static table)."""
        if self.records is not None:
            for record in self.records(document):
                yield self.row(record)

    def static_rows(self) -> Iterator[dict[str, Any]]:
        if self.static_records is not None:
            for record in self.static_records():
                yield self.row(record)

    def null_violations(self, row: dict[str, Any]) -> list[str]:
        """Paths in a decoded row that hold null where the contract forbids it."""
        return null_paths(row, self.shapes)


# --- values -----------------------------------------------------------------------------------


def date_interval(value: str | None) -> tuple[date | None, date | None]:
    """The first and last day a reduced-precision ISO date covers (``2020-03`` → March 1–31,
    ``2020`` → Jan 1–Dec 31); (None, None) for no date."""
    if value is None:
        return None, None
    parts = [int(part) for part in value.split("-")]
    if len(parts) == 3:
        day = date(*parts)
        return day, day
    if len(parts) == 2:
        year, month = parts
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    return date(parts[0], 1, 1), date(parts[0], 12, 31)


def presiders(meeting: Meeting) -> list[str]:
    """Names of the speakers who presided, in order of mention (unnamed ones are left out)."""
    return [s.name for s in meeting.speakers if "presided" in s.roles and s.name is not None]


def keys_of(meeting: Meeting) -> JoinKeys:
    if meeting.level is None:  # levels out of the annotation's scope
        return JoinKeys(None, None, None)
    return jurisdiction_keys(meeting.level.level, meeting.level.jurisdiction)


def _date_value(meeting: Meeting) -> str | None:
    return None if meeting.date is None else meeting.date.value


def _category(name: str) -> TaxonomyCategory:
    return next(c for c in categories() if c.name == name)


def crosswalk(category: str) -> dict[str, Any]:
    """The CoronaNet policy type and OxCGRT indicators of a requirement category."""
    found = _category(category)
    return {"coronanet_type": found.coronanet, "oxcgrt_indicators": list(found.oxcgrt)}


# --- shapes of the columns that are not a model field ---------------------------------------

_STRING = Shape(Value("string"), False)
_DATE = Shape(Value("date32"), True)
_KEY = Shape(Value("string"), True)

CROSSWALK_SHAPES = {
    "coronanet_type": Shape(
        Value("string"),
        True,
        description="The CoronaNet policy type the category maps to (by intent); null: none.",
    ),
    "oxcgrt_indicators": list_of(
        _STRING, description="The OxCGRT indicators the category maps to (C8, H2, …); empty: none."
    ),
}

JOIN_KEY_COLUMNS = (
    column(
        "jurisdiction_code",
        _KEY,
        lambda m: keys_of(m).jurisdiction_code,
        "6-digit administrative division code (GB/T 2260, 2020-11 list) of the jurisdiction; null "
        "for national meetings and for names the list lacks (townships, historical names) or "
        "shares between units of that level.",
    ),
    column(
        "province_iso",
        _KEY,
        lambda m: keys_of(m).province_iso,
        "ISO 3166-2 code of the province the jurisdiction lies in (CN-HB); null for national "
        "meetings and when the province is not known.",
    ),
    column(
        "oxcgrt_region",
        _KEY,
        lambda m: keys_of(m).oxcgrt_region,
        "OxCGRT's code for the jurisdiction's province (RegionCode, CHN_HB), or CHN (OxCGRT's "
        "CountryCode) for national meetings; null when unknown or not an OxCGRT region.",
    ),
)


def _meeting_columns(meeting_of: Callable[[Any], Meeting]) -> dict[str, Column]:
    """Columns that describe a meeting, read through ``meeting_of(record)``."""

    def of(value: Callable[[Meeting], Any]) -> Callable[[Any], Any]:
        return lambda record: value(meeting_of(record))

    columns = [
        column(
            "date",
            nullable(field_shape(MeetingDate, "value")),
            of(_date_value),
            "The meeting's date, ISO 8601 at reduced precision (2020-03-16, 2020-03, 2020); null "
            "when the text does not establish the year, or when dates are out of the "
            "annotation's scope (date_precision null).",
        ),
        column(
            "date_precision",
            nullable(field_shape(MeetingDate, "precision")),
            of(lambda m: None if m.date is None else m.date.precision),
            "day, month, year or unknown; null when dates are out of the annotation's scope "
            "(not annotated).",
        ),
        column(
            "date_start",
            _DATE,
            of(lambda m: date_interval(_date_value(m))[0]),
            "First day of the interval the (reduced-precision) date covers; null when undated.",
        ),
        column(
            "date_end",
            _DATE,
            of(lambda m: date_interval(_date_value(m))[1]),
            "Last day of the interval the date covers (the same day for a full date, the month's "
            "last day for a month, Dec 31 for a year); null when undated.",
        ),
        column(
            "level",
            nullable(field_shape(MeetingLevel, "level")),
            of(lambda m: None if m.level is None else m.level.level),
            "Administrative level of the convening body (national … township); null only when "
            "levels are out of the annotation's scope (not annotated).",
        ),
        column(
            "jurisdiction",
            field_shape(MeetingLevel, "jurisdiction"),
            of(lambda m: None if m.level is None else m.level.jurisdiction),
        ),
        *(replace(c, value=of(c.value)) for c in JOIN_KEY_COLUMNS),
    ]
    return {c.name: c for c in columns}


# --- the tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingRecord:
    entry: ManifestEntry
    meeting: Meeting
    scope: tuple[str, ...]
    """The fields the gold annotation covers (out of scope: published as null, never [])."""

    def in_scope_list(self, name: str, value: list[Any]) -> list[Any] | None:
        return value if name in self.scope else None


@dataclass(frozen=True)
class RequirementRecord:
    entry: ManifestEntry
    meeting: Meeting
    requirement: Requirement


@dataclass(frozen=True)
class CategoryRecord:
    index: int
    category: TaxonomyCategory


def _meetings(document: SourceDocument) -> Iterator[MeetingRecord]:
    if document.hand is not None:
        scope = document.hand.fields_in_scope
        for meeting in document.hand.meetings:
            yield MeetingRecord(document.entry, meeting, scope)


def _requirements(document: SourceDocument) -> Iterator[RequirementRecord]:
    """Requirements of the documents whose requirements are annotated (in scope) only."""
    if document.hand is None or not document.hand.in_scope("requirements"):
        return
    for record in _meetings(document):
        for requirement in record.meeting.requirements:
            yield RequirementRecord(record.entry, record.meeting, requirement)


def _categories() -> Iterator[CategoryRecord]:
    for index, category in enumerate(categories()):
        yield CategoryRecord(index, category)


_DOC_ID = field_shape(Annotation, "doc_id")
_PUBLISHED = replace(
    field_shape(ManifestEntry, "published"),
    description="Publication date shown by the report's page itself; null if none.",
)
_SPEAKER = struct_shape(Speaker, ("name", "titles", "roles"))
_NESTED_REQUIREMENT = struct_shape(
    Requirement, ("ordinal", "section", "text", "category"), extra=CROSSWALK_SHAPES
)


def _nested_requirement(requirement: Requirement) -> dict[str, Any]:
    return {
        "ordinal": requirement.ordinal,
        "section": requirement.section,
        "text": requirement.text,
        "category": requirement.category,
        **crosswalk(requirement.category),
    }


def _published_annotation_shape() -> Shape:
    """An annotation in its published form (see :mod:`covidmeet_ds.published`): the meetings
    without their speakers and requirements, which follow as lists keyed by ``meeting_id``."""
    meeting_id = field_shape(Meeting, "meeting_id")
    kept = tuple(name for name in published_fields(Meeting) if name not in MOVED_OUT)
    moved = {
        "speakers": (Speaker, "Every meeting's speakers, in order, each with its meeting_id."),
        "requirements": (
            Requirement,
            "Every meeting's requirements, in order, each with its meeting_id.",
        ),
    }
    fields: dict[str, Shape] = {}
    for name in published_fields(Annotation):
        if name == "doc_id":
            continue  # the row's own
        if name == "meetings":
            meeting = struct_shape(Meeting, kept)
            fields[name] = list_of(meeting, field_shape(Annotation, name).description)
            for moved_name in MOVED_OUT:
                model, description = moved[moved_name]
                item = struct(
                    {"meeting_id": meeting_id}
                    | {field: field_shape(model, field) for field in published_fields(model)},
                    description=one_line(model.__doc__),
                )
                fields[moved_name] = list_of(item, description)
        else:
            fields[name] = field_shape(Annotation, name)
    return struct(fields, nullable=True, description=one_line(Annotation.__doc__))


def _annotation_value(annotation: Annotation | None) -> dict[str, Any] | None:
    return None if annotation is None else published_annotation(annotation)


_meeting = _meeting_columns(lambda record: record.meeting)
MEETINGS = Table(
    name="meetings",
    description="One row per gold meeting: date, level, jurisdiction and its join keys, "
    "presiders, speakers, requirements.",
    records=_meetings,
    columns=(
        column("doc_id", _DOC_ID, lambda r: r.entry.doc_id),
        column("meeting_id", field_shape(Meeting, "meeting_id"), lambda r: r.meeting.meeting_id),
        column("meeting_name", field_shape(Meeting, "name"), lambda r: r.meeting.name),
        column("convener", field_shape(Meeting, "convener"), lambda r: r.meeting.convener),
        _meeting["date"],
        _meeting["date_precision"],
        _meeting["date_start"],
        _meeting["date_end"],
        column(
            "time_of_day",
            field_shape(MeetingDate, "time_of_day"),
            lambda r: r.meeting.date.time_of_day,
        ),
        column("published", _PUBLISHED, lambda r: r.entry.published),
        _meeting["level"],
        _meeting["jurisdiction"],
        _meeting["jurisdiction_code"],
        _meeting["province_iso"],
        _meeting["oxcgrt_region"],
        column(
            "presiders",
            nullable(list_of(_STRING)),
            lambda r: r.in_scope_list("speakers", presiders(r.meeting)),
            "Names of the speakers who presided (主持), in order of mention; unnamed presiders "
            "are only in speakers. Null when speakers were not annotated (out of scope).",
        ),
        column(
            "speakers",
            nullable(list_of(_SPEAKER)),
            lambda r: r.in_scope_list(
                "speakers",
                [
                    {"name": s.name, "titles": list(s.titles), "roles": list(s.roles)}
                    for s in r.meeting.speakers
                ],
            ),
            "People who presided, spoke at or attended the meeting, in order of "
            "mention: name, titles, roles. Null (not []) when speakers were not annotated "
            "(out of the annotation's scope).",
        ),
        column(
            "requirements",
            nullable(list_of(_NESTED_REQUIREMENT)),
            lambda r: r.in_scope_list(
                "requirements", [_nested_requirement(q) for q in r.meeting.requirements]
            ),
            "Directives issued at the meeting, in text order, with their category's CoronaNet "
            "and OxCGRT cross-walk. Null (not []) when requirements were not annotated (out of "
            "the annotation's scope): [] means the meeting issued none.",
        ),
    ),
)

_requirement_meeting = _meeting_columns(lambda record: record.meeting)
MEETING_CONTEXT = (
    "level",
    "jurisdiction",
    "jurisdiction_code",
    "province_iso",
    "oxcgrt_region",
    "date",
    "date_precision",
    "date_start",
    "date_end",
)
"""The meeting's columns a requirement row repeats (its level, jurisdiction, keys and dates)."""
REQUIREMENTS = Table(
    name="requirements",
    description="One row per gold requirement, with its category's cross-walk and its "
    "meeting's level, jurisdiction, join keys, date and publication date.",
    records=_requirements,
    columns=(
        column("doc_id", _DOC_ID, lambda r: r.entry.doc_id),
        column("meeting_id", field_shape(Meeting, "meeting_id"), lambda r: r.meeting.meeting_id),
        column("ordinal", field_shape(Requirement, "ordinal"), lambda r: r.requirement.ordinal),
        column("section", field_shape(Requirement, "section"), lambda r: r.requirement.section),
        column("text", field_shape(Requirement, "text"), lambda r: r.requirement.text),
        column("category", field_shape(Requirement, "category"), lambda r: r.requirement.category),
        column(
            "coronanet_type",
            CROSSWALK_SHAPES["coronanet_type"],
            lambda r: crosswalk(r.requirement.category)["coronanet_type"],
        ),
        column(
            "oxcgrt_indicators",
            CROSSWALK_SHAPES["oxcgrt_indicators"],
            lambda r: crosswalk(r.requirement.category)["oxcgrt_indicators"],
        ),
        *(_requirement_meeting[name] for name in MEETING_CONTEXT),
        column("published", _PUBLISHED, lambda r: r.entry.published),
    ),
)

DOCUMENTS = Table(
    name="documents",
    description="One row per report: source, raw and body text, gold and rule annotations.",
    records=lambda document: [document],
    columns=(
        column("doc_id", field_shape(ManifestEntry, "doc_id"), lambda d: d.entry.doc_id),
        column(
            "source_site", field_shape(ManifestEntry, "source_site"), lambda d: d.entry.source_site
        ),
        column(
            "source_url", field_shape(ManifestEntry, "source_url"), lambda d: d.entry.source_url
        ),
        column("published", _PUBLISHED, lambda d: d.entry.published),
        column("script", field_shape(ManifestEntry, "script"), lambda d: d.entry.script),
        column(
            "raw_text",
            _STRING,
            lambda d: d.raw_text,
            "The raw file exactly as scraped; every evidence offset points into it.",
        ),
        column(
            "body_text",
            _STRING,
            lambda d: d.text,
            "The normalised body the rules read: page furniture (menus, bylines, related "
            "links) dropped, Traditional converted to Simplified, full-width punctuation folded "
            "to half-width. Evidence offsets point into raw_text, not into this.",
        ),
        column(
            "gold_report_kind",
            nullable(field_shape(ReportKind, "kind")),
            lambda d: None if d.hand is None else d.hand.report_kind.kind,
            "What the gold says the report is: meeting_report, or the near-miss (press_conference, "
            "inspection, speech_template, not_epidemic, other_topic, meeting_mentioned, "
            "written_instruction, international, not_government); the label of the filtering "
            "task. Null for a document without gold.",
        ),
        column(
            "hand",
            _published_annotation_shape(),
            lambda d: _annotation_value(d.hand),
            "The gold annotation, nested in full (evidence quotes and offsets into raw_text, "
            "year_basis, notes); null for a document not annotated yet.",
        ),
        column(
            "rule",
            _published_annotation_shape(),
            lambda d: _annotation_value(d.rule),
            "The rule annotation (machine-generated by the extractors) in the same shape; null "
            "where none exists.",
        ),
    ),
)

TAXONOMY = Table(
    name="taxonomy",
    description="One row per requirement category: its class-label index and name, label, "
    "definition and CoronaNet/OxCGRT cross-walk.",
    static_records=_categories,
    splits=("train",),
    columns=(
        column(
            "category",
            shape_of(Category),
            lambda c: c.category.name,
            "The category as the class label of requirements.category (its index in Parquet).",
        ),
        column("label", _STRING, lambda c: c.category.label, "Chinese and English label."),
        column("definition", _STRING, lambda c: c.category.definition, "What the category covers."),
        column(
            "coronanet_type",
            CROSSWALK_SHAPES["coronanet_type"],
            lambda c: c.category.coronanet,
        ),
        column(
            "oxcgrt_indicators",
            CROSSWALK_SHAPES["oxcgrt_indicators"],
            lambda c: list(c.category.oxcgrt),
        ),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (MEETINGS, REQUIREMENTS, DOCUMENTS, TAXONOMY)}
"""Published configs, in card order; the first is the default."""


def descriptions(table: Table) -> dict[str, str]:
    """Each column's one-line description (label-name columns included)."""
    return {name: shape.description for name, shape in table.shapes.items()}


__all__ = [
    "DOCUMENTS",
    "MEETINGS",
    "MEETING_CONTEXT",
    "REQUIREMENTS",
    "SPLITS",
    "TABLES",
    "TAXONOMY",
    "Column",
    "Table",
    "column",
    "crosswalk",
    "date_interval",
    "descriptions",
    "presiders",
]
