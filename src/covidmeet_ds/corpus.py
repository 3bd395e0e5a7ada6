"""The I/O edge: the corpus layout, raw files, and YAML loaded safely with line/column positions."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MODELINE_PREFIX = "# yaml-language-server: $schema="
ANNOTATORS = ("hand", "rule")
ANNOTATION_SCHEMA = "schema/annotation.schema.json"
MANIFEST_SCHEMA = "schema/manifest.schema.json"

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Layout:
    """Where things live under a corpus root."""

    root: Path

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def manifest(self) -> Path:
        return self.raw_dir / "manifest.yaml"

    def annotation_dir(self, annotator: str) -> Path:
        return self.root / "annotations" / annotator

    def annotation_path(self, annotator: str, doc_id: str) -> Path:
        return self.annotation_dir(annotator) / f"{doc_id}.yaml"

    def relative(self, path: Path) -> str:
        """``path`` as shown in messages: relative to the root when inside it, POSIX separators."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


class InputError(Exception):
    """A file that cannot be read as the contract requires; carries a 1-based position."""

    def __init__(self, message: str, line: int = 1, column: int = 1, loc: Loc = ()):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.loc = loc


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_utf8(data: bytes) -> str:
    """Strict UTF-8 without BOM; raises :class:`InputError` naming the first bad byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        raise InputError("file starts with a UTF-8 byte-order mark (BOM); save it without one")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        line_start = data.rfind(b"\n", 0, error.start) + 1
        column = len(data[line_start : error.start].decode("utf-8", errors="replace")) + 1
        raise InputError(
            f"not valid UTF-8: byte 0x{data[error.start]:02x} at byte offset {error.start}",
            line,
            column,
        ) from None


def read_text(path: Path) -> tuple[str, str]:
    """Read a UTF-8 text file; returns (text, sha256 of its bytes)."""
    data = path.read_bytes()
    if not data.strip():
        raise InputError("file is empty")
    return decode_utf8(data), sha256_bytes(data)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- YAML ---------------------------------------------------------------------------------------

_CORE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as strings: the models parse them, with their own messages."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class YamlDocument:
    """A parsed YAML file: its data, its node tree and the position of every key and item."""

    text: str
    data: Any
    root: yaml.Node
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def locate(self, loc: Loc) -> tuple[int, int]:
        """1-based (line, column) of the deepest part of ``loc`` present in the file."""
        for end in range(len(loc), -1, -1):
            position = self.positions.get(tuple(loc[:end]))
            if position is not None:
                return position
        return (1, 1)


def _mark(node_or_mark: Any) -> tuple[int, int]:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return (mark.line + 1, mark.column + 1)


def _index(
    node: yaml.Node, loc: Loc, positions: dict[Loc, tuple[int, int]], seen: set[int]
) -> None:
    if id(node) in seen:
        line, column = _mark(node)
        raise InputError(
            "YAML aliases (*name) are not allowed: annotations are plain data, written out in full",
            line,
            column,
            loc,
        )
    seen.add(id(node))
    if node.tag not in _CORE_TAGS:
        line, column = _mark(node)
        raise InputError(
            f"YAML tag {node.tag!r} is not allowed: annotations are plain data "
            "(tags that build objects are refused)",
            line,
            column,
            loc,
        )
    positions.setdefault(loc, _mark(node))
    if isinstance(node, yaml.MappingNode):
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                line, column = _mark(key_node)
                raise InputError(
                    f"mapping key must be a plain string, not {key_node.tag}", line, column, loc
                )
            key = key_node.value
            line, column = _mark(key_node)
            if key in first_seen:
                raise InputError(
                    f"duplicate key {key!r} (first at line {first_seen[key]})", line, column, loc
                )
            first_seen[key] = line
            positions[(*loc, key)] = (line, column)
            _index(value_node, (*loc, key), positions, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*loc, i), positions, seen)


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document safely, recording positions; raises :class:`InputError`."""
    if not text.strip():
        raise InputError("file is empty")
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise InputError("file holds no YAML document (only comments or blank lines)")
        positions: dict[Loc, tuple[int, int]] = {}
        _index(root, (), positions, set())
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = _mark(mark) if mark else (1, 1)
        problem = error.problem or "malformed YAML"
        context = f" ({error.context})" if error.context else ""
        raise InputError(f"malformed YAML: {problem}{context}", line, column) from None
    except yaml.YAMLError as error:
        raise InputError(f"malformed YAML: {error}") from None
    finally:
        loader.dispose()
    return YamlDocument(text=text, data=data, root=root, positions=positions)


def modeline(layout: Layout, path: Path, schema: str = ANNOTATION_SCHEMA) -> str:
    """The ``yaml-language-server`` modeline pointing from ``path`` to the JSON Schema."""
    target = os.path.relpath(layout.root / schema, path.parent)
    return f"{MODELINE_PREFIX}{Path(target).as_posix()}"


def annotation_files(layout: Layout) -> Iterator[tuple[str, Path]]:
    """Every file in the annotation folders, as (annotator, path), sorted."""
    for annotator in ANNOTATORS:
        folder = layout.annotation_dir(annotator)
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    yield annotator, path
