"""Drafts: hand annotations pre-filled from the rules, for a person to correct and promote.

A draft lives in ``annotations/draft/<doc_id>.yaml``. It is a hand annotation with ``stage:
draft``: it validates like gold (schema, evidence against the raw text) but is never published,
and every evidence carries ``checked``, the reviewer's mark that the value has been compared with
the text. A draft made from the rules starts with ``checked: false`` everywhere and records the
rule versions it came from (``provenance``); ``covidmeet-ds promote`` turns it into gold once
every mark is ``true``.
"""

from __future__ import annotations

from typing import Any

import yaml

from .models import Annotation

GUIDELINES_VERSION = "1.0"
"""The version of ``docs/annotation-guidelines.md`` a new hand annotation follows."""

DRAFT_MODELINE = "# yaml-language-server: $schema=../../schema/annotation.schema.json"
"""The modeline of ``annotations/draft/<doc_id>.yaml`` (the same as gold's)."""

PREFILLED_NOTE = "Pre-filled from the rules ({rules}) for a person to correct."
"""The draft's ``notes``: true of the draft and of the gold it becomes (the instructions to the
reviewer are the file's header comment, which promotion drops)."""

DRAFT_HEADER = (
    "# Draft pre-filled from the rules: correct every value against the raw text (add what the\n"
    "# rules missed, delete what they invented, check the quality flags and the report kind),\n"
    "# set checked: true on each evidence you have checked, then run\n"
    "# `covidmeet-ds promote {doc_id} --reviewer NAME`.\n"
)
NO_MEETING_NOTE = (
    "The rules found no prevention meeting. Annotate the meetings the report describes, or say "
    "which near-miss the report is (kind and an evidence quote that shows it)."
)


def _mark_unchecked(value: Any) -> Any:
    """Dumped annotation data with ``checked: false`` on every evidence (a mapping with a
    ``quote``: only evidence has one)."""
    if isinstance(value, list):
        return [_mark_unchecked(item) for item in value]
    if isinstance(value, dict):
        marked = {key: _mark_unchecked(item) for key, item in value.items()}
        return marked | {"checked": False} if "quote" in value else marked
    return value


def draft_from_rules(rule: Annotation, annotated_by: str) -> Annotation:
    """The draft a person corrects, pre-filled from ``rule`` (a rule annotation): annotator hand,
    stage draft, provenance origin ``rules`` with the rule versions, every evidence
    ``checked: false``, and a note saying it was pre-filled. Pure: nothing is read or written.

    Raises ``ValueError`` for an annotation that is not a rule annotation."""
    if rule.annotator != "rule":
        raise ValueError(f"{rule.doc_id}: a draft is made from a rule annotation, not a hand one")
    data = rule.model_dump(mode="json")
    meetings = data["meetings"]
    report_kind: dict[str, Any] = {"kind": "meeting_report"}
    if meetings:  # the clause that reports the first meeting held shows the report's kind
        report_kind["evidence"] = dict(meetings[0]["evidence"])
    else:
        report_kind["note"] = NO_MEETING_NOTE
    note = PREFILLED_NOTE.format(rules=", ".join(rule.rules))
    draft = {
        "doc_id": rule.doc_id,
        "annotator": "hand",
        "annotator_version": GUIDELINES_VERSION,
        "stage": "draft",
        "provenance": {
            "origin": "rules",
            "rules": list(rule.rules),
            "annotated_by": annotated_by,
            "reviewed_by": None,
            "reviewed_on": None,
        },
        "raw_sha256": rule.raw_sha256,
        "report_kind": report_kind,
        "meetings": meetings,
        "quality_flags": data["quality_flags"],
        "notes": note if not rule.notes else f"{note}\n{rule.notes}",
    }
    # validated as a whole, as a file would be: the contract refuses what a draft may not hold
    return Annotation.model_validate(_mark_unchecked(draft))


def draft_yaml(draft: Annotation) -> str:
    """The YAML file of a draft (``annotations/draft/<doc_id>.yaml``): the hand modeline, then
    the annotation in model order, deterministic, UTF-8."""
    if draft.stage != "draft":
        raise ValueError(f"{draft.doc_id}: draft_yaml writes drafts, this is {draft.stage!r}")
    data = draft.model_dump(mode="json")
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return f"{DRAFT_MODELINE}\n{DRAFT_HEADER.format(doc_id=draft.doc_id)}{body}"


__all__ = [
    "DRAFT_HEADER",
    "DRAFT_MODELINE",
    "GUIDELINES_VERSION",
    "draft_from_rules",
    "draft_yaml",
]
