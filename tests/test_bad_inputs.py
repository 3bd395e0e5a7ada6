"""The bad-input catalogue: every broken input in tests/bad/ fails with its own clear message.

Each case folder holds the broken files (``files/``, overlaid on the one-document corpus in
``tests/bad/_base``) and ``case.yaml`` with the command, the exit code and every expected problem
(file, line, column, field and the start of the message).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from covidmeet_ds.cli import main
from covidmeet_ds.validate import validate_corpus

from .conftest import BAD, tree_snapshot

CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir() and not p.name.startswith("_"))


def test_catalogue_is_large_enough() -> None:
    assert len(CASES) >= 20


def test_base_corpus_is_valid(base_corpus: Path) -> None:
    assert validate_corpus(base_corpus) == []


@pytest.mark.parametrize("name", CASES)
def test_bad_input(name: str, base_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case_dir = BAD / name
    case = yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8"))
    if (case_dir / "files").is_dir():
        shutil.copytree(case_dir / "files", base_corpus, dirs_exist_ok=True)
    for relative in case.get("remove", []):
        (base_corpus / relative).unlink()
    before = tree_snapshot(base_corpus)

    exit_code = main([case["command"], "--root", str(base_corpus), "--format", "json"])

    problems = json.loads(capsys.readouterr().out)
    assert exit_code == case["exit"] == 1
    assert len(problems) == len(case["problems"]), problems
    for found, expected in zip(problems, case["problems"], strict=True):
        assert found["file"] == expected["file"]
        assert (found["line"], found["column"]) == (expected["line"], expected["column"])
        assert found["field"] == expected["field"]
        assert found["message"].startswith(expected["message"]), found["message"]
    assert tree_snapshot(base_corpus) == before, "a failing command must not write anything"


def test_python_tag_is_never_executed(
    base_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(BAD / "python-object-tag" / "files", base_corpus, dirs_exist_ok=True)
    main(["validate", "--root", str(base_corpus)])
    main(["anchor", "--root", str(base_corpus)])
    capsys.readouterr()
    assert not (base_corpus / "pwned").exists() and not Path("pwned").exists()


def test_text_format_names_file_line_column_field(
    base_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(BAD / "impossible-date" / "files", base_corpus, dirs_exist_ok=True)
    assert main(["validate", "--root", str(base_corpus)]) == 1
    out = capsys.readouterr().out.strip()
    assert out == (
        "annotations/hand/cri-hubei-provincial-teleconference.yaml:17:7: "
        "meetings[0].date.value: 2020-02-30 is not a calendar date"
    )


def test_github_format(base_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(BAD / "impossible-date" / "files", base_corpus, dirs_exist_ok=True)
    assert main(["validate", "--root", str(base_corpus), "--format", "github"]) == 1
    out = capsys.readouterr().out.strip()
    assert out == (
        "::error file=annotations/hand/cri-hubei-provincial-teleconference.yaml,line=17,col=7,"
        "title=meetings[0].date.value::2020-02-30 is not a calendar date"
    )


def test_validate_given_paths_checks_only_those(
    base_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(BAD / "orphan-annotation" / "files", base_corpus, dirs_exist_ok=True)
    good = base_corpus / "annotations/hand/cri-hubei-provincial-teleconference.yaml"
    assert main(["validate", "--root", str(base_corpus), str(good)]) == 0
    assert main(["validate", "--root", str(base_corpus)]) == 1
    outside = base_corpus / "raw" / "manifest.yaml"
    assert main(["validate", "--root", str(base_corpus), "--format", "json", str(outside)]) == 1
    capsys.readouterr()
