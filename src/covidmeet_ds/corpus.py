"""The I/O edge: the corpus layout, raw files, and YAML loaded safely with line/column positions."""

from __future__ import annotations

import bisect
import hashlib
import math
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MODELINE_PREFIX = "# yaml-language-server: $schema="
ANNOTATORS = ("hand", "rule")
ANNOTATION_FOLDERS = ("hand", "draft", "rule")
"""The folders of ``annotations/``: gold (hand, stage gold), drafts (hand, stage draft), rules."""
FOLDER_ANNOTATOR = {"hand": "hand", "draft": "hand", "rule": "rule"}
FOLDER_STAGE: dict[str, str | None] = {"hand": "gold", "draft": "draft", "rule": None}
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

    def annotation_dir(self, folder: str) -> Path:
        """``annotations/<folder>``: ``hand`` (gold), ``draft`` or ``rule``."""
        return self.root / "annotations" / folder

    def annotation_path(self, folder: str, doc_id: str) -> Path:
        return self.annotation_dir(folder) / f"{doc_id}.yaml"

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


_UNICODE_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32 BE"),
    (b"\xff\xfe\x00\x00", "UTF-32 LE"),
    (b"\xfe\xff", "UTF-16 BE"),
    (b"\xff\xfe", "UTF-16 LE"),
)
_LEGACY_ENCODINGS = (("GB18030 (GBK)", "gb18030"), ("Big5", "big5"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _as_text(data: bytes, codec: str) -> str | None:
    """``data`` decoded strictly in ``codec``, if that gives text: no control characters and no
    unassigned code points (what bytes read in the wrong order or encoding give)."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    if _CONTROL.search(text) or any(unicodedata.category(c) == "Cn" for c in text):
        return None
    return text


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _wide_encoding(data: bytes) -> tuple[str, str] | None:
    """(name, how it shows) when ``data`` is UTF-16 or UTF-32: by its byte-order mark or, without
    one, by the zero bytes each ASCII character (a newline, a YAML key) brings along."""
    for bom, name in _UNICODE_BOMS:
        if data.startswith(bom):
            return name, f"it starts with the {name} byte-order mark"
    if b"\x00" not in data:
        return None
    for name, codec, lane in (("UTF-32 LE", "utf-32-le", 3), ("UTF-32 BE", "utf-32-be", 0)):
        # a code point is at most 0x10FFFF: one byte of every four is zero
        if (
            len(data) % 4 == 0
            and not data[lane::4].strip(b"\x00")
            and _as_text(data, codec) is not None
        ):
            return name, "one byte of every four is zero"
    if len(data) % 2:
        return None
    if _is_utf8(data) and max(data[0::2].count(0), data[1::2].count(0)) * 2 < len(data) // 2:
        # UTF-16 is valid UTF-8 only when (nearly) all ASCII: this is UTF-8 holding NUL
        # characters (the YAML reader refuses them)
        return None
    # the byte order that reads as text; of two, the one with more ASCII (newlines, keys, digits)
    readings = [
        (sum(c.isascii() for c in text), name)
        for name, codec in (("UTF-16 LE", "utf-16-le"), ("UTF-16 BE", "utf-16-be"))
        if (text := _as_text(data, codec)) is not None
    ]
    if readings:
        return max(readings)[1], "zero bytes sit between its ASCII characters"
    return None


def _legacy_encoding(data: bytes) -> str | None:
    """The Chinese legacy encoding ``data`` decodes in strictly, when it is not UTF-8 with a few
    bad bytes: of GB18030 and Big5 (Big5 text also decodes as GB18030, as nonsense), the one that
    yields more CJK ideographs."""
    lenient = data.decode("utf-8", errors="replace")
    replaced = lenient.count("\ufffd")
    if sum(not c.isascii() for c in lenient) - replaced >= replaced:
        return None  # mostly good UTF-8: a damaged or mixed file, not another encoding
    scores = {}
    for name, codec in _LEGACY_ENCODINGS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        scores[name] = sum("\u4e00" <= c <= "\u9fff" for c in text)
    return max(scores, key=scores.__getitem__) if scores else None


def decode_utf8(data: bytes) -> str:
    """Strict UTF-8 without BOM; raises :class:`InputError` naming the first bad byte, and the
    encoding the file is in when it is recognisably UTF-16, UTF-32, GB18030 or Big5."""
    wide = _wide_encoding(data)
    if wide is not None:
        name, how = wide
        raise InputError(f"file is {name}, not UTF-8 ({how}): save it as UTF-8")
    if data.startswith(b"\xef\xbb\xbf"):
        raise InputError("file starts with a UTF-8 byte-order mark (BOM); save it without one")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        line_start = data.rfind(b"\n", 0, error.start) + 1
        column = len(data[line_start : error.start].decode("utf-8", errors="replace")) + 1
        legacy = _legacy_encoding(data)
        hint = f"; the file looks like {legacy}: save it as UTF-8" if legacy else ""
        raise InputError(
            f"not valid UTF-8: byte 0x{data[error.start]:02x} at byte offset {error.start}{hint}",
            line,
            column,
        ) from None


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

MAX_NESTING = 100
"""Deepest nesting of collections a YAML file may have (an annotation needs six levels); PyYAML's
composer recurses once per level, so a deeper file would end in ``RecursionError``."""

_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ = (
    f"tag:yaml.org,2002:{kind}" for kind in ("str", "int", "float", "bool", "null", "map", "seq")
)
_CORE_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ}

_PLAIN_SCALARS = {
    _NULL: re.compile(r"~|null|Null|NULL|"),
    _BOOL: re.compile(r"true|True|TRUE|false|False|FALSE"),
    _INT: re.compile(r"0|-?[1-9][0-9]*"),
    _FLOAT: re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+)"),
}
"""The only plain scalars that are not strings: YAML 1.2's core schema, narrowed to ASCII decimal
numbers without a leading zero or ``+``. Everything else is a string, where YAML 1.1 (PyYAML's
default) reads ``0246`` as octal 166, ``4:06`` as 246 (base 60), ``0xF6``, ``0b1``, ``2_4_6``,
``.inf`` as numbers and ``yes``, ``no``, ``on``, ``off``, ``y``, ``n`` as booleans."""

_FIRST_CHARACTERS = {
    _NULL: ("~", "n", "N", ""),
    _BOOL: tuple("tTfF"),
    _INT: tuple("-0123456789"),
    _FLOAT: tuple("-0123456789"),
}

_EXPLICIT_FORMS = {
    _NULL: "null is written null or ~",
    _BOOL: "a boolean is written true or false",
    _INT: "an integer is written in decimal digits 0-9, without a leading zero (0, -12, 1492)",
    _FLOAT: "a number is written in decimal digits 0-9 (12, -0.5, 1.5e3)",
}


def _strict_resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """PyYAML's implicit-resolver table (first character → (tag, pattern)) for
    :data:`_PLAIN_SCALARS`; PyYAML uses ``match``, so each pattern is anchored at the end."""
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for tag, characters in _FIRST_CHARACTERS.items():
        anchored = re.compile(rf"(?:{_PLAIN_SCALARS[tag].pattern})\Z")
        for character in characters:
            table.setdefault(character, []).append((tag, anchored))
    return table


class _TooDeep(Exception):
    """Nesting deeper than :data:`MAX_NESTING`, found while composing (at ``mark``)."""

    def __init__(self, mark: yaml.Mark):
        super().__init__("nesting too deep")
        self.mark = mark


class _NestingLimit:
    """Mixin for a loader using PyYAML's (recursive) composer: refuses nesting deeper than
    :data:`MAX_NESTING` where the node that is too deep starts."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):  # type: ignore[attr-defined]
            return super().compose_node(parent, index)  # type: ignore[misc]
        if self._depth >= MAX_NESTING:
            raise _TooDeep(self.peek_event().start_mark)  # type: ignore[attr-defined]
        self._depth += 1
        try:
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1


class _Loader(_NestingLimit, yaml.SafeLoader):
    """SafeLoader with strict plain scalars (:data:`_PLAIN_SCALARS`) and a nesting limit; dates
    stay strings: the models parse them, with their own messages."""


_Loader.yaml_implicit_resolvers = _strict_resolvers()

_FastLoader: type | None = None
_FastStreamLoader: type | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):
        """libyaml's parser with :class:`_Loader`'s resolvers: the same nodes, data and
        positions, about ten times faster. Its error messages are worded differently, so a file
        it rejects is parsed again by :class:`_Loader` to report the error."""

    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

    class _CStreamLoader(_NestingLimit, _CLoader, yaml.composer.Composer):
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


class TextPositions:
    """1-based (line, column) of character indexes into one text, as editors and GitHub count
    them: only ``\n`` ends a line (``\r\n`` is one break). YAML's own marks also end a line at
    U+0085, U+2028, U+2029 and a lone ``\r``, so they are never reported as they are."""

    def __init__(self, text: str):
        self.text = text
        self._line_starts: list[int] | None = None  # computed on first use

    def position(self, index: int) -> tuple[int, int]:
        if self._line_starts is None:
            self._line_starts = [0, *(match.end() for match in re.finditer("\n", self.text))]
        line = bisect.bisect_right(self._line_starts, index)
        column = index - self._line_starts[line - 1] + 1
        if line == 1 and index > 0 and self.text.startswith("\ufeff"):
            column -= 1  # an editor shows no byte-order mark
        return line, column

    def of(self, node_or_mark: Any) -> tuple[int, int]:
        """Where a node (its start) or a mark is."""
        return self.position(getattr(node_or_mark, "start_mark", node_or_mark).index)


@dataclass
class YamlDocument:
    """A parsed YAML file: its data, its node tree and where every key and item starts."""

    text: str
    data: Any
    root: yaml.Node
    offsets: dict[Loc, int] = field(default_factory=dict)
    """Character index in ``text`` of every key and item, by location."""
    positions: TextPositions = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.positions = TextPositions(self.text)

    def locate(self, loc: Loc) -> tuple[int, int]:
        """1-based (line, column) of the deepest part of ``loc`` present in the file."""
        for end in range(len(loc), -1, -1):
            offset = self.offsets.get(tuple(loc[:end]))
            if offset is not None:
                return self.positions.position(offset)
        return (1, 1)


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _scalar(node: yaml.ScalarNode, loc: Loc, positions: TextPositions) -> Any:
    """The value of a scalar node with a core tag, read strictly: an explicit tag (``!!int``)
    accepts only what the same tag would mean implicitly."""
    value = node.value
    if node.tag == _STR:
        return value
    forms = [_PLAIN_SCALARS[node.tag]] + ([_PLAIN_SCALARS[_INT]] if node.tag == _FLOAT else [])
    if not any(form.fullmatch(value) for form in forms):
        raise InputError(
            f"{_short_tag(node.tag)} {value!r}: {_EXPLICIT_FORMS[node.tag]}",
            *positions.of(node),
            loc,
        )
    if node.tag == _NULL:
        return None
    if node.tag == _BOOL:
        return value.lower() == "true"
    try:
        number = int(value) if node.tag == _INT else float(value)
    except ValueError:  # more digits than int() reads (sys.get_int_max_str_digits)
        number = None
    if number is None or not math.isfinite(number):
        shown = value if len(value) <= 20 else f"{value[:20]}… ({len(value)} characters)"
        raise InputError(f"number {shown} is too large", *positions.of(node), loc)
    return number


def _check_nesting(root: yaml.Node, positions: TextPositions) -> None:
    """Refuse nesting deeper than :data:`MAX_NESTING` at the first node (in document order) that
    is too deep, as :class:`_NestingLimit` does while composing: a node tree libyaml composed
    is checked before it is walked, so both parsers report the same problem."""
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:  # an alias: composed without descending into it
            continue
        seen.add(id(node))
        if depth > MAX_NESTING:
            raise _nesting_error(node.start_mark, positions)
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            continue
        stack.extend((child, depth + 1) for child in reversed(children))


def _nesting_error(mark: yaml.Mark, positions: TextPositions) -> InputError:
    return InputError(
        f"nesting too deep: more than {MAX_NESTING} levels of lists and mappings",
        *positions.of(mark),
    )


def _walk(
    node: yaml.Node, loc: Loc, offsets: dict[Loc, int], seen: set[int], positions: TextPositions
) -> Any:
    """The plain data of ``node`` (core tags only, no aliases, string keys, no duplicate keys),
    recording in ``offsets`` where each key and item starts."""
    if id(node) in seen:
        raise InputError(
            "YAML aliases (*name) are not allowed: annotations are plain data, written out in full",
            *positions.of(node),
            loc,
        )
    seen.add(id(node))
    if node.tag not in _CORE_TAGS:
        raise InputError(
            f"YAML tag {node.tag!r} is not allowed: annotations are plain data "
            "(tags that build objects are refused)",
            *positions.of(node),
            loc,
        )
    offsets.setdefault(loc, node.start_mark.index)
    kind = {yaml.MappingNode: _MAP, yaml.SequenceNode: _SEQ}.get(type(node))
    if (node.tag in (_MAP, _SEQ) or kind is not None) and node.tag != kind:
        what = {_MAP: "a mapping", _SEQ: "a list"}.get(kind, "a single value")
        raise InputError(
            f"YAML tag {_short_tag(node.tag)} cannot mark {what}", *positions.of(node), loc
        )
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Any] = {}
        first_seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                raise InputError(
                    f"mapping key must be a plain string, not {key_node.tag}",
                    *positions.of(key_node),
                    loc,
                )
            key = key_node.value
            if key in first_seen:
                first_line = positions.of(first_seen[key])[0]
                raise InputError(
                    f"duplicate key {key!r} (first at line {first_line})",
                    *positions.of(key_node),
                    loc,
                )
            first_seen[key] = key_node
            offsets[(*loc, key)] = key_node.start_mark.index
            mapping[key] = _walk(value_node, (*loc, key), offsets, seen, positions)
        return mapping
    if isinstance(node, yaml.SequenceNode):
        return [
            _walk(item, (*loc, i), offsets, seen, positions) for i, item in enumerate(node.value)
        ]
    return _scalar(node, loc, positions)


_NOT_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


def _check_printable(text: str, positions: TextPositions) -> None:
    """Refuse, located, the characters YAML does not allow (PyYAML's reader would refuse them
    with a character index only)."""
    match = _NOT_PRINTABLE.search(text)
    if match is not None:
        character = match.group()
        kind = {"Cc": "control character", "Cs": "lone surrogate"}.get(
            unicodedata.category(character), "noncharacter"
        )
        raise InputError(
            f"{kind} U+{ord(character):04X} is not allowed in YAML: delete it",
            *positions.position(match.start()),
        )


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document safely, recording positions; raises :class:`InputError`."""
    if not text.strip():
        raise InputError("file is empty")
    positions = TextPositions(text)
    _check_printable(text, positions)
    if _FastLoader is not None and not _libyaml_differs(text):
        try:
            return _parse_yaml(text, _FastLoader, positions)
        except yaml.YAMLError:
            pass  # reported below, in the words of the pure-Python parser
    return _parse_yaml(text, _Loader, positions)


def _parse_yaml(text: str, loader_class: type, positions: TextPositions) -> YamlDocument:
    """:func:`parse_yaml` with one loader; libyaml's syntax errors propagate unchanged."""
    fast = loader_class is not _Loader
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise InputError("file holds no YAML document (only comments or blank lines)")
        if fast:
            _check_nesting(root, positions)
        offsets: dict[Loc, int] = {}
        data = _walk(root, (), offsets, set(), positions)
    except _TooDeep as error:
        raise _nesting_error(error.mark, positions) from None
    except yaml.MarkedYAMLError as error:
        if fast:
            raise
        mark = error.problem_mark or error.context_mark
        line, column = positions.of(mark) if mark else (1, 1)
        problem = error.problem or "malformed YAML"
        context = f" ({error.context})" if error.context else ""
        raise InputError(f"malformed YAML: {problem}{context}", line, column) from None
    except yaml.YAMLError as error:
        if fast:
            raise
        raise InputError(f"malformed YAML: {error}") from None
    finally:
        loader.dispose()
    result = YamlDocument(text=text, data=data, root=root, offsets=offsets)
    result.positions = positions
    return result


def iter_yaml_items(text: str, key: str) -> Iterator[Any]:
    """The items of the list under ``key`` in a file that holds only ``key: [...]``, built one at
    a time: for a text :func:`parse_yaml` accepts, exactly the items of its ``data[key]``, without
    ever holding the node tree of the whole list (a manifest of many documents).

    Anything else (malformed YAML, another shape, an alias, a tag) raises :class:`InputError` or
    ``yaml.YAMLError``, not always where :func:`parse_yaml` would: call it for the located
    message. Conversely, a text this reads to the end is one :func:`parse_yaml` accepts: it makes
    the same checks, item by item.
    """
    positions = TextPositions(text)
    _check_printable(text, positions)
    fast = _FastStreamLoader is not None and not _libyaml_differs(text)
    loader = _FastStreamLoader(text) if fast else _Loader(text)
    loader.anchors = {}

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
        loader._depth = 1  # the key and the list are in the top mapping, the items in the list
        key_node = loader.compose_node(None, None)
        if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STR):
            raise InputError(f"expected the key {key!r}")
        if key_node.value != key:
            raise InputError(f"expected the key {key!r}")
        expect(yaml.SequenceStartEvent, _SEQ)
        loader._depth = 2
        index = 0
        while not loader.check_event(yaml.SequenceEndEvent):
            anchored = {id(node) for node in loader.anchors.values()}  # an alias's target
            node = loader.compose_node(None, index)
            yield _walk(node, (key, index), {}, anchored, positions)
            index += 1
        expect(yaml.SequenceEndEvent)
        expect(yaml.MappingEndEvent)
        expect(yaml.DocumentEndEvent)
        expect(yaml.StreamEndEvent)
    except _TooDeep as error:
        raise _nesting_error(error.mark, positions) from None
    finally:
        loader.dispose()


def modeline(layout: Layout, path: Path, schema: str = ANNOTATION_SCHEMA) -> str:
    """The ``yaml-language-server`` modeline pointing from ``path`` to the JSON Schema."""
    target = os.path.relpath(layout.root / schema, path.parent)
    return f"{MODELINE_PREFIX}{Path(target).as_posix()}"
