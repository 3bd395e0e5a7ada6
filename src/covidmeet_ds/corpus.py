"""The I/O edge: the corpus layout, raw files, and YAML loaded safely with line/column positions."""

from __future__ import annotations

import hashlib
import os
import re
import stat
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
        # the folder is resolved, not the file: a symbolic link is shown by its own name
        try:
            where = path.absolute().parent.resolve() / path.name
            return where.relative_to(self.root.resolve()).as_posix()
        except (ValueError, OSError, RuntimeError):
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
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename.

    The text is written as it is (its line endings are the caller's). A symbolic link stays a
    link: the file it leads to is replaced. A replaced file keeps its permissions; a new one gets
    those the umask gives.
    """
    target = path.resolve() if path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else _new_file_mode()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _new_file_mode() -> int:
    """The permissions ``open()`` would give a new file (mkstemp's are private)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


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

_FastLoader: type | None = None
_FastStreamLoader: type | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):
        """libyaml's parser with :class:`_Loader`'s resolvers: the same nodes, data and
        positions, about ten times faster. Its error messages are worded differently, so a file
        it rejects is parsed again by :class:`_Loader` to report the error."""

    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

    class _CStreamLoader(_CLoader, yaml.composer.Composer):
        """:class:`_CLoader` that composes one node at a time (see :func:`iter_yaml_items`)."""

    _FastLoader, _FastStreamLoader = _CLoader, _CStreamLoader

_TAG = re.compile(r"(?<!\w)!")
_GLUED_COMMENT = re.compile(r"[|>][-+0-9]*#")


def _libyaml_differs(text: str) -> bool:
    """Whether libyaml could read ``text`` differently from PyYAML, which then parses it: a
    leading BOM (libyaml skips it, shifting every mark's index), tabs (it accepts them where PyYAML
    refuses), a tag (it reads an empty ``!`` as a string, PyYAML as null), ``?`` (PyYAML ends a
    plain scalar there in a flow collection) and a comment glued to a block scalar's header
    (``>-#``, which PyYAML refuses). Found by comparing both parsers on randomly mutated copies of
    the corpus's files."""
    return (
        text.startswith("\ufeff")
        or "\t" in text
        or "?" in text
        or ("!" in text and _TAG.search(text) is not None)
        or ("#" in text and _GLUED_COMMENT.search(text) is not None)
    )


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


class _NotPlain(Exception):
    """A node the plain-data walk does not build itself (an explicit tag on the wrong kind of
    node, a scalar its constructor rejects): :func:`_parse_yaml` hands it to PyYAML's own."""


_STR, _MAP, _SEQ = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "map", "seq"))
_SCALAR_CONSTRUCTORS = {
    "tag:yaml.org,2002:int": yaml.constructor.SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": yaml.constructor.SafeConstructor.construct_yaml_float,
    "tag:yaml.org,2002:bool": yaml.constructor.SafeConstructor.construct_yaml_bool,
}


def _scalar(node: yaml.Node, constructor: yaml.constructor.SafeConstructor) -> Any:
    """What ``SafeConstructor`` makes of a scalar node with a core tag."""
    if not isinstance(node, yaml.ScalarNode) or node.tag in (_MAP, _SEQ):
        raise _NotPlain
    if node.tag == _STR:
        return node.value
    if node.tag == "tag:yaml.org,2002:null":
        return None
    try:
        return _SCALAR_CONSTRUCTORS[node.tag](constructor, node)
    except Exception as error:
        raise _NotPlain from error


def _walk(
    node: yaml.Node,
    loc: Loc,
    positions: dict[Loc, tuple[int, int]],
    seen: set[int],
    constructor: yaml.constructor.SafeConstructor | None,
) -> Any:
    """Check that ``node`` is plain data and record where each key and item is; with a
    ``constructor``, also build the data (what ``construct_document`` would, in one pass)."""
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
        if constructor is not None and node.tag != _MAP:
            raise _NotPlain
        mapping: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
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
            mapping[key] = _walk(value_node, (*loc, key), positions, seen, constructor)
        return mapping
    if isinstance(node, yaml.SequenceNode):
        if constructor is not None and node.tag != _SEQ:
            raise _NotPlain
        return [
            _walk(item, (*loc, i), positions, seen, constructor)
            for i, item in enumerate(node.value)
        ]
    return None if constructor is None else _scalar(node, constructor)


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document safely, recording positions; raises :class:`InputError`."""
    if not text.strip():
        raise InputError("file is empty")
    if _FastLoader is not None and not _libyaml_differs(text):
        try:
            return _parse_yaml(text, _FastLoader)
        except yaml.YAMLError:
            pass  # reported below, in the words of the pure-Python parser
    return _parse_yaml(text, _Loader)


def _parse_yaml(text: str, loader_class: type) -> YamlDocument:
    """:func:`parse_yaml` with one loader; libyaml's syntax errors propagate unchanged."""
    fast = loader_class is not _Loader
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise InputError("file holds no YAML document (only comments or blank lines)")
        positions: dict[Loc, tuple[int, int]] = {}
        try:
            data = _walk(root, (), positions, set(), loader)
        except _NotPlain:
            # every check again, then PyYAML's constructor with its own errors
            positions = {}
            _walk(root, (), positions, set(), None)
            data = loader.construct_document(root)
    except yaml.MarkedYAMLError as error:
        if fast:
            raise
        mark = error.problem_mark or error.context_mark
        line, column = _mark(mark) if mark else (1, 1)
        problem = error.problem or "malformed YAML"
        context = f" ({error.context})" if error.context else ""
        raise InputError(f"malformed YAML: {problem}{context}", line, column) from None
    except yaml.YAMLError as error:
        if fast:
            raise
        raise InputError(f"malformed YAML: {error}") from None
    finally:
        loader.dispose()
    return YamlDocument(text=text, data=data, root=root, positions=positions)


def iter_yaml_items(text: str, key: str) -> Iterator[Any]:
    """The items of the list under ``key`` in a file that holds only ``key: [...]``, built one at
    a time: for a text :func:`parse_yaml` accepts, exactly the items of its ``data[key]``, without
    ever holding the node tree of the whole list (a manifest of many documents).

    Anything else (malformed YAML, another shape, an alias, a tag) raises :class:`InputError` or
    ``yaml.YAMLError`` without a useful position: call :func:`parse_yaml` for a located message.
    Conversely, a text this reads to the end is one :func:`parse_yaml` accepts: it makes the same
    checks, item by item.
    """
    fast = _FastStreamLoader is not None and not _libyaml_differs(text)
    loader = _FastStreamLoader(text) if fast else _Loader(text)
    loader.anchors = {}
    compose = yaml.composer.Composer.compose_node

    def expect(kind: type, *tags: str) -> None:
        event = loader.get_event()
        if not isinstance(event, kind) or getattr(event, "tag", None) not in (None, "!", *tags):
            raise InputError(f"expected a file holding only {key!r}: [...]")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            if anchor in loader.anchors:
                raise InputError(f"duplicate anchor {anchor!r}")
            # a stand-in, so that the composer refuses the name again and _walk an alias to it
            loader.anchors[anchor] = yaml.ScalarNode(_STR, "", event.start_mark, event.end_mark)

    try:
        expect(yaml.StreamStartEvent)
        expect(yaml.DocumentStartEvent)
        expect(yaml.MappingStartEvent, _MAP)
        key_node = compose(loader, None, None)
        if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STR):
            raise InputError(f"expected the key {key!r}")
        if key_node.value != key:
            raise InputError(f"expected the key {key!r}")
        expect(yaml.SequenceStartEvent, _SEQ)
        index = 0
        while not loader.check_event(yaml.SequenceEndEvent):
            anchored = {id(node) for node in loader.anchors.values()}  # an alias's target
            node = compose(loader, None, index)
            try:
                yield _walk(node, (key, index), {}, anchored, loader)
            except _NotPlain:
                raise InputError("not plain data") from None
            index += 1
        expect(yaml.SequenceEndEvent)
        expect(yaml.MappingEndEvent)
        expect(yaml.DocumentEndEvent)
        expect(yaml.StreamEndEvent)
    finally:
        loader.dispose()


def modeline(layout: Layout, path: Path, schema: str = ANNOTATION_SCHEMA) -> str:
    """The ``yaml-language-server`` modeline pointing from ``path`` to the JSON Schema."""
    target = os.path.relpath(layout.root / schema, path.parent)
    return f"{MODELINE_PREFIX}{Path(target).as_posix()}"


def annotation_files(layout: Layout) -> Iterator[tuple[str, Path]]:
    """Every file in the annotation folders, as (annotator, path), sorted."""
    for annotator in ANNOTATORS:
        folder = layout.annotation_dir(annotator)
        if folder.is_dir():
            # names, not Paths, are sorted: a folder of many annotations costs less memory
            for name in sorted(os.listdir(folder), key=os.path.normcase):
                path = folder / name
                if not name.startswith(".") and path.is_file():
                    yield annotator, path
