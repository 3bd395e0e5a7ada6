"""Label Studio export and import without a server: the config, the tasks, offsets, the import of
exports (as Label Studio writes them) into gold, and every kind of malformed export refused with
its location. The round trip through a real server is ``test_labelstudio_server.py``."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from covidmeet_ds.annotate import annotate_text
from covidmeet_ds.cli import main
from covidmeet_ds.corpus import Layout
from covidmeet_ds.drafts import draft_from_rules, draft_yaml
from covidmeet_ds.jsonpos import line_column
from covidmeet_ds.labelstudio.config import CONTROL_BY_NAME, SPAN_LABELS, label_config
from covidmeet_ds.labelstudio.offsets import from_utf16, to_utf16, utf16_length
from covidmeet_ds.models import Annotation, Level, QualityFlag, ReportKindName, Role
from covidmeet_ds.reader import iter_manifest, raw_text
from covidmeet_ds.taxonomy import category_names
from covidmeet_ds.validate import validate_corpus

from .conftest import tree_snapshot
from .labelstudio_corpus import DOC_ID, TEXT, written_corpus

PERSON = {"id": 7, "email": "reviewer@example.org", "first_name": "Lin", "last_name": "Wei"}
SUBMITTED = "2024-05-01T23:59:58.123456Z"


def _export(root: Path, doc_ids: list[str], to: Path, *extra: str) -> list[dict[str, Any]]:
    assert (
        main(["labelstudio", "export", *doc_ids, "--root", str(root), "--to", str(to), *extra]) == 0
    )
    return json.loads(to.read_text("utf-8"))


def _as_label_studio_export(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tasks as Label Studio exports them after a person submitted the predictions unchanged."""
    exported = []
    for number, task in enumerate(tasks, 1):
        annotation = {
            "id": number,
            "completed_by": dict(PERSON),
            "result": copy.deepcopy(task["predictions"][0]["result"]),
            "was_cancelled": False,
            "created_at": "2024-04-30T08:00:00Z",
            "updated_at": SUBMITTED,
            "lead_time": 12.5,
        }
        exported.append({"id": number, "data": task["data"], "annotations": [annotation]})
    return exported


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return written_corpus(tmp_path / "corpus")


@pytest.fixture
def export(corpus: Path, tmp_path: Path) -> list[dict[str, Any]]:
    """A valid export of the written report: the rules' regions, submitted unchanged."""
    return _as_label_studio_export(_export(corpus, [DOC_ID], tmp_path / "tasks.json"))


def _import(corpus: Path, path: Path, *extra: str) -> int:
    return main(["labelstudio", "import", str(path), "--root", str(corpus), *extra])


# --- the config -----------------------------------------------------------------------------


def test_the_config_offers_exactly_the_models_values() -> None:
    root = ET.fromstring(label_config())
    names = [e.get("name") for e in root.iter() if e.get("name")]
    assert len(names) == len(set(names)), "a tag name occurs once in a Label Studio config"
    assert [e.get("value") for e in root.iter("Label")] == list(SPAN_LABELS)
    offered = {
        e.get("name"): [c.get("value") for c in e.iter("Choice")] for e in root.iter("Choices")
    }
    assert offered["level"] == list(get_args(Level))
    assert offered["roles"] == list(get_args(Role))
    assert offered["category"] == list(category_names())
    assert offered["quality_flags"] == list(get_args(QualityFlag))
    assert offered["report_kind"] == list(get_args(ReportKindName))
    for element in root.iter():
        if element.get("toName"):
            assert element.get("toName") == "text"
        control = CONTROL_BY_NAME.get(element.get("name", ""))
        if control is not None:
            assert (element.get("perRegion") == "true") == bool(control.regions)


# --- offsets --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [TEXT, "a😀b", "😀😀", "𠀀", "plain", ""])
def test_utf16_offsets_convert_both_ways(text: str) -> None:
    assert utf16_length(text) == len(text.encode("utf-16-le")) // 2
    for index in range(len(text) + 1):
        units = to_utf16(text, index)
        assert units == len(text[:index].encode("utf-16-le")) // 2
        assert from_utf16(text, units) == index


def test_an_offset_inside_a_surrogate_pair_or_past_the_end_has_no_code_point() -> None:
    assert from_utf16("a😀b", 2) is None
    assert from_utf16("a😀b", 5) is None
    assert from_utf16("a😀b", 4) == 3


# --- export ---------------------------------------------------------------------------------


def test_tasks_carry_the_raw_text_and_regions_that_quote_it(corpus: Path, tmp_path: Path) -> None:
    [task] = _export(corpus, [DOC_ID], tmp_path / "tasks.json")
    assert task["data"]["text"] == TEXT
    rule = annotate_text(TEXT, doc_id=DOC_ID, published=date(2022, 3, 6))
    assert task["data"]["rules"] == rule.rules
    assert task["predictions"][0]["model_version"].endswith(" ".join(rule.rules))
    spans = [r for r in task["predictions"][0]["result"] if r["from_name"] == "span"]
    assert spans, "the rules find the meeting"
    for span in spans:
        value = span["value"]
        assert TEXT[value["start"] : value["end"]] == value["text"]
    ids = {r["id"] for r in spans}
    for item in task["predictions"][0]["result"]:
        if "start" in item["value"]:
            assert item["id"] in ids, "every per-region control belongs to a span"


def test_export_is_deterministic_and_replaces_only_with_force(corpus: Path, tmp_path: Path) -> None:
    first = tmp_path / "a.json"
    _export(corpus, [DOC_ID], first)
    again = tmp_path / "b.json"
    _export(corpus, [DOC_ID], again)
    assert first.read_bytes() == again.read_bytes()
    assert (tmp_path / "a.config.xml").read_text("utf-8") == label_config()
    before = first.read_bytes()
    assert main(["labelstudio", "export", DOC_ID, "--root", str(corpus), "--to", str(first)]) == 1
    assert first.read_bytes() == before
    _export(corpus, [DOC_ID], first, "--force")


def test_export_of_an_unknown_document_writes_nothing(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "t.json"
    assert (
        main(["labelstudio", "export", "no-such-doc", "--root", str(corpus), "--to", str(target)])
        == 1
    )
    assert "no document 'no-such-doc'" in capsys.readouterr().out
    assert not target.exists() and not (tmp_path / "t.config.xml").exists()


def test_export_by_default_takes_the_documents_without_gold(corpus: Path, tmp_path: Path) -> None:
    tasks = _export(corpus, [], tmp_path / "t.json")
    assert [t["data"]["doc_id"] for t in tasks] == [DOC_ID]


# --- import: the real corpus, unchanged predictions give the rules' meetings --------------------


def test_unchanged_predictions_import_as_the_rules_meetings(
    repo_copy: Path, tmp_path: Path
) -> None:
    layout = Layout(repo_copy)
    entries = {e.doc_id: e for e in iter_manifest(layout) if e.status == "annotated"}
    tasks = _export(repo_copy, sorted(entries), tmp_path / "tasks.json")
    path = _write(tmp_path / "export.json", _as_label_studio_export(tasks))
    assert _import(repo_copy, path, "--force") == 0
    for doc_id, entry in entries.items():
        text = (repo_copy / "annotations" / "hand" / f"{doc_id}.yaml").read_text("utf-8")
        gold = Annotation.model_validate(yaml.safe_load(text))
        rule = annotate_text(raw_text(layout, entry), doc_id=doc_id, published=entry.published)
        assert gold.meetings == rule.meetings, doc_id
        assert gold.quality_flags == rule.quality_flags
        assert gold.stage == "gold" and gold.report_kind.kind == "meeting_report"
        provenance = gold.provenance
        assert (provenance.origin, provenance.rules) == ("rules", rule.rules)
        assert provenance.annotated_by == "Lin Wei <reviewer@example.org>"
        assert provenance.reviewed_by == provenance.annotated_by
        assert provenance.reviewed_on == date(2024, 5, 1)  # the export's stamp, not today
    assert validate_corpus(repo_copy) == []


def test_utf16_offsets_of_older_exports_import_as_code_points(
    corpus: Path, tmp_path: Path, export: list[dict[str, Any]]
) -> None:
    expected_path = tmp_path / "expected"
    expected = written_corpus(expected_path)
    assert _import(expected, _write(tmp_path / "cp.json", export)) == 0
    in_units = copy.deepcopy(export)
    for item in in_units[0]["annotations"][0]["result"]:
        value = item["value"]
        if "start" in value:
            value["start"] = to_utf16(TEXT, value["start"])
            value["end"] = to_utf16(TEXT, value["end"])
    assert in_units != export, "the regions after 🦠 have other offsets in UTF-16"
    assert _import(corpus, _write(tmp_path / "u16.json", in_units)) == 0
    name = f"annotations/hand/{DOC_ID}.yaml"
    assert (corpus / name).read_bytes() == (expected / name).read_bytes()


def test_import_is_deterministic_and_marks_the_document_annotated(
    corpus: Path, tmp_path: Path, export: list[dict[str, Any]]
) -> None:
    path = _write(tmp_path / "export.json", export)
    assert _import(corpus, path) == 0
    gold = corpus / "annotations" / "hand" / f"{DOC_ID}.yaml"
    first = gold.read_bytes()
    assert _import(corpus, path, "--force") == 0
    assert gold.read_bytes() == first
    assert (
        yaml.safe_load((corpus / "raw" / "manifest.yaml").read_text("utf-8"))["documents"][0][
            "status"
        ]
        == "annotated"
    )
    assert validate_corpus(corpus) == []


def test_a_task_without_a_submitted_annotation_is_skipped(
    corpus: Path, tmp_path: Path, export: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    export[0]["annotations"][0]["was_cancelled"] = True
    before = tree_snapshot(corpus)
    assert _import(corpus, _write(tmp_path / "e.json", export)) == 0
    assert f"skipped {DOC_ID}" in capsys.readouterr().err
    assert tree_snapshot(corpus) == before


def test_a_user_id_needs_the_annotator_named(
    corpus: Path, tmp_path: Path, export: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    export[0]["annotations"][0]["completed_by"] = 7
    path = _write(tmp_path / "e.json", export)
    assert _import(corpus, path) == 1
    assert "[0].annotations[0].completed_by" in capsys.readouterr().out
    assert _import(corpus, path, "--annotator", "Lin Wei") == 0
    gold = yaml.safe_load((corpus / "annotations" / "hand" / f"{DOC_ID}.yaml").read_text("utf-8"))
    assert gold["provenance"]["annotated_by"] == "Lin Wei"


def test_an_existing_draft_is_replaced_only_with_force(
    corpus: Path, tmp_path: Path, export: list[dict[str, Any]]
) -> None:
    rule = annotate_text(TEXT, doc_id=DOC_ID, published=date(2022, 3, 6))
    draft = corpus / "annotations" / "draft" / f"{DOC_ID}.yaml"
    draft.parent.mkdir(parents=True)
    draft.write_text(draft_yaml(draft_from_rules(rule, "Lin Wei")), "utf-8")
    manifest = corpus / "raw" / "manifest.yaml"
    manifest.write_text(manifest.read_text("utf-8").replace("unannotated", "draft"), "utf-8")
    assert validate_corpus(corpus) == []
    before = tree_snapshot(corpus)
    path = _write(tmp_path / "e.json", export)
    assert _import(corpus, path) == 1
    assert tree_snapshot(corpus) == before
    assert _import(corpus, path, "--force") == 0
    assert not draft.exists()
    assert validate_corpus(corpus) == []


# --- malformed exports: a located problem, nothing written ------------------------------------


def _result(export: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return export[0]["annotations"][0]["result"]


def _item(export: list[dict[str, Any]], region: str, name: str) -> dict[str, Any]:
    [item] = [r for r in _result(export) if r["id"] == region and r["from_name"] == name]
    return item


def _remove(export: list[dict[str, Any]], region: str, name: str) -> None:
    _result(export).remove(_item(export, region, name))


def _second_meeting(export: list[dict[str, Any]]) -> None:
    start = TEXT.index("研究部署")
    value = {"start": start, "end": start + 4, "text": "研究部署", "labels": ["meeting"]}
    _result(export).append(
        {"id": "x", "from_name": "span", "to_name": "text", "type": "labels", "value": value}
    )
    choice = {"start": start, "end": start + 4, "choices": ["m2"]}
    _result(export).append(
        {"id": "x", "from_name": "meeting", "to_name": "text", "type": "choices", "value": choice}
    )


def _set(export: list[dict[str, Any]], region: str, name: str, key: str, value: Any) -> None:
    _item(export, region, name)["value"][key] = value


MALFORMED = {
    "not a list": (lambda e: {"tasks": e}, "", "a Label Studio JSON export is a list of tasks"),
    "task not an object": (lambda e: [1], "[0]", "a task must be an object"),
    "no data": (lambda e: [{"annotations": []}], "[0]", "'data' is missing"),
    "unknown document": (
        lambda e: e[0]["data"].update(doc_id="nowhere"),
        "[0].data.doc_id",
        "not in raw/manifest.yaml",
    ),
    "text not the raw file": (
        lambda e: e[0]["data"].update(text=TEXT + "x"),
        "[0].data.text",
        "is not raw/",
    ),
    "no rule versions": (
        lambda e: e[0]["data"].update(rules=[]),
        "[0].data.rules",
        "names no rule versions",
    ),
    "unknown control": (
        lambda e: _item(e, "m1-r1", "category").update(from_name="kategorie"),
        "[0].annotations[0].result[",
        "unknown control 'kategorie'",
    ),
    "two labels on a span": (
        lambda e: _set(e, "m1-r1", "span", "labels", ["requirement", "speaker"]),
        ".value.labels",
        "a region has one label",
    ),
    "offsets outside the text": (
        lambda e: _set(e, "m1-r1", "span", "end", 10_000),
        ".value.start",
        "outside the text",
    ),
    "offsets that hold other text": (
        lambda e: _set(e, "m1-r1", "span", "text", "要加强别的"),
        ".value.text",
        "but the region's text is",
    ),
    "an offset that is not an integer": (
        lambda e: _set(e, "m1-r1", "span", "start", "89"),
        ".value.start",
        "start must be an integer, found a string",
    ),
    "a control on a missing region": (
        lambda e: _item(e, "m1-r1", "category").update(id="gone"),
        ".id",
        "attached to 'gone', which is no span",
    ),
    "a control on the wrong kind of region": (
        lambda e: _item(e, "m1-r1", "category").update(id="m1-s1"),
        ".from_name",
        "category is not for a speaker region",
    ),
    "a value the config does not offer": (
        lambda e: _set(e, "m1-r1", "category", "choices", ["testing"]),
        ".value.choices[0]",
        "'testing' is not a value of category",
    ),
    "two choices for a single choice": (
        lambda e: _set(e, "m1-r1", "category", "choices", ["other", "schools"]),
        ".value.choices",
        "category takes one choice",
    ),
    "a number that is a string": (
        lambda e: _set(e, "m1-r1", "ordinal", "number", "1"),
        ".value.number",
        "ordinal's number must be an integer",
    ),
    "a relation": (
        lambda e: _result(e).append({"type": "relation", "from_id": "m1", "to_id": "m1-r1"}),
        "[0].annotations[0].result[",
        "relations are not part of this labelling config",
    ),
    "a requirement without category": (
        lambda e: _remove(e, "m1-r1", "category"),
        "[0].annotations[0].result[",
        "the requirement region has no category",
    ),
    "a meeting without a level": (
        lambda e: (
            _remove(e, "m1-level", "span")
            or _remove(e, "m1-level", "level")
            or _remove(e, "m1-level", "note")
            or _remove(e, "m1-level", "meeting")
        ),
        "[0].annotations[0].result[0]",
        "meeting m1 has no level region",
    ),
    "a region of no meeting among two": (
        lambda e: _second_meeting(e) or _remove(e, "m1-s1", "meeting"),
        "[0].annotations[0].result[",
        "the speaker region does not say which meeting",
    ),
    "a meeting that has no region": (
        lambda e: _set(e, "m1-s1", "meeting", "choices", ["m3"]),
        ".value.choices",
        "meeting m3 has no meeting region",
    ),
    "no report kind": (
        lambda e: _result(e).remove(next(r for r in _result(e) if r["from_name"] == "report_kind")),
        "[0].annotations[0].result",
        "the report kind is not chosen",
    ),
    "two submitted annotations": (
        lambda e: e[0]["annotations"].append(copy.deepcopy(e[0]["annotations"][0])),
        "[0].annotations[1]",
        "2 submitted annotations",
    ),
    "an impossible date": (
        lambda e: _set(e, "m1-date", "date_value", "text", ["2022-02-30"]),
        "[0].annotations[0].result[",
        "meetings[0].date.value: 2022-02-30 is not a calendar date",
    ),
    "a note on a requirement": (
        lambda e: _result(e).append(
            {
                **_item(e, "m1-r1", "category"),
                "from_name": "note",
                "type": "textarea",
                "value": {**_item(e, "m1-r1", "category")["value"], "text": ["x"]},
            }
        ),
        "[0].annotations[0].result[",
        "note is not for a requirement region",
    ),
    "two values for a single-value text area": (
        lambda e: _set(e, "m1-date", "date_value", "text", ["2022-03-05", "2022-03-06"]),
        ".value.text",
        "date_value takes one value, found 2",
    ),
    "a single value on two lines": (
        lambda e: _set(e, "m1-s1", "speaker_name", "text", ["李明远\n周文华"]),
        ".value.text",
        "speaker_name takes one value, found 2",
    ),
    "a submission date that is no date": (
        lambda e: e[0]["annotations"][0].update(updated_at="2024-13-01T00:00:00Z"),
        "[0].annotations[0].updated_at",
        "is not a calendar date",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_export_is_refused_where_it_is_wrong(
    case: str,
    corpus: Path,
    tmp_path: Path,
    export: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    change, where, message = MALFORMED[case]
    changed = change(export)
    data = export if changed is None else changed
    path = _write(tmp_path / "export.json", data)
    before = tree_snapshot(corpus)
    assert _import(corpus, path) == 1
    output = capsys.readouterr().out
    assert message in output, output
    assert f"{path}:" in output
    field = output.split(": ", 2)[1] if where else ""
    assert where in field, output
    assert tree_snapshot(corpus) == before


def test_problems_carry_the_json_line_and_column(
    corpus: Path, tmp_path: Path, export: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    _set(export, "m1-r1", "category", "choices", ["testing"])
    path = _write(tmp_path / "export.json", export)
    assert _import(corpus, path) == 1
    location = capsys.readouterr().out.split(": ", 1)[0]
    line, column = (int(n) for n in location.rsplit(":", 2)[1:])
    text = path.read_text("utf-8")
    assert text.splitlines()[line - 1][column - 1 :].startswith('"testing"')


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [("{", 1, 2), ("[1,\n 2,,]", 2, 4), ("", 1, 1), ("[]x", 1, 3)],
)
def test_text_that_is_not_json_is_refused_at_its_position(
    corpus: Path,
    tmp_path: Path,
    text: str,
    line: int,
    column: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "export.json"
    path.write_text(text, "utf-8")
    assert _import(corpus, path) == 1
    assert f"{path}:{line}:{column}: not JSON" in capsys.readouterr().out


def test_line_column_follows_paths_through_objects_and_lists() -> None:
    text = '[\n {"a": 1,\n  "b": [true, {"c": "x"}]}\n]'
    assert line_column(text, (0, "b", 1, "c")) == (3, 21)
    assert line_column(text, (0, "a")) == (2, 8)
    assert line_column(text, (5,)) == (1, 1)  # beyond the list: the list itself
