"""Rows of plain values → Arrow values, by a plan of where the class labels are.

Between a decoded row (``model_dump`` values, dates as ``date``) and what is stored in Parquet,
class labels are stored as indices, and each label's name is stored beside it as text
(``<label>_name``). A *label plan* says where they are: ``{"labels": {name: index}}`` for a
class label, ``{"item": plan}`` for a list, ``{"fields": {name: plan}, "names": {sibling:
label}}`` for a struct (and a whole row), listing only the parts that hold class labels. Plans
are plain data derived from the features (:func:`.build.shapes.label_plan`), so a worker process
can encode rows without importing ``datasets``.
"""

from __future__ import annotations

from typing import Any

LabelPlan = dict[str, Any]


def _copy(value: Any) -> Any:
    return [_copy(item) for item in value] if isinstance(value, list) else value


def encode_value(value: Any, plan: LabelPlan) -> Any:
    """``value`` with the class labels under ``plan`` replaced by their indices (and, in
    structs, each label's name written to its ``<label>_name`` field)."""
    if value is None:
        return None
    if "labels" in plan:
        return plan["labels"][value]
    if "item" in plan:
        return [encode_value(item, plan["item"]) for item in value]
    return encode_row(value, plan)


def encode_row(row: dict[str, Any], plan: LabelPlan) -> dict[str, Any]:
    """A row (or struct) with its class labels replaced by their indices and their names
    written beside them."""
    fields = plan["fields"]
    out = {name: encode_value(v, fields[name]) if name in fields else v for name, v in row.items()}
    for sibling, label in plan.get("names", {}).items():
        out[sibling] = _copy(row.get(label))
    return out


__all__ = ["LabelPlan", "encode_row", "encode_value"]
