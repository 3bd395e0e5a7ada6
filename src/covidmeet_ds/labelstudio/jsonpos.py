"""Line and column of an item of a JSON file, found from its path (``[3].annotations[0]``).

The standard library's parser gives no positions; problems are rare, so the text is walked again
along the path only when one has to be located.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


def _index_of(text: str, path: Sequence[str | int]) -> int:
    """Index of the value at ``path``, or of the deepest enclosing value that can be reached."""
    index = _skip_space(text, 0)
    for part in path:
        if index >= len(text):
            return index
        opening = text[index]
        if isinstance(part, int) and opening == "[":
            found = _array_item(text, index, part)
        elif isinstance(part, str) and opening == "{":
            found = _object_member(text, index, part)
        else:
            return index
        if found is None:
            return index
        index = found
    return index


def _array_item(text: str, index: int, wanted: int) -> int | None:
    index = _skip_space(text, index + 1)
    for _ in range(wanted):
        if text.startswith("]", index):
            return None
        index = _skip_space(text, _DECODER.raw_decode(text, index)[1])
        if not text.startswith(",", index):
            return None
        index = _skip_space(text, index + 1)
    return None if text.startswith("]", index) else index


def _object_member(text: str, index: int, wanted: str) -> int | None:
    index = _skip_space(text, index + 1)
    while index < len(text) and text[index] == '"':
        key, index = json.decoder.scanstring(text, index + 1)
        index = _skip_space(text, index)
        if not text.startswith(":", index):
            return None
        index = _skip_space(text, index + 1)
        if key == wanted:
            return index
        index = _skip_space(text, _DECODER.raw_decode(text, index)[1])
        if not text.startswith(",", index):
            return None
        index = _skip_space(text, index + 1)
    return None


def line_column(text: str, path: Sequence[str | int]) -> tuple[int, int]:
    """1-based line and column (in characters) of the value at ``path`` in the JSON ``text``
    (of the deepest enclosing value when the path goes further than the text). ``text`` is
    valid JSON (it has been parsed before a problem in it is located)."""
    index = _index_of(text, path)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


__all__ = ["line_column"]
