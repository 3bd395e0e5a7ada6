"""The public Python API (`import covidmeet_ds`), `python -m covidmeet_ds`, packaging metadata."""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import subprocess
import sys
import tomllib
from datetime import date
from importlib.resources import files
from pathlib import Path

import pytest

import covidmeet_ds
from covidmeet_ds.cli import main
from covidmeet_ds.corpus import Layout
from covidmeet_ds.reader import iter_manifest

from .conftest import REPO, tree_snapshot

# Written for these tests: an invented county and an invented official.
COUNTY_MEETING = (
    "3月2日上午，青禾县召开疫情防控工作会议，县委书记王立新主持会议并讲话。"
    "会议要求，一是加强值班值守，二是做好物资保障。"
)


def python(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


# --- the package's surface -------------------------------------------------------------------


def test_import_is_light() -> None:
    heavy = ("pydantic", "datasets", "pyarrow", "yaml", "numpy")
    result = python(
        "-c", f"import sys, covidmeet_ds; print([m for m in {heavy!r} if m in sys.modules])"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_exported_name_resolves_and_is_listed() -> None:
    for name in covidmeet_ds.__all__:
        assert getattr(covidmeet_ds, name) is not None
        assert name in dir(covidmeet_ds)
    assert covidmeet_ds.Annotation.__module__ == "covidmeet_ds.models"
    assert covidmeet_ds.validate_corpus.__doc__
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        covidmeet_ds.no_such_name  # noqa: B018


def test_exports_never_clash_with_submodules() -> None:
    """An export named like a submodule would be replaced by the module once it is imported."""
    package = Path(covidmeet_ds.__file__).parent
    submodules = {path.stem for path in package.glob("*.py")} | {
        path.name for path in package.iterdir() if (path / "__init__.py").is_file()
    }
    assert not submodules & set(covidmeet_ds.__all__)
    validate_module = importlib.import_module("covidmeet_ds.validate")
    assert covidmeet_ds.validate_corpus is not validate_module.validate_corpus  # the API's own
    assert callable(covidmeet_ds.validate_corpus)


def test_validate_corpus_is_empty_on_the_real_corpus() -> None:
    assert covidmeet_ds.validate_corpus(REPO) == []
    assert covidmeet_ds.validate_corpus(str(REPO)) == []


def test_load_corpus_gives_every_document_in_manifest_order() -> None:
    documents = covidmeet_ds.load_corpus(REPO)
    entries = list(iter_manifest(Layout(REPO)))
    assert [d.entry for d in documents] == entries
    for document in documents:
        raw = (REPO / "raw" / document.entry.file).read_bytes()
        assert document.raw_text == raw.decode("utf-8")
        assert hashlib.sha256(raw).hexdigest() == document.entry.sha256
        # gold exactly for the documents the manifest marks annotated (a report just added has
        # none); a rule annotation for every document `annotate` has run on
        assert (document.hand is not None) == (document.entry.status == "annotated")
        for annotation in (document.hand, document.rule):
            if annotation is None:
                continue
            assert annotation.doc_id == document.entry.doc_id
            assert annotation.raw_sha256 == document.entry.sha256
        if document.rule is not None:
            assert document.rule.annotator == "rule"
        if document.hand is not None:
            assert document.hand.annotator == "hand"
            for meeting in document.hand.meetings:
                evidence = meeting.evidence
                assert document.raw_text[evidence.start : evidence.end] == evidence.quote
    assert any(d.hand is not None for d in documents) and any(d.rule for d in documents)


def test_load_corpus_refuses_an_invalid_corpus_with_its_problems(repo_copy: Path) -> None:
    path = repo_copy / "annotations" / "hand" / "cri-hubei-provincial-teleconference.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("precision: day", "precision: week"))
    expected = covidmeet_ds.validate_corpus(repo_copy)
    assert expected
    with pytest.raises(covidmeet_ds.CorpusInvalid) as caught:
        covidmeet_ds.iter_corpus(repo_copy)  # before anything is read
    assert caught.value.problems == expected
    assert str(expected[0]) in str(caught.value)
    with pytest.raises(covidmeet_ds.ProblemsFound):
        covidmeet_ds.load_corpus(repo_copy)


def test_annotate_text_on_a_text_of_our_own() -> None:
    annotation = covidmeet_ds.annotate_text(COUNTY_MEETING, published=date(2020, 3, 2))
    assert isinstance(annotation, covidmeet_ds.Annotation)
    assert annotation.doc_id.startswith("text-")
    assert annotation.raw_sha256 == hashlib.sha256(COUNTY_MEETING.encode()).hexdigest()
    (meeting,) = annotation.meetings
    assert meeting.date.value == "2020-03-02"
    assert meeting.date.time_of_day == "morning"
    assert meeting.level.level == "county"
    assert [(s.name, s.roles) for s in meeting.speakers] == [("王立新", ["presided", "spoke"])]
    assert meeting.requirements[0].text == "加强值班值守"
    for requirement in meeting.requirements:
        evidence = requirement.evidence
        assert COUNTY_MEETING[evidence.start : evidence.end] == evidence.quote
    named = covidmeet_ds.annotate_text(COUNTY_MEETING, doc_id="my-report")  # no publication date
    assert named.doc_id == "my-report"
    assert named.meetings[0].date.year_basis != "publication"


def test_read_predictions_gives_annotations_or_located_problems(tmp_path: Path) -> None:
    annotation = covidmeet_ds.annotate_text(COUNTY_MEETING, published=date(2020, 3, 2))
    good = tmp_path / "good.jsonl"
    good.write_text(annotation.model_dump_json() + "\n", encoding="utf-8")
    assert covidmeet_ds.read_predictions(good) == [annotation]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(annotation.model_dump_json() + "\n{}\n", encoding="utf-8")
    with pytest.raises(covidmeet_ds.PredictionsInvalid) as caught:
        covidmeet_ds.read_predictions(bad)
    assert {(p.line, p.field) for p in caught.value.problems} >= {(2, "doc_id"), (2, "meetings")}


# --- the README's example --------------------------------------------------------------------


def readme_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, "the Python API section has no python block"
    return match.group(1)


def test_the_readme_example_runs(repo_copy: Path, monkeypatch, capsys) -> None:
    # a report added but not yet annotated (no gold) is part of a growing corpus
    added = repo_copy.parent / "added.txt"
    added.write_text("禾田镇开展春季植树活动\n\n3月12日，禾田镇干部群众在河堤栽种树苗。\n", "utf-8")
    assert main(["add", "--root", str(repo_copy), str(added), "--published", "2021-03-12"]) == 0
    unannotated = [e.doc_id for e in iter_manifest(Layout(repo_copy)) if e.status == "unannotated"]
    assert unannotated
    monkeypatch.chdir(repo_copy)
    before = tree_snapshot(repo_copy)
    namespace: dict = {}
    exec(compile(readme_example(), "README.md (Python API)", "exec"), namespace)
    out = capsys.readouterr().out
    for document in namespace["documents"]:  # the example prints each document with gold
        shown = f"{document.entry.doc_id} {document.entry.published} " in out
        assert shown == (document.hand is not None), document.entry.doc_id
    evaluation = namespace["evaluation"]
    assert isinstance(evaluation, covidmeet_ds.PredictionEvaluation)
    assert evaluation.split == "train"
    assert evaluation.missed == ()
    assert "2020-03-02 王立新" in out
    assert evaluation.markdown() in out
    changed = set(tree_snapshot(repo_copy)) ^ set(before)
    assert changed == {"predictions.jsonl"}  # the example's own file, nothing else


# --- running as a module, packaging ----------------------------------------------------------


def test_python_m_runs_the_command_line() -> None:
    result = python("-m", "covidmeet_ds", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: covidmeet-ds")
    assert "evaluate" in result.stdout
    assert python("-m", "covidmeet_ds", "validate", "--root", str(REPO)).returncode == 0
    misuse = python("-m", "covidmeet_ds", "evaluate", "--split", "test")
    assert misuse.returncode == 2
    assert "--split applies to --predictions only" in misuse.stderr
    unknown = python("-m", "covidmeet_ds", "no-such-command")
    assert unknown.returncode == 2


def test_the_package_is_marked_typed() -> None:
    assert files("covidmeet_ds").joinpath("py.typed").is_file()
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in pyproject["tool"]["setuptools"]["package-data"]["covidmeet_ds"]
    assert "Typing :: Typed" in pyproject["project"]["classifiers"]


def test_licence_is_an_spdx_expression_with_its_file() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert not any(c.startswith("License ::") for c in project["classifiers"])  # PEP 639
    (setuptools,) = [r for r in pyproject["build-system"]["requires"] if r.startswith("setuptools")]
    assert int(setuptools.split(">=")[1].split(".")[0]) >= 77  # SPDX licence support
    licence = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n\nCopyright (c) ")
    assert "covidmeet_ds maintainers" in licence.splitlines()[2]
    assert "CC BY 4.0" in licence  # the annotations' terms, apart from the code's
    assert "raw/manifest.yaml" in licence  # the raw texts remain their publishers'
