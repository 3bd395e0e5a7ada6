"""Published shapes derived from the Pydantic models: ``datasets`` features, nullability, one-line
descriptions, and the label-name siblings.

Two literal types are published as ``ClassLabel`` (their order is part of the contract): the
meeting level and the requirement category. Every other literal is a string. Beside every class
label, in a struct or as a column, the derivation adds a string field ``<name>_name`` holding the
label's name, so that tools without the ``datasets`` metadata (pandas, polars, DuckDB, R) read
names, not bare indices. The encoder fills it from the label (:func:`label_plan`).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal, Union

from datasets import ClassLabel, List, Value
from pydantic import BaseModel

from ..encoding import LabelPlan, encode_row
from ..models import Category, Level, ReportKindName

CLASS_LABELS: dict[str, tuple[str, ...]] = {
    "level": typing.get_args(Level),
    "category": typing.get_args(Category),
    "report_kind": typing.get_args(ReportKindName),
}
"""Literal types published as ``ClassLabel``, by name, with their names in contract order."""

NAME_SUFFIX = "_name"
"""Suffix of the string field published beside each class label."""


@dataclass(frozen=True)
class Shape:
    """A feature, whether the contract allows null there, and a one-line description
    (recursively for structs and lists)."""

    feature: Any
    nullable: bool
    fields: dict[str, Shape] = field(default_factory=dict)
    item: Shape | None = None
    description: str = ""
    names_label: str | None = None
    """For a ``<label>_name`` field: the sibling class label whose names it holds."""


def one_line(text: str | None) -> str:
    """A docstring as one line (whitespace collapsed)."""
    return " ".join((text or "").split())


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def shape_of(annotation: Any, nullable: bool = False, description: str = "") -> Shape:
    """The shape for a Python/Pydantic type annotation."""
    annotation = _strip_annotated(annotation)
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) != 1:
            raise TypeError(f"cannot publish a union of several types: {annotation}")
        is_nullable = len(members) < len(typing.get_args(annotation))
        return shape_of(members[0], nullable=is_nullable, description=description)
    if origin is Literal:
        for names in CLASS_LABELS.values():
            if typing.get_args(annotation) == names:
                return Shape(ClassLabel(names=list(names)), nullable, description=description)
        return Shape(Value("string"), nullable, description=description)
    if origin is list:
        item = shape_of(typing.get_args(annotation)[0])
        return Shape(List(item.feature), nullable, item=item, description=description)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        shape = struct_shape(annotation, published_fields(annotation), nullable)
        return replace(shape, description=description or one_line(annotation.__doc__))
    scalar = {str: "string", int: "int32", bool: "bool", float: "float64", date: "date32"}
    if annotation in scalar:
        return Shape(Value(scalar[annotation]), nullable, description=description)
    raise TypeError(f"no published feature for {annotation!r}")


UNPUBLISHED_FIELDS = frozenset({"checked", "stage"})
"""Model fields never published: review marks and the stage exist only in drafts, and only gold
is published."""


def published_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` that are published, in model order."""
    return tuple(name for name in model.model_fields if name not in UNPUBLISHED_FIELDS)


def field_shape(model: type[BaseModel], name: str) -> Shape:
    """The shape of one model field, described by the field's docstring."""
    info = model.model_fields[name]
    return shape_of(info.annotation, description=one_line(info.description))


def holds_label(shape: Shape) -> bool:
    """Whether the shape is a class label, or a list (of lists) of class labels."""
    while shape.item is not None:
        shape = shape.item
    return isinstance(shape.feature, ClassLabel)


def _names_shape(label: str, shape: Shape) -> Shape:
    """The ``<label>_name`` sibling of a class label (a list of names for a list of labels)."""
    if shape.item is not None:
        item = _names_shape(label, shape.item)
        return Shape(List(item.feature), shape.nullable, item=item, names_label=label)
    names = ", ".join(shape.feature.names)
    return Shape(
        Value("string"),
        shape.nullable,
        description=f"Name of `{label}` ({names}); the same value as the class label, as text.",
        names_label=label,
    )


def with_label_names(fields: Mapping[str, Shape]) -> dict[str, Shape]:
    """``fields`` with a ``<name>_name`` string field right after each class label."""
    out: dict[str, Shape] = {}
    for name, shape in fields.items():
        out[name] = shape
        if holds_label(shape):
            sibling = name + NAME_SUFFIX
            if sibling in fields:
                raise ValueError(f"{sibling} is declared, and is also the name of {name}'s label")
            out[sibling] = _names_shape(name, shape)
    return out


def struct(fields: Mapping[str, Shape], nullable: bool = False, description: str = "") -> Shape:
    """A struct of ``fields`` (label-name siblings added)."""
    named = with_label_names(fields)
    feature = {name: s.feature for name, s in named.items()}
    return Shape(feature, nullable, fields=named, description=description)


def struct_shape(
    model: type[BaseModel],
    names: tuple[str, ...],
    nullable: bool = False,
    extra: Mapping[str, Shape] | None = None,
) -> Shape:
    """A struct of some fields of ``model``, in the given order, then ``extra`` fields."""
    fields = {name: field_shape(model, name) for name in names} | dict(extra or {})
    return struct(fields, nullable, one_line(model.__doc__))


def list_of(item: Shape, description: str = "") -> Shape:
    return Shape(List(item.feature), False, item=item, description=description)


def nullable(shape: Shape) -> Shape:
    return replace(shape, nullable=True)


def _plan(shape: Shape) -> LabelPlan | None:
    """Where the class labels under ``shape`` are, or None when it holds none."""
    if isinstance(shape.feature, ClassLabel):
        return {"labels": {name: i for i, name in enumerate(shape.feature.names)}}
    if shape.item is not None:
        item = _plan(shape.item)
        return None if item is None else {"item": item}
    if shape.fields:
        return fields_plan(shape.fields)
    return None


def fields_plan(fields: Mapping[str, Shape]) -> LabelPlan | None:
    """The plan of a struct (or a row) with these fields: labels to encode, names to fill."""
    plans = {name: _plan(child) for name, child in fields.items() if not child.names_label}
    found = {name: plan for name, plan in plans.items() if plan is not None}
    names = {name: child.names_label for name, child in fields.items() if child.names_label}
    if not found and not names:
        return None
    return {"fields": found, "names": names}


def label_plan(shapes: Mapping[str, Shape]) -> LabelPlan:
    """The label plan of a row of these columns (see :mod:`covidmeet_ds.encoding`)."""
    return fields_plan(shapes) or {"fields": {}, "names": {}}


def row_encoder(shapes: Mapping[str, Shape]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A fast ``Features.encode_example`` for rows of plain values (dates, names of class
    labels): walks only the parts of a row that hold class labels, and fills each
    ``<label>_name`` from its label."""
    plan = label_plan(shapes)
    return lambda row: encode_row(row, plan)


def null_paths(row: Mapping[str, Any], shapes: Mapping[str, Shape]) -> list[str]:
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

    for name, shape in shapes.items():
        walk(row.get(name), shape, name)
    return found


def nested_field_names(shape: Shape, path: str = "") -> list[tuple[str, str]]:
    """Every (path, field name) of the structs under ``shape``, through lists, at any depth."""
    found: list[tuple[str, str]] = []
    if shape.item is not None:
        return nested_field_names(shape.item, f"{path}[]")
    for name, child in shape.fields.items():
        found.append((f"{path}.{name}", name))
        found += nested_field_names(child, f"{path}.{name}")
    return found


__all__ = [
    "CLASS_LABELS",
    "NAME_SUFFIX",
    "Shape",
    "field_shape",
    "fields_plan",
    "holds_label",
    "label_plan",
    "list_of",
    "nested_field_names",
    "null_paths",
    "nullable",
    "one_line",
    "published_fields",
    "row_encoder",
    "shape_of",
    "struct",
    "struct_shape",
    "with_label_names",
]
