"""The published features are derived from the models: names, class labels and nullability."""

from __future__ import annotations

import typing
from datetime import date

import pytest
import yaml
from datasets import ClassLabel, List, Value

from covidmeet_ds.build import encode_table, iter_manifest
from covidmeet_ds.build.columns import MEETINGS, MeetingRecord
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
from covidmeet_ds.build.shapes import published_fields
from covidmeet_ds.models import (
    HAND_ONLY_FIELDS,
    SCOPE_FIELDS,
    Annotation,
    ManifestEntry,
    Meeting,
    Requirement,
    Speaker,
)
from covidmeet_ds.published import MOVED_OUT
from covidmeet_ds.taxonomy import category_names

from .conftest import REPO
from .label_names import with_label_names


def test_columns_are_the_public_contract() -> None:
    assert list(config_features("meetings")) == [
        "doc_id",
        "meeting_id",
        "meeting_name",
        "convener",
        "date",
        "date_precision",
        "date_start",
        "date_end",
        "time_of_day",
        "published",
        "level",
        "level_name",
        "jurisdiction",
        "jurisdiction_code",
        "province_iso",
        "oxcgrt_region",
        "presiders",
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
        "category_name",
        "coronanet_type",
        "oxcgrt_indicators",
        "level",
        "level_name",
        "jurisdiction",
        "jurisdiction_code",
        "province_iso",
        "oxcgrt_region",
        "date",
        "date_precision",
        "date_start",
        "date_end",
        "published",
    ]
    assert list(config_features("documents")) == [
        "doc_id",
        "source_site",
        "source_url",
        "published",
        "script",
        "raw_text",
        "body_text",
        "gold_report_kind",
        "gold_report_kind_name",
        "hand",
        "rule",
    ]
    assert list(config_features("taxonomy")) == [
        "category",
        "category_name",
        "label",
        "definition",
        "coronanet_type",
        "oxcgrt_indicators",
    ]
    meetings = config_features("meetings")
    assert meetings["speakers"] == List(
        {"name": Value("string"), "titles": List(Value("string")), "roles": List(Value("string"))}
    )
    assert list(meetings["requirements"].feature) == [
        "ordinal",
        "section",
        "text",
        "category",
        "category_name",
        "coronanet_type",
        "oxcgrt_indicators",
    ]
    assert meetings["date"] == Value("string")
    assert meetings["date_start"] == meetings["date_end"] == Value("date32")


def test_class_labels_follow_the_contract_order() -> None:
    level = config_features("requirements")["level"]
    category = config_features("requirements")["category"]
    assert isinstance(level, ClassLabel) and isinstance(category, ClassLabel)
    assert level.names == ["national", "provincial", "prefectural", "county", "township"]
    assert tuple(category.names) == category_names()
    nested = config_features("documents")["hand"]["meetings"].feature["level"]["level"]
    assert nested == level


def _with_names(names: list[str]) -> list[str]:
    """Model field names with the label-name sibling after each class label."""
    return [n for name in names for n in ([name, f"{name}_name"] if name in LABELS else [name])]


LABELS = {"level", "category"}


def test_the_published_annotation_is_the_model_with_its_lists_beside_the_meetings() -> None:
    # the row's doc_id is the annotation's: not repeated inside it; a meeting's speakers and
    # requirements follow the meetings, keyed by meeting_id (see covidmeet_ds.published)
    hand = config_features("documents")["hand"]
    # only gold is published: its stage is not (nor the drafts' checked marks)
    fields = [name for name in published_fields(Annotation) if name != "doc_id"]
    assert "stage" not in fields and "checked" not in hand["meetings"].feature["evidence"]
    at = fields.index("meetings") + 1
    assert list(hand) == [*fields[:at], *MOVED_OUT, *fields[at:]]
    kept = [name for name in Meeting.model_fields if name not in MOVED_OUT]
    assert list(hand["meetings"].feature) == kept
    level = ["level", "level_name", "jurisdiction", "evidence", "note"]
    assert list(hand["meetings"].feature["level"]) == level
    assert list(hand["requirements"].feature) == [
        "meeting_id",
        *_with_names(list(Requirement.model_fields)),
    ]
    assert list(hand["speakers"].feature) == ["meeting_id", *Speaker.model_fields]


def _allows_none(annotation: object) -> bool:
    return type(None) in typing.get_args(annotation)


@pytest.mark.parametrize("model", [Meeting, Requirement, Annotation])
def test_nullability_is_the_models(model: type) -> None:
    shape = shape_of(model)
    for name in published_fields(model):
        info = model.model_fields[name]
        assert shape.fields[name].nullable == _allows_none(info.annotation), name


def test_null_violations_finds_forbidden_nulls() -> None:
    row = {name: None for name in config_features("requirements")}
    found = null_violations(row, "requirements")
    assert "doc_id" in found and "text" in found and "category" in found
    assert "ordinal" not in found and "date" not in found and "date_start" not in found
    assert "category_name" in found  # as nullable as its label
    # a level is null where levels are out of an annotation's scope (not annotated)
    assert "level" not in found and "level_name" not in found
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
    record = MeetingRecord(_entry("redian-shanghai-leading-group"), meeting, SCOPE_FIELDS)
    row = MEETINGS.row(record)
    assert encode_table("meetings", [row]).num_rows == 1
    del row["convener"]
    with pytest.raises(ValueError, match="all-null"):
        encode_table("meetings", [row])


def _entry(doc_id: str) -> ManifestEntry:
    (entry,) = [e for e in iter_manifest(REPO) if e.doc_id == doc_id]
    return entry


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
        # the crawl writes rule annotations: without the fields only hand annotations have
        "annotation": annotation.model_dump(mode="python", exclude=set(HAND_ONLY_FIELDS)),
    }
    features = crawl_features()
    assert row_encoder(CRAWL_SHAPES)(row) == features.encode_example(
        with_label_names(row, dict(features))
    )
    features = config_features("meetings")
    for meeting in annotation.meetings:
        row = MEETINGS.row(MeetingRecord(_entry(doc_id), meeting, annotation.fields_in_scope))
        expected = features.encode_example(with_label_names(row, dict(features)))
        assert row_encoder(CONFIG_SHAPES["meetings"])(row) == expected


def test_row_encoder_maps_class_labels_and_keeps_nulls() -> None:
    encode = row_encoder(CONFIG_SHAPES["requirements"])
    row = {"category": "testing_screening", "level": None, "date": None, "text": "x"}
    encoded = encode(row)
    assert encoded["category"] == category_names().index("testing_screening")
    assert encoded["category_name"] == "testing_screening"
    assert encoded["level"] is None and encoded["level_name"] is None
    assert encoded["text"] == "x"
