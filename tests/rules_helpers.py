"""Shared helpers for rule tests: the seeds, their gold, and meeting spans derived from the gold
(so each extractor can be measured on its own, independently of segmentation)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date

import yaml

from covidmeet_ds.models import Annotation
from covidmeet_ds.rules.context import ReportContext
from covidmeet_ds.rules.meetings import MeetingSpan
from covidmeet_ds.text.normalise import NormalisedText, normalise

from .conftest import REPO


@dataclass(frozen=True)
class Seed:
    doc_id: str
    raw: str
    published: date | None
    gold: Annotation
    doc: NormalisedText


SEED_FILES = frozenset(
    {
        "000_cb8212359694cc31.txt",
        "001_590e4460697f25d4.txt",
        "002_e40f8632191833bd.txt",
        "003_cfb9f099c8a81054.txt",
        "004_f29735a95a4a6680.txt",
    }
)
"""The five seed reports (from ../shared/raw): the rule tests check their known values. A
report added to the corpus later is not one of them, so it never adds a demand that the rules
reproduce its gold (how well they do on it is what `evaluate` measures)."""


def load_seeds() -> list[Seed]:
    manifest = yaml.safe_load((REPO / "raw" / "manifest.yaml").read_text(encoding="utf-8"))
    seeds = []
    for entry in manifest["documents"]:
        if entry["file"] not in SEED_FILES:
            continue
        raw = (REPO / "raw" / entry["file"]).read_text(encoding="utf-8")
        gold_path = REPO / "annotations" / "hand" / f"{entry['doc_id']}.yaml"
        gold = Annotation.model_validate(yaml.safe_load(gold_path.read_text(encoding="utf-8")))
        published = entry["published"]
        seeds.append(Seed(entry["doc_id"], raw, published, gold, normalise(raw)))
    return seeds


def to_normalised(doc: NormalisedText, raw_index: int) -> int:
    """The first normalised index whose raw offset is at or after ``raw_index``."""
    return bisect.bisect_left(doc.offsets, raw_index)


def gold_spans(seed: Seed) -> list[MeetingSpan]:
    """One MeetingSpan per gold meeting: from its evidence to the next meeting's evidence."""
    doc = seed.doc
    starts = [to_normalised(doc, m.evidence.start) for m in seed.gold.meetings]
    spans = []
    for i, meeting in enumerate(seed.gold.meetings):
        start = starts[i]
        end = starts[i + 1] if i + 1 < len(starts) else len(doc.text)
        held_end = max(start + 1, to_normalised(doc, meeting.evidence.end))
        spans.append(
            MeetingSpan(
                start=start,
                end=max(end, held_end),
                held_start=start,
                held_end=held_end,
                name=meeting.name,
                convener=meeting.convener,
            )
        )
    return spans


def context(doc: NormalisedText, published: date | None = None) -> ReportContext:
    """A context for asking one rule about a span chosen by the test (no segmentation)."""
    return ReportContext(doc=doc, published=published)
