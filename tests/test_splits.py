"""Split assignment: stable under growth, near-duplicates grouped, ratios as the corpus grows."""

from __future__ import annotations

import random
import tracemalloc
from collections import Counter
from collections.abc import Iterator

import numpy as np
import pytest
import yaml

from covidmeet_ds.build import splits
from covidmeet_ds.build.splits import (
    BUCKET_CAPACITY,
    RATIOS,
    assign,
    signature,
    similarity,
    split_of,
)
from covidmeet_ds.text import to_traditional

from .conftest import REPO
from .rules_helpers import SEED_FILES


def _seeds() -> list[tuple[str, str]]:
    """The five seed reports in manifest order (the tests know their groups and splits)."""
    manifest = yaml.safe_load((REPO / "raw" / "manifest.yaml").read_text(encoding="utf-8"))
    return [
        (entry["doc_id"], (REPO / "raw" / entry["file"]).read_text(encoding="utf-8"))
        for entry in manifest["documents"]
        if entry["file"] in SEED_FILES
    ]


SEEDS = _seeds()
FURNITURE = "首页 | 新闻 | 体育 | 娱乐 | 财经 | 房产 | 汽车\n相关推荐:\n" * 8
SPUN = {"党中央": "党中心", "及时": "刚好", "安全": "平安", "坚决": "果断", "部署": "安排"}


def _spin(text: str) -> str:
    for word, synonym in SPUN.items():
        text = text.replace(word, synonym)
    return text


def _inject_pinyin(text: str) -> str:
    readings = {"疫": "(yì)", "情": "(qíng)", "防": "(fáng)", "控": "(kòng)"}
    return "".join(ch + readings.get(ch, "") for ch in text)


def _repost(text: str) -> str:
    """Another site's copy: its own furniture around the body, the page's tail cut."""
    return FURNITURE + text[: int(len(text) * 0.9)] + "\n版权所有 转载请注明出处\n"


VARIANTS = {
    "traditional": to_traditional,
    "spun": _spin,
    "pinyin": lambda text: to_traditional(_inject_pinyin(text)),
    "reposted": _repost,
    "reposted_spun_traditional": lambda text: to_traditional(_spin(_repost(text))),
}


def test_seed_reports_are_distinct_groups() -> None:
    assignments = assign(SEEDS)
    assert [a.group for a in assignments] == [doc_id for doc_id, _ in SEEDS]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("seed", range(len(SEEDS)))
def test_near_duplicates_share_group_and_split(seed: int, variant: str) -> None:
    doc_id, text = SEEDS[seed]
    copy = VARIANTS[variant](text)
    assignments = assign([*SEEDS, ("copy", copy)])
    original = assignments[seed]
    assert assignments[-1].group == original.group == doc_id
    assert assignments[-1].split == original.split


def test_adding_documents_never_moves_an_existing_one() -> None:
    before = assign(SEEDS)
    rng = random.Random(7)
    newcomers = []
    for i in range(40):
        _, text = SEEDS[i % len(SEEDS)]
        sentences = text.split("。")
        rng.shuffle(sentences)
        newcomers.append((f"new-{i}", "。".join(sentences[:3])))
    newcomers += [(f"dup-{i}", _spin(text)) for i, (_, text) in enumerate(SEEDS)]
    after = assign([*SEEDS, *newcomers])
    assert after[: len(SEEDS)] == before


def test_an_unrelated_report_founds_its_own_group() -> None:
    other = "本报讯 今年秋季粮食喜获丰收,全县农民忙着晾晒稻谷、整修农机,准备迎接冬小麦播种。" * 5
    assignments = assign([*SEEDS, ("harvest", other)])
    assert assignments[-1].group == "harvest"


def test_ratios_approach_the_target_as_the_corpus_grows() -> None:
    counts = Counter(split_of(f"group-{i}") for i in range(20_000))
    for name, ratio in RATIOS:
        assert abs(counts[name] / 20_000 - ratio) < 0.01, (name, counts)


def test_split_of_a_group_never_changes() -> None:
    # Part of the public contract: a change here moves published documents between splits.
    assert [split_of(doc_id) for doc_id, _ in SEEDS] == [
        "validation",
        "train",
        "train",
        "train",
        "train",
    ]


def test_signature_is_robust_to_short_and_empty_text() -> None:
    assert len(signature("")) == len(signature("疫情")) == len(signature(SEEDS[0][1]))
    assert similarity(signature(""), signature("")) == 1.0


def _copies(count: int) -> Iterator[tuple[str, str]]:
    """Copies of the seeds that differ only outside the Chinese text: all of one seed's copies
    share every LSH bucket, the worst case for candidate search."""
    for i in range(count):
        _, text = SEEDS[i % len(SEEDS)]
        yield f"copy-{i}", f"{text}\ncopy {i}\n"


def test_many_copies_of_a_report_cost_a_bounded_number_of_comparisons(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    comparisons = 0

    def counted(a: np.ndarray, b: np.ndarray) -> float:
        nonlocal comparisons
        comparisons += 1
        return similarity(a, b)

    monkeypatch.setattr(splits, "similarity", counted)
    documents = list(_copies(1000))
    bounded = assign(documents)
    assert comparisons <= len(documents) * BUCKET_CAPACITY
    # comparing with every earlier copy would cost about n²/(2·seeds) comparisons
    assert comparisons < len(documents) ** 2 / (2 * len(SEEDS)) / 3
    assert {a.group for a in bounded} == {f"copy-{i}" for i in range(len(SEEDS))}
    monkeypatch.setattr(splits, "BUCKET_CAPACITY", len(documents))
    assert assign(documents[:200]) == bounded[:200]


def _peak_memory_of_grouping(count: int) -> int:
    tracemalloc.start()
    try:
        assign(_copies(count))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_grouping_keeps_signatures_not_texts() -> None:
    small, large = 500, 2500
    extra_text = sum(len(text) * 2 for _, text in list(_copies(large))[small:])  # 2 bytes a 字
    growth = _peak_memory_of_grouping(large) - _peak_memory_of_grouping(small)
    assert growth < extra_text / 10, (growth, extra_text)
