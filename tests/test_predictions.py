"""`covidmeet-ds evaluate --predictions FILE --split`: a system's predictions against the gold."""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covidmeet_ds.build import build
from covidmeet_ds.build.splits import split_of
from covidmeet_ds.cli import main
from covidmeet_ds.corpus import Layout
from covidmeet_ds.errors import CorpusInvalid, NothingToScore, PredictionsInvalid
from covidmeet_ds.evaluate import score
from covidmeet_ds.models import Annotation
from covidmeet_ds.predictions import (
    evaluate_predictions,
    json_column,
    parse_line,
    parse_predictions,
    split_assignments,
)
from covidmeet_ds.reader import iter_manifest, load_annotation

from .conftest import REPO, tree_snapshot
from .rules_helpers import SEED_FILES

SICHUAN = "jinchutou-sichuan-speech"
HUBEI = "cri-hubei-provincial-teleconference"


def annotations(root: Path, annotator: str) -> dict[str, Annotation]:
    layout = Layout(root)
    found = {}
    for entry in iter_manifest(layout):
        annotation = load_annotation(layout, annotator, entry.doc_id)
        if annotation is not None:
            found[entry.doc_id] = annotation
    return found


def jsonl(items: list[Any]) -> str:
    """JSON Lines of annotations (as `annotate --text` prints them) or of plain data."""
    lines = [
        item.model_dump_json() if isinstance(item, Annotation) else json.dumps(item)
        for item in items
    ]
    return "\n".join(lines) + "\n"


@cache
def repo_rules() -> dict[str, Annotation]:
    return annotations(REPO, "rule")


def rule_data(doc_id: str) -> dict[str, Any]:
    """A fresh copy of a committed rule annotation as plain JSON data."""
    return json.loads(repo_rules()[doc_id].model_dump_json())


@pytest.fixture(scope="module")
def splits() -> dict[str, str]:
    return split_assignments(REPO)


@pytest.fixture(scope="module")
def rules() -> dict[str, Annotation]:
    return repo_rules()


@pytest.fixture(scope="module")
def gold() -> dict[str, Annotation]:
    return annotations(REPO, "hand")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the corpus with its reports/ (to prove nothing is written there)."""
    root = tmp_path / "repo"
    for name in ("raw", "annotations", "schema", "docs", "reports"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "CARD.md", root / "CARD.md")
    return root


def moved_to(root: Path, doc_id: str, split: str) -> str:
    """Rename ``doc_id`` in the corpus under ``root`` to an id whose group falls in ``split``
    (a document with no near-duplicate is its own group); returns the new id."""
    new = next(f"{doc_id}-{i}" for i in range(1000) if split_of(f"{doc_id}-{i}") == split)
    paths = [root / "raw" / "manifest.yaml"]
    for annotator in ("hand", "rule"):
        old_path = root / "annotations" / annotator / f"{doc_id}.yaml"
        new_path = old_path.with_name(f"{new}.yaml")
        old_path.rename(new_path)
        paths.append(new_path)
    for path in paths:
        path.write_text(path.read_text(encoding="utf-8").replace(doc_id, new), encoding="utf-8")
    return new


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["evaluate", *args])
    out, err = capsys.readouterr()
    return status, out, err


# --- splits ----------------------------------------------------------------------------------


def test_split_assignments_are_the_builds(tmp_path: Path, splits: dict[str, str]) -> None:
    build(REPO, tmp_path / "hf", progress=False)
    records = json.loads((tmp_path / "hf" / "splits.json").read_text(encoding="utf-8"))
    assert splits == {record["doc_id"]: record["split"] for record in records}


# --- scores ----------------------------------------------------------------------------------


@pytest.mark.parametrize("split", ["train", "validation", "all"])
def test_rule_annotations_as_predictions_give_the_rules_scores(
    tmp_path: Path, split: str, splits, rules, gold
) -> None:
    in_split = {d for d in splits if split == "all" or splits[d] == split}
    chosen = {d: a for d, a in gold.items() if d in in_split}
    expected = score(chosen, {d: rules[d] for d in chosen}).to_dict()
    path = tmp_path / "predictions.jsonl"
    path.write_text(jsonl(list(rules.values())), encoding="utf-8")
    from_file = evaluate_predictions(path, REPO, split)
    in_memory = evaluate_predictions(rules.values(), REPO, split)
    assert from_file.scores.to_dict() == expected == in_memory.scores.to_dict()
    assert from_file.gold == tuple(d for d in gold if d in chosen)
    assert from_file.missed == ()
    assert set(from_file.outside_split) == set(rules) - in_split
    # a report added but not yet annotated is predicted, listed and not scored
    assert set(from_file.without_gold) == (set(rules) & in_split) - set(gold)


def test_gold_as_predictions_scores_one(gold) -> None:
    evaluation = evaluate_predictions(gold.values(), REPO, "all")
    metrics = evaluation.scores.metrics()
    assert metrics["meetings"]["f1"] == 1.0
    assert metrics["requirements"]["f1"] == 1.0
    assert metrics["date"] == metrics["level"] == metrics["category"] == 1.0


def test_a_gold_document_without_prediction_is_all_misses(rules, gold) -> None:
    given = [a for d, a in rules.items() if d != HUBEI]
    evaluation = evaluate_predictions(given, REPO, "all")
    assert evaluation.missed == (HUBEI,)
    counts = evaluation.scores.documents[HUBEI]
    assert counts.gold_meetings == len(gold[HUBEI].meetings)
    assert counts.matched_meetings == counts.requirement_tp == counts.speaker_tp == 0
    assert counts.requirement_fn == sum(len(m.requirements) for m in gold[HUBEI].meetings)
    assert "Missed: 1 document" in evaluation.summary()
    assert f"`{HUBEI}`" in evaluation.summary()


def test_an_empty_split_stops_with_the_count_per_split(splits, gold) -> None:
    empty = [name for name in ("train", "validation", "test") if name not in splits.values()]
    if not empty:
        pytest.skip("every split has documents")
    with pytest.raises(NothingToScore) as caught:
        evaluate_predictions(gold.values(), REPO, empty[0])
    train = sum(splits[d] == "train" for d in gold)
    assert f"train {train}" in str(caught.value)


def test_unknown_split_is_refused(gold) -> None:
    with pytest.raises(ValueError, match="unknown split 'dev'"):
        evaluate_predictions(gold.values(), REPO, "dev")


def test_an_invalid_corpus_stops_before_scoring(corpus: Path, gold) -> None:
    path = corpus / "annotations" / "hand" / f"{HUBEI}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("level: provincial", "level: bogus"))
    with pytest.raises(CorpusInvalid) as caught:
        evaluate_predictions(gold.values(), corpus, "all")
    assert any(p.file == f"annotations/hand/{HUBEI}.yaml" for p in caught.value.problems)


def test_items_that_are_not_annotations_are_named(gold) -> None:
    with pytest.raises(TypeError, match="prediction 2 is a dict"):
        evaluate_predictions([gold[HUBEI], {"doc_id": HUBEI}], REPO, "all")  # type: ignore[list-item]


# --- the command -----------------------------------------------------------------------------


def test_cli_scores_a_good_file_and_writes_nothing(corpus: Path, capsys, rules, gold) -> None:
    path = corpus.parent / "predictions.jsonl"
    path.write_text(jsonl(list(rules.values())), encoding="utf-8")
    before = tree_snapshot(corpus)
    status, out, _ = run(
        capsys, "--root", str(corpus), "--predictions", str(path), "--split", "all"
    )
    assert status == 0
    assert tree_snapshot(corpus) == before  # reports/evaluation.json is the rules' report
    assert (
        f"Predictions `{path}` on all documents: {len(gold)} documents with gold, "
        f"{len(gold)} of them predicted." in out
    )
    assert "**All documents, all documents (micro-averaged)**" in out
    assert "| predictions |" in out
    assert "**All documents, predictions per document**" in out
    for doc_id in gold:
        assert f"| `{doc_id}` |" in out
    for doc_id in set(rules) - set(gold):  # a report added but not yet annotated
        assert f"| `{doc_id}` |" not in out and f"`{doc_id}`" in out
    assert "Micro-averaged over gold meetings" in out
    assert "development figures" not in out  # that note is about the rules on the seed reports


def test_cli_split_scores_its_documents_and_lists_the_others(
    corpus: Path, capsys, rules, splits
) -> None:
    test_id = moved_to(corpus, SICHUAN, "test")
    predicted = [rule_data(d) for d in rules if d != SICHUAN]
    moved = rule_data(SICHUAN) | {"doc_id": test_id}
    path = corpus.parent / "predictions.jsonl"
    path.write_text(jsonl([*predicted, moved]), encoding="utf-8")
    status, out, _ = run(capsys, "--root", str(corpus), "--predictions", str(path))  # test
    assert status == 0
    assert "on the `test` split: 1 document with gold, 1 of them predicted." in out
    assert f"| `{test_id}` |" in out
    others = [d for d in rules if d != SICHUAN]
    assert f"Not scored: {len(others)} documents predicted outside the `test` split" in out
    for doc_id in others:
        assert f"`{doc_id}`" in out.split("Not scored:")[1].split("\n")[0]
        assert f"| `{doc_id}` |" not in out


def test_cli_names_the_missed_gold_documents(corpus: Path, capsys, rules, splits) -> None:
    train = [d for d in rules if splits[d] == "train"]
    path = corpus.parent / "predictions.jsonl"
    path.write_text(jsonl([rules[d] for d in train[1:]]), encoding="utf-8")
    status, out, _ = run(
        capsys, "--root", str(corpus), "--predictions", str(path), "--split", "train"
    )
    assert status == 0
    assert "Missed: 1 document with gold but no prediction" in out
    assert f"`{train[0]}`" in out.split("Missed:")[1].split("\n")[0]


def test_cli_empty_split_exits_1_with_the_counts(corpus: Path, capsys, rules, splits) -> None:
    if "test" in splits.values():
        pytest.skip("the corpus has test documents")
    path = corpus.parent / "predictions.jsonl"
    path.write_text(jsonl(list(rules.values())), encoding="utf-8")
    status, out, err = run(capsys, "--root", str(corpus), "--predictions", str(path))
    assert status == 1
    assert "no document of the test split has gold annotations yet" in err
    assert out == ""


def bad_file_problems(
    corpus: Path, capsys, lines: list[str], *extra: str
) -> tuple[list[dict[str, Any]], str]:
    path = corpus.parent / "predictions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = tree_snapshot(corpus)
    status, out, err = run(
        capsys, "--root", str(corpus), "--predictions", str(path), "--format", "json", *extra
    )
    assert status == 1
    assert "Traceback" not in out + err
    assert "nothing was scored" in err
    assert tree_snapshot(corpus) == before
    problems = json.loads(out)
    assert all(p["file"] == str(path) for p in problems)
    return problems, err


def good_line(doc_id: str = HUBEI) -> str:
    return json.dumps(rule_data(doc_id), ensure_ascii=False)


def edited_line(edit, doc_id: str = HUBEI) -> str:
    data = rule_data(doc_id)
    edit(data)
    return json.dumps(data, ensure_ascii=False)


def test_bad_json_lines_are_located_problems(corpus: Path, capsys) -> None:
    lines = [
        good_line(),
        '{"doc_id": "x",',  # cut short
        "[1, 2]",  # not an object
        "null",
        '{"doc_id": NaN}',
        '{"doc_id": "a", "doc_id": "b"}',  # duplicate key
        '{"start": ' + "9" * 5000 + "}",  # a number no count needs
        "[" * 100_000 + "]" * 100_000,  # nesting too deep
        good_line(SICHUAN) + " trailing",  # extra data
        "\u3000",  # not JSON whitespace
        "",  # blank lines are skipped
    ]
    problems, _ = bad_file_problems(corpus, capsys, lines)
    by_line = {p["line"]: p for p in problems}
    assert 1 not in by_line and 11 not in by_line
    assert by_line[2]["message"].startswith("malformed JSON: Expecting")
    assert by_line[2]["column"] == 16
    assert by_line[3]["message"] == "expected a JSON object (one annotation per line), got list"
    assert by_line[4]["message"] == "expected a JSON object (one annotation per line), got null"
    assert by_line[5]["message"] == "malformed JSON: NaN is not a JSON number"
    assert by_line[6]["message"] == "malformed JSON: duplicate key 'doc_id' in one object"
    assert "is too large" in by_line[7]["message"]
    assert by_line[8]["message"] == "malformed JSON: nesting too deep"
    assert by_line[9]["message"] == "malformed JSON: extra data after the annotation"
    assert by_line[9]["column"] == len(good_line(SICHUAN)) + 2
    assert by_line[10]["message"].startswith("malformed JSON: Expecting value")
    assert len(problems) == 9


def test_schema_errors_name_line_column_and_field(corpus: Path, capsys) -> None:
    def bad_date(data):
        data["meetings"][0]["date"]["value"] = "2020-02-30"

    def no_level_evidence(data):
        del data["meetings"][0]["level"]["evidence"]

    def roles_not_a_list(data):
        data["meetings"][0]["speakers"][0]["roles"] = "presided"

    def unknown_field(data):
        data["confidence"] = 0.9

    def float_offset(data):
        data["meetings"][0]["evidence"]["start"] = 1.0

    edits = [bad_date, no_level_evidence, roles_not_a_list, unknown_field, float_offset]
    lines = [edited_line(edit) for edit in edits]
    problems, _ = bad_file_problems(corpus, capsys, lines)
    fields = {p["line"]: p["field"] for p in problems}
    assert fields == {
        1: "meetings[0].date.value",
        2: "meetings[0].level.evidence",
        3: "meetings[0].speakers[0].roles",
        4: "confidence",
        5: "meetings[0].evidence.start",
    }
    for problem in problems:
        line = lines[problem["line"] - 1]
        key = problem["field"].split(".")[-1].split("[")[0]
        at = problem["column"] - 1
        # the column is where the field's key is written (the deepest part present)
        expected_key = "level" if key == "evidence" and problem["line"] == 2 else key
        assert line[at : at + len(expected_key) + 2] == f'"{expected_key}"', problem
    assert "2020-02-30 is not a calendar date" in problems[0]["message"]


def test_corpus_mismatches_are_located_problems(corpus: Path, capsys) -> None:
    def unknown(data):
        data["doc_id"] = "no-such-report"

    def other_text(data):
        data["raw_sha256"] = "0" * 64

    def shifted(data):
        evidence = data["meetings"][0]["requirements"][1]["evidence"]
        evidence["start"] += 1
        evidence["end"] += 1

    def not_in_text(data):
        evidence = data["meetings"][0]["speakers"][0]["evidence"]
        quote = evidence["quote"] + "虚构"
        evidence.update(quote=quote, end=evidence["start"] + len(quote))

    lines = [
        edited_line(unknown),
        edited_line(other_text, SICHUAN),
        good_line(HUBEI),
        good_line(HUBEI),  # twice
        edited_line(shifted, "mirror-shandong-standing-committee"),
        edited_line(not_in_text, "redian-shanghai-leading-group"),
    ]
    problems, _ = bad_file_problems(corpus, capsys, lines)
    found = {(p["line"], p["field"]) for p in problems}
    assert found == {
        (1, "doc_id"),
        (2, "raw_sha256"),
        (4, "doc_id"),
        (5, "meetings[0].requirements[1].evidence"),
        (6, "meetings[0].speakers[0].evidence"),
    }
    messages = {p["line"]: p["message"] for p in problems}
    assert messages[1] == "no document 'no-such-report' in raw/manifest.yaml"
    assert "the prediction was made on another text" in messages[2]
    assert messages[4] == f"document '{HUBEI}' is predicted twice (first at line 3)"
    assert "the quote is at" in messages[5] and "not the normalised `text`" in messages[5]
    assert "the quote is nowhere in it" in messages[6]
    assert [p["line"] for p in problems] == sorted(p["line"] for p in problems)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "holds no prediction"),
        (b"\n  \n\r\n", "holds no prediction"),
        (b"\xef\xbb\xbf{}\n", "byte-order mark"),
        ("{}\n".encode("utf-16"), "UTF-16"),
        (b'{"doc_id": "\xff"}\n', "not valid UTF-8"),
    ],
)
def test_unreadable_files_are_problems(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "predictions.jsonl"
    path.write_bytes(content)
    with pytest.raises(PredictionsInvalid) as caught:
        evaluate_predictions(path, REPO, "all")
    assert len(caught.value.problems) == 1
    assert message in caught.value.problems[0].message
    assert caught.value.problems[0].file == str(path)


def test_a_missing_file_or_a_folder_is_a_problem(tmp_path: Path, capsys) -> None:
    for path in (tmp_path / "absent.jsonl", tmp_path):
        status, out, _ = run(capsys, "--root", str(REPO), "--predictions", str(path))
        assert status == 1
        assert out.startswith(f"{path}:1:1: ")


def test_crlf_lines_and_line_separators_inside_strings_are_read(tmp_path: Path, rules) -> None:
    data = json.loads(rules[HUBEI].model_dump_json())
    data["notes"] = "a\u2028b"  # U+2028 inside a string: not a line break of JSON Lines
    path = tmp_path / "predictions.jsonl"
    path.write_bytes((json.dumps(data, ensure_ascii=False) + "\r\n").encode("utf-8"))
    evaluation = evaluate_predictions(path, REPO, "all")
    assert HUBEI not in evaluation.missed


def test_cli_option_conflicts_exit_2(capsys, tmp_path: Path) -> None:
    assert main(["evaluate", "--root", str(REPO), "--split", "test"]) == 2
    assert "--split applies to --predictions only" in capsys.readouterr().err
    path = tmp_path / "p.jsonl"
    args = ["evaluate", "--root", str(REPO), "--predictions", str(path)]
    assert main([*args, "--failures"]) == 2
    assert main([*args, "--devset", str(tmp_path)]) == 2
    with pytest.raises(SystemExit) as caught:
        main([*args, "--split", "dev"])
    assert caught.value.code == 2


# --- locating a field in a JSON line ---------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "loc", "column"),
    [
        ('{"a": 1, "b": {"c": [10, 20, {"d": 3}]}}', ("b", "c", 2, "d"), 31),
        ('{"a": 1, "b": {"c": [10, 20, {"d": 3}]}}', ("b", "c", 1), 26),
        ('{"a": 1, "b": {"c": [10, 20, {"d": 3}]}}', ("b", "missing"), 10),
        ('{"a": 1, "b": {"c": [10, 20, {"d": 3}]}}', ("b", "c", 7), 16),
        ('  {"a" : {"x\\"y": [], "b": 2}}', ("a", "b"), 23),
        ('{"a": "\u2028", "b": 1}', ("b",), 12),
        ("[]", ("a",), 1),
    ],
)
def test_json_column(line: str, loc: tuple, column: int) -> None:
    assert json_column(line, loc) == column


def test_parse_predictions_keeps_line_numbers(rules) -> None:
    text = "\n" + jsonl([rules[HUBEI]]) + "\n" + jsonl([rules[SICHUAN]])
    lines, problems = parse_predictions("p.jsonl", text)
    assert problems == []
    assert [(line.number, line.annotation.doc_id) for line in lines] == [(2, HUBEI), (4, SICHUAN)]


def test_a_prediction_for_a_document_without_gold_is_listed_not_scored(corpus: Path, rules) -> None:
    manifest = corpus / "raw" / "manifest.yaml"
    text = manifest.read_text(encoding="utf-8")
    at = text.index(f"doc_id: {SICHUAN}")
    status = text.index("status: annotated", at)
    manifest.write_text(
        text[:status] + "status: unannotated" + text[status + len("status: annotated") :],
        encoding="utf-8",
    )
    (corpus / "annotations" / "hand" / f"{SICHUAN}.yaml").unlink()
    seed_ids = {entry.doc_id for entry in iter_manifest(Layout(REPO)) if entry.file in SEED_FILES}
    evaluation = evaluate_predictions([rules[d] for d in seed_ids], corpus, "all")
    assert evaluation.without_gold == (SICHUAN,)
    assert SICHUAN not in evaluation.gold
    assert SICHUAN not in evaluation.scores.documents
    assert f"Not scored: 1 document predicted without gold: `{SICHUAN}`." in evaluation.summary()


@settings(max_examples=300, deadline=None)
@given(
    start=st.integers(min_value=0, max_value=3000),
    length=st.integers(min_value=0, max_value=40),
    insert=st.sampled_from(["", '"', "{", "}", "[", "]", ",", ":", "1", "-", "null", "\u2028"]),
)
def test_any_damaged_line_gives_an_annotation_or_located_problems(
    start: int, length: int, insert: str
) -> None:
    line = good_line()
    damaged = line[:start] + insert + line[start + length :]
    annotation, problems = parse_line("p.jsonl", 7, damaged)
    assert (annotation is None) == bool(problems)
    for problem in problems:
        assert problem.line == 7
        assert 1 <= problem.column <= len(damaged) + 1


def test_split_names_are_the_builds_and_the_commands() -> None:
    from covidmeet_ds.build.splits import RATIOS
    from covidmeet_ds.cli import build_parser
    from covidmeet_ds.predictions import ALL, SPLIT_CHOICES, SPLITS

    assert tuple(name for name, _ in RATIOS) == SPLITS
    assert (*SPLITS, ALL) == SPLIT_CHOICES
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    (split,) = [a for a in commands["evaluate"]._actions if a.dest == "split"]
    assert tuple(split.choices) == SPLIT_CHOICES
