"""Score a system's own predictions against the gold of one split.

Predictions are JSON Lines: one :class:`~covidmeet_ds.models.Annotation` per line, the format
``covidmeet-ds annotate --text`` prints. Every line is read strictly (no duplicate keys, no
NaN, no number too long to be a count) and validated by the model; then each prediction is checked
against the corpus: its document must be in the manifest and predicted once, its ``raw_sha256``
must be the raw file's (offsets into another text mean nothing), and every evidence span must be
the quote at those offsets of the raw text. Anything wrong is a located
:class:`~covidmeet_ds.problems.Problem` and nothing is scored.

The split of a document is the build's (:func:`covidmeet_ds.build.splits.assign` over the raw
texts in manifest order), computed here without a build. Gold documents of the split with no
prediction are scored as empty annotations (all misses) and listed; predictions for documents of
other splits, or without gold, are listed and not scored. Nothing is written.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from . import strictjson
from .corpus import InputError, Layout, decode_utf8
from .errors import CorpusInvalid, NothingToScore, PredictionsInvalid
from .evaluate import PROTOCOL, Scores, render_markdown, score
from .jsonpos import line_column
from .models import Annotation
from .problems import Problem, error_message, field_path, input_problem
from .reader import iter_manifest, load_annotation, raw_path, raw_text, read_regular_file
from .validate import find_all, iter_evidence, validate_corpus

SPLITS = ("train", "validation", "test")
"""The build's splits, in its order."""
ALL = "all"
"""Every document of the corpus, whatever its split."""
SPLIT_CHOICES = (*SPLITS, ALL)

IN_MEMORY = "<predictions>"
"""The name problems give to predictions passed as annotations rather than as a file."""

PREDICTIONS = "predictions"
"""The annotator's name in the tables."""


# --- Reading a JSON Lines file -------------------------------------------------------------------


class PredictionLine(NamedTuple):
    """One prediction and where it was read: its line number and text (None in memory, where
    ``number`` counts the annotations given)."""

    number: int
    annotation: Annotation
    text: str | None = None

    def column(self, loc: Sequence[str | int]) -> int:
        return 1 if self.text is None else json_column(self.text, loc)


_SPACE = re.compile(r"[ \t\r\n]*")
"""JSON's whitespace (and only it: U+3000 or U+2028 outside a string are errors)."""


def _skip_space(line: str, at: int) -> int:
    match = _SPACE.match(line, at)
    assert match is not None  # the pattern matches the empty string
    return match.end()


def _decode(line: str) -> Any:
    start = _skip_space(line, 0)
    value, end = strictjson.DECODER.raw_decode(line, start)
    end = _skip_space(line, end)
    if end != len(line):
        raise json.JSONDecodeError("extra data after the annotation", line, end)
    return value


def json_column(line: str, loc: Sequence[str | int]) -> int:
    """1-based column, in a line of valid JSON, of the deepest part of ``loc`` it holds: a key
    where the key is written, an item where the item starts (as validation locates YAML)."""
    return line_column(line, loc, keys=True)[1]


def parse_line(name: str, number: int, line: str) -> tuple[Annotation | None, list[Problem]]:
    """The annotation of one line of a predictions file, or the problems that stop it."""
    try:
        data = _decode(line)
    except json.JSONDecodeError as error:
        return None, [Problem(name, number, error.colno, "", f"malformed JSON: {error.msg}")]
    except strictjson.StrictJsonError as error:
        return None, [Problem(name, number, 1, "", f"malformed JSON: {error}")]
    except RecursionError:
        return None, [Problem(name, number, 1, "", "malformed JSON: nesting too deep")]
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "null"
        message = f"expected a JSON object (one annotation per line), got {kind}"
        return None, [Problem(name, number, 1, "", message)]
    try:
        return Annotation.model_validate(data), []
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            loc = tuple(item["loc"]) + tuple((item.get("ctx") or {}).get("at", ()))
            column = json_column(line, loc)
            problems.append(Problem(name, number, column, field_path(loc), error_message(item)))
        return None, problems


def parse_predictions(name: str, text: str) -> tuple[list[PredictionLine], list[Problem]]:
    """Each annotation of a JSON Lines text with its line, and the problems of the other lines.

    Lines are split at LF only (U+2028 may stand inside a JSON string); blank lines are skipped."""
    annotations: list[PredictionLine] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip(" \t\r"):
            continue
        annotation, line_problems = parse_line(name, number, line)
        problems += line_problems
        if annotation is not None:
            annotations.append(PredictionLine(number, annotation, line))
    if not annotations and not problems:
        problems.append(Problem(name, 1, 1, "", "holds no prediction: one annotation per line"))
    return annotations, problems


def read_predictions(path: Path) -> tuple[list[PredictionLine], list[Problem]]:
    """:func:`parse_predictions` of a UTF-8 file (a regular file: a FIFO is refused)."""
    name = str(path)
    try:
        text = decode_utf8(read_regular_file(Path(path)))
    except InputError as error:
        return [], [input_problem(name, error)]
    return parse_predictions(name, text)


# --- Checking against the corpus -----------------------------------------------------------------


def evidence_message(raw: str, raw_name: str, start: int, end: int, quote: str) -> str | None:
    """Why a predicted evidence span is not ``raw[start:end] == quote``; None when it is."""
    if raw[start:end] == quote:
        return None
    starts = find_all(raw, quote)
    if starts:
        where = ", ".join(f"{s}–{s + len(quote)}" for s in starts[:5])
        found = f"the quote is at {where}"
    else:
        found = "the quote is nowhere in it"
    return (
        f"offsets {start}–{end} do not hold the quote in {raw_name} ({found}); offsets index the "
        "raw text (the raw file, the `raw_text` column), not the normalised `text`"
    )


def _located(
    name: str, prediction: PredictionLine, loc: Sequence[str | int], message: str
) -> Problem:
    column = prediction.column(loc)
    return Problem(name, prediction.number, column, field_path(loc), message)


def corpus_problems(root: Path, name: str, predictions: Sequence[PredictionLine]) -> list[Problem]:
    """What stops predictions from being scored against the corpus under ``root`` (validated):
    a document predicted twice or not in the manifest, another raw text, evidence off the text."""
    layout = Layout(root)
    entries = {entry.doc_id: entry for entry in iter_manifest(layout)}
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    for prediction in predictions:
        number, annotation = prediction.number, prediction.annotation
        doc_id = annotation.doc_id
        problem = partial(_located, name, prediction)
        if doc_id in first_line:
            message = f"document {doc_id!r} is predicted twice (first at line {first_line[doc_id]})"
            problems.append(problem(("doc_id",), message))
            continue
        first_line[doc_id] = number
        entry = entries.get(doc_id)
        if entry is None:
            message = f"no document {doc_id!r} in {layout.relative(layout.manifest)}"
            problems.append(problem(("doc_id",), message))
            continue
        raw_name = layout.relative(raw_path(layout, entry))
        if annotation.raw_sha256 != entry.sha256:
            message = (
                f"raw_sha256 {annotation.raw_sha256} is not the sha256 of {raw_name} "
                f"({entry.sha256}): the prediction was made on another text"
            )
            problems.append(problem(("raw_sha256",), message))
            continue
        raw = raw_text(layout, entry)
        for loc, evidence in iter_evidence(annotation):
            message = evidence_message(raw, raw_name, evidence.start, evidence.end, evidence.quote)
            if message is not None:
                problems.append(problem(loc, message))
    return problems


# --- Splits and scoring --------------------------------------------------------------------------


def split_assignments(root: Path) -> dict[str, str]:
    """Each document's split (doc_id → train, validation or test), as the build assigns them
    and writes them to ``splits.json``; the corpus under ``root`` must validate."""
    from .build.splits import assign  # importing build loads pyarrow: only when splits are needed

    layout = Layout(root)
    texts = ((entry.doc_id, raw_text(layout, entry)) for entry in iter_manifest(layout))
    return {assignment.doc_id: assignment.split for assignment in assign(texts)}


def _ids(doc_ids: Iterable[str]) -> str:
    return ", ".join(f"`{doc_id}`" for doc_id in doc_ids)


def _documents(count: int) -> str:
    return f"{count} document" + ("" if count == 1 else "s")


@dataclass(frozen=True)
class PredictionEvaluation:
    """Predictions scored against the gold of one split."""

    source: str
    """The predictions file, or ``<predictions>`` for annotations given in memory."""
    split: str
    """train, validation, test or all."""
    scores: Scores
    """Counts and metrics per document, per level and micro-averaged (see ``evaluate``)."""
    gold: tuple[str, ...]
    """The documents scored: every document of the split with gold, in manifest order."""
    missed: tuple[str, ...]
    """Gold documents without a prediction: scored as empty annotations (all misses)."""
    outside_split: tuple[str, ...]
    """Predicted documents of other splits: not scored."""
    without_gold: tuple[str, ...]
    """Predicted documents of the split that have no gold annotation: not scored."""

    @property
    def where(self) -> str:
        return "all documents" if self.split == ALL else f"the `{self.split}` split"

    def summary(self) -> str:
        """What was scored and what was not, in words."""
        predicted = len(self.gold) - len(self.missed)
        lines = [
            f"Predictions `{self.source}` on {self.where}: {_documents(len(self.gold))} with "
            f"gold, {predicted} of them predicted."
        ]
        if self.missed:
            lines.append(
                f"Missed: {_documents(len(self.missed))} with gold but no prediction, scored as "
                "empty annotations (every gold meeting, speaker, requirement and quality flag a "
                f"miss): {_ids(self.missed)}."
            )
        if self.outside_split:
            lines.append(
                f"Not scored: {_documents(len(self.outside_split))} predicted outside "
                f"{self.where}: {_ids(self.outside_split)}."
            )
        if self.without_gold:
            lines.append(
                f"Not scored: {_documents(len(self.without_gold))} predicted without gold: "
                f"{_ids(self.without_gold)}."
            )
        return "\n\n".join(lines)

    def markdown(self) -> str:
        """The summary, then the tables ``covidmeet-ds evaluate`` prints for the rules: micro-
        averaged, per level and per document; then how they are made."""
        title = "All documents" if self.split == ALL else f"`{self.split}` split"
        tables = render_markdown(
            {PREDICTIONS: self.scores}, title=title, detailed=PREDICTIONS, notes=PROTOCOL
        )
        return f"{self.summary()}\n\n{tables}"


def _given(predictions: Iterable[Annotation]) -> list[PredictionLine]:
    given = []
    for number, annotation in enumerate(predictions, start=1):
        if not isinstance(annotation, Annotation):
            raise TypeError(
                f"prediction {number} is a {type(annotation).__name__}, not an Annotation "
                "(Annotation.model_validate(data) makes one from a dict)"
            )
        given.append(PredictionLine(number, annotation))
    return given


def evaluate_predictions(
    predictions: str | os.PathLike[str] | Iterable[Annotation],
    root: str | os.PathLike[str] = ".",
    split: str = "test",
) -> PredictionEvaluation:
    """Score ``predictions`` (a JSON Lines file, or annotations) against the gold of ``split``.

    Raises :class:`~covidmeet_ds.errors.CorpusInvalid` when the corpus under ``root`` does not
    validate, :class:`~covidmeet_ds.errors.PredictionsInvalid` with every located problem of the
    predictions, and :class:`~covidmeet_ds.errors.NothingToScore` when the split has no gold.
    """
    if split not in SPLIT_CHOICES:
        raise ValueError(f"unknown split {split!r}: choose one of {', '.join(SPLIT_CHOICES)}")
    root = Path(root)
    corpus = validate_corpus(root)
    if corpus:
        raise CorpusInvalid(corpus)
    if isinstance(predictions, (str, os.PathLike)):
        source = str(predictions)
        given, problems = read_predictions(Path(predictions))
    else:
        source, given, problems = IN_MEMORY, _given(predictions), []
    problems += corpus_problems(root, source, given)
    if problems:
        raise PredictionsInvalid(sorted(problems))
    return _score(root, source, split, {p.annotation.doc_id: p.annotation for p in given})


def _score(
    root: Path, source: str, split: str, predicted: dict[str, Annotation]
) -> PredictionEvaluation:
    layout = Layout(root)
    doc_ids = [entry.doc_id for entry in iter_manifest(layout)]
    splits = split_assignments(root) if split != ALL else {}
    in_split = [d for d in doc_ids if split == ALL or splits[d] == split]
    gold: dict[str, Annotation] = {}
    for doc_id in in_split:
        hand = load_annotation(layout, "hand", doc_id)
        if hand is not None:
            gold[doc_id] = hand
    if not gold:
        raise NothingToScore(_nothing_to_score(layout, split, doc_ids, splits))
    in_split_set = set(in_split)
    return PredictionEvaluation(
        source=source,
        split=split,
        scores=score(gold, {d: predicted[d] for d in gold if d in predicted}),
        gold=tuple(gold),
        missed=tuple(d for d in gold if d not in predicted),
        outside_split=tuple(d for d in doc_ids if d in predicted and d not in in_split_set),
        without_gold=tuple(d for d in in_split if d in predicted and d not in gold),
    )


def _nothing_to_score(
    layout: Layout, split: str, doc_ids: Sequence[str], splits: dict[str, str]
) -> str:
    with_gold = [d for d in doc_ids if load_annotation(layout, "hand", d) is not None]
    if split == ALL or not with_gold:
        return "the corpus has no gold annotations yet"
    per_split = {name: sum(splits[d] == name for d in with_gold) for name in SPLITS}
    counts = ", ".join(f"{name} {count}" for name, count in per_split.items())
    return (
        f"no document of the {split} split has gold annotations yet (documents with gold per "
        f"split: {counts}): choose another split"
    )


__all__ = [
    "ALL",
    "SPLITS",
    "SPLIT_CHOICES",
    "PredictionEvaluation",
    "PredictionLine",
    "corpus_problems",
    "evaluate_predictions",
    "evidence_message",
    "json_column",
    "parse_line",
    "parse_predictions",
    "read_predictions",
    "split_assignments",
]
