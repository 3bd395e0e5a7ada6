"""A Label Studio export (JSON, a list of tasks with their annotations) back into gold annotations.

Each task's submitted annotation becomes ``annotations/hand/<doc_id>.yaml``: quotes and offsets
from the regions over the raw text, requirement ``text`` (and the convener) derived from the
quote (:func:`covidmeet_ds.text.labels.requirement_text`), and provenance: origin ``rules`` with
the rule versions the task was pre-annotated with, the Label Studio user who submitted it as
annotator and reviewer (submitting a task in Label Studio is checking every region it shows),
and the date of the submission taken from the export (never the clock: an import is
deterministic). Everything is checked before anything is written; an existing annotation is
replaced only with ``force``; the written files are validated and removed again if they do not
pass.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..corpus import InputError, Layout, decode_utf8, parse_yaml, write_text_atomic
from ..drafts import GUIDELINES_VERSION
from ..jsonpos import line_column
from ..models import RULE_VERSION_PATTERN, Annotation, ManifestEntry
from ..problems import Problem, error_message, field_path, input_problem
from ..promote import _manifest_edit, clean_gold_yaml
from ..reader import iter_manifest, raw_text, read_regular_file, read_text
from ..text.labels import requirement_text
from ..text.normalise import NormalisedText, normalise
from ..validate import validate_corpus
from .config import CONTROL_BY_NAME, SPAN, SPAN_LABELS, TEXT
from .offsets import from_utf16

Path_ = tuple[str | int, ...]
"""A JSON path into the export: ``(3, "annotations", 0, "result", 5)``."""

_ISO_DAY_PREFIX = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ]|$)")
PRECISION_OF_LENGTH = {4: "year", 7: "month", 10: "day"}


class _Refused(Exception):
    """One problem that stops a task: its path in the export and the message."""

    def __init__(self, path: Path_, message: str):
        super().__init__(message)
        self.path = path
        self.message = message


@dataclass
class Region:
    """A span over the raw text and the controls attached to it."""

    region_id: str
    label: str
    start: int
    end: int
    path: Path_
    controls: dict[str, tuple[Any, Path_]] = field(default_factory=dict)

    def first_text(self, name: str) -> str | None:
        """The one value of a single-value text area (None when empty)."""
        entries = self.texts(name)
        if len(entries) > 1:
            raise _Refused(
                (*self.controls[name][1], "value", "text"),
                f"{name} takes one value, found {len(entries)}: {entries}",
            )
        return entries[0] if entries else None

    def texts(self, name: str) -> list[str]:
        """The non-empty lines of a text area (every submission, every line)."""
        value = self.controls.get(name, ([], ()))[0]
        return [line.strip() for entry in value for line in entry.splitlines() if line.strip()]

    def choices(self, name: str) -> list[str]:
        return list(self.controls.get(name, ([], ()))[0])

    def choice(self, name: str) -> str | None:
        chosen = self.choices(name)
        return chosen[0] if chosen else None

    def number(self, name: str) -> int | None:
        return self.controls.get(name, (None, ()))[0]

    def note(self) -> str | None:
        lines = self.texts("note")
        return "\n".join(lines) if lines else None


@dataclass(frozen=True)
class Imported:
    """One task turned into a gold annotation, ready to be written."""

    doc_id: str
    annotation: Annotation
    text: str
    task_path: Path_


@dataclass
class ImportOutcome:
    """What an import wrote, what it skipped (tasks without a submitted annotation) and the
    problems that stopped it (then nothing was written)."""

    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# --- reading results -------------------------------------------------------------------------


def _expect(value: Any, kind: type | tuple[type, ...], path: Path_, what: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, kind):
        raise _Refused(path, f"{what} must be {_kind_name(kind)}, found {_json_kind(value)}")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {dict: "an object", list: "a list", str: "a string", int: "an integer"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "a list", str: "a string", int: "an integer"}.get(
        type(value), type(value).__name__
    )


def _member(item: dict, key: str, kind: type | tuple[type, ...], path: Path_) -> Any:
    if key not in item:
        raise _Refused(path, f"{key!r} is missing")
    return _expect(item[key], kind, (*path, key), key)


def _offsets(raw: str, value: dict, path: Path_) -> tuple[int, int]:
    """The region's code-point offsets. Its ``text`` decides between code points (Label Studio
    1.x) and UTF-16 units (older exports) when a character outside the BMP comes before it."""
    start = _member(value, "start", int, path)
    end = _member(value, "end", int, path)
    if not 0 <= start < end <= len(raw) + sum(1 for c in raw if ord(c) > 0xFFFF):
        raise _Refused((*path, "start"), f"offsets {start}–{end} are outside the text")
    if "text" not in value:
        if end > len(raw):
            raise _Refused((*path, "end"), f"offset {end} is past the text's end ({len(raw)})")
        return start, end
    said = _expect(value["text"], str, (*path, "text"), "a span's text")
    if raw[start:end] == said:
        return start, end
    converted = from_utf16(raw, start), from_utf16(raw, end)
    if None not in converted and raw[converted[0] : converted[1]] == said:
        return converted  # type: ignore[return-value]
    held = raw[start:end]
    raise _Refused(
        (*path, "text"),
        f"offsets {start}–{end} hold {_short(held)} in the task's text, but the region's text "
        f"is {_short(said)}",
    )


def _short(text: str) -> str:
    return repr(text if len(text) <= 30 else text[:30] + "…")


def _payload(control_name: str, kind: str, value: dict, path: Path_) -> Any:
    control = CONTROL_BY_NAME[control_name]
    if kind != control.result_type:
        raise _Refused(
            (*path[:-1], "type"),
            f"{control_name} results have type {control.result_type!r}, found {kind!r}",
        )
    if kind == "choices":
        chosen = _member(value, "choices", list, path)
        for i, choice in enumerate(chosen):
            _expect(choice, str, (*path, "choices", i), "a choice")
            if choice not in control.values:
                raise _Refused(
                    (*path, "choices", i),
                    f"{choice!r} is not a value of {control_name} "
                    f"(one of: {', '.join(control.values)})",
                )
        if len(chosen) > 1 and not control.multiple:
            raise _Refused((*path, "choices"), f"{control_name} takes one choice, found {chosen}")
        return chosen
    if kind == "textarea":
        entries = _member(value, "text", list, path)
        for i, entry in enumerate(entries):
            _expect(entry, str, (*path, "text", i), "a text entry")
        return entries
    number = value.get("number")
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    return _expect(number, int, (*path, "number"), f"{control_name}'s number")


def read_regions(
    raw: str, result: list, path: Path_
) -> tuple[dict[str, Region], dict[str, tuple[Any, Path_]]]:
    """The regions of an annotation's ``result`` and its document-level controls."""
    regions: dict[str, Region] = {}
    attached: list[tuple[str, str, Any, Path_]] = []
    document: dict[str, tuple[Any, Path_]] = {}
    for index, item in enumerate(result):
        here = (*path, index)
        _expect(item, dict, here, "a result item")
        kind = _member(item, "type", str, here)
        if kind == "relation":
            raise _Refused(here, "relations are not part of this labelling config")
        name = _member(item, "from_name", str, here)
        if _member(item, "to_name", str, here) != TEXT:
            raise _Refused((*here, "to_name"), f"to_name must be {TEXT!r}")
        value = _member(item, "value", dict, here)
        if name == SPAN:
            region_id = _member(item, "id", str, here)
            if kind != "labels":
                raise _Refused((*here, "type"), f"span results have type 'labels', found {kind!r}")
            labels = _member(value, "labels", list, (*here, "value"))
            if len(labels) != 1 or labels[0] not in SPAN_LABELS:
                raise _Refused(
                    (*here, "value", "labels"),
                    f"a region has one label of: {', '.join(SPAN_LABELS)}; found {labels}",
                )
            if region_id in regions:
                raise _Refused((*here, "id"), f"region {region_id!r} has two span results")
            start, end = _offsets(raw, value, (*here, "value"))
            regions[region_id] = Region(region_id, labels[0], start, end, here)
            continue
        if name not in CONTROL_BY_NAME:
            raise _Refused(
                (*here, "from_name"),
                f"unknown control {name!r}: this export was not made with the config of "
                "`covidmeet-ds labelstudio export`",
            )
        payload = _payload(name, kind, value, (*here, "value"))
        if CONTROL_BY_NAME[name].regions:
            attached.append((_member(item, "id", str, here), name, payload, here))
        else:
            if name in document:
                raise _Refused(here, f"{name} is given twice")
            document[name] = (payload, here)
    for region_id, name, payload, here in attached:
        region = regions.get(region_id)
        if region is None:
            raise _Refused((*here, "id"), f"{name} is attached to {region_id!r}, which is no span")
        allowed = CONTROL_BY_NAME[name].regions
        if region.label not in allowed:
            raise _Refused(
                (*here, "from_name"),
                f"{name} is not for a {region.label} region (only {', '.join(allowed)})",
            )
        if name in region.controls:
            raise _Refused(here, f"region {region_id!r} has {name} twice")
        region.controls[name] = (payload, here)
    return regions, document


# --- regions into an annotation --------------------------------------------------------------


@dataclass
class _Built:
    """The annotation's data and, for each of its locations, the export path that holds it."""

    data: dict[str, Any]
    paths: dict[tuple, Path_]


def _evidence(raw: str, region: Region) -> dict[str, Any]:
    return {"quote": raw[region.start : region.end], "start": region.start, "end": region.end}


def _meeting_keys(regions: list[Region], path: Path_) -> dict[str, Region]:
    meetings: dict[str, Region] = {}
    alone = len([r for r in regions if r.label == "meeting"]) == 1
    for region in regions:
        if region.label != "meeting":
            continue
        key = region.choice("meeting") or ("m1" if alone else None)
        if key is None:
            raise _Refused(region.path, "with several meetings, each meeting region names its id")
        if key in meetings:
            raise _Refused(
                region.path, f"two meeting regions are {key} ({meetings[key].region_id!r} too)"
            )
        meetings[key] = region
    if not meetings and any(r.label not in ("report kind",) for r in regions):
        raise _Refused(path, "regions of a meeting but no meeting region: label its passage")
    return meetings


def _owner(region: Region, meetings: dict[str, Region]) -> str:
    key = region.choice("meeting")
    if key is None:
        if len(meetings) == 1:
            return next(iter(meetings))
        raise _Refused(region.path, f"the {region.label} region does not say which meeting")
    if key not in meetings:
        raise _Refused(
            (*region.controls["meeting"][1], "value", "choices"),
            f"meeting {key} has no meeting region in this task",
        )
    return key


def _one(regions: list[Region], label: str, key: str) -> Region | None:
    found = [r for r in regions if r.label == label]
    if len(found) > 1:
        raise _Refused(found[1].path, f"meeting {key} has {len(found)} {label} regions")
    return found[0] if found else None


def _date(raw: str, held: Region, region: Region | None) -> dict[str, Any]:
    if region is None:  # the text gives no date: the meeting region's note says why
        return {
            "value": None,
            "precision": "unknown",
            "time_of_day": None,
            "year_basis": "unknown",
            "evidence": None,
            "note": held.note(),
        }
    value = region.first_text("date_value")
    basis = region.choice("year_basis") or ("unknown" if value is None else None)
    if basis is None:
        raise _Refused(region.path, f"the date {value} has no year basis: choose one")
    return {
        "value": value,
        "precision": "unknown" if value is None else PRECISION_OF_LENGTH.get(len(value), "day"),
        "time_of_day": region.choice("time_of_day"),
        "year_basis": basis,
        "evidence": _evidence(raw, region),
        "note": region.note(),
    }


def _level(raw: str, region: Region | None, key: str, held: Region) -> dict[str, Any]:
    if region is None:
        raise _Refused(
            held.path, f"meeting {key} has no level region: label the words that show it"
        )
    level = region.choice("level")
    if level is None:
        raise _Refused(region.path, "the level region has no level: choose one")
    return {
        "level": level,
        "jurisdiction": region.first_text("jurisdiction"),
        "evidence": _evidence(raw, region),
        "note": region.note(),
    }


def _refuse_notes(regions: list[Region]) -> None:
    for region in regions:
        if "note" in region.controls and region.label not in CONTROL_BY_NAME["note"].regions:
            raise _Refused(region.controls["note"][1], f"a {region.label} region takes no note")


def _meeting(
    raw: str, doc: NormalisedText, key: str, held: Region, members: list[Region], built: _Built
) -> dict[str, Any]:
    index = len(built.data["meetings"])
    at = ("meetings", index)
    built.paths[at] = held.path
    convener = _one(members, "convener", key)
    date = _one(members, "date", key)
    level = _one(members, "level", key)
    if date is not None and held.note():
        raise _Refused(
            held.controls["note"][1],
            f"meeting {key} has a date region: its note belongs there (a meeting region's note "
            "says why there is no date)",
        )
    if date is not None:
        built.paths[(*at, "date")] = date.path
    if level is not None:
        built.paths[(*at, "level")] = level.path
    speakers = sorted((r for r in members if r.label == "speaker"), key=_text_order)
    requirements = sorted((r for r in members if r.label == "requirement"), key=_text_order)
    for number, region in enumerate(speakers):
        built.paths[(*at, "speakers", number)] = region.path
    for number, region in enumerate(requirements):
        built.paths[(*at, "requirements", number)] = region.path
    return {
        "meeting_id": key,
        "name": held.first_text("meeting_name"),
        "convener": (
            requirement_text(doc, convener.start, convener.end) if convener is not None else None
        ),
        "evidence": _evidence(raw, held),
        "date": _date(raw, held, date),
        "level": _level(raw, level, key, held),
        "speakers": [
            {
                "name": region.first_text("speaker_name"),
                "titles": region.texts("titles"),
                "roles": region.choices("roles"),
                "evidence": _evidence(raw, region),
                "note": region.note(),
            }
            for region in speakers
        ],
        "requirements": [
            {
                "ordinal": region.number("ordinal"),
                "section": region.number("section"),
                "text": requirement_text(doc, region.start, region.end),
                "category": _category(region),
                "evidence": _evidence(raw, region),
            }
            for region in requirements
        ],
    }


def _category(region: Region) -> str:
    category = region.choice("category")
    if category is None:
        raise _Refused(region.path, "the requirement region has no category: choose one")
    return category


def _text_order(region: Region) -> tuple[int, int]:
    return region.start, region.end


def _meeting_number(key: str) -> int:
    return int(key[1:])


def build_annotation(
    raw: str, regions: dict[str, Region], document: dict[str, tuple[Any, Path_]], path: Path_
) -> _Built:
    """The annotation's meetings, report kind, flags and notes from the regions (the caller adds
    identity and provenance)."""
    every = list(regions.values())
    _refuse_notes(every)
    meetings = _meeting_keys(every, path)
    members: dict[str, list[Region]] = {key: [] for key in meetings}
    report_regions = [r for r in every if r.label == "report kind"]
    for region in every:
        if region.label not in ("meeting", "report kind"):
            members[_owner(region, meetings)].append(region)
    kind = document.get("report_kind", ([], path))[0]
    if not kind:
        raise _Refused(path, "the report kind is not chosen (meeting_report or a near miss)")
    report_kind: dict[str, Any] = {"kind": kind[0]}
    if len(report_regions) > 1:
        raise _Refused(report_regions[1].path, "one report kind region at most")
    if report_regions:
        report_kind["evidence"] = _evidence(raw, report_regions[0])
    notes = [entry.strip() for entry in document.get("notes", ([], ()))[0] if entry.strip()]
    built = _Built({"report_kind": report_kind, "meetings": []}, {})
    doc = normalise(raw)
    for key in sorted(meetings, key=_meeting_number):
        meeting = _meeting(raw, doc, key, meetings[key], members[key], built)
        built.data["meetings"].append(meeting)
    built.data["quality_flags"] = list(document.get("quality_flags", ([], ()))[0])
    built.data["notes"] = "\n".join(notes) if notes else None
    if "report_kind" in document:
        built.paths[("report_kind",)] = document["report_kind"][1]
    return built


# --- tasks ---------------------------------------------------------------------------------


def _person(annotation: dict, path: Path_, annotator: str | None) -> str:
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        email = who.get("email")
        name = " ".join(
            part.strip()
            for part in (who.get("first_name"), who.get("last_name"))
            if isinstance(part, str) and part.strip()
        )
        if isinstance(email, str) and email.strip():
            return f"{name} <{email.strip()}>" if name else email.strip()
        if name:
            return name
    if annotator:
        return annotator
    raise _Refused(
        (*path, "completed_by"),
        f"the annotator is only a user id ({who!r}): export from Label Studio with user details "
        "(the Export dialog's JSON, or the exports API) or name them with --annotator",
    )


def _submitted_on(annotation: dict, path: Path_) -> date:
    for key in ("updated_at", "created_at"):
        stamp = annotation.get(key)
        if isinstance(stamp, str):
            match = _ISO_DAY_PREFIX.match(stamp)
            if match:
                try:
                    return date.fromisoformat(match.group(1))
                except ValueError:
                    raise _Refused((*path, key), f"{stamp!r} is not a calendar date") from None
    raise _Refused(path, "the annotation has no updated_at or created_at timestamp")


def _submitted(task: dict, path: Path_) -> tuple[dict, Path_] | None:
    annotations = _member(task, "annotations", list, path)
    kept = []
    for index, annotation in enumerate(annotations):
        here = (*path, "annotations", index)
        _expect(annotation, dict, here, "an annotation")
        if annotation.get("was_cancelled") is True:
            continue
        kept.append((annotation, here))
    if len(kept) > 1:
        raise _Refused(
            kept[1][1],
            f"the task has {len(kept)} submitted annotations: keep one (delete or skip the others "
            "in Label Studio)",
        )
    return kept[0] if kept else None


def _rules(data: dict, path: Path_) -> list[str]:
    rules = _member(data, "rules", list, path)
    for index, rule in enumerate(rules):
        _expect(rule, str, (*path, "rules", index), "a rule version")
        if not re.fullmatch(RULE_VERSION_PATTERN, rule):
            raise _Refused((*path, "rules", index), f"{rule!r} is not name:version")
    if not rules:
        raise _Refused((*path, "rules"), "the task names no rule versions")
    return rules


def import_task(
    task: Any, path: Path_, entries: dict[str, ManifestEntry], layout: Layout, annotator: str | None
) -> Imported | None:
    """One task as a gold annotation (None when it has no submitted annotation)."""
    _expect(task, dict, path, "a task")
    data = _member(task, "data", dict, path)
    doc_id = _member(data, "doc_id", str, (*path, "data"))
    text = _member(data, "text", str, (*path, "data"))
    entry = entries.get(doc_id)
    if entry is None:
        raise _Refused((*path, "data", "doc_id"), f"{doc_id!r} is not in raw/manifest.yaml")
    try:
        raw = raw_text(layout, entry)
    except InputError as error:
        raise _Refused((*path, "data"), f"raw/{entry.file}: {error.message}") from None
    if text != raw:
        raise _Refused(
            (*path, "data", "text"),
            f"the task's text is not raw/{entry.file} as it is now (offsets would not hold)",
        )
    sha = data.get("raw_sha256")
    if sha is not None and sha != entry.sha256:
        raise _Refused((*path, "data", "raw_sha256"), f"raw/{entry.file} changed since the export")
    rules = _rules(data, (*path, "data"))
    submitted = _submitted(task, path)
    if submitted is None:
        return None
    annotation, here = submitted
    result = _member(annotation, "result", list, here)
    regions, document = read_regions(raw, result, (*here, "result"))
    built = build_annotation(raw, regions, document, (*here, "result"))
    person = _person(annotation, here, annotator)
    day = _submitted_on(annotation, here).isoformat()
    gold = {
        "doc_id": doc_id,
        "annotator": "hand",
        "annotator_version": GUIDELINES_VERSION,
        "stage": "gold",
        "provenance": {
            "origin": "rules",
            "rules": rules,
            "annotated_by": person,
            "reviewed_by": person,
            "reviewed_on": day,
        },
        "raw_sha256": entry.sha256,
        "report_kind": built.data["report_kind"],
        "meetings": built.data["meetings"],
        "quality_flags": built.data["quality_flags"],
        "notes": built.data["notes"],
    }
    try:
        model = Annotation.model_validate(gold)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        loc = tuple(first["loc"]) + tuple((first.get("ctx") or {}).get("at", ()))
        raise _Refused(_closest(built.paths, loc, here), _in_words(loc, first)) from None
    return Imported(doc_id, model, clean_gold_yaml(model), path)


def _in_words(loc: tuple, error: dict) -> str:
    return f"{field_path(loc)}: {error_message(error)}"


def _closest(paths: dict[tuple, Path_], loc: tuple, fallback: Path_) -> Path_:
    """The export path of the region that holds ``loc`` (its longest known prefix)."""
    for length in range(len(loc), 0, -1):
        if loc[:length] in paths:
            return paths[loc[:length]]
    return fallback


# --- the command -----------------------------------------------------------------------------


def _problem(name: str, text: str, path: Path_, message: str) -> Problem:
    line, column = line_column(text, path)
    return Problem(name, line, column, field_path(path), message)


def read_export(path: Path) -> tuple[str, Any]:
    """The export's text and parsed JSON. Raises :class:`InputError` when it cannot be read
    (and ``OSError`` when it cannot be opened)."""
    text = decode_utf8(read_regular_file(path))
    try:
        return text, json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"not JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise InputError("not JSON this tool reads: nested too deeply") from None


def plan_import(
    root: Path, export: Path, annotator: str | None = None
) -> tuple[list[Imported], list[str], list[Problem]]:
    """The gold annotations an export holds, the doc ids of tasks not annotated yet, and the
    problems (every task is checked; any problem and nothing may be written)."""
    layout = Layout(root)
    name = str(export)
    try:
        text, data = read_export(export)
    except InputError as error:
        return [], [], [input_problem(name, error)]
    if not isinstance(data, list):
        return [], [], [Problem(name, 1, 1, "", "a Label Studio JSON export is a list of tasks")]
    try:
        entries = {entry.doc_id: entry for entry in iter_manifest(layout)}
    except InputError as error:
        return [], [], [input_problem(layout.relative(layout.manifest), error)]
    imported: list[Imported] = []
    skipped: list[str] = []
    problems: list[Problem] = []
    seen: dict[str, Path_] = {}
    for index, task in enumerate(data):
        try:
            done = import_task(task, (index,), entries, layout, annotator)
        except _Refused as refused:
            problems.append(_problem(name, text, refused.path, refused.message))
            continue
        if done is None:
            skipped.append(task["data"]["doc_id"])
            continue
        if done.doc_id in seen:
            first = field_path(seen[done.doc_id])
            problems.append(
                _problem(name, text, (index,), f"{done.doc_id} is annotated twice (also {first})")
            )
            continue
        seen[done.doc_id] = (index,)
        imported.append(done)
    return imported, skipped, problems


def _existing(layout: Layout, imported: Imported, force: bool) -> list[Problem]:
    problems = []
    for folder in ("hand", "draft"):
        target = layout.annotation_path(folder, imported.doc_id)
        if os.path.lexists(target) and not force:
            problems.append(
                Problem(
                    layout.relative(target),
                    1,
                    1,
                    "",
                    f"exists already: the import of {imported.doc_id} would replace it "
                    "(--force replaces it)",
                )
            )
    return problems


def import_export(
    root: Path, export: Path, force: bool = False, annotator: str | None = None
) -> ImportOutcome:
    """Write the gold annotations of a Label Studio export (see the module's docstring)."""
    layout = Layout(root)
    imported, skipped, problems = plan_import(root, export, annotator)
    for item in imported:
        problems += _existing(layout, item, force)
    outcome = ImportOutcome(skipped=skipped)
    if problems:
        outcome.problems = sorted(set(problems))
        return outcome
    if not imported:
        return outcome
    try:
        manifest_before = read_text(layout, layout.manifest)[0]
        manifest = parse_yaml(manifest_before)
    except InputError as error:
        outcome.problems = [input_problem(layout.relative(layout.manifest), error)]
        return outcome
    before: dict[Path, str | None] = {}
    written: list[Path] = []
    try:
        for item in imported:
            for folder in ("hand", "draft"):
                target = layout.annotation_path(folder, item.doc_id)
                before[target] = read_text(layout, target)[0] if os.path.lexists(target) else None
            gold = layout.annotation_path("hand", item.doc_id)
            write_text_atomic(gold, item.text)
            written.append(gold)
            draft = layout.annotation_path("draft", item.doc_id)
            if before[draft] is not None:  # --force: the import replaces the draft
                draft.unlink()
        write_text_atomic(layout.manifest, _manifest_edit(manifest, [i.doc_id for i in imported]))
        found = validate_corpus(root, written)
    except (OSError, InputError) as error:
        _restore(layout, manifest_before, before)
        message = error.message if isinstance(error, InputError) else (error.strerror or error)
        where = getattr(error, "filename", None) or "a file"
        outcome.problems = [Problem(str(where), 1, 1, "", f"cannot write: {message}")]
        return outcome
    if found:
        _restore(layout, manifest_before, before)
        outcome.problems = found
        return outcome
    outcome.written = [layout.relative(path) for path in written]
    return outcome


def _restore(layout: Layout, manifest_text: str, before: dict[Path, str | None]) -> None:
    """Every file as it was before the import began."""
    for path, text in before.items():
        if text is None:
            path.unlink(missing_ok=True)
        else:
            write_text_atomic(path, text)
    write_text_atomic(layout.manifest, manifest_text)


__all__ = [
    "ImportOutcome",
    "Imported",
    "Region",
    "build_annotation",
    "import_export",
    "import_task",
    "plan_import",
    "read_export",
    "read_regions",
]
