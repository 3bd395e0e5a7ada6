"""No rule is fitted to the corpus: code and cue lists name no document, official, place or
sentence of the seed corpus or of the development set.

Gazetteers are exempt from the place check: they list every division of the country, from an
open data set, not the places we happened to read.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from covidmeet_ds.models import Annotation

from .conftest import REPO

PACKAGE = REPO / "src" / "covidmeet_ds"
DEVSET = REPO.parent / "shared" / "devset"
GAZETTEERS = {"provinces.yaml", "divisions.tsv", "divisions.yaml", "divisions.json"}
RUN = 14
"""Han characters in a row that make a sentence fragment: shorter runs are stock phrases
(统筹疫情防控和经济社会发展, 新型冠状病毒感染的肺炎 are cue words every outlet writes)."""
HAN = re.compile(r"[\u4e00-\u9fff]+")


def _rule_files() -> dict[str, str]:
    files = [*PACKAGE.rglob("*.py"), *(PACKAGE / "data").glob("*.yaml")]
    return {
        path.relative_to(REPO).as_posix(): path.read_text(encoding="utf-8")
        for path in files
        if path.name not in GAZETTEERS
    }


def _han_runs(text: str, size: int) -> set[str]:
    runs = set()
    for chunk in HAN.findall(text):
        runs.update(chunk[i : i + size] for i in range(len(chunk) - size + 1))
    return runs


def _gold() -> list[Annotation]:
    return [
        Annotation.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted((REPO / "annotations" / "hand").glob("*.yaml"))
    ]


def _devset() -> tuple[list[str], list[str]]:
    """The development set's texts and the names of its people (empty when absent)."""
    if not DEVSET.is_dir():
        return [], []
    texts = [
        json.loads(line)["text"]
        for path in sorted(DEVSET.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    names = []
    for path in sorted(DEVSET.glob("*-gold.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).values():
            for meeting in item.get("meetings") or []:
                names += [person["name"] for person in meeting.get("people", [])]
    return texts, names


RULE_FILES = _rule_files()
GOLD = _gold()
DEV_TEXTS, DEV_NAMES = _devset()


def _offending(needles: set[str]) -> list[str]:
    return sorted(
        f"{file}: {needle}"
        for file, text in RULE_FILES.items()
        for needle in needles
        if needle in text
    )


def test_no_official_of_the_corpus_or_devset_is_named() -> None:
    names = {s.name for a in GOLD for m in a.meetings for s in m.speakers if s.name}
    names |= {name for name in DEV_NAMES if len(name) >= 2}
    assert names, "the gold names people"
    assert _offending(names) == []


def test_no_document_id_is_named() -> None:
    assert _offending({a.doc_id for a in GOLD}) == []


def test_no_place_of_the_corpus_is_named_outside_the_gazetteers() -> None:
    places = {
        m.level.jurisdiction
        for a in GOLD
        for m in a.meetings
        if m.level.jurisdiction and m.level.level != "national"
    }
    assert places
    assert _offending(places) == []


@pytest.mark.parametrize("source", ["raw", "devset"])
def test_no_sentence_of_the_corpus_or_devset_is_copied(source: str) -> None:
    if source == "raw":
        texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "raw").glob("*.txt"))]
    else:
        texts = DEV_TEXTS
        if not texts:
            pytest.skip("../shared/devset is not beside the repository")
    corpus_runs = set().union(*(_han_runs(text, RUN) for text in texts))
    copied = sorted(
        f"{file}: {run}"
        for file, text in RULE_FILES.items()
        for run in _han_runs(text, RUN) & corpus_runs
    )
    assert copied == []
