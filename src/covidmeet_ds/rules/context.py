"""One report as every rule sees it, built once: ``ReportContext``.

The context holds the normalised text (furniture dropped, Simplified, punctuation folded, with
the map to raw offsets), the report's publication date and the meetings it describes. What
several rules need about the whole report (the people named in it, the places) is computed
once, on first use, and kept here, so no rule re-reads the page or re-detects its furniture.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from ..places import PlaceMention, find_places
from ..text.normalise import NormalisedText, normalise
from .meetings import MeetingSpan, segment

if TYPE_CHECKING:
    from .speakers import ReportPeople

T = TypeVar("T")


@dataclass(frozen=True)
class ReportContext:
    """A report read once: its text, publication date, meetings and who is named in it."""

    doc: NormalisedText
    published: date | None = None
    meetings: tuple[MeetingSpan, ...] = field(default=())
    """The meetings the report describes (``meetings.segment``), in order of first mention."""

    @classmethod
    def of(
        cls,
        doc: NormalisedText,
        published: date | None = None,
        meetings: tuple[MeetingSpan, ...] | None = None,
    ) -> ReportContext:
        """The context of a normalised report; ``meetings`` when already segmented."""
        spans = tuple(segment(doc)) if meetings is None else tuple(meetings)
        return cls(doc=doc, published=published, meetings=spans)

    @classmethod
    def from_raw(cls, raw: str, published: date | None = None) -> ReportContext:
        """The context of a raw report (the text exactly as in ``raw/``)."""
        return cls.of(normalise(raw), published)

    _memo: dict[Hashable, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, once per report and ``key`` (a rule's value for a meeting is asked for
        by the filter and by ``annotate``; it is computed once)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @cached_property
    def places(self) -> tuple[PlaceMention, ...]:
        """Every name of a division in the report's text, left to right (``places.find_places``);
        townships, which the gazetteer does not hold, are the rules' business."""
        return tuple(find_places(self.doc.text))

    @cached_property
    def people(self) -> ReportPeople:
        """Everyone named with a title or an honorific anywhere in the report."""
        from .speakers import report_people

        return report_people(self.doc)


__all__ = ["ReportContext"]
