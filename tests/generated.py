"""Generated crawl pages for the scale-out tests and ``benchmarks/bench_scale.py``.

Every page is made of lines of the five seed reports: a seed report with some lines dropped,
repeated or taken from another seed (in Simplified or Traditional script, sometimes with a
publication date), or a page of seed lines that report no meeting, or none that speak of the
epidemic. They are test fixtures only: they are never written into ``raw/`` and never published.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from covidmeet_ds.text import to_traditional

from .rules_helpers import SEED_FILES

REPO = Path(__file__).resolve().parent.parent

_MEETING = re.compile(r"会议|召开|會議|召開")
_EPIDEMIC = re.compile(r"疫|冠|核酸|防控|肺炎|隔离|隔離|口罩|确诊|確診|病例|卫生|衛生|医|醫")


@dataclass(frozen=True)
class Page:
    id: str
    text: str
    published: date | None

    def record(self) -> dict[str, Any]:
        published = self.published.isoformat() if self.published else None
        return {"id": self.id, "text": self.text, "published": published}


@cache
def seed_texts() -> tuple[str, ...]:
    """The five seed reports only: a report added to raw/ later must not change the pages."""
    return tuple((REPO / "raw" / name).read_text(encoding="utf-8") for name in sorted(SEED_FILES))


@cache
def _lines() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Seed lines reporting no meeting, and those of them that do not speak of the epidemic."""
    lines = [line for text in seed_texts() for line in text.splitlines() if line.strip()]
    no_meeting = tuple(line for line in lines if not _MEETING.search(line))
    return no_meeting, tuple(line for line in no_meeting if not _EPIDEMIC.search(line))


def _report(rng: random.Random) -> str:
    texts = seed_texts()
    lines = rng.choice(texts).splitlines()
    kept = [line for line in lines if rng.random() > 0.05]
    if rng.random() < 0.3:
        other = rng.choice(texts).splitlines()
        kept += rng.sample(other, k=min(len(other), rng.randint(1, 8)))
    return "\n".join(kept) + "\n"


def _filler(rng: random.Random, pool: tuple[str, ...], size: int) -> str:
    chosen: list[str] = []
    while sum(len(line.encode("utf-8")) for line in chosen) < size:
        chosen.append(rng.choice(pool))
    return "\n".join(chosen) + "\n"


def iter_pages(count: int, seed: int = 0, size: int = 8000) -> Iterator[Page]:
    """``count`` pages, one at a time, deterministic for a given ``seed``; about ``size`` bytes
    each (seed reports keep their own length, 6–14 KB)."""
    rng = random.Random(seed)
    no_meeting, not_epidemic = _lines()
    for index in range(count):
        roll = rng.random()
        if roll < 0.7:
            text = _report(rng)
        elif roll < 0.85:
            text = _filler(rng, no_meeting, size)
        else:
            text = _filler(rng, not_epidemic, size)
        if rng.random() < 0.15:
            text = to_traditional(text)
        published = None
        if rng.random() < 0.5:
            published = date(2020, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        yield Page(f"gen-{index:06d}", text, published)


def generate_pages(count: int, seed: int = 0, size: int = 8000) -> list[Page]:
    return list(iter_pages(count, seed, size))


def write_jsonl(path: Path, pages: Iterable[Page]) -> Path:
    """The pages as JSON Lines (gzip when the name ends in .gz), as a crawl would give them."""
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as handle:
        for page in pages:
            handle.write(json.dumps(page.record(), ensure_ascii=False) + "\n")
    return path
