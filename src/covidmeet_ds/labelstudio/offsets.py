"""Character offsets in Label Studio results and in the corpus.

The corpus counts code points (Python ``str`` indices). Label Studio's text editor (1.x since the
``globalOffsets`` rewrite, checked on 1.23) also stores code points, but older exports and other
JavaScript tools count UTF-16 code units, where a character outside the Basic Multilingual Plane
(an emoji, a rare CJK extension-B character) counts two. The two agree until the first such
character; these functions convert between them.
"""

from __future__ import annotations


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def to_utf16(text: str, index: int) -> int:
    """The UTF-16 offset of the code-point offset ``index`` in ``text``."""
    return utf16_length(text[:index])


def from_utf16(text: str, offset: int) -> int | None:
    """The code-point offset of the UTF-16 offset ``offset`` in ``text``; None when it falls
    inside a surrogate pair or beyond the text."""
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
        if units > offset:
            return None
    return len(text) if units == offset else None


def has_astral(text: str) -> bool:
    """Whether ``text`` holds a character that counts two UTF-16 code units."""
    return any(ord(char) > 0xFFFF for char in text)


__all__ = ["from_utf16", "has_astral", "to_utf16", "utf16_length"]
