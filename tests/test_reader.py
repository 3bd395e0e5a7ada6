"""The corpus reader: every path the corpus names is a regular file inside the root.

Each class of path is tried through every command that reads the corpus (validate, anchor,
annotate, build), on the catalogue's one-document corpus: directories, FIFOs, sockets, links out
of the root, dangling and looping links, unreadable files. None may hang, pass, publish or show
anything of a file outside the root.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from covidmeet_ds import reader
from covidmeet_ds.cli import main
from covidmeet_ds.corpus import InputError, Layout

from .conftest import REPO, tree_snapshot

DOC_ID = "cri-hubei-provincial-teleconference"
HAND = f"annotations/hand/{DOC_ID}.yaml"
RAW = "raw/002_e40f8632191833bd.txt"
SECRET = "a file outside the corpus\n"


def _secret(base_corpus: Path) -> Path:
    path = base_corpus.parent / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def _directory(path: Path, base_corpus: Path) -> None:
    path.mkdir()


def _fifo(path: Path, base_corpus: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path, base_corpus: Path) -> None:
    # bound under a short name (AF_UNIX paths are short), then moved into place
    with tempfile.TemporaryDirectory(dir="/tmp") as short:
        server = socket.socket(socket.AF_UNIX)
        server.bind(f"{short}/s")
        server.close()
        os.rename(f"{short}/s", path)


def _link_out(path: Path, base_corpus: Path) -> None:
    path.symlink_to(_secret(base_corpus))


def _dot_dot_link_out(path: Path, base_corpus: Path) -> None:
    path.symlink_to(os.path.relpath(_secret(base_corpus), path.parent))


def _link_to_system_file(path: Path, base_corpus: Path) -> None:
    path.symlink_to("/etc/hostname" if Path("/etc/hostname").is_file() else "/etc/passwd")


def _dangling(path: Path, base_corpus: Path) -> None:
    path.symlink_to(path.parent / "nowhere.yaml")


def _loop(path: Path, base_corpus: Path) -> None:
    other = path.parent / "other-link"
    other.symlink_to(path)
    path.symlink_to(other)


BAD_PATHS: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "directory": (_directory, "not a regular file: it is a directory"),
    "fifo": (_fifo, "not a regular file: it is a FIFO"),
    "socket": (_socket, "not a regular file: it is a socket"),
    "link-out": (_link_out, "outside the root"),
    "dot-dot-link-out": (_dot_dot_link_out, "outside the root"),
    "system-file": (_link_to_system_file, "outside the root"),
    "dangling-link": (_dangling, "is a symbolic link to nothing"),
    "link-loop": (_loop, "cannot resolve the path: symbolic links loop"),
}


def _replace(base_corpus: Path, relative: str, kind: str) -> Path:
    path = base_corpus / relative
    path.unlink()
    BAD_PATHS[kind][0](path, base_corpus)
    return path


def _json_problems(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    return json.loads(capsys.readouterr().out)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", sorted(BAD_PATHS))
@pytest.mark.parametrize("command", ["validate", "anchor"])
def test_a_hand_annotation_that_is_not_a_regular_file_inside_the_root_is_refused(
    base_corpus: Path, capsys: pytest.CaptureFixture[str], kind: str, command: str
) -> None:
    _replace(base_corpus, HAND, kind)
    assert main([command, "--root", str(base_corpus), "--format", "json"]) == 1
    problems = _json_problems(capsys)
    mine = [p for p in problems if p["file"] == HAND]
    assert mine and mine[0]["message"].startswith(BAD_PATHS[kind][1]), problems
    assert SECRET.strip() not in json.dumps(problems)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", sorted(BAD_PATHS))
@pytest.mark.parametrize("status", ["annotated", "unannotated"])
def test_a_raw_file_that_is_not_a_regular_file_inside_the_root_is_refused(
    base_corpus: Path, capsys: pytest.CaptureFixture[str], kind: str, status: str
) -> None:
    if status == "unannotated":
        (base_corpus / HAND).unlink()
        manifest = base_corpus / "raw" / "manifest.yaml"
        text = manifest.read_text(encoding="utf-8").replace(
            "status: annotated", "status: " + status
        )
        manifest.write_text(text, encoding="utf-8")
    _replace(base_corpus, RAW, kind)
    secret_sha = hashlib.sha256(SECRET.encode()).hexdigest()
    before = tree_snapshot(base_corpus)
    assert main(["validate", "--root", str(base_corpus), "--format", "json"]) == 1
    problems = _json_problems(capsys)
    assert problems[0]["file"] == "raw/manifest.yaml"
    assert problems[0]["field"] == "documents[0].file"
    assert problems[0]["message"].startswith(f"{RAW}: {BAD_PATHS[kind][1]}"), problems
    out = base_corpus.parent / "out"
    assert main(["build", "--root", str(base_corpus), "--out", str(out), "--format", "json"]) == 1
    shown = json.dumps(problems) + json.dumps(_json_problems(capsys))
    assert secret_sha not in shown and SECRET.strip() not in shown
    assert not out.exists(), "a raw file that is not a regular file inside the root is published"
    assert tree_snapshot(base_corpus) == before


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["directory", "fifo", "link-out"])
def test_annotate_never_replaces_a_rule_path_that_is_not_a_regular_file(
    base_corpus: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    rule = base_corpus / "annotations" / "rule" / f"{DOC_ID}.yaml"
    rule.parent.mkdir(parents=True, exist_ok=True)
    rule.write_text("placeholder\n", encoding="utf-8")
    _replace(base_corpus, f"annotations/rule/{DOC_ID}.yaml", kind)
    assert main(["annotate", "--root", str(base_corpus), "--format", "json"]) == 1
    problems = _json_problems(capsys)
    assert problems[0]["file"] == f"annotations/rule/{DOC_ID}.yaml"
    assert problems[0]["message"].startswith("cannot be replaced: "), problems
    if kind == "link-out":
        assert (base_corpus.parent / "secret.txt").read_text(encoding="utf-8") == SECRET


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", ["CARD.md", "reports/evaluation.json"])
@pytest.mark.parametrize("kind", ["directory", "fifo", "link-out"])
def test_the_build_reads_its_own_inputs_as_corpus_files(
    repo_copy: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, kind: str
) -> None:
    path = repo_copy / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    BAD_PATHS[kind][0](path, repo_copy)
    out = tmp_path / "out"
    assert main(["build", "--root", str(repo_copy), "--out", str(out), "--format", "json"]) == 1
    problems = _json_problems(capsys)
    assert [p["file"] for p in problems] == [name]
    assert problems[0]["message"].startswith(BAD_PATHS[kind][1])
    assert not out.exists()


def test_symbolic_links_inside_the_root_are_followed(
    base_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hand = base_corpus / HAND
    kept = base_corpus / "annotations" / "kept.yaml.txt"
    hand.rename(kept)
    hand.symlink_to(Path("..") / kept.name)
    assert main(["validate", "--root", str(base_corpus)]) == 0
    capsys.readouterr()


def test_a_file_the_user_cannot_read_is_a_problem_not_a_traceback(
    base_corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the tests may run as root, who reads anything: the refusal is simulated at os.open
    real_open = os.open

    def refuse(path: str | os.PathLike[str], flags: int, *args: object) -> int:
        if str(path).endswith(".yaml") and "annotations" in str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refuse)
    assert main(["validate", "--root", str(base_corpus), "--format", "json"]) == 1
    problems = _json_problems(capsys)
    assert [(p["file"], p["message"]) for p in problems] == [
        (HAND, "cannot be read: permission denied")
    ]


def test_a_read_error_is_a_problem_not_a_traceback(
    base_corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(descriptor: int, size: int) -> bytes:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "read", fail)
    assert main(["validate", "--root", str(base_corpus), "--format", "json"]) == 1
    problems = _json_problems(capsys)
    assert problems and all("input/output error" in p["message"] for p in problems), problems


def test_resolve_inside_refuses_paths_out_of_the_root(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "raw").mkdir(parents=True)
    (tmp_path / "outside.txt").write_text("x", encoding="utf-8")
    layout = Layout(root)
    with pytest.raises(InputError, match=r"^outside the root"):
        reader.resolve_inside(layout, root / "raw" / ".." / ".." / "outside.txt")
    with pytest.raises(InputError, match=r"^does not exist"):
        reader.resolve_inside(layout, root / "raw" / "missing.txt")
    (root / "raw" / "inside.txt").write_text("x", encoding="utf-8")
    assert reader.resolve_inside(layout, root / "raw" / "inside.txt").name == "inside.txt"


def test_a_root_given_through_a_link_is_the_root(tmp_path: Path) -> None:
    shutil.copytree(REPO / "tests" / "bad" / "_base", tmp_path / "corpus")
    shutil.copy(REPO / RAW, tmp_path / "corpus" / "raw")
    (tmp_path / "link").symlink_to(tmp_path / "corpus")
    assert main(["validate", "--root", str(tmp_path / "link")]) == 0
