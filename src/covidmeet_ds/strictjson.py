"""JSON read strictly: what the standard parser accepts but a record or an annotation may not
hold is refused with :class:`StrictJsonError` (a ``ValueError``): a key given twice in one
object, ``NaN``/``Infinity``, and integers longer than :data:`MAX_INTEGER_DIGITS` digits (offsets,
ordinals and counts are small; a huge one is refused before Python converts it)."""

from __future__ import annotations

import json
from typing import Any

MAX_INTEGER_DIGITS = 18


class StrictJsonError(ValueError):
    """JSON that the standard parser reads but that is refused here."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise StrictJsonError(f"duplicate key {key!r} in one object")
        mapping[key] = value
    return mapping


def _constant(name: str) -> Any:
    raise StrictJsonError(f"{name} is not a JSON number")


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        shown = text if len(text) <= 20 else f"{text[:20]}… ({len(text)} characters)"
        raise StrictJsonError(f"number {shown} is too large")
    return int(text)


DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_constant, parse_int=_integer)
"""The strict decoder; ``DECODER.raw_decode`` for callers that locate values themselves."""


def loads(text: str) -> Any:
    """``json.loads`` with the refusals above (``json.JSONDecodeError`` for malformed JSON)."""
    return DECODER.decode(text)


__all__ = ["DECODER", "MAX_INTEGER_DIGITS", "StrictJsonError", "loads"]
