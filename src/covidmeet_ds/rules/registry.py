"""The rules, their versions, and the one place where a failing rule is caught.

A rule is a named extractor of one field of a meeting: ``extract(ctx, span)`` reads the
``ReportContext`` and returns a value of the data contract. ``RULES`` lists them in the order
``annotate`` runs them; the crawl runs the same list.

A rule's version is a content hash of its module, its cue files and what every rule reads
(normalisation, punctuation, meeting segmentation): change a cue word and the version changes, so
rule annotations record exactly what made them and a crawl resumed after a change is refused.

A rule that raises is not silenced: ``run`` re-raises the error as ``RuleError`` naming the rule,
and the caller (``annotate`` for the corpus, the crawl's annotate step) counts it and names the
document.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from .. import places as _places
from .. import text as _text
from ..text import normalise as _normalise
from ..text import patterns as _patterns
from ..text import punctuation as _punctuation
from . import context as _context
from . import dates, levels, meetings, reports, requirements, speakers
from .context import ReportContext
from .meetings import MeetingSpan


class Rule(Protocol):
    """One extractor: a name, a version that changes whenever its code or data change, and
    ``extract``."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def extract(self, ctx: ReportContext, span: MeetingSpan) -> Any: ...


class RuleError(RuntimeError):
    """A rule failed on a report: the rule, and the error it raised (``__cause__``)."""

    def __init__(self, rule: str, error: BaseException):
        super().__init__(f"rule {rule} failed: {type(error).__name__}: {error}")
        self.rule = rule


_SHARED: tuple[ModuleType, ...] = (
    _text,
    _normalise,
    _punctuation,
    _patterns,
    _places,
    _context,
    meetings,
)
"""Modules every rule depends on: what builds the context (its places included)."""
_SHARED_DATA: tuple[str, ...] = ("furniture.yaml", "meetings.yaml", "divisions.tsv", "places.yaml")
"""The cue files and gazetteer the context reads."""


def content_hash(files: Sequence[Path | Traversable]) -> str:
    """12 hex digits of sha256 over the files' bytes, in order (a rule's version)."""
    sha = hashlib.sha256()
    for file in files:
        sha.update(file.read_bytes())
    return sha.hexdigest()[:12]


def _files(modules: Sequence[ModuleType], data: Sequence[str]) -> list[Path | Traversable]:
    folder = resources.files("covidmeet_ds").joinpath("data")
    return [Path(module.__file__ or "") for module in modules] + [
        folder.joinpath(name) for name in data
    ]


@dataclass(frozen=True)
class ModuleRule:
    """A rule implemented by a function of a ``rules/`` module whose ``DATA`` names the cue
    files it reads."""

    name: str
    function: Callable[..., Any]
    depends: tuple[ModuleType, ...] = ()
    """Other rule modules it calls (the filter asks the level rule)."""

    @property
    def module(self) -> ModuleType:
        return sys.modules[self.function.__module__]

    @property
    def version(self) -> str:
        return _version(self)

    def extract(self, ctx: ReportContext, span: MeetingSpan) -> Any:
        return self.function(ctx, span)


@cache
def _version(rule: ModuleRule) -> str:
    own = (rule.module, *rule.depends)
    data = tuple(name for module in own for name in module.DATA)
    return content_hash(_files((*own, *_SHARED), (*data, *_SHARED_DATA)))


DATE = ModuleRule("date", dates.extract_date)
LEVEL = ModuleRule("level", levels.extract_level)
SPEAKERS = ModuleRule("speakers", speakers.extract_speakers)
REQUIREMENTS = ModuleRule("requirements", requirements.extract_requirements)
RULES: tuple[ModuleRule, ...] = (DATE, LEVEL, SPEAKERS, REQUIREMENTS)
"""The meeting fields, in the order ``annotate`` runs them."""
REPORT_FILTER = ModuleRule("report_filter", reports.classify, depends=(levels,))
"""The crawl's keep/drop decision for a whole report (``classify(ctx)``, see ``keep``)."""


def run(rule: Rule, ctx: ReportContext, span: MeetingSpan) -> Any:
    """``rule.extract(ctx, span)``; any error comes out as ``RuleError`` naming the rule."""
    try:
        return ctx.memo((rule.name, span), lambda: rule.extract(ctx, span))
    except Exception as error:
        raise RuleError(rule.name, error) from error


def annotated_meetings(ctx: ReportContext) -> tuple[MeetingSpan, ...]:
    """The meetings ``annotate`` labels: those the filter takes for prevention meetings."""
    try:
        return reports.prevention_meetings(ctx)
    except Exception as error:
        raise RuleError(REPORT_FILTER.name, error) from error


def drop_reason(ctx: ReportContext) -> reports.DropReason | None:
    """The report filter's reason to drop the report, or None to keep it; errors as
    ``RuleError``."""
    try:
        return reports.classify(ctx)
    except Exception as error:
        raise RuleError(REPORT_FILTER.name, error) from error


def rule_versions() -> dict[str, str]:
    """Every rule's name → version, the filter included (recorded by annotations and crawls)."""
    return {rule.name: rule.version for rule in (*RULES, REPORT_FILTER)}


__all__ = [
    "DATE",
    "LEVEL",
    "REPORT_FILTER",
    "REQUIREMENTS",
    "RULES",
    "SPEAKERS",
    "ModuleRule",
    "Rule",
    "RuleError",
    "annotated_meetings",
    "content_hash",
    "drop_reason",
    "rule_versions",
    "run",
]
