"""``croissant.json``: MLCommons Croissant 1.1 metadata for every config, derived from the same
``Features`` as the Parquet files.

Each config is a RecordSet read from its Parquet files (a FileSet); its split comes from the file
path and references a small Split RecordSet, as the Hugging Face Hub does. Structs become
``subField``s read with ``jsonPath``; lists are ``isArray``; class labels are integers that
reference an enumeration RecordSet holding their names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from datasets import ClassLabel, List, Value

from .. import __version__
from .features import CLASS_LABELS, config_features

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
    "int32": "sc:Integer",
    "int64": "sc:Integer",
    "bool": "sc:Boolean",
    "float64": "sc:Float",
    "date32": "sc:Date",
}


def _file_set(config: str) -> str:
    return f"parquet-files-for-config-{config}"


def _labels_id(names: tuple[str, ...]) -> str:
    kind = next(kind for kind, known in CLASS_LABELS.items() if known == names)
    return f"{kind}-labels"


def _field(
    config: str, path: tuple[str, ...], feature: Any, labels: dict[str, tuple[str, ...]]
) -> dict[str, Any]:
    """One Croissant field for the column (or nested member) at ``path``."""
    field_id = "/".join((config, *path))
    transforms = [{"jsonPath": step} for step in path[1:]]
    node: dict[str, Any] = {"@type": "cr:Field", "@id": field_id, "name": field_id}
    is_array = isinstance(feature, List)
    inner = feature.feature if is_array else feature
    if isinstance(inner, dict):
        node["subField"] = [
            _field(config, (*path, name), member, labels) for name, member in inner.items()
        ]
    else:
        source: dict[str, Any] = {
            "fileSet": {"@id": _file_set(config)},
            "extract": {"column": path[0]},
        }
        if transforms:
            source["transform"] = transforms if len(transforms) > 1 else transforms[0]
        node["source"] = source
        if isinstance(inner, ClassLabel):
            names = tuple(inner.names)
            labels[_labels_id(names)] = names
            node["dataType"] = "sc:Integer"
            node["references"] = {"field": {"@id": f"{_labels_id(names)}/index"}}
        elif isinstance(inner, Value):
            node["dataType"] = DATA_TYPES[inner.dtype]
        else:
            raise TypeError(f"no Croissant type for {inner!r} at {field_id}")
    if is_array:
        node["isArray"] = True
        node["arrayShape"] = "-1"
    return node


def _split_field(config: str) -> dict[str, Any]:
    return {
        "@type": "cr:Field",
        "@id": f"{config}/split",
        "name": f"{config}/split",
        "description": "Split to which the example belongs.",
        "dataType": "sc:Text",
        "source": {
            "fileSet": {"@id": _file_set(config)},
            "extract": {"fileProperty": "fullpath"},
            "transform": {"regex": f"^(?:.*/)?data/{config}/(train|validation|test)-.*\\.parquet$"},
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
                "name": f"{record_id}/index",
                "dataType": "sc:Integer",
            },
            {
                "@type": "cr:Field",
                "@id": f"{record_id}/name",
                "name": f"{record_id}/name",
                "dataType": "sc:Text",
            },
        ],
        "data": [
            {f"{record_id}/index": i, f"{record_id}/name": name} for i, name in enumerate(names)
        ],
    }


def croissant(
    *,
    name: str,
    description: str,
    license_url: str,
    cite_as: str,
    file_hashes: Mapping[str, str],
    splits: Mapping[str, Sequence[str]],
    config_descriptions: Mapping[str, str],
) -> dict[str, Any]:
    """The Croissant document. ``file_hashes`` maps each Parquet path to its sha256, ``splits``
    each published config to its published splits."""
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
    labels: dict[str, tuple[str, ...]] = {}
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
                        "name": f"{config}_splits/split_name",
                        "dataType": "sc:Text",
                    }
                ],
                "data": [{f"{config}_splits/split_name": split} for split in config_splits],
            }
        )
        fields = [_split_field(config)]
        fields += [
            _field(config, (column,), feature, labels)
            for column, feature in config_features(config).items()
        ]
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": config,
                "name": config,
                "description": config_descriptions[config],
                "field": fields,
            }
        )
    for record_id, names in sorted(labels.items()):
        record_sets.append(
            _enumeration(record_id, names, f"Names of the class label values ({record_id}).")
        )
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CROISSANT_VERSION,
        "name": name,
        "description": description,
        "license": license_url,
        "version": __version__,
        "citeAs": cite_as,
        "inLanguage": "zh",
        "keywords": ["COVID-19", "China", "government meetings", "information extraction"],
        "distribution": distribution,
        "recordSet": record_sets,
    }


__all__ = ["CROISSANT_VERSION", "croissant"]
