"""Requirement categories and the provincial-level divisions, read from package data.

The provinces are the provincial units of the gazetteer (:mod:`covidmeet_ds.places`) with their
official one-character abbreviations (``data/provinces.yaml``).

Both lists live in YAML under ``covidmeet_ds/data`` so that code, JSON Schema, guidelines and
(later) Parquet class labels are all derived from one place.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from .places import gazetteer


class DataFile(BaseModel):
    """A YAML file of package data: unknown or missing keys are errors, never silently empty."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DataFileError(ValueError):
    """A package data file that does not match its model (names the file and the key)."""


M = TypeVar("M", bound=DataFile)


class Category(DataFile):
    """One requirement category with its cross-walks to CoronaNet and OxCGRT."""

    name: str
    label: str
    definition: str
    cues: tuple[str, ...]
    coronanet: str | None
    oxcgrt: tuple[str, ...]


class Province(DataFile):
    """A provincial-level division: full name, short name and one-character abbreviation."""

    name: str
    short: str
    abbreviation: str
    kind: str


class _Taxonomy(DataFile):
    categories: tuple[Category, ...]


class _Abbreviation(DataFile):
    code: Annotated[str, StringConstraints(pattern=r"^\d{2}0000$")]
    name: str
    abbreviation: Annotated[str, StringConstraints(min_length=1, max_length=1)]


class _Abbreviations(DataFile):
    abbreviations: tuple[_Abbreviation, ...]


def read_data(name: str) -> dict:
    """A YAML file of package data (``covidmeet_ds/data/<name>``) as plain data."""
    text = (
        resources.files("covidmeet_ds").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    )
    return yaml.safe_load(text)


def load_data(name: str, model: type[M]) -> M:
    """A YAML file of package data validated by ``model``; a misspelt, missing or mistyped key
    raises ``DataFileError`` naming the file and the key."""
    try:
        return model.model_validate(read_data(name))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in error.errors()
        )
        raise DataFileError(f"covidmeet_ds/data/{name}: {problems}") from error


@cache
def categories() -> tuple[Category, ...]:
    """All requirement categories, in their public (ClassLabel) order."""
    return load_data("taxonomy.yaml", _Taxonomy).categories


@cache
def category_names() -> tuple[str, ...]:
    return tuple(category.name for category in categories())


@cache
def provinces() -> tuple[Province, ...]:
    """The provincial-level divisions of China (34), in the gazetteer's order of codes."""
    by_code = {row.code: row for row in load_data("provinces.yaml", _Abbreviations).abbreviations}
    provincial = gazetteer().provincial()
    if set(by_code) != {division.code for division in provincial}:
        raise DataFileError("provinces.yaml must give one abbreviation to each provincial unit")
    rows = []
    for division in provincial:
        row = by_code[division.code]
        if row.name != division.name:
            raise DataFileError(f"provinces.yaml: {row.code} is {division.name}, not {row.name}")
        rows.append(
            Province(
                name=division.name,
                short=division.short_forms[0],
                abbreviation=row.abbreviation,
                kind=division.kind,
            )
        )
    return tuple(rows)


@cache
def municipality_names() -> frozenset[str]:
    """The four province-level municipalities : provincial even when a text says 市."""
    return frozenset(p.name for p in provinces() if p.kind == "municipality")


@cache
def provincial_names() -> frozenset[str]:
    """Official full names of provincial-level divisions (江西省, 重庆市, 广西壮族自治区, …)."""
    return frozenset(province.name for province in provinces())


def taxonomy_markdown() -> str:
    """The taxonomy as a Markdown table; the guidelines embed exactly this text."""
    lines = [
        "| category | 中文 / English | definition | cue words | CoronaNet policy type | OxCGRT |",
        "|---|---|---|---|---|---|",
    ]
    for c in categories():
        cues = "、".join(c.cues) or "—"
        oxcgrt = ", ".join(c.oxcgrt) or "none"
        coronanet = c.coronanet or "none"
        lines.append(
            f"| `{c.name}` | {c.label} | {c.definition} | {cues} | {coronanet} | {oxcgrt} |"
        )
    return "\n".join(lines) + "\n"
