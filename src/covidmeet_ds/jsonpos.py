"""Line and column of an item of a JSON text, found from its path (``[3].annotations[0]``).

The standard library's parser gives no positions; problems are rare, so the text is walked again
along the path only when one has to be located. Used for Label Studio exports (whole files) and
prediction files (one JSON document per line).
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


def _index_of(text: str, path: Sequence[str | int], keys: bool = False) -> int:
    """Index of the value at ``path``, or of the deepest enclosing value that can be reached;
    with ``keys``, of the key of the deepest object member reached instead of its value."""
    index = _skip_space(text, 0)
    found = index
    for part in path:
        if index >= len(text):
            break
        opening = text[index]
        if isinstance(part, int) and opening == "[":
            item = _array_item(text, index, part)
            if item is None:
                break
            found = index = item
        elif isinstance(part, str) and opening == "{":
            member = _object_member(text, index, part)
            if member is None:
                break
            key_at, index = member
            found = key_at if keys else index
        else:
            break
    return found if keys else index


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


def _object_member(text: str, index: int, wanted: str) -> tuple[int, int] | None:
    """In the object at ``index``: where member ``wanted``'s key and value start."""
    index = _skip_space(text, index + 1)
    while index < len(text) and text[index] == '"':
        key_at = index
        key, index = json.decoder.scanstring(text, index + 1)
        index = _skip_space(text, index)
        if not text.startswith(":", index):
            return None
        index = _skip_space(text, index + 1)
        if key == wanted:
            return key_at, index
        index = _skip_space(text, _DECODER.raw_decode(text, index)[1])
        if not text.startswith(",", index):
            return None
        index = _skip_space(text, index + 1)
    return None


def line_column(text: str, path: Sequence[str | int], keys: bool = False) -> tuple[int, int]:
    """1-based line and column (in characters) of the value at ``path`` in the JSON ``text``
    (of the deepest enclosing value when the path goes further than the text); with ``keys``, of
    the member's key, as validation locates YAML. ``text`` is valid JSON (it has been parsed
    before a problem in it is located)."""
    index = _index_of(text, path, keys)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


__all__ = ["line_column"]
