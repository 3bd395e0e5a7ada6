"""`covidmeet-ds anchor`: fills and repairs offsets, keeps the file's text, refuses to guess."""

from __future__ import annotations

from pathlib import Path

import pytest

from covidmeet_ds.anchor import anchor_text
from covidmeet_ds.cli import main
from covidmeet_ds.validate import validate_corpus

from .conftest import REPO, tree_snapshot

RAW = "会议强调,要做好防控。\n要做好防控。会议要求,各地要严防输入。"


def test_fills_offsets_and_keeps_comments_and_layout() -> None:
    text = "# keep me\nitems:\n  - evidence:\n      quote: 各地要严防输入。  # mine\n"
    result = anchor_text(text, RAW)
    assert result.problems == [] and result.anchored == 1
    assert result.text == (
        "# keep me\nitems:\n  - evidence:\n      quote: 各地要严防输入。  # mine\n"
        "      start: 23\n      end: 31\n"
    )
    assert RAW[23:31] == "各地要严防输入。"


def test_flow_mappings_and_block_scalars() -> None:
    text = 'a: {quote: "会议强调"}\nb:\n  quote: |-\n    防控。\n    要做好\n'
    result = anchor_text(text, RAW)
    assert result.problems == []
    assert 'a: {quote: "会议强调", start: 0, end: 4}' in result.text
    assert "    要做好\n  start: 8\n  end: 15\n" in result.text


def test_repairs_offsets_to_the_nearest_occurrence() -> None:
    result = anchor_text("e:\n  quote: 要做好防控。\n  start: 13\n  end: 99\n", RAW)
    assert (result.repaired, result.problems) == (1, [])
    assert "start: 12\n  end: 18" in result.text


def test_refuses_ambiguous_and_missing_quotes() -> None:
    ambiguous = anchor_text("e:\n  quote: 要做好防控。\n", RAW)
    assert "occurs 2 times" in ambiguous.problems[0][1]
    missing = anchor_text("e:\n  quote: 要做好防疫。\n", RAW)
    assert "not found" in missing.problems[0][1]
    assert ambiguous.text == "e:\n  quote: 要做好防控。\n"


def test_gold_annotations_are_fully_anchored(repo_copy: Path) -> None:
    before = tree_snapshot(repo_copy)
    assert main(["anchor", "--root", str(repo_copy)]) == 0
    assert tree_snapshot(repo_copy) == before


def test_anchor_repairs_a_stripped_gold_file(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo_copy / "annotations/hand/netease-shandong-nhc-teleconference.yaml"
    original = path.read_text(encoding="utf-8")
    stripped = "".join(
        line
        for line in original.splitlines(keepends=True)
        if not line.lstrip().startswith(("start:", "end:"))
    )
    path.write_text(stripped, encoding="utf-8")
    assert validate_corpus(repo_copy) != []
    assert main(["anchor", "--root", str(repo_copy), str(path)]) == 0
    assert "anchored" in capsys.readouterr().out
    assert path.read_text(encoding="utf-8") == original
    assert validate_corpus(repo_copy) == []
    assert (REPO / "annotations/hand" / path.name).read_text(encoding="utf-8") == original
