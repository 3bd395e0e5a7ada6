"""JSON Schema files generated from the Pydantic models (``schema/`` holds their output)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from .corpus import ANNOTATION_SCHEMA, MANIFEST_SCHEMA, Layout, write_text_atomic
from .models import Annotation, Manifest

_MODELS: dict[str, type[BaseModel]] = {ANNOTATION_SCHEMA: Annotation, MANIFEST_SCHEMA: Manifest}


def schema_texts() -> dict[str, str]:
    """Relative path → JSON Schema text, exactly as committed in ``schema/``."""
    texts = {}
    for relative, model in _MODELS.items():
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            **model.model_json_schema(),
        }
        texts[relative] = json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
    return texts


def stale_schemas(root: Path) -> list[str]:
    """Schema files under ``root`` that are missing or differ from the models."""
    layout = Layout(root)
    stale = []
    for relative, text in schema_texts().items():
        path = layout.root / relative
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(relative)
    return stale


def write_schemas(root: Path) -> list[str]:
    """Write the schema files that are stale; returns their relative paths."""
    stale = stale_schemas(root)
    texts = schema_texts()
    for relative in stale:
        write_text_atomic(Layout(root).root / relative, texts[relative])
    return stale
