"""Punctuation in one place: width folding and the classes the rules match.

Chinese pages write ``，；：！？（）`` as often as ``,;:!?()``, and digits in either width.
``fold_width`` maps every full-width ASCII variant (U+FF01–U+FF5E) and the ideographic space to
its half-width twin, one character for one, so the normalised text keeps its offset map and a
rule written with ``,`` matches ``，`` too. Marks with no half-width twin in Chinese text (``。、“”
《》【】…``) are left as they are; the classes below name them.

Strings a rule returns (a requirement's text, a meeting's name) are cut from the text before
folding (``NormalisedText.surface``), so a quote keeps the width it was written in.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20  # ideographic space
_FULL_WIDTH[0xFF5F] = 0x28  # ｟ white parenthesis, as (
_FULL_WIDTH[0xFF60] = 0x29

SENTENCE_BREAKS = "。!?;\n"
"""After these a sentence of the folded text ends (a line break ends one too)."""
CLAUSE_BREAKS = SENTENCE_BREAKS + ","
"""After these a clause ends."""


_FOLDABLE = re.compile("[\uff01-\uff60\u3000]")


def _half(match: re.Match[str]) -> str:
    return chr(_FULL_WIDTH[ord(match.group())])


def fold_width(text: str) -> str:
    """``text`` with full-width ASCII variants and U+3000 as half-width twins (same length).

    A regular expression substitution, not ``str.translate``: translate looks every character
    of Chinese text up in the table and is several times slower."""
    return _FOLDABLE.sub(_half, text) if _FOLDABLE.search(text) else text


class Marks:
    """Where some punctuation marks stand in a text, to find the nearest one before or after a
    position by bisection.

    ``max(text.rfind(mark, 0, i) for mark in marks)`` reads back to the text's start for a mark
    the text lacks, and a forward search reads to its end when no mark follows: done for every
    meeting or clause of a long text, either is quadratic."""

    def __init__(self, text: str, marks: str):
        found = re.finditer(f"[{re.escape(marks)}]", text) if marks else ()
        self.positions = [match.start() for match in found]

    def last_before(self, end: int, start: int = 0) -> int:
        """``max(text.rfind(mark, start, end) for mark in marks)``: the last mark in
        ``[start, end)``, or -1."""
        index = bisect_left(self.positions, end) - 1
        return self.positions[index] if index >= 0 and self.positions[index] >= start else -1

    def first_from(self, start: int, end: int | None = None) -> int:
        """The first mark in ``[start, end)`` (to the text's end by default), or -1."""
        index = bisect_left(self.positions, start)
        if index == len(self.positions):
            return -1
        found = self.positions[index]
        return found if end is None or found < end else -1


@lru_cache(maxsize=16)
def marks_in(text: str, marks: str) -> Marks:
    """The ``Marks`` of ``text`` (kept for the last few texts: the rules ask again and again of
    the report they are reading)."""
    return Marks(text, marks)


__all__ = ["CLAUSE_BREAKS", "SENTENCE_BREAKS", "Marks", "fold_width", "marks_in"]
