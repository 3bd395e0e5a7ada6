"""The Python API: load and validate the corpus, annotate a text, score predictions.

Everything here is re-exported by :mod:`covidmeet_ds`::

    import covidmeet_ds

    problems = covidmeet_ds.validate_corpus(".")  # [] when the corpus is valid
    documents = covidmeet_ds.load_corpus(".")  # raises CorpusInvalid otherwise
    annotation = covidmeet_ds.annotate_text("……召开疫情防控工作会议……")
    evaluation = covidmeet_ds.evaluate_predictions("predictions.jsonl", root=".", split="test")

Failures are exceptions carrying located problems (:class:`~covidmeet_ds.errors.ProblemsFound`),
never a traceback from deep inside.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from .errors import CorpusInvalid
from .models import Annotation
from .problems import Problem
from .reader import SourceDocument
from .reader import iter_documents as _iter_documents
from .validate import validate_corpus as _validate_corpus


def validate_corpus(
    root: str | os.PathLike[str] = ".", paths: Sequence[str | os.PathLike[str]] = ()
) -> list[Problem]:
    """Every problem of the corpus under ``root`` (manifest, raw files, annotations; or only the
    annotation files ``paths``), as ``covidmeet-ds validate`` reports them: [] when it is valid."""
    return _validate_corpus(Path(root), [Path(path) for path in paths])


def iter_corpus(root: str | os.PathLike[str] = ".") -> Iterator[SourceDocument]:
    """The documents of the corpus under ``root``, one at a time, in manifest order: the manifest
    entry, the raw and normalised texts, and the hand (gold) and rule annotations.

    The corpus is validated first: raises :class:`~covidmeet_ds.errors.CorpusInvalid` with the
    problems when it does not validate (before yielding anything)."""
    problems = validate_corpus(root)
    if problems:
        raise CorpusInvalid(problems)
    return _iter_documents(Path(root))


def load_corpus(root: str | os.PathLike[str] = ".") -> list[SourceDocument]:
    """:func:`iter_corpus` as a list."""
    return list(iter_corpus(root))


def annotate_text(
    text: str, *, doc_id: str | None = None, published: date | None = None
) -> Annotation:
    """The rules' annotation of a report's raw text (offsets index ``text`` as given).

    ``published``, the publication date, lets the rules infer a year the text leaves out;
    ``doc_id`` defaults to ``text-`` and a hash of the text."""
    from .annotate import annotate_text as annotate  # loads the rules: only here
    from .annotate import doc_id_for

    return annotate(text, doc_id=doc_id or doc_id_for("", text), published=published)


def split_assignments(root: str | os.PathLike[str] = ".") -> dict[str, str]:
    """Each document's split (doc_id → ``train``, ``validation`` or ``test``), as the build
    assigns them; raises :class:`~covidmeet_ds.errors.CorpusInvalid` when the corpus does not
    validate."""
    from .predictions import split_assignments as assignments

    problems = validate_corpus(root)
    if problems:
        raise CorpusInvalid(problems)
    return assignments(Path(root))


def read_predictions(path: str | os.PathLike[str]) -> list[Annotation]:
    """The annotations of a JSON Lines predictions file (one per line, as ``covidmeet-ds annotate
    --text`` prints them); raises :class:`~covidmeet_ds.errors.PredictionsInvalid` with a located
    problem for every line that is not a valid annotation."""
    from .errors import PredictionsInvalid
    from .predictions import read_predictions as read

    annotations, problems = read(Path(path))
    if problems:
        raise PredictionsInvalid(problems)
    return [line.annotation for line in annotations]


__all__ = [
    "annotate_text",
    "iter_corpus",
    "load_corpus",
    "read_predictions",
    "split_assignments",
    "validate_corpus",
]
