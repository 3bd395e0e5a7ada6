"""Validation of the corpus: manifest, raw files and every annotation, against schema and text.

Everything here returns :class:`Problem` values; nothing is printed and nothing is written.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import ValidationError

from .corpus import (
    ANNOTATION_FOLDERS,
    ANNOTATION_SCHEMA,
    FOLDER_ANNOTATOR,
    FOLDER_STAGE,
    MODELINE_PREFIX,
    InputError,
    Layout,
    Loc,
    YamlDocument,
)
from .corpus import modeline as expected_modeline
from .models import Annotation, Evidence, iter_evidence
from .problems import (
    Problem,
    field_path,
    input_problem,
    located_problem,
    render,
    schema_problems,
)
from .reader import (
    CorpusReader,
    RawDocument,
    annotation_entries,
    load_raw_documents,
    read_yaml,
    resolve_inside,
)
from .text.nearest import explain_missing_quote


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

    def check_annotation(self, folder: str | None, path: Path) -> tuple[str, str] | None:
        """Check one annotation file; returns (folder, doc_id) when its identity is known."""
        name = self.layout.relative(path)
        if folder is None:
            self.add(
                Problem(
                    name,
                    1,
                    1,
                    "",
                    "not an annotation file: annotations live in "
                    + ", ".join(f"annotations/{a}/" for a in ANNOTATION_FOLDERS),
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
        if FOLDER_ANNOTATOR[folder] == "hand":
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
        self._cross_check(name, path, doc, folder, annotation)
        return folder, annotation.doc_id

    def _cross_check(
        self, name: str, path: Path, doc: YamlDocument, folder: str, annotation: Annotation
    ) -> None:
        def problem(loc: Loc, message: str) -> None:
            self.add(located_problem(name, doc, loc, message))

        if path.stem != annotation.doc_id:
            problem(
                ("doc_id",), f"doc_id {annotation.doc_id!r} does not match file name {path.name!r}"
            )
        if annotation.annotator != FOLDER_ANNOTATOR[folder]:
            problem(
                ("annotator",),
                f"annotator is {annotation.annotator!r} but the file is in annotations/{folder}/",
            )
        elif annotation.stage != FOLDER_STAGE[folder]:
            where = "annotations/draft/" if annotation.stage == "draft" else "annotations/hand/"
            problem(
                ("stage",),
                f"stage is {annotation.stage!r} but the file is in annotations/{folder}/: "
                f"{annotation.stage} annotations live in {where}"
                + (" (`covidmeet-ds promote` makes a draft gold)" if folder == "hand" else ""),
            )
        raw = self.docs.get(annotation.doc_id)
        if raw is None:
            if self.manifest_ok:
                problem(("doc_id",), f"{annotation.doc_id!r} is not in raw/manifest.yaml")
            return
        expected_status = {"hand": "annotated", "draft": "draft"}.get(folder)
        if expected_status is not None and raw.entry.status != expected_status:
            problem(
                ("doc_id",),
                f"the manifest marks this document {raw.entry.status}; a file in "
                f"annotations/{folder}/ needs status {expected_status}",
            )
        self._check_against_raw(name, doc, annotation, raw)

    def _check_against_raw(
        self, name: str, doc: YamlDocument, annotation: Annotation, raw: RawDocument
    ) -> None:
        """The raw file's sha256, no meeting after the report, and every evidence quote."""

        def problem(loc: Loc, message: str) -> None:
            self.add(located_problem(name, doc, loc, message))

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
            value = None if meeting.date is None else meeting.date.value
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

    # -- a folder of annotations outside annotations/ (a second annotation, for agreement) --

    def check_folder(self, folder: Path) -> dict[str, Annotation]:
        """Every ``<doc_id>.yaml`` of ``folder`` (``*.md`` notes are skipped), checked like a
        hand annotation except for where it lives; returns the annotations without problems."""
        name = self.layout.relative(folder)
        try:
            resolved = resolve_inside(self.layout, folder)
        except InputError as error:
            self.add(input_problem(name, error))
            return {}
        if not resolved.is_dir():
            self.add(Problem(name, 1, 1, "", "not a folder of annotations"))
            return {}
        try:
            entries = sorted(os.listdir(resolved), key=os.path.normcase)
        except OSError as error:
            reason = (error.strerror or str(error)).lower()
            self.add(Problem(name, 1, 1, "", f"cannot list the folder: {reason}"))
            return {}
        annotations: dict[str, Annotation] = {}
        for entry in entries:
            if entry.startswith(".") or entry.endswith(".md"):
                continue
            annotation = self.check_folder_annotation(folder / entry)
            if annotation is not None:
                annotations[annotation.doc_id] = annotation
        return annotations

    def check_folder_annotation(self, path: Path) -> Annotation | None:
        """One file of :meth:`check_folder`: the annotation when it has no problem, else None."""
        name = self.layout.relative(path)
        if path.suffix != ".yaml":
            self.add(
                Problem(
                    name, 1, 1, "", "not an annotation file: annotations are named <doc_id>.yaml"
                )
            )
            return None
        before = len(self.problems)
        try:
            doc = read_yaml(self.layout, path)
        except InputError as error:
            self.add(input_problem(name, error))
            return None
        try:
            annotation = Annotation.model_validate(doc.data)
        except ValidationError as error:
            self.problems.extend(schema_problems(name, doc, error))
            return None
        if path.stem != annotation.doc_id:
            self.add(
                located_problem(
                    name,
                    doc,
                    ("doc_id",),
                    f"doc_id {annotation.doc_id!r} does not match file name {path.name!r}",
                )
            )
        if annotation.annotator != "hand":
            self.add(
                located_problem(
                    name,
                    doc,
                    ("annotator",),
                    f"annotator is {annotation.annotator!r}: only hand annotations are compared "
                    "(score the rules with `covidmeet-ds evaluate`)",
                )
            )
        raw = self.docs.get(annotation.doc_id)
        if raw is None:
            if self.manifest_ok:
                message = f"{annotation.doc_id!r} is not in raw/manifest.yaml"
                self.add(located_problem(name, doc, ("doc_id",), message))
        else:
            self._check_against_raw(name, doc, annotation, raw)
        return annotation if len(self.problems) == before else None

    def check_completeness(self, seen: dict[tuple[str, str], list[str]]) -> None:
        for (folder, doc_id), files in sorted(seen.items()):
            for extra in files[1:]:
                self.add(
                    Problem(
                        extra,
                        1,
                        1,
                        "doc_id",
                        f"second {folder} annotation of {doc_id!r} (first: {files[0]})",
                    )
                )
        for doc_id, raw in self.docs.items():
            folder = {"annotated": "hand", "draft": "draft"}.get(raw.entry.status)
            if folder is None:
                continue
            path = self.layout.annotation_path(folder, doc_id)
            # a path that is there but not a regular file has been reported by the listing
            if (folder, doc_id) not in seen and not os.path.lexists(path):
                expected = self.layout.relative(path)
                self.add(
                    self.manifest_problem(
                        ("documents", raw.index, "status"),
                        f"status is {raw.entry.status} but {expected} does not exist",
                    )
                )
        for (folder, doc_id), files in sorted(seen.items()):
            if folder == "draft" and ("hand", doc_id) in seen:
                gold = seen[("hand", doc_id)][0]
                self.add(
                    Problem(
                        files[0],
                        1,
                        1,
                        "doc_id",
                        f"{doc_id!r} has a gold annotation ({gold}) and a draft: promote or "
                        "delete the draft",
                    )
                )


def _folder_of(layout: Layout, path: Path) -> str | None:
    # the folder the path names, not where a symbolic link leads
    for folder in ANNOTATION_FOLDERS:
        if path.absolute().parent.resolve() == layout.annotation_dir(folder).resolve():
            return folder
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
        targets = [(_folder_of(validator.layout, path), path) for path in paths]
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


def validate_annotation_folders(
    root: Path, folders: Sequence[Path]
) -> tuple[list[dict[str, Annotation]], list[Problem]]:
    """The hand annotations of each folder by doc_id, checked against the manifest and the raw
    texts of the corpus under ``root`` (schema, file name, raw sha256, evidence), and the
    problems found. Each folder must lie inside the root; ``*.md`` files in it are notes."""
    validator = _Validator(root, keep_texts=False)
    validator.read_manifest()
    annotations = [validator.check_folder(folder) for folder in folders]
    return annotations, sorted(set(validator.problems))


def remaining_drafts(root: Path) -> list[str]:
    """The doc_ids of the drafts waiting for review (``annotations/draft/``), sorted. Drafts are
    work in progress, not problems: ``validate`` counts them on the side."""
    layout = Layout(root)
    return sorted(
        path.stem
        for folder, path in annotation_entries(layout)
        if folder == "draft" and path.suffix == ".yaml"
    )


__all__ = [
    "Problem",
    "RawDocument",
    "evidence_problem",
    "field_path",
    "find_all",
    "iter_evidence",
    "load_raw_documents",
    "remaining_drafts",
    "render",
    "schema_problems",
    "validate_annotation_folders",
    "validate_corpus",
]
