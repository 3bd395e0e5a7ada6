"""Validation of the corpus: manifest, raw files and every annotation, against schema and text.

Everything here returns :class:`Problem` values; nothing is printed and nothing is written.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .corpus import (
    ANNOTATION_SCHEMA,
    ANNOTATORS,
    MODELINE_PREFIX,
    InputError,
    Layout,
    Loc,
    YamlDocument,
)
from .corpus import modeline as expected_modeline
from .models import Annotation, Evidence
from .problems import (
    Problem,
    field_path,
    input_problem,
    located_problem,
    render,
    schema_problems,
)
from .reader import CorpusReader, RawDocument, annotation_entries, load_raw_documents, read_yaml
from .text.nearest import explain_missing_quote


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
    return f"quote not found in {raw_name}: {explain_missing_quote(raw, quote)}"


class _Validator(CorpusReader):
    """The corpus reader's checks of the manifest and raw files, and every annotation's."""

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
            doc = read_yaml(self.layout, path)
        except InputError as error:
            self.add(input_problem(name, error))
            return None
        if annotator == "hand":
            first_line = doc.text.split("\n", 1)[0].removesuffix("\r")
            expected = expected_modeline(self.layout, path, ANNOTATION_SCHEMA)
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
            self.add(located_problem(name, doc, loc, message))

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
            # a path that is there but not a regular file has been reported by the listing
            if (
                raw.entry.status == "annotated"
                and ("hand", doc_id) not in seen
                and not os.path.lexists(path)
            ):
                expected = self.layout.relative(path)
                self.add(
                    self.manifest_problem(
                        ("documents", raw.index, "status"),
                        f"status is annotated but {expected} does not exist",
                    )
                )


def _annotator_of(layout: Layout, path: Path) -> str | None:
    # the folder the path names, not where a symbolic link leads
    for annotator in ANNOTATORS:
        if path.absolute().parent.resolve() == layout.annotation_dir(annotator).resolve():
            return annotator
    return None


def validate_corpus(root: Path, paths: Sequence[Path] = ()) -> list[Problem]:
    """Check the manifest, raw files and annotations under ``root``.

    With ``paths``, only those annotation files are checked (with the manifest they refer to);
    without, every annotation is, and so is completeness (one hand annotation per annotated
    document, no duplicates).
    """
    validator = _Validator(root, keep_texts=False)
    validator.read_manifest()
    targets: Iterable[tuple[str | None, Path]]
    if paths:
        targets = [(_annotator_of(validator.layout, path), path) for path in paths]
    else:
        targets = annotation_entries(validator.layout)
    seen: dict[tuple[str, str], list[str]] = {}
    for annotator, path in targets:
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
