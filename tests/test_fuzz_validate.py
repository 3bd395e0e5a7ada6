"""Fuzzing ``validate`` on the real corpus: whatever is done to it, the answer is exit 0 or 1,
every problem names a file of the corpus, nothing is printed as a traceback and nothing is
written.

Each example copies the real ``raw/`` and ``annotations/`` and applies a few mutations drawn by
hypothesis: structural ones (a file removed, emptied, replaced by a folder, a FIFO or a link out
of the root, duplicated under another name) and textual ones (bytes inserted, deleted or
duplicated, lines swapped, characters YAML and UTF-8 find hard, another encoding, other line
breaks). The number of examples is bounded so that CI stays quick.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covidmeet_ds.cli import main

from .conftest import REPO, tree_snapshot

HARD_TEXT = [
    "\x00",
    "\x01",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ufffe",
    "\r",
    "\r\n",
    "\t",
    ":",
    ": ",
    "- ",
    "#",
    "&a ",
    "*a",
    "!!python/object:os.system ",
    "!!int ",
    "? ",
    "|",
    ">-",
    "{",
    "}",
    "[",
    "]",
    "'",
    '"',
    "0246",
    "4:06",
    "0xF6",
    "yes",
    "~",
    "２０２０",
    "，",
    "e\u0301",
    "\U0001f600",
    "[" * 2000,
    "{a: " * 500,
]


def _corpus_files(root: Path) -> list[str]:
    return sorted(
        path.relative_to(root).as_posix()
        for folder in ("raw", "annotations")
        for path in (root / folder).rglob("*")
        if path.is_file()
    )


@st.composite
def mutations(draw: st.DrawFn, files: list[str]) -> list[tuple]:
    steps = []
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(files))
        kind = draw(
            st.sampled_from(
                [
                    "insert",
                    "insert",
                    "insert",
                    "delete",
                    "duplicate",
                    "swap lines",
                    "truncate",
                    "encode",
                    "line breaks",
                    "remove",
                    "empty",
                    "folder",
                    "fifo",
                    "link out",
                    "copy as",
                ]
            )
        )
        steps.append(
            (
                kind,
                target,
                draw(st.floats(0, 1)),
                draw(st.floats(0, 1)),
                draw(st.sampled_from(HARD_TEXT) | st.text(max_size=8)),
                draw(st.sampled_from(["utf-16", "utf-16-le", "gb18030", "big5", "utf-32"])),
            )
        )
    return steps


def _at(data: bytes, fraction: float) -> int:
    return min(len(data), int(len(data) * fraction))


def _apply(root: Path, step: tuple) -> None:
    kind, target, where, length, text, encoding = step
    path = root / target
    if not path.is_file() or path.is_symlink():
        return  # an earlier step removed or replaced it
    data = path.read_bytes()
    at = _at(data, where)
    if kind == "insert":
        path.write_bytes(data[:at] + text.encode("utf-8", "surrogatepass") + data[at:])
    elif kind == "delete":
        path.write_bytes(data[:at] + data[at + int(length * 40) :])
    elif kind == "duplicate":
        piece = data[at : at + int(length * 200)]
        path.write_bytes(data[:at] + piece + piece + data[at:])
    elif kind == "swap lines":
        lines = data.split(b"\n")
        i, j = int(where * (len(lines) - 1)), int(length * (len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        path.write_bytes(b"\n".join(lines))
    elif kind == "truncate":
        path.write_bytes(data[:at])
    elif kind == "encode":
        path.write_bytes(data.decode("utf-8", "replace").encode(encoding, "replace"))
    elif kind == "line breaks":
        path.write_bytes(data.replace(b"\n", text.encode("utf-8", "surrogatepass") or b"\r"))
    elif kind == "remove":
        path.unlink()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "folder":
        path.unlink()
        path.mkdir()
    elif kind == "fifo":
        path.unlink()
        os.mkfifo(path)
    elif kind == "link out":
        path.unlink()
        path.symlink_to(root.parent / "outside.txt")
    elif kind == "copy as":
        shutil.copy(path, path.with_name(f"copy-{int(where * 9)}{path.suffix}"))


def _snapshot(root: Path) -> dict[str, str]:
    """Files (with their sha256) and every other entry, so that a FIFO or folder counts too."""
    entries = {
        path.relative_to(root).as_posix(): "other"
        for path in root.rglob("*")
        if not path.is_file() and not path.is_dir()
    }
    return {**tree_snapshot(root), **entries}


FILES = _corpus_files(REPO)


@pytest.mark.timeout(300)
@settings(
    max_examples=int(os.environ.get("COVIDMEET_FUZZ_EXAMPLES", "120")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=mutations(FILES))
def test_validate_survives_any_mutation_of_the_corpus(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple]
) -> None:
    base = tmp_path_factory.mktemp("fuzz")
    root = base / "corpus"
    for folder in ("raw", "annotations", "schema"):
        shutil.copytree(REPO / folder, root / folder)
    (base / "outside.txt").write_text("outside the root\n", encoding="utf-8")
    for step in steps:
        _apply(root, step)
    before = _snapshot(root)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", "--root", str(root), "--format", "json"])

    assert code in (0, 1)
    assert "Traceback" not in err.getvalue()
    printed = out.getvalue()
    problems = json.loads(printed[: printed.rindex("]") + 1]) if code == 1 else []
    for problem in problems:
        assert problem["file"] and not Path(problem["file"]).is_absolute(), problem
        assert problem["line"] >= 1 and problem["column"] >= 1, problem
        assert "outside the root\n" not in problem["message"]
    assert _snapshot(root) == before, "validate wrote something"
    shutil.rmtree(base)
