"""Score the rules and the crawl filter on labelled report sets that are not the seed corpus.

A report set is a pair of files in one directory: ``<name>.jsonl`` (one report a line: ``id``,
``pub_date``, ``title``, ``text``, optional ``url`` and ``file``) and ``<name>-gold.yaml`` (per
id: whether the item reports a prevention meeting and, for those, each meeting's acceptable
dates, level, convener, optional jurisdiction, people with roles, whether someone unnamed spoke,
and the first characters of each directive). The format is that of ``../shared/devset``; see its
README and the header of its gold file.

Scoring is pure: the annotator and the filter are passed in as callables, so this module knows
nothing about the rules' internals; loading and hashing the rules' sources are the only I/O.

Protocol (also printed under the tables):

* Every item is annotated, kept or not: a predicted meeting on an item that reports no prevention
  meeting is a false positive.
* Within an item, predicted meetings are aligned one-to-one with gold meetings, greedily by
  agreement (date in the gold dates, equal level, convener character-bigram overlap), best
  first; meetings left on both sides are then paired in text order.
* Every field is reported twice: over matched meetings only, and end to end, where a gold meeting
  with no predicted partner counts as wrong (its people and anchors are misses) and a predicted
  meeting with no gold partner adds false positives.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    field_validator,
    model_validator,
)

from .corpus import InputError, YamlDocument, decode_utf8, parse_yaml
from .evaluate import prf, ratio
from .models import Annotation, Level, Role
from .problems import Problem, field_path, schema_problems
from .reader import read_regular_file
from .rules.reports import DROP_REASONS
from .text import to_simplified
from .text.punctuation import fold_width

LEVELS: tuple[str, ...] = get_args(Level)

EXTRA_REASONS = ("press_conference", "inspection", "meeting_mentioned")
"""Reasons a near-miss is not a meeting report that the crawl filter has no name for (yet): a
press conference, a leader's inspection visit, a meeting only transmitted or quoted."""

GoldReason = Literal[(*DROP_REASONS, *EXTRA_REASONS)]  # type: ignore[valid-type]

NATIONWIDE = (None, "中华人民共和国")
"""A national meeting's jurisdiction may be written either way."""

_ISO = re.compile(r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?")

NonEmpty = Annotated[str, Field(min_length=1)]


# --- The format ----------------------------------------------------------------------------------


class _Forbid(BaseModel):
    # strict: no "yes" or 1 for a boolean, no 3.0 for a number
    model_config = ConfigDict(extra="forbid", strict=True)


def _day_of(value: str) -> date:
    """The calendar day of ``2020-01-26`` or ``2020-01-26 19:13:02``."""
    # date.fromisoformat alone would also take 20200203 and 2020-W06-1
    if not _DAY.fullmatch(value[:10]) or not _TIME.fullmatch(value[10:]):
        raise ValueError(f"{value!r} is not YYYY-MM-DD, optionally followed by a time")
    return date.fromisoformat(value[:10])


def _check_day(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        _day_of(value)
    except ValueError as error:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD[ HH:MM[:SS]]): {error}") from None
    return value


class Report(_Forbid):
    """One line of ``<name>.jsonl``."""

    id: NonEmpty
    pub_date: str | None
    """Publication (or broadcast) date and optionally time: ``2020-01-26 19:13:02``; null when
    the page gives none."""
    title: str
    text: NonEmpty
    url: str | None = None
    file: str | None = None

    _pub_date_is_a_day = field_validator("pub_date")(_check_day)

    @property
    def published(self) -> date | None:
        return None if self.pub_date is None else _day_of(self.pub_date)


class GoldPerson(_Forbid):
    name: NonEmpty
    roles: list[Role] = Field(min_length=1)


class GoldMeeting(_Forbid):
    dates: list[str] = Field(min_length=1)
    """Acceptable ISO dates of the meeting (several when the text is ambiguous)."""
    level: Level
    convener: str | None
    """The convening body as written."""
    jurisdiction: str | None = None
    """Optional: the official full name of the area governed (江西省, 赣州市, 瑞金市); null is
    allowed for a national meeting. Scored only where the gold gives it."""
    people: list[GoldPerson]
    unnamed_speaker: bool
    directive_anchors: list[NonEmpty]

    @field_validator("dates")
    @classmethod
    def _iso_dates(cls, dates: list[str]) -> list[str]:
        for value in dates:
            if not _ISO.fullmatch(value):
                raise ValueError(f"{value!r} is not ISO 8601 YYYY, YYYY-MM or YYYY-MM-DD")
            year, month, day = [*value.split("-"), "01", "01"][:3]
            date(int(year), int(month), int(day))  # ValueError: not a calendar date
        return dates

    @model_validator(mode="after")
    def _null_jurisdiction_only_national(self) -> GoldMeeting:
        null = "jurisdiction" in self.model_fields_set and self.jurisdiction is None
        if null and self.level != "national":
            raise ValueError("jurisdiction may be null only for a national meeting")
        return self

    @property
    def gives_jurisdiction(self) -> bool:
        return "jurisdiction" in self.model_fields_set


class GoldItem(_Forbid):
    pub_date: str | None
    prevention_meeting: bool
    why: str | None = None
    """Free text: why the item is not a prevention-meeting report."""
    width: Literal["full", "half", "mixed"] | None = None
    """Optional: the punctuation width the item is written in (our written set)."""
    forms: list[NonEmpty] = []
    """Optional: the writing forms the item exercises (dateline, passive, …), for breakdowns."""
    unit_level: Level | None = None
    """Optional, for negatives: the level of the body the near-miss is about."""
    reason: GoldReason | None = None
    """Optional, for negatives: the crawl filter's drop reason the item deserves."""
    meetings: list[GoldMeeting] = []

    _pub_date_is_a_day = field_validator("pub_date")(_check_day)

    @model_validator(mode="after")
    def _meetings_agree(self) -> GoldItem:
        if self.prevention_meeting and not self.meetings:
            raise ValueError("a prevention-meeting item needs at least one meeting")
        if not self.prevention_meeting and self.meetings:
            raise ValueError("an item that reports no prevention meeting lists no meetings")
        if self.prevention_meeting and self.reason is not None:
            raise ValueError("a drop reason is for items that report no prevention meeting")
        return self


GoldFile = RootModel[dict[str, GoldItem]]


@dataclass(frozen=True)
class LabelledReport:
    report: Report
    gold: GoldItem


@dataclass(frozen=True)
class ReportSet:
    """One ``<name>.jsonl`` with its gold, items in file order."""

    name: str
    items: tuple[LabelledReport, ...]


class EvalSetError(ValueError):
    """A report set that cannot be read; ``problems`` name file, line and field."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --- Loading -------------------------------------------------------------------------------------

GOLD_SUFFIX = "-gold.yaml"


def _read(path: Path) -> str:
    try:
        return decode_utf8(read_regular_file(path))
    except InputError as error:
        raise EvalSetError(
            [Problem(str(path), error.line, error.column, "", error.message)]
        ) from None


def parse_reports(name: str, text: str) -> tuple[list[Report], list[Problem]]:
    """The reports of a JSON Lines text (``name`` for messages), and what is wrong with it."""
    reports: list[Report] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    # split at LF only: U+2028 and its kind may stand inside a JSON string of a scraped page
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            report = Report.model_validate(data)
        except json.JSONDecodeError as error:
            problems.append(Problem(name, number, error.colno, "", f"not JSON: {error.msg}"))
            continue
        except ValidationError as error:
            problems += [
                Problem(name, number, 1, field_path(e["loc"]), _message(e))
                for e in error.errors(include_url=False)
            ]
            continue
        if report.id in seen:
            message = f"id {report.id!r} is used twice (first at line {seen[report.id]})"
            problems.append(Problem(name, number, 1, "id", message))
            continue
        seen[report.id] = number
        reports.append(report)
    return reports, problems


def _message(error: Mapping[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return f"unknown field {error['loc'][-1]!r} (not in the format; check its spelling)"
    if error["type"] == "missing":
        return f"required field {error['loc'][-1]!r} is missing"
    return str(error["msg"])


def parse_gold(name: str, text: str) -> tuple[dict[str, GoldItem], list[Problem]]:
    """The gold items of a YAML text (``name`` for messages), and what is wrong with it."""
    try:
        doc: YamlDocument = parse_yaml(text)
    except InputError as error:
        return {}, [Problem(name, error.line, error.column, field_path(error.loc), error.message)]
    try:
        return dict(GoldFile.model_validate(doc.data).root), []
    except ValidationError as error:
        return {}, schema_problems(name, doc, error)


def _pair(name: str, reports: list[Report], gold: dict[str, GoldItem], gold_file: str):
    problems: list[Problem] = []
    items = []
    for report in reports:
        item = gold.get(report.id)
        if item is None:
            problems.append(Problem(gold_file, 1, 1, report.id, "no gold for this report"))
            continue
        gold_day = None if item.pub_date is None else _day_of(item.pub_date)
        if gold_day != report.published:
            message = f"pub_date {item.pub_date} differs from the report's {report.pub_date}"
            problems.append(Problem(gold_file, 1, 1, f"{report.id}.pub_date", message))
        items.append(LabelledReport(report, item))
    ids = {r.id for r in reports}
    problems += [
        Problem(gold_file, 1, 1, doc_id, f"no report with this id in {name}.jsonl")
        for doc_id in gold
        if doc_id not in ids
    ]
    return items, problems


def load_report_set(jsonl: Path) -> ReportSet:
    """The set of ``jsonl`` and its ``<stem>-gold.yaml``; raises :class:`EvalSetError`."""
    gold_path = jsonl.with_name(jsonl.stem + GOLD_SUFFIX)
    if not gold_path.is_file():
        raise EvalSetError([Problem(str(jsonl), 1, 1, "", f"no gold file {gold_path.name}")])
    reports, problems = parse_reports(str(jsonl), _read(jsonl))
    gold, gold_problems = parse_gold(str(gold_path), _read(gold_path))
    problems += gold_problems
    if not problems:
        items, problems = _pair(jsonl.stem, reports, gold, str(gold_path))
    if problems:
        raise EvalSetError(problems)
    return ReportSet(name=jsonl.stem, items=tuple(items))


def load_report_sets(directory: Path) -> list[ReportSet]:
    """Every set in ``directory`` (one per ``*.jsonl`` with its gold), sorted by name."""
    directory = Path(directory)
    if not directory.is_dir():
        raise EvalSetError([Problem(str(directory), 1, 1, "", "not a directory")])
    jsonls = sorted(directory.glob("*.jsonl"))
    golds = sorted(directory.glob("*" + GOLD_SUFFIX))
    stems = {p.stem for p in jsonls}
    orphans = [
        Problem(str(g), 1, 1, "", f"no reports file {g.name.removesuffix(GOLD_SUFFIX)}.jsonl")
        for g in golds
        if g.name.removesuffix(GOLD_SUFFIX) not in stems
    ]
    if orphans:
        raise EvalSetError(orphans)
    if not jsonls:
        raise EvalSetError([Problem(str(directory), 1, 1, "", "no <name>.jsonl report set")])
    return [load_report_set(path) for path in jsonls]


def rules_fingerprint() -> str:
    """The rules' versions in one string (``registry.rule_versions``): a set scored with
    another fingerprint is stale."""
    from .rules.registry import rule_versions

    return ",".join(f"{name}:{version}" for name, version in sorted(rule_versions().items()))


# --- What is scored ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PredictedMeeting:
    """The scored content of one predicted meeting."""

    date: str | None = None
    level: str | None = None
    jurisdiction: str | None = None
    convener: str | None = None
    people: tuple[tuple[str, str], ...] = ()
    """(name, role) of every named speaker, one per role."""
    unnamed_speaker: bool = False
    requirements: tuple[str, ...] = ()
    """Each requirement's text, width-folded."""


ALL_FIELDS = frozenset(
    {"meetings", "date", "level", "jurisdiction", "presider", "people", "unnamed_speaker"}
    | {"anchors", "filter"}
)


@dataclass(frozen=True)
class ItemPrediction:
    meetings: tuple[PredictedMeeting, ...]
    drop_reason: str | None = None
    """The filter's reason to drop the item, None when it keeps it."""


def from_annotation(annotation: Annotation) -> tuple[PredictedMeeting, ...]:
    return tuple(
        PredictedMeeting(
            date=m.date.value,
            level=m.level.level,
            jurisdiction=m.level.jurisdiction,
            convener=m.convener,
            people=tuple((s.name, role) for s in m.speakers if s.name for role in s.roles),
            unnamed_speaker=any(s.name is None for s in m.speakers),
            requirements=tuple(fold_width(r.text) for r in m.requirements),
        )
        for m in annotation.meetings
    )


Annotate = Callable[[str, date | None], Annotation]
Keep = Callable[[str, date | None], str | None]
Guess = Callable[[str, date | None], PredictedMeeting]


# --- Alignment -----------------------------------------------------------------------------------


def _bigrams(text: str | None) -> set[str]:
    text = text or ""
    return {text[i : i + 2] for i in range(len(text) - 1)}


def convener_overlap(gold: str | None, predicted: str | None) -> float:
    """Dice coefficient of the character bigrams of the two conveners (0 when one is missing)."""
    a, b = _bigrams(gold), _bigrams(predicted)
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def agreement(gold: GoldMeeting, predicted: PredictedMeeting) -> float:
    return (
        (predicted.date in gold.dates)
        + (predicted.level == gold.level)
        + convener_overlap(gold.convener, predicted.convener)
    )


def align(
    gold: Sequence[GoldMeeting], predicted: Sequence[PredictedMeeting]
) -> list[tuple[int, int]]:
    """(gold, predicted) index pairs: best agreement first (ties: nearer in order, then earlier),
    then what is left on both sides in text order."""
    candidates = sorted(
        (
            (-score, abs(g - p), g, p)
            for g, gm in enumerate(gold)
            for p, pm in enumerate(predicted)
            if (score := agreement(gm, pm)) > 0
        )
    )
    pairs: list[tuple[int, int]] = []
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    for _, _, g, p in candidates:
        if g not in used_gold and p not in used_pred:
            pairs.append((g, p))
            used_gold.add(g)
            used_pred.add(p)
    rest_gold = [g for g in range(len(gold)) if g not in used_gold]
    rest_pred = [p for p in range(len(predicted)) if p not in used_pred]
    pairs += zip(rest_gold, rest_pred, strict=False)
    return sorted(pairs)


# --- Counts --------------------------------------------------------------------------------------


class _Summable:
    def add(self, other: Any) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, _Summable):
                mine.add(theirs)
            elif isinstance(mine, Counter):
                mine.update(theirs)
            else:
                setattr(self, f.name, mine + theirs)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, _Summable):
                out[f.name] = value.as_dict()
            elif isinstance(value, Counter):
                out[f.name] = {" → ".join(k): n for k, n in sorted(value.items())}
            else:
                out[f.name] = value
        return out


@dataclass
class Detection(_Summable):
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def metrics(self) -> dict[str, float | None]:
        return prf(self.tp, self.fp, self.fn)


@dataclass
class Accuracy(_Summable):
    """Correct among matched gold meetings, and among all gold meetings (end to end)."""

    correct: int = 0
    matched: int = 0
    total: int = 0

    def metrics(self) -> dict[str, float | None]:
        return {
            "matched": ratio(self.correct, self.matched),
            "end_to_end": ratio(self.correct, self.total),
        }


@dataclass
class Pairs(_Summable):
    """Item matches inside matched meetings, plus the misses and false positives of unmatched
    gold and predicted meetings (end to end only)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    fp_unmatched: int = 0
    fn_unmatched: int = 0

    def metrics(self) -> dict[str, dict[str, float | None]]:
        return {
            "matched": prf(self.tp, self.fp, self.fn),
            "end_to_end": prf(self.tp, self.fp + self.fp_unmatched, self.fn + self.fn_unmatched),
        }


@dataclass
class Anchors(_Summable):
    found: int = 0
    matched: int = 0
    total: int = 0
    requirements_matched: int = 0
    requirements_total: int = 0

    def metrics(self) -> dict[str, dict[str, float | None]]:
        return {
            "recall": {
                "matched": ratio(self.found, self.matched),
                "end_to_end": ratio(self.found, self.total),
            },
            "requirements_per_anchor": {
                "matched": ratio(self.requirements_matched, self.matched),
                "end_to_end": ratio(self.requirements_total, self.total),
            },
        }


@dataclass
class Counts(_Summable):
    items: int = 0
    gold_meetings: int = 0
    meetings: Detection = field(default_factory=Detection)
    date: Accuracy = field(default_factory=Accuracy)
    level: Accuracy = field(default_factory=Accuracy)
    jurisdiction: Accuracy = field(default_factory=Accuracy)
    unnamed_speaker: Accuracy = field(default_factory=Accuracy)
    presider: Pairs = field(default_factory=Pairs)
    people: Pairs = field(default_factory=Pairs)
    anchors: Anchors = field(default_factory=Anchors)
    filter: Detection = field(default_factory=Detection)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(gold label, predicted label) of every item: the filter's confusion."""


@dataclass(frozen=True)
class Failure:
    """One wrong decision, for developers (never written to the report)."""

    item_id: str
    field: str
    gold: str
    predicted: str

    def __str__(self) -> str:
        return f"{self.item_id}  {self.field}: gold {self.gold} | predicted {self.predicted}"


KEPT = "kept"
POSITIVE = "prevention meeting"
UNLABELLED_NEGATIVE = "other (no reason given)"
UNKNOWN_LEVEL = "no level"
NEGATIVE_ITEMS = "negative items"


def gold_label(item: GoldItem) -> str:
    if item.prevention_meeting:
        return POSITIVE
    return item.reason or UNLABELLED_NEGATIVE


# --- Scoring one item ----------------------------------------------------------------------------


def _presiders(pairs: Iterable[tuple[str, str]]) -> Counter[str]:
    return Counter(name for name, role in pairs if role == "presided")


def _gold_pairs(meeting: GoldMeeting) -> Counter[tuple[str, str]]:
    return Counter((p.name, role) for p in meeting.people for role in p.roles)


def _anchor_found(anchor: str, requirements: Sequence[str]) -> bool:
    """An anchor (as the page writes it) found in a requirement's text (Simplified, like every
    label, so a Traditional page's anchor is compared in Simplified; widths folded)."""
    folded = fold_width(to_simplified(anchor))
    return any(folded in text for text in requirements)


@dataclass
class _ItemScorer:
    """Counts of one item, per level key, and its failures."""

    item_id: str
    fields: frozenset[str]
    by_level: dict[str, Counts] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)

    def counts(self, level: str | None) -> Counts:
        return self.by_level.setdefault(level or UNKNOWN_LEVEL, Counts())

    def fail(self, name: str, gold: Any, predicted: Any) -> None:
        if name in self.fields or name == "meetings":
            self.failures.append(Failure(self.item_id, name, str(gold), str(predicted)))

    def accuracy(self, counts: Accuracy, name: str, correct: bool | None, gold, predicted):
        """``correct`` None: the gold does not give this field."""
        if correct is None:
            return
        counts.total += 1
        counts.matched += 1
        counts.correct += correct
        if not correct:
            self.fail(name, gold, predicted)

    def pairs(self, counts: Pairs, name: str, gold: Counter, predicted: Counter) -> None:
        tp = sum((gold & predicted).values())
        counts.tp += tp
        counts.fp += sum(predicted.values()) - tp
        counts.fn += sum(gold.values()) - tp
        for missed in sorted((gold - predicted).elements()):
            self.fail(name, missed, "—")
        for extra in sorted((predicted - gold).elements()):
            self.fail(name, "—", extra)

    def matched(self, gold: GoldMeeting, predicted: PredictedMeeting) -> None:
        c = self.counts(gold.level)
        c.meetings.tp += 1
        date_ok = predicted.date in gold.dates
        self.accuracy(c.date, "date", date_ok, "/".join(gold.dates), predicted.date)
        self.accuracy(c.level, "level", gold.level == predicted.level, gold.level, predicted.level)
        self.accuracy(
            c.jurisdiction,
            "jurisdiction",
            _same_jurisdiction(gold.jurisdiction, predicted.jurisdiction)
            if gold.gives_jurisdiction
            else None,
            gold.jurisdiction,
            predicted.jurisdiction,
        )
        self.accuracy(
            c.unnamed_speaker,
            "unnamed_speaker",
            gold.unnamed_speaker == predicted.unnamed_speaker,
            gold.unnamed_speaker,
            predicted.unnamed_speaker,
        )
        gold_pairs = _gold_pairs(gold)
        predicted_pairs = Counter(predicted.people)
        self.pairs(c.presider, "presider", _presiders(gold_pairs), _presiders(predicted_pairs))
        self.pairs(c.people, "people", gold_pairs, predicted_pairs)
        c.anchors.matched += len(gold.directive_anchors)
        c.anchors.total += len(gold.directive_anchors)
        c.anchors.requirements_matched += len(predicted.requirements)
        c.anchors.requirements_total += len(predicted.requirements)
        for anchor in gold.directive_anchors:
            found = _anchor_found(anchor, predicted.requirements)
            c.anchors.found += found
            if not found:
                self.fail("anchors", anchor, f"{len(predicted.requirements)} requirement(s)")

    def missed(self, gold: GoldMeeting) -> None:
        c = self.counts(gold.level)
        c.meetings.fn += 1
        self.fail("meetings", f"{gold.level} meeting of {gold.convener}", "none")
        for accuracy, given in (
            (c.date, True),
            (c.level, True),
            (c.jurisdiction, gold.gives_jurisdiction),
            (c.unnamed_speaker, True),
        ):
            accuracy.total += given
        gold_pairs = _gold_pairs(gold)
        c.presider.fn_unmatched += sum(_presiders(gold_pairs).values())
        c.people.fn_unmatched += sum(gold_pairs.values())
        c.anchors.total += len(gold.directive_anchors)

    def spurious(self, predicted: PredictedMeeting) -> None:
        c = self.counts(predicted.level)
        c.meetings.fp += 1
        self.fail("meetings", "none", f"{predicted.level} meeting of {predicted.convener}")
        pairs = Counter(predicted.people)
        c.presider.fp_unmatched += sum(_presiders(pairs).values())
        c.people.fp_unmatched += sum(pairs.values())
        c.anchors.requirements_total += len(predicted.requirements)


def _same_jurisdiction(gold: str | None, predicted: str | None) -> bool:
    return gold == predicted or (gold in NATIONWIDE and predicted in NATIONWIDE)


def score_item(
    item_id: str, gold: GoldItem, prediction: ItemPrediction, fields: frozenset[str] = ALL_FIELDS
) -> tuple[dict[str, Counts], list[Failure]]:
    """Counts of one item keyed by level (gold level; a predicted meeting with no gold partner
    under its own level; the filter's count of a negative item under ``negative items``)."""
    scorer = _ItemScorer(item_id, fields)
    pairs = align(gold.meetings, prediction.meetings)
    for g, p in pairs:
        scorer.matched(gold.meetings[g], prediction.meetings[p])
    matched_gold = {g for g, _ in pairs}
    matched_pred = {p for _, p in pairs}
    for g, meeting in enumerate(gold.meetings):
        if g not in matched_gold:
            scorer.missed(meeting)
    for p, meeting in enumerate(prediction.meetings):
        if p not in matched_pred:
            scorer.spurious(meeting)
    for meeting in gold.meetings:
        scorer.counts(meeting.level).gold_meetings += 1
    home = scorer.counts(gold.meetings[0].level if gold.meetings else NEGATIVE_ITEMS)
    home.items += 1
    _score_filter(scorer, home, gold, prediction)
    return scorer.by_level, scorer.failures


def _score_filter(scorer: _ItemScorer, home: Counts, gold: GoldItem, prediction) -> None:
    if "filter" not in scorer.fields:
        return
    kept = prediction.drop_reason is None
    predicted_label = KEPT if kept else prediction.drop_reason
    home.confusion[(gold_label(gold), predicted_label)] += 1
    if gold.prevention_meeting and kept:
        home.filter.tp += 1
    elif gold.prevention_meeting:
        home.filter.fn += 1
        scorer.fail("filter", KEPT, predicted_label)
    elif kept:
        home.filter.fp += 1
        scorer.fail("filter", gold.reason or "drop", KEPT)
    else:
        home.filter.tn += 1
        if gold.reason is not None and gold.reason != predicted_label:
            scorer.fail("filter", gold.reason, predicted_label)


# --- Scoring a set -------------------------------------------------------------------------------


@dataclass
class SetScores:
    """One annotator on one report set."""

    fields: frozenset[str]
    by_level: dict[str, Counts]
    failures: list[Failure]

    @property
    def total(self) -> Counts:
        total = Counts()
        for counts in self.by_level.values():
            total.add(counts)
        return total

    def metrics(self, level: str | None = None) -> dict[str, Any]:
        counts = self.total if level is None else self.by_level[level]
        return metrics(counts, self.fields)

    def to_dict(self) -> dict[str, Any]:
        """Figures only: counts and metrics overall and per level (no texts, no item ids)."""
        return {
            "fields": sorted(self.fields),
            "total": {"counts": self.total.as_dict(), "metrics": _rounded(self.metrics())},
            "levels": {
                level: {"counts": counts.as_dict(), "metrics": _rounded(self.metrics(level))}
                for level, counts in sorted(self.by_level.items(), key=_level_order)
            },
        }


def _level_order(entry: tuple[str, Any]) -> tuple[int, str]:
    level = entry[0]
    return (LEVELS.index(level) if level in LEVELS else len(LEVELS), level)


def metrics(counts: Counts, fields: frozenset[str] = ALL_FIELDS) -> dict[str, Any]:
    c = counts
    out: dict[str, Any] = {
        "meetings": c.meetings.metrics(),
        "date": c.date.metrics(),
        "level": c.level.metrics(),
        "jurisdiction": c.jurisdiction.metrics(),
        "presider": c.presider.metrics(),
        "people": c.people.metrics(),
        "unnamed_speaker": c.unnamed_speaker.metrics(),
        "anchors": c.anchors.metrics(),
        "filter": c.filter.metrics(),
    }
    return {name: (value if name in fields else None) for name, value in out.items()}


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value


def score_predictions(
    report_set: ReportSet,
    predictions: Mapping[str, ItemPrediction],
    fields: frozenset[str] = ALL_FIELDS,
) -> SetScores:
    """Score given predictions (keyed by item id) against the set's gold."""
    by_level: dict[str, Counts] = {}
    failures: list[Failure] = []
    for labelled in report_set.items:
        item_id = labelled.report.id
        counts, item_failures = score_item(item_id, labelled.gold, predictions[item_id], fields)
        for level, level_counts in counts.items():
            by_level.setdefault(level, Counts()).add(level_counts)
        failures += item_failures
    return SetScores(fields=fields, by_level=by_level, failures=failures)


def predict(report_set: ReportSet, annotate: Annotate, keep: Keep) -> dict[str, ItemPrediction]:
    """The annotator's meetings and the filter's decision on every item. A rule that fails
    stops the evaluation with an error naming the set and the item."""
    out = {}
    for labelled in report_set.items:
        report = labelled.report
        published = report.published
        try:
            out[report.id] = ItemPrediction(
                meetings=from_annotation(annotate(report.text, published)),
                drop_reason=keep(report.text, published),
            )
        except Exception as error:
            raise RuntimeError(f"{report_set.name}/{report.id}: {error}") from error
    return out


def score_rules(report_set: ReportSet, annotate: Annotate, keep: Keep) -> SetScores:
    return score_predictions(report_set, predict(report_set, annotate, keep))


def score_baseline(report_set: ReportSet, guess: Guess, fields: frozenset[str]) -> SetScores:
    """A baseline that knows nothing of meetings: it is given the gold meetings (one guess per
    gold meeting, from the item's text), so only the fields it predicts are scored."""
    predictions = {}
    for labelled in report_set.items:
        report = labelled.report
        guessed = guess(report.text, report.published) if labelled.gold.meetings else None
        predictions[report.id] = ItemPrediction(
            meetings=tuple(guessed for _ in labelled.gold.meetings if guessed is not None)
        )
    return score_predictions(report_set, predictions, fields)


# --- Report --------------------------------------------------------------------------------------

_COLUMNS = (
    ("Meetings P / R / F1", "meetings", False),
    ("Date", "date", True),
    ("Level", "level", True),
    ("Jurisdiction", "jurisdiction", True),
    ("Presider P / R / F1", "presider", True),
    ("People (name, role) P / R / F1", "people", True),
    ("Unnamed speaker", "unnamed_speaker", True),
    ("Anchor recall", "anchors.recall", True),
    ("Requirements per anchor", "anchors.requirements_per_anchor", True),
    ("Filter P / R / F1", "filter", False),
)
"""(title, metric key, whether it has a matched-only and an end-to-end value)."""

VIEWS = (("end_to_end", "end to end"), ("matched", "matched meetings only"))

NOTES = (
    "Every item is annotated whether or not the filter keeps it; a meeting predicted on an item "
    "that reports no prevention meeting is a false positive. Predicted meetings are aligned "
    "one-to-one with the gold meetings of their item, greedily by agreement (date among the gold "
    "dates, equal level, convener character-bigram overlap), then in text order. *End to end*: "
    "a gold meeting with no predicted partner counts as wrong for every field and its people "
    "and anchors as misses, a predicted meeting with no partner adds false positives. "
    "*Matched meetings only*: the same fields over aligned pairs. Date: the predicted ISO value "
    "is one of the gold's acceptable dates (a reduced-precision value only if listed). "
    "Jurisdiction: only where the gold gives it. Presider: names with the role presided. "
    "Anchor recall: a gold directive anchor is found when a predicted requirement of the "
    "aligned meeting contains it (full-width ASCII folded to half-width on both sides). "
    "Requirements per anchor: predicted requirements / gold anchors, a precision proxy. "
    "Filter: keeping the prevention-meeting reports is the positive class. Baselines know "
    "nothing of meetings: they are given one meeting per gold meeting, so meeting detection and "
    "the filter are n/a for them; n/a: not predicted. Per level: gold level; a predicted "
    "meeting with no gold partner under its own level."
)


def _lookup(values: Mapping[str, Any], key: str) -> Any:
    value: Any = values
    for part in key.split("."):
        if value is None:
            return None
        value = value[part]
    return value


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return " / ".join(_number(value[part]) for part in ("precision", "recall", "f1"))
    return _number(value)


def _row(label: str, view: str, counts: Counts, values: Mapping[str, Any]) -> list[str]:
    cells = [label, dict(VIEWS)[view], str(counts.items), str(counts.gold_meetings)]
    for _, key, has_views in _COLUMNS:
        value = _lookup(values, key)
        if value is None:
            cells.append("n/a")
        elif has_views:
            cells.append(_cell(value[view]))
        else:
            cells.append(_cell(value) if view == "end_to_end" else "")
    return cells


def _table(first: str, rows: Iterable[list[str]]) -> list[str]:
    header = [first, "Scope", "Items", "Gold meetings", *(title for title, _, _ in _COLUMNS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return lines


def _confusion_table(confusion: Counter[tuple[str, str]]) -> list[str]:
    gold_labels = sorted({g for g, _ in confusion}, key=lambda g: (g != POSITIVE, g))
    predicted = [KEPT, *sorted({p for _, p in confusion} - {KEPT})]
    lines = [
        "| Gold \\ filter | " + " | ".join(predicted) + " |",
        "|" + "---|" * (len(predicted) + 1),
    ]
    for g in gold_labels:
        cells = [str(confusion.get((g, p), 0)) for p in predicted]
        lines.append(f"| {g} | " + " | ".join(cells) + " |")
    return lines


def render_set_markdown(name: str, results: Mapping[str, SetScores], rules: str) -> str:
    """The tables of one report set: annotators (rules first), rules per level, the filter's
    confusion, the protocol."""
    rows = [
        _row(annotator, view, scores.total, scores.metrics())
        for annotator, scores in results.items()
        for view, _ in VIEWS
    ]
    any_scores = next(iter(results.values()))
    positives = any_scores.total.filter.tp + any_scores.total.filter.fn
    lines = [
        f"**Report set `{name}`**: {any_scores.total.items} items, {positives} of them reports "
        "of prevention meetings (not the seed corpus)",
        "",
        *_table("Annotator", rows),
        "",
    ]
    scores = results.get(rules)
    if scores is not None:
        level_rows = [
            _row(level, view, counts, scores.metrics(level))
            for level, counts in sorted(scores.by_level.items(), key=_level_order)
            for view, _ in VIEWS
        ]
        lines += [f"**`{name}`: {rules} per level**", "", *_table("Level", level_rows), ""]
        if "filter" in scores.fields:
            confusion = scores.total.confusion
            lines += [f"**`{name}`: filter decisions**", "", *_confusion_table(confusion), ""]
    return "\n".join(lines) + "\n"


def render_failures(failures: Iterable[Failure]) -> str:
    return "\n".join(str(f) for f in failures)


def failure_patterns(failures: Iterable[Failure]) -> Counter[tuple[str, str]]:
    """How often each (field, kind) fails: missed, spurious or wrong."""
    out: Counter[tuple[str, str]] = Counter()
    for f in failures:
        if f.predicted in ("—", "none"):
            kind = "missed"
        elif f.gold in ("—", "none"):
            kind = "spurious"
        else:
            kind = "wrong"
        out[(f.field, kind)] += 1
    return out


def set_report(
    name: str, results: Mapping[str, SetScores], rules: str, fingerprint: str
) -> dict[str, Any]:
    """The JSON entry of one set: figures per annotator, the markdown, and the fingerprint of
    the rules that were scored."""
    return {
        "rules_fingerprint": fingerprint,
        "annotators": {annotator: scores.to_dict() for annotator, scores in results.items()},
        "markdown": render_set_markdown(name, results, rules),
    }


DEFAULT_SET_DIRS = ("evalsets/fresh", "evalsets/fresh2", "evalsets/written")
"""Report-set directories in the repository that every ``evaluate`` scores when present."""


def merge_sets(
    previous: Mapping[str, Any], fresh: Mapping[str, Any], fingerprint: str
) -> tuple[dict[str, Any], list[str]]:
    """The sets of the new report: every freshly scored one, and each previous one that was
    scored with the same rules (same fingerprint); also the names of the stale sets left out."""
    merged = dict(fresh)
    stale = []
    for name, entry in sorted(previous.items()):
        if name in merged:
            continue
        if entry.get("rules_fingerprint") == fingerprint:
            merged[name] = entry
        else:
            stale.append(name)
    return dict(sorted(merged.items())), stale


def iter_sets(directories: Iterable[Path]) -> Iterator[ReportSet]:
    """Every set of every directory; two sets of one name are an error."""
    seen: dict[str, Path] = {}
    for directory in directories:
        for report_set in load_report_sets(directory):
            if report_set.name in seen:
                raise EvalSetError(
                    [
                        Problem(
                            str(directory),
                            1,
                            1,
                            "",
                            f"set {report_set.name!r} is also in {seen[report_set.name]}",
                        )
                    ]
                )
            seen[report_set.name] = directory
            yield report_set


__all__ = [
    "ALL_FIELDS",
    "DEFAULT_SET_DIRS",
    "EXTRA_REASONS",
    "Counts",
    "EvalSetError",
    "Failure",
    "GoldItem",
    "GoldMeeting",
    "ItemPrediction",
    "LabelledReport",
    "PredictedMeeting",
    "Report",
    "ReportSet",
    "SetScores",
    "agreement",
    "align",
    "convener_overlap",
    "failure_patterns",
    "from_annotation",
    "iter_sets",
    "load_report_set",
    "load_report_sets",
    "merge_sets",
    "metrics",
    "parse_gold",
    "parse_reports",
    "predict",
    "render_failures",
    "render_set_markdown",
    "rules_fingerprint",
    "score_baseline",
    "score_item",
    "score_predictions",
    "score_rules",
    "set_report",
]
