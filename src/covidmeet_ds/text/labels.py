"""Label text derived from an evidence quote, as the annotation guidelines define it.

A requirement's ``text`` is its quote in Simplified script with injected pinyin readings,
page-split markers and line breaks dropped (guidelines §2); widths, spun synonyms and redactions
stay as written. ``anchor`` writes it when an annotator leaves it out, and an import from an
annotation tool derives it the same way, so a person never types a requirement twice.

Which characters are pinyin readings or page-split markers is decided on the whole raw text by
``normalise`` (a numbered line is a page split only in a run of them that breaks sentences), so
the function takes the normalised document and the quote's raw offsets, not the quote alone.
"""

from __future__ import annotations

import re

from . import to_simplified
from .normalise import NormalisedText

DROPPED_FROM_LABELS = frozenset({"pinyin", "page_split"})
"""Kinds of ``NormalisedText.removed`` spans that label text leaves out."""

LINE_BREAKS = re.compile(r"(?<!\s)\s*[\r\n]\s*")
"""A line break with the whitespace around it, from the first of that whitespace only: the same
joining as the requirement rules' (``rules.requirements._LINE_BREAKS``)."""


def requirement_text(doc: NormalisedText, start: int, end: int) -> str:
    """The requirement ``text`` for the raw quote ``doc.raw[start:end]``; empty when nothing is
    left (a quote of only pinyin readings or line breaks)."""
    if not 0 <= start <= end <= len(doc.raw):
        raise ValueError(f"span {start}:{end} is outside the raw text (length {len(doc.raw)})")
    kept: list[str] = []
    position = start
    for removed_start, removed_end, kind in doc.removed:
        if kind not in DROPPED_FROM_LABELS or removed_end <= position:
            continue
        if removed_start >= end:
            break
        kept.append(doc.raw[position:removed_start] if removed_start > position else "")
        position = max(position, removed_end)
    if position < end:
        kept.append(doc.raw[position:end])
    joined = LINE_BREAKS.sub("", "".join(kept)).strip()
    return to_simplified(joined)


__all__ = ["DROPPED_FROM_LABELS", "LINE_BREAKS", "requirement_text"]
