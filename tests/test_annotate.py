"""`covidmeet-ds annotate`: committed rule annotations are fresh and valid; --text writes none."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from covidmeet_ds.annotate import annotate_text, rule_yaml
from covidmeet_ds.cli import main
from covidmeet_ds.corpus import Layout, modeline
from covidmeet_ds.models import Annotation
from covidmeet_ds.validate import validate_corpus

from .conftest import REPO, tree_snapshot

MANIFEST = yaml.safe_load((REPO / "raw" / "manifest.yaml").read_text(encoding="utf-8"))
ENTRIES = MANIFEST["documents"]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["doc_id"])
def test_committed_rule_annotations_are_fresh(entry: dict) -> None:
    layout = Layout(REPO)
    path = layout.annotation_path("rule", entry["doc_id"])
    raw = (REPO / "raw" / entry["file"]).read_text(encoding="utf-8")
    annotation = annotate_text(raw, doc_id=entry["doc_id"], published=entry["published"])
    expected = rule_yaml(annotation, modeline(layout, path))
    assert path.is_file(), "run `covidmeet-ds annotate` and commit annotations/rule/"
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.name} is stale: run `covidmeet-ds annotate` and commit the diff"
    )


def test_committed_rule_annotations_validate() -> None:
    paths = sorted((REPO / "annotations" / "rule").glob("*.yaml"))
    assert len(paths) == len(ENTRIES)
    assert validate_corpus(REPO, paths) == []


def test_annotate_rewrites_only_what_changed(repo_copy: Path, capsys) -> None:
    shutil.rmtree(repo_copy / "annotations" / "rule", ignore_errors=True)
    assert main(["annotate", "--root", str(repo_copy)]) == 0
    written = capsys.readouterr().out.splitlines()
    assert len(written) == len(ENTRIES)
    assert validate_corpus(repo_copy) == []
    before = tree_snapshot(repo_copy)
    assert main(["annotate", "--root", str(repo_copy), ENTRIES[0]["doc_id"]]) == 0
    assert capsys.readouterr().out == ""
    assert tree_snapshot(repo_copy) == before


def test_annotate_unknown_doc_id_is_an_error(repo_copy: Path, capsys) -> None:
    assert main(["annotate", "--root", str(repo_copy), "no-such-doc"]) == 1
    assert "no document 'no-such-doc'" in capsys.readouterr().out


def test_text_mode_prints_json_lines_and_writes_nothing(tmp_path: Path, capsys) -> None:
    files = []
    for entry in ENTRIES[:2]:
        target = tmp_path / f"Report {entry['doc_id']}.txt"
        shutil.copy(REPO / "raw" / entry["file"], target)
        files.append(str(target))
    before = tree_snapshot(tmp_path)
    repo_before = tree_snapshot(REPO / "annotations")
    assert main(["annotate", "--text", *files, "--published", "2020-11-04"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    for line, entry in zip(lines, ENTRIES[:2], strict=True):
        annotation = Annotation.model_validate_json(line)
        assert annotation.annotator == "rule"
        assert annotation.doc_id == f"report-{entry['doc_id']}"
        assert json.loads(line)["raw_sha256"] == entry["sha256"]
    assert tree_snapshot(tmp_path) == before
    assert tree_snapshot(REPO / "annotations") == repo_before


def test_text_mode_gives_the_corpus_annotation(tmp_path: Path, capsys) -> None:
    entry = next(e for e in ENTRIES if e["published"])
    target = tmp_path / f"{entry['doc_id']}.txt"
    shutil.copy(REPO / "raw" / entry["file"], target)
    published = entry["published"].isoformat()
    assert main(["annotate", "--text", str(target), "--published", published]) == 0
    printed = Annotation.model_validate_json(capsys.readouterr().out)
    committed = yaml.safe_load(
        (REPO / "annotations" / "rule" / f"{entry['doc_id']}.yaml").read_text(encoding="utf-8")
    )
    assert printed.model_dump(mode="json") == committed


def test_text_mode_reports_unreadable_files_and_goes_on(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes("会议".encode("gbk"))
    good = tmp_path / "good.txt"
    shutil.copy(REPO / "raw" / ENTRIES[0]["file"], good)
    assert main(["annotate", "--text", str(bad), str(good)]) == 1
    captured = capsys.readouterr()
    assert "bad.txt" in captured.err and "UTF-8" in captured.err
    assert len(captured.out.splitlines()) == 1


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=600))
def test_annotate_never_raises(text: str) -> None:
    annotation = annotate_text(text, doc_id="fuzz", published=None)
    assert annotation.annotator == "rule"


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(ENTRIES),
    st.integers(0, 12_000),
    st.integers(0, 4_000),
    st.text(max_size=30),
)
def test_annotate_never_raises_on_mutated_seeds(entry, start, length, insert) -> None:
    raw = (REPO / "raw" / entry["file"]).read_text(encoding="utf-8")
    cut = raw[start : start + length]
    middle = len(cut) // 2
    annotation = annotate_text(cut[:middle] + insert + cut[middle:], doc_id="fuzz", published=None)
    assert annotation.doc_id == "fuzz"
