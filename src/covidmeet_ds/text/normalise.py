"""From a raw file to the report's body, with a map back to raw offsets.

``normalise(raw)`` removes injected pinyin readings and converts Traditional to Simplified
script; every character of the result remembers the raw index it came from, so a span found in
the normalised text becomes an exact raw quote (``NormalisedText.evidence``) that passes the same
``validate`` as hand evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Evidence
from . import PINYIN_READING, to_simplified


@dataclass(frozen=True)
class NormalisedText:
    """The body of a report in Simplified script, and where each character came from."""

    raw: str
    text: str
    offsets: tuple[int, ...]
    """``offsets[i]`` is the raw index of ``text[i]``."""
    flags: tuple[str, ...] = ()
    """Quality flags detected in the raw file (see ``models.QualityFlag``)."""

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw ``[start, end)`` covering the normalised ``text[start:end]`` (non-empty)."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"empty or out-of-range span {start}:{end}")
        return self.offsets[start], self.offsets[end - 1] + 1

    def evidence(self, start: int, end: int) -> Evidence:
        """Evidence quoting the raw text behind the normalised ``text[start:end]``."""
        raw_start, raw_end = self.raw_span(start, end)
        return Evidence(quote=self.raw[raw_start:raw_end], start=raw_start, end=raw_end)


def _drop_pinyin(raw: str) -> tuple[str, list[int]]:
    kept: list[str] = []
    offsets: list[int] = []
    position = 0
    for match in PINYIN_READING.finditer(raw):
        kept.append(raw[position : match.start()])
        offsets.extend(range(position, match.start()))
        position = match.end()
    kept.append(raw[position:])
    offsets.extend(range(position, len(raw)))
    return "".join(kept), offsets


def _simplify(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """t2s keeping one output character per input character where OpenCC allows it."""
    converted = to_simplified(text)
    if len(converted) == len(text):
        return converted, offsets
    # A phrase conversion changed the length somewhere: convert line by line, and fall back
    # to character-by-character conversion for the lines that changed length.
    out: list[str] = []
    position = 0
    for line in text.splitlines(keepends=True):
        simple = to_simplified(line)
        if len(simple) != len(line):
            simple = "".join(to_simplified(ch) if len(to_simplified(ch)) == 1 else ch for ch in line)
        out.append(simple)
        position += len(line)
    return "".join(out), offsets


def normalise(raw: str) -> NormalisedText:
    """The report's body in Simplified script with injected pinyin removed."""
    text, offsets = _drop_pinyin(raw)
    text, offsets = _simplify(text, offsets)
    return NormalisedText(raw=raw, text=text, offsets=tuple(offsets))


__all__ = ["NormalisedText", "normalise"]
