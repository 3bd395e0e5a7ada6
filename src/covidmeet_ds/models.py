"""Pydantic models of the data contract: annotations and the raw-corpus manifest.

These models are the single source of truth for the JSON Schema in ``schema/`` and for every check
that can be made on an annotation alone. Checks that need the raw text (evidence offsets, sha256)
live in :mod:`covidmeet_ds.validate`.

Errors that concern one item of a list carry ``ctx["at"]``, a location relative to the field that
raised them, so that reports can point at the exact YAML line (see ``validate``).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .taxonomy import category_names, municipality_names, provincial_names
from .text import PINYIN_READING, to_simplified

DATE_WINDOW = (date(2019, 12, 1), date(2023, 12, 31))
"""Meetings about COVID-19 prevention fall in this window; dates outside it are errors."""

PROVINCE_LEVEL_MUNICIPALITIES = municipality_names()

DOC_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
"""Lower-case ASCII letters, digits and single inner hyphens: safe as a file name everywhere."""

_ISO_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
"""YYYY, YYYY-MM or YYYY-MM-DD in ASCII digits (``\\d`` would also take ２０２０ or ٢٠٢٠)."""

_ISO_DAY = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _iso_day(value: object) -> object:
    """A ``YYYY-MM-DD`` string as a date; anything else (a number, a timestamp, ``2020-2-3``,
    ``20200203``, other digits than ASCII) is refused, where lax Pydantic would convert it."""
    if type(value) is date:  # already a date (built in Python, not read from a file)
        return value
    if not isinstance(value, str) or not re.fullmatch(_ISO_DAY, value):
        raise PydanticCustomError(
            "date_format",
            f"{value!r} is not a date written YYYY-MM-DD in ASCII digits (such as 2020-03-16)",
        )
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_impossible", f"{value} is not a calendar date") from None


IsoDay = Annotated[date, BeforeValidator(_iso_day), Field(json_schema_extra={"pattern": _ISO_DAY})]
"""A calendar day written ``YYYY-MM-DD``, strictly."""

NonEmptyStr = Annotated[str, StringConstraints(min_length=1)]
DocId = Annotated[str, StringConstraints(pattern=DOC_ID_PATTERN, max_length=80)]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]

Level = Literal["national", "provincial", "prefectural", "county", "township"]
Role = Literal["presided", "spoke", "attended"]
QualityFlag = Literal[
    "traditional",
    "pinyin_injected",
    "redacted",
    "spun",
    "boilerplate",
    "html",
    "spam",
    "page_split",
]
Category = Literal[category_names()]  # type: ignore[valid-type]
Stage = Literal["draft", "gold"]
Origin = Literal["scratch", "rules"]
ScopeField = Literal["meetings", "dates", "levels", "speakers", "requirements"]
SCOPE_FIELDS: tuple[str, ...] = ("meetings", "dates", "levels", "speakers", "requirements")
"""Every field an annotation can cover, in contract order (``scope`` absent: all of them)."""
ReportKindName = Literal[
    "meeting_report",
    "press_conference",
    "inspection",
    "speech_template",
    "not_epidemic",
    "other_topic",
    "meeting_mentioned",
    "written_instruction",
    "international",
    "not_government",
]
"""What a report is: a report of a COVID-19 prevention meeting, or the kind of near-miss it is.
The near-miss names are the crawl filter's drop reasons where they overlap
(:data:`covidmeet_ds.rules.reports.DROP_REASONS`); ``speech_template`` has no filter reason."""
HAND_ONLY_FIELDS = ("stage", "provenance", "scope", "report_kind")
"""Annotation fields only hand annotations carry (a rule annotation keeps its shape without)."""
RULE_VERSION_PATTERN = r"^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$"


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        use_attribute_docstrings=True,
    )


def _custom_error(kind: str, message: str, at: tuple = ()) -> PydanticCustomError:
    return PydanticCustomError(kind, message, {"at": at} if at else None)


def _require_note(note: str | None, missing: bool, message: str) -> None:
    """Raise at ``note`` when a value is missing (or inferred) and no note says why."""
    if missing and not note:
        raise _custom_error("reason_missing", message, ("note",))


class Evidence(_Strict):
    """An exact quote of the raw file, anchored by character offsets."""

    quote: NonEmptyStr
    """The exact text of the raw file that supports the value (no normalisation, no ellipsis)."""
    start: Annotated[int, Field(ge=0)]
    """Offset of the quote's first character: a Python ``str`` index into the UTF-8-decoded raw
    file, so that ``raw[start:end] == quote``."""
    end: int
    """Offset one past the quote's last character (``end - start == len(quote)``)."""
    checked: bool | None = Field(default=None, exclude_if=lambda value: value is None)
    """Drafts only: whether a person has checked this value against the text (a draft pre-filled
    from the rules starts with ``false`` everywhere); gold and rule annotations never have it."""

    @field_validator("end")
    @classmethod
    def _end_matches_quote(cls, end: int, info: ValidationInfo) -> int:
        start, quote = info.data.get("start"), info.data.get("quote")
        if start is not None and quote is not None and end - start != len(quote):
            raise _custom_error(
                "offset_length",
                f"end - start is {end - start} but the quote has {len(quote)} characters "
                "(run `covidmeet-ds anchor` to repair offsets)",
            )
        return end


class MeetingDate(_Strict):
    """When the meeting took place (not when the page was published or scraped)."""

    value: str | None
    """ISO 8601 at reduced precision: ``2020-03-16``, ``2020-03`` or ``2020``; null when the text
    does not let a reader establish the year (then say why in ``note``)."""
    precision: Literal["day", "month", "year", "unknown"]
    """How much of the date is known; must agree with the form of ``value``."""
    time_of_day: Literal["morning", "afternoon", "evening"] | None = None
    """上午 → morning, 下午 → afternoon, 晚上/晚 → evening; null when the text does not say."""
    year_basis: Literal["explicit", "publication", "context", "unknown"]
    """Where the year comes from: ``explicit`` (written near the meeting), ``publication`` (the
    article's own publication date), ``context`` (events or terms that date the text), or
    ``unknown`` (no value)."""
    evidence: Evidence | None = None
    """The date expression as written (``3月16日下午``); required when ``value`` is set."""
    note: str | None = None
    """Why the value is null, or how the year was inferred when ``year_basis`` is ``context``."""

    @field_validator("value")
    @classmethod
    def _value_is_iso_in_window(cls, value: str | None) -> str | None:
        if value is None:
            return None
        match = _ISO_DATE.fullmatch(value)
        if not match:
            raise _custom_error(
                "date_format", f"{value!r} is not ISO 8601 YYYY, YYYY-MM or YYYY-MM-DD"
            )
        year, month, day = (int(g) if g else None for g in match.groups())
        try:
            earliest = date(year, month or 1, day or 1)
        except ValueError:
            raise _custom_error("date_impossible", f"{value} is not a calendar date") from None
        if day:
            latest = earliest
        elif month:
            latest = date(year, month, calendar.monthrange(year, month)[1])
        else:
            latest = date(year, 12, 31)
        lo, hi = DATE_WINDOW
        if latest < lo or earliest > hi:
            raise _custom_error(
                "date_window",
                f"{value} is outside the plausible window {lo.isoformat()} … {hi.isoformat()}",
            )
        return value

    @field_validator("precision")
    @classmethod
    def _precision_agrees(cls, precision: str, info: ValidationInfo) -> str:
        if "value" not in info.data:
            return precision
        value = info.data["value"]
        expected = {None: "unknown", 4: "year", 7: "month", 10: "day"}[
            None if value is None else len(value)
        ]
        if precision != expected:
            raise _custom_error(
                "precision_mismatch",
                f"precision is {precision!r} but value {value!r} has precision {expected!r}",
            )
        return precision

    @field_validator("year_basis")
    @classmethod
    def _basis_agrees(cls, basis: str, info: ValidationInfo) -> str:
        if "value" not in info.data:
            return basis
        if info.data["value"] is None and basis != "unknown":
            raise _custom_error("year_basis", "a null value must have year_basis 'unknown'")
        if info.data["value"] is not None and basis == "unknown":
            raise _custom_error(
                "year_basis", "a dated value needs year_basis explicit, publication or context"
            )
        return basis

    @model_validator(mode="after")
    def _evidence_and_reason(self) -> MeetingDate:
        if self.value is not None and self.evidence is None:
            raise _custom_error("evidence_missing", "a dated value needs evidence", ("evidence",))
        _require_note(self.note, self.value is None, "a null date needs a note saying why")
        _require_note(
            self.note,
            self.year_basis == "context",
            "year_basis 'context' needs a note naming the anchor",
        )
        return self


class MeetingLevel(_Strict):
    """The administrative level of the body that held the meeting, and its jurisdiction."""

    level: Level
    """national / provincial / prefectural / county / township. Province-level municipalities
    (北京, 天津, 上海, 重庆) are provincial even when the text says 市."""
    jurisdiction: str | None
    """Official full name of the area governed (江西省, 重庆市, 中华人民共和国); null when the
    text does not name it (then say why in ``note``)."""
    evidence: Evidence
    """The words that show the level: the convener, the meeting's name or an official's title."""
    note: str | None = None
    """Why the jurisdiction is null, or how it was identified when the text does not spell it."""

    @field_validator("jurisdiction")
    @classmethod
    def _jurisdiction_agrees(cls, jurisdiction: str | None, info: ValidationInfo) -> str | None:
        level = info.data.get("level")
        if jurisdiction is None or level is None:
            return jurisdiction
        if jurisdiction in PROVINCE_LEVEL_MUNICIPALITIES and level != "provincial":
            raise _custom_error(
                "level_mismatch",
                f"{jurisdiction} is a province-level municipality: level must be 'provincial'",
            )
        if level == "provincial" and jurisdiction not in provincial_names():
            raise _custom_error(
                "jurisdiction_unknown",
                f"{jurisdiction!r} is not the full name of a provincial-level division "
                "(e.g. 江西省, 重庆市, 广西壮族自治区)",
            )
        if level != "provincial" and jurisdiction in provincial_names():
            raise _custom_error(
                "level_mismatch", f"{jurisdiction} is provincial-level, but level is {level!r}"
            )
        if level == "national" and jurisdiction != "中华人民共和国":
            raise _custom_error(
                "level_mismatch", "a national meeting's jurisdiction is 中华人民共和国"
            )
        return jurisdiction

    @model_validator(mode="after")
    def _reason_when_null(self) -> MeetingLevel:
        _require_note(
            self.note, self.jurisdiction is None, "a null jurisdiction needs a note saying why"
        )
        return self


class Speaker(_Strict):
    """A person who took part in the meeting (not a leader whose words are studied or quoted)."""

    name: NonEmptyStr | None
    """Personal name in Simplified script (王小明); null only when the text hides it (a speech
    by an unnamed 我), then say why in ``note``."""
    titles: list[NonEmptyStr]
    """Each title separately, in Simplified script, as the report gives them at the person's
    fullest mention (省委书记、省长 → two titles)."""
    roles: list[Role] = Field(min_length=1)
    """presided (主持), spoke (讲话/强调/指出/作报告); attended (出席/参加) only for people who
    neither presided nor spoke."""
    evidence: Evidence
    """The clause that names the person and their part in the meeting."""
    note: str | None = None
    """Why the name is null, or anything a second annotator should know."""

    @field_validator("evidence")
    @classmethod
    def _name_in_evidence(cls, evidence: Evidence, info: ValidationInfo) -> Evidence:
        name = info.data.get("name")
        if name and name not in to_simplified(evidence.quote):
            raise _custom_error(
                "name_not_in_evidence", f"the evidence quote does not contain the name {name!r}"
            )
        return evidence

    @model_validator(mode="after")
    def _reason_when_unnamed(self) -> Speaker:
        _require_note(
            self.note, self.name is None, "a speaker without a name needs a note saying why"
        )
        return self

    @field_validator("roles")
    @classmethod
    def _roles_are_a_set(cls, roles: list[str]) -> list[str]:
        for i, role in enumerate(roles):
            if role in roles[:i]:
                raise _custom_error("duplicate_role", f"role {role!r} is listed twice", (i,))
        if "attended" in roles and len(roles) > 1:
            raise _custom_error(
                "role_attended", "attended is only for people who neither presided nor spoke"
            )
        return roles


class Requirement(_Strict):
    """One directive the meeting issued."""

    ordinal: Annotated[int, Field(ge=1)] | None
    """Position in its enumerated list (一是 → 1); null when the directive is not enumerated."""
    section: Annotated[int, Field(ge=1)] | None
    """Ordinal of the parent item when items are nested (一、… 一是 …), else null."""
    text: NonEmptyStr
    """The directive in Simplified script with injected pinyin and page-split markers removed."""
    category: Category
    """The requirement category (see the taxonomy in the guidelines)."""
    evidence: Evidence
    """The exact raw quote of the directive."""

    @field_validator("text")
    @classmethod
    def _text_is_clean_simplified(cls, text: str) -> str:
        reading = PINYIN_READING.search(text)
        if reading:
            raise _custom_error(
                "pinyin_in_text", f"remove the injected pinyin reading {reading.group()!r}"
            )
        simplified = to_simplified(text)
        if simplified != text:
            chars = "".join(sorted({a for a, b in zip(text, simplified, strict=False) if a != b}))
            raise _custom_error(
                "not_simplified", f"text must be in Simplified script; convert: {chars}"
            )
        return text


class Meeting(_Strict):
    """One meeting described by a report."""

    meeting_id: Annotated[str, StringConstraints(pattern=r"^m[1-9][0-9]*$")]
    """Identifier unique within the document: m1, m2, … in order of first mention."""
    name: str | None
    """The meeting as the text calls it (全县疫情防控工作调度会); null if it is unnamed."""
    convener: str | None
    """The body that held the meeting as written (国务院, 省委常委会); null if not stated."""
    evidence: Evidence
    """The passage that reports the meeting was held."""
    date: MeetingDate | None
    """When the meeting took place; null only when dates are out of the annotation's scope."""
    level: MeetingLevel | None
    """Administrative level and jurisdiction of the convening body; null only when levels are
    out of the annotation's scope."""
    speakers: list[Speaker]
    """People who presided, spoke at or attended the meeting, in order of mention."""
    requirements: list[Requirement]
    """Directives issued at the meeting, in text order."""

    @field_validator("requirements")
    @classmethod
    def _ordinals_run_without_gaps(cls, requirements: list[Requirement]) -> list[Requirement]:
        top_level = {r.ordinal for r in requirements if r.section is None and r.ordinal}
        last_in_list: dict[int | None, int] = {}
        for i, requirement in enumerate(requirements):
            if requirement.section is not None and requirement.section not in top_level:
                raise _custom_error(
                    "section_unknown",
                    f"section {requirement.section} is not the ordinal of a top-level requirement",
                    (i, "section"),
                )
            if requirement.ordinal is None:
                continue
            expected = last_in_list.get(requirement.section, 0) + 1
            if requirement.ordinal != expected:
                raise _custom_error(
                    "ordinal_gap",
                    f"ordinals of one list must run 1, 2, 3…: expected {expected}, "
                    f"found {requirement.ordinal}",
                    (i, "ordinal"),
                )
            last_in_list[requirement.section] = requirement.ordinal
        return requirements


class Provenance(_Strict):
    """Where a hand annotation came from and who vouches for it."""

    origin: Origin
    """``scratch``: written by reading the report; ``rules``: a draft pre-filled from the rule
    annotation, then corrected by a person."""
    rules: list[Annotated[str, StringConstraints(pattern=RULE_VERSION_PATTERN)]] = Field(
        default_factory=list
    )
    """For origin ``rules``: the rule versions the draft was pre-filled from (``name:version``,
    as the rule annotation lists them); empty for ``scratch``."""
    annotated_by: NonEmptyStr
    """Who wrote (or corrected) the labels."""
    reviewed_by: NonEmptyStr | None = None
    """Who checked every value and promoted the annotation to gold; null on a draft."""
    reviewed_on: IsoDay | None = None
    """When it was promoted to gold (``YYYY-MM-DD``); null on a draft."""

    @model_validator(mode="after")
    def _rules_match_origin(self) -> Provenance:
        if self.origin == "rules" and not self.rules:
            raise _custom_error(
                "provenance_rules", "origin 'rules' lists the rule versions", ("rules",)
            )
        if self.origin == "scratch" and self.rules:
            raise _custom_error(
                "provenance_rules", "origin 'scratch' lists no rule versions", ("rules",)
            )
        if (self.reviewed_by is None) != (self.reviewed_on is None):
            missing = "reviewed_on" if self.reviewed_on is None else "reviewed_by"
            raise _custom_error(
                "provenance_review",
                "reviewed_by and reviewed_on are set together (at promotion) or not at all",
                (missing,),
            )
        return self


class ReportKind(_Strict):
    """Whether the report is one of a COVID-19 prevention meeting, and if not, what it is."""

    kind: ReportKindName
    """``meeting_report``, or the near-miss: ``press_conference``, ``inspection`` (a leader's
    inspection visit), ``speech_template`` (a model speech, no meeting held), ``not_epidemic``
    (a meeting about no epidemic), ``other_topic`` (a governing body's meeting about other work
    that mentions the epidemic in passing), ``meeting_mentioned`` (a meeting only referred to),
    ``written_instruction`` (a 批示 or circular), ``international``, ``not_government`` (held by
    a company, school, hospital …)."""
    evidence: Evidence | None = None
    """For a near-miss: the words that show what the report is (发布会, 调研, …)."""
    note: str | None = None
    """Why, when the kind is not plain from the evidence."""

    @model_validator(mode="after")
    def _near_miss_has_evidence(self) -> ReportKind:
        if self.kind != "meeting_report" and self.evidence is None:
            raise _custom_error(
                "evidence_missing",
                f"report kind {self.kind!r} needs evidence: a quote that shows it",
                ("evidence",),
            )
        return self


class Annotation(_Strict):
    """All meetings of one report, as labelled by one annotator (a person or the rules)."""

    doc_id: DocId
    """The document's id in ``raw/manifest.yaml``; also the annotation's file name."""
    annotator: Literal["hand", "rule"]
    """``hand`` for gold labels written by reading, ``rule`` for output of the extractors."""
    annotator_version: NonEmptyStr
    """For hand: the guidelines version followed; for rule: the package version that ran."""
    stage: Stage | None = Field(default=None, exclude_if=lambda value: value is None)
    """Hand only (required): ``draft`` (in ``annotations/draft/``, every evidence carries
    ``checked``; never published) or ``gold`` (in ``annotations/hand/``, promoted after review)."""
    provenance: Provenance | None = Field(default=None, exclude_if=lambda value: value is None)
    """Hand only (required): where the labels came from and who reviewed them."""
    rules: list[NonEmptyStr] = Field(default_factory=list)
    """For rule: every rule that ran, as ``name:version`` (the version is a hash of the rule's
    code and cue files); empty for hand."""
    raw_sha256: Sha256
    """sha256 of the raw file when it was annotated; a raw file edited later is an error."""
    scope: list[ScopeField] | None = Field(default=None, exclude_if=lambda value: value is None)
    """Hand only: the fields annotated, of meetings, dates, levels, speakers, requirements;
    absent: all of them. A field out of scope is *not annotated* (never "none"): its lists are
    empty and its values null, and no tool reads them as labels."""
    report_kind: ReportKind | None = Field(default=None, exclude_if=lambda value: value is None)
    """Hand only (required): whether the report is one of a prevention meeting, or which
    near-miss it is (then ``meetings`` is empty)."""
    meetings: list[Meeting]
    """Every meeting the report describes, in order of first mention."""
    quality_flags: list[QualityFlag]
    """Kinds of noise present in the raw file."""
    notes: str | None = None
    """Free-text remarks: decisions, doubts, things the text hides."""

    @field_validator("meetings")
    @classmethod
    def _meeting_ids_unique(cls, meetings: list[Meeting]) -> list[Meeting]:
        seen: set[str] = set()
        for i, meeting in enumerate(meetings):
            if meeting.meeting_id in seen:
                raise _custom_error(
                    "duplicate_meeting_id",
                    f"meeting_id {meeting.meeting_id!r} is used twice",
                    (i, "meeting_id"),
                )
            seen.add(meeting.meeting_id)
        return meetings

    @field_validator("quality_flags")
    @classmethod
    def _flags_unique(cls, flags: list[str]) -> list[str]:
        for i, flag in enumerate(flags):
            if flag in flags[:i]:
                raise _custom_error("duplicate_flag", f"flag {flag!r} is listed twice", (i,))
        return flags

    @field_validator("scope")
    @classmethod
    def _scope_is_coherent(cls, scope: list[str] | None) -> list[str] | None:
        if scope is None:
            return None
        for i, name in enumerate(scope):
            if name in scope[:i]:
                raise _custom_error("duplicate_scope", f"{name!r} is listed twice", (i,))
        if "meetings" not in scope:
            for i, name in enumerate(scope):
                raise _custom_error(
                    "scope_without_meetings",
                    f"{name!r} is a field of the meetings: it needs 'meetings' in scope",
                    (i,),
                )
        return scope

    @property
    def fields_in_scope(self) -> tuple[str, ...]:
        """The fields annotated, in contract order (all of them when ``scope`` is absent)."""
        scope = SCOPE_FIELDS if self.scope is None else self.scope
        return tuple(name for name in SCOPE_FIELDS if name in scope)

    def in_scope(self, name: str) -> bool:
        return name in self.fields_in_scope

    @model_validator(mode="after")
    def _rules_for_rule_annotations(self) -> Annotation:
        if self.annotator == "rule" and not self.rules:
            raise _custom_error("rules_missing", "a rule annotation lists the rules that ran")
        if self.annotator == "hand" and self.rules:
            raise _custom_error("rules_in_hand", "a hand annotation lists no rules", ("rules",))
        return self

    @model_validator(mode="after")
    def _hand_only_fields(self) -> Annotation:
        if self.annotator == "rule":
            for name in HAND_ONLY_FIELDS:
                if getattr(self, name) is not None:
                    raise _custom_error(
                        "hand_only", f"{name} is for hand annotations only", (name,)
                    )
            return self
        for name in ("stage", "provenance", "report_kind"):
            if getattr(self, name) is None:
                raise _custom_error(
                    "hand_field_missing",
                    f"a hand annotation needs {name} (see the guidelines)",
                    (name,),
                )
        return self

    @model_validator(mode="after")
    def _review_matches_stage(self) -> Annotation:
        provenance = self.provenance
        if provenance is None:
            return self
        reviewed = provenance.reviewed_by is not None
        if self.stage == "gold" and not reviewed:
            raise _custom_error(
                "provenance_review",
                "gold records who reviewed it and when (reviewed_by, reviewed_on)",
                ("provenance", "reviewed_by"),
            )
        if self.stage == "draft" and reviewed:
            raise _custom_error(
                "provenance_review",
                "a draft has not been reviewed yet: reviewed_by and reviewed_on are null "
                "(`covidmeet-ds promote` sets them)",
                ("provenance", "reviewed_by"),
            )
        return self

    @model_validator(mode="after")
    def _checked_marks_match_stage(self) -> Annotation:
        for loc, evidence in iter_evidence(self):
            if self.stage == "draft" and evidence.checked is None:
                raise _custom_error(
                    "checked_missing",
                    "every evidence of a draft carries checked: true or false",
                    loc,
                )
            if self.stage != "draft" and evidence.checked is not None:
                where = "gold" if self.stage == "gold" else "a rule annotation"
                raise _custom_error(
                    "checked_outside_draft", f"checked marks are for drafts only, not {where}", loc
                )
        return self

    @model_validator(mode="after")
    def _out_of_scope_is_empty(self) -> Annotation:
        if not self.in_scope("meetings") and self.meetings:
            raise _custom_error(
                "out_of_scope",
                "meetings are out of scope (not annotated): the list must be empty",
                ("meetings",),
            )
        for i, meeting in enumerate(self.meetings):
            for name, value in (("dates", meeting.date), ("levels", meeting.level)):
                field_name = name.removesuffix("s")
                if self.in_scope(name) and value is None:
                    raise _custom_error(
                        "in_scope_missing",
                        f"{field_name} is null but {name} are in scope",
                        ("meetings", i, field_name),
                    )
                if not self.in_scope(name) and value is not None:
                    raise _custom_error(
                        "out_of_scope",
                        f"{name} are out of scope (not annotated): {field_name} must be null",
                        ("meetings", i, field_name),
                    )
            for name in ("speakers", "requirements"):
                if not self.in_scope(name) and getattr(meeting, name):
                    raise _custom_error(
                        "out_of_scope",
                        f"{name} are out of scope (not annotated): the list must be empty",
                        ("meetings", i, name),
                    )
        return self

    @model_validator(mode="after")
    def _meetings_match_report_kind(self) -> Annotation:
        if self.report_kind is None:
            return self
        kind = self.report_kind.kind
        if kind != "meeting_report":
            if self.meetings:
                raise _custom_error(
                    "report_kind_meetings",
                    f"a {kind} report describes no prevention meeting: meetings must be []",
                    ("meetings",),
                )
            if not self.in_scope("meetings"):
                raise _custom_error(
                    "report_kind_scope",
                    f"report kind {kind!r} says there is no prevention meeting: meetings are "
                    "then annotated (in scope), as []",
                    ("scope",),
                )
        elif self.in_scope("meetings") and not self.meetings and self.stage != "draft":
            # a draft may hold the rules' guess (no meeting found); its promotion decides
            raise _custom_error(
                "report_kind_meetings",
                "a meeting_report with its meetings in scope has at least one meeting (or say "
                "which near-miss it is in report_kind)",
                ("meetings",),
            )
        return self


def iter_evidence(model: BaseModel, loc: tuple = ()) -> Iterator[tuple[tuple, Evidence]]:
    """Every Evidence inside ``model`` with its location (relative to the model)."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = enumerate(value) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            here = (*loc, name) if index is None else (*loc, name, index)
            if isinstance(item, Evidence):
                yield here, item
            elif isinstance(item, BaseModel):
                yield from iter_evidence(item, here)


class ManifestEntry(_Strict):
    """One raw report."""

    doc_id: DocId
    """Stable id, assigned once when the report is added; never derived from a path."""
    file: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.txt$")]
    """File name inside ``raw/`` (no directories)."""
    sha256: Sha256
    """sha256 of the file's bytes; raw files are immutable."""
    title: NonEmptyStr
    """The report's headline as the page shows it."""
    source_site: NonEmptyStr | None
    """The site the page was scraped from, as the text shows it (网易山东, …); null if unnamed."""
    source_url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None
    """URL of the page; null when the text does not give it."""
    script: Literal["simplified", "traditional"]
    """Script of the report's body."""
    published: IsoDay | None
    """Publication date shown by the page itself (not of unrelated headlines); null if none."""
    status: Literal["annotated", "draft", "unannotated"]
    """``annotated``: a gold annotation exists (``annotations/hand/``); ``draft``: a draft exists
    (``annotations/draft/``) and no gold yet; ``unannotated``: neither."""


class Manifest(_Strict):
    """``raw/manifest.yaml``: every raw report exactly once."""

    documents: list[ManifestEntry]
    """The raw reports, in the order they were added."""

    @field_validator("documents")
    @classmethod
    def _ids_and_files_unique(cls, documents: list[ManifestEntry]) -> list[ManifestEntry]:
        for key in ("doc_id", "file"):
            seen: set[str] = set()
            for i, entry in enumerate(documents):
                value = getattr(entry, key)
                if value in seen:
                    raise _custom_error(
                        f"duplicate_{key}", f"{key} {value!r} is listed twice", (i, key)
                    )
                seen.add(value)
        return documents
