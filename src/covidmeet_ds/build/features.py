"""The published configs' ``datasets.Features`` and the crawl's, derived from the one column
declaration (:mod:`.columns`) and the Pydantic models (:mod:`.shapes`).

Each column is named by the model field it comes from where there is one, so a change to the
contract changes the Parquet schema, the card's ``dataset_info`` and the Croissant fields
together; alongside each feature the derivation records whether the model allows null there,
so tests can check that published data never holds a null the contract forbids.
"""

from __future__ import annotations

from typing import Any

from datasets import Features, Value

from ..models import HAND_ONLY_FIELDS, Annotation, ManifestEntry
from .columns import SPLITS, TABLES
from .shapes import (
    CLASS_LABELS,
    Shape,
    field_shape,
    label_plan,
    null_paths,
    row_encoder,
    shape_of,
    struct_shape,
)

CONFIGS = tuple(TABLES)
"""Published configs, in card order; the first is the default."""

CONFIG_SPLITS: dict[str, tuple[str, ...]] = {name: t.splits for name, t in TABLES.items()}
"""The splits each config can have (the taxonomy is one table, published as ``train``)."""

CONFIG_SHAPES: dict[str, dict[str, Shape]] = {name: t.shapes for name, t in TABLES.items()}

CRAWL_SHAPES: dict[str, Shape] = {
    "id": Shape(Value("string"), False),
    "published": field_shape(ManifestEntry, "published"),
    "raw_text": Shape(Value("string"), False),
    "annotation": struct_shape(
        Annotation, tuple(name for name in Annotation.model_fields if name not in HAND_ONLY_FIELDS)
    ),
}
"""Rows of ``covidmeet-ds crawl``: a crawled page as read (its id in the crawl, publication date
and text) with its rule annotation (with its doc_id, derived from the page id; label names
beside the labels, as in the ``documents`` config)."""


def crawl_features() -> Features:
    """The ``datasets.Features`` of the crawl's Parquet output."""
    return Features({name: shape.feature for name, shape in CRAWL_SHAPES.items()})


def config_features(config: str) -> Features:
    """The ``datasets.Features`` of one config: used by the Parquet writer, the card and tests."""
    return Features({name: shape.feature for name, shape in CONFIG_SHAPES[config].items()})


def null_violations(row: dict[str, Any], config: str) -> list[str]:
    """Paths in ``row`` that hold null where the contract forbids it (decoded row, any depth)."""
    return null_paths(row, CONFIG_SHAPES[config])


__all__ = [
    "CLASS_LABELS",
    "CONFIGS",
    "CONFIG_SHAPES",
    "CONFIG_SPLITS",
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
