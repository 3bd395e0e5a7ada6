"""Label Studio tasks pre-annotated with the rules' output.

One task per report: ``data`` holds the raw text exactly as in ``raw/`` (so offsets mean the same
in both), the doc id, the raw file's sha256 and the rule versions; ``predictions`` holds one
prediction whose ``model_version`` names those rules and whose ``result`` is the rule annotation
as regions (see :mod:`.config`). Region ids are deterministic (``m1``, ``m1-date``, ``m1-s2``,
``m1-r3`` …), so an export of the same rules over the same texts is byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..models import Annotation, Evidence, Meeting
from ..text import to_simplified
from ..validate import find_all
from .config import MAX_MEETINGS, SPAN, TEXT

MODEL_VERSION_PREFIX = "covidmeet_ds rules "
"""``model_version`` is this prefix and the rule versions, space-separated."""


@dataclass(frozen=True)
class Unplaced:
    """A rule value that has no span in the text, so the prediction cannot show it."""

    doc_id: str
    field: str
    value: str

    def __str__(self) -> str:
        return f"{self.doc_id}: {self.field} {self.value!r} was not found in the text"


def _span(region: str, label: str, raw: str, start: int, end: int) -> dict[str, Any]:
    value = {"start": start, "end": end, "text": raw[start:end], "labels": [label]}
    return {"id": region, "from_name": SPAN, "to_name": TEXT, "type": "labels", "value": value}


def _attached(region: str, name: str, kind: str, start: int, end: int, payload: Any) -> dict:
    key = {"choices": "choices", "textarea": "text", "number": "number"}[kind]
    value = {"start": start, "end": end, key: payload}
    return {"id": region, "from_name": name, "to_name": TEXT, "type": kind, "value": value}


def _document(region: str, name: str, kind: str, payload: Any) -> dict[str, Any]:
    key = {"choices": "choices", "textarea": "text"}[kind]
    return {"id": region, "from_name": name, "to_name": TEXT, "type": kind, "value": {key: payload}}


class _Region:
    """The results of one region: its span and the controls attached to it."""

    def __init__(self, region: str, label: str, raw: str, start: int, end: int, meeting: str):
        self.region, self.start, self.end = region, start, end
        self.results = [_span(region, label, raw, start, end)]
        self.choose("meeting", [meeting])

    def _add(self, name: str, kind: str, payload: Any) -> None:
        self.results.append(_attached(self.region, name, kind, self.start, self.end, payload))

    def choose(self, name: str, values: list[str]) -> None:
        if values:
            self._add(name, "choices", values)

    def write(self, name: str, texts: list[str] | str | None) -> None:
        entries = [texts] if isinstance(texts, str) else list(texts or [])
        if entries:
            self._add(name, "textarea", entries)

    def number(self, name: str, value: int | None) -> None:
        if value is not None:
            self._add(name, "number", value)


def _evidence_region(
    region: str, label: str, raw: str, evidence: Evidence, meeting: str
) -> _Region:
    return _Region(region, label, raw, evidence.start, evidence.end, meeting)


def locate(raw: str, value: str, near: int) -> tuple[int, int] | None:
    """The span of ``value`` in ``raw`` closest to ``near``, searching the text as written and
    then in Simplified script (a rule value is Simplified; the text may be Traditional). None
    when it occurs in neither."""
    starts = find_all(raw, value)
    if not starts:
        simplified = to_simplified(raw)
        if len(simplified) == len(raw):  # character for character: offsets carry over
            starts = find_all(simplified, value)
    if not starts:
        return None
    start = min(starts, key=lambda s: (abs(s - near), s))
    return start, start + len(value)


def _meeting_results(
    raw: str, doc_id: str, meeting: Meeting, unplaced: list[Unplaced]
) -> list[dict[str, Any]]:
    key = meeting.meeting_id
    results: list[dict[str, Any]] = []
    held = _evidence_region(key, "meeting", raw, meeting.evidence, key)
    held.write("meeting_name", meeting.name)
    date = meeting.date
    if date is not None and date.evidence is None and date.note:
        held.write("note", date.note)  # a meeting without a date region: the date's note
    results += held.results
    if meeting.convener:
        found = locate(raw, meeting.convener, meeting.evidence.start)
        if found is None:
            unplaced.append(Unplaced(doc_id, f"{key}.convener", meeting.convener))
        else:
            results += _Region(f"{key}-convener", "convener", raw, *found, key).results
    if date is not None and date.evidence is not None:
        region = _evidence_region(f"{key}-date", "date", raw, date.evidence, key)
        region.write("date_value", date.value)
        region.choose("time_of_day", [date.time_of_day] if date.time_of_day else [])
        region.choose("year_basis", [date.year_basis])
        region.write("note", date.note)
        results += region.results
    if meeting.level is not None:
        level = meeting.level
        region = _evidence_region(f"{key}-level", "level", raw, level.evidence, key)
        region.choose("level", [level.level])
        region.write("jurisdiction", level.jurisdiction)
        region.write("note", level.note)
        results += region.results
    for number, speaker in enumerate(meeting.speakers, 1):
        region = _evidence_region(f"{key}-s{number}", "speaker", raw, speaker.evidence, key)
        region.write("speaker_name", speaker.name)
        region.write("titles", speaker.titles)
        region.choose("roles", list(speaker.roles))
        region.write("note", speaker.note)
        results += region.results
    for number, requirement in enumerate(meeting.requirements, 1):
        region = _evidence_region(f"{key}-r{number}", "requirement", raw, requirement.evidence, key)
        region.choose("category", [requirement.category])
        region.number("ordinal", requirement.ordinal)
        region.number("section", requirement.section)
        results += region.results
    return results


def prediction_results(raw: str, rule: Annotation) -> tuple[list[dict[str, Any]], list[Unplaced]]:
    """The rule annotation as Label Studio results over ``raw``, and the values that could not
    be placed. Raises ``ValueError`` when the annotation has more meetings than the config
    offers or is not a rule annotation."""
    if rule.annotator != "rule":
        raise ValueError(f"{rule.doc_id}: tasks are pre-annotated from a rule annotation")
    if len(rule.meetings) > MAX_MEETINGS:
        raise ValueError(
            f"{rule.doc_id}: {len(rule.meetings)} meetings, more than the {MAX_MEETINGS} the "
            "labelling config offers"
        )
    unplaced: list[Unplaced] = []
    results: list[dict[str, Any]] = []
    for meeting in rule.meetings:
        results += _meeting_results(raw, rule.doc_id, meeting, unplaced)
    if rule.meetings:  # with no meeting found, the person decides what the report is
        results.append(_document("report-kind", "report_kind", "choices", ["meeting_report"]))
    if rule.quality_flags:
        results.append(_document("quality", "quality_flags", "choices", list(rule.quality_flags)))
    return results, unplaced


def task_for(raw: str, rule: Annotation) -> tuple[dict[str, Any], list[Unplaced]]:
    """The Label Studio task of one report, pre-annotated with ``rule``."""
    results, unplaced = prediction_results(raw, rule)
    task = {
        "data": {
            "text": raw,
            "doc_id": rule.doc_id,
            "raw_sha256": rule.raw_sha256,
            "rules": list(rule.rules),
        },
        "predictions": [
            {"model_version": MODEL_VERSION_PREFIX + " ".join(rule.rules), "result": results}
        ],
    }
    return task, unplaced


__all__ = ["MODEL_VERSION_PREFIX", "Unplaced", "locate", "prediction_results", "task_for"]
