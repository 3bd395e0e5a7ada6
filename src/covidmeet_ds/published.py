"""An annotation as the ``documents`` config publishes it, and back.

The published form keeps every value of the :class:`~covidmeet_ds.models.Annotation` but nests
lists of structs one level deep only: the meetings are listed without their speakers and
requirements, which follow as lists of their own, each item carrying its ``meeting_id``.
Croissant readers extract a list of structs from a Parquet column, but not a list of structs
inside another (mlcroissant keeps one ``jsonPath`` match per item), so this form reads whole
everywhere; :func:`annotation_from_row` puts it back together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .models import Annotation

MOVED_OUT = ("speakers", "requirements")
"""Lists of a meeting published beside the meetings, keyed by ``meeting_id``."""
NAME_SUFFIX = "_name"


def published_annotation(annotation: Annotation) -> dict[str, Any]:
    """``annotation`` as a plain dict in the published form (its ``doc_id`` is the row's; only
    gold is published, so its ``stage`` is not). ``scope`` is published as written: null
    means every field."""
    published: dict[str, Any] = {}
    dumped = annotation.model_dump(exclude={"doc_id", "stage"})
    # every published field, in model order (a rule annotation's dump leaves out the hand-only
    # fields, which are null here)
    names = [name for name in Annotation.model_fields if name not in ("doc_id", "stage")]
    data = {name: dumped.get(name) for name in names}
    for name, value in data.items():
        published[name] = value
        if name == "meetings":
            for moved in MOVED_OUT:
                published[moved] = [
                    {"meeting_id": meeting["meeting_id"], **item}
                    for meeting in value
                    for item in meeting.pop(moved)
                ]
    return published


def _label_names_restored(value: Any) -> Any:
    """``value`` with each ``<label>_name`` moved onto its label (rows read by ``datasets``
    hold the label's index there), at any depth."""
    if isinstance(value, list):
        return [_label_names_restored(item) for item in value]
    if not isinstance(value, Mapping):
        return value
    restored = {key: _label_names_restored(item) for key, item in value.items()}
    for key in list(restored):
        label = key.removesuffix(NAME_SUFFIX)
        if key.endswith(NAME_SUFFIX) and label in restored:
            restored[label] = restored.pop(key)
    return restored


def annotation_from_row(row: Mapping[str, Any], annotator: str = "hand") -> Annotation | None:
    """The :class:`Annotation` of a ``documents`` row (as ``datasets``, pandas or pyarrow give
    it), for ``annotator`` ``hand`` or ``rule``; None when the row has none."""
    published = row[annotator]
    if published is None:
        return None
    data = dict(_label_names_restored(published))
    moved = {name: data.pop(name) for name in MOVED_OUT}
    meetings = []
    for meeting in data["meetings"]:
        meeting = dict(meeting)
        for name in MOVED_OUT:
            meeting[name] = [
                {key: value for key, value in item.items() if key != "meeting_id"}
                for item in moved[name]
                if item["meeting_id"] == meeting["meeting_id"]
            ]
        meetings.append(meeting)
    data["meetings"] = meetings
    if data.get("annotator") == "hand":
        data["stage"] = "gold"  # only gold is published
    return Annotation.model_validate({"doc_id": row["doc_id"], **data}, strict=False)


__all__ = ["MOVED_OUT", "annotation_from_row", "published_annotation"]
