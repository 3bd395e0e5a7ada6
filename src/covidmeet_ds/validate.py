"""Validation of the corpus: manifest, raw files and every annotation, against schema and text.

Everything here returns :class:`Problem` values; nothing is printed and nothing is written.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .corpus import (
    ANNOTATION_SCHEMA,
    ANNOTATORS,
    MODELINE_PREFIX,
    InputError,
    Layout,
    Loc,
    YamlDocument,
    annotation_files,
    decode_utf8,
    iter_yaml_items,
    modeline,
    parse_yaml,
    read_text,
    sha256_bytes,
)
from .models import Annotation, Evidence, Manifest, ManifestEntry


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong, located in a file (1-based line and column) and a field path."""

    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        """``file:line:column: field: message`` on one line (line breaks shown escaped)."""
        where = f"{_one_line(self.file)}:{self.line}:{self.column}"
        message = _one_line(self.message)
        return (
            f"{where}: {_one_line(self.field)}: {message}" if self.field else f"{where}: {message}"
        )

    def github(self) -> str:
        """The problem as a GitHub Actions ``::error`` workflow command, escaped so that no file
        name, field or message can end the command or start another."""
        properties = ",".join(
            f"{name}={_github_property(str(value))}"
            for name, value in (
                ("file", self.file),
                ("line", self.line),
                ("col", self.column),
                ("title", self.field or "validate"),
            )
        )
        return f"::error {properties}::{_github_data(self.message)}"


_BREAKS_LINES = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    """``text`` with control characters and line separators as escapes (``\\n``, ``\\u2028``):
    a crafted field name cannot start a line of its own in the output."""
    return _BREAKS_LINES.sub(lambda match: match.group().encode("unicode_escape").decode(), text)


def _github_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped (as the runner's toolkit does)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    """A workflow command's property value: also ``:`` and ``,``, which would end it."""
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def render(problems: Sequence[Problem], fmt: str) -> str:
    """Problems as ``text`` (one per line), ``github`` workflow commands or a ``json`` list."""
    if fmt == "json":
        return json.dumps([asdict(p) for p in problems], ensure_ascii=False, indent=2)
    if fmt == "github":
        return "\n".join(p.github() for p in problems)
    return "\n".join(str(p) for p in problems)


def field_path(loc: Iterable[str | int]) -> str:
    """``('meetings', 0, 'date', 'value')`` → ``meetings[0].date.value``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problem(file: str, doc: YamlDocument | None, loc: Loc, message: str) -> Problem:
    line, column = doc.locate(loc) if doc else (1, 1)
    return Problem(file, line, column, field_path(loc), message)


def _from_input_error(file: str, error: InputError) -> Problem:
    return Problem(file, error.line, error.column, field_path(error.loc), error.message)


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown field {error['loc'][-1]!r} (not in the schema; check its spelling)"
    if kind == "missing":
        return f"required field {error['loc'][-1]!r} is missing"
    message = error["msg"]
    if kind.endswith("_type") or kind in {"literal_error", "string_pattern_mismatch"}:
        message += f" (got {error['input']!r})"
    return message


def schema_problems(file: str, doc: YamlDocument, error: ValidationError) -> list[Problem]:
    """Pydantic errors as Problems, located through the YAML positions."""
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"]) + tuple((item.get("ctx") or {}).get("at", ()))
        problems.append(_problem(file, doc, loc, _message(item)))
    return problems


def iter_evidence(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, Evidence]]:
    """Every Evidence inside ``model`` with its location."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = enumerate(value) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            here = (*loc, name) if index is None else (*loc, name, index)
            if isinstance(item, Evidence):
                yield here, item
            elif isinstance(item, BaseModel):
                yield from iter_evidence(item, here)


def find_all(text: str, quote: str) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of ``quote`` in ``text``."""
    starts, at = [], text.find(quote)
    while at != -1:
        starts.append(at)
        at = text.find(quote, at + 1)
    return starts


def evidence_problem(raw: str, raw_name: str, evidence: Evidence) -> str | None:
    """Why ``evidence`` does not anchor in ``raw``, or None when ``raw[start:end] == quote``."""
    quote = evidence.quote
    if raw[evidence.start : evidence.end] == quote:
        return None
    starts = find_all(raw, quote)
    if starts:
        where = ", ".join(f"{s}–{s + len(quote)}" for s in starts[:5])
        return (
            f"offsets {evidence.start}–{evidence.end} do not match the quote, which occurs at "
            f"{where} in {raw_name} (run `covidmeet-ds anchor` to repair)"
        )
    not_found = f"quote not found in {raw_name}"
    for form in ("NFC", "NFKC"):
        if unicodedata.normalize(form, quote) not in unicodedata.normalize(form, raw):
            continue
        span = _equivalent_span(raw, quote, form)
        if span is None:  # equivalent only with characters beside the quote: no example to give
            kind = "Unicode normalisation" if form == "NFC" else "compatibility characters"
            return f"{not_found}: it differs in {kind}; copy the raw text exactly"
        return f"{not_found}: {_how_it_differs(quote, raw, span, form)}; copy the raw text exactly"
    return f"{not_found}: quotes must be exact raw text"


def _equivalent_span(raw: str, quote: str, form: str) -> tuple[int, int] | None:
    """The first (start, end) of ``raw`` that is ``quote`` in normalisation ``form`` (NFC or
    NFKC). A text's decomposed length is the sum of its characters' (decomposing only reorders
    marks), so each start has one candidate end."""
    decompose = "NFD" if form == "NFC" else "NFKD"
    target = unicodedata.normalize(form, quote)
    decomposed = unicodedata.normalize(decompose, target)
    for start in range(len(raw)):
        if unicodedata.normalize(decompose, raw[start])[:1] != decomposed[:1]:
            continue
        length, end = 0, start
        while length < len(decomposed) and end < len(raw):
            length += len(unicodedata.normalize(decompose, raw[end]))
            end += 1
        if length == len(decomposed) and unicodedata.normalize(form, raw[start:end]) == target:
            return start, end
    return None


def _how_it_differs(quote: str, raw: str, span: tuple[int, int], form: str) -> str:
    """The kind of difference between ``quote`` and ``raw[span]``, with the first example."""
    start, end = span
    written = raw[start:end]
    same = (i for i, (a, b) in enumerate(zip(quote, written, strict=False)) if a != b)
    at = next(same, min(len(quote), len(written)))
    while at > 0 and _is_mark(quote[at] if at < len(quote) else quote[at - 1]):
        at -= 1  # from the character the differing marks belong to
    example = (
        f"the quote writes {_cluster(quote, at)} where the raw text at {start}–{end} writes "
        f"{_cluster(written, at)}"
    )
    forms = f"the quote is {_form(quote)}, the raw text {_form(written)}"
    if form == "NFC":
        return f"it differs in Unicode normalisation ({forms}): {example}"
    differing = (Counter(quote) - Counter(written)) + (Counter(written) - Counter(quote))
    compatibility = [c for c in differing if unicodedata.normalize("NFKC", c) != _nfc(c)]
    width = all(c in _WIDTH_FORMS for c in compatibility)
    kind = (
        "character width (full-width vs half-width forms)" if width else "compatibility characters"
    )
    if _form(quote) != _form(written):
        kind += f" and in Unicode normalisation ({forms})"
    return f"it differs in {kind}: {example}"


_WIDTH_FORMS = frozenset(
    chr(code)
    for code in (0x3000, *range(0xFF00, 0xFFF0))
    if unicodedata.decomposition(chr(code)).startswith(("<wide>", "<narrow>"))
)
"""Full-width and half-width forms, and the ideographic space."""


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _form(text: str) -> str:
    composed = unicodedata.is_normalized("NFC", text)
    decomposed = unicodedata.is_normalized("NFD", text)
    if composed and decomposed:
        return "the same in NFC and NFD"
    if composed:
        return "composed (NFC)"
    if decomposed:
        return "decomposed (NFD)"
    return "neither composed (NFC) nor decomposed (NFD)"


def _is_mark(character: str) -> bool:
    """A combining mark, or a Hangul vowel or final jamo (they compose with what precedes)."""
    return bool(unicodedata.combining(character)) or "\u1160" <= character <= "\u11ff"


def _cluster(text: str, at: int) -> str:
    """The character at ``at`` with the marks that follow it, with code points and names."""
    end = at + 1
    while end < len(text) and _is_mark(text[end]):
        end += 1
    characters = text[at:end]
    names = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '')}".rstrip() for c in characters)
    return f"{characters!r} ({names})"


@dataclass
class RawDocument:
    """A manifest entry with its raw text (None when missing, undecodable or changed)."""

    entry: ManifestEntry
    index: int
    text: str | None
    sha256: str | None


class _Validator:
    def __init__(self, root: Path, keep_texts: bool = True):
        self.layout = Layout(root)
        self.problems: list[Problem] = []
        self.docs: dict[str, RawDocument] = {}
        # without texts, ``docs`` holds none and a good raw file (its doc_id in ``readable``) is
        # read again when an annotation needs it: memory does not grow with the corpus's text
        self.keep_texts = keep_texts
        self.readable: set[str] = set()
        # parsed whole only to locate a problem (see manifest_problem)
        self.manifest_doc: YamlDocument | None = None
        self.manifest_text: str | None = None
        self.manifest_ok = False

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    # -- manifest and raw files --

    def check_manifest(self) -> None:
        layout = self.layout
        name = layout.relative(layout.manifest)
        if not layout.manifest.is_file():
            self.add(Problem(name, 1, 1, "", "manifest is missing"))
            return
        try:
            text = read_text(layout.manifest)[0]
        except InputError as error:
            self.add(_from_input_error(name, error))
            return
        entries = _stream_manifest(text)
        if entries is None:  # a problem somewhere: read it whole, to locate every problem
            try:
                self.manifest_doc = parse_yaml(text)
            except InputError as error:
                self.add(_from_input_error(name, error))
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
        return _problem(self.layout.relative(self.layout.manifest), self.manifest_doc, loc, message)

    def _check_raw(self, index: int, entry: ManifestEntry) -> RawDocument:
        path = self.layout.raw_dir / entry.file
        raw_name = self.layout.relative(path)
        loc: Loc = ("documents", index)
        if not path.is_file():
            self.add(self.manifest_problem((*loc, "file"), f"{raw_name} does not exist"))
            return RawDocument(entry, index, None, None)
        data = path.read_bytes()
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
            self.add(_from_input_error(raw_name, error))
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
        data = (self.layout.raw_dir / raw.entry.file).read_bytes()
        return decode_utf8(data) if sha256_bytes(data) == raw.sha256 else None

    # -- annotations --

    def check_annotation(self, annotator: str | None, path: Path) -> tuple[str, str] | None:
        """Check one annotation file; returns (annotator, doc_id) when its identity is known."""
        name = self.layout.relative(path)
        if annotator is None:
            self.add(
                Problem(
                    name,
                    1,
                    1,
                    "",
                    "not an annotation file: annotations live in "
                    + " or ".join(f"annotations/{a}/" for a in ANNOTATORS),
                )
            )
            return None
        if path.suffix != ".yaml":
            self.add(Problem(name, 1, 1, "", "annotation files are named <doc_id>.yaml"))
            return None
        try:
            doc = parse_yaml(read_text(path)[0])
        except InputError as error:
            self.add(_from_input_error(name, error))
            return None
        if annotator == "hand":
            first_line = doc.text.split("\n", 1)[0]
            expected = modeline(self.layout, path, ANNOTATION_SCHEMA)
            if first_line != expected:
                found = "another modeline" if first_line.startswith(MODELINE_PREFIX) else "none"
                self.add(
                    Problem(name, 1, 1, "", f"first line must be `{expected}` (found {found})")
                )
        try:
            annotation = Annotation.model_validate(doc.data)
        except ValidationError as error:
            self.problems.extend(schema_problems(name, doc, error))
            return None
        self._cross_check(name, path, doc, annotator, annotation)
        return annotator, annotation.doc_id

    def _cross_check(
        self, name: str, path: Path, doc: YamlDocument, annotator: str, annotation: Annotation
    ) -> None:
        def problem(loc: Loc, message: str) -> None:
            self.add(_problem(name, doc, loc, message))

        if path.stem != annotation.doc_id:
            problem(
                ("doc_id",), f"doc_id {annotation.doc_id!r} does not match file name {path.name!r}"
            )
        if annotation.annotator != annotator:
            problem(
                ("annotator",),
                f"annotator is {annotation.annotator!r} but the file is in "
                f"annotations/{annotator}/",
            )
        raw = self.docs.get(annotation.doc_id)
        if raw is None:
            if self.manifest_ok:
                problem(("doc_id",), f"{annotation.doc_id!r} is not in raw/manifest.yaml")
            return
        if annotator == "hand" and raw.entry.status != "annotated":
            problem(
                ("doc_id",),
                "the manifest marks this document unannotated; set its status to annotated",
            )
        raw_name = f"raw/{raw.entry.file}"
        if raw.sha256 is not None and annotation.raw_sha256 != raw.sha256:
            problem(
                ("raw_sha256",),
                f"{raw_name} changed after annotation: it has sha256 {raw.sha256}, "
                f"the annotation was made on {annotation.raw_sha256}",
            )
            return
        published = raw.entry.published
        for index, meeting in enumerate(annotation.meetings):
            value = meeting.date.value
            if published and value and value > published.isoformat()[: len(value)]:
                problem(
                    ("meetings", index, "date", "value"),
                    f"meeting on {value} is after the report's publication ({published}): "
                    "a page date or a later event leaked in",
                )
        text = self.raw_text(raw)
        if text is None:
            return
        for loc, evidence in iter_evidence(annotation):
            message = evidence_problem(text, raw_name, evidence)
            if message:
                problem((*loc, "quote"), message)

    def check_completeness(self, seen: dict[tuple[str, str], list[str]]) -> None:
        for (annotator, doc_id), files in sorted(seen.items()):
            for extra in files[1:]:
                self.add(
                    Problem(
                        extra,
                        1,
                        1,
                        "doc_id",
                        f"second {annotator} annotation of {doc_id!r} (first: {files[0]})",
                    )
                )
        for doc_id, raw in self.docs.items():
            path = self.layout.annotation_path("hand", doc_id)
            if (
                raw.entry.status == "annotated"
                and ("hand", doc_id) not in seen
                and not path.exists()
            ):
                expected = self.layout.relative(path)
                self.add(
                    self.manifest_problem(
                        ("documents", raw.index, "status"),
                        f"status is annotated but {expected} does not exist",
                    )
                )


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


def _annotator_of(layout: Layout, path: Path) -> str | None:
    for annotator in ANNOTATORS:
        if path.resolve().parent == layout.annotation_dir(annotator).resolve():
            return annotator
    return None


def load_raw_documents(root: Path) -> tuple[dict[str, RawDocument], list[Problem]]:
    """The manifest's documents by doc_id, and the problems found reading them."""
    validator = _Validator(root)
    validator.check_manifest()
    return validator.docs, validator.problems


def validate_corpus(root: Path, paths: Sequence[Path] = ()) -> list[Problem]:
    """Check the manifest, raw files and annotations under ``root``.

    With ``paths``, only those annotation files are checked (with the manifest they refer to);
    without, every annotation is, and so is completeness (one hand annotation per annotated
    document, no duplicates).
    """
    validator = _Validator(root, keep_texts=False)
    validator.check_manifest()
    targets: Iterable[tuple[str | None, Path]]
    if paths:
        targets = [(_annotator_of(validator.layout, path), path) for path in paths]
    else:
        targets = annotation_files(validator.layout)
    seen: dict[tuple[str, str], list[str]] = {}
    for annotator, path in targets:
        if not path.is_file():
            validator.add(Problem(validator.layout.relative(path), 1, 1, "", "no such file"))
            continue
        identity = validator.check_annotation(annotator, path)
        if identity:
            seen.setdefault(identity, []).append(validator.layout.relative(path))
    if not paths:
        validator.check_completeness(seen)
    return sorted(set(validator.problems))


__all__ = [
    "Problem",
    "RawDocument",
    "evidence_problem",
    "field_path",
    "find_all",
    "iter_evidence",
    "load_raw_documents",
    "render",
    "schema_problems",
    "validate_corpus",
]
