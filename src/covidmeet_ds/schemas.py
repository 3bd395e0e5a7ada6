"""Files generated from the models and the taxonomy: JSON Schema in ``schema/`` and the taxonomy
table inside ``docs/annotation-guidelines.md``. ``covidmeet-ds schema --write`` refreshes them;
tests fail when they are stale."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel

from .corpus import ANNOTATION_SCHEMA, MANIFEST_SCHEMA, InputError, Layout, write_text_atomic
from .models import Annotation, Manifest
from .reader import read_text
from .taxonomy import taxonomy_markdown

GUIDELINES = "docs/annotation-guidelines.md"
_TABLE_BEGIN, _TABLE_END = "<!-- taxonomy:begin -->\n", "<!-- taxonomy:end -->"

_MODELS: dict[str, type[BaseModel]] = {ANNOTATION_SCHEMA: Annotation, MANIFEST_SCHEMA: Manifest}


def _guidelines_text(root: Path) -> str | None:
    path = root / GUIDELINES
    if not os.path.lexists(path):
        return None
    text = _current(root, GUIDELINES) or ""
    begin, end = text.find(_TABLE_BEGIN), text.find(_TABLE_END)
    if begin == -1 or end < begin:
        raise InputError(f"{GUIDELINES} lacks the {_TABLE_BEGIN.strip()} … {_TABLE_END} markers")
    return text[: begin + len(_TABLE_BEGIN)] + taxonomy_markdown() + text[end:]


def generated_texts(root: Path) -> dict[str, str]:
    """Relative path → generated text, for every generated file under ``root``."""
    texts = schema_texts()
    guidelines = _guidelines_text(root)
    if guidelines is not None:
        texts[GUIDELINES] = guidelines
    return texts


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


def _stale(root: Path, texts: dict[str, str]) -> list[str]:
    return [relative for relative, text in texts.items() if _current(root, relative) != text]


def _current(root: Path, relative: str) -> str | None:
    """The text of a generated file as it is now, None when there is none (a file that is not
    a regular file inside the root is an :class:`InputError`: it is never replaced)."""
    path = root / relative
    if not os.path.lexists(path):
        return None
    try:
        return read_text(Layout(root), path)[0]
    except InputError as error:
        raise InputError(f"{relative}: {error.message}", error.line, error.column) from None


def stale_schemas(root: Path) -> list[str]:
    """Generated files under ``root`` that are missing or differ from their sources."""
    return _stale(root, generated_texts(root))


def write_schemas(root: Path) -> list[str]:
    """Write the generated files that are stale; returns their relative paths."""
    texts = generated_texts(root)
    stale = _stale(root, texts)
    for relative in stale:
        write_text_atomic(root / relative, texts[relative])
    return stale
