"""Requirement categories and the provincial-level divisions, read from package data.

The categories live in YAML under ``covidmeet_ds/data`` so that code, JSON Schema, guidelines and
(later) Parquet class labels are all derived from one place. The provinces are the provincial
units of the gazetteer (:mod:`covidmeet_ds.places`) with their official one-character
abbreviations (``data/provinces.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints

from .places import gazetteer


@dataclass(frozen=True)
class Category:
    """One requirement category with its cross-walks to CoronaNet and OxCGRT."""

    name: str
    label: str
    definition: str
    cues: tuple[str, ...]
    coronanet: str | None
    oxcgrt: tuple[str, ...]


@dataclass(frozen=True)
class Province:
    """A provincial-level division: full name, short name and one-character abbreviation."""

    name: str
    short: str
    abbreviation: str
    kind: str


def read_data(name: str) -> dict:
    """A YAML file of package data (``covidmeet_ds/data/<name>``): cue words, gazetteers."""
    text = (
        resources.files("covidmeet_ds").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    )
    return yaml.safe_load(text)


@cache
def categories() -> tuple[Category, ...]:
    """All requirement categories, in their public (ClassLabel) order."""
    rows = read_data("taxonomy.yaml")["categories"]
    return tuple(
        Category(
            name=row["name"],
            label=row["label"],
            definition=row["definition"],
            cues=tuple(row["cues"]),
            coronanet=row["coronanet"],
            oxcgrt=tuple(row["oxcgrt"]),
        )
        for row in rows
    )


@cache
def category_names() -> tuple[str, ...]:
    return tuple(category.name for category in categories())


class _Abbreviation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Annotated[str, StringConstraints(pattern=r"^\d{2}0000$")]
    name: str
    abbreviation: Annotated[str, StringConstraints(min_length=1, max_length=1)]


class _Abbreviations(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    abbreviations: tuple[_Abbreviation, ...]


@cache
def provinces() -> tuple[Province, ...]:
    """The provincial-level divisions of China (34), in the gazetteer's order of codes."""
    table = _Abbreviations(**read_data("provinces.yaml")).abbreviations
    by_code = {row.code: row for row in table}
    provincial = gazetteer().provincial()
    if set(by_code) != {division.code for division in provincial}:
        raise ValueError("provinces.yaml must give one abbreviation to each provincial unit")
    rows = []
    for division in provincial:
        row = by_code[division.code]
        if row.name != division.name:
            raise ValueError(f"provinces.yaml: {row.code} is {division.name}, not {row.name}")
        rows.append(
            Province(division.name, division.short_forms[0], row.abbreviation, division.kind)
        )
    return tuple(rows)


@cache
def provincial_names() -> frozenset[str]:
    """Official full names of provincial-level divisions (湖北省, 上海市, 广西壮族自治区, …)."""
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
