"""Stable train/validation/test assignment by group.

A document's split is a hash of its *group key*, never of its position, so adding documents never
moves an existing one. Near-duplicate reports (the same speech re-posted, machine-spun, or
re-scripted into Traditional characters) share a group, so they can never straddle splits.

Groups are found in manifest order (the order documents were added): a document joins the group
of the most similar earlier document when their estimated Jaccard similarity of character
shingles reaches ``NEAR_DUPLICATE``; otherwise it founds a group named by its own doc_id. Earlier
documents never look at later ones, so appending to the manifest never regroups anything.

Similarity is estimated with MinHash and candidates are found with LSH banding. Each band bucket
remembers only its first ``BUCKET_CAPACITY`` documents, so a document is compared with at most
``BANDS * BUCKET_CAPACITY`` earlier ones and grouping stays linear in the corpus size even when
thousands of copies of one report share every bucket (later copies are compared with the earliest
ones, which founded or joined the group). Until a bucket fills, this is the exhaustive search over
every earlier document sharing a band.

Shingles are taken from a canonical form of the text: Simplified script, injected pinyin removed,
Chinese characters only (spun synonyms change a few shingles, not most).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..text import strip_pinyin_readings, to_simplified

SHINGLE = 5
"""Characters per shingle."""
BANDS, ROWS = 16, 4
"""LSH banding of the MinHash signature: 16 bands of 4 rows (candidate threshold ≈ 0.5)."""
BUCKET_CAPACITY = 32
"""Earlier documents an LSH bucket remembers (its first ones); bounds the work per document."""
NEAR_DUPLICATE = 0.5
"""Estimated Jaccard similarity from which two reports are the same report."""
RATIOS = (("train", 0.8), ("validation", 0.1), ("test", 0.1))
"""Target split ratios, reached as the corpus grows."""
SPLIT_SALT = "covidmeet_ds/split/v1"
"""Part of the split hash; changing it would move every document, so it is versioned."""


def _constants(tag: str, count: int) -> np.ndarray:
    digest = b"".join(
        hashlib.blake2b(f"{tag}{i}".encode(), digest_size=8).digest() for i in range(count)
    )
    return np.frombuffer(digest, dtype="<u8").astype(np.uint64)


_MULTIPLIERS = _constants("a", BANDS * ROWS) | np.uint64(1)
_OFFSETS = _constants("b", BANDS * ROWS)
_BASE = np.uint64(1_000_003)
_NOT_CJK = re.compile("[^\u4e00-\u9fff]+")


def canonical(text: str) -> str:
    """The characters that decide whether two reports are the same: Simplified CJK only."""
    return _NOT_CJK.sub("", to_simplified(strip_pinyin_readings(text)))


def signature(text: str) -> np.ndarray:
    """MinHash signature (``BANDS * ROWS`` uint64) of the text's canonical character shingles."""
    chars = np.frombuffer(canonical(text).encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    if len(chars) < SHINGLE:
        chars = np.concatenate([chars, np.zeros(SHINGLE - len(chars), dtype=np.uint64)])
    shingles = np.zeros(len(chars) - SHINGLE + 1, dtype=np.uint64)
    for k in range(SHINGLE):  # polynomial rolling hash; uint64 arithmetic wraps on purpose
        shingles = shingles * _BASE + chars[k : len(chars) - SHINGLE + 1 + k]
    shingles = np.unique(shingles)
    with np.errstate(over="ignore"):
        hashed = shingles[None, :] * _MULTIPLIERS[:, None] + _OFFSETS[:, None]
    return hashed.min(axis=1)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return np.count_nonzero(a == b) / len(a)


@dataclass(frozen=True)
class Assignment:
    doc_id: str
    group: str
    split: str


def split_of(group: str) -> str:
    """The split of a group: a fixed hash of its key mapped onto the target ratios."""
    digest = hashlib.sha256(f"{SPLIT_SALT}:{group}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64
    cumulative = 0.0
    for name, ratio in RATIOS:
        cumulative += ratio
        if position < cumulative:
            return name
    return RATIOS[-1][0]


def assign(documents: Iterable[tuple[str, str]]) -> list[Assignment]:
    """Group and split ``(doc_id, text)`` pairs, given in manifest order.

    Only the signatures and the bucket index are kept, never the texts, so ``documents`` can be a
    generator that reads one file at a time.
    """
    buckets: list[dict[bytes, tuple[int, ...]]] = [{} for _ in range(BANDS)]  # tuples: smaller
    signatures: dict[int, np.ndarray] = {}  # only of documents some bucket remembers
    assignments: list[Assignment] = []
    for index, (doc_id, text) in enumerate(documents):
        sig = signature(text)
        bands = [sig[band * ROWS : (band + 1) * ROWS].tobytes() for band in range(BANDS)]
        candidates = sorted(
            {i for band, key in enumerate(bands) for i in buckets[band].get(key, ())}
        )
        best, best_score = None, NEAR_DUPLICATE
        for i in candidates:
            score = similarity(sig, signatures[i])
            if score >= best_score:
                best, best_score = i, score
        group = doc_id if best is None else assignments[best].group
        assignments.append(Assignment(doc_id, group, split_of(group)))
        for band, key in enumerate(bands):
            members = buckets[band].get(key, ())
            if len(members) < BUCKET_CAPACITY:
                buckets[band][key] = (*members, index)
                signatures[index] = sig
    return assignments


__all__ = [
    "BUCKET_CAPACITY",
    "NEAR_DUPLICATE",
    "RATIOS",
    "Assignment",
    "assign",
    "canonical",
    "signature",
    "similarity",
    "split_of",
]
