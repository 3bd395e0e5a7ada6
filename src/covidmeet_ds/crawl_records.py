"""Crawl records → pages: the checks every input record passes, with no datatrove import.

A record that cannot give a page (not JSON, not an object, bytes that are not UTF-8, no text or a
text that is not a string) becomes a :class:`Skip` with a reason from :data:`SKIP_REASONS`; the
crawl counts and names it and goes on. Ids are repaired, never a reason to skip: numbers become
their decimal string (``7`` and ``7.0`` both give ``"7"``), and a record without a usable id gets
``FILE/INDEX`` as datatrove's readers do (counted as :data:`ID_MISSING` or :data:`ID_INVALID`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from .text import replace_lone_surrogates

SKIP_REASONS = (
    "not_json",
    "not_object",
    "invalid_utf8",
    "bad_value",
    "missing_text",
    "text_not_string",
)
"""Why a record gives no page, in the order the checks run."""

ID_MISSING = "id_missing"
"""No id field, or null, NaN or blank: the id is ``FILE/INDEX``."""
ID_INVALID = "id_invalid"
"""An id that is not a string or a number (a boolean, list, object, infinity, bytes that are not
UTF-8): the id is ``FILE/INDEX``."""
SURROGATES_REPLACED = "lone_surrogates_replaced"
"""A JSON escape such as ``"\\ud800"`` is not UTF-8 (Parquet and the models refuse it): replaced
by U+FFFD, which keeps the length and so every offset."""

MAX_JSON_DEPTH = 100
"""Deeper values have no JSON form in the audit (orjson stops at 254 levels)."""
_INT64_MIN, _UINT64_END = -(2**63), 2**64


@dataclass(frozen=True)
class Skip:
    """A record that gives no page: the reason (one of :data:`SKIP_REASONS`) and what was found."""

    reason: str
    detail: str


@dataclass
class Page:
    """A record's page: its text and id as strings, the other fields as they were read."""

    text: str
    id: str
    metadata: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    """Counters to add one to: :data:`ID_MISSING`, :data:`ID_INVALID`,
    :data:`SURROGATES_REPLACED`."""


def parse_json_line(line: bytes, first_line: bool = False) -> dict[str, Any] | Skip:
    """One JSON Lines record, or why it is not one."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        return Skip("invalid_utf8", f"byte {error.start + 1} of the line is not UTF-8")
    if first_line:
        text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text)
    except RecursionError:
        return Skip("not_json", "nested too deeply to parse")
    except ValueError as error:  # JSONDecodeError, and integers longer than Python converts
        return Skip("not_json", str(error))
    if not isinstance(data, dict):
        return Skip("not_object", f"a JSON {_json_kind(data)}, not an object")
    return data


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return f"a number ({str(value)[:30]})"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _clean(text: str, notes: list[str]) -> str:
    cleaned = replace_lone_surrogates(text)
    if cleaned != text:
        notes.append(SURROGATES_REPLACED)
    return cleaned


def text_of(data: dict[str, Any], key: str, notes: list[str]) -> str | Skip:
    """The record's text: a string, or bytes that are UTF-8 (a Parquet binary column)."""
    if key not in data:
        return Skip("missing_text", f"no field {key!r}")
    value = data[key]
    if value is None:
        return Skip("missing_text", f"{key!r} is null")
    if isinstance(value, (bytes, bytearray)):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError as error:
            return Skip("invalid_utf8", f"{key!r}: byte {error.start + 1} is not UTF-8")
    if not isinstance(value, str):
        return Skip("text_not_string", f"{key!r} is {_kind(value)}, not a string")
    return _clean(value, notes)


def _number_id(value: float | Decimal) -> str | None:
    """An integral number as its integer (7.0 → "7", as 7 gives); None for NaN and infinity."""
    if (isinstance(value, float) and not math.isfinite(value)) or (
        isinstance(value, Decimal) and not value.is_finite()
    ):
        return None
    if value == int(value):
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def id_of(value: Any, fallback: str, notes: list[str]) -> str:
    """A page id as a string; ``fallback`` (noted) when the value is missing or unusable."""
    if isinstance(value, (bytes, bytearray)):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            notes.append(ID_INVALID)
            return fallback
    if value is None or (isinstance(value, str) and not value.strip()):
        notes.append(ID_MISSING)
        return fallback
    if isinstance(value, str):
        return _clean(value, notes)
    if isinstance(value, bool):
        notes.append(ID_INVALID)
        return fallback
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)):
        if value != value:  # NaN: how pandas writes a missing value in a number column
            notes.append(ID_MISSING)
            return fallback
        number = _number_id(value)
        if number is None:
            notes.append(ID_INVALID)
            return fallback
        return number
    notes.append(ID_INVALID)
    return fallback


def record_page(data: dict[str, Any], text_key: str, id_key: str, fallback_id: str) -> Page | Skip:
    """The page a record gives, or why it gives none. ``fallback_id`` is ``FILE/INDEX``."""
    notes: list[str] = []
    text = text_of(data, text_key, notes)
    if isinstance(text, Skip):
        return text
    page_id = id_of(data.get(id_key), fallback_id, notes)
    metadata = {key: value for key, value in data.items() if key not in (text_key, id_key)}
    return Page(text=text, id=page_id, metadata=metadata, notes=notes)


def shown(text: str, limit: int = 80) -> str:
    """An id or field name for a log line: characters that are not printable escaped (a line
    break cannot forge a log line), long ones cut."""
    escaped = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:limit])
    return escaped if len(text) <= limit else escaped + "…"


# --- the audit of dropped pages ------------------------------------------------------------------


class NoJsonForm(ValueError):
    """A value JSON cannot hold faithfully: its kind."""


def json_ready(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON holds it (dates as ISO strings, as datatrove writes them), or
    :class:`NoJsonForm`. Bytes, decimals, durations, NaN, infinities, integers beyond 64 bits,
    non-string keys and values nested deeper than :data:`MAX_JSON_DEPTH` have none."""
    if depth > MAX_JSON_DEPTH:
        raise NoJsonForm(f"nested deeper than {MAX_JSON_DEPTH} levels")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return replace_lone_surrogates(value)
    if isinstance(value, int):
        if not _INT64_MIN <= value < _UINT64_END:
            raise NoJsonForm("an integer beyond 64 bits")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NoJsonForm(repr(value))
        return value
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_ready(item, depth + 1) for item in value]
    if isinstance(value, dict):
        ready = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise NoJsonForm(f"a {type(key).__name__} key")
            ready[replace_lone_surrogates(key)] = json_ready(item, depth + 1)
        return ready
    raise NoJsonForm(type(value).__name__)


def json_ready_fields(metadata: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The fields JSON can hold, and the others' names with why not."""
    ready, left_out = {}, {}
    for key, value in metadata.items():
        try:
            ready[key] = json_ready(value)
        except NoJsonForm as error:
            left_out[key] = str(error)
    return ready, left_out


# --- input fingerprint -------------------------------------------------------------------------


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def stat_key(path: Path) -> list[int]:
    """What changes whenever the file's content may have: size, mtime, ctime, inode. A user can
    set mtime back, not ctime, so an unchanged key means unchanged content."""
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


def files_changed(before: Any, now: dict[str, Any]) -> list[str]:
    """What differs between two ``{name: {"bytes": …, "sha256": …}}`` listings, named (a
    ``before`` that is no such listing holds no file)."""
    if not isinstance(before, dict):
        before = {}
    changes = [f"{name} is new" for name in sorted(now.keys() - before.keys())]
    changes += [f"{name} is gone" for name in sorted(before.keys() - now.keys())]
    for name in sorted(now.keys() & before.keys()):
        if now[name] != before[name]:
            old, new = before[name], now[name]
            if isinstance(old, dict) and old.get("bytes") == new["bytes"]:
                changes.append(f"{name} changed (same size, other content)")
            else:
                changes.append(f"{name} changed")
    return changes


def fields_listed(counts: dict[str, int], limit: int = 30) -> str:
    """``name (count), …`` with the most frequent fields first, at most ``limit`` of them."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    listed = ", ".join(f"'{shown(name, 40)}' ({count})" for name, count in ranked[:limit])
    more = len(ranked) - limit
    return (listed + (f", and {more} more" if more > 0 else "")) or "none"


def count_fields(records: Iterable[dict[str, Any]], counts: dict[str, int]) -> None:
    for record in records:
        for key, value in record.items():
            if value is not None:
                counts[key] = counts.get(key, 0) + 1


__all__ = [
    "ID_INVALID",
    "ID_MISSING",
    "SKIP_REASONS",
    "SURROGATES_REPLACED",
    "NoJsonForm",
    "Page",
    "Skip",
    "count_fields",
    "fields_listed",
    "file_sha256",
    "files_changed",
    "id_of",
    "json_ready",
    "json_ready_fields",
    "parse_json_line",
    "record_page",
    "shown",
    "stat_key",
    "text_of",
]
