"""Drafts, provenance, promotion, scope and report kinds (issue 13, items 2–4)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from covidmeet_ds.build.columns import DOCUMENTS, MEETINGS, REQUIREMENTS
from covidmeet_ds.cli import main
from covidmeet_ds.corpus import Layout, parse_yaml
from covidmeet_ds.drafts import DRAFT_MODELINE, GUIDELINES_VERSION, draft_from_rules, draft_yaml
from covidmeet_ds.evaluate import filter_scores, score
from covidmeet_ds.models import SCOPE_FIELDS, Annotation
from covidmeet_ds.promote import promote
from covidmeet_ds.reader import iter_documents, load_annotation
from covidmeet_ds.validate import iter_evidence, remaining_drafts, validate_corpus

from .conftest import REPO, tree_snapshot
from .rules_helpers import SEED_FILES

DOC_IDS = sorted(p.stem for p in (REPO / "annotations" / "rule").glob("*.yaml"))
HUBEI = "cri-hubei-provincial-teleconference"
SHANGHAI = "redian-shanghai-leading-group"


def _rule(doc_id: str) -> Annotation:
    annotation = load_annotation(Layout(REPO), "rule", doc_id)
    assert annotation is not None
    return annotation


def _gold_data(root: Path, doc_id: str) -> dict:
    return parse_yaml((root / "annotations" / "hand" / f"{doc_id}.yaml").read_text("utf-8")).data


# --- draft_from_rules ---------------------------------------------------------------------------


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_a_draft_from_the_rules_is_a_hand_draft_with_every_value_unchecked(doc_id: str) -> None:
    rule = _rule(doc_id)
    draft = draft_from_rules(rule, "An Annotator")
    assert (draft.annotator, draft.stage, draft.annotator_version) == (
        "hand",
        "draft",
        GUIDELINES_VERSION,
    )
    assert draft.rules == []
    provenance = draft.provenance
    assert provenance is not None and provenance.origin == "rules"
    assert provenance.rules == rule.rules and provenance.annotated_by == "An Annotator"
    assert provenance.reviewed_by is None and provenance.reviewed_on is None
    marks = dict(iter_evidence(draft))
    assert set(dict(iter_evidence(rule))) <= set(marks)  # a report with no meeting has none
    assert all(evidence.checked is False for evidence in marks.values())
    assert "Pre-filled from the rules" in (draft.notes or "")
    # the values are the rules' (only the marks differ)
    assert [m.evidence.quote for m in draft.meetings] == [m.evidence.quote for m in rule.meetings]
    assert draft.quality_flags == rule.quality_flags and draft.raw_sha256 == rule.raw_sha256


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_draft_yaml_reads_back_as_the_draft(doc_id: str) -> None:
    draft = draft_from_rules(_rule(doc_id), "An Annotator")
    text = draft_yaml(draft)
    assert text.startswith(DRAFT_MODELINE + "\n")
    assert Annotation.model_validate(parse_yaml(text).data) == draft


def test_a_draft_is_made_from_a_rule_annotation_only() -> None:
    gold = load_annotation(Layout(REPO), "hand", HUBEI)
    with pytest.raises(ValueError, match="rule annotation"):
        draft_from_rules(gold, "someone")


def test_a_rule_annotation_without_meetings_gives_a_draft_that_says_so() -> None:
    rule = _rule(HUBEI).model_copy(update={"meetings": []})
    draft = draft_from_rules(rule, "someone")
    assert draft.meetings == [] and draft.report_kind.kind == "meeting_report"
    assert "found no prevention meeting" in draft.report_kind.note
    # as gold, the contract refuses a meeting report without meetings: the reviewer decides
    data = draft.model_dump(mode="json") | {"stage": "gold"}
    data["provenance"] |= {"reviewed_by": "x", "reviewed_on": "2026-01-02"}
    with pytest.raises(ValidationError, match="at least one meeting"):
        Annotation.model_validate(data)


# --- the model's rules for stage, provenance, checked marks ---------------------------------------


def _hubei_gold() -> dict:
    return _gold_data(REPO, HUBEI)


def _refused(data: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Annotation.model_validate(data)


def test_gold_carries_no_checked_marks() -> None:
    data = _hubei_gold()
    data["meetings"][0]["evidence"]["checked"] = True
    _refused(data, "checked marks are for drafts only")


def test_every_evidence_of_a_draft_carries_a_checked_mark() -> None:
    draft = draft_from_rules(_rule(HUBEI), "someone").model_dump(mode="json")
    del draft["meetings"][1]["level"]["evidence"]["checked"]
    _refused(draft, "every evidence of a draft carries checked")


@pytest.mark.parametrize("name", ["stage", "provenance", "report_kind"])
def test_a_hand_annotation_needs_stage_provenance_and_report_kind(name: str) -> None:
    data = _hubei_gold()
    del data[name]
    _refused(data, f"a hand annotation needs {name}")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("stage", "gold"),
        ("provenance", {"origin": "scratch", "annotated_by": "x"}),
        ("scope", ["meetings"]),
        ("report_kind", {"kind": "meeting_report"}),
    ],
)
def test_rule_annotations_keep_their_shape(name: str, value: object) -> None:
    data = _rule(HUBEI).model_dump(mode="json") | {name: value}
    _refused(data, f"{name} is for hand annotations only")


def test_a_rule_annotation_dumps_without_the_hand_only_fields() -> None:
    dumped = _rule(HUBEI).model_dump(mode="json")
    assert not {"stage", "provenance", "scope", "report_kind"} & set(dumped)
    assert "checked" not in json.dumps(dumped)


@pytest.mark.parametrize(
    ("provenance", "message"),
    [
        ({"origin": "rules", "rules": []}, "origin 'rules' lists the rule versions"),
        ({"origin": "scratch", "rules": ["date:abc"]}, "origin 'scratch' lists no rule"),
        ({"reviewed_on": None}, "reviewed_by and reviewed_on are set together"),
        ({"reviewed_by": None, "reviewed_on": None}, "gold records who reviewed it"),
        ({"rules": ["not a version"], "origin": "rules"}, "String should match pattern"),
    ],
)
def test_provenance_is_coherent(provenance: dict, message: str) -> None:
    data = _hubei_gold()
    data["provenance"] |= provenance
    _refused(data, message)


def test_a_draft_has_not_been_reviewed_yet() -> None:
    draft = draft_from_rules(_rule(HUBEI), "someone").model_dump(mode="json")
    draft["provenance"] |= {"reviewed_by": "x", "reviewed_on": "2026-01-02"}
    _refused(draft, "a draft has not been reviewed yet")


# --- scope ----------------------------------------------------------------------------------------


def _without(data: dict, field: str) -> dict:
    data["scope"] = [name for name in SCOPE_FIELDS if name != field]
    for meeting in data["meetings"]:
        if field in ("speakers", "requirements"):
            meeting[field] = []
        else:
            meeting[field.removesuffix("s")] = None
    return data


@pytest.mark.parametrize("field", ["dates", "levels", "speakers", "requirements"])
def test_a_field_out_of_scope_is_empty_or_null(field: str) -> None:
    Annotation.model_validate(_without(_hubei_gold(), field))  # empty/null: valid
    data = _hubei_gold()
    data["scope"] = [name for name in SCOPE_FIELDS if name != field]
    _refused(data, f"{field} are out of scope")


@pytest.mark.parametrize("field", ["dates", "levels"])
def test_a_field_in_scope_is_not_null(field: str) -> None:
    data = _without(_hubei_gold(), field)
    data["scope"] = list(SCOPE_FIELDS)
    _refused(data, f"is null but {field} are in scope")


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        (["speakers"], "needs 'meetings' in scope"),
        (["meetings", "dates", "dates"], "listed twice"),
        (["meetings", "weather"], "Input should be"),
    ],
)
def test_scope_is_a_set_of_known_fields_under_meetings(scope: list[str], message: str) -> None:
    _refused(_hubei_gold() | {"scope": scope}, message)


def test_meetings_out_of_scope_hold_no_meeting() -> None:
    _refused(_hubei_gold() | {"scope": []}, "meetings are out of scope")
    Annotation.model_validate(_hubei_gold() | {"scope": [], "meetings": []})


def _write_gold(root: Path, data: dict) -> None:
    path = root / "annotations" / "hand" / f"{data['doc_id']}.yaml"
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(f"{DRAFT_MODELINE}\n{body}", encoding="utf-8")


def test_requirements_out_of_scope_are_not_published_as_none(repo_copy: Path) -> None:
    _write_gold(repo_copy, _without(_gold_data(repo_copy, HUBEI), "requirements"))
    assert validate_corpus(repo_copy) == []
    documents = {d.entry.doc_id: d for d in iter_documents(repo_copy)}
    rows = list(MEETINGS.rows(documents[HUBEI]))
    assert rows and all(row["requirements"] is None for row in rows)
    assert all(row["speakers"] is not None for row in rows)
    assert list(REQUIREMENTS.rows(documents[HUBEI])) == []
    # a document whose requirements are annotated still publishes [] for a meeting without any
    other = list(MEETINGS.rows(documents[SHANGHAI]))
    assert all(isinstance(row["requirements"], list) for row in other)


def test_levels_out_of_scope_publish_a_null_level(repo_copy: Path) -> None:
    _write_gold(repo_copy, _without(_gold_data(repo_copy, HUBEI), "levels"))
    assert validate_corpus(repo_copy) == []
    (document,) = [d for d in iter_documents(repo_copy) if d.entry.doc_id == HUBEI]
    for row in MEETINGS.rows(document):
        assert row["level"] is None and row["jurisdiction"] is None
        assert row["province_iso"] is None and row["date"] is not None


@pytest.mark.parametrize("field", ["dates", "levels", "speakers", "requirements"])
def test_evaluate_does_not_score_fields_out_of_scope(field: str) -> None:
    gold = Annotation.model_validate(_without(_hubei_gold(), field))
    full = Annotation.model_validate(_hubei_gold())
    rule = _rule(HUBEI)
    partial, whole = score({HUBEI: gold}, {HUBEI: rule}).total, score({HUBEI: full}, {HUBEI: rule})
    whole = whole.total
    assert partial.matched_meetings == whole.matched_meetings > 0
    if field == "dates":
        assert partial.dated_gold_meetings == 0 < whole.dated_gold_meetings
        assert partial.date_correct == partial.year_correct == 0
        assert partial.level_correct == whole.level_correct
    if field == "levels":
        assert partial.levelled_gold_meetings == 0 and partial.jurisdiction_correct == 0
        assert partial.date_correct == whole.date_correct
    if field == "speakers":
        assert partial.speaker_tp + partial.speaker_fp + partial.speaker_fn == 0
        assert partial.requirement_tp == whole.requirement_tp
    if field == "requirements":
        assert partial.requirement_tp + partial.requirement_fp + partial.requirement_fn == 0
        assert partial.speaker_tp == whole.speaker_tp


# --- report kinds ---------------------------------------------------------------------------------

PRESS_TEXT = (
    "青禾县举行疫情防控新闻发布会\n"
    "3月5日上午,青禾县人民政府新闻办公室举行新冠肺炎疫情防控新闻发布会,"
    "县卫生健康局负责人介绍了全县疫情防控工作进展情况,并回答了记者提问。"
    "发布会介绍,全县各乡镇持续做好重点人员排查和健康监测工作。\n"
)


def _add_press_conference(root: Path, gold: dict | None) -> str:
    """A near-miss written for this test, added to the corpus with its gold (or none)."""
    doc_id = "qinghe-press-conference"
    data = PRESS_TEXT.encode("utf-8")
    (root / "raw" / "900_press.txt").write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    status = "unannotated" if gold is None else "annotated"
    with (root / "raw" / "manifest.yaml").open("a", encoding="utf-8") as manifest:
        manifest.write(
            f"  - doc_id: {doc_id}\n    file: 900_press.txt\n    sha256: {sha}\n"
            f"    title: 青禾县举行疫情防控新闻发布会\n    source_site: null\n"
            f"    source_url: null\n    script: simplified\n    published: 2020-03-05\n"
            f"    status: {status}\n"
        )
    if gold is not None:
        quote = "举行新冠肺炎疫情防控新闻发布会"
        start = PRESS_TEXT.index(quote)
        report_kind = {
            "kind": "press_conference",
            "evidence": {"quote": quote, "start": start, "end": start + len(quote)},
        }
        _write_gold(
            root,
            _hubei_gold()
            | gold
            | {
                "doc_id": doc_id,
                "raw_sha256": sha,
                "report_kind": report_kind,
                "quality_flags": [],
                "notes": None,
            },
        )
    return doc_id


def test_a_near_miss_is_gold_with_no_meeting_and_is_published(repo_copy: Path) -> None:
    doc_id = _add_press_conference(repo_copy, {"meetings": []})
    assert validate_corpus(repo_copy) == []
    (document,) = [d for d in iter_documents(repo_copy) if d.entry.doc_id == doc_id]
    (row,) = DOCUMENTS.rows(document)
    assert row["gold_report_kind"] == "press_conference"
    assert list(MEETINGS.rows(document)) == []
    scores = filter_scores(
        (d.hand, d.raw_text, d.entry.published)
        for d in iter_documents(repo_copy)
        if d.hand and (d.entry.file in SEED_FILES or d.entry.doc_id == doc_id)
    )
    assert scores.tp == 5 and scores.fn == 0  # the five seeds are kept
    assert scores.tn + scores.fp == 1
    assert sum(n for (kind, _), n in scores.decisions.items() if kind == "press_conference") == 1


def test_a_near_miss_holds_no_meeting() -> None:
    data = _hubei_gold()
    data["report_kind"] = {
        "kind": "inspection",
        "evidence": data["meetings"][0]["evidence"],
    }
    _refused(data, "a inspection report describes no prevention meeting")


def test_a_near_miss_shows_its_evidence() -> None:
    _refused(
        _hubei_gold() | {"meetings": [], "report_kind": {"kind": "international"}}, "needs evidence"
    )


def test_near_miss_evidence_is_checked_against_the_text(repo_copy: Path) -> None:
    doc_id = _add_press_conference(repo_copy, {"meetings": []})
    data = _gold_data(repo_copy, doc_id)
    data["report_kind"]["evidence"]["quote"] = "召开新冠肺炎疫情防控新闻发布会"  # same length
    _write_gold(repo_copy, data)
    (problem,) = validate_corpus(repo_copy)
    assert problem.field == "report_kind.evidence.quote" and "not found" in problem.message


# --- drafts in the corpus, validate and promote -------------------------------------------------


def _make_draft(root: Path, doc_id: str, *, checked: bool) -> Path:
    """Replace a gold by the rules' draft (status draft), all marks ``checked``."""
    draft = draft_from_rules(_rule(doc_id), "An Annotator")
    text = draft_yaml(draft)
    if checked:
        text = text.replace("checked: false", "checked: true")
    path = root / "annotations" / "draft" / f"{doc_id}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    (root / "annotations" / "hand" / f"{doc_id}.yaml").unlink()
    _set_status(root, doc_id, "draft")
    return path


def _set_status(root: Path, doc_id: str, status: str) -> None:
    manifest = root / "raw" / "manifest.yaml"
    text = manifest.read_text(encoding="utf-8")
    at = text.index(f"doc_id: {doc_id}")
    end = text.index("status: ", at)
    line_end = text.index("\n", end)
    manifest.write_text(text[:end] + f"status: {status}" + text[line_end:], encoding="utf-8")


def test_drafts_validate_and_are_counted_not_problems(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _make_draft(repo_copy, SHANGHAI, checked=False)
    assert validate_corpus(repo_copy) == []
    assert remaining_drafts(repo_copy) == [SHANGHAI]
    assert main(["validate", "--root", str(repo_copy)]) == 0
    assert f"1 draft(s) remain to be reviewed and promoted (annotations/draft/): {SHANGHAI}" in (
        capsys.readouterr().err
    )
    # never published: the build reads gold only
    (document,) = [d for d in iter_documents(repo_copy) if d.entry.doc_id == SHANGHAI]
    assert document.hand is None and list(MEETINGS.rows(document)) == []


def test_a_draft_and_a_gold_of_one_document_is_a_problem(repo_copy: Path) -> None:
    path = _make_draft(repo_copy, SHANGHAI, checked=False)
    gold = REPO / "annotations" / "hand" / f"{SHANGHAI}.yaml"
    (repo_copy / "annotations" / "hand" / gold.name).write_bytes(gold.read_bytes())
    _set_status(repo_copy, SHANGHAI, "annotated")
    messages = {(p.file, p.message) for p in validate_corpus(repo_copy)}
    assert (
        "annotations/draft/" + path.name,
        f"{SHANGHAI!r} has a gold annotation (annotations/hand/{gold.name}) and a draft: promote "
        "or delete the draft",
    ) in messages
    assert any("needs status draft" in message for _, message in messages)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("annotated", "a file in annotations/draft/ needs status draft"),
        ("unannotated", "a file in annotations/draft/ needs status draft"),
    ],
)
def test_a_draft_needs_status_draft(repo_copy: Path, status: str, message: str) -> None:
    _make_draft(repo_copy, SHANGHAI, checked=False)
    _set_status(repo_copy, SHANGHAI, status)
    problems = validate_corpus(repo_copy)
    assert any(message in p.message for p in problems), problems


def test_status_draft_needs_a_draft(repo_copy: Path) -> None:
    (repo_copy / "annotations" / "hand" / f"{SHANGHAI}.yaml").unlink()
    _set_status(repo_copy, SHANGHAI, "draft")
    (problem,) = validate_corpus(repo_copy)
    assert problem.field == "documents[1].status"
    assert (
        problem.message == f"status is draft but annotations/draft/{SHANGHAI}.yaml does not exist"
    )


def test_a_gold_in_the_draft_folder_and_a_draft_in_the_gold_folder(repo_copy: Path) -> None:
    path = _make_draft(repo_copy, SHANGHAI, checked=True)
    moved = repo_copy / "annotations" / "hand" / path.name
    path.rename(moved)
    _set_status(repo_copy, SHANGHAI, "annotated")
    problems = validate_corpus(repo_copy)
    assert any(
        p.file == f"annotations/hand/{SHANGHAI}.yaml"
        and p.field == "stage"
        and p.message.startswith("stage is 'draft' but the file is in annotations/hand/")
        for p in problems
    ), problems


def test_promote_refuses_unchecked_values_and_writes_nothing(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _make_draft(repo_copy, SHANGHAI, checked=True)
    text = path.read_text(encoding="utf-8")
    # un-check the date's evidence only
    at = text.index("今天(1月17日)上午\n")
    mark = text.index("checked: true", at)
    path.write_text(text[:mark] + "checked: false" + text[mark + 13 :], encoding="utf-8")
    before = tree_snapshot(repo_copy)
    assert main(["promote", SHANGHAI, "--reviewer", "R", "--root", str(repo_copy)]) == 1
    out = capsys.readouterr().out
    line = text[:mark].count("\n") + 1
    assert out.startswith(
        f"annotations/draft/{SHANGHAI}.yaml:{line}:7: meetings[0].date.evidence.checked: "
        "not checked yet"
    )
    assert out.count("not checked yet") == 1
    assert tree_snapshot(repo_copy) == before


def test_promote_makes_gold_keeps_comments_and_validates(repo_copy: Path) -> None:
    path = _make_draft(repo_copy, SHANGHAI, checked=True)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("meetings:\n", "# checked against the text twice\nmeetings:\n", 1),
        encoding="utf-8",
    )
    manifest_before = (repo_copy / "raw" / "manifest.yaml").read_text(encoding="utf-8")
    plans, problems = promote(repo_copy, [SHANGHAI], "Reviewer Name", date(2026, 12, 1))
    assert problems == [] and [p.clean_because for p in plans] == [None]
    assert not path.exists()
    gold_path = repo_copy / "annotations" / "hand" / f"{SHANGHAI}.yaml"
    gold_text = gold_path.read_text(encoding="utf-8")
    assert "# checked against the text twice" in gold_text
    assert "checked:" not in gold_text.replace("# checked against", "")
    assert "# Draft pre-filled" not in gold_text
    gold = Annotation.model_validate(parse_yaml(gold_text).data)
    assert gold.stage == "gold" and gold.provenance.reviewed_by == "Reviewer Name"
    assert gold.provenance.reviewed_on == date(2026, 12, 1)
    assert gold.provenance.origin == "rules" and gold.provenance.annotated_by == "An Annotator"
    manifest_after = (repo_copy / "raw" / "manifest.yaml").read_text(encoding="utf-8")
    # only the status changed, comments kept
    assert manifest_after == manifest_before.replace(
        manifest_before[manifest_before.index(f"doc_id: {SHANGHAI}") :].split("status: draft")[0]
        + "status: draft",
        manifest_before[manifest_before.index(f"doc_id: {SHANGHAI}") :].split("status: draft")[0]
        + "status: annotated",
    )
    assert manifest_after.startswith("# yaml-language-server")
    assert validate_corpus(repo_copy) == [] and remaining_drafts(repo_copy) == []


def test_promote_is_all_or_nothing_over_documents(repo_copy: Path) -> None:
    _make_draft(repo_copy, SHANGHAI, checked=True)
    _make_draft(repo_copy, HUBEI, checked=False)
    before = tree_snapshot(repo_copy)
    plans, problems = promote(repo_copy, [SHANGHAI, HUBEI], "R", date(2026, 12, 1))
    assert plans == [] and problems
    assert {p.file for p in problems} == {f"annotations/draft/{HUBEI}.yaml"}
    assert tree_snapshot(repo_copy) == before


@pytest.mark.parametrize("case", ["no draft", "gold exists", "empty reviewer"])
def test_promote_refuses_what_it_cannot_promote(repo_copy: Path, case: str) -> None:
    path = _make_draft(repo_copy, SHANGHAI, checked=True)
    reviewer = "R"
    if case == "no draft":
        path.unlink()
    elif case == "gold exists":
        (repo_copy / "annotations" / "hand" / path.name).write_text("x", encoding="utf-8")
    else:
        reviewer = "  "
    before = tree_snapshot(repo_copy)
    plans, problems = promote(repo_copy, [SHANGHAI], reviewer, date(2026, 12, 1))
    assert plans == [] and problems
    assert tree_snapshot(repo_copy) == before


def test_promote_writes_clean_yaml_when_the_layout_cannot_be_edited(repo_copy: Path) -> None:
    path = _make_draft(repo_copy, SHANGHAI, checked=True)
    data = parse_yaml(path.read_text(encoding="utf-8")).data
    # flow-style evidence: the marks share a line with the quote
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None)
    path.write_text(f"{DRAFT_MODELINE}\n{body}", encoding="utf-8")
    plans, problems = promote(repo_copy, [SHANGHAI], "R", date(2026, 12, 1))
    assert problems == [] and plans[0].clean_because is not None
    assert validate_corpus(repo_copy) == []
