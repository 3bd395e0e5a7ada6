"""Rows of each published config, from one document's manifest entry, text and annotations.

Rows are plain dicts of decoded values (class labels as names, dates as ``date``); the writer
encodes them with the config's ``Features``. Each function yields rows in text order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..models import Meeting
from ..reader import SourceDocument


def meeting_row(doc_id: str, meeting: Meeting) -> dict[str, Any]:
    return {
        "doc_id": doc_id,
        "meeting_id": meeting.meeting_id,
        "name": meeting.name,
        "convener": meeting.convener,
        "date": meeting.date.value,
        "date_precision": meeting.date.precision,
        "time_of_day": meeting.date.time_of_day,
        "level": meeting.level.level,
        "jurisdiction": meeting.level.jurisdiction,
        "speakers": [
            {"name": s.name, "titles": list(s.titles), "roles": list(s.roles)}
            for s in meeting.speakers
        ],
        "requirements": [
            {"ordinal": r.ordinal, "section": r.section, "text": r.text, "category": r.category}
            for r in meeting.requirements
        ],
    }


def meeting_rows(document: SourceDocument) -> Iterator[dict[str, Any]]:
    """One row per gold meeting."""
    if document.hand is not None:
        for meeting in document.hand.meetings:
            yield meeting_row(document.entry.doc_id, meeting)


def requirement_rows(document: SourceDocument) -> Iterator[dict[str, Any]]:
    """One row per gold requirement, with its meeting's level and date."""
    if document.hand is None:
        return
    for meeting in document.hand.meetings:
        for requirement in meeting.requirements:
            yield {
                "doc_id": document.entry.doc_id,
                "meeting_id": meeting.meeting_id,
                "ordinal": requirement.ordinal,
                "section": requirement.section,
                "text": requirement.text,
                "category": requirement.category,
                "level": meeting.level.level,
                "date": meeting.date.value,
            }


def document_rows(document: SourceDocument) -> Iterator[dict[str, Any]]:
    """One row per document, with both annotations nested in full."""
    entry = document.entry
    flags_from = document.hand or document.rule
    yield {
        "doc_id": entry.doc_id,
        "source_site": entry.source_site,
        "source_url": entry.source_url,
        "published": entry.published,
        "script": entry.script,
        "quality_flags": list(flags_from.quality_flags) if flags_from else None,
        "raw_text": document.raw_text,
        "text": document.text,
        "hand": document.hand.model_dump(mode="python") if document.hand else None,
        "rule": document.rule.model_dump(mode="python") if document.rule else None,
    }


ROWS = {"meetings": meeting_rows, "requirements": requirement_rows, "documents": document_rows}
"""Row generator of each config."""


__all__ = ["ROWS", "SourceDocument", "document_rows", "meeting_rows", "requirement_rows"]
