"""`covidmeet-ds agreement`: two folders of hand annotations compared field by field.

Figures are checked on annotations built here with known differences, on the real seed
annotations (invariants: a folder agrees perfectly with itself, agreement is symmetric), and the
committed report is checked to be what the command writes. Bad inputs are located problems.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from covidmeet_ds.agreement import (
    AgreementReport,
    all_differences,
    cohen_kappa,
    compare,
    date_precision,
    differences,
)
from covidmeet_ds.build import BuildError, read_build_inputs
from covidmeet_ds.build.card import REPOSITORY_LINK, agreement_markdown
from covidmeet_ds.cli import main
from covidmeet_ds.models import Annotation
from covidmeet_ds.validate import validate_annotation_folders

from .conftest import REPO
from .hand_fields import HAND_FIELDS

SHA = "0" * 64

# --- Cohen's kappa ---------------------------------------------------------------------------


def _cells(both_yes: int, yes_no: int, no_yes: int, both_no: int) -> list[tuple[str, str]]:
    """A 2×2 table of two raters as item pairs."""
    return (
        [("yes", "yes")] * both_yes
        + [("yes", "no")] * yes_no
        + [("no", "yes")] * no_yes
        + [("no", "no")] * both_no
    )


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # the worked example of Cohen's kappa on Wikipedia: p_o = 0.7, p_e = 0.5
        ((20, 5, 10, 15), 0.4),
        # its "same agreement, different kappa" pair: p_o = 0.6 in both
        ((45, 15, 25, 15), 0.1304),
        ((25, 35, 5, 35), 0.2593),
    ],
)
def test_kappa_of_textbook_tables(table: tuple[int, int, int, int], expected: float) -> None:
    assert cohen_kappa(_cells(*table)) == pytest.approx(expected, abs=1e-4)


def test_kappa_with_three_labels_computed_by_hand() -> None:
    # p_o = 3/5; first: a 2, b 2, c 1; second: a 2, b 1, c 2; p_e = (4 + 2 + 2) / 25
    pairs = [("a", "a"), ("a", "b"), ("b", "b"), ("b", "c"), ("c", "c")]
    assert cohen_kappa(pairs) == pytest.approx((3 / 5 - 8 / 25) / (1 - 8 / 25))


def test_kappa_bounds_and_undefined_cases() -> None:
    assert cohen_kappa([("a", "a"), ("b", "b"), ("c", "c")]) == 1.0
    assert cohen_kappa([("a", "b"), ("b", "a")]) == -1.0
    assert cohen_kappa([]) is None
    # one label used by both throughout: chance explains everything, kappa is undefined
    assert cohen_kappa([("a", "a")] * 4) is None
    # one rater constant, the other not: defined (and 0, no better than chance)
    assert cohen_kappa([("a", "a"), ("a", "b")]) == 0.0


def test_kappa_is_symmetric_in_the_raters() -> None:
    pairs = [*_cells(20, 5, 10, 15), ("maybe", "no"), ("maybe", "maybe")]
    assert cohen_kappa(pairs) == pytest.approx(cohen_kappa([(b, a) for a, b in pairs]))


def test_date_precision_follows_the_value() -> None:
    assert [date_precision(v) for v in (None, "2020", "2020-01", "2020-01-31")] == [
        "unknown",
        "year",
        "month",
        "day",
    ]


# --- synthetic annotations with known differences -----------------------------------------


def _evidence(start: int, end: int, quote: str | None = None) -> dict:
    return {"quote": quote or "文" * (end - start), "start": start, "end": end}


def _meeting(
    meeting_id: str,
    span: tuple[int, int],
    *,
    level: str = "provincial",
    jurisdiction: str | None = "上海市",
    date: str = "2020-03-16",
    speakers: list[tuple[str, list[str]]] = (),
    requirements: list[tuple[tuple[int, int], str]] = (),
) -> dict:
    precision = date_precision(date)
    return {
        "meeting_id": meeting_id,
        "name": None,
        "convener": None,
        "evidence": _evidence(*span),
        "date": {
            "value": date,
            "precision": precision,
            "time_of_day": None,
            "year_basis": "explicit",
            "evidence": _evidence(span[0], span[0] + 5),
        },
        "level": {
            "level": level,
            "jurisdiction": jurisdiction,
            "evidence": _evidence(*span),
            "note": None if jurisdiction else "not named",
        },
        "speakers": [
            {
                "name": name,
                "titles": [],
                "roles": roles,
                "evidence": _evidence(0, len(name) + 4, name + "主持会议"),
            }
            for name, roles in speakers
        ],
        "requirements": [
            {
                "ordinal": index,
                "section": None,
                "text": "要做好工作",
                "category": category,
                "evidence": _evidence(*where),
            }
            for index, (where, category) in enumerate(requirements, start=1)
        ],
    }


def _annotation(doc_id: str, *meetings: dict) -> Annotation:
    return Annotation.model_validate(
        {
            "doc_id": doc_id,
            "annotator": "hand",
            "annotator_version": "1.0",
            "raw_sha256": SHA,
            **HAND_FIELDS,
            "meetings": list(meetings),
            "quality_flags": ["boilerplate"],
        }
    )


REQUIREMENTS_A = [
    ((100, 120), "entry_control"),
    ((130, 150), "schools"),
    ((160, 180), "vaccination"),
    ((190, 210), "other"),
]
REQUIREMENTS_B = [
    ((100, 120), "schools"),  # same span, other category
    ((130, 150), "schools"),
    ((162, 180), "vaccination"),  # IoU 18/20 ≥ 0.5: the same requirement
    ((300, 320), "other"),  # not in A; A's (190, 210) is not in B
]


@pytest.fixture
def synthetic() -> tuple[dict[str, Annotation], dict[str, Annotation]]:
    a = {
        "doc-one": _annotation(
            "doc-one",
            _meeting(
                "m1",
                (10, 40),
                speakers=[("张三", ["presided", "spoke"]), ("李四", ["spoke"])],
                requirements=REQUIREMENTS_A,
            ),
            _meeting("m2", (500, 520), level="national", jurisdiction="中华人民共和国"),
        ),
        "doc-two": _annotation(
            "doc-two", _meeting("m1", (10, 40), level="county", jurisdiction=None)
        ),
        "only-a": _annotation("only-a", _meeting("m1", (10, 40))),
    }
    b = {
        "doc-one": _annotation(
            "doc-one",
            _meeting(
                "m1",
                (12, 40),
                date="2020-03",
                speakers=[("张三", ["presided"]), ("李四", ["spoke"])],
                requirements=REQUIREMENTS_B,
            ),
            # another span, another level, same date: not A's m2
            _meeting("m2", (600, 620), level="county", jurisdiction=None),
        ),
        "doc-two": _annotation(
            "doc-two",
            _meeting("m1", (10, 40), level="county", jurisdiction=None),
            _meeting("m2", (700, 720), level="township", jurisdiction=None),
        ),
        "only-b": _annotation("only-b", _meeting("m1", (10, 40))),
    }
    return a, b


def _values(report: AgreementReport) -> dict[str, tuple[float | None, int]]:
    return {f.key: (f.value, f.n) for f in report.figures}


def test_synthetic_disagreements_give_the_expected_figures(synthetic) -> None:
    a, b = synthetic
    report = compare("A", a, "B", b)
    assert report.documents == ["doc-one", "doc-two"]
    assert (report.only_in_a, report.only_in_b) == (["only-a"], ["only-b"])
    figures = _values(report)
    # doc-one: 2 and 2 meetings; doc-two: 1 and 2
    assert figures["meetings.count"] == (0.5, 2)
    # A 3 meetings, B 4, aligned 2 (m1 of each document): F1 = 4 / 7 over 5 distinct meetings
    assert figures["meetings.f1"] == (round(4 / 7, 4), 5)
    assert figures["date.value"] == (0.5, 2)
    assert figures["date.precision"] == (0.5, 2)
    assert figures["level.agreement"] == (1.0, 2)
    assert figures["level.kappa"] == (1.0, 2)  # provincial and county: defined
    assert figures["jurisdiction.agreement"] == (1.0, 2)
    assert figures["speakers.names"] == (1.0, 2)
    # (张三, spoke) only in A: tp 2, fn 1 → 4 / 5
    assert figures["speakers.roles"] == (0.8, 3)
    # 3 of 4 requirements aligned on each side: 6 / 8 over 5 distinct requirements
    assert figures["requirements.f1"] == (0.75, 5)
    assert figures["category.agreement"] == (round(2 / 3, 4), 3)
    # (entry_control, schools), (schools, schools), (vaccination, vaccination): κ = 3 / 6
    assert figures["category.kappa"] == (0.5, 3)
    assert figures["ordinal.agreement"] == (1.0, 3)
    assert figures["quality_flags.f1"] == (1.0, 2)


def test_a_constant_level_has_no_kappa(synthetic) -> None:
    a, b = synthetic
    report = compare("A", {"doc-one": a["doc-one"]}, "B", {"doc-one": b["doc-one"]})
    assert _values(report)["level.kappa"] == (None, 1)  # one aligned meeting, provincial in both
    assert "n/a" in agreement_markdown(report, 1)


def test_every_synthetic_difference_is_listed(synthetic) -> None:
    a, b = synthetic
    found = {(d.doc_id, d.where.split(" ")[0], d.field) for d in all_differences(a, b)}
    assert found == {
        ("doc-one", "m2", "meeting"),  # A's national m2
        ("doc-one", "m2", "meeting"),  # B's county m2 (same key)
        ("doc-one", "m1/m1", "date.value"),
        ("doc-one", "m1/m1", "date.precision"),
        ("doc-one", "m1/m1", "roles"),
        ("doc-one", "m1/m1", "category"),
        ("doc-one", "m1/m1", "span"),
        ("doc-two", "m2", "meeting"),
    }
    listed = differences("doc-one", a["doc-one"], b["doc-one"])
    spans = [d for d in listed if d.field == "span"]
    assert [(d.a == "—", d.b == "—") for d in spans] == [(False, True), (True, False)]
    assert sum(d.field == "meeting" for d in listed) == 2


def test_identical_annotations_have_no_difference(synthetic) -> None:
    a, _ = synthetic
    assert all_differences(a, a) == []


# --- the real seed annotations ----------------------------------------------------------------


def _folders(*names: str) -> list[dict[str, Annotation]]:
    sets, problems = validate_annotation_folders(REPO, [REPO / name for name in names])
    assert problems == []
    return sets


def test_a_folder_agrees_perfectly_with_itself() -> None:
    (hand,) = _folders("annotations/hand")
    report = compare("hand", hand, "hand", hand)
    assert report.documents == sorted(hand)
    for figure in report.figures:
        assert figure.n > 0, figure.key
        assert figure.value == 1.0, figure.key


def test_agreement_is_symmetric_on_the_second_annotation() -> None:
    hand, second = _folders("annotations/hand", "agreement/second")
    forward = _values(compare("A", hand, "B", second))
    backward = _values(compare("B", second, "A", hand))
    assert forward == backward
    assert len(all_differences(hand, second)) == len(all_differences(second, hand))


def test_the_committed_report_is_what_the_command_writes(tmp_path: Path, capsys) -> None:
    written = tmp_path / "agreement.json"
    first, second = REPO / "agreement" / "first", REPO / "agreement" / "second"
    arguments = ["agreement", str(first), str(second), "--root", str(REPO), "--write", str(written)]
    assert main(arguments) == 0
    committed = (REPO / "reports" / "agreement.json").read_text(encoding="utf-8")
    assert written.read_text(encoding="utf-8") == committed
    report = AgreementReport.model_validate_json(committed)
    assert (report.folder_a, report.folder_b) == ("agreement/first", "agreement/second")
    assert "Cohen's kappa" in capsys.readouterr().out


def test_the_first_annotation_snapshot_is_the_gold_it_was_taken_from() -> None:
    """agreement/first keeps the gold as it was before reconciliation; every document of the
    second annotation has a first annotation."""
    first, second = _folders("agreement/first", "agreement/second")
    assert sorted(first) == sorted(second)


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_output_formats(fmt: str, capsys) -> None:
    arguments = ["agreement", str(REPO / "annotations/hand"), str(REPO / "agreement/second")]
    assert main([*arguments, "--root", str(REPO), "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        report = AgreementReport.model_validate_json(out)
        assert {f.key for f in report.figures} >= {"level.kappa", "category.kappa"}
    elif fmt == "markdown":
        assert "| Field | Measure | Agreement | n |" in out
        assert "| Requirement category | Cohen's kappa |" in out
    else:
        assert "Cohen's kappa" in out and "aligned requirements" in out


def test_differences_are_listed_on_request(capsys) -> None:
    arguments = ["agreement", str(REPO / "annotations/hand"), str(REPO / "agreement/second")]
    assert main([*arguments, "--root", str(REPO), "--differences"]) == 0
    out = capsys.readouterr().out
    hand, second = _folders("annotations/hand", "agreement/second")
    count = len(all_differences(hand, second))
    assert f"{count} difference(s)" in out
    assert out.count(" | B ") == count


def test_output_is_deterministic(capsys) -> None:
    arguments = ["agreement", str(REPO / "annotations/hand"), str(REPO / "agreement/second")]
    outputs = []
    for _ in range(2):
        assert main([*arguments, "--root", str(REPO), "--format", "json", "--differences"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]


# --- bad inputs: located problems, exit 1, never a traceback -------------------------------


@pytest.fixture
def corpus(repo_copy: Path) -> Path:
    """The real corpus with a second folder holding a copy of the gold."""
    shutil.copytree(repo_copy / "annotations" / "hand", repo_copy / "second")
    return repo_copy


def _run(corpus: Path, capsys, second: Path | None = None) -> tuple[int, str, str]:
    folder = second if second is not None else corpus / "second"
    status = main(
        ["agreement", str(corpus / "annotations" / "hand"), str(folder), "--root", str(corpus)]
    )
    captured = capsys.readouterr()
    return status, captured.out, captured.err


CRI = "cri-hubei-provincial-teleconference"


def _edit(corpus: Path, old: str, new: str, doc_id: str = CRI) -> None:
    path = corpus / "second" / f"{doc_id}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_copy_agrees_and_notes_are_not_annotations(corpus: Path, capsys) -> None:
    (corpus / "second" / "README.md").write_text("# notes\n", encoding="utf-8")
    status, out, err = _run(corpus, capsys)
    assert status == 0, out + err
    assert "0.00" not in out


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("level: national", "level: nationwide", "meetings[0].level.level", "national"),
        ('value: "2020-11-03"', 'value: "2020-02-30"', "meetings[0].date.value", "calendar date"),
        # a rule annotation carries no stage, provenance or report kind: the first is refused
        ("annotator: hand", "annotator: rule\nrules: [x:1]", "stage", "for hand annotations only"),
        (f"doc_id: {CRI}", "doc_id: another-document", "doc_id", "does not match file name"),
        ("raw_sha256: ", "raw_sha256: 1", "raw_sha256", "should match pattern"),
        # same length, so the offsets still fit: only the text differs
        ("quote: 国务院召开", "quote: 国务员召开", "meetings[0].level.evidence.quote", "not found"),
        ("meetings:", "meetings: [\n", "", "YAML"),
    ],
)
def test_a_bad_annotation_is_a_located_problem(
    corpus: Path, capsys, old: str, new: str, field: str, message: str
) -> None:
    _edit(corpus, old, new)
    status, out, err = _run(corpus, capsys)
    assert status == 1
    assert "Traceback" not in out + err
    assert f"second/{CRI}.yaml:" in out
    lines = [line for line in out.splitlines() if field in line and message in line]
    assert lines, out
    assert lines[0].startswith(f"second/{CRI}.yaml:") or f"/second/{CRI}.yaml:" in lines[0]
    number, column, *_ = lines[0].split(f"{CRI}.yaml:")[1].split(":")
    assert int(number) > 1 and int(column) >= 1, lines[0]
    assert "agreement stopped" in err


def test_a_changed_sha_and_an_unknown_document_are_problems(corpus: Path, capsys) -> None:
    path = corpus / "second" / f"{CRI}.yaml"
    text = path.read_text(encoding="utf-8")
    sha = next(line for line in text.splitlines() if line.startswith("raw_sha256:"))
    path.write_text(text.replace(sha, "raw_sha256: " + "a" * 64), encoding="utf-8")
    unknown = corpus / "second" / "not-in-manifest.yaml"
    unknown.write_text(text.replace(f"doc_id: {CRI}", "doc_id: not-in-manifest"), encoding="utf-8")
    status, out, _ = _run(corpus, capsys)
    assert status == 1
    assert f"second/{CRI}.yaml:" in out and "changed after annotation" in out
    assert "second/not-in-manifest.yaml:" in out and "is not in raw/manifest.yaml" in out


def test_entries_that_are_not_annotation_files(corpus: Path, capsys) -> None:
    (corpus / "second" / "notes.txt").write_text("x\n", encoding="utf-8")
    (corpus / "second" / "folder.yaml").mkdir()
    (corpus / "second" / "empty.yaml").write_text("", encoding="utf-8")
    status, out, _ = _run(corpus, capsys)
    assert status == 1
    assert "second/notes.txt:1:1: not an annotation file" in out
    assert "second/folder.yaml:1:1: not a regular file" in out
    assert "second/empty.yaml:1:1: file is empty" in out


def test_folders_that_cannot_be_compared(corpus: Path, tmp_path: Path, capsys) -> None:
    status, out, _ = _run(corpus, capsys, corpus / "missing")
    assert (status, "missing:1:1: does not exist" in out) == (1, True)
    status, out, _ = _run(corpus, capsys, corpus / "raw" / "manifest.yaml")
    assert (status, "not a folder of annotations" in out) == (1, True)
    outside = tmp_path / "outside"
    shutil.copytree(corpus / "second", outside)
    status, out, _ = _run(corpus, capsys, outside)
    assert (status, "outside the root" in out) == (1, True)
    os.symlink(outside, corpus / "link")
    status, out, _ = _run(corpus, capsys, corpus / "link")
    assert (status, "outside the root" in out) == (1, True)


def test_a_link_to_a_file_outside_the_root_is_not_read(
    corpus: Path, tmp_path: Path, capsys
) -> None:
    target = tmp_path / f"{CRI}.yaml"
    shutil.move(corpus / "second" / f"{CRI}.yaml", target)
    os.symlink(target, corpus / "second" / f"{CRI}.yaml")
    status, out, _ = _run(corpus, capsys)
    assert status == 1
    assert f"second/{CRI}.yaml:1:1: outside the root" in out


def test_documents_in_one_folder_only_are_named_and_not_compared(corpus: Path, capsys) -> None:
    (corpus / "second" / f"{CRI}.yaml").unlink()
    status, out, err = _run(corpus, capsys)
    assert status == 0
    assert f"only in A, not compared: {CRI}" in err
    assert f"Only in A (not compared): {CRI}" in out


def test_no_document_in_common_stops(corpus: Path, capsys) -> None:
    for path in (corpus / "second").glob("*.yaml"):
        path.unlink()
    status, _, err = _run(corpus, capsys)
    assert status == 1
    assert "no document in common" in err


# --- the card ---------------------------------------------------------------------------------


def _report() -> AgreementReport:
    text = (REPO / "reports" / "agreement.json").read_text(encoding="utf-8")
    return AgreementReport.model_validate_json(text)


def test_the_card_section_gives_the_share_method_and_table() -> None:
    report = _report()
    count = len(report.documents)
    section = agreement_markdown(report, count * 2)
    assert f"**{count}** of the **{count * 2}** gold documents (50%)" in section
    assert "blind" in section and "CoronaNet" in section and "10%" in section
    assert "| Field | Measure | Agreement | n |" in section
    assert section.count("\n|") == len(report.figures) + 2
    for target in REPOSITORY_LINK.findall(section):
        assert (REPO / target.partition("#")[0]).is_file(), target
    assert "not been measured" in agreement_markdown(None, 5)


def test_the_built_card_reads_the_agreement_report(repo_copy: Path) -> None:
    (repo_copy / "reports").mkdir()
    assert read_build_inputs(repo_copy).agreement is None
    shutil.copy(REPO / "reports" / "agreement.json", repo_copy / "reports")
    assert read_build_inputs(repo_copy).agreement == _report()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "malformed JSON"),
        ('{"figures": []}', "Field required"),
        (None, "extra inputs are not permitted"),
    ],
)
def test_a_bad_agreement_report_stops_the_build(
    repo_copy: Path, content: str | None, message: str
) -> None:
    (repo_copy / "reports").mkdir()
    path = repo_copy / "reports" / "agreement.json"
    if content is None:  # a figure with a field the model does not know
        data = json.loads((REPO / "reports" / "agreement.json").read_text(encoding="utf-8"))
        data["figures"][0]["colour"] = "red"
        content = json.dumps(data)
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        read_build_inputs(repo_copy)
    (problem,) = raised.value.problems
    assert problem.file == "reports/agreement.json"
    assert message.lower() in problem.message.lower()
