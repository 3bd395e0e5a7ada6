"""The build removes only what an earlier build wrote, never the corpus, and fails cleanly.

``--out`` may name the root, a folder that contains it, a folder a user has added files to or
edited: each is refused before anything is read or written. Failures after validation (missing
or malformed inputs of the card, a full disk, a read-only folder) are problems, and leave the
previous output whole with nothing else beside it.
"""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from covidmeet_ds.build import BuildError, build
from covidmeet_ds.build.staging import StagingError
from covidmeet_ds.cli import main

from .conftest import REPO, tree_snapshot


@pytest.fixture(scope="module")
def corpus_and_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the real corpus and a first build of it, to be copied by each test."""
    base = tmp_path_factory.mktemp("safety")
    root = base / "repo"
    for name in ("raw", "annotations", "schema", "docs", "reports"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "CARD.md", root / "CARD.md")
    build(root, root / "dist" / "hf", progress=False)
    return root, root / "dist" / "hf"


@pytest.fixture
def built_corpus(corpus_and_output: tuple[Path, Path], tmp_path: Path) -> Path:
    root, _ = corpus_and_output
    copy = tmp_path / "repo"
    shutil.copytree(root, copy, symlinks=True)
    return copy


def _cli_build(root: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["build", "--root", str(root), "--out", str(out), "--format", "json"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("where", ["root", "parent", "grandparent"])
def test_out_that_is_or_contains_the_root_is_refused(
    built_corpus: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    out = {"root": built_corpus, "parent": built_corpus.parent}.get(where, built_corpus.parents[1])
    # even when it looks like an earlier build's output
    (out / "SHA256SUMS").write_text("", encoding="utf-8")
    before = tree_snapshot(built_corpus)
    code, output = _cli_build(built_corpus, out, capsys)
    assert code == 1
    assert "is or contains the corpus root" in output
    assert tree_snapshot(built_corpus) == before


def test_out_given_through_a_link_to_the_root_is_refused(
    built_corpus: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    link = tmp_path / "link"
    link.symlink_to(built_corpus)
    code, output = _cli_build(built_corpus, link / ".", capsys)
    assert code == 1 and "is or contains the corpus root" in output
    assert (built_corpus / "raw" / "manifest.yaml").is_file()


@pytest.mark.parametrize(
    "change",
    ["added file", "added folder", "edited file", "added link", "emptied folder", "no sums"],
)
def test_a_rebuild_never_removes_what_the_last_build_did_not_write(
    built_corpus: Path, capsys: pytest.CaptureFixture[str], change: str
) -> None:
    out = built_corpus / "dist" / "hf"
    if change == "added file":
        (out / "notes.md").write_text("my notes\n", encoding="utf-8")
    elif change == "added folder":
        (out / "analysis").mkdir()
        (out / "analysis" / "plot.py").write_text("print(1)\n", encoding="utf-8")
    elif change == "edited file":
        card = out / "README.md"
        card.write_text(card.read_text(encoding="utf-8") + "\nMy edit.\n", encoding="utf-8")
    elif change == "added link":
        (out / "raw").symlink_to(built_corpus / "raw")
    elif change == "emptied folder":
        (out / "scratch").mkdir()
    else:
        (out / "SHA256SUMS").unlink()
    before = tree_snapshot(out)
    code, output = _cli_build(built_corpus, out, capsys)
    assert code == 1, output
    assert "choose another --out" in output or "refusing to replace" in output
    assert tree_snapshot(out) == before


def test_a_rebuild_replaces_exactly_what_the_last_build_listed(built_corpus: Path) -> None:
    out = built_corpus / "dist" / "hf"
    before = tree_snapshot(out)
    build(built_corpus, out, progress=False)
    assert tree_snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["hf"]


@pytest.mark.parametrize("damage", ["missing", "empty", "not utf-8", "no markers"])
def test_a_card_that_cannot_be_used_stops_the_build_before_writing(
    built_corpus: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    card = built_corpus / "CARD.md"
    if damage == "missing":
        card.unlink()
    elif damage == "empty":
        card.write_text("", encoding="utf-8")
    elif damage == "not utf-8":
        card.write_bytes("卡片".encode("gb18030"))
    else:
        card.write_text("# A card without markers\n", encoding="utf-8")
    out = built_corpus / "dist" / "hf"
    before = tree_snapshot(out)
    code, output = _cli_build(built_corpus, out, capsys)
    assert code == 1
    problems = json.loads(output[: output.rindex("]") + 1])
    assert {p["file"] for p in problems} == {"CARD.md"}
    assert "Traceback" not in output
    assert tree_snapshot(out) == before


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ('{"markdown": "x",\n  "sets": {\n', 3, "malformed JSON"),
        ('{"markdown": 3}\n', 1, "Input should be a valid string"),
        ('{"sets": {}}\n', 1, "Field required"),
        ('{"markdown": "x", "sets": {"a": {"figures": 1}}}\n', 1, "Field required"),
        ("[" * 100_000 + "]" * 100_000, 1, "malformed JSON"),
    ],
)
def test_a_malformed_evaluation_report_stops_the_build_with_its_position(
    built_corpus: Path, capsys: pytest.CaptureFixture[str], content: str, line: int, message: str
) -> None:
    (built_corpus / "reports" / "evaluation.json").write_text(content, encoding="utf-8")
    out = built_corpus / "dist" / "hf"
    before = tree_snapshot(out)
    code, output = _cli_build(built_corpus, out, capsys)
    assert code == 1
    problems = json.loads(output[: output.rindex("]") + 1])
    assert [(p["file"], p["line"]) for p in problems] == [("reports/evaluation.json", line)]
    assert problems[0]["message"].startswith(message), problems
    assert tree_snapshot(out) == before


@pytest.mark.parametrize(
    ("code", "words"), [(errno.ENOSPC, "no space left"), (errno.EROFS, "read-only")]
)
def test_a_write_failure_is_a_problem_and_keeps_the_previous_output(
    built_corpus: Path, monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    out = built_corpus / "dist" / "hf"
    before = tree_snapshot(out)

    def fail(self: object, table: object, *args: object, **kwargs: object) -> None:
        raise OSError(code, words.capitalize() + " on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", fail)
    with pytest.raises(BuildError) as raised:
        build(built_corpus, out, progress=False)
    assert "cannot write the output" in raised.value.problems[0].message
    assert words in raised.value.problems[0].message.lower()
    assert tree_snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["hf"]  # no staging, lock or backup


def test_an_output_folder_that_cannot_be_created_is_a_problem(
    built_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder is needed\n", encoding="utf-8")
    code, output = _cli_build(built_corpus, blocker / "hf", capsys)
    assert code == 1 and "Traceback" not in output
    assert "cannot write the output" in output
    assert blocker.read_text(encoding="utf-8") == "a file where a folder is needed\n"


def test_a_backup_in_the_way_that_a_build_did_not_write_is_kept(built_corpus: Path) -> None:
    out = built_corpus / "dist" / "hf"
    backup = out.parent / ".hf.old"
    backup.mkdir()
    (backup / "keep.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(StagingError, match="in the way"):
        build(built_corpus, out, progress=False)
    assert (backup / "keep.txt").read_text(encoding="utf-8") == "mine\n"


def test_a_build_never_replaces_an_export(
    built_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = tmp_path / "exported"
    assert main(["export", "--root", str(built_corpus), "--to", str(exported)]) == 0
    before = tree_snapshot(exported)
    code, output = _cli_build(built_corpus, exported, capsys)
    assert code == 1 and "it has no croissant.json" in output
    assert tree_snapshot(exported) == before
