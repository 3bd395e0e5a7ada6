"""Problems: one thing wrong with an input, located in a file (line, column) and a field path.

Every command reports what is wrong with its inputs as :class:`Problem` values, rendered as text,
GitHub workflow commands or JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import ValidationError

from .corpus import InputError, Loc, YamlDocument


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong, located in a file (1-based line and column) and a field path."""

    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        """``file:line:column: field: message`` on one line (line breaks shown escaped)."""
        where = f"{_one_line(self.file)}:{self.line}:{self.column}"
        message = _one_line(self.message)
        return (
            f"{where}: {_one_line(self.field)}: {message}" if self.field else f"{where}: {message}"
        )

    def github(self) -> str:
        """The problem as a GitHub Actions ``::error`` workflow command, escaped so that no file
        name, field or message can end the command or start another."""
        properties = ",".join(
            f"{name}={_github_property(str(value))}"
            for name, value in (
                ("file", self.file),
                ("line", self.line),
                ("col", self.column),
                ("title", self.field or "validate"),
            )
        )
        return f"::error {properties}::{_github_data(self.message)}"


_BREAKS_LINES = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    """``text`` with control characters and line separators as escapes (``\\n``, ``\\u2028``):
    a crafted field name cannot start a line of its own in the output."""
    return _BREAKS_LINES.sub(lambda match: match.group().encode("unicode_escape").decode(), text)


def _github_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped (as the runner's toolkit does)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    """A workflow command's property value: also ``:`` and ``,``, which would end it."""
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def render(problems: Sequence[Problem], fmt: str) -> str:
    """Problems as ``text`` (one per line), ``github`` workflow commands or a ``json`` list."""
    if fmt == "json":
        return json.dumps([asdict(p) for p in problems], ensure_ascii=False, indent=2)
    if fmt == "github":
        return "\n".join(p.github() for p in problems)
    return "\n".join(str(p) for p in problems)


def field_path(loc: Iterable[str | int]) -> str:
    """``('meetings', 0, 'date', 'value')`` → ``meetings[0].date.value``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def located_problem(file: str, doc: YamlDocument | None, loc: Loc, message: str) -> Problem:
    """A problem at the position of ``loc`` in ``doc`` (the file's start without one)."""
    line, column = doc.locate(loc) if doc else (1, 1)
    return Problem(file, line, column, field_path(loc), message)


def input_problem(file: str, error: InputError, prefix: str = "") -> Problem:
    """An :class:`InputError` reading ``file`` as a problem of that file."""
    return Problem(file, error.line, error.column, field_path(error.loc), prefix + error.message)


def error_message(error: dict[str, Any]) -> str:
    """One Pydantic error in words: unknown and missing fields named, the bad value shown."""
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown field {error['loc'][-1]!r} (not in the schema; check its spelling)"
    if kind == "missing":
        return f"required field {error['loc'][-1]!r} is missing"
    message = error["msg"]
    if kind.endswith("_type") or kind in {"literal_error", "string_pattern_mismatch"}:
        message += f" (got {error['input']!r})"
    return message


def schema_problems(file: str, doc: YamlDocument, error: ValidationError) -> list[Problem]:
    """Pydantic errors as Problems, located through the YAML positions."""
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"]) + tuple((item.get("ctx") or {}).get("at", ()))
        problems.append(located_problem(file, doc, loc, error_message(item)))
    return problems


__all__ = [
    "Problem",
    "error_message",
    "field_path",
    "input_problem",
    "located_problem",
    "render",
    "schema_problems",
]
