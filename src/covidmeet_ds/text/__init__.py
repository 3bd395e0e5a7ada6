"""Text utilities shared by the models, the build and (later) the rules: script conversion and
injected pinyin readings.

OpenCC converters are built once per process; building one reads its dictionaries from disk.
"""

from __future__ import annotations

import re
from functools import cache

PINYIN_READING = re.compile(
    r"[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]*[)）]"
)
"""A pinyin reading injected after a character: 學(xué) or 學（xué）. Plain ASCII in brackets does
not match."""


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""Half of a UTF-16 pair: JSON escapes (\\ud800) can put one in a str; OpenCC cannot take it."""


def replace_lone_surrogates(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD: same length, so offsets still hold."""
    return _LONE_SURROGATE.sub("\ufffd", text)


@cache
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """``text`` in Simplified script (OpenCC ``t2s``); Simplified text is returned unchanged."""
    return _converter("t2s").convert(replace_lone_surrogates(text))


def to_traditional(text: str) -> str:
    """``text`` in Traditional script (OpenCC ``s2t``)."""
    return _converter("s2t").convert(replace_lone_surrogates(text))


def strip_pinyin_readings(text: str) -> str:
    """``text`` without injected pinyin readings: 學(xué)習(xí) → 學習."""
    return PINYIN_READING.sub("", text)


__all__ = [
    "PINYIN_READING",
    "replace_lone_surrogates",
    "strip_pinyin_readings",
    "to_simplified",
    "to_traditional",
]
