"""croissant.json read back with mlcroissant, offline, record set by record set, and compared
with what `datasets` loads from the same folder: every config of the real build, and synthetic
configs with the shapes a new column may take (nesting, lists of lists, class labels in structs,
dates, names that need JSONPath quoting)."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import subprocess
import sys
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from datasets import ClassLabel, Dataset, Features, List, Value, load_dataset

from covidmeet_ds.build import build, iter_manifest
from covidmeet_ds.build.card import data_file
from covidmeet_ds.build.croissant import UnreadableColumn, croissant
from covidmeet_ds.build.features import CONFIGS, SPLITS, config_features

from .conftest import REPO


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("croissant") / "hf"
    build(REPO, out, progress=False)
    return out


def _metadata(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "croissant.json").read_text(encoding="utf-8"))


def _record_set(metadata: dict[str, Any], record_id: str) -> dict[str, Any]:
    return next(r for r in metadata["recordSet"] if r["@id"] == record_id)


_DEPRECATIONS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def _read(folder: Path, record_id: str, caplog: pytest.LogCaptureFixture) -> list[dict]:
    """Every record of one record set, read by mlcroissant; nothing may be logged or warned
    (mlcroissant logs a path its split regex does not match, and validation warnings)."""
    import mlcroissant as mlc

    caplog.clear()
    with caplog.at_level(logging.WARNING), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        records = list(mlc.Dataset(jsonld=str(folder / "croissant.json")).records(record_id))
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert logged == [], f"{record_id}: mlcroissant logged {logged}"
    # libraries' own deprecation notices (pandas inside mlcroissant) say nothing about our files
    about_data = [w for w in caught if not issubclass(w.category, _DEPRECATIONS)]
    assert about_data == [], f"{record_id}: {[str(w.message) for w in about_data]}"
    return records


# -- mlcroissant's records back into rows --
#
# mlcroissant (1.1.1) returns a leaf under its parent's @id at the top of the record: a struct
# parent as a dict of leaf values, a list parent as a list of dicts. Below a list, a leaf holds one
# value per item. A null struct reads as all its leaves null, a null list of structs as one item
# whose leaves are all null: `_collapse` maps both sides to the same form before comparing.


def _leaves(node: dict[str, Any]) -> list[dict[str, Any]]:
    if "subField" not in node:
        return [node]
    return [leaf for child in node["subField"] for leaf in _leaves(child)]


def _leaf_values(record: dict[str, Any], fields: list[dict[str, Any]]) -> dict[str, Any]:
    """Each leaf's value (one value per item when below a list), by @id."""
    values: dict[str, Any] = {}

    def walk(node: dict[str, Any], parent: dict[str, Any] | None) -> None:
        for child in node.get("subField", []):
            walk(child, node)
        if "subField" in node:
            return
        if parent is None:
            values[node["@id"]] = record[node["@id"]]
        elif parent.get("isArray"):
            items = record[parent["@id"]]
            values[node["@id"]] = None if items is None else [i[node["@id"]] for i in items]
        else:
            values[node["@id"]] = record[parent["@id"]][node["@id"]]

    for top in fields:
        walk(top, None)
    return values


def _rebuild(node: dict[str, Any], values: dict[str, Any], index: int | None = None) -> Any:
    if "subField" not in node:
        value = values[node["@id"]]
        return value if index is None or value is None else value[index]
    if node.get("isArray") and index is None:
        first = values[_leaves(node)[0]["@id"]]
        if first is None:
            return None
        return [
            {child["name"]: _rebuild(child, values, i) for child in node["subField"]}
            for i in range(len(first))
        ]
    return {child["name"]: _rebuild(child, values, index) for child in node["subField"]}


def _plain(value: Any) -> Any:
    """Values of both readers in one form: text, ISO dates, ints, lists, dicts."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, (datetime.date, datetime.datetime)) or type(value).__name__ == "Timestamp":
        return value.isoformat()[:10]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _collapse(value: Any) -> Any:
    if isinstance(value, dict):
        inner = {key: _collapse(item) for key, item in value.items()}
        return None if all(item is None for item in inner.values()) else inner
    if isinstance(value, list):
        items = [_collapse(item) for item in value]
        return None if items == [None] else items
    return value


def _project(value: Any, node: dict[str, Any]) -> Any:
    """The part of a `datasets` value that the Croissant field describes."""
    if value is None or "subField" not in node:
        return value
    if node.get("isArray"):
        return [_project(item, {**node, "isArray": False}) for item in value]
    return {child["name"]: _project(value[child["name"]], child) for child in node["subField"]}


def _compare_config(
    folder: Path, config: str, expected: dict[str, list[dict]], caplog: pytest.LogCaptureFixture
) -> int:
    """Compare every record of ``config`` with the `datasets` rows of each split; the number of
    rows compared."""
    record_set = _record_set(_metadata(folder), config)
    fields = [f for f in record_set["field"] if f["@id"] != f"{config}/split"]
    read: dict[str, list[dict]] = defaultdict(list)
    for record in _read(folder, config, caplog):
        values = _leaf_values(record, fields)
        row = {top["name"]: _rebuild(top, values) for top in fields}
        read[_plain(record[f"{config}/split"])].append(_collapse(_plain(row)))
    assert set(read) == {split for split, rows in expected.items() if rows}
    compared = 0
    for split, rows in expected.items():
        want = [
            _collapse(_plain({top["name"]: _project(row[top["name"]], top) for top in fields}))
            for row in rows
        ]
        assert len(read[split]) == len(want), (config, split)
        for i, (got, row) in enumerate(zip(read[split], want, strict=True)):
            assert got == row, f"{config}/{split} row {i}"
        compared += len(want)
    return compared


# -- the real build --


def test_every_config_reads_whole_and_equals_load_dataset(
    built: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for config in CONFIGS:
        expected = {
            split: list(load_dataset(str(built), config, split=split))
            for split in SPLITS
            if (built / data_file(config, split)).exists()
        }
        assert _compare_config(built, config, expected, caplog) == sum(map(len, expected.values()))


def test_every_column_and_member_is_a_field(built: Path) -> None:
    metadata = _metadata(built)
    for config in CONFIGS:
        record_set = _record_set(metadata, config)
        described = {f["name"] for f in record_set["field"]}
        assert described == {"split", *config_features(config)}
        leaves = {leaf["@id"] for top in record_set["field"] for leaf in _leaves(top)}
        assert leaves >= {f"{config}/{path}" for path in _member_paths(config_features(config))}


def _member_paths(features: Features) -> list[str]:
    """Every leaf member of the features, as an ``@id`` path below its config."""
    found: list[str] = []

    def walk(feature: Any, path: tuple[str, ...]) -> None:
        while isinstance(feature, List):
            feature = feature.feature
        if isinstance(feature, dict):
            for name, member in feature.items():
                walk(member, (*path, name))
        else:
            found.append("/".join(path))

    for column, feature in features.items():
        walk(feature, (column,))
    return found


def test_a_list_of_structs_inside_a_list_of_structs_is_refused() -> None:
    deep = Features({"outer": List({"items": List({"leaf": Value("string")})})})
    with pytest.raises(UnreadableColumn, match=r"deep: outer\.items is a list of structs"):
        croissant(
            name="n",
            description="d",
            license_url="https://spdx.org/licenses/CC-BY-4.0.html",
            cite_as="c",
            file_hashes={},
            splits={"deep": ["train"]},
            config_descriptions={"deep": "d"},
            date_published=None,
            features_of=lambda config: deep,
        )


def test_split_and_label_record_sets_read_as_published(
    built: Path, caplog: pytest.LogCaptureFixture
) -> None:
    metadata = _metadata(built)
    labels: dict[str, list[str]] = {}
    for record_set in metadata["recordSet"]:
        for leaf in (leaf for top in record_set["field"] for leaf in _leaves(top)):
            if "references" in leaf and leaf["name"] != "split":
                target = leaf["references"]["field"]["@id"].split("/")[0]
                labels.setdefault(target, [])
    for config in CONFIGS:
        splits = [
            _plain(r[f"{config}_splits/split_name"])
            for r in _read(built, f"{config}_splits", caplog)
        ]
        assert splits == [s for s in SPLITS if (built / data_file(config, s)).exists()]
    assert labels, "no class label is referenced"
    names_by_feature = _class_label_names()
    for record_id in labels:
        records = _read(built, record_id, caplog)
        names = [_plain(r[f"{record_id}/name"]) for r in records]
        assert [r[f"{record_id}/index"] for r in records] == list(range(len(names)))
        assert names in names_by_feature


def _class_label_names() -> list[list[str]]:
    found: list[list[str]] = []

    def walk(feature: Any) -> None:
        if isinstance(feature, ClassLabel):
            found.append(list(feature.names))
        elif isinstance(feature, List):
            walk(feature.feature)
        elif isinstance(feature, dict):
            for member in feature.values():
                walk(member)

    for config in CONFIGS:
        walk(dict(config_features(config)))
    return found


def test_validates_offline_without_warnings_and_hashes_match(built: Path) -> None:
    metadata = _metadata(built)
    assert metadata["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    files = {d["contentUrl"]: d["sha256"] for d in metadata["distribution"] if "sha256" in d}
    assert files
    for path, sha in files.items():
        assert hashlib.sha256((built / path).read_bytes()).hexdigest() == sha
    result = subprocess.run(
        [sys.executable, "-m", "mlcroissant.scripts.validate", "--jsonld", "croissant.json"],
        cwd=built,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower()
    assert "warning" not in result.stderr.lower(), result.stderr


def test_date_published_is_the_newest_report_date(built: Path) -> None:
    days = [e.published for e in iter_manifest(REPO) if e.published is not None]
    assert _metadata(built)["datePublished"] == max(days).isoformat()


# -- shapes a new column may take --

SYNTHETIC = "synthetic"
SHAPES = Features(
    {
        "plain id": Value("string"),
        "day": Value("date32"),
        "count": Value("int32"),
        "share": Value("float64"),
        "flag": Value("bool"),
        "kind": ClassLabel(names=["alpha", "beta", "gamma"]),
        "kind_name": Value("string"),
        "tags": List(Value("string")),
        "grid": List(List(Value("int64"))),
        "outer": {
            "inner": {
                "when": Value("date32"),
                "kind": ClassLabel(names=["alpha", "beta", "gamma"]),
            },
            "it's": Value("string"),
            "items": List(
                {
                    "label": ClassLabel(names=["x", "y"]),
                    "span": {"start": Value("int32"), "end": Value("int32")},
                    "words": List(Value("string")),
                }
            ),
        },
        "people": List({"name": Value("string"), "roles": List(Value("string"))}),
    }
)


def _synthetic_rows() -> list[dict[str, Any]]:
    full = {
        "plain id": "一号",
        "day": datetime.date(2020, 2, 29),
        "count": 3,
        "share": 0.25,
        "flag": True,
        "kind": 2,
        "kind_name": "gamma",
        "tags": ["甲", "乙"],
        "grid": [[1, 2], [], [3]],
        "outer": {
            "inner": {"when": datetime.date(2021, 1, 1), "kind": 0},
            "it's": "引号",
            "items": [
                {
                    "label": 1,
                    "span": {"start": 0, "end": 4},
                    "words": ["一", "二"],
                },
                {"label": 0, "span": None, "words": []},
            ],
        },
        "people": [{"name": "张某", "roles": ["presided"]}, {"name": "李某", "roles": []}],
    }
    sparse = {
        "plain id": "二号",
        "day": None,
        "count": None,
        "share": None,
        "flag": False,
        "kind": 0,
        "kind_name": "alpha",
        "tags": [],
        "grid": None,
        "outer": None,
        "people": [],
    }
    empty_lists = {**full, "plain id": "三号", "outer": {**full["outer"], "items": []}}
    return [full, sparse, empty_lists]


def test_new_column_shapes_read_whole(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "hf"
    relative = data_file(SYNTHETIC, "train")
    (folder / relative).parent.mkdir(parents=True)
    rows = _synthetic_rows()
    Dataset.from_list(rows, features=SHAPES).to_parquet(folder / relative)
    sha = hashlib.sha256((folder / relative).read_bytes()).hexdigest()
    metadata = croissant(
        name="synthetic",
        description="Shapes a new column may take.",
        license_url="https://spdx.org/licenses/CC-BY-4.0.html",
        cite_as="synthetic",
        file_hashes={relative: sha},
        splits={SYNTHETIC: ["train"]},
        config_descriptions={SYNTHETIC: "Synthetic rows."},
        date_published=datetime.date(2020, 2, 29),
        features_of=lambda config: SHAPES,
    )
    (folder / "croissant.json").write_text(json.dumps(metadata, ensure_ascii=False))
    expected = {"train": list(load_dataset("parquet", data_files=str(folder / relative))["train"])}
    assert _compare_config(folder, SYNTHETIC, expected, caplog) == len(rows)
    record_set = _record_set(metadata, SYNTHETIC)
    fields = {leaf["@id"]: leaf for top in record_set["field"] for leaf in _leaves(top)}
    assert fields["synthetic/day"]["dataType"] == "sc:Date"
    assert fields["synthetic/grid"]["arrayShape"] == "-1,-1"
    assert fields["synthetic/outer/it_s"]["name"] == "it's"
    assert fields["synthetic/outer/it_s"]["source"]["transform"] == {"jsonPath": "['it\\'s']"}
    assert fields["synthetic/plain_id"]["source"]["extract"] == {"column": "plain id"}
    kinds = {
        fields[i]["references"]["field"]["@id"]
        for i in ("synthetic/kind", "synthetic/outer/inner/kind")
    }
    assert kinds == {"kind-labels/index"}
    assert (
        fields["synthetic/outer/items/label"]["references"]["field"]["@id"] == "label-labels/index"
    )
    assert metadata["datePublished"] == "2020-02-29"


def test_date_published_is_left_out_when_no_report_has_a_date() -> None:
    metadata = croissant(
        name="n",
        description="d",
        license_url="https://spdx.org/licenses/CC-BY-4.0.html",
        cite_as="c",
        file_hashes={},
        splits={},
        config_descriptions={},
        date_published=None,
    )
    assert "datePublished" not in metadata
