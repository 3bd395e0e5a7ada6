"""The seams every rule shares: the context, the registry, versions, errors, cue files, width."""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from covidmeet_ds import annotate as annotate_module
from covidmeet_ds.annotate import annotate_corpus, annotate_text
from covidmeet_ds.models import Annotation, Manifest
from covidmeet_ds.rules import registry
from covidmeet_ds.rules.context import ReportContext
from covidmeet_ds.rules.registry import RULES, ModuleRule, RuleError, content_hash, rule_versions
from covidmeet_ds.taxonomy import DataFileError, load_data
from covidmeet_ds.text import normalise as normalise_module
from covidmeet_ds.text.normalise import normalise
from covidmeet_ds.text.punctuation import fold_width

from .conftest import REPO
from .rules_helpers import SEED_FILES, load_seeds

SEEDS = load_seeds()
HALF_TO_FULL = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in ",;:!?()"})


def test_every_rule_has_a_content_version() -> None:
    versions = rule_versions()
    assert set(versions) == {rule.name for rule in RULES} | {"report_filter"}
    assert all(re.fullmatch(r"[0-9a-f]{12}", v) for v in versions.values())


def test_the_version_changes_with_a_cue_file(tmp_path: Path) -> None:
    code, cues = tmp_path / "rule.py", tmp_path / "cues.yaml"
    code.write_text("def extract(ctx, span): ...\n", encoding="utf-8")
    cues.write_text("words: [召开]\n", encoding="utf-8")
    before = content_hash([code, cues])
    cues.write_text("words: [召开, 举行]\n", encoding="utf-8")
    assert content_hash([code, cues]) != before
    assert content_hash([code, cues]) == content_hash([code, cues])


def test_rule_annotations_record_every_rule_version() -> None:
    annotation = annotate_text(SEEDS[0].raw, doc_id="x", published=SEEDS[0].published)
    assert annotation.rules == [f"{n}:{v}" for n, v in sorted(rule_versions().items())]


def test_a_rule_annotation_without_rules_is_refused() -> None:
    data = annotate_text(SEEDS[0].raw, doc_id="x").model_dump()
    data["rules"] = []
    with pytest.raises(ValueError, match="lists the rules that ran"):
        Annotation.model_validate(data)


def _failing(ctx: ReportContext, span: object) -> object:
    raise KeyError("a cue the rule expected")


def test_a_failing_rule_raises_naming_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(annotate_module, "SPEAKERS", ModuleRule("speakers", _failing))
    with pytest.raises(RuleError, match="rule speakers failed: KeyError") as caught:
        annotate_text(SEEDS[0].raw, doc_id="x")
    assert caught.value.rule == "speakers"
    assert isinstance(caught.value.__cause__, KeyError)


def test_annotate_names_the_document_a_rule_failed_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    for part in ("raw", "annotations", "schema"):
        shutil.copytree(REPO / part, root / part)
    monkeypatch.setattr(annotate_module, "SPEAKERS", ModuleRule("speakers", _failing))
    changed, problems = annotate_corpus(root)
    manifest = Manifest.model_validate(yaml.safe_load((root / "raw/manifest.yaml").read_text()))
    failed = {p.file for p in problems if "rule speakers failed: KeyError" in p.message}
    assert changed == []
    # the speakers rule runs on each meeting, so it fails on every report the rules find one in
    with_meetings = {
        f"raw/{entry.file}"
        for entry in manifest.documents
        if yaml.safe_load((root / "annotations/rule" / f"{entry.doc_id}.yaml").read_text())[
            "meetings"
        ]
    }
    assert failed == with_meetings
    assert {f"raw/{file}" for file in SEED_FILES} <= failed


def test_a_misspelt_key_in_a_cue_file_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from covidmeet_ds import taxonomy

    real = taxonomy.read_data("furniture.yaml")
    misspelt = {("spam_word" if k == "spam_words" else k): v for k, v in real.items()}
    monkeypatch.setattr(taxonomy, "read_data", lambda name: misspelt)
    with pytest.raises(DataFileError, match=r"data/furniture\.yaml: .*spam_word"):
        load_data("furniture.yaml", normalise_module._FurnitureFile)


def test_width_folding_keeps_length_and_offsets() -> None:
    raw = "１２月３日（星期五）上午，县委召开会议：要求各乡镇；立即落实！"
    doc = normalise(raw)
    assert doc.text == fold_width(raw) == "12月3日(星期五)上午,县委召开会议:要求各乡镇;立即落实!"
    assert doc.surface(0, len(raw)) == raw
    assert doc.evidence(0, len(doc.text)).quote == raw


def _outline(annotation: Annotation, shift: int = 0) -> list:
    """What a report's meetings are, with raw offsets moved back by ``shift``."""
    return [
        (
            m.evidence.start - shift,
            m.level.level,
            m.date.value,
            [s.name for s in m.speakers],
            [
                (r.evidence.start - shift, r.evidence.end - shift, fold_width(r.text))
                for r in m.requirements
            ],
        )
        for m in annotation.meetings
    ]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: s.doc_id)
def test_full_width_punctuation_gives_the_same_meetings(seed) -> None:
    half = annotate_text(seed.raw, doc_id="x", published=seed.published)
    wide = annotate_text(seed.raw.translate(HALF_TO_FULL), doc_id="x", published=seed.published)
    assert _outline(wide) == _outline(half)
    texts = [r.text for m in wide.meetings for r in m.requirements]
    assert not any("," in text for text in texts), "texts keep the page's own (full) width"


def test_rules_read_one_context_per_report() -> None:
    ctx = ReportContext.from_raw(SEEDS[0].raw, SEEDS[0].published)
    assert ctx.people is ctx.people
    assert registry.run(registry.DATE, ctx, ctx.meetings[0]) is not None


@given(st.text(alphabet=st.characters(min_codepoint=0x2FF0, max_codepoint=0xFF70)))
def test_width_folding_is_the_unicode_width_mapping_one_for_one(text: str) -> None:
    folded = fold_width(text)
    assert len(folded) == len(text)
    for before, after in zip(text, folded, strict=True):
        if 0xFF01 <= ord(before) <= 0xFF5E or before == "\u3000":
            assert after == unicodedata.normalize("NFKC", before)
        elif before not in "｟｠":
            assert after == before


DATELINES = ("本报讯（记者 林晓 通讯员 周安）", "新华社南宁3月2日电", "县融媒体中心讯")
FURNITURE = "\n\n相关新闻\n黑龙江省召开全省疫情防控工作调度会\n青海省部署冬春季疫情防控工作\n"


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: s.doc_id)
@pytest.mark.parametrize("dateline", DATELINES)
def test_a_dateline_prepended_gives_the_same_meetings(seed, dateline: str) -> None:
    plain = annotate_text(seed.raw, doc_id="x", published=seed.published)
    dated = annotate_text(dateline + seed.raw, doc_id="x", published=seed.published)
    assert _outline(dated, shift=len(dateline)) == _outline(plain)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: s.doc_id)
def test_furniture_about_another_place_gives_the_same_meetings(seed) -> None:
    plain = annotate_text(seed.raw, doc_id="x", published=seed.published)
    padded = annotate_text(seed.raw + FURNITURE, doc_id="x", published=seed.published)
    assert _outline(padded) == _outline(plain)
    assert [m.level.jurisdiction for m in padded.meetings] == [
        m.level.jurisdiction for m in plain.meetings
    ]
