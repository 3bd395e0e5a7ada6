"""The published configs' ``datasets.Features``, derived from the Pydantic models.

Each column is named by the model field it comes from, so a change to the contract changes the
Parquet schema, the card's ``dataset_info`` and the Croissant fields together. Two literal types
are published as ``ClassLabel`` (their order is part of the contract): the meeting level and the
requirement category. Every other literal is a string.

Alongside each feature the derivation records whether the model allows null there (``Shape``), so
tests can check that published data never holds a null the contract forbids.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Union

from datasets import ClassLabel, Features, List, Value
from pydantic import BaseModel

from ..encoding import LabelPlan, encode_row
from ..models import (
    Annotation,
    Category,
    Level,
    ManifestEntry,
    Meeting,
    MeetingDate,
    MeetingLevel,
    Requirement,
    Speaker,
)

CONFIGS = ("meetings", "requirements", "documents")
"""Published configs, in card order; the first is the default."""

SPLITS = ("train", "validation", "test")

CLASS_LABELS: dict[str, tuple[str, ...]] = {
    "level": typing.get_args(Level),
    "category": typing.get_args(Category),
}
"""Literal types published as ``ClassLabel``, by name, with their names in contract order."""


@dataclass(frozen=True)
class Shape:
    """A feature and whether the contract allows null there (recursively for structs/lists)."""

    feature: Any
    nullable: bool
    fields: dict[str, Shape] = field(default_factory=dict)
    item: Shape | None = None


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def shape_of(annotation: Any, nullable: bool = False) -> Shape:
    """The feature for a Python/Pydantic type annotation."""
    annotation = _strip_annotated(annotation)
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) != 1:
            raise TypeError(f"cannot publish a union of several types: {annotation}")
        return shape_of(members[0], nullable=len(members) < len(typing.get_args(annotation)))
    if origin is Literal:
        for names in CLASS_LABELS.values():
            if typing.get_args(annotation) == names:
                return Shape(ClassLabel(names=list(names)), nullable)
        return Shape(Value("string"), nullable)
    if origin is list:
        item = shape_of(typing.get_args(annotation)[0])
        return Shape(List(item.feature), nullable, item=item)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return struct_shape(annotation, tuple(annotation.model_fields), nullable)
    scalar = {str: "string", int: "int32", bool: "bool", float: "float64", date: "date32"}
    if annotation in scalar:
        return Shape(Value(scalar[annotation]), nullable)
    raise TypeError(f"no published feature for {annotation!r}")


def field_shape(model: type[BaseModel], name: str) -> Shape:
    """The shape of one model field."""
    return shape_of(model.model_fields[name].annotation)


def struct_shape(model: type[BaseModel], names: tuple[str, ...], nullable: bool = False) -> Shape:
    """A struct of some fields of ``model``, in the given order."""
    fields = {name: field_shape(model, name) for name in names}
    return Shape({name: s.feature for name, s in fields.items()}, nullable, fields=fields)


def _list_of(item: Shape) -> Shape:
    return Shape(List(item.feature), False, item=item)


def _nullable(shape: Shape) -> Shape:
    return Shape(shape.feature, True, shape.fields, shape.item)


def _config_shapes() -> dict[str, dict[str, Shape]]:
    level = field_shape(MeetingLevel, "level")
    date_value = field_shape(MeetingDate, "value")
    annotation = struct_shape(Annotation, tuple(Annotation.model_fields), nullable=True)
    return {
        "meetings": {
            "doc_id": field_shape(Annotation, "doc_id"),
            "meeting_id": field_shape(Meeting, "meeting_id"),
            "name": field_shape(Meeting, "name"),
            "convener": field_shape(Meeting, "convener"),
            "date": date_value,
            "date_precision": field_shape(MeetingDate, "precision"),
            "time_of_day": field_shape(MeetingDate, "time_of_day"),
            "level": level,
            "jurisdiction": field_shape(MeetingLevel, "jurisdiction"),
            "speakers": _list_of(struct_shape(Speaker, ("name", "titles", "roles"))),
            "requirements": _list_of(
                struct_shape(Requirement, ("ordinal", "section", "text", "category"))
            ),
        },
        "requirements": {
            "doc_id": field_shape(Annotation, "doc_id"),
            "meeting_id": field_shape(Meeting, "meeting_id"),
            "ordinal": field_shape(Requirement, "ordinal"),
            "section": field_shape(Requirement, "section"),
            "text": field_shape(Requirement, "text"),
            "category": field_shape(Requirement, "category"),
            "level": level,
            "date": date_value,
        },
        "documents": {
            "doc_id": field_shape(ManifestEntry, "doc_id"),
            "source_site": field_shape(ManifestEntry, "source_site"),
            "source_url": field_shape(ManifestEntry, "source_url"),
            "published": field_shape(ManifestEntry, "published"),
            "script": field_shape(ManifestEntry, "script"),
            # Known only from an annotation: null for a document nobody has annotated yet.
            "quality_flags": _nullable(field_shape(Annotation, "quality_flags")),
            "raw_text": Shape(Value("string"), False),
            "text": Shape(Value("string"), False),
            "hand": annotation,
            "rule": annotation,
        },
    }


CONFIG_SHAPES: dict[str, dict[str, Shape]] = _config_shapes()


CRAWL_SHAPES: dict[str, Shape] = {
    "id": Shape(Value("string"), False),
    "published": field_shape(ManifestEntry, "published"),
    "raw_text": Shape(Value("string"), False),
    "annotation": struct_shape(Annotation, tuple(Annotation.model_fields)),
}
"""Rows of ``covidmeet-ds crawl``: a crawled page as read (its id in the crawl, publication date
and text) with its rule annotation, in the same shape as the ``documents`` config's ``rule``."""


def _plan(shape: Shape) -> LabelPlan | None:
    """Where the class labels under ``shape`` are, or None when it holds none."""
    if isinstance(shape.feature, ClassLabel):
        return {"labels": {name: i for i, name in enumerate(shape.feature.names)}}
    if shape.item is not None:
        item = _plan(shape.item)
        return None if item is None else {"item": item}
    fields = {name: _plan(child) for name, child in shape.fields.items()}
    found = {name: plan for name, plan in fields.items() if plan is not None}
    return {"fields": found} if found else None


def label_plan(shapes: dict[str, Shape]) -> dict[str, LabelPlan]:
    """The label plan of a row of these columns (see :mod:`covidmeet_ds.encoding`)."""
    plans = {name: _plan(shape) for name, shape in shapes.items()}
    return {name: plan for name, plan in plans.items() if plan is not None}


def row_encoder(shapes: dict[str, Shape]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A fast ``Features.encode_example`` for rows of plain values (dates, names of class
    labels): the same result, walking only the parts of a row that hold class labels."""
    plan = label_plan(shapes)
    return lambda row: encode_row(row, plan)


def crawl_features() -> Features:
    """The ``datasets.Features`` of the crawl's Parquet output."""
    return Features({name: shape.feature for name, shape in CRAWL_SHAPES.items()})


def config_features(config: str) -> Features:
    """The ``datasets.Features`` of one config: used by the Parquet writer, the card and tests."""
    return Features({name: shape.feature for name, shape in CONFIG_SHAPES[config].items()})


def null_violations(row: dict[str, Any], config: str) -> list[str]:
    """Paths in ``row`` that hold null where the contract forbids it (decoded row, any depth)."""
    found: list[str] = []

    def walk(value: Any, shape: Shape, path: str) -> None:
        if value is None:
            if not shape.nullable:
                found.append(path)
            return
        if shape.fields:
            for name, child in shape.fields.items():
                walk(value.get(name), child, f"{path}.{name}")
        elif shape.item is not None:
            for i, item in enumerate(value):
                walk(item, shape.item, f"{path}[{i}]")

    for name, shape in CONFIG_SHAPES[config].items():
        walk(row.get(name), shape, name)
    return found


__all__ = [
    "CLASS_LABELS",
    "CONFIGS",
    "CONFIG_SHAPES",
    "CRAWL_SHAPES",
    "SPLITS",
    "Shape",
    "config_features",
    "crawl_features",
    "label_plan",
    "null_violations",
    "row_encoder",
    "shape_of",
]
