"""``croissant.json``: MLCommons Croissant 1.1 metadata for every config, derived from the same
``Features`` as the Parquet files, so a new column needs no change here.

Each config is a RecordSet read from its Parquet files (a FileSet); its split comes from the file
path and references a small Split RecordSet, as the Hugging Face Hub does. A struct member is a
``subField`` read from its top-level column with one ``jsonPath`` step per level; a list is
``isArray`` (``arrayShape`` ``-1,-1`` for a list of lists); a class label is an integer that
references an enumeration RecordSet holding its names; ``date32`` is ``sc:Date``. A list of
structs inside another list of structs cannot be extracted by Croissant readers (mlcroissant
1.1.1 keeps the first ``jsonPath`` match only), so such a column is refused
(:class:`UnreadableColumn`): publish the inner list beside the outer one, keyed, as
:mod:`covidmeet_ds.published` does for the annotations.
``datePublished`` is the newest report's publication date, never the clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Sequence as SequenceOf
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from typing import Any

from datasets import ClassLabel, Features, LargeList, List, Sequence, Value

from .. import __version__
from .features import SPLITS, config_features

CROISSANT_VERSION = "http://mlcommons.org/croissant/1.1"
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
DATA_TYPES = {
    "string": "sc:Text",
    "large_string": "sc:Text",
    "int8": "sc:Integer",
    "int16": "sc:Integer",
    "int32": "sc:Integer",
    "int64": "sc:Integer",
    "uint8": "sc:Integer",
    "uint16": "sc:Integer",
    "uint32": "sc:Integer",
    "uint64": "sc:Integer",
    "bool": "sc:Boolean",
    "float32": "sc:Float",
    "float64": "sc:Float",
    "date32": "sc:Date",
}
"""Croissant data type of each ``datasets.Value`` dtype the configs may publish."""

_PLAIN_JSON_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NOT_IN_ID = re.compile(r"[^\w.-]")
"""Characters an ``@id`` step may not hold: mlcroissant refuses whitespace (even escaped), and
``/`` separates the steps."""


class UnreadableColumn(ValueError):
    """A column no Croissant reader could extract (a bug in the column table, not user input)."""


@dataclass
class _Derivation:
    """What walking the features collects besides the fields: the class-label enumerations (id ->
    names)."""

    labels: dict[str, tuple[str, ...]] = dataclass_field(default_factory=dict)

    def labels_id(self, path: tuple[str, ...], names: tuple[str, ...]) -> str:
        """The enumeration RecordSet of these class names, named after the first member that
        holds them (``level-labels``); one RecordSet per distinct list of names."""
        for record_id, known in self.labels.items():
            if known == names:
                return record_id
        base = f"{_id_step(path[-1])}-labels"
        record_id, suffix = base, 2
        while record_id in self.labels:
            record_id, suffix = f"{base}-{suffix}", suffix + 1
        self.labels[record_id] = names
        return record_id


def _id_step(name: str) -> str:
    """A column or member name as one step of a field's ``@id`` (its ``name`` keeps it as is)."""
    return _NOT_IN_ID.sub("_", name)


def _check_unique_steps(config: str, path: tuple[str, ...], names: Iterable[str]) -> None:
    seen: dict[str, str] = {}
    for name in names:
        step = _id_step(name)
        if step in seen:
            where = ".".join(path) or "the columns"
            raise ValueError(
                f"{config}: {seen[step]!r} and {name!r} in {where} would share the Croissant"
                f" @id step {step!r}; rename one"
            )
        seen[step] = name


def _file_set(config: str) -> str:
    return f"parquet-files-for-config-{config}"


def _json_key(name: str) -> str:
    """A struct member name as one JSONPath step."""
    if _PLAIN_JSON_KEY.match(name):
        return name
    return "['" + name.replace("\\", "\\\\").replace("'", "\\'") + "']"


def _list_item(feature: Any) -> Any | None:
    """The item feature of a list feature, or None when ``feature`` is not a list."""
    if isinstance(feature, (List, LargeList, Sequence)):
        return feature.feature
    if isinstance(feature, list):
        if len(feature) != 1:
            raise TypeError(f"a list feature holds exactly one item feature, got {feature!r}")
        return feature[0]
    return None


def _is_struct_list(feature: Any) -> bool:
    """True for a list whose items hold a struct somewhere (a list of structs, of lists of
    structs, ...)."""
    item = _list_item(feature)
    while item is not None and not isinstance(item, dict):
        item = _list_item(item)
    return isinstance(item, dict)


def _leaf_type(field_id: str, feature: Any, derivation: _Derivation, path: tuple[str, ...]) -> dict:
    if isinstance(feature, ClassLabel):
        record_id = derivation.labels_id(path, tuple(feature.names))
        names = ", ".join(f"{i} {name}" for i, name in enumerate(feature.names))
        return {
            "description": f"Class label: an index into {record_id} ({names}).",
            "dataType": "sc:Integer",
            "references": {"field": {"@id": f"{record_id}/index"}},
        }
    if isinstance(feature, Value) and feature.dtype in DATA_TYPES:
        return {"dataType": DATA_TYPES[feature.dtype]}
    raise TypeError(f"no Croissant type for {feature!r} at {field_id}")


def _field(
    config: str,
    path: tuple[str, ...],
    feature: Any,
    derivation: _Derivation,
    in_struct_list: bool = False,
) -> dict[str, Any]:
    """The Croissant field for the column (or nested member) at ``path``.

    A member is read from its Parquet column through one ``jsonPath`` step per struct level; a
    list is ``isArray`` (the steps below it apply to every item). A list of structs inside
    another list of structs would need a JSONPath that yields several values per item, and
    Croissant readers keep only the first match of a ``jsonPath`` (mlcroissant 1.1.1), so such a
    member is refused (:class:`UnreadableColumn`)."""
    field_id = "/".join((config, *map(_id_step, path)))
    item = _list_item(feature)
    is_array = item is not None
    if is_array and in_struct_list and _is_struct_list(feature):
        raise UnreadableColumn(
            f"{config}: {'.'.join(path)} is a list of structs inside another list of structs, "
            "which Croissant readers cannot extract from a Parquet column; publish it beside "
            "the outer list, keyed (see covidmeet_ds.published)"
        )
    shape = ""
    while item is not None and _list_item(item) is not None:
        item, shape = _list_item(item), shape + ",-1"
    inner = item if is_array else feature
    node: dict[str, Any] = {"@type": "cr:Field", "@id": field_id, "name": path[-1]}
    if isinstance(inner, dict):
        below_list = in_struct_list or is_array
        _check_unique_steps(config, path, inner)
        children = [
            _field(config, (*path, name), member, derivation, below_list)
            for name, member in inner.items()
        ]
        node["subField"] = children
    else:
        source: dict[str, Any] = {
            "fileSet": {"@id": _file_set(config)},
            "extract": {"column": path[0]},
        }
        steps = [{"jsonPath": _json_key(step)} for step in path[1:]]
        if steps:
            source["transform"] = steps if len(steps) > 1 else steps[0]
        node.update(_leaf_type(field_id, inner, derivation, path))
        node["source"] = source
    if is_array:
        node["isArray"] = True
        node["arrayShape"] = "-1" + shape
    return node


def _split_field(config: str) -> dict[str, Any]:
    # The path regex also matches a bare split name: mlcroissant applies a referencing field's
    # transform twice (once to join with the splits RecordSet, once more when reading the
    # field), and warns "Could not match" on the second pass otherwise.
    splits = "|".join(SPLITS)
    pattern = f"^(?:(?:.*/)?data/{re.escape(config)}/)?({splits})(?:-[^/]*\\.parquet)?$"
    return {
        "@type": "cr:Field",
        "@id": f"{config}/split",
        "name": "split",
        "description": "Split to which the example belongs.",
        "dataType": "sc:Text",
        "source": {
            "fileSet": {"@id": _file_set(config)},
            "extract": {"fileProperty": "fullpath"},
            "transform": {"regex": pattern},
        },
        "references": {"field": {"@id": f"{config}_splits/split_name"}},
    }


def _enumeration(record_id: str, names: tuple[str, ...], description: str) -> dict[str, Any]:
    return {
        "@type": "cr:RecordSet",
        "@id": record_id,
        "name": record_id,
        "description": description,
        "dataType": "sc:Enumeration",
        "key": {"@id": f"{record_id}/index"},
        "field": [
            {
                "@type": "cr:Field",
                "@id": f"{record_id}/index",
                "name": "index",
                "dataType": "sc:Integer",
            },
            {
                "@type": "cr:Field",
                "@id": f"{record_id}/name",
                "name": "name",
                "dataType": "sc:Text",
            },
        ],
        "data": [
            {f"{record_id}/index": i, f"{record_id}/name": name} for i, name in enumerate(names)
        ],
    }


def _config_record_set(
    config: str, features: Features, description: str, derivation: _Derivation
) -> dict[str, Any]:
    """The RecordSet of one config: its split, then one field per column of its Features."""
    fields = [_split_field(config)]
    _check_unique_steps(config, (), ["split", *features])
    fields += [
        _field(config, (column,), feature, derivation) for column, feature in features.items()
    ]
    return {
        "@type": "cr:RecordSet",
        "@id": config,
        "name": config,
        "description": description,
        "field": fields,
    }


def croissant(
    *,
    name: str,
    description: str,
    license_url: str,
    cite_as: str,
    file_hashes: Mapping[str, str],
    splits: Mapping[str, SequenceOf[str]],
    config_descriptions: Mapping[str, str],
    date_published: date | None,
    features_of: Callable[[str], Features] = config_features,
) -> dict[str, Any]:
    """The Croissant document. ``file_hashes`` maps each Parquet path to its sha256, ``splits``
    each published config to its published splits; ``date_published`` comes from the data (see
    :func:`covidmeet_ds.build.write_dataset`) and is left out when None. ``features_of`` gives a
    config's ``Features`` (the published ones unless a test describes other files)."""
    distribution: list[dict[str, Any]] = []
    for path, sha in sorted(file_hashes.items()):
        distribution.append(
            {
                "@type": "cr:FileObject",
                "@id": path,
                "name": path,
                "contentUrl": path,
                "encodingFormat": "application/x-parquet",
                "sha256": sha,
            }
        )
    record_sets: list[dict[str, Any]] = []
    derivation = _Derivation()
    for config, config_splits in splits.items():
        distribution.append(
            {
                "@type": "cr:FileSet",
                "@id": _file_set(config),
                "name": _file_set(config),
                "description": f"Parquet files of the {config} config.",
                "encodingFormat": "application/x-parquet",
                "includes": f"data/{config}/*.parquet",
            }
        )
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "dataType": "cr:Split",
                "@id": f"{config}_splits",
                "name": f"{config}_splits",
                "description": f"Splits of the {config} config.",
                "key": {"@id": f"{config}_splits/split_name"},
                "field": [
                    {
                        "@type": "cr:Field",
                        "@id": f"{config}_splits/split_name",
                        "name": "split_name",
                        "dataType": "sc:Text",
                    }
                ],
                "data": [{f"{config}_splits/split_name": split} for split in config_splits],
            }
        )
        record_sets.append(
            _config_record_set(config, features_of(config), config_descriptions[config], derivation)
        )
    for record_id, names in derivation.labels.items():
        record_sets.append(
            _enumeration(record_id, names, f"Names of the class label values ({record_id}).")
        )
    ids = [record_set["@id"] for record_set in record_sets]
    if len(set(ids)) != len(ids):
        raise ValueError(f"two Croissant record sets share an @id: {sorted(ids)}")
    metadata: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CROISSANT_VERSION,
        "name": name,
        "description": description,
        "license": license_url,
        "version": __version__,
        "citeAs": cite_as,
    }
    if date_published is not None:
        metadata["datePublished"] = date_published.isoformat()
    metadata.update(
        {
            "inLanguage": "zh",
            "keywords": ["COVID-19", "China", "government meetings", "information extraction"],
            "distribution": distribution,
            "recordSet": record_sets,
        }
    )
    return metadata


__all__ = ["CROISSANT_VERSION", "DATA_TYPES", "UnreadableColumn", "croissant"]
