"""The real corpus: raw files, manifest and gold hand annotations are valid and consistent."""

from __future__ import annotations

import hashlib
import re

import opencc
import pytest
import yaml

from covidmeet_ds.corpus import Layout, parse_yaml
from covidmeet_ds.models import Annotation, Manifest
from covidmeet_ds.validate import iter_evidence, validate_corpus

from .conftest import REPO
from .rules_helpers import SEED_FILES

SHARED_RAW = REPO.parent / "shared" / "raw"
MANIFEST = Manifest.model_validate(parse_yaml((REPO / "raw/manifest.yaml").read_text("utf-8")).data)
GOLD_IDS = [entry.doc_id for entry in MANIFEST.documents if entry.status == "annotated"]
FILE_OF = {entry.doc_id: entry.file for entry in MANIFEST.documents}
SEED_IDS = [entry.doc_id for entry in MANIFEST.documents if entry.file in SEED_FILES]


def load_hand(doc_id: str) -> Annotation:
    path = Layout(REPO).annotation_path("hand", doc_id)
    return Annotation.model_validate(parse_yaml(path.read_text(encoding="utf-8")).data)


def test_real_corpus_validates_clean() -> None:
    assert validate_corpus(REPO) == []


def test_five_seed_reports_are_annotated() -> None:
    assert {entry.file for entry in MANIFEST.documents} >= SEED_FILES
    assert set(SEED_IDS) <= set(GOLD_IDS)


def test_gold_exists_exactly_for_the_documents_marked_annotated() -> None:
    written = {path.stem for path in (REPO / "annotations/hand").glob("*.yaml")}
    assert written == set(GOLD_IDS)


@pytest.mark.skipif(not SHARED_RAW.is_dir(), reason="../shared/raw is not beside the checkout")
def test_raw_files_are_byte_identical_to_the_shared_seeds() -> None:
    for seed in sorted(SHARED_RAW.glob("*.txt")):
        assert (REPO / "raw" / seed.name).read_bytes() == seed.read_bytes(), seed.name


def test_manifest_hashes_are_the_files_hashes() -> None:
    for entry in MANIFEST.documents:
        data = (REPO / "raw" / entry.file).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry.sha256


_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
_PAGE_SPLIT = re.compile(r"\s*\n\s*\d+、")
_T2S = opencc.OpenCC("t2s")


@pytest.mark.parametrize("doc_id", GOLD_IDS)
def test_requirement_text_is_its_quote_cleaned(doc_id: str) -> None:
    """Guidelines §7.6: text = quote in Simplified, without pinyin, page-split markers, breaks."""
    for meeting in load_hand(doc_id).meetings:
        for requirement in meeting.requirements:
            quote = requirement.evidence.quote
            cleaned = _T2S.convert(_PINYIN.sub("", _PAGE_SPLIT.sub("", quote))).replace("\n", "")
            assert requirement.text == cleaned, requirement.text


@pytest.mark.parametrize("doc_id", GOLD_IDS)
def test_gold_evidence_lands_on_its_quote_in_the_raw_file(doc_id: str) -> None:
    annotation = load_hand(doc_id)
    assert annotation.annotator == "hand"
    raw = (REPO / "raw" / FILE_OF[doc_id]).read_text("utf-8")
    for loc, evidence in iter_evidence(annotation):
        assert raw[evidence.start : evidence.end] == evidence.quote, loc


@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_seed_gold_describes_meetings_with_their_content(doc_id: str) -> None:
    annotation = load_hand(doc_id)
    assert annotation.meetings, "every seed report describes at least one meeting"
    for meeting in annotation.meetings:
        assert meeting.requirements or meeting.speakers or meeting.level.level == "national"


def test_hand_annotations_start_with_the_modeline() -> None:
    for path in sorted((REPO / "annotations/hand").glob("*.yaml")):
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        assert first == "# yaml-language-server: $schema=../../schema/annotation.schema.json"
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target.is_file()


def test_yaml_files_are_utf8_without_bom() -> None:
    for path in [*REPO.glob("annotations/*/*.yaml"), REPO / "raw/manifest.yaml"]:
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        yaml.safe_load(data.decode("utf-8"))
