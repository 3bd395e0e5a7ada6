"""Files saved with Windows line endings (CRLF) are accepted everywhere, and the commands that
rewrite a file (``anchor``, ``annotate``) keep its line endings, its permissions and its link."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from covidmeet_ds.anchor import anchor_text
from covidmeet_ds.cli import main

DOC_ID = "cri-hubei-provincial-teleconference"
HAND = f"annotations/hand/{DOC_ID}.yaml"
RULE = f"annotations/rule/{DOC_ID}.yaml"


def _to_crlf(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


def _strip_offsets(path: Path) -> None:
    """Remove every ``start``/``end`` line, so that ``anchor`` has to add them again."""
    data = path.read_bytes()
    newline = b"\r\n" if b"\r\n" in data else b"\n"
    lines = data.split(newline)
    kept = [line for line in lines if not line.strip().startswith((b"start:", b"end:"))]
    path.write_bytes(newline.join(kept))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("files", [["manifest"], ["hand"], ["manifest", "hand"]])
def test_crlf_files_validate(
    base_corpus: Path, capsys: pytest.CaptureFixture[str], files: list[str]
) -> None:
    paths = {"manifest": base_corpus / "raw" / "manifest.yaml", "hand": base_corpus / HAND}
    for name in files:
        _to_crlf(paths[name])
    assert main(["validate", "--root", str(base_corpus)]) == 0, capsys.readouterr().out


def test_a_crlf_annotation_problem_is_located_on_its_line(
    base_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = base_corpus / HAND
    lines = path.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if "level: provincial" in line)
    lines[number] = lines[number].replace("provincial", "regional")
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    assert main(["validate", "--root", str(base_corpus), "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert f'"line": {number + 1}' in out


def test_anchor_adds_lines_with_the_files_own_line_endings() -> None:
    raw = "会议要求,各地要严防输入。"
    result = anchor_text("# mine\r\nitems:\r\n  - quote: 各地要严防输入。\r\n", raw)
    assert result.problems == []
    assert result.text == (
        "# mine\r\nitems:\r\n  - quote: 各地要严防输入。\r\n    start: 5\r\n    end: 13\r\n"
    )


def test_anchor_keeps_crlf_permissions_and_link(base_corpus: Path) -> None:
    stored = base_corpus / "annotations" / "stored" / f"{DOC_ID}.yaml"
    stored.parent.mkdir()
    (base_corpus / HAND).rename(stored)
    _to_crlf(stored)
    _strip_offsets(stored)
    stored.chmod(0o640)
    link = base_corpus / HAND
    link.symlink_to(os.path.relpath(stored, link.parent))

    assert main(["anchor", "--root", str(base_corpus)]) == 0
    assert link.is_symlink() and link.resolve() == stored.resolve()
    data = stored.read_bytes()
    assert b"start:" in data
    assert data.count(b"\n") == data.count(b"\r\n"), "a bare LF was written into a CRLF file"
    assert _mode(stored) == 0o640
    assert main(["validate", "--root", str(base_corpus)]) == 0


def test_annotate_keeps_crlf_permissions_and_link(base_corpus: Path) -> None:
    assert main(["annotate", "--root", str(base_corpus)]) == 0
    rule = base_corpus / RULE
    assert _mode(rule) == 0o666 & ~_umask(), "a new file gets the permissions the umask gives"
    stored = base_corpus / "annotations" / "stored.yaml.txt"
    rule.rename(stored)
    rule.symlink_to(os.path.relpath(stored, rule.parent))
    _to_crlf(stored)
    stored.write_bytes(stored.read_bytes().replace(b"meetings:", b"meetings: []\r\nold:", 1))
    stored.chmod(0o604)

    assert main(["annotate", "--root", str(base_corpus)]) == 0
    assert rule.is_symlink()
    data = stored.read_bytes()
    assert b"old:" not in data
    assert data.count(b"\n") == data.count(b"\r\n")
    assert _mode(stored) == 0o604
    assert main(["validate", "--root", str(base_corpus)]) == 0


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
