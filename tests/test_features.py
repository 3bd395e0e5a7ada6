"""The published features are derived from the models: names, class labels and nullability."""

from __future__ import annotations

import typing
from datetime import date

import pytest
import yaml
from datasets import ClassLabel, List, Value

from covidmeet_ds.build import encode_table
from covidmeet_ds.build.features import (
    CONFIG_SHAPES,
    CONFIGS,
    CRAWL_SHAPES,
    config_features,
    crawl_features,
    null_violations,
    row_encoder,
    shape_of,
)
from covidmeet_ds.build.rows import meeting_row
from covidmeet_ds.models import Annotation, Meeting, Requirement
from covidmeet_ds.taxonomy import category_names

from .conftest import REPO


def test_columns_are_the_public_contract() -> None:
    assert list(config_features("meetings")) == [
        "doc_id",
        "meeting_id",
        "name",
        "convener",
        "date",
        "date_precision",
        "time_of_day",
        "level",
        "jurisdiction",
        "speakers",
        "requirements",
    ]
    assert list(config_features("requirements")) == [
        "doc_id",
        "meeting_id",
        "ordinal",
        "section",
        "text",
        "category",
        "level",
        "date",
    ]
    assert list(config_features("documents")) == [
        "doc_id",
        "source_site",
        "source_url",
        "published",
        "script",
        "quality_flags",
        "raw_text",
        "text",
        "hand",
        "rule",
    ]
    meetings = config_features("meetings")
    assert meetings["speakers"] == List(
        {"name": Value("string"), "titles": List(Value("string")), "roles": List(Value("string"))}
    )
    assert list(meetings["requirements"].feature) == ["ordinal", "section", "text", "category"]
    assert meetings["date"] == Value("string")


def test_class_labels_follow_the_contract_order() -> None:
    level = config_features("requirements")["level"]
    category = config_features("requirements")["category"]
    assert isinstance(level, ClassLabel) and isinstance(category, ClassLabel)
    assert level.names == ["national", "provincial", "prefectural", "county", "township"]
    assert tuple(category.names) == category_names()
    nested = config_features("documents")["hand"]["meetings"].feature["level"]["level"]
    assert nested == level


def test_the_nested_annotation_mirrors_the_model() -> None:
    hand = config_features("documents")["hand"]
    assert list(hand) == list(Annotation.model_fields)
    assert list(hand["meetings"].feature) == list(Meeting.model_fields)
    assert list(hand["meetings"].feature["requirements"].feature) == list(Requirement.model_fields)


def _allows_none(annotation: object) -> bool:
    return type(None) in typing.get_args(annotation)


@pytest.mark.parametrize("model", [Meeting, Requirement, Annotation])
def test_nullability_is_the_models(model: type) -> None:
    shape = shape_of(model)
    for name, info in model.model_fields.items():
        assert shape.fields[name].nullable == _allows_none(info.annotation), name


def test_null_violations_finds_forbidden_nulls() -> None:
    row = {name: None for name in config_features("requirements")}
    found = null_violations(row, "requirements")
    assert "doc_id" in found and "text" in found and "category" in found
    assert "ordinal" not in found and "date" not in found
    assert set(CONFIG_SHAPES) == set(CONFIGS)


def test_unsupported_types_are_refused() -> None:
    with pytest.raises(TypeError, match="union"):
        shape_of(int | str)
    with pytest.raises(TypeError, match="no published feature"):
        shape_of(bytes)
    assert shape_of(date).feature == Value("date32")


def test_a_row_missing_a_column_is_refused() -> None:
    import yaml

    data = yaml.safe_load(
        (REPO / "annotations/hand/redian-shanghai-leading-group.yaml").read_text(encoding="utf-8")
    )
    meeting = Meeting.model_validate(data["meetings"][0])
    row = meeting_row("redian-shanghai-leading-group", meeting)
    assert encode_table("meetings", [row]).num_rows == 1
    del row["convener"]
    with pytest.raises(ValueError, match="all-null"):
        encode_table("meetings", [row])


def _gold(doc_id: str) -> Annotation:
    path = REPO / "annotations" / "hand" / f"{doc_id}.yaml"
    return Annotation.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    "doc_id", sorted(p.stem for p in (REPO / "annotations" / "hand").glob("*.yaml"))
)
def test_row_encoder_equals_datasets_encode_example(doc_id: str) -> None:
    annotation = _gold(doc_id)
    row = {
        "id": doc_id,
        "published": date(2020, 3, 16),
        "raw_text": "…",
        "annotation": annotation.model_dump(mode="python"),
    }
    assert row_encoder(CRAWL_SHAPES)(row) == crawl_features().encode_example(row)
    for meeting in annotation.meetings:
        row = meeting_row(doc_id, meeting)
        expected = config_features("meetings").encode_example(row)
        assert row_encoder(CONFIG_SHAPES["meetings"])(row) == expected


def test_row_encoder_maps_class_labels_and_keeps_nulls() -> None:
    encode = row_encoder(CONFIG_SHAPES["requirements"])
    row = {"category": "testing_screening", "level": None, "date": None, "text": "x"}
    encoded = encode(row)
    assert encoded["category"] == category_names().index("testing_screening")
    assert encoded["level"] is None
    assert encoded["text"] == "x"
