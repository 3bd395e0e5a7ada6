from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

# Tests never touch the network: datasets and huggingface_hub read these at import time.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

REPO = Path(__file__).resolve().parents[1]
BAD = REPO / "tests" / "bad"


def tree_snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path → sha256): proves a command wrote nothing."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def base_corpus(tmp_path: Path) -> Path:
    """The catalogue's one-document corpus, around the real seed report 002."""
    root = tmp_path / "corpus"
    shutil.copytree(BAD / "_base", root)
    shutil.copy(REPO / "raw" / "002_e40f8632191833bd.txt", root / "raw")
    return root


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A copy of the real corpus (raw, annotations, schema, docs, card) to modify safely."""
    root = tmp_path / "repo"
    for name in ("raw", "annotations", "schema", "docs"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "CARD.md", root / "CARD.md")
    return root
