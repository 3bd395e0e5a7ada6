"""Exceptions of the Python API: each carries the located problems that caused it."""

from __future__ import annotations

from collections.abc import Sequence

from .problems import Problem


class ProblemsFound(ValueError):
    """An input with problems; ``problems`` name file, line, column and field of each."""

    what = "the input has problems"

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        listed = "\n".join(str(problem) for problem in self.problems)
        super().__init__(f"{self.what} ({len(self.problems)}):\n{listed}")


class CorpusInvalid(ProblemsFound):
    """The corpus does not validate (what ``covidmeet-ds validate`` would print)."""

    what = "the corpus does not validate"


class PredictionsInvalid(ProblemsFound):
    """Predictions that cannot be scored: a line that is not an annotation, a document the
    corpus does not hold, a prediction made on another text, evidence off the raw text."""

    what = "the predictions cannot be scored"


class NothingToScore(ValueError):
    """The chosen split holds no document with gold annotations."""


__all__ = ["CorpusInvalid", "NothingToScore", "PredictionsInvalid", "ProblemsFound"]
