"""The published columns read by name outside `datasets`: label names beside class labels,
date intervals, presiders, join keys, the cross-walk and the taxonomy config, integers kept as
integers, and names that do not collide when nested data is flattened (pandas, polars, DuckDB).
Every test reads a real build of the real corpus."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest
import yaml
from datasets import ClassLabel, List, load_dataset

from covidmeet_ds.build import build
from covidmeet_ds.build.columns import TABLES, date_interval
from covidmeet_ds.build.features import (
    CONFIG_SHAPES,
    CONFIGS,
    CRAWL_SHAPES,
    config_features,
)
from covidmeet_ds.build.shapes import Shape, nested_field_names
from covidmeet_ds.joinkeys import jurisdiction_keys, parse_joinkeys, province_keys

from .conftest import REPO


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("columns") / "hf"
    build(REPO, out, progress=False)
    return out


def _files(built: Path, config: str) -> list[Path]:
    return sorted((built / "data" / config).glob("*.parquet"))


def _rows(built: Path, config: str) -> list[dict[str, Any]]:
    return [row for path in _files(built, config) for row in pq.read_table(path).to_pylist()]


def _gold_meetings() -> dict[tuple[str, str], dict]:
    meetings = {}
    for path in sorted((REPO / "annotations" / "hand").glob("*.yaml")):
        annotation = yaml.safe_load(path.read_text(encoding="utf-8"))
        for meeting in annotation["meetings"]:
            meetings[path.stem, meeting["meeting_id"]] = meeting
    return meetings


def _taxonomy() -> list[dict]:
    text = (REPO / "src/covidmeet_ds/data/taxonomy.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["categories"]


# -- label names --


def _label_pairs(value: Any, feature: Any, path: str) -> list[tuple[str, Any, Any]]:
    """(path, label index, name column) of every class label in a stored (encoded) value."""
    if value is None:
        return []
    if isinstance(feature, List):
        return [p for i, v in enumerate(value) for p in _label_pairs(v, feature.feature, path)]
    if not isinstance(feature, dict):
        return []
    found = []
    for key, sub in feature.items():
        if isinstance(sub, ClassLabel):
            found.append((f"{path}.{key}", sub, value[key], value[f"{key}_name"]))
        else:
            found += _label_pairs(value[key], sub, f"{path}.{key}")
    return found


@pytest.mark.parametrize("config", CONFIGS)
def test_every_class_label_has_its_name_beside_it(built: Path, config: str) -> None:
    features = config_features(config)
    seen = 0
    for row in _rows(built, config):
        for path, label, index, name in _label_pairs(row, dict(features), config):
            seen += 1
            assert (None if index is None else label.int2str(index)) == name, path
    assert seen


def test_label_names_read_by_name_in_pandas_polars_and_duckdb(built: Path) -> None:
    path = _files(built, "meetings")[0]
    frame = pd.read_parquet(path)
    level = config_features("meetings")["level"]
    assert list(frame["level_name"]) == [level.int2str(int(i)) for i in frame["level"]]
    polars = pl.read_parquet(path)
    assert polars["level_name"].to_list() == list(frame["level_name"])
    nested = polars.explode("requirements").unnest("requirements")
    category = config_features("requirements")["category"]
    for index, name in zip(nested["category"], nested["category_name"], strict=True):
        assert (index is None and name is None) or category.int2str(index) == name
    glob = str(built / "data" / "requirements" / "*.parquet")
    rows = duckdb.sql(f"select category, category_name from '{glob}'").fetchall()
    assert rows and all(category.int2str(index) == name for index, name in rows)


# -- dates, presiders --


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2020-03-16", date(2020, 3, 16), date(2020, 3, 16)),
        ("2020-02", date(2020, 2, 1), date(2020, 2, 29)),  # leap year
        ("2021-02", date(2021, 2, 1), date(2021, 2, 28)),
        ("2022-12", date(2022, 12, 1), date(2022, 12, 31)),
        ("2020-04", date(2020, 4, 1), date(2020, 4, 30)),
        ("2021", date(2021, 1, 1), date(2021, 12, 31)),
        (None, None, None),
    ],
)
def test_date_interval_covers_the_reduced_precision(
    value: str | None, start: date | None, end: date | None
) -> None:
    assert date_interval(value) == (start, end)


@pytest.mark.parametrize("config", ["meetings", "requirements"])
def test_date_columns_agree_with_the_gold_date(built: Path, config: str) -> None:
    gold = _gold_meetings()
    for row in _rows(built, config):
        value = gold[row["doc_id"], row["meeting_id"]]["date"]["value"]
        value = None if value is None else str(value)
        assert row["date"] == value
        assert (row["date_start"], row["date_end"]) == date_interval(value)
        if row["date_precision"] == "day":
            assert row["date_start"] == row["date_end"]
        if value is not None:
            assert row["date_start"].isoformat().startswith(value)
            assert row["date_end"].isoformat().startswith(value)


def test_presiders_are_the_named_speakers_who_presided(built: Path) -> None:
    gold = _gold_meetings()
    rows = _rows(built, "meetings")
    for row in rows:
        speakers = gold[row["doc_id"], row["meeting_id"]]["speakers"]
        expected = [s["name"] for s in speakers if "presided" in s["roles"] and s["name"]]
        assert row["presiders"] == expected
    assert any(row["presiders"] for row in rows)


# -- join keys and cross-walk --


def test_hubei_seed_carries_its_join_keys(built: Path) -> None:
    rows = [r for r in _rows(built, "meetings") if r["jurisdiction"] == "湖北省"]
    assert rows
    for row in rows:
        assert (row["jurisdiction_code"], row["province_iso"], row["oxcgrt_region"]) == (
            "420000",
            "CN-HB",
            "CHN_HB",
        )
    national = [r for r in _rows(built, "meetings") if r["level_name"] == "national"]
    assert national
    for row in national:
        assert (row["jurisdiction_code"], row["province_iso"], row["oxcgrt_region"]) == (
            None,
            None,
            "CHN",
        )


def test_requirement_rows_carry_their_meetings_jurisdiction_keys_and_dates(built: Path) -> None:
    meetings = {(r["doc_id"], r["meeting_id"]): r for r in _rows(built, "meetings")}
    documents = {r["doc_id"]: r for r in _rows(built, "documents")}
    shared = [
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
    requirements = _rows(built, "requirements")
    assert requirements
    for row in requirements:
        meeting = meetings[row["doc_id"], row["meeting_id"]]
        assert {k: row[k] for k in shared} == {k: meeting[k] for k in shared}
        assert row["published"] == documents[row["doc_id"]]["published"]


def test_cross_walk_codes_on_requirement_rows_and_nested_requirements(built: Path) -> None:
    walk = {c["name"]: (c["coronanet"], list(c["oxcgrt"])) for c in _taxonomy()}
    requirements = _rows(built, "requirements")
    for row in requirements:
        assert (row["coronanet_type"], row["oxcgrt_indicators"]) == walk[row["category_name"]]
    nested = [q for row in _rows(built, "meetings") for q in row["requirements"]]
    assert len(nested) == len(requirements)
    for requirement in nested:
        expected = walk[requirement["category_name"]]
        assert (requirement["coronanet_type"], requirement["oxcgrt_indicators"]) == expected
    assert any(row["oxcgrt_indicators"] for row in requirements)


@pytest.mark.parametrize(
    ("level", "jurisdiction", "keys"),
    [
        ("provincial", "湖北省", ("420000", "CN-HB", "CHN_HB")),
        ("provincial", "广西壮族自治区", ("450000", "CN-GX", "CHN_GX")),
        ("provincial", "宁夏回族自治区", ("640000", "CN-NX", "CHN_NX")),
        ("provincial", "上海市", ("310000", "CN-SH", "CHN_SH")),
        ("prefectural", "武汉市", ("420100", "CN-HB", "CHN_HB")),
        ("prefectural", "吉林市", ("220200", "CN-JL", "CHN_JL")),
        ("county", "凤凰县", ("433123", "CN-HN", "CHN_HN")),
        # not an OxCGRT region of China
        ("provincial", "香港特别行政区", ("810000", "CN-HK", None)),
        # a name several counties share, in different provinces: nothing can be said
        ("county", "朝阳区", (None, None, None)),
        ("county", "鼓楼区", (None, None, None)),
        # not in the 2020 gazetteer: a township, a historical name, a wrong level
        ("township", "虎门镇", (None, None, None)),
        ("prefectural", "襄樊市", (None, None, None)),
        ("county", "武汉市", (None, None, None)),
        ("prefectural", None, (None, None, None)),
        ("national", "中华人民共和国", (None, None, "CHN")),
        ("national", None, (None, None, "CHN")),
    ],
)
def test_jurisdiction_keys(level: str, jurisdiction: str | None, keys: tuple) -> None:
    found = jurisdiction_keys(level, jurisdiction)
    assert (found.jurisdiction_code, found.province_iso, found.oxcgrt_region) == keys


def test_join_key_table_agrees_with_pycountry() -> None:
    import gettext

    import pycountry

    chinese = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["zh_CN"])
    keys = province_keys()
    assert len(keys) == 34
    for subdivision in pycountry.subdivisions.get(country_code="CN"):
        (code,) = [c for c, k in keys.items() if k.iso_3166_2 == subdivision.code]
        name = chinese.gettext(subdivision.name)
        if name != subdivision.name:  # iso-codes has no Chinese name for a few
            assert jurisdiction_keys("provincial", name).jurisdiction_code == code
    assert sum(1 for k in keys.values() if k.oxcgrt_region) == 31  # OxCGRT's mainland regions
    for key in keys.values():
        if key.oxcgrt_region:
            assert key.oxcgrt_region == "CHN_" + key.iso_3166_2.removeprefix("CN-")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("CN-HB", "CN-H8"), "malformed"),
        (lambda t: t.replace("420000\t湖北省", "420000\t湖南省"), "not a provincial unit"),
        (lambda t: "\n".join(x for x in t.splitlines() if not x.startswith("420000")), "no keys"),
        (lambda t: t + "420000\t湖北省\tCN-HB\tCHN_HB\n", "twice"),
        (lambda t: t.replace("code\tname", "kode\tname"), "header"),
    ],
)
def test_a_damaged_join_key_table_is_refused(edit, message: str) -> None:
    path = REPO / "src/covidmeet_ds/data/joinkeys.tsv"
    with pytest.raises(ValueError, match=message):
        parse_joinkeys(edit(path.read_text(encoding="utf-8")))


# -- the taxonomy config --


def test_taxonomy_config_is_the_cross_walk_as_data(built: Path, tmp_path: Path) -> None:
    loaded = load_dataset(str(built), "taxonomy", cache_dir=str(tmp_path / "cache"))
    assert set(loaded) == {"train"}
    table = loaded["train"]
    labels = table.features["category"]
    assert labels == config_features("requirements")["category"]
    taxonomy = _taxonomy()
    assert [labels.int2str(i) for i in table["category"]] == [c["name"] for c in taxonomy]
    assert table["category"] == list(range(len(taxonomy)))
    for row, category in zip(table, taxonomy, strict=True):
        assert row["category_name"] == category["name"]
        assert row["label"] == category["label"]
        assert " ".join(row["definition"].split()) == " ".join(category["definition"].split())
        assert row["coronanet_type"] == category["coronanet"]
        assert row["oxcgrt_indicators"] == list(category["oxcgrt"])
    glob = str(built / "data" / "taxonomy" / "*.parquet")
    requirements = str(built / "data" / "requirements" / "*.parquet")
    joined = duckdb.sql(
        f"select count(*) from '{requirements}' r join '{glob}' t on r.category = t.category "
        "where r.category_name = t.category_name and r.coronanet_type is not distinct from "
        "t.coronanet_type"
    ).fetchall()
    assert joined == [(len(_rows(built, "requirements")),)]


# -- integers stay integers --


@pytest.mark.parametrize("backend", ["numpy_nullable", "pyarrow"])
def test_nullable_ints_stay_ints_with_the_pandas_recipe(built: Path, backend: str) -> None:
    frame = pd.concat(
        pd.read_parquet(path, dtype_backend=backend) for path in _files(built, "requirements")
    )
    assert frame["ordinal"].isna().any() and frame["ordinal"].notna().any()
    for column in ("ordinal", "section", "category", "level"):
        assert pd.api.types.is_integer_dtype(frame[column].dtype), (column, frame[column].dtype)
    values = [int(v) for v in frame["ordinal"].dropna()]
    assert values == [r["ordinal"] for r in _rows(built, "requirements") if r["ordinal"]]


def test_datasets_to_pandas_gives_floats_and_the_arrow_recipe_ints(
    built: Path, tmp_path: Path
) -> None:
    dataset = load_dataset(str(built), "requirements", cache_dir=str(tmp_path / "cache"))["train"]
    assert pd.api.types.is_float_dtype(dataset.to_pandas()["ordinal"].dtype)  # NaN for null
    frame = dataset.with_format("arrow")[:].to_pandas(types_mapper=pd.ArrowDtype)
    assert pd.api.types.is_integer_dtype(frame["ordinal"].dtype)
    assert frame["ordinal"].isna().any()


# -- flattening --


def _collisions(shapes: dict[str, Shape]) -> list[str]:
    """Nested field names (any depth) that repeat a column name of their table."""
    found = []
    for column, shape in shapes.items():
        for path, name in nested_field_names(shape, column):
            if name in shapes:
                found.append(path)
    return found


@pytest.mark.parametrize("config", [*CONFIGS, "crawl"])
def test_no_nested_field_repeats_a_column_name(config: str) -> None:
    shapes = CRAWL_SHAPES if config == "crawl" else CONFIG_SHAPES[config]
    assert _collisions(shapes) == []


def test_the_collision_check_finds_a_collision() -> None:
    shapes = dict(CONFIG_SHAPES["meetings"])
    shapes["name"] = shapes.pop("meeting_name")  # the former name, beside speakers[].name
    assert _collisions(shapes) == ["speakers[].name"]


@pytest.mark.parametrize("config", CONFIGS)
def test_every_nested_column_explodes_and_unnests_in_polars(built: Path, config: str) -> None:
    frame = pl.concat([pl.read_parquet(path) for path in _files(built, config)])
    for name, shape in CONFIG_SHAPES[config].items():
        if shape.item is not None and shape.item.fields:
            flat = frame.explode(name).unnest(name)
            assert set(shape.item.fields) <= set(flat.columns)
        elif shape.fields:
            flat = frame.unnest(name)
            assert set(shape.fields) <= set(flat.columns)


# -- descriptions --


@pytest.mark.parametrize("config", CONFIGS)
def test_every_column_has_a_one_line_description(config: str) -> None:
    for name, shape in TABLES[config].shapes.items():
        assert shape.description, name
        assert "\n" not in shape.description, name
