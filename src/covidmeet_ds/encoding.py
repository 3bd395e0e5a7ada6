"""Rows of plain values → Arrow values, by a plan of where the class labels are.

The only change between a decoded row (``model_dump`` values, dates as ``date``) and what is
stored in Parquet is that class labels are stored as indices. A *label plan* says where they are:
``{"labels": {name: index}}`` for a class label, ``{"item": plan}`` for a list, ``{"fields":
{name: plan}}`` for a struct, listing only the parts that hold class labels. Plans are plain
data derived from the features (:func:`.build.features.label_plan`), so a worker process can
encode rows without importing ``datasets``.
"""

from __future__ import annotations

from typing import Any

LabelPlan = dict[str, Any]


def encode_value(value: Any, plan: LabelPlan) -> Any:
    """``value`` with the class labels under ``plan`` replaced by their indices."""
    if value is None:
        return None
    if "labels" in plan:
        return plan["labels"][value]
    if "item" in plan:
        return [encode_value(item, plan["item"]) for item in value]
    fields = plan["fields"]
    return {
        name: encode_value(v, fields[name]) if name in fields else v for name, v in value.items()
    }


def encode_row(row: dict[str, Any], plan: dict[str, LabelPlan]) -> dict[str, Any]:
    """A row (column → value) with its class labels replaced by their indices."""
    return {name: encode_value(v, plan[name]) if name in plan else v for name, v in row.items()}


__all__ = ["LabelPlan", "encode_row", "encode_value"]
