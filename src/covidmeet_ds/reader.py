"""The one reader of a corpus: the manifest, raw files, annotations and the build's own inputs.

Every file the corpus names is read here and only here, so that each rule holds in one place:
a path is read only when it resolves to a **regular file inside the corpus root**. A directory,
FIFO, socket or device is refused as "not a regular file" (a FIFO is opened without blocking, so
a reader never waits on it), and a symbolic link that leaves the root is refused as "outside the
root" without the target ever being opened (so nothing about it, not even its sha256, can be
shown). Symbolic links that stay inside the root are followed.

Failures are :class:`~covidmeet_ds.corpus.InputError` values with a position; callers turn them
into problems (``validate``) or stop (``build``), never into tracebacks.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .corpus import (
    ANNOTATION_FOLDERS,
    InputError,
    Layout,
    Loc,
    YamlDocument,
    decode_utf8,
    iter_yaml_items,
    parse_yaml,
    sha256_bytes,
)
from .models import Annotation, Manifest, ManifestEntry
from .problems import Problem, input_problem, located_problem, schema_problems

ModelT = TypeVar("ModelT", bound=BaseModel)

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _not_regular(mode: int) -> InputError:
    return InputError(f"not a regular file: it is {_kind(mode)}; only regular files are read")


def resolve_inside(layout: Layout, path: Path) -> Path:
    """``path`` with every symbolic link resolved, when it stays inside the root.

    Raises :class:`InputError`: "does not exist", "outside the root" or a link that loops."""
    root = layout.root.resolve()
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        if os.path.lexists(path):
            raise InputError("is a symbolic link to nothing (a dangling link)") from None
        raise InputError("does not exist") from None
    except (OSError, RuntimeError) as error:  # RuntimeError: a symlink loop before Python 3.13
        raise InputError(f"cannot resolve the path: {_reason(error)}") from None
    if not resolved.is_relative_to(root):
        raise InputError(
            "outside the root: the path leads out of the corpus root (through a symbolic link "
            "or `..`); corpus files live inside it"
        )
    return resolved


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.errno == errno.ELOOP:
        return "symbolic links loop"
    if isinstance(error, RuntimeError):
        return "symbolic links loop"
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error)


def read_bytes(layout: Layout, path: Path) -> bytes:
    """The bytes of a regular file inside the root (see the module's docstring)."""
    return read_regular_file(resolve_inside(layout, path))


def read_regular_file(path: Path) -> bytes:
    """The bytes of ``path`` when it is a regular file, wherever it is (report sets kept outside
    the corpus): never blocks on a FIFO, and names what else it is."""
    resolved = path
    try:
        mode = resolved.stat().st_mode
    except OSError as error:
        raise InputError(f"cannot be read: {_reason(error)}") from None
    if not stat.S_ISREG(mode):  # before opening: a socket cannot be opened, a FIFO would block
        raise _not_regular(mode)
    try:
        # O_NONBLOCK: a path swapped for a FIFO since the check opens without waiting
        descriptor = os.open(resolved, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise InputError(f"cannot be read: {_reason(error)}") from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(mode)
        return _read_all(descriptor)
    except OSError as error:
        raise InputError(f"cannot be read: {_reason(error)}") from None
    finally:
        os.close(descriptor)


def _read_all(descriptor: int) -> bytes:
    blocks = []
    while block := os.read(descriptor, 1 << 20):
        blocks.append(block)
    return b"".join(blocks)


def is_regular_file(layout: Layout, path: Path) -> bool:
    """Whether ``path`` is a regular file inside the root (checked without opening it)."""
    try:
        resolved = resolve_inside(layout, path)
    except InputError:
        return False
    return resolved.is_file()


def read_text(layout: Layout, path: Path) -> tuple[str, str]:
    """A non-empty UTF-8 file inside the root: (text, sha256 of its bytes)."""
    data = read_bytes(layout, path)
    if not data.strip():
        raise InputError("file is empty")
    return decode_utf8(data), sha256_bytes(data)


def read_yaml(layout: Layout, path: Path) -> YamlDocument:
    """A YAML file inside the root, parsed with positions."""
    return parse_yaml(read_text(layout, path)[0])


def read_json_model(layout: Layout, path: Path, model: type[ModelT]) -> ModelT:
    """A JSON file inside the root, validated by ``model``; errors are located."""
    text = read_text(layout, path)[0]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"malformed JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise InputError("malformed JSON: nesting too deep") from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        raise InputError(first["msg"], loc=tuple(first["loc"])) from None


# --- the manifest and raw files ---------------------------------------------------------------


def manifest_text(layout: Layout) -> str:
    return read_text(layout, layout.manifest)[0]


def iter_manifest(layout: Layout) -> Iterator[ManifestEntry]:
    """The manifest's entries one at a time, in order (validated inputs only)."""
    for item in iter_yaml_items(manifest_text(layout), "documents"):
        yield ManifestEntry.model_validate(item)


def raw_path(layout: Layout, entry: ManifestEntry) -> Path:
    return layout.raw_dir / entry.file


def read_raw(layout: Layout, entry: ManifestEntry) -> bytes:
    """The bytes of a manifest document's raw file (unchecked: see :func:`raw_text`)."""
    return read_bytes(layout, raw_path(layout, entry))


def raw_text(layout: Layout, entry: ManifestEntry) -> str:
    """A document's raw text, refused unless its bytes have the manifest's sha256."""
    data = read_raw(layout, entry)
    if sha256_bytes(data) != entry.sha256:
        raise InputError("sha256 differs from the manifest's: the raw file changed")
    return decode_utf8(data)


@dataclass
class RawDocument:
    """A manifest entry with its raw text (None when missing, undecodable or changed)."""

    entry: ManifestEntry
    index: int
    text: str | None
    sha256: str | None


class CorpusReader:
    """Reads the manifest and every raw file it names, collecting located problems.

    With ``keep_texts=False``, :attr:`docs` holds no text and a good raw file is read again when
    :meth:`raw_text` asks for it: memory does not grow with the corpus's text.
    """

    def __init__(self, root: Path, keep_texts: bool = True):
        self.layout = Layout(root)
        self.problems: list[Problem] = []
        self.docs: dict[str, RawDocument] = {}
        self.keep_texts = keep_texts
        self.readable: set[str] = set()
        # parsed whole only to locate a problem (see manifest_problem)
        self.manifest_doc: YamlDocument | None = None
        self.manifest_text: str | None = None
        self.manifest_ok = False

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def read_manifest(self) -> None:
        """Check the manifest and the raw files it lists; fills :attr:`docs`."""
        layout = self.layout
        name = layout.relative(layout.manifest)
        if not os.path.lexists(layout.manifest):
            self.add(Problem(name, 1, 1, "", "manifest is missing"))
            return
        try:
            text = manifest_text(layout)
        except InputError as error:
            self.add(input_problem(name, error))
            return
        entries = _stream_manifest(text)
        if entries is None:  # a problem somewhere: read it whole, to locate every problem
            try:
                self.manifest_doc = parse_yaml(text)
            except InputError as error:
                self.add(input_problem(name, error))
                return
            try:
                entries = Manifest.model_validate(self.manifest_doc.data).documents
            except ValidationError as error:
                self.problems.extend(schema_problems(name, self.manifest_doc, error))
                return
        self.manifest_text = text
        self.manifest_ok = True
        for index, entry in enumerate(entries):
            self.docs[entry.doc_id] = self._check_raw(index, entry)
        listed = {entry.file for entry in entries}
        for path in sorted(layout.raw_dir.glob("*.txt")):
            if path.name not in listed:
                self.add(Problem(layout.relative(path), 1, 1, "", f"not listed in {name}: add it"))

    def manifest_problem(self, loc: Loc, message: str) -> Problem:
        """A problem in the manifest, located (the manifest is parsed whole on first need)."""
        if self.manifest_doc is None and self.manifest_text is not None:
            self.manifest_doc = parse_yaml(self.manifest_text)
        name = self.layout.relative(self.layout.manifest)
        return located_problem(name, self.manifest_doc, loc, message)

    def _check_raw(self, index: int, entry: ManifestEntry) -> RawDocument:
        path = raw_path(self.layout, entry)
        raw_name = self.layout.relative(path)
        loc: Loc = ("documents", index)
        try:
            data = read_bytes(self.layout, path)
        except InputError as error:
            self.add(self.manifest_problem((*loc, "file"), f"{raw_name}: {error.message}"))
            return RawDocument(entry, index, None, None)
        sha = sha256_bytes(data)
        if sha != entry.sha256:
            self.add(
                self.manifest_problem(
                    (*loc, "sha256"),
                    f"{raw_name} has sha256 {sha} but the manifest records {entry.sha256}: "
                    "raw files are immutable (add a changed report as a new document)",
                )
            )
        if not data.strip():
            self.add(Problem(raw_name, 1, 1, "", "raw file is empty"))
            return RawDocument(entry, index, None, sha)
        try:
            text = decode_utf8(data)
        except InputError as error:
            self.add(input_problem(raw_name, error))
            return RawDocument(entry, index, None, sha)
        if sha != entry.sha256:
            return RawDocument(entry, index, None, sha)
        if not self.keep_texts:
            self.readable.add(entry.doc_id)
            return RawDocument(entry, index, None, sha)
        return RawDocument(entry, index, text, sha)

    def raw_text(self, raw: RawDocument) -> str | None:
        """The raw text of a manifest document when it is good (see :meth:`_check_raw`)."""
        if raw.text is not None or raw.entry.doc_id not in self.readable:
            return raw.text
        try:
            return raw_text(self.layout, raw.entry)
        except InputError as error:  # replaced or removed since it was checked
            self.add(input_problem(self.layout.relative(raw_path(self.layout, raw.entry)), error))
            return None


def _stream_manifest(text: str) -> list[ManifestEntry] | None:
    """The manifest's entries, read and checked one item at a time (a long manifest's node tree
    is never held whole), or None at the first problem of any kind, which the caller then finds
    and locates by parsing the whole file: entries are returned only when :class:`Manifest`
    would accept the file as they are."""
    entries: list[ManifestEntry] = []
    seen: dict[str, set[str]] = {"doc_id": set(), "file": set()}
    try:
        for item in iter_yaml_items(text, "documents"):
            entry = ManifestEntry.model_validate(item)
            for key, values in seen.items():
                value = getattr(entry, key)
                if value in values:
                    return None
                values.add(value)
            entries.append(entry)
    except (InputError, yaml.YAMLError, ValidationError):
        return None
    return entries


def load_raw_documents(root: Path) -> tuple[dict[str, RawDocument], list[Problem]]:
    """The manifest's documents by doc_id, and the problems found reading them."""
    reader = CorpusReader(root)
    reader.read_manifest()
    return reader.docs, reader.problems


# --- annotations ------------------------------------------------------------------------------


def annotation_entries(layout: Layout) -> Iterator[tuple[str, Path]]:
    """Every entry of the annotation folders (``hand``, ``draft``, ``rule``) but hidden ones, as
    (folder, path), sorted.

    Entries that are not regular files are listed too, so that the validator can refuse them."""
    for kind in ANNOTATION_FOLDERS:
        folder = layout.annotation_dir(kind)
        if folder.is_dir():
            # names, not Paths, are sorted: a folder of many annotations costs less memory
            for name in sorted(os.listdir(folder), key=os.path.normcase):
                if not name.startswith("."):
                    yield kind, folder / name


def load_annotation(layout: Layout, folder: str, doc_id: str) -> Annotation | None:
    """A document's annotation in one folder (``hand``: gold, ``draft``, ``rule``), or None when
    it has none there (validated inputs)."""
    path = layout.annotation_path(folder, doc_id)
    if not os.path.lexists(path):
        return None
    return Annotation.model_validate(read_yaml(layout, path).data)


# --- documents, as the build and the evaluation read them -------------------------------------


@dataclass(frozen=True)
class SourceDocument:
    """Everything the build publishes about one report."""

    entry: ManifestEntry
    raw_text: str
    text: str
    hand: Annotation | None
    rule: Annotation | None


def read_document(layout: Layout, entry: ManifestEntry) -> SourceDocument:
    """One manifest document with its text and annotations (validated inputs only)."""
    from .text.normalise import normalise  # the rules' text layer: only when documents are read

    text = raw_text(layout, entry)
    return SourceDocument(
        entry=entry,
        raw_text=text,
        text=normalise(text).text,
        hand=load_annotation(layout, "hand", entry.doc_id),
        rule=load_annotation(layout, "rule", entry.doc_id),
    )


def iter_documents(root: Path) -> Iterator[SourceDocument]:
    """Every manifest document, one at a time, in manifest order (validated inputs only: run
    ``validate_corpus`` first)."""
    layout = Layout(root)
    for entry in iter_manifest(layout):
        yield read_document(layout, entry)


__all__ = [
    "CorpusReader",
    "RawDocument",
    "SourceDocument",
    "annotation_entries",
    "is_regular_file",
    "iter_documents",
    "iter_manifest",
    "load_annotation",
    "load_raw_documents",
    "manifest_text",
    "raw_path",
    "raw_text",
    "read_bytes",
    "read_document",
    "read_json_model",
    "read_raw",
    "read_regular_file",
    "read_text",
    "read_yaml",
    "resolve_inside",
]
